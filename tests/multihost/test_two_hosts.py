"""Two hub web hosts, each with an instance folder of its own, sharing what a deployment of
several machines shares (README "Running on several machines"): PostgreSQL, an S3 bucket (a
moto server over HTTP), a three-node Typesense cluster and Redis with a ``hub worker`` for the
jobs, all on 127.0.0.1 and started here. Every step goes over HTTP to a real ``hub serve``
process, as a person or a program would.

One deployment serves the whole journey (starting it costs tens of seconds), so the journey is
one test whose steps are named functions:

1. a material published on host A through the API is found on host B within a second, and
   the words of its file (read by the worker, which then brings the index up to date) within
   a few seconds;
2. searches keep answering on both hosts while a Typesense node is killed and restarted;
3. a bounded load (locust, loopback only: 32 users for ``HUB_LOAD_SECONDS``, 30 by default) of
   searches, material pages, downloads and a few publishes spread over both hosts: no errors,
   p50/p95 per route printed;
4. host A killed in the middle of an upload loses nothing: host B answers, and ``hub store
   check`` and ``hub index check`` are clean.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from hub import create_app, db
from hub.services import tokens
from hub.services.sample_files import pdf_document
from tests import factories
from tests.multihost.api_steps import DRAFT, PUBLIC
from tests.multihost.engines import (
    Cluster,
    Host,
    hub_host,
    hub_worker,
    typesense_cluster,
)

pytestmark = [pytest.mark.postgres, pytest.mark.multihost]

URL = os.environ.get("HUB_TEST_DATABASE_URL", "")
#: How soon a material published on one host must be found on the other.
FOUND_WITHIN_S = 1.0
#: How soon the words of its file must be found: the worker reads the file, then applies the
#: outbox to the shared index (the followers' round, 2 s, would do it too).
FILE_WORDS_FOUND_WITHIN_S = 5.0
#: Words only the published file holds.
FILE_WORDS = "Lactate remeasured within six hours."
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
ROOT = Path(__file__).resolve().parents[2]
LOAD_USERS = 32
LOAD_SECONDS = int(os.environ.get("HUB_LOAD_SECONDS", "30"))


@dataclass
class Deployment:
    """What the hosts share, the settings every host and command runs with, and the hosts."""

    env: dict[str, str]
    cluster: Cluster
    a: Host
    b: Host
    token: str  # a teacher's API token (read and write)


def _hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _teacher_token(env: dict[str, str]) -> str:
    """A teacher of a Kenyan school, with a token to write through the API."""
    app = create_app({**env, "HUB_INSTANCE_PATH": env["HUB_INSTANCE_PATH"]})
    session = db.database(app).new_session()
    factories.bind(session)
    try:
        teacher = factories.TeacherFactory(school=factories.SchoolFactory(country="KE"))
        with app.app_context():
            secret = tokens.create(session, teacher, "two hosts", ("read", "write"), 30).secret
        session.commit()
        return secret
    finally:
        factories.bind(None)
        session.close()
        db.database(app).engine.dispose()


@pytest.fixture()
def deployment(
    own_database: str, tmp_path: Path, moto_server: str, s3_bucket: str, redis_url: str
) -> Iterator[Deployment]:
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(typesense_cluster(tmp_path / "typesense"))
        env = {
            "HUB_DATABASE_URL": own_database,
            "HUB_CONTENT_STORE_URL": f"s3://{s3_bucket}/hub",
            "HUB_S3_ENDPOINT_URL": moto_server,
            "HUB_S3_REGION": "us-east-1",
            "HUB_SEARCH_URL": cluster.url("materials"),
            "HUB_REDIS_URL": redis_url,
            # The load comes from one address (loopback) where people come from many: the
            # API's limit per visitor's address would answer it 429 (counted across hosts).
            "HUB_API_RATE_LIMIT": "100000 per minute",
            "HUB_SECRET_KEY": "one secret for every host",
            "HUB_INSTANCE_PATH": str(tmp_path / "operator"),
        }
        for step in (("db", "upgrade"), ("index", "rebuild")):
            done = _hub(env, *step)
            assert done.returncode == 0, done.stderr
        token = _teacher_token(env)
        stack.enter_context(hub_worker(env, tmp_path / "worker"))
        a = stack.enter_context(hub_host(env, tmp_path / "host-a"))
        b = stack.enter_context(hub_host(env, tmp_path / "host-b"))
        yield Deployment(env, cluster, a, b, token)


# The steps ------------------------------------------------------------------------------------


def _api(host: Host, token: str | None = None) -> requests.Session:
    session = requests.Session()
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def _ok(answer: requests.Response, status: int = 200) -> Any:
    assert answer.status_code == status, f"{answer.request.method} {answer.url}: {answer.text}"
    return answer.json()


def _publish_on(host: Host, token: str, title: str) -> int:
    """The README's API guide on ``host``: create, describe, upload, publish, share publicly."""
    api, base = _api(host, token), f"{host.url}/api/v1"
    made = _ok(api.post(f"{base}/materials", json={"title": title}), 201)
    _ok(api.patch(f"{base}/materials/{made['id']}/draft", json=DRAFT))
    _ok(
        api.post(
            f"{base}/materials/{made['id']}/draft/files?filename=bundle.pdf",
            data=pdf_document(title, [FILE_WORDS]),
            headers={"Content-Type": "application/octet-stream"},
        ),
        201,
    )
    _ok(api.post(f"{base}/materials/{made['id']}/publish"))
    _ok(api.post(f"{base}/materials/{made['id']}/grants", json=PUBLIC), 201)
    return int(made["id"])


def _found(host: Host, words: str) -> list[int]:
    """Ids a visitor finds on ``host`` for ``words`` (the API's search)."""
    answer = requests.get(f"{host.url}/api/v1/search", params={"q": words}, timeout=10)
    return [int(hit["material_id"]) for hit in _ok(answer)["items"]]


def published_on_a_is_found_on_b(d: Deployment) -> None:
    material = _publish_on(d.a, d.token, "Sepsis bundle for district hospitals")
    published = time.monotonic()
    while material not in _found(d.b, "sepsis bundle"):
        assert time.monotonic() - published < FOUND_WITHIN_S, "not found on host B within 1 s"
        time.sleep(0.05)
    while material not in _found(d.b, "lactate remeasured"):
        waited = time.monotonic() - published
        assert waited < FILE_WORDS_FOUND_WITHIN_S, "the file's words not found on host B"
        time.sleep(0.05)
    print(f"\nthe file's words found on host B after {time.monotonic() - published:.2f} s")


def searches_go_on_while_a_node_is_down(d: Deployment) -> None:
    searched = 0

    def both_hosts_answer() -> None:
        nonlocal searched
        for host in (d.a, d.b):
            assert _found(host, "sepsis bundle"), f"{host.url} found nothing"
            searched += 1

    for node in range(len(d.cluster.nodes)):
        d.cluster.kill(node)
        both_hosts_answer()
        d.cluster.start(node)
        d.cluster.wait(node)
        both_hosts_answer()
    assert searched == 4 * len(d.cluster.nodes)


def a_bounded_load_on_both_hosts_has_no_errors(d: Deployment, folder: Path) -> None:
    prefix = folder / "load"
    done = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
         "-u", str(LOAD_USERS), "-r", str(LOAD_USERS), "-t", f"{LOAD_SECONDS}s",
         "--stop-timeout", "10", "--csv", str(prefix), "--only-summary"],
        env={**os.environ, "HUB_LOAD_HOSTS": f"{d.a.url},{d.b.url}", "HUB_LOAD_TOKEN": d.token,
             "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=LOAD_SECONDS + 120,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = list(csv.DictReader(stats))
    print(f"\n{LOAD_USERS} users for {LOAD_SECONDS} s on two hosts (ms):")
    for row in rows:
        print(f"  {row['Name']:<45} {row['Request Count']:>6} requests, "
              f"{row['Failure Count']} failed, p50 {row['50%']}, p95 {row['95%']}")  # fmt: skip
    total = next(row for row in rows if row["Name"] == "Aggregated")
    assert int(total["Request Count"]) > LOAD_USERS * LOAD_SECONDS // 2, done.stderr[-2000:]
    assert int(total["Failure Count"]) == 0, done.stderr[-2000:]


def _upload_cut_short(host: Host, token: str, material_id: int) -> http.client.HTTPConnection:
    """Start an upload of 50 MB on ``host`` and send only its first 5 MB."""
    parts = urllib.parse.urlsplit(host.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    connection.putrequest("POST", f"/api/v1/materials/{material_id}/draft/files?filename=big.pdf")
    connection.putheader("Authorization", f"Bearer {token}")
    connection.putheader("Content-Type", "application/octet-stream")
    connection.putheader("Content-Length", str(50 * 1024 * 1024))
    connection.endheaders()
    connection.send(b"%PDF-1.4\n" + b"x" * (5 * 1024 * 1024))
    return connection


def a_host_killed_mid_upload_loses_nothing(d: Deployment) -> None:
    api, base = _api(d.a, d.token), f"{d.a.url}/api/v1"
    draft = _ok(api.post(f"{base}/materials", json={"title": "Cut short"}), 201)
    connection = _upload_cut_short(d.a, d.token, draft["id"])
    time.sleep(0.5)  # the host is streaming the body into the bucket
    d.a.kill()
    connection.close()
    assert _found(d.b, "sepsis bundle"), "host B found nothing after host A died"
    assert requests.get(f"{d.b.url}/search?q=sepsis", timeout=10).status_code == 200
    assert _ok(_api(d.b, d.token).get(f"{d.b.url}/api/v1/materials/{draft['id']}"))["id"]
    for check in (("store", "check"), ("index", "check")):
        done = _hub(d.env, *check)
        assert done.returncode == 0, f"hub {' '.join(check)}: {done.stdout}{done.stderr}"


def test_two_hosts_share_one_hub(deployment: Deployment, tmp_path: Path) -> None:
    published_on_a_is_found_on_b(deployment)
    searches_go_on_while_a_node_is_down(deployment)
    a_bounded_load_on_both_hosts_has_no_errors(deployment, tmp_path)
    a_host_killed_mid_upload_loses_nothing(deployment)
