"""A real moto S3 server in a subprocess, for tests that talk to S3 over HTTP.

Usable from any test (and the benchmarks), not only ``tests/content_store``::

    from tests.content_store.moto_server import start_moto_server, stop_moto_server
    url, process = start_moto_server()
    try:
        ...  # boto3.client("s3", endpoint_url=url) with moto_credentials_env() set
    finally:
        stop_moto_server(process)

or, as a session fixture in a conftest (this also sets dummy AWS credentials in
the environment while the server runs)::

    from tests.content_store.moto_server import running_moto_server

    @pytest.fixture(scope="session")
    def moto_server() -> Iterator[str]:
        with running_moto_server() as url:
            yield url

It also holds small S3 helpers for such tests: ``small_transfer_config`` (multipart
from 5 MiB) and ``s3_leftovers`` (temporary keys and unfinished multipart uploads).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from boto3.s3.transfer import TransferConfig

from search_index.typesense_node import stop_process


def moto_credentials_env() -> dict[str, str]:
    """Dummy AWS settings that keep boto3 away from real credentials and the network."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        # Never read a developer's ~/.aws, never wait on the EC2 metadata service.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port nobody listens on right now (nothing will, unless raced)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def start_moto_server(
    host: str = "127.0.0.1", port: int | None = None, timeout: float = 30.0
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``python -m moto.server`` and wait until it answers; return (url, process).

    The port is chosen free unless given; if another process grabs it first the
    server exits and a new port is tried (up to three times).
    """
    last_output = ""
    for _attempt in range(3):
        chosen = port or free_port(host)
        url = f"http://{host}:{chosen}"
        # The server's output goes to a temporary file, shown only if it fails to start.
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", host, "-p", str(chosen)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **moto_credentials_env()},
            )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                        return url, process
                except (urllib.error.URLError, OSError):
                    time.sleep(0.05)
            stop_moto_server(process)
            log.seek(0)
            last_output = log.read()[-2000:].decode("utf-8", "replace")
        if port is not None:
            break
    raise RuntimeError(f"moto server did not start on {host}; its output:\n{last_output}")


def stop_moto_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by ``start_moto_server`` (terminate, then kill)."""
    stop_process(process)


@contextmanager
def running_moto_server() -> Iterator[str]:
    """Run a moto server for the ``with`` block; yield its URL, with dummy AWS env set.

    The body of a session fixture::

        @pytest.fixture(scope="session")
        def moto_server() -> Iterator[str]:
            with running_moto_server() as url:
                yield url
    """
    with pytest.MonkeyPatch.context() as patch:
        for name, value in moto_credentials_env().items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        url, process = start_moto_server()
        try:
            yield url
        finally:
            stop_moto_server(process)


MiB = 1024 * 1024


def small_transfer_config(**overrides: Any) -> TransferConfig:
    """Multipart from 5 MiB (S3's minimum part size) so ~20 MiB exercises several parts."""
    settings: dict[str, Any] = {
        "multipart_threshold": 5 * MiB,
        "multipart_chunksize": 5 * MiB,
        "max_concurrency": 2,
        "preferred_transfer_client": "classic",
    }
    settings.update(overrides)
    return TransferConfig(**settings)


def s3_leftovers(client: Any, bucket: str, prefix: str) -> list[str]:
    """Temporary keys and unfinished multipart uploads left in an S3 store (should be none)."""
    base = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    keys = [
        item["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=f"{base}tmp/"
        )
        for item in page.get("Contents", [])
    ]
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return keys + [f"multipart upload of {u['Key']}" for u in uploads]


class FaultyS3Proxy:
    """An HTTP proxy in front of moto that answers 500 to UploadPart after N good parts.

    Everything else (create/abort multipart, list, delete) is forwarded, so the
    store's clean-up after the failure goes through and can be checked.
    """

    def __init__(self, upstream: str, good_parts: int) -> None:
        self.good_parts = good_parts
        self.parts = 0
        self.failures = 0
        self._lock = threading.Lock()
        target = urlsplit(upstream)
        host, port = target.hostname or "127.0.0.1", target.port
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, and 100-continue for big PUTs

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = urlsplit(self.path).query
                if self.command == "PUT" and "partNumber=" in query and "uploadId=" in query:
                    with proxy._lock:
                        proxy.parts += 1
                        fail = proxy.parts > proxy.good_parts
                        proxy.failures += fail
                    if fail:
                        payload = (
                            b'<?xml version="1.0" encoding="UTF-8"?><Error>'
                            b"<Code>InternalError</Code><Message>injected fault</Message></Error>"
                        )
                        self.send_response(500)
                        self.send_header("Content-Type", "application/xml")
                        self.send_header("Content-Length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(payload)
                        return
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("expect", "connection")
                }
                conn = http.client.HTTPConnection(host, port, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    self.send_response(response.status, response.reason)
                    for key, value in response.getheaders():
                        if key.lower() not in (
                            "connection", "transfer-encoding", "content-length", "server", "date",
                        ):  # fmt: skip
                            self.send_header(key, value)
                    length_header = (
                        response.getheader("Content-Length", "0")
                        if self.command == "HEAD"
                        else str(len(data))
                    )
                    self.send_header("Content-Length", length_header)
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
