"""The hub command: database, demo, admins and serving."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import Person, Role


def _invoke(app: Flask, *args: str, **kwargs: Any) -> Result:
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def test_create_admin(app: Flask, session: Session) -> None:
    result = _invoke(app, "create-admin", "Boss@Example.org", "--password", "long enough pw")
    assert result.exit_code == 0, result.output
    person = session.scalar(select(Person).where(Person.email == "boss@example.org"))
    assert person is not None and person.role is Role.CONSORTIUM_ADMIN


def test_create_admin_names_the_problem(app: Flask, session: Session) -> None:
    bad = _invoke(app, "create-admin", "not-an-email", "--password", "long enough pw")
    assert bad.exit_code != 0
    assert "not a valid email" in bad.output
    weak = _invoke(app, "create-admin", "a@example.org", "--password", "short")
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
    assert len(weak.output.strip().splitlines()) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hub(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture()
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_INSTANCE_PATH"] = str(tmp_path / "instance")
    return env


def test_commands_fail_with_a_one_line_reason(cli_env: dict[str, str]) -> None:
    cli_env["HUB_MAX_UPLOAD_MB"] = "plenty"
    result = _hub("db", "upgrade", env=cli_env)
    assert result.returncode != 0
    assert "HUB_MAX_UPLOAD_MB must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_before_upgrade_says_what_to_do(cli_env: dict[str, str]) -> None:
    result = _hub("demo", env=cli_env)
    assert result.returncode != 0
    assert "run `hub db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_first_readme_command_serves_the_demo(cli_env: dict[str, str]) -> None:
    """`db upgrade`, `demo`, `serve` on the embedded defaults: the URL printed answers."""
    assert _hub("db", "upgrade", env=cli_env).returncode == 0
    assert _hub("demo", env=cli_env).returncode == 0
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--port", str(port)],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the hub did not answer"
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert "Makerere" in r.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.mark.slow
def test_serve_refuses_to_start_without_its_content_store(cli_env: dict[str, str]) -> None:
    assert _hub("db", "upgrade", env=cli_env).returncode == 0
    cli_env["HUB_CONTENT_STORE_URL"] = "s3://no-such-bucket/hub"
    cli_env["HUB_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{_free_port()}"
    cli_env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
    result = _hub("serve", "--port", str(_free_port()), env=cli_env, timeout=120)
    assert result.returncode != 0
    assert "cannot use the content store" in result.stderr
    assert "Traceback" not in result.stderr
