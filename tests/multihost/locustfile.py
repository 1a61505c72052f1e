"""The load of ``test_two_hosts.py`` (run by locust in a process of its own: locust patches
the standard library with gevent): visitors spread over the hosts search (the page and the
API), open material pages and download files; a few teachers publish through the API.

Settings come from the environment: ``HUB_LOAD_HOSTS`` (the hosts' base URLs, comma-separated)
and ``HUB_LOAD_TOKEN`` (a teacher's API token, read and write).
"""

from __future__ import annotations

import itertools
import os
import random
from typing import Any

from locust import HttpUser, between, task

from tests.multihost.api_steps import DRAFT, PUBLIC

HOSTS = os.environ.get("HUB_LOAD_HOSTS", "http://127.0.0.1:5000").split(",")
TOKEN = os.environ.get("HUB_LOAD_TOKEN", "")
WORDS = ["sepsis", "bundle", "district", "hospitals", "sepsis bundle", "hour-one bundle"]
_turn = itertools.count()
_published = itertools.count(1)


class Visitor(HttpUser):
    """Someone not signed in, on one host, reading what is public."""

    host = HOSTS[0]
    weight = 15
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.base = HOSTS[next(_turn) % len(HOSTS)]
        found = self.client.get(f"{self.base}/api/v1/search", name="GET /api/v1/search").json()
        self.materials: list[dict[str, Any]] = found["items"]
        self.downloads = []
        for card in self.materials[:5]:
            files = self.client.get(
                f"{self.base}/api/v1/materials/{card['material_id']}/versions/"
                f"{card['number']}/files",
                name="GET /api/v1/materials/<id>/versions/<n>/files",
            ).json()
            self.downloads += [f["download_url"] for f in files["items"] if f["download_url"]]

    @task(5)
    def search_page(self) -> None:
        self.client.get(
            f"{self.base}/search", params={"q": random.choice(WORDS)}, name="GET /search"
        )

    @task(2)
    def search_api(self) -> None:
        self.client.get(
            f"{self.base}/api/v1/search",
            params={"q": random.choice(WORDS)},
            name="GET /api/v1/search?q=",
        )

    @task(3)
    def material_page(self) -> None:
        if self.materials:
            card = random.choice(self.materials)
            self.client.get(
                f"{self.base}/materials/{card['material_id']}", name="GET /materials/<id>"
            )

    @task(2)
    def download(self) -> None:
        if self.downloads:
            # The host answers with a short-lived address in the bucket; the file comes from there.
            self.client.get(self.base + random.choice(self.downloads), name="GET download")


class Teacher(HttpUser):
    """A teacher publishing a new material now and then, through the API of one host."""

    host = HOSTS[0]
    fixed_count = 2
    wait_time = between(2, 4)

    def on_start(self) -> None:
        self.base = HOSTS[next(_turn) % len(HOSTS)] + "/api/v1"
        self.client.headers["Authorization"] = f"Bearer {TOKEN}"

    @task
    def publish(self) -> None:
        title = f"Sepsis bundle, load {next(_published)}"
        made = self.client.post(
            f"{self.base}/materials", json={"title": title}, name="POST /api/v1/materials"
        ).json()
        where = f"{self.base}/materials/{made['id']}"
        self.client.patch(f"{where}/draft", json=DRAFT, name="PATCH /api/v1/materials/<id>/draft")
        self.client.post(
            f"{where}/draft/files?filename=bundle.pdf",
            data=b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
            + title.encode(),
            headers={"Content-Type": "application/octet-stream"},
            name="POST /api/v1/materials/<id>/draft/files",
        )
        self.client.post(f"{where}/publish", name="POST /api/v1/materials/<id>/publish")
        self.client.post(
            f"{where}/grants",
            json=PUBLIC,
            name="POST /api/v1/materials/<id>/grants",
        )
