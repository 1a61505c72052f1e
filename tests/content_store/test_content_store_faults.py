"""Faults: S3 failing mid-upload, unreachable endpoints, a full disk, racing puts."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import content_store.local
from content_store import (
    ContentStore,
    IntegrityError,
    LocalStore,
    S3Store,
    StoreUnavailable,
    open_store,
)
from tests.content_store.conftest import Dribble
from tests.content_store.moto_server import (
    FaultyS3Proxy,
    free_port,
    s3_leftovers,
    small_transfer_config,
)

MiB = 1024 * 1024


# -- S3 answering 500 in the middle of a multipart upload ---------------------------


@pytest.fixture
def faulty_proxy(moto_server: str) -> Iterator[FaultyS3Proxy]:
    proxy = FaultyS3Proxy(moto_server, good_parts=1)
    yield proxy
    proxy.close()


def test_s3_500s_mid_upload_raise_store_unavailable_and_leave_nothing(
    faulty_proxy: FaultyS3Proxy, s3_bucket: str, s3_client: Any, big_data: bytes
) -> None:
    store = S3Store(
        s3_bucket,
        "hub",
        endpoint_url=faulty_proxy.url,
        transfer_config=small_transfer_config(max_concurrency=1),
        max_attempts=2,  # still retried once; keeps the test quick
    )
    with pytest.raises(StoreUnavailable) as info:
        store.put(io.BytesIO(big_data), "video/mp4")
    message = str(info.value)
    assert "InternalError" in message and "HTTP 500" in message and s3_bucket in message
    assert faulty_proxy.parts >= 3  # one good part, then a failing part and its retry
    assert faulty_proxy.failures >= 2
    assert list(store.iter_blobs()) == []
    assert s3_leftovers(s3_client, s3_bucket, "hub") == []


def test_s3_connection_refused_is_reported_by_check() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    store = open_store("s3://hub-blobs/prod", s3_endpoint_url=endpoint, s3_region="eu-west-1")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as info:
        store.check()
    assert f"Cannot reach the S3 endpoint {endpoint} for bucket 'hub-blobs'" in str(info.value)
    assert time.monotonic() - started < 30


def test_s3_connection_refused_during_put(moto_server: str) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    store = S3Store("hub-blobs", endpoint_url=endpoint, max_attempts=1)
    with pytest.raises(StoreUnavailable, match="Cannot reach the S3 endpoint"):
        store.put(io.BytesIO(b"lost"))


def test_s3_missing_bucket(moto_server: str) -> None:
    store = open_store("s3://no-such-bucket-here/p", s3_endpoint_url=moto_server)
    with pytest.raises(StoreUnavailable) as info:
        store.check()
    assert str(info.value) == f"S3 bucket 'no-such-bucket-here' does not exist at {moto_server}."
    with pytest.raises(StoreUnavailable):
        store.put(io.BytesIO(b"nowhere to go"))


def test_s3_without_credentials(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    store = open_store("s3://any-bucket", s3_endpoint_url=moto_server)
    with pytest.raises(StoreUnavailable, match="No usable AWS credentials"):
        store.check()


def test_s3_copy_checksum_mismatch_is_an_integrity_error(
    s3_store: S3Store, s3_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If S3's own SHA-256 of the stored copy differs from ours, nothing is kept."""
    real_copy = s3_store._client.copy_object

    def lying_copy(**kwargs: Any) -> Any:
        answer = real_copy(**kwargs)
        assert answer["CopyObjectResult"]["ChecksumSHA256"]  # moto does compute it
        answer["CopyObjectResult"]["ChecksumSHA256"] = "AAAA" * 11
        return answer

    monkeypatch.setattr(s3_store._client, "copy_object", lying_copy)
    with pytest.raises(IntegrityError):
        s3_store.put(io.BytesIO(b"bits flipped in transit"))
    assert list(s3_store.iter_blobs()) == []
    assert s3_leftovers(s3_client, s3_store.bucket, "hub") == []


def test_s3_large_blob_uses_multipart_copy(s3_store: S3Store, big_data: bytes) -> None:
    """Above CopyObject's 5 GiB limit the managed copy (UploadPartCopy) is used."""
    s3_store.single_copy_max = 1 * MiB  # pretend 20 MiB is "over 5 GiB"
    calls: list[str] = []
    s3_store._client.meta.events.register(
        "before-call.s3.UploadPartCopy", lambda **kw: calls.append("part")
    )
    blob = s3_store.put(io.BytesIO(big_data), "video/mp4")
    assert calls
    assert s3_store.stat(blob.sha256) == blob
    with s3_store.open(blob.sha256, verify=True) as fh:
        assert fh.read() == big_data


def test_s3_repeat_put_skips_the_copy_unless_the_blob_is_old(s3_store: S3Store) -> None:
    copies: list[str] = []
    s3_store._client.meta.events.register(
        "before-call.s3.CopyObject", lambda **kw: copies.append("copy")
    )
    s3_store.put(io.BytesIO(b"again"))
    s3_store.put(io.BytesIO(b"again"))
    assert len(copies) == 1
    s3_store.refresh_after = timedelta(0)  # the stored object now counts as old
    s3_store.put(io.BytesIO(b"again"))
    assert len(copies) == 2


def test_s3_collect_temporaries(s3_store: S3Store, s3_client: Any) -> None:
    blob = s3_store.put(io.BytesIO(b"kept"))
    s3_client.put_object(Bucket=s3_store.bucket, Key="hub/tmp/crashed", Body=b"x")
    assert s3_store.collect_temporaries(timedelta(hours=1)) == 0  # too young to be abandoned
    # (Created only now: moto reports every multipart upload as initiated in 2010.)
    s3_client.create_multipart_upload(Bucket=s3_store.bucket, Key="hub/tmp/crashed-multi")
    assert s3_store.collect_temporaries(timedelta(seconds=-60)) == 2
    assert s3_leftovers(s3_client, s3_store.bucket, "hub") == []
    assert [i.sha256 for i in s3_store.iter_blobs()] == [blob.sha256]


def test_s3_iter_blobs_ignores_foreign_keys(s3_store: S3Store, s3_client: Any) -> None:
    blob = s3_store.put(io.BytesIO(b"mine"))
    for key in ("hub/sha256/zz/README", "hub/sha256/00/00/" + "1" * 64, "other/x"):
        s3_client.put_object(Bucket=s3_store.bucket, Key=key, Body=b"?")
    assert [i.sha256 for i in s3_store.iter_blobs()] == [blob.sha256]


# -- local disk refusing writes ------------------------------------------------------


def _fail_after_first_call(real: Callable[..., Any]) -> Callable[..., Any]:
    calls = 0

    def fake(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args)

    return fake


@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
def test_local_disk_full_raises_typed_error_and_leaves_nothing(
    local_store: LocalStore, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    local_store.check()  # creates the folders; the fault must hit the upload itself
    if step == "write":
        monkeypatch.setattr(
            content_store.local,
            "_write_all",
            _fail_after_first_call(content_store.local._write_all),
        )
    else:

        def refuse(*args: Any) -> Any:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(content_store.local.os, step, refuse)
    with pytest.raises(StoreUnavailable) as info:
        local_store.put(io.BytesIO(os.urandom(3 * MiB)))
    monkeypatch.undo()
    assert "No space left on device" in str(info.value)
    assert local_store.root in str(info.value)
    assert os.listdir(os.path.join(local_store.root, "tmp")) == []
    assert list(local_store.iter_blobs()) == []


def test_local_check_on_an_unusable_folder(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_bytes(b"")
    store = open_store(f"file://{tmp_path}/a-file/blobs")
    with pytest.raises(StoreUnavailable, match="Not a directory"):
        store.check()


def test_local_repeat_put_refreshes_the_modified_time(local_store: LocalStore) -> None:
    blob = local_store.put(io.BytesIO(b"re-uploaded after a year"))
    os.utime(local_store.path(blob.sha256), (0, 0))
    assert next(local_store.iter_blobs()).modified.year == 1970
    local_store.put(io.BytesIO(b"re-uploaded after a year"))
    assert next(local_store.iter_blobs()).modified.year > 1970


def test_local_collect_temporaries(local_store: LocalStore) -> None:
    local_store.check()
    tmp = Path(local_store.root, "tmp")
    (tmp / "old.part").write_bytes(b"x")
    os.utime(tmp / "old.part", (0, 0))
    (tmp / "new.part").write_bytes(b"x")
    assert local_store.collect_temporaries(timedelta(hours=1)) == 1
    assert os.listdir(tmp) == ["new.part"]


# -- racing puts ----------------------------------------------------------------------


def test_two_threads_putting_the_same_content(
    store: ContentStore, leftovers: Callable[[], list[str]]
) -> None:
    data = os.urandom(6 * MiB)
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def upload(i: int) -> None:
        slow = Dribble(data, 256 * 1024, pause=0.002)  # so that the two uploads overlap
        barrier.wait()
        try:
            results[i] = store.put(slow, "application/zip")  # type: ignore[arg-type]
        except BaseException as exc:  # reported below
            results[i] = exc

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results[0] == results[1]
    assert results[0].sha256 == hashlib.sha256(data).hexdigest()
    assert [i.sha256 for i in store.iter_blobs()] == [results[0].sha256]
    with store.open(results[0].sha256, verify=True) as fh:
        assert fh.read() == data
    assert leftovers() == []


def test_s3_lists_temporaries_and_unfinished_multipart_uploads(
    s3_store: S3Store, s3_client: Any
) -> None:
    s3_client.put_object(Bucket=s3_store.bucket, Key="hub/tmp/crashed", Body=b"xyz")
    s3_client.create_multipart_upload(Bucket=s3_store.bucket, Key="hub/tmp/crashed-multi")
    found = {(t.name, t.size) for t in s3_store.iter_temporaries()}
    assert found == {("hub/tmp/crashed", 3), ("hub/tmp/crashed-multi (multipart)", 0)}


def test_local_lists_temporaries(local_store: LocalStore) -> None:
    local_store.check()
    (Path(local_store.root, "tmp") / "up.part").write_bytes(b"abc")
    assert [(t.name, t.size) for t in local_store.iter_temporaries()] == [("tmp/up.part", 3)]
