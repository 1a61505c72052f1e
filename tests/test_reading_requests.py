"""Reading requests only read: a GET or HEAD writes nothing unless it says so, through one
door (counting a preview, remembering a place), and the words pages remember are kept per
app and language."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import create_app, db
from hub.i18n import WordsByKey
from hub.models import IndexChange, UsageEvent
from hub.services import files, sample_files
from hub.storage import store_for
from hub.web.timing import ServerTiming
from hub.web.value_words import values_in_words
from tests.conftest import sign_in
from tests.factories import SchoolFactory, TeacherFactory, make_material

WEB = Path(__file__).resolve().parent.parent / "hub" / "web"


def test_a_get_request_that_writes_fails_loudly(app: Flask) -> None:
    with app.test_request_context("/", method="GET"):
        s = db.session()
        s.add(IndexChange(material_id=-11))
        with pytest.raises(db.WriteWhileReading, match="write_after_read"):
            s.flush()


def test_a_post_request_may_write(app: Flask) -> None:
    with app.test_request_context("/", method="POST"):
        s = db.session()
        s.add(IndexChange(material_id=-12))
        s.flush()
        s.rollback()


def test_a_write_through_the_door_is_saved_and_reading_resumes(app: Flask) -> None:
    with app.test_request_context("/", method="GET"):
        s = db.session()

        def count_something() -> int:
            change = IndexChange(material_id=-13)
            s.add(change)
            s.commit()
            return change.id

        written = db.write_after_read(count_something)
        assert s.get(IndexChange, written) is not None
        s.add(IndexChange(material_id=-14))  # after the door, the request reads only again
        with pytest.raises(db.WriteWhileReading):
            s.flush()


def _pdf_material(session: Session, app: Flask, rights: str) -> tuple[int, int]:
    material = make_material(session, SchoolFactory(), grants=[("consortium", [], rights)])
    pdf = sample_files.pdf_document("Dengue triage", ["Warning signs."], pages=2)
    record = files.record_bytes(
        session, store_for(app), material.school, pdf, "triage.pdf", "application/pdf"
    )
    session.flush()
    version = material.published
    assert version is not None
    version.attachments[0].file_id = record.id
    session.commit()
    return material.id, record.id


def _uses(session: Session, person_id: int) -> list[str]:
    query = select(UsageEvent.kind).where(UsageEvent.person_id == person_id)
    return sorted(session.scalars(query))


@pytest.mark.parametrize(
    ("rights", "address", "kind"),
    [("view", "view", "preview"), ("view,download", "triage.pdf", "download")],
)
def test_opening_a_preview_or_downloading_still_counts_a_use(
    app: Flask, client: FlaskClient, session: Session, rights: str, address: str, kind: str
) -> None:
    material_id, file_id = _pdf_material(session, app, rights)
    reader = TeacherFactory()
    session.commit()
    sign_in(client, reader)
    response = client.get(f"/materials/{material_id}/v/1/files/{file_id}/{address}")
    assert response.status_code == 200
    assert _uses(session, reader.id) == [kind]


def test_labels_are_worded_in_the_language_asked_for(app: Flask) -> None:
    labels = WordsByKey({"browse": _l("Browse")})
    with app.test_request_context(headers={"Accept-Language": "en"}):
        # Asked for French while the page speaks English: never English words kept as French.
        french = labels.worded("fr", "browse")
        assert french != "Browse"
        assert labels.worded("en", "browse") == "Browse"
        assert labels.worded("fr", "browse") == french


def test_value_words_are_kept_by_each_app_for_itself(
    app: Flask, app_config: dict[str, Any]
) -> None:
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert values_in_words("level", ["clinical"]) == ["Clinique"]
    other = create_app(app_config)  # its own catalogues: nothing worded by the first app
    assert "hub.words" not in other.extensions
    with other.test_request_context(headers={"Accept-Language": "fr"}):
        assert values_in_words("level", ["clinical"]) == ["Clinique"]
    assert ("fr", ("level", "clinical")) in other.extensions["hub.words"]


def test_no_web_module_imports_sqlalchemy() -> None:
    importing = []
    for path in sorted(WEB.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "sqlalchemy" for name in names):
                importing.append(path.name)
    assert importing == []


def test_server_timing_leaves_a_part_out_of_the_part_around_it() -> None:
    timing = ServerTiming()
    with timing.part("cards", "cards"), timing.part("index", "index"):
        pass
    parts = dict(
        entry.split(";dur=") for entry in timing.header("index", ("page", "page")).split(", ")
    )
    assert list(parts) == ["index", "page", "cards"]
    page = float(parts["page"].split(";")[0])
    cards = float(parts["cards"].split(";")[0])
    assert cards <= page
