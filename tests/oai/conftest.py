"""A hub served over HTTP for harvesters, with a small consortium whose every kind of
material is known: public ones a harvester must collect, and hidden ones (canaries) that no
anonymous harvest may show."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from hub import migrate
from hub.models import Material, MaterialKind, Person
from tests import factories
from tests.conftest import make_app
from tests.factories import (
    CONSORTIUM_VIEW,
    PUBLIC_DOWNLOAD,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    add_grants,
    make_material,
)

SECRET = "oai-test-secret"
PAGE_SIZE = 3


@dataclass
class Hub:
    """A served hub: its address, its app, and the materials it was given by name."""

    url: str
    app: Flask
    materials: dict[str, Material] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def session(self) -> Session:
        """A new session on the hub's database (the caller closes it)."""
        s: Session = self.app.extensions["hub.db"].new_session()
        return s

    @property
    def oai(self) -> str:
        return f"{self.url}/oai"

    def identifier(self, name: str) -> str:
        return f"oai:127.0.0.1:material/{self.materials[name].id}"


def serve(instance: Path, **config: Any) -> Iterator[tuple[str, Flask]]:
    """The hub on a free port of 127.0.0.1 (a new database in ``instance``, unless
    ``config`` names one)."""
    instance.mkdir(parents=True, exist_ok=True)
    url = config.pop("HUB_DATABASE_URL", None) or f"sqlite:///{instance / 'hub.sqlite3'}"
    migrate.upgrade(url)
    app = make_app(
        {
            "HUB_INSTANCE_PATH": str(instance),
            "HUB_DATABASE_URL": url,
            "HUB_SECRET_KEY": SECRET,
            "RATELIMIT_ENABLED": False,
            "OAI_PAGE_SIZE": PAGE_SIZE,
            **config,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()


def consortium(session: Session) -> tuple[dict[str, Material], dict[str, Person]]:
    """Eight public materials in three languages (one a module holding two of them, one an
    adaptation, one a translation) and four hidden ones whose titles are canaries."""
    north = SchoolFactory(name="North Medical School")
    south = SchoolFactory(name="South Medical School")
    m: dict[str, Material] = {}
    for n in range(5):
        m[f"public{n}"] = make_material(
            session, north, title=f"Public lecture {n}", grants=PUBLIC_DOWNLOAD
        )
    m["french"] = make_material(
        session, south, title="Paludisme grave", language="fr", grants=PUBLIC_DOWNLOAD
    )
    m["french"].versions[0].regions = ["202"]
    m["translation"] = make_material(
        session, south, title="Paludismo grave", language="es", grants=PUBLIC_DOWNLOAD
    )
    m["translation"].translation_of_id = m["french"].id
    m["module"] = make_material(
        session,
        north,
        title="Public module",
        grants=PUBLIC_DOWNLOAD,
        kind=MaterialKind.MODULE,
        items=[m["public0"], m["french"]],
    )
    module_version = m["module"].versions[0]
    module_version.estimated_hours = 1.5
    module_version.objectives = ["Recognise severe malaria"]
    m["consortium"] = make_material(
        session, north, title="Canary consortium only", grants=CONSORTIUM_VIEW
    )
    m["teachers"] = make_material(
        session, north, title="Canary teachers only", grants=PUBLIC_DOWNLOAD, teachers_only=True
    )
    m["draft"] = make_material(
        session, north, title="Canary draft", grants=PUBLIC_DOWNLOAD, published=False
    )
    m["nc"] = make_material(
        session, south, title="Canary consortium licence", licence="LicenseRef-Consortium",
        grants=PUBLIC_DOWNLOAD,
    )  # fmt: skip
    people = {
        "student": StudentFactory(school=south, email="student@oai.example.org"),
        "teacher": TeacherFactory(school=north, email="teacher@oai.example.org"),
    }
    session.flush()
    return m, people


def hub_in(instance: Path) -> Iterator[Hub]:
    """A served hub with ``consortium``'s materials, committed (their harvest records
    written as any change writes them)."""
    for url, app in serve(instance):
        with app.app_context():
            session = app.extensions["hub.db"].new_session()
            factories.bind(session)
            try:
                materials, people = consortium(session)
                session.commit()
            finally:
                factories.bind(None)
        yield Hub(url, app, materials, people)
        session.close()


@pytest.fixture()
def hub(tmp_path: Path) -> Iterator[Hub]:
    """A hub of the test's own, which the test may change."""
    yield from hub_in(tmp_path)


@pytest.fixture(scope="module")
def shared_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A hub that the module's tests only read."""
    yield from hub_in(tmp_path_factory.mktemp("oai-hub"))


def share(session: Session, material: Material, grants: list[tuple[str, list[str], str]]) -> None:
    """Replace a material's grants."""
    material.grants.clear()
    session.flush()
    add_grants(session, material, grants)
