"""What a deployment of several hosts runs, started on 127.0.0.1 for a test: a three-node
Typesense cluster, a ``hub worker`` and hub web hosts (``python -m hub serve``, each with an
instance folder of its own). Each is a context manager that stops what it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks._harness import stop_group
from search_index.typesense_node import (
    API_KEY,
    free_port,
    start_node,
    stop_process,
    wait_until_answering,
)


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

    def url(self, collection: str) -> str:
        """``HUB_SEARCH_URL`` of a collection on every node."""
        hosts = ",".join(f"127.0.0.1:{n.api}" for n in self.nodes)
        return f"typesense://{API_KEY}@{hosts}/{collection}"

    def start(self, i: int) -> None:
        """Start node ``i`` (again: with the data it had) and wait until it answers."""
        node = self.nodes[i]
        node.process = start_node(node.data, node.api, node.peering, self.nodes_file)

    def wait(self, i: int) -> None:
        node = self.nodes[i]
        assert node.process is not None
        url = f"http://127.0.0.1:{node.api}/health"
        wait_until_answering(url, node.process, node.data / "server.log")

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
                stop_process(node.process)
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
        stop_process(process)


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
        wait_until_answering(f"{host.url}/healthz", process, log)
        yield host
    finally:
        stop_group(process)  # gunicorn's workers are its children: end the whole group
