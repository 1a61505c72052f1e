"""Real PostgreSQL backends terminated under a request (``pg_terminate_backend`` from another
connection, as an administrator or a failover does): a page that only reads answers 200 after
one more try; a form answers the 503 page saying that nothing was saved.

The app here has a schema of its own and is not bound to a test's connection: the request's
connection is the one that is killed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from hub import create_app, db, migrate
from hub.models import MaterialVersion
from hub.search import shutdown
from hub.services import publishing
from hub.services.catalogue import Catalogue
from tests import factories
from tests.conftest import sign_in
from tests.test_dropped_connection import NOTHING_SAVED

pytestmark = pytest.mark.postgres

URL = os.environ.get("HUB_TEST_DATABASE_URL", "")


@pytest.fixture()
def pg_app(app_config: dict[str, Any]) -> Iterator[Flask]:
    if not URL.startswith("postgresql"):
        pytest.skip("needs HUB_TEST_DATABASE_URL on PostgreSQL")
    schema = f"hub_drop_{uuid.uuid4().hex[:12]}"
    admin = create_engine(URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in URL else "?"
    url = f"{URL}{separator}options=-csearch_path%3D{schema}"
    try:
        migrate.upgrade(url)
        app = create_app({**app_config, "HUB_DATABASE_URL": url})
        yield app
        shutdown(app)
        db.database(app).engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _terminate_own_backend(session: Session) -> None:
    """End the backend of ``session``'s connection from another connection."""
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = create_engine(URL)
    with killer.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    killer.dispose()


def killing_first_call(real: Callable[..., Any], session_of: Callable[..., Session]) -> Any:
    """``real``, whose first call first has its request's backend terminated."""

    def call(*args: Any, **kwargs: Any) -> Any:
        call.calls += 1  # type: ignore[attr-defined]
        if call.calls == 1:
            _terminate_own_backend(session_of(*args))
        return real(*args, **kwargs)

    call.calls = 0  # type: ignore[attr-defined]
    return call


def signed_in(app: Flask) -> tuple[FlaskClient, int, int]:
    """A teacher's client, a published material of the school and a draft of another."""
    session = db.database(app).new_session()
    factories.bind(session)
    try:
        teacher = factories.TeacherFactory()
        material = factories.make_material(session, teacher.school, title="Neonatal sepsis")
        draft = publishing.create_draft(session, teacher).latest
        session.commit()
    finally:
        factories.bind(None)
        session.close()
    client = app.test_client()
    sign_in(client, teacher)
    return client, material.id, draft.id


def test_a_page_answers_after_its_backend_was_terminated(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, material_id, _draft = signed_in(pg_app)
    version = killing_first_call(Catalogue.version, lambda catalogue, *_: catalogue.session)
    monkeypatch.setattr(Catalogue, "version", version)
    answer = client.get(f"/materials/{material_id}")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    assert "Neonatal sepsis" in answer.get_data(as_text=True)
    assert version.calls == 2
    assert client.get(f"/materials/{material_id}").status_code == 200  # the pool recovered


def test_a_form_whose_backend_was_terminated_saves_nothing_and_says_so(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _material, draft_id = signed_in(pg_app)
    save = killing_first_call(publishing.save_draft, lambda session, *_: session)
    monkeypatch.setattr(publishing, "save_draft", save)
    with db.database(pg_app).new_session() as session:
        draft = session.get(MaterialVersion, draft_id)
        assert draft is not None
        material_id, revision = draft.material_id, draft.revision
    answer = client.post(
        f"/materials/{material_id}/edit",
        data={"revision": str(revision), "title": "Typed by hand", "then": "save"},
    )
    assert answer.status_code == 503
    assert NOTHING_SAVED in answer.get_data(as_text=True)
    assert save.calls == 1
    with db.database(pg_app).new_session() as session:
        assert session.get(MaterialVersion, draft_id).title != "Typed by hand"  # type: ignore[union-attr]
