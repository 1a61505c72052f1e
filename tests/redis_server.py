"""A real Redis server in a subprocess, for tests of jobs (RQ) and rate limits in Redis.

Each pytest process (each xdist worker) starts its own server on a free port, without
persistence; a test gets a database of its own on it, emptied before use::

    @pytest.fixture(scope="session")
    def redis_server() -> Iterator[str]:
        with running_redis_server() as url:
            yield url
"""

from __future__ import annotations

import itertools
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.content_store.moto_server import free_port

REDIS_SERVER = "/usr/bin/redis-server"
#: Databases each server has: a test takes the next one, round the clock.
DATABASES = 64
_numbers = itertools.count()


@contextmanager
def running_redis_server(timeout: float = 10.0) -> Iterator[str]:
    """Start ``redis-server`` on a free port of 127.0.0.1 (no snapshot, no append-only file)
    and wait until it answers; yields ``redis://127.0.0.1:PORT`` and stops it afterwards."""
    with tempfile.TemporaryDirectory(prefix="hub-redis-") as folder:
        for _attempt in range(3):
            port = free_port()
            process = subprocess.Popen(
                [
                    REDIS_SERVER,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    folder,
                    "--databases",
                    str(DATABASES),
                ],  # fmt: skip
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            url = f"redis://127.0.0.1:{port}"
            if _answers(url, process, timeout):
                break
            process.kill()
            process.wait()
        else:
            raise RuntimeError("redis-server did not start (three ports tried)")
        try:
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


def _answers(url: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    client = Redis.from_url(url)
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False  # exited: the port was taken meanwhile
            try:
                return bool(client.ping())
            except RedisConnectionError:
                time.sleep(0.05)
        return False
    finally:
        client.close()


def fresh_database(server: str) -> str:
    """The URL of the server's next database, emptied."""
    url = f"{server}/{next(_numbers) % DATABASES}"
    client = Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
    return url
