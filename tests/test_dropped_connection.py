"""A database connection that drops under a request: a page that only reads is answered again
once on a new connection; a form sent meanwhile gets a clear page in the person's language
saying that nothing was saved, never a bare 500.

The drop is simulated here as SQLAlchemy reports it (``connection_invalidated``), so that every
run covers it; tests/test_dropped_connection_postgres.py terminates real PostgreSQL backends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hub.models import MaterialVersion
from hub.services import publishing
from hub.services.catalogue import Catalogue
from tests.conftest import sign_in
from tests.factories import TeacherFactory, make_material

NOTHING_SAVED = "The database was briefly unavailable. Nothing was saved; please try again."


def dropped() -> OperationalError:
    """The error SQLAlchemy raises when the server ended the connection under a statement."""
    return OperationalError(
        "SELECT 1", {}, Exception("terminating connection"), connection_invalidated=True
    )


def failing(times: int, real: Callable[..., Any], error: Callable[[], Exception]) -> Any:
    """``real``, raising ``error()`` on its first ``times`` calls; counts its calls."""

    def call(*args: Any, **kwargs: Any) -> Any:
        call.calls += 1  # type: ignore[attr-defined]
        if call.calls <= times:  # type: ignore[attr-defined]
            raise error()
        return real(*args, **kwargs)

    call.calls = 0  # type: ignore[attr-defined]
    return call


def material_page_failing(
    client: FlaskClient,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    times: int,
    error: Callable[[], Exception] = dropped,
) -> tuple[str, Any]:
    """A teacher signed in, and the address of a material page whose reading of the version
    fails ``times`` times with ``error``; the stand-in counts its calls."""
    teacher = TeacherFactory()
    material = make_material(session, teacher.school, title="Neonatal sepsis")
    sign_in(client, teacher)
    version = failing(times, Catalogue.version, error)
    monkeypatch.setattr(Catalogue, "version", version)
    return f"/materials/{material.id}", version


def test_a_page_is_answered_again_when_its_connection_dropped(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    address, version = material_page_failing(client, session, monkeypatch, 1)
    answer = client.get(address)
    assert answer.status_code == 200
    assert "Neonatal sepsis" in answer.get_data(as_text=True)
    assert version.calls == 2


def test_a_page_whose_connection_drops_twice_says_so_in_words(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    address, version = material_page_failing(client, session, monkeypatch, 2)
    answer = client.get(address, headers={"Accept-Language": "fr"})
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    page = answer.get_data(as_text=True)
    assert "base de données" in page and "terminating" not in page
    assert version.calls == 2  # once more, not more


def test_a_form_sent_when_the_connection_dropped_is_not_answered_twice(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher = TeacherFactory()
    sign_in(client, teacher)
    draft = publishing.create_draft(session, teacher).latest
    session.commit()
    save = failing(1, publishing.save_draft, dropped)
    monkeypatch.setattr(publishing, "save_draft", save)
    answer = client.post(
        f"/materials/{draft.material_id}/edit",
        data={"revision": str(draft.revision), "title": "Typed by hand", "then": "save"},
    )
    assert answer.status_code == 503
    page = answer.get_data(as_text=True)
    assert NOTHING_SAVED in page and "terminating" not in page
    assert save.calls == 1
    session.expire_all()
    assert session.get(MaterialVersion, draft.id).title != "Typed by hand"  # type: ignore[union-attr]


def test_another_database_error_is_not_answered_again(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def wrong() -> OperationalError:
        return OperationalError("SELECT nonsense", {}, Exception("syntax error"))

    address, version = material_page_failing(client, session, monkeypatch, 1, wrong)
    answer = client.get(address)
    assert answer.status_code == 500 and "syntax error" not in answer.get_data(as_text=True)
    assert version.calls == 1
