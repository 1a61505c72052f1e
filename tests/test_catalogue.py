"""The one door: a ``Catalogue`` returns only what ``policy.decide`` allows its viewer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hub import policy
from hub.models import (
    AccessRequest,
    Bookmark,
    MaterialKind,
    MembershipStatus,
    utcnow,
)
from hub.services.catalogue import Catalogue
from tests.conftest import sign_in
from tests.factories import (
    CONSORTIUM_VIEW,
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    add_grants,
    make_material,
)
from tests.statements import statements_sent


def test_a_students_home_does_not_list_teachers_only_or_embargoed_modules(
    client: FlaskClient, session: Session
) -> None:
    school = SchoolFactory()
    make_material(session, school, title="Open module", kind=MaterialKind.MODULE)
    make_material(
        session, school, title="Exam module", kind=MaterialKind.MODULE, teachers_only=True
    )
    later = make_material(session, school, title="Next term module", kind=MaterialKind.MODULE)
    later.available_from = utcnow() + dt.timedelta(days=30)
    session.commit()
    sign_in(client, StudentFactory(school=school))
    home = client.get("/").get_data(as_text=True)
    assert "Open module" in home
    assert "Exam module" not in home and "Next term module" not in home


def test_module_items_leave_out_what_the_viewer_may_not_view(session: Session) -> None:
    school = SchoolFactory()
    shared = make_material(session, grants=CONSORTIUM_VIEW)
    hidden = make_material(session, title="Kept at home")
    module = make_material(
        session, school, kind=MaterialKind.MODULE, grants=CONSORTIUM_VIEW, items=[shared, hidden]
    )
    items = Catalogue.of(session, TeacherFactory()).module_items(module.versions[0])
    assert [i.item_version.material_id for i in items] == [shared.id]


def test_lineage_does_not_hint_at_a_hidden_original_or_translation(session: Session) -> None:
    original = make_material(session, title="Original at home")
    shared = make_material(session, grants=CONSORTIUM_VIEW)
    shared.adapted_from_version_id = original.published.id  # type: ignore[union-attr]
    translation = make_material(session, title="Hidden translation", language="fr")
    translation.translation_of_id = shared.id
    session.flush()
    session.refresh(shared)
    lineage = Catalogue.of(session, TeacherFactory()).lineage(shared)
    assert lineage.adapted_from is None and lineage.translations == []


def test_a_list_keeps_only_what_the_person_may_still_view(session: Session) -> None:
    student = StudentFactory()
    kept = make_material(session, grants=CONSORTIUM_VIEW)
    withdrawn = make_material(session, grants=CONSORTIUM_VIEW)
    for material in (kept, withdrawn):
        session.add(Bookmark(person_id=student.id, material_id=material.id))
    withdrawn.school.status = MembershipStatus.WITHDRAWN
    session.flush()
    listed = Catalogue.of(session, student).bookmarked(student)
    assert [v.material_id for v in listed] == [kept.id]


def test_an_access_request_is_not_named_once_its_material_is_hidden(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    material = make_material(session, title="Once shared", grants=CONSORTIUM_VIEW)
    session.add(
        AccessRequest(
            material_id=material.id,
            requester_id=teacher.id,
            school_id=teacher.school_id,
            rights=["download"],
        )
    )
    material.school.status = MembershipStatus.SUSPENDED
    session.commit()
    sign_in(client, teacher)
    for page in ("/requests", "/"):
        html = client.get(page).get_data(as_text=True)
        assert "Once shared" not in html and "no longer shared" in html, page


def test_school_materials_are_for_the_schools_own_staff_only(session: Session) -> None:
    school = SchoolFactory()
    draft = make_material(session, school, published=False)
    assert [m.id for m in Catalogue.of(session, TeacherFactory(school=school)).school_materials(
        school.id
    )] == [draft.id]  # fmt: skip
    assert Catalogue.of(session, StudentFactory(school=school)).school_materials(school.id) == []
    assert Catalogue.of(session, TeacherFactory()).school_materials(school.id) == []


def test_view_as_reads_the_same_door_as_anyone(session: Session) -> None:
    ours, kenya = SchoolFactory(country="SE"), SchoolFactory(country="KE")
    make_material(session, ours, title="For LMC", grants=[("income", ["LMC"], "view")])
    make_material(session, title="Kenya only", grants=[("schools", [str(kenya.id)], "view")])
    SchoolAdminFactory(school=ours)
    seen = Catalogue(session, policy.viewer_as(kenya, "student")).listing(owner_school_id=ours.id)
    assert [v.title for v in seen] == ["For LMC"]


CATALOGUE_MODELS = (
    "Material", "MaterialVersion", "ModuleItem", "AudienceGrant", "Adoption", "Bookmark",
    "UsageEvent", "AccessRequest", "VersionFile", "ItemProgress",
)  # fmt: skip


def test_no_page_selects_materials_itself() -> None:
    """Pages and API handlers read the catalogue through the door, never with their own
    query."""
    import re
    from pathlib import Path

    names = "|".join(CATALOGUE_MODELS)
    pattern = re.compile(rf"\b(select|get|query|scalars?)\(\s*({names})\b")
    hub = Path(__file__).resolve().parent.parent / "hub"
    found = [
        f"{path.parent.name}/{path.name}:{n}: {line.strip()}"
        for path in sorted([*(hub / "web").glob("*.py"), *(hub / "api").glob("*.py")])
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


# What a reading transaction remembers ---------------------------------------------------------


def _queries_while(connection: Connection, action: Callable[[], object]) -> int:
    with statements_sent(connection) as sent:
        action()
    return len(sent)


def test_a_reading_transaction_reads_the_viewer_and_the_facts_once(
    app: Flask, connection: Connection, session: Session
) -> None:
    material = make_material(session, grants=[("public", [], "view")])
    teacher = TeacherFactory()
    session.commit()
    reader = app.extensions["hub.db"].new_session(reads_only=True)
    try:
        person = reader.get(type(teacher), teacher.id)
        version = Catalogue.of(reader, person).version(material.id)
        again = _queries_while(
            connection,
            lambda: (
                Catalogue.of(reader, person).decisions(version),
                Catalogue.of(reader, None).decide(version, "view"),
            ),
        )
    finally:
        reader.close()
    assert again == 0


def test_what_a_reading_transaction_read_goes_when_it_ends(app: Flask, session: Session) -> None:
    material = make_material(session)
    teacher = TeacherFactory()
    session.commit()
    reader = app.extensions["hub.db"].new_session(reads_only=True)
    try:
        person = reader.get(type(teacher), teacher.id)
        version = reader.get(type(material.published), material.published.id)  # type: ignore[union-attr]
        assert not Catalogue.of(reader, person).decide(version, "view")
        add_grants(session, material, CONSORTIUM_VIEW)
        session.commit()
        reader.commit()
        assert Catalogue.of(reader, person).decide(version, "view")
    finally:
        reader.close()


def test_a_writing_session_decides_on_what_it_has_just_changed(session: Session) -> None:
    material = make_material(session)
    catalogue = Catalogue.of(session, TeacherFactory())
    version = material.published
    assert version is not None
    assert not catalogue.decide(version, "view")
    add_grants(session, material, CONSORTIUM_VIEW)
    assert catalogue.decide(version, "view")


def test_the_topics_a_draft_is_offered_come_only_from_what_its_author_may_discover(
    session: Session,
) -> None:
    shared = make_material(session, grants=CONSORTIUM_VIEW)
    hidden = make_material(session)
    shared.published.topics = ["Open term"]  # type: ignore[union-attr]
    hidden.published.topics = ["Secret ward protocol"]  # type: ignore[union-attr]
    session.flush()
    offered = Catalogue.of(session, TeacherFactory()).topics_in_use()
    assert "Open term" in offered and "Secret ward protocol" not in offered
