"""The engines of a deployment of several hosts, started on 127.0.0.1 for a test: a
three-node Typesense cluster, a Redis server, and hub web hosts (``python -m hub serve``, each
with an instance folder of its own). Each is a context manager that stops what it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.search_index.typesense_node import API_KEY, free_port, server_binary

START_TIMEOUT = 60.0


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until ``url`` answers 200, or fail naming the log."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as answer:
            if answer.status == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer (see {log})")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Node:
    """One Typesense node: its ports, its data folder and, while it runs, its process."""

    api: int
    peering: int
    data: Path
    process: subprocess.Popen[bytes] | None = None


@dataclass
class Cluster:
    """Typesense nodes that form one Raft cluster (``--nodes``)."""

    nodes: list[Node]
    nodes_file: Path
    binary: str = field(default_factory=server_binary)

    def url(self, collection: str) -> str:
        """``HUB_SEARCH_URL`` of a collection on every node."""
        hosts = ",".join(f"127.0.0.1:{n.api}" for n in self.nodes)
        return f"typesense://{API_KEY}@{hosts}/{collection}"

    def start(self, i: int) -> None:
        """Start node ``i`` (again: with the data it had) and wait until it answers."""
        node = self.nodes[i]
        node.data.mkdir(parents=True, exist_ok=True)
        log = node.data / "server.log"
        node.process = subprocess.Popen(
            [self.binary, f"--data-dir={node.data}", f"--api-key={API_KEY}",
             "--api-address=127.0.0.1", f"--api-port={node.api}",
             "--peering-address=127.0.0.1", f"--peering-port={node.peering}",
             f"--nodes={self.nodes_file}", "--enable-cors=false"],
            stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait(self, i: int) -> None:
        node = self.nodes[i]
        assert node.process is not None
        _wait(f"http://127.0.0.1:{node.api}/health", node.process, node.data / "server.log")

    def kill(self, i: int) -> None:
        """Kill node ``i`` at once (SIGKILL: no goodbye to its peers)."""
        node = self.nodes[i]
        assert node.process is not None
        node.process.kill()
        node.process.wait()
        node.process = None

    def stop(self) -> None:
        for node in self.nodes:
            if node.process is not None:
                _stop(node.process)
                node.process = None


@contextlib.contextmanager
def typesense_cluster(root: Path, size: int = 3) -> Iterator[Cluster]:
    """``size`` Typesense nodes on free ports forming one cluster, healthy when yielded."""
    nodes = [Node(free_port(), free_port(), root / f"node{i}") for i in range(size)]
    nodes_file = root / "nodes"
    root.mkdir(parents=True, exist_ok=True)
    nodes_file.write_text(",".join(f"127.0.0.1:{n.peering}:{n.api}" for n in nodes))
    cluster = Cluster(nodes, nodes_file)
    try:
        for i in range(size):
            cluster.start(i)
        for i in range(size):
            cluster.wait(i)
        yield cluster
    finally:
        cluster.stop()


@contextlib.contextmanager
def redis_server(root: Path) -> Iterator[str]:
    """A Redis server of the test's own (nothing kept on disk); its URL."""
    port = free_port()
    root.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import redis

        client = redis.Redis(port=port)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


@dataclass
class Host:
    """A hub web host: ``python -m hub serve`` on its port, with its own instance folder."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """Kill the host at once, as a crash or a lost machine does."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@contextlib.contextmanager
def hub_worker(env: dict[str, str], instance: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m hub worker``: the jobs the hosts queue in Redis (text, previews, the
    index's catch-up, mail) run here."""
    instance.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "worker"],
        env={**os.environ, **env, "HUB_INSTANCE_PATH": str(instance)},
        stdout=(instance / "worker.log").open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield process
    finally:
        _stop(process)


@contextlib.contextmanager
def hub_host(env: dict[str, str], instance: Path) -> Iterator[Host]:
    """A web host on a free port; yielded once ``/healthz`` answers."""
    port = free_port()
    instance.mkdir(parents=True, exist_ok=True)
    log = instance / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **env, "HUB_INSTANCE_PATH": str(instance)},
        stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    host = Host(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait(f"{host.url}/healthz", process, log)
        yield host
    finally:
        if process.poll() is None:
            # gunicorn's workers are its children: end the whole group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
