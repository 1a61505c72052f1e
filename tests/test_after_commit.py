"""What runs after a request's commit (the search catch-up, closing its session) never turns an
answer into an error page nor makes the person wait.

These tests run an app on a SQLite file of their own, not bound to the test's connection: the
trouble they guard against is between the request's connection and the catch-up's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from hub import migrate
from hub.models import MembershipStatus, School
from hub.search import shutdown
from tests import factories
from tests.conftest import app_settings, make_app, sign_in


@pytest.fixture()
def own_app(tmp_path: Path) -> Iterator[Flask]:
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    migrate.upgrade(url)
    app = make_app(app_settings(tmp_path / "instance", url))
    yield app
    shutdown(app)


def _consortium_admin_and_school(app: Flask) -> tuple[Any, int]:
    session = app.extensions["hub.db"].new_session()
    factories.bind(session)
    try:
        school = factories.SchoolFactory()
        factories.SchoolAdminFactory(school=school)
        # Its shared material changes reach when the school is suspended: the outbox is
        # written, and the request catches its index copy up after committing.
        factories.make_material(session, school, grants=[("consortium", [], "view")])
        admin = factories.ConsortiumAdminFactory()
        session.commit()
        return admin, school.id
    finally:
        factories.bind(None)
        session.close()


def test_suspending_a_school_completes_at_once_and_says_so(own_app: Flask) -> None:
    admin, school_id = _consortium_admin_and_school(own_app)
    client = own_app.test_client()
    sign_in(client, admin)
    started = time.monotonic()
    answer = client.post(
        f"/consortium/schools/{school_id}/suspend",
        data={"reason": "Fees unpaid for two years.", "confirmed": "1"},
        follow_redirects=True,
    )
    assert answer.status_code == 200 and "is now suspended" in answer.get_data(as_text=True)
    assert time.monotonic() - started < 5  # it waited out SQLite's 30 s busy timeout
    with own_app.extensions["hub.db"].new_session() as session:
        assert session.get(School, school_id).status is MembershipStatus.SUSPENDED  # type: ignore[union-attr]


def test_a_failing_catch_up_never_replaces_the_answer(
    own_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.services import indexing

    def locked(*_args: Any, **_kwargs: Any) -> int:
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    monkeypatch.setattr(indexing, "catch_up", locked)
    admin, school_id = _consortium_admin_and_school(own_app)
    client = own_app.test_client()
    sign_in(client, admin)
    answer = client.post(
        f"/consortium/schools/{school_id}/suspend",
        data={"reason": "Fees unpaid.", "confirmed": "1"},
    )
    assert answer.status_code == 302
