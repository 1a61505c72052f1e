"""Publishing while the file store is unreachable: the material is published, its files' text
is recorded as not yet read (never indexed as an empty text as if that were the truth), the
owner school's staff are told so, and the hub reads it again later and re-indexes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content_store import StoreUnavailable
from hub.models import (
    AudienceGrant,
    GrantKind,
    IndexChange,
    Material,
    MaterialVersion,
    VersionFile,
    utcnow,
)
from hub.search import catch_up_now, index_for, shutdown
from hub.services import files, publishing, version_text
from hub.storage import store_for
from tests.conftest import sign_in
from tests.factories import GOOD, SchoolFactory, TeacherFactory

WORD = "quinine"
NOT_YET = "The text of dosing.txt is not searchable yet; the hub will try again."


class UnreachableStore:
    """The app's store, whose files cannot be read while ``down`` (S3 out of reach)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.down = True

    def open(self, sha256: str) -> Any:
        if self.down:
            raise StoreUnavailable("could not connect to http://10.9.8.7:9000/bucket")
        return self.real.open(sha256)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture()
def store(app: Flask) -> Iterator[UnreachableStore]:
    double = UnreachableStore(store_for(app))
    app.extensions["hub.store"] = double
    yield double
    shutdown(app)


def published_while_store_down(
    app: Flask, client: FlaskClient, session: Session, store: UnreachableStore
) -> tuple[Any, Material]:
    """A teacher publishes, through the page, a material with a text file the store cannot
    give; the index has caught up. Returns the teacher and the material."""
    return publish_text_file(app, client, session, store.real)


def publish_text_file(
    app: Flask, client: FlaskClient, session: Session, blob_store: Any
) -> tuple[Any, Material]:
    """A teacher publishes, through the page, a material with a text file holding ``WORD``
    (its blob put in ``blob_store``); the index has caught up with the publication. Returns
    the teacher and the material."""
    teacher = TeacherFactory()
    material = publishing.create_draft(session, teacher)
    draft = material.latest
    publishing.save_draft(session, teacher, draft, GOOD, draft.revision)
    record = files.record_bytes(
        session, blob_store, teacher.school, f"Artesunate, then {WORD}.".encode(),
        "dosing.txt", "text/plain",
    )  # fmt: skip
    session.flush()
    publishing.attach_files(session, teacher, draft, [record.id])
    session.add(AudienceGrant(material_id=material.id, kind=GrantKind.CONSORTIUM, values=[]))
    session.commit()
    sign_in(client, teacher)
    answer = client.post(f"/materials/{material.id}/publish")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    catch_up_now(app)
    session.expire_all()
    return teacher, material


def _found(app: Flask, words: str, school_id: int) -> list[str]:
    results = index_for(app).search(words, person_tokens=[f"own-staff:{school_id}"])
    return [hit.id for hit in results.hits]


def test_the_text_is_recorded_as_not_yet_read_not_as_empty(
    app: Flask, client: FlaskClient, session: Session, store: UnreachableStore
) -> None:
    _teacher, material = published_while_store_down(app, client, session, store)
    version = material.published
    assert version is not None
    assert [f.filename for f in version.unread_files] == ["dosing.txt"]
    assert version.attachments[0].text_retry_at is not None


def test_the_owner_school_is_told_in_words_and_others_are_not(
    app: Flask, client: FlaskClient, session: Session, store: UnreachableStore
) -> None:
    _teacher, material = published_while_store_down(app, client, session, store)
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert NOT_YET in page and "10.9.8.7" not in page
    client.post(f"/materials/{material.id}/new-version", data={"change_note": "Doses"})
    draft_page = client.get(f"/materials/{material.id}/edit").get_data(as_text=True)
    assert NOT_YET in draft_page
    client.post("/sign-out")
    sign_in(client, TeacherFactory(school=SchoolFactory()))
    other = client.get(f"/materials/{material.id}")
    assert other.status_code == 200 and NOT_YET not in other.get_data(as_text=True)


def test_the_text_is_read_again_after_a_wait_and_found_by_search(
    app: Flask, client: FlaskClient, session: Session, store: UnreachableStore
) -> None:
    teacher, material = published_while_store_down(app, client, session, store)
    school = teacher.school_id
    assert _found(app, "neonatal resuscitation", school) == [str(material.id)]
    assert _found(app, WORD, school) == []
    store.down = False
    now = utcnow()
    assert version_text.read_again(session, store, now) == 0  # its wait is not over
    before = session.scalar(select(func.max(IndexChange.id)))
    assert version_text.read_again(session, store, now + version_text.FIRST_WAIT) == 1
    session.commit()
    assert session.scalar(
        select(IndexChange.material_id).where(IndexChange.id > before)
    ) == material.id  # fmt: skip
    catch_up_now(app)
    assert _found(app, WORD, school) == [str(material.id)]
    assert NOT_YET not in client.get(f"/materials/{material.id}").get_data(as_text=True)


def test_each_failed_reading_waits_longer(
    app: Flask, client: FlaskClient, session: Session, store: UnreachableStore
) -> None:
    _teacher, material = published_while_store_down(app, client, session, store)
    attachment = session.scalars(
        select(VersionFile).join(MaterialVersion).where(MaterialVersion.material_id == material.id)
    ).one()
    first_wait = attachment.text_retry_at - utcnow()
    version_text.read_again(session, store, utcnow() + dt.timedelta(days=1))
    assert attachment.text_attempts == 2
    assert attachment.text_retry_at - (utcnow() + dt.timedelta(days=1)) > first_wait
    assert version_text.wait_after(99) == version_text.LONGEST_WAIT


def test_rebuilding_the_index_reads_every_unread_text(
    app: Flask, client: FlaskClient, session: Session, store: UnreachableStore
) -> None:
    teacher, material = published_while_store_down(app, client, session, store)
    store.down = False
    result = app.test_cli_runner().invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    shutdown(app)  # the rebuilt copy is opened anew
    assert _found(app, WORD, teacher.school_id) == [str(material.id)]
