"""Benchmark: upload and download of a large file through the hub's own endpoints (gunicorn).

Each figure is a ratio against the raw path measured in the same run:
- upload through ``POST /api/files`` vs copying the file while hashing it with ``hashlib``
  (and fsync, as the store does) — target >= 0.5x;
- download through ``GET /files/<id>/<name>`` vs ``python -m http.server`` serving the same
  file — target >= 0.8x (full file);
- peak RSS of the gunicorn worker — target < 150 MB.
The S3 backend is measured the same way against a moto server: moto limits the speed, so those
figures prove function and memory, not speed.

    python -m benchmarks.content_store [--quick] [--skip-s3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._harness import (
    LOOPBACK,
    Client,
    free_port,
    gunicorn,
    process_peak_rss_mib,
    reset_peak_rss,
    wait_for,
)

MiB = 1024 * 1024
CHUNK = MiB
PASSWORD = "benchmark-password"
EMAIL = "bench.teacher@example.org"


MP4_HEADER = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def make_file(path: Path, size: int) -> None:
    """An MP4 header (so the hub accepts it as video) and incompressible content."""
    with path.open("wb") as f:
        block = os.urandom(CHUNK)
        f.write(MP4_HEADER)
        written = len(MP4_HEADER)
        while written < size:
            n = min(CHUNK, size - written)
            # Vary each chunk so the content is not one block repeated.
            f.write(hashlib.sha256(written.to_bytes(8, "big")).digest() + block[32:n])
            written += n


def raw_copy_with_hash(src: Path, dst: Path, fsync: bool = True) -> float:
    """Seconds to copy ``src`` to ``dst`` hashing on the way, then fsync (the store's work)."""
    os.sync()  # start each measurement with no dirty pages queued from earlier writes
    start = time.perf_counter()
    digest = hashlib.sha256()
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(CHUNK):
            digest.update(chunk)
            fout.write(chunk)
        fout.flush()
        if fsync:
            os.fsync(fout.fileno())
    elapsed = time.perf_counter() - start
    dst.unlink()
    return elapsed


def curl(*args: str) -> tuple[int, float]:
    """Run curl (a native client, so the client's own speed does not limit the figure);
    return (bytes transferred, seconds)."""
    out = subprocess.run(
        [
            "curl",
            "-s",
            "-S",
            "--fail",
            "-o",
            "/dev/null",
            "-w",
            "%{size_download} %{size_upload} %{time_total}",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return max(int(float(out[0])), int(float(out[1]))), float(out[2])


def download(url: str, *headers: str, follow: bool = False) -> tuple[int, float]:
    """Fetch ``url`` to nowhere; return (bytes, seconds). ``follow`` follows redirects."""
    extra = [arg for h in headers for arg in ("-H", h)]
    return curl(*extra, *(["-L"] if follow else []), url)


def upload(client: Client, path: Path) -> tuple[dict[str, object], float]:
    """POST the file as the raw body with curl (streamed from disk); its answer and seconds."""
    url = f"http://{LOOPBACK}:{client.port}/api/files?filename={path.name}"
    with tempfile.NamedTemporaryFile() as answer:
        start = time.perf_counter()
        subprocess.run(
            [
                "curl",
                "-s",
                "-S",
                "--fail-with-body",
                "-o",
                answer.name,
                "-X",
                "POST",
                "-T",
                str(path),
                "-H",
                "Accept: application/json",
                "-H",
                "Content-Type: application/octet-stream",
                "-H",
                "Expect:",
                *client.curl_headers(),
                url,
            ],
            check=True,
        )
        elapsed = time.perf_counter() - start
        data = json.loads(Path(answer.name).read_text())
    return data, elapsed


def prepare_instance(instance: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "hub", "db", "upgrade"], env=env, check=True, capture_output=True
    )
    script = (
        "from hub import create_app, db\n"
        "from hub.models import Role\n"
        "from hub.services import accounts\n"
        "from hub.services.schools import create_school\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    s = db.session()\n"
        "    school = create_school(s, name='Bench School', country='KE', languages=['en'])\n"
        f"    accounts.create_person(s, email='{EMAIL}', name='Bench', password='{PASSWORD}',\n"
        "                           role=Role.TEACHER, school=school)\n"
        "    s.commit()\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)


def measure_hub(env: dict[str, str], big: Path, follow_redirect: bool) -> dict[str, float]:
    # One worker, so that its peak memory is the transfers'; a long timeout for 1 GiB.
    with gunicorn(env, workers=1, timeout=600) as server:
        port = server.port
        client = Client(port, timeout=600)
        client.sign_in(EMAIL, PASSWORD)
        workers = server.workers()
        os.sync()
        # Signing in hashes a password with argon2 (64 MiB by design): measure the transfer.
        idle = max([process_peak_rss_mib(pid) for pid in workers] or [0.0])
        for pid in workers:
            reset_peak_rss(pid)
        meta, up_s = upload(client, big)
        # Again (the content is then known, but the hub still receives, hashes and writes it
        # in full before deduplicating): the better of two, like the raw path.
        os.sync()
        up_s = min(up_s, upload(client, big)[1])
        url = str(meta["url"])
        cookie = client.curl_headers()[1]
        # S3 answers with a redirect to the presigned URL (moto); local answers directly.
        size, down_s = download(f"http://{LOOPBACK}:{port}{url}", cookie, follow=follow_redirect)
        assert size == big.stat().st_size, f"downloaded {size} bytes"
        rss = max([process_peak_rss_mib(pid) for pid in workers] or [0.0])
        return {
            "upload_s": up_s,
            "download_s": down_s,
            "worker_peak_rss_mb": rss,
            "worker_peak_rss_before_mb": idle,
        }


def raw_baselines(tmp: Path, big: Path) -> tuple[float, float, float]:
    """Seconds for the raw paths: copy+hash+fsync, the same without fsync, and
    ``python -m http.server`` serving the file (each the better of two)."""
    raw_up = min(raw_copy_with_hash(big, tmp / "copy") for _ in range(2))
    raw_up_cached = min(raw_copy_with_hash(big, tmp / "copy", fsync=False) for _ in range(2))
    http_port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(http_port), "--bind", LOOPBACK,
         "--directory", str(tmp)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(http_port)
        raw_down = min(download(f"http://{LOOPBACK}:{http_port}/{big.name}")[1] for _ in range(2))
    finally:
        server.terminate()
        server.wait()
    mb = big.stat().st_size / 1e6
    print(f"raw copy+sha256+fsync: {mb / raw_up:,.0f} MB/s; http.server: "
          f"{mb / raw_down:,.0f} MB/s")  # fmt: skip
    return raw_up, raw_up_cached, raw_down


def measure_s3(tmp: Path, env: dict[str, str], s3_size: int) -> dict[str, object]:
    """The same through the S3 backend against a moto server (moto limits the speed)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.content_store.moto_server import running_moto_server

    small = tmp / "s3-lecture.mp4"
    make_file(small, s3_size)
    with running_moto_server() as endpoint:
        import boto3

        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
            Bucket="bench"
        )
        s3_env = dict(env, **{k: v for k, v in os.environ.items() if k.startswith("AWS_")})
        s3_env.update(
            HUB_INSTANCE_PATH=str(tmp / "s3instance"),
            HUB_CONTENT_STORE_URL="s3://bench/hub",
            HUB_S3_ENDPOINT_URL=endpoint,
            HUB_S3_REGION="us-east-1",
        )
        prepare_instance(tmp / "s3instance", s3_env)
        s3 = measure_hub(s3_env, small, follow_redirect=True)
    smb = s3_size / 1e6
    print(
        f"S3 via moto ({s3_size // MiB} MiB): upload {smb / s3['upload_s']:,.0f} MB/s, "
        f"download by presigned redirect {smb / s3['download_s']:,.0f} MB/s, worker "
        f"peak RSS {s3['worker_peak_rss_mb']:.0f} MB (moto limits speed)"
    )
    return dict(
        s3_file_mib=s3_size // MiB,
        s3_upload_mb_s=round(smb / s3["upload_s"]),
        s3_download_mb_s=round(smb / s3["download_s"]),
        s3_worker_peak_rss_mb=round(s3["worker_peak_rss_mb"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="64 MiB instead of 1 GiB")
    parser.add_argument("--skip-s3", action="store_true")
    args = parser.parse_args()
    size = 64 * MiB if args.quick else 1024 * MiB
    s3_size = 32 * MiB if args.quick else 256 * MiB
    figures: dict[str, object] = {"file_mib": size // MiB}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        big = tmp / "big-lecture.mp4"
        make_file(big, size)
        mb = size / 1e6

        raw_up, raw_up_cached, raw_down = raw_baselines(tmp, big)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(HUB_INSTANCE_PATH=str(tmp / "instance"), HUB_MAX_UPLOAD_MB="4096")
        prepare_instance(tmp / "instance", env)
        local = measure_hub(env, big, follow_redirect=False)
        up_ratio = raw_up / local["upload_s"]
        down_ratio = raw_down / local["download_s"]
        print(
            f"hub upload (local store): {mb / local['upload_s']:,.0f} MB/s = {up_ratio:.2f}x "
            "raw (target >= 0.5x)"
        )
        print(
            f"  (against copy+sha256 into the page cache, no fsync: "
            f"{mb / raw_up_cached:,.0f} MB/s, {raw_up_cached / local['upload_s']:.2f}x)"
        )
        print(
            f"hub download (local store): {mb / local['download_s']:,.0f} MB/s = "
            f"{down_ratio:.2f}x http.server (target >= 0.8x)"
        )
        print(
            f"gunicorn worker peak RSS during the transfers: {local['worker_peak_rss_mb']:.0f} MB"
            f" (target < 150 MB; {local['worker_peak_rss_before_mb']:.0f} MB peak before, "
            "from start-up and the argon2 sign-in)"
        )
        figures.update(
            raw_copy_hash_mb_s=round(mb / raw_up),
            raw_copy_hash_no_fsync_mb_s=round(mb / raw_up_cached),
            local_upload_ratio_vs_no_fsync=round(raw_up_cached / local["upload_s"], 2),
            http_server_mb_s=round(mb / raw_down),
            local_upload_mb_s=round(mb / local["upload_s"]),
            local_upload_ratio=round(up_ratio, 2),
            local_download_mb_s=round(mb / local["download_s"]),
            local_download_ratio=round(down_ratio, 2),
            local_worker_peak_rss_mb=round(local["worker_peak_rss_mb"]),
            local_worker_peak_rss_before_transfer_mb=round(local["worker_peak_rss_before_mb"]),
            upload_target_met=up_ratio >= 0.5,
            download_target_met=down_ratio >= 0.8,
            memory_target_met=local["worker_peak_rss_mb"] < 150,
        )

        if not args.skip_s3:
            figures.update(measure_s3(tmp, env, s3_size))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
