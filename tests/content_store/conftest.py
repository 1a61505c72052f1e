"""Fixtures for the content store tests: one ``store`` fixture over every backend.

After moinwiki's store tests: the contract tests take ``store`` and run once per
backend, so both backends are held to exactly the same behaviour. The S3 backend
is exercised through boto3 over real HTTP against a moto server subprocess.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

# Importable whatever pytest's import mode: the project root holds both the
# library and the ``tests`` package.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


import content_store  # noqa: E402
from content_store import ContentStore, LocalStore, S3Store  # noqa: E402
from tests.content_store.moto_server import (  # noqa: E402
    s3_leftovers,
    small_transfer_config,
)

if not hasattr(content_store, "open_store"):  # pragma: no cover - set-up error
    raise RuntimeError(
        f"'content_store' resolved to {content_store!r}, not the library: run pytest from "
        "the project root or put it on the path (pyproject: pythonpath = ['.'])."
    )

MiB = 1024 * 1024


class Dribble(io.RawIOBase):
    """An upload's source that hands out ``data`` at most ``chunk`` bytes a read, after
    ``pause`` seconds each time (like a socket, or a slow client)."""

    def __init__(self, data: bytes, chunk: int, pause: float = 0) -> None:
        self._data = io.BytesIO(data)
        self._chunk = chunk
        self._pause = pause

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        time.sleep(self._pause)
        return self._data.read(min(size, self._chunk) if size >= 0 else self._chunk)


@pytest.fixture
def s3_store(moto_server: str, s3_bucket: str) -> S3Store:
    """An S3Store under prefix ``hub`` in a fresh bucket, multipart from 5 MiB."""
    return S3Store(
        s3_bucket, "hub", endpoint_url=moto_server, transfer_config=small_transfer_config()
    )


@pytest.fixture
def local_store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "blobs")


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest) -> ContentStore:
    """Each contract test runs once per backend (moto starts only if S3 is reached)."""
    fixture = "local_store" if request.param == "local" else "s3_store"
    return request.getfixturevalue(fixture)


@pytest.fixture
def leftovers(store: ContentStore, request: pytest.FixtureRequest) -> Callable[[], list[str]]:
    """A function listing what a failed or finished put left behind (should be nothing)."""

    def find() -> list[str]:
        if isinstance(store, LocalStore):
            tmp = os.path.join(store.root, "tmp")
            return sorted(os.listdir(tmp)) if os.path.isdir(tmp) else []
        assert isinstance(store, S3Store)
        client = request.getfixturevalue("s3_client")
        return s3_leftovers(client, store.bucket, store.prefix)

    return find


@pytest.fixture
def corrupt(store: ContentStore, request: pytest.FixtureRequest) -> Callable[[str, bytes], None]:
    """A function that overwrites a stored blob's bytes directly, bypassing the store."""

    def overwrite(sha256: str, data: bytes) -> None:
        if isinstance(store, LocalStore):
            path = store.path(sha256)
            with open(path, "wb") as fh:
                fh.write(data)
            return
        assert isinstance(store, S3Store)
        client = request.getfixturevalue("s3_client")
        key = f"{store.prefix}/sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"
        client.put_object(Bucket=store.bucket, Key=key, Body=data)

    return overwrite


@pytest.fixture(scope="session")
def big_data() -> bytes:
    """~20 MiB of random bytes: four 5 MiB parts and a short last one on S3."""
    return os.urandom(20 * MiB + 12345)
