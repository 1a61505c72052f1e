"""Benchmark of the content_store library: streaming put/open of one large file.

Run from the project root::

    python -m benchmarks.content_store_lib           # 1 GiB local, 256 MiB on S3 (moto)
    python -m benchmarks.content_store_lib --quick   # 64 MiB everywhere

Local backend: ``put`` and ``open(verify=True)`` against the raw work they cannot
avoid, measured in the same run on the same file: copy-while-hashing with hashlib
(1 MiB chunks, fsync at the end) and read-while-hashing. The ratios are the
library's overhead; absolute speeds move from machine to machine.

S3 backend: against a moto server subprocess, next to a plain boto3
``upload_fileobj`` / ``get_object`` of the same bytes. moto is the bottleneck
there (see shared/notes/measured-limits.md): these figures show function and
relative overhead, not what real S3 would do.

Peak RSS (``getrusage``) shows that no phase holds the file in memory. Human lines
first, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._harness import peak_rss_mib
from content_store import LocalStore, S3Store

MiB = 1024 * 1024
CHUNK = MiB


def make_source(path: Path, size: int) -> str:
    """Write ``size`` random-looking bytes to ``path``; return their SHA-256."""
    digest = hashlib.sha256()
    block = os.urandom(CHUNK)
    with open(path, "wb") as fh:
        written = 0
        counter = 0
        while written < size:
            # A counter makes every chunk distinct without paying for urandom each time.
            chunk = (counter.to_bytes(8, "big") + block[8:])[: size - written]
            fh.write(chunk)
            digest.update(chunk)
            written += len(chunk)
            counter += 1
    return digest.hexdigest()


def raw_copy_hash(src: Path, dst: Path) -> str:
    """The baseline for put: copy in 1 MiB chunks while hashing, then fsync."""
    digest = hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(CHUNK):
            digest.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    return digest.hexdigest()


def read_hash(fh: Any) -> str:
    """Read a stream to the end in 1 MiB chunks, hashing it."""
    digest = hashlib.sha256()
    while chunk := fh.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def drain(fh: Any) -> None:
    """Read a stream to the end in 1 MiB chunks (a verifying stream hashes it itself)."""
    while fh.read(CHUNK):
        pass


def best_of(
    repeats: int, run: Callable[[], Any], before: Callable[[], None] | None = None
) -> float:
    """Fastest of ``repeats`` runs in seconds (``before`` runs untimed each time)."""
    times = []
    for _ in range(repeats):
        if before is not None:
            before()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def speed(size: int, seconds: float) -> float:
    return round(size / MiB / seconds, 1)


def compared(size: int, raw: str, raw_s: float, name: str, seconds: float) -> dict[str, float]:
    """Speeds of the raw path and the library's, and the library's time over the raw one."""
    return {
        f"{raw}_mib_s": speed(size, raw_s),
        f"{name}_mib_s": speed(size, seconds),
        f"{name}_vs_raw_ratio": round(seconds / raw_s, 3),
    }


def bench_local(work: Path, source: Path, size: int, digest: str, repeats: int) -> dict[str, Any]:
    store = LocalStore(work / "store")
    store.check()
    copy_target = work / "raw-copy"

    def put() -> None:
        with open(source, "rb") as fh:
            blob = store.put(fh, "video/mp4")
        assert blob.sha256 == digest and blob.size == size

    def drop_blob() -> None:
        store.delete(digest)  # otherwise the next put is a (fast) dedup hit

    def drop_copy() -> None:
        copy_target.unlink(missing_ok=True)

    def raw_copy() -> None:
        assert raw_copy_hash(source, copy_target) == digest

    # Interleave baseline and library so both see the same cache and disk state.
    raw_put_s = put_s = float("inf")
    for _ in range(repeats):
        raw_put_s = min(raw_put_s, best_of(1, raw_copy, drop_copy))
        put_s = min(put_s, best_of(1, put, drop_blob))
    # The last put left the blob in place: a repeat put writes a temporary copy
    # while hashing, then drops it (no fsync) and refreshes the stored file.
    dedup_s = best_of(repeats, put)

    def raw_read() -> None:
        with open(copy_target, "rb") as fh:
            assert read_hash(fh) == digest

    def open_verify() -> None:
        with store.open(digest, verify=True) as fh:
            drain(fh)  # raises IntegrityError at EOF on a mismatch

    def open_plain() -> None:
        with store.open(digest) as fh:
            read_hash(fh)

    raw_copy()
    raw_read_s = open_verify_s = open_plain_s = float("inf")
    for _ in range(repeats):
        raw_read_s = min(raw_read_s, best_of(1, raw_read))
        open_verify_s = min(open_verify_s, best_of(1, open_verify))
        open_plain_s = min(open_plain_s, best_of(1, open_plain))
    drop_copy()
    drop_blob()
    return {
        **compared(size, "raw_copy_hash", raw_put_s, "put", put_s),
        "put_existing_mib_s": speed(size, dedup_s),
        **compared(size, "raw_read_hash", raw_read_s, "open_verify", open_verify_s),
        "open_plain_then_hash_mib_s": speed(size, open_plain_s),
    }


def bench_s3(work: Path, source: Path, size: int, digest: str) -> dict[str, Any]:
    # The moto helper lives with the tests; the project root is on sys.path under -m.
    from tests.content_store.moto_server import (
        moto_credentials_env,
        start_moto_server,
        stop_moto_server,
    )

    os.environ.update(moto_credentials_env())
    url, process = start_moto_server()
    try:
        import boto3

        client = boto3.client("s3", endpoint_url=url)
        bucket = f"bench-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=bucket)
        store = S3Store(bucket, "hub", endpoint_url=url)  # production transfer settings

        def raw_upload() -> None:
            with open(source, "rb") as fh:
                client.upload_fileobj(fh, bucket, "raw/object")

        def put() -> None:
            with open(source, "rb") as fh:
                assert store.put(fh, "video/mp4").sha256 == digest

        rss_before = peak_rss_mib()
        put_s = best_of(1, put)  # first, so the peak RSS below is the store's own
        rss_after_put = peak_rss_mib()
        raw_put_s = best_of(1, raw_upload)

        def raw_get() -> None:
            body = client.get_object(Bucket=bucket, Key="raw/object")["Body"]
            read_hash(body)

        def open_verify() -> None:
            with store.open(digest, verify=True) as fh:
                drain(fh)

        raw_get_s = best_of(1, raw_get)
        open_s = best_of(1, open_verify)
        store.delete(digest)
        client.delete_object(Bucket=bucket, Key="raw/object")
    finally:
        stop_moto_server(process)
    return {
        **compared(size, "raw_upload_fileobj", raw_put_s, "put", put_s),
        **compared(size, "raw_get_object_hash", raw_get_s, "open_verify", open_s),
        "peak_rss_mib_before_put": round(rss_before, 1),
        "peak_rss_mib_after_put": round(rss_after_put, 1),
        "moto_peak_rss_mib": round(peak_rss_mib(resource.RUSAGE_CHILDREN), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="64 MiB instead of 1 GiB")
    parser.add_argument("--size-mb", type=int, help="local file size in MiB")
    parser.add_argument("--s3-size-mb", type=int, help="S3 file size in MiB (moto keeps it in RAM)")
    parser.add_argument("--no-s3", action="store_true", help="skip the moto/S3 part")
    parser.add_argument("--dir", help="work folder (default: a new temporary folder)")
    args = parser.parse_args(argv)

    size = (args.size_mb or (64 if args.quick else 1024)) * MiB
    s3_size = (args.s3_size_mb or (64 if args.quick else 256)) * MiB
    repeats = 3
    work = Path(tempfile.mkdtemp(prefix="content-store-bench-", dir=args.dir))
    result: dict[str, Any] = {
        "benchmark": "content_store_lib",
        "quick": args.quick,
        "size_mib": size // MiB,
        "python": sys.version.split()[0],
    }
    try:
        print(f"content_store benchmark in {work}: {size // MiB} MiB local file")
        source = work / "source.bin"
        digest = make_source(source, size)
        rss_before = peak_rss_mib()

        local = bench_local(work, source, size, digest, repeats)
        result["local"] = local
        result["peak_rss_mib_after_local"] = round(peak_rss_mib(), 1)
        print(
            f"local put:  {local['put_mib_s']} MiB/s vs raw copy+hash "
            f"{local['raw_copy_hash_mib_s']} MiB/s (ratio {local['put_vs_raw_ratio']}); "
            f"re-put of stored content {local['put_existing_mib_s']} MiB/s"
        )
        print(
            f"local open: {local['open_verify_mib_s']} MiB/s verified vs raw read+hash "
            f"{local['raw_read_hash_mib_s']} MiB/s (ratio {local['open_verify_vs_raw_ratio']})"
        )
        print(
            f"peak RSS after local phase: {result['peak_rss_mib_after_local']} MiB "
            f"(before: {rss_before:.1f} MiB) for a {size // MiB} MiB file"
        )

        if not args.no_s3:
            if s3_size != size:
                source.unlink()
                digest = make_source(source, s3_size)
            s3 = bench_s3(work, source, s3_size, digest)
            result["s3_size_mib"] = s3_size // MiB
            result["s3_moto"] = s3
            print(
                f"S3 (moto) put:  {s3['put_mib_s']} MiB/s vs upload_fileobj "
                f"{s3['raw_upload_fileobj_mib_s']} MiB/s (ratio {s3['put_vs_raw_ratio']}), "
                f"{s3_size // MiB} MiB; moto is the limit"
            )
            print(
                f"S3 (moto) open: {s3['open_verify_mib_s']} MiB/s verified vs get_object+hash "
                f"{s3['raw_get_object_hash_mib_s']} MiB/s (ratio {s3['open_verify_vs_raw_ratio']})"
            )
            print(
                f"peak RSS around S3 put: {s3['peak_rss_mib_before_put']} -> "
                f"{s3['peak_rss_mib_after_put']} MiB (8 MiB parts, 4 threads)"
            )
        result["peak_rss_mib"] = round(peak_rss_mib(), 1)
        print(f"peak RSS of this process: {result['peak_rss_mib']} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
