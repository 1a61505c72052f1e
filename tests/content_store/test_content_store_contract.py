"""The contract every backend keeps: each test runs on the local and the S3 store."""

from __future__ import annotations

import hashlib
import io
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from content_store import (
    Blob,
    BlobNotFound,
    ContentStore,
    IntegrityError,
    LocalStore,
    S3Store,
    TooLarge,
)
from tests.content_store.conftest import Dribble

MiB = 1024 * 1024
MISSING = "0" * 64


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_backends_implement_the_protocol(store: ContentStore) -> None:
    assert isinstance(store, ContentStore)


def test_put_then_open_round_trip(store: ContentStore) -> None:
    data = b"Cardiac auscultation, lecture 3\n" * 100
    blob = store.put(io.BytesIO(data), "text/plain")
    assert blob == Blob(sha(data), len(data), "text/plain")
    with store.open(blob.sha256) as fh:
        assert fh.read() == data
    assert store.exists(blob.sha256)
    assert store.stat(blob.sha256).size == len(data)


def test_empty_stream_is_a_blob(store: ContentStore) -> None:
    blob = store.put(io.BytesIO(b""))
    assert blob == Blob(sha(b""), 0, "application/octet-stream")
    with store.open(blob.sha256, verify=True) as fh:
        assert fh.read() == b""


def test_large_file_round_trip_is_byte_identical(
    store: ContentStore, big_data: bytes, leftovers: Callable[[], list[str]]
) -> None:
    parts: list[int] = []
    if isinstance(store, S3Store):
        # Prove that this really went through a multipart upload.
        store._client.meta.events.register(
            "before-call.s3.UploadPart", lambda **kw: parts.append(1)
        )
    blob = store.put(io.BytesIO(big_data), "video/mp4")
    assert blob.sha256 == sha(big_data)
    assert blob.size == len(big_data)
    if isinstance(store, S3Store):
        assert len(parts) == 5
    with store.open(blob.sha256, verify=True) as fh:
        digest = hashlib.sha256()
        size = 0
        while chunk := fh.read(3 * MiB + 7):  # odd reads: no alignment assumed
            digest.update(chunk)
            size += len(chunk)
    assert (digest.hexdigest(), size) == (blob.sha256, len(big_data))
    assert leftovers() == []


def test_stat_reports_size_and_media_type(store: ContentStore) -> None:
    blob = store.put(io.BytesIO(b"%PDF-1.7 ..."), "application/pdf")
    stat = store.stat(blob.sha256)
    assert (stat.sha256, stat.size) == (blob.sha256, blob.size)
    # S3 keeps the media type as the object's Content-Type; the local backend does
    # not persist it (documented): the hub serves the type from its database.
    expected = "application/pdf" if isinstance(store, S3Store) else "application/octet-stream"
    assert stat.media_type == expected


def test_same_content_is_stored_once(store: ContentStore) -> None:
    data = b"shared by two schools"
    first = store.put(io.BytesIO(data), "text/plain")
    second = store.put(io.BytesIO(data), "text/plain")
    assert first == second
    assert [info.sha256 for info in store.iter_blobs()] == [first.sha256]


def test_too_large_stops_mid_stream_and_leaves_nothing(
    store: ContentStore, big_data: bytes, leftovers: Callable[[], list[str]]
) -> None:
    source = io.BytesIO(big_data)
    with pytest.raises(TooLarge) as info:
        store.put(source, max_size=6 * MiB)
    assert info.value.limit == 6 * MiB
    assert "6 MiB" in str(info.value)
    # Stopped within a part of the limit: it did not read the whole upload first.
    assert source.tell() <= 11 * MiB < len(big_data)
    assert list(store.iter_blobs()) == []
    assert leftovers() == []


def test_size_limit_is_inclusive(store: ContentStore) -> None:
    data = b"x" * 1000
    assert store.put(io.BytesIO(data), max_size=1000).size == 1000
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(data + b"y"), max_size=1000)


def test_store_default_limit_applies_and_a_call_overrides_it(store: ContentStore) -> None:
    store.max_size = 10
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(b"eleven byte"))
    assert store.put(io.BytesIO(b"eleven byte"), max_size=11).size == 11


def test_verify_detects_corruption(
    store: ContentStore, corrupt: Callable[[str, bytes], None]
) -> None:
    data = b"A" * 5000
    blob = store.put(io.BytesIO(data))
    corrupt(blob.sha256, b"B" + data[1:])
    with store.open(blob.sha256) as fh:  # unverified reads hand over what is stored
        assert fh.read()[:1] == b"B"
    with store.open(blob.sha256, verify=True) as fh, pytest.raises(IntegrityError) as info:
        while fh.read(1000):
            pass
    assert info.value.expected == blob.sha256
    assert info.value.actual == sha(b"B" + data[1:])
    assert "corrupt" in str(info.value)


def test_verify_passes_intact_content(store: ContentStore) -> None:
    blob = store.put(io.BytesIO(b"intact" * 1000))
    with store.open(blob.sha256, verify=True) as fh:
        assert fh.read() == b"intact" * 1000


def test_missing_blob(store: ContentStore) -> None:
    assert not store.exists(MISSING)
    with pytest.raises(BlobNotFound) as info:
        store.open(MISSING)
    assert MISSING in str(info.value)
    with pytest.raises(BlobNotFound):
        store.stat(MISSING)


BAD_HASHES = [
    "",
    "abc",
    "A" * 64,  # uppercase: one blob has exactly one name
    "g" * 64,
    "0" * 63,
    "0" * 65,
    "../../../../etc/passwd",
    "00/00/" + "0" * 58,
    None,
]


@pytest.mark.parametrize(
    "call",
    [
        lambda s, h: s.open(h),
        lambda s, h: s.open(h, verify=True),
        lambda s, h: s.exists(h),
        lambda s, h: s.stat(h),
        lambda s, h: s.delete(h),
        lambda s, h: s.path(h),
        lambda s, h: s.download_url(h, "a.pdf", "application/pdf"),
    ],
    ids=["open", "open-verify", "exists", "stat", "delete", "path", "download_url"],
)
def test_invalid_hash_is_rejected(store: ContentStore, call: Any) -> None:
    for bad in BAD_HASHES:
        with pytest.raises(ValueError, match="SHA-256"):
            call(store, bad)


def test_delete_is_idempotent(store: ContentStore) -> None:
    blob = store.put(io.BytesIO(b"to be withdrawn"))
    store.delete(blob.sha256)
    store.delete(blob.sha256)
    store.delete(MISSING)
    assert not store.exists(blob.sha256)
    with pytest.raises(BlobNotFound):
        store.open(blob.sha256)
    assert list(store.iter_blobs()) == []


def test_iter_blobs_lists_exactly_what_was_put(
    store: ContentStore, leftovers: Callable[[], list[str]]
) -> None:
    contents = [b"one", b"two", b"three", b"four" * 1000]
    before = datetime.now(UTC) - timedelta(seconds=2)
    for data in contents + [b"two"]:
        store.put(io.BytesIO(data))
    after = datetime.now(UTC) + timedelta(seconds=2)
    infos = list(store.iter_blobs())
    assert sorted((i.sha256, i.size) for i in infos) == sorted((sha(d), len(d)) for d in contents)
    for info in infos:
        assert info.modified.tzinfo is not None
        assert info.modified.utcoffset() == timedelta(0)
        assert before <= info.modified <= after
    assert leftovers() == []


def test_path(store: ContentStore) -> None:
    blob = store.put(io.BytesIO(b"served by send_file"))
    path = store.path(blob.sha256)
    if isinstance(store, LocalStore):
        assert path is not None
        assert path.endswith(f"/{blob.sha256[:2]}/{blob.sha256[2:4]}/{blob.sha256}")
        with open(path, "rb") as fh:
            assert fh.read() == b"served by send_file"
        with pytest.raises(BlobNotFound):
            store.path(MISSING)
    else:
        assert path is None


@pytest.mark.parametrize("disposition", ["attachment", "inline"])
def test_download_url(store: ContentStore, disposition: Any) -> None:
    data = b"%PDF-1.7 pretend"
    blob = store.put(io.BytesIO(data), "application/pdf")
    url = store.download_url(
        blob.sha256, "Anatomía – cœur.pdf", "application/pdf", 60, disposition=disposition
    )
    if isinstance(store, LocalStore):
        assert url is None
        return
    assert url is not None and url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == data
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"] == (
            f'{disposition}; filename="Anatomia - coeur.pdf"; '
            "filename*=UTF-8''Anatom%C3%ADa%20%E2%80%93%20c%C5%93ur.pdf"
        )


def test_download_url_rejects_a_bad_disposition(store: ContentStore) -> None:
    blob = store.put(io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="disposition"):
        store.download_url(blob.sha256, "a.txt", "text/plain", disposition="evil")  # type: ignore[arg-type]


def test_check_passes_on_a_usable_store(store: ContentStore) -> None:
    store.check()
    assert list(store.iter_blobs()) == []


def test_put_streams_from_a_trickling_source(store: ContentStore) -> None:
    """A source that returns a few KiB per read (like a socket) still makes full parts."""

    data = bytes(range(256)) * (6 * 4096 + 3)  # ~6 MiB: two parts on S3
    part_sizes: list[int] = []
    if isinstance(store, S3Store):
        store._client.meta.events.register(
            "provide-client-params.s3.UploadPart",
            lambda params, **kw: part_sizes.append(len(params["Body"])),
        )
    blob = store.put(Dribble(data, 4096))  # type: ignore[arg-type]
    assert blob.sha256 == sha(data)
    if isinstance(store, S3Store):
        assert sorted(part_sizes) == [len(data) - 5 * MiB, 5 * MiB]
    with store.open(blob.sha256, verify=True) as fh:
        assert fh.read() == data


def test_source_errors_propagate_unchanged_and_leave_nothing(
    store: ContentStore, leftovers: Callable[[], list[str]]
) -> None:
    """The uploader's stream failing (client gone) is not the store's fault: re-raised as is."""

    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.sent = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            if self.sent >= 6 * MiB:  # past the first part on S3
                raise ConnectionResetError("client went away")
            self.sent += 1024 * 1024
            return b"p" * (1024 * 1024)

    with pytest.raises(ConnectionResetError):
        store.put(Broken())  # type: ignore[arg-type]
    assert list(store.iter_blobs()) == []
    assert leftovers() == []


@pytest.mark.parametrize("bad", ["", "pdf", "text/plain\r\nX-Evil: 1", "tëxt/plain", None])
def test_bad_media_type_is_rejected(store: ContentStore, bad: Any) -> None:
    with pytest.raises(ValueError, match="media type"):
        store.put(io.BytesIO(b"x"), bad)
    with pytest.raises(ValueError, match="media type"):
        store.download_url(MISSING, "x.bin", bad)
    assert list(store.iter_blobs()) == []
