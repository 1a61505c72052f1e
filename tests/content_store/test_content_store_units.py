"""Pieces that need no backend: URL parsing, argument checks, helpers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from content_store import LocalStore, S3Store, TooLarge, content_disposition, open_store
from content_store.base import HashingReader
from content_store.errors import format_size


def test_open_store_file_url(tmp_path: Path) -> None:
    store = open_store(f"file://{tmp_path}/blobs", max_size=10)
    assert isinstance(store, LocalStore)
    assert store.root == f"{tmp_path}/blobs"
    assert store.max_size == 10
    assert isinstance(open_store("file://localhost/srv/blobs"), LocalStore)


def test_open_store_s3_url() -> None:
    store = open_store(
        "s3://hub-blobs/prod/files/", s3_endpoint_url="http://127.0.0.1:9", s3_region="eu-west-1"
    )
    assert isinstance(store, S3Store)
    assert (store.bucket, store.prefix, store.endpoint_url) == (
        "hub-blobs",
        "prod/files",
        "http://127.0.0.1:9",
    )
    assert isinstance(open_store("s3://hub-blobs"), S3Store)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x/y", "Unknown content store URL scheme 'ftp'"),
        ("/srv/blobs", "Unknown content store URL scheme ''"),
        ("file://srv/blobs", "three slashes"),
        ("s3:///prefix", "must name a bucket"),
        ("s3://bucket/p?x=1", "query"),
    ],
)
def test_open_store_rejects_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_store(url)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("notes.pdf", 'attachment; filename="notes.pdf"'),
        (
            'say "hi".txt',
            "attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt",
        ),
        ("../../etc/passwd", 'attachment; filename="passwd"'),
        ("学习.pdf", "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E5%AD%A6%E4%B9%A0.pdf"),
        ("", 'attachment; filename="download"'),
        ("a\r\nSet-Cookie: x.pdf", 'attachment; filename="aSet-Cookie: x.pdf"'),
    ],
)
def test_content_disposition(name: str, expected: str) -> None:
    assert content_disposition(name) == expected


def test_content_disposition_inline() -> None:
    assert content_disposition("x.png", "inline") == 'inline; filename="x.png"'


def test_hashing_reader_fills_reads_and_enforces_the_limit() -> None:
    class Trickle(io.RawIOBase):
        def __init__(self) -> None:
            self.left = 100

        def read(self, size: int = -1) -> bytes:
            n = min(3, self.left, size)
            self.left -= n
            return b"z" * n

    reader = HashingReader(Trickle())  # type: ignore[arg-type]
    assert reader.read(10) == b"z" * 10
    assert reader.read() == b"z" * 90
    assert reader.read(5) == b""
    assert reader.size == 100
    limited = HashingReader(Trickle(), limit=50)  # type: ignore[arg-type]
    assert len(limited.read(50)) == 50
    with pytest.raises(TooLarge):
        limited.read(1)
    assert isinstance(limited.error, TooLarge)


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (1023, "1023 bytes"), (1536, "1.5 KiB"), (2 * 1024**3, "2 GiB"),
     (6 * 1024**2, "6 MiB")],
)  # fmt: skip
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


def test_library_knows_nothing_of_flask_or_sql() -> None:
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "content_store"
    for path in root.glob("*.py"):
        source = path.read_text()
        for name in ("flask", "sqlalchemy", "hub"):
            assert f"import {name}" not in source and f"from {name}" not in source, path
