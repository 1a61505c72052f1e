"""A school's files: where each is used, finding and paging them, removing unused uploads,
and choosing them on a draft's page."""

from __future__ import annotations

import datetime as dt
import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.models import File, Material, Person, VersionFile, utcnow
from hub.services import files
from hub.services.catalogue import Catalogue
from hub.services.store_check import blob_is_recorded
from tests.conftest import sign_in
from tests.factories import (
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_file,
    make_material,
)
from tests.statements import statements_sent


def _attach(session: Session, material: Material, record: File) -> None:
    material.latest.attachments.append(VersionFile(file_id=record.id, position=9))
    session.flush()


def _files_page(client: FlaskClient, teacher: Person, query: str = "") -> str:
    sign_in(client, teacher)
    return client.get(f"/files{query}").get_data(as_text=True)


def test_the_files_page_says_which_versions_use_each_file_and_links_them(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    record = make_file(session, teacher.school, "partograph.pdf")
    published = make_material(session, teacher.school, title="Labour care")
    draft = make_material(session, teacher.school, title="Labour care, new cut", published=False)
    retired = make_material(session, teacher.school, title="Old partograph")
    retired.retired_at = utcnow()
    for material in (published, draft, retired):
        _attach(session, material, record)
    session.commit()
    page = _files_page(client, teacher, "?q=partograph")
    row = page[page.index("partograph.pdf") :]
    assert f'href="/materials/{published.id}?v=1">Labour care</a>' in row
    assert f'href="/materials/{draft.id}/edit">Labour care, new cut</a>' in row
    assert f'href="/materials/{retired.id}?v=1">Old partograph</a>' in row
    assert ">published<" in row and ">draft<" in row and ">retired<" in row


def test_the_files_page_shows_size_type_date_and_uploader_in_the_persons_words(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory(interface_language="fr", name="Awa Diallo")
    record = make_file(session, teacher.school, "atlas.pdf", data=b"%PDF-1.4\n" + b"x" * 1527)
    record.uploaded_by_id = teacher.id
    session.commit()
    page = _files_page(client, teacher)
    assert "1,5 KB" in page and "Document PDF" in page and "Awa Diallo" in page
    assert "application/pdf" not in page


def test_uses_of_a_page_of_files_are_read_in_one_query(session: Session) -> None:
    teacher = TeacherFactory()
    records = [make_file(session, teacher.school, f"f{i}.pdf") for i in range(6)]
    for record in records:
        _attach(session, make_material(session, teacher.school), record)
    catalogue = Catalogue.of(session, teacher)
    with statements_sent(session.connection()) as statements:
        uses = catalogue.file_uses(teacher.school_id, [r.id for r in records])
    reads = [s for s in statements if "version_file" in s]
    assert all(len(uses[r.id]) == 1 for r in records)
    assert len(reads) == 1


def test_another_schools_staff_learn_nothing_of_a_files_uses(session: Session) -> None:
    owner = TeacherFactory()
    material = make_material(session, owner.school, grants=[("consortium", [], "view")])
    record = material.latest.files[0]
    outsider = TeacherFactory()
    assert Catalogue.of(session, outsider).file_uses(owner.school_id, [record.id]) == {}


def test_files_are_found_by_a_part_of_their_name_in_any_case(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    make_file(session, teacher.school, "Malaria-dosing.pdf")
    make_file(session, teacher.school, "sepsis.pdf")
    make_file(session, teacher.school, "100%_cases.pdf")
    session.commit()
    page = _files_page(client, teacher, "?q=MALARIA")
    assert "Malaria-dosing.pdf" in page and "sepsis.pdf" not in page
    assert 'value="MALARIA"' in page
    percent = _files_page(client, teacher, "?q=%25")
    assert "100%_cases.pdf" in percent and "sepsis.pdf" not in percent


def test_a_school_with_many_files_sees_them_a_page_at_a_time(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    start = utcnow() - dt.timedelta(days=1)
    for i in range(files.FILES_PER_PAGE + 3):
        make_file(session, teacher.school, f"scan-{i:03d}.pdf").created_at = start + dt.timedelta(
            minutes=i
        )
    session.commit()
    first = _files_page(client, teacher)
    assert "scan-052.pdf" in first and "scan-002.pdf" not in first
    assert "Page 1 of 2" in first and "page=2" in first
    second = client.get("/files?page=2").get_data(as_text=True)
    assert "scan-002.pdf" in second and "scan-000.pdf" in second and "scan-052.pdf" not in second
    assert "scan-000.pdf" in client.get("/files?page=9").get_data(as_text=True)


def test_only_unused_files_offer_removal_with_a_confirmation(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    unused = make_file(session, teacher.school, "spare.pdf")
    used = make_material(session, teacher.school).latest.files[0]
    session.commit()
    page = _files_page(client, teacher)
    assert f'action="/files/{unused.id}/remove"' in page
    assert f'action="/files/{used.id}/remove"' not in page
    confirm = page[page.index(f'action="/files/{unused.id}/remove"') :]
    assert "leaves your school" in confirm[: confirm.index("</form>")]


def test_an_unused_upload_is_removed_and_its_blob_left_to_store_collect(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    record = make_file(session, teacher.school, "spare.pdf", data=b"only here")
    file_id, sha = record.id, record.sha256
    session.commit()
    sign_in(client, teacher)
    answer = client.post(f"/files/{file_id}/remove")
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(File, file_id) is None
    assert not blob_is_recorded(session, sha)  # `hub store collect` may now remove it
    assert "spare.pdf is removed" in client.get("/files").get_data(as_text=True)


def test_removing_a_record_keeps_a_blob_another_school_records(session: Session) -> None:
    teacher = TeacherFactory()
    mine = make_file(session, teacher.school, "shared.pdf", data=b"same bytes")
    make_file(session, SchoolFactory(), "theirs.pdf", data=b"same bytes")
    files.remove_upload(session, teacher, mine.id)
    assert blob_is_recorded(session, mine.sha256)


def test_a_file_that_became_used_is_not_removed(client: FlaskClient, session: Session) -> None:
    teacher = TeacherFactory()
    record = make_file(session, teacher.school, "handout.pdf")
    _attach(session, make_material(session, teacher.school, published=False), record)
    session.commit()
    sign_in(client, teacher)
    answer = client.post(f"/files/{record.id}/remove")
    assert answer.status_code == 409
    assert "handout.pdf was not removed: it is now used in a material" in answer.get_data(
        as_text=True
    )
    session.expire_all()
    assert session.get(File, record.id) is not None


def test_another_schools_file_cannot_be_removed_and_answers_404(
    client: FlaskClient, session: Session
) -> None:
    theirs = make_file(session, SchoolFactory(), "theirs.pdf")
    session.commit()
    sign_in(client, TeacherFactory())
    assert client.post(f"/files/{theirs.id}/remove").status_code == 404
    session.expire_all()
    assert session.get(File, theirs.id) is not None


def test_a_student_cannot_open_the_files_page(client: FlaskClient, session: Session) -> None:
    student = StudentFactory()
    make_file(session, student.school, "answers.pdf")
    session.commit()
    sign_in(client, student)
    answer = client.get("/files")
    assert answer.status_code == 403 and "answers.pdf" not in answer.get_data(as_text=True)


# Choosing the school's files on a draft's page -------------------------------------------------


def test_the_draft_page_labels_each_school_file_with_size_date_and_uses(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    draft = make_material(session, teacher.school, published=False)
    record = make_file(session, teacher.school, "ecg-strips.pdf")
    _attach(session, make_material(session, teacher.school, title="Arrhythmias"), record)
    session.commit()
    sign_in(client, teacher)
    page = client.get(f"/materials/{draft.id}/edit").get_data(as_text=True)
    box = f'<input type="checkbox" id="attach-{record.id}" name="file_id" value="{record.id}"'
    assert box in page
    assert f'<label for="attach-{record.id}">ecg-strips.pdf</label>' in page
    about = re.search(rf'id="attach-{record.id}-about">(.*?)</div>', page, re.S)
    assert about is not None
    assert "PDF document" in about.group(1) and "bytes" in about.group(1)
    assert "Used in:" in about.group(1) and "Arrhythmias" in about.group(1)


def test_the_draft_page_finds_school_files_by_name(client: FlaskClient, session: Session) -> None:
    teacher = TeacherFactory()
    draft = make_material(session, teacher.school, published=False)
    make_file(session, teacher.school, "cholera-map.png")
    make_file(session, teacher.school, "measles.pdf")
    session.commit()
    sign_in(client, teacher)
    page = client.get(f"/materials/{draft.id}/edit?file_q=cholera").get_data(as_text=True)
    assert "cholera-map.png" in page and "measles.pdf" not in page
    assert 'name="file_q" type="search" value="cholera"' in page


def test_finding_files_on_the_draft_page_saves_what_was_typed_first(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    draft = make_material(session, teacher.school, published=False)
    version = draft.latest
    session.commit()
    sign_in(client, teacher)
    answer = client.post(
        f"/materials/{draft.id}/edit",
        data={
            "revision": str(version.revision),
            "title": "Cholera outbreak",
            "summary": "Typed before looking for a file.",
            "language": "en",
            "file_q": "cholera",
            "then": "find-files",
        },
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/materials/{draft.id}/edit?file_q=cholera#files")
    session.expire_all()
    assert version.summary == "Typed before looking for a file."
