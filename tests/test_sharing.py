"""Sharing: grants within the licence and the ceiling, availability, 'who can see this',
and a school's ceiling and defaults with their effect shown before saving."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub import policy
from hub.models import Material, Person
from hub.services import ceilings, publishing, sharing
from hub.services.errors import InvalidInput, NotFound
from tests.conftest import sign_in
from tests.factories import (
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_material,
)


def _owned(session: Session, **kwargs: object) -> tuple[Person, Material]:
    teacher = TeacherFactory()
    return teacher, make_material(session, teacher.school, **kwargs)  # type: ignore[arg-type]


def test_the_done_scenario_lmc_view_only(client: FlaskClient, session: Session) -> None:
    """Shared with low- and lower-middle-income schools for viewing only."""
    teacher, material = _owned(session, title="Rural obstetrics")
    sharing.add_grant(session, teacher, material, "income", ["LMC", "LIC"], ["view"])
    session.flush()
    lmc_student = StudentFactory(school=SchoolFactory(country="KE"))
    sign_in(client, lmc_student)
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert "lower-middle-income" in page and "your school is lower-middle-income (LMC)" in page
    file_id = material.published.files[0].id
    download = client.get(f"/materials/{material.id}/v/1/files/{file_id}/x.pdf")
    assert download.status_code == 403 and b"not let others download" in download.data
    client.post("/sign-out")
    sign_in(client, StudentFactory(school=SchoolFactory(country="SE")))
    assert client.get(f"/materials/{material.id}").status_code == 404
    assert "Rural obstetrics" not in client.get("/browse").get_data(as_text=True)


@pytest.mark.parametrize(
    ("licence", "kind", "rights", "message"),
    [
        ("LicenseRef-Consortium", "public", ["view"], "needs a Creative Commons licence"),
        ("CC-BY-ND-4.0", "consortium", ["view", "adapt"], "allows no derivatives"),
    ],
)
def test_grants_the_licence_forbids_are_refused(
    session: Session, licence: str, kind: str, rights: list[str], message: str
) -> None:
    teacher, material = _owned(session, licence=licence)
    with pytest.raises(InvalidInput, match=message):
        sharing.add_grant(session, teacher, material, kind, [], rights)
    assert material.grants == []


@pytest.mark.parametrize(
    ("kind", "values", "message"),
    [
        ("regions", ["999"], "UN M49"),
        ("income", ["RICH"], "income group"),
        ("schools", ["424242"], "not a school"),
        ("regions", [], "Choose at least one"),
        ("galaxy", [], "not an audience"),
    ],
)
def test_unknown_codes_in_grants_are_refused(
    session: Session, kind: str, values: list[str], message: str
) -> None:
    teacher, material = _owned(session)
    with pytest.raises(InvalidInput, match=message):
        sharing.add_grant(session, teacher, material, kind, values, ["view"])


def test_grants_beyond_the_ceiling_are_refused(session: Session) -> None:
    teacher, material = _owned(session)
    material.school.ceiling_audience = "consortium"
    with pytest.raises(InvalidInput, match="ceiling does not allow public"):
        sharing.add_grant(session, teacher, material, "public", [], ["view"])


def test_lowering_the_ceiling_narrows_existing_materials_at_once(session: Session) -> None:
    teacher, material = _owned(session, grants=[("public", [], "view,download")])
    admin = SchoolAdminFactory(school=teacher.school)
    anonymous = policy.ANONYMOUS
    assert policy.decide(anonymous, policy.facts_for(session, material.published), "view")
    impact = ceilings.impact(session, teacher.school, "consortium", ["view"])
    assert impact.no_longer_public == 1
    ceilings.set_sharing_rules(session, admin, "consortium", ["view"], "consortium", ["view"])
    assert not policy.decide(anonymous, policy.facts_for(session, material.published), "view")


def test_an_end_before_the_start_is_refused(session: Session) -> None:
    import datetime as dt

    teacher, material = _owned(session)
    start = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(InvalidInput, match="must come after"):
        sharing.set_availability(
            session,
            teacher,
            material,
            teachers_only=False,
            available_from=start,
            available_until=start,
        )


def test_another_school_cannot_share_my_material(session: Session) -> None:
    _, material = _owned(session)
    with pytest.raises(NotFound):
        sharing.add_grant(session, TeacherFactory(), material, "public", [], ["view"])
    admin_elsewhere = SchoolAdminFactory()
    with pytest.raises(NotFound):
        sharing.remove_grant(session, admin_elsewhere, material, 1)


def test_who_can_see_this(session: Session) -> None:
    teacher, material = _owned(session, grants=[("consortium", [], "view")])
    SchoolFactory(), SchoolFactory(country="BR")
    audience = sharing.audience(session, material)
    assert not audience.public and audience.students
    assert audience.schools >= 3 and "member school" in audience.sentence()


def test_new_materials_start_with_the_school_defaults(session: Session) -> None:
    teacher = TeacherFactory()
    teacher.school.default_audience = "income"
    teacher.school.default_rights = ["view", "download"]
    material = publishing.create_draft(session, teacher)
    (grant,) = material.grants
    assert grant.kind.value == "income" and grant.values == [teacher.school.income_group.value]
    assert grant.can_download


def test_a_default_wider_than_the_ceiling_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="cannot reach wider"):
        ceilings.set_sharing_rules(
            session, SchoolAdminFactory(), "consortium", ["view"], "public", ["view"]
        )


def test_the_ceiling_page_shows_the_effect_before_saving(
    client: FlaskClient, session: Session
) -> None:
    admin = SchoolAdminFactory()
    make_material(session, admin.school, grants=[("public", [], "view")])
    sign_in(client, admin)
    assert "may be shared at most with everyone" in client.get("/school/sharing").get_data(
        as_text=True
    )
    form = {
        "ceiling_audience": "consortium",
        "ceiling_rights": ["view"],
        "default_audience": "consortium",
        "default_rights": ["view"],
    }
    preview = client.post("/school/sharing", data=form).get_data(as_text=True)
    assert "1 material will no longer be visible to the public" in preview
    session.expire_all()
    assert admin.school.ceiling_audience == "public"  # nothing saved yet
    saved = client.post("/school/sharing", data={**form, "confirm": "1"})
    assert saved.status_code == 302
    session.expire_all()
    assert admin.school.ceiling_audience == "consortium"


def test_the_sharing_panel_adds_a_grant(client: FlaskClient, session: Session) -> None:
    teacher, material = _owned(session)
    sign_in(client, teacher)
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert "Who can see this:" in page
    response = client.post(
        f"/materials/{material.id}/grants",
        data={"kind": "regions", "values_regions": ["202"], "rights": ["view", "download"]},
    )
    assert response.status_code == 302
    session.expire_all()
    assert [(g.kind.value, g.values, g.can_download) for g in material.grants] == [
        ("regions", ["202"], True)
    ]


def test_view_as_shows_our_own_materials_as_a_student_elsewhere_would_see_them(
    client: FlaskClient, session: Session
) -> None:
    kenya, sweden = SchoolFactory(country="KE"), SchoolFactory(country="SE")
    make_material(session, sweden, title="Ours for LMC", grants=[("income", ["LMC"], "view")])
    make_material(
        session, sweden, title="Our exam bank", teachers_only=True,
        grants=[("consortium", [], "view")],
    )  # fmt: skip
    make_material(session, sweden, title="Ours at home", grants=[])
    sign_in(client, SchoolAdminFactory(school=sweden))
    page = client.get(f"/browse?as_school={kenya.id}&as_role=student").get_data(as_text=True)
    assert "as a student of" in page and "Ours for LMC" in page
    assert "Our exam bank" not in page and "Ours at home" not in page
    as_teacher = client.get(f"/browse?as_school={kenya.id}&as_role=teacher").get_data(as_text=True)
    assert "Our exam bank" in as_teacher and "Ours at home" not in as_teacher


def test_view_as_never_shows_the_other_schools_catalogue(
    client: FlaskClient, session: Session
) -> None:
    kenya, sweden = SchoolFactory(country="KE"), SchoolFactory(country="SE")
    make_material(session, title="Only for Kenya", grants=[("schools", [str(kenya.id)], "view")])
    make_material(session, title="For LMC elsewhere", grants=[("income", ["LMC"], "view")])
    sign_in(client, SchoolAdminFactory(school=sweden))
    page = client.get(f"/browse?as_school={kenya.id}&as_role=student").get_data(as_text=True)
    assert "Only for Kenya" not in page and "For LMC elsewhere" not in page


def test_only_school_admins_can_view_as(client: FlaskClient, session: Session) -> None:
    kenya = SchoolFactory(country="KE")
    sign_in(client, StudentFactory())
    assert "as a student of" not in client.get(f"/browse?as_school={kenya.id}").get_data(
        as_text=True
    )


def test_a_school_grant_naming_an_impossible_id_is_refused_with_a_message(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    material = make_material(session, teacher.school)
    session.commit()
    sign_in(client, teacher)
    answer = client.post(
        f"/materials/{material.id}/grants",
        data={"kind": "schools", "values_schools": "99999999999999999999", "rights": "view"},
    )
    assert answer.status_code == 400
    assert "is not a school of the consortium" in answer.get_data(as_text=True)
