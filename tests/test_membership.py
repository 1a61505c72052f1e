"""Membership lifecycle: applications, decisions, history and notifications."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.models import MembershipEvent, MembershipStatus, Person, Role, School
from hub.services import membership
from hub.services.errors import Conflict, InvalidInput, NotFound
from hub.services.membership import Decision
from hub.services.schools import is_active_member
from tests.conftest import sign_in
from tests.factories import ConsortiumAdminFactory, SchoolAdminFactory, SchoolFactory


def _application(**overrides: object) -> membership.Application:
    values: dict[str, object] = dict(
        school_name="Hanoi School of Medicine",
        country="VN",
        languages=["vi"],
        website="https://hsm.example.org",
        contact_email="",
        admin_name="Mai Nguyen",
        admin_email="mai@hsm.example.org",
        admin_password="a long enough password",
    )
    values.update(overrides)
    return membership.Application(**values)  # type: ignore[arg-type]


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_an_application_creates_an_applied_school_with_its_first_admin(session: Session) -> None:
    school, admin = membership.submit_application(session, _application())
    assert school.status is MembershipStatus.APPLIED
    assert school.region == "35"  # South-eastern Asia
    assert school.income_group.value == "LMC"
    assert admin.role is Role.SCHOOL_ADMIN and admin.school_id == school.id
    assert school.contact_email == "mai@hsm.example.org"
    assert [e.to_status for e in school.history] == [MembershipStatus.APPLIED]


@pytest.mark.parametrize(
    "overrides",
    [
        {"website": "hsm.example.org/"},  # same host, other spelling
        {"website": "https://www.hsm.example.org"},
        {"school_name": "hanoi school of medicine", "website": "https://other.example.org"},
    ],
)
def test_a_duplicate_application_is_refused(session: Session, overrides: dict) -> None:  # type: ignore[type-arg]
    membership.submit_application(session, _application())
    with pytest.raises(Conflict, match="already applied or is a member"):
        membership.submit_application(
            session, _application(admin_email="other@example.org", **overrides)
        )


def test_the_same_name_in_another_country_is_not_a_duplicate(session: Session) -> None:
    membership.submit_application(session, _application())
    membership.submit_application(
        session,
        _application(country="KE", website="https://ke.example.org", admin_email="b@example.org"),
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"country": "XX"}, "not an ISO 3166-1 country code"),
        ({"languages": ["not a tag!"]}, "not a BCP 47 language tag"),
        ({"website": "not a website"}, "is not a web address"),
        ({"admin_email": "nobody"}, "not a valid email"),
        ({"admin_password": "short"}, "at least 10 characters"),
    ],
)
def test_bad_applications_are_refused_and_create_nothing(
    session: Session,
    overrides: dict,
    message: str,  # type: ignore[type-arg]
) -> None:
    schools, people = _count(session, School), _count(session, Person)
    nested = session.begin_nested()
    with pytest.raises(InvalidInput, match=message):
        membership.submit_application(session, _application(**overrides))
    nested.rollback()
    assert (_count(session, School), _count(session, Person)) == (schools, people)


def test_every_decision_is_history_with_who_when_and_why(session: Session) -> None:
    admin = ConsortiumAdminFactory()
    school = SchoolFactory(status=MembershipStatus.APPLIED)
    membership.change_membership(session, school, Decision.APPROVE, admin)
    membership.change_membership(session, school, Decision.SUSPEND, admin, "Fees unpaid")
    membership.change_membership(session, school, Decision.REINSTATE, admin)
    session.expire(school)
    steps = [(e.from_status, e.to_status, e.reason, e.actor_id) for e in school.history]
    assert steps == [
        (MembershipStatus.APPLIED, MembershipStatus.ACTIVE, "", admin.id),
        (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED, "Fees unpaid", admin.id),
        (MembershipStatus.SUSPENDED, MembershipStatus.ACTIVE, "", admin.id),
    ]
    assert school.status is MembershipStatus.ACTIVE


@pytest.mark.parametrize(
    ("status", "decision"),
    [
        (MembershipStatus.APPLIED, Decision.SUSPEND),
        (MembershipStatus.ACTIVE, Decision.APPROVE),
        (MembershipStatus.REJECTED, Decision.APPROVE),
        (MembershipStatus.WITHDRAWN, Decision.REINSTATE),
        (MembershipStatus.SUSPENDED, Decision.WITHDRAW),
    ],
)
def test_illegal_transitions_are_refused_with_what_is_possible(
    session: Session, status: MembershipStatus, decision: Decision
) -> None:
    school = SchoolFactory(status=status)
    with pytest.raises(Conflict, match="Possible now"):
        membership.change_membership(session, school, decision, ConsortiumAdminFactory(), "why")
    assert school.status is status


@pytest.mark.parametrize("decision", [Decision.SUSPEND, Decision.WITHDRAW])
def test_taking_membership_away_needs_a_reason(session: Session, decision: Decision) -> None:
    school = SchoolFactory()
    with pytest.raises(InvalidInput, match="Say why"):
        membership.change_membership(session, school, decision, ConsortiumAdminFactory(), "  ")


def test_only_consortium_admins_decide(session: Session) -> None:
    school = SchoolFactory(status=MembershipStatus.APPLIED)
    with pytest.raises(NotFound):
        membership.change_membership(session, school, Decision.APPROVE, SchoolAdminFactory())


@pytest.mark.parametrize("status", list(MembershipStatus))
def test_only_active_schools_are_active_members(status: MembershipStatus) -> None:
    assert is_active_member(School(status=status)) is (status is MembershipStatus.ACTIVE)


# Through the pages ------------------------------------------------------------------------


def test_a_school_applies_through_the_public_page(client: FlaskClient, session: Session) -> None:
    page = client.get("/apply")
    assert page.status_code == 200 and b'list="countries"' in page.data
    response = client.post(
        "/apply",
        data={
            "school_name": "Escuela de Medicina de Lima",
            "country": "Peru (PE)",
            "languages": "Español, English",
            "website": "lima-med.example.org",
            "admin_name": "Rosa Quispe",
            "admin_email": "rosa@lima-med.example.org",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert response.status_code == 302
    school = session.scalar(select(School).where(School.name == "Escuela de Medicina de Lima"))
    assert school is not None
    assert (school.country, school.languages, school.website) == (
        "PE",
        ["es", "en"],
        "https://lima-med.example.org",
    )
    assert b"applied" in client.get("/school/").data


def test_an_application_with_an_unknown_country_shows_the_problem(client: FlaskClient) -> None:
    response = client.post(
        "/apply",
        data={
            "school_name": "X",
            "country": "Atlantis",
            "languages": "English",
            "website": "x.example.org",
            "admin_name": "A",
            "admin_email": "a@x.example.org",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert response.status_code == 400
    assert b"is not a country we know" in response.data


def test_a_consortium_admin_admits_suspends_and_reinstates_through_the_pages(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    school = SchoolFactory(status=MembershipStatus.APPLIED, name="Gadjah Test")
    SchoolAdminFactory(school=school, email="head@gadjah.example.org")
    sign_in(client, ConsortiumAdminFactory())
    assert b"Gadjah Test" in client.get("/consortium/").data
    base = f"/consortium/schools/{school.id}"
    assert client.post(f"{base}/approve", data={"reason": ""}).status_code == 302
    refused = client.post(f"{base}/suspend", data={"reason": ""})
    assert refused.status_code == 400 and b"Say why" in refused.data
    asked = client.post(f"{base}/suspend", data={"reason": "Fees unpaid"})
    assert asked.status_code == 200 and "Suspend Gadjah Test?" in asked.get_data(as_text=True)
    session.refresh(school)
    assert school.status is MembershipStatus.ACTIVE  # nothing happens before the confirmation
    confirmed = {"reason": "Fees unpaid", "confirmed": "1"}
    assert client.post(f"{base}/suspend", data=confirmed).status_code == 302
    illegal = client.post(f"{base}/approve", data={"reason": ""})
    assert illegal.status_code == 409 and b"cannot be approved" in illegal.data
    assert client.post(f"{base}/reinstate", data={"reason": ""}).status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert page.count('class="status status-') >= 4 and "Fees unpaid" in page
    with app.app_context():
        from hub.mail import sent_messages

        subjects = [m["Subject"] for m in sent_messages() if m["To"] == "head@gadjah.example.org"]
    assert subjects == [
        f"Membership of Gadjah Test: {s}" for s in ("active", "suspended", "active")
    ]
    session.expire_all()
    assert (
        session.scalar(
            select(func.count())
            .select_from(MembershipEvent)
            .where(MembershipEvent.school_id == school.id)
        )
        == 3
    )


def test_an_unknown_decision_or_school_is_404(client: FlaskClient) -> None:
    sign_in(client, ConsortiumAdminFactory())
    school = SchoolFactory(status=MembershipStatus.APPLIED)
    assert client.post(f"/consortium/schools/{school.id}/promote").status_code == 404
    assert client.post("/consortium/schools/999999/approve").status_code == 404
    assert client.get("/consortium/schools/999999").status_code == 404


def test_a_consortium_admin_corrects_the_income_group(
    client: FlaskClient, session: Session
) -> None:
    school = SchoolFactory(country="KE")
    sign_in(client, ConsortiumAdminFactory())
    response = client.post(
        f"/consortium/schools/{school.id}/income-group", data={"income_group": "UMC"}
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(School, school.id).income_group.value == "UMC"  # type: ignore[union-attr]
    bad = client.post(
        f"/consortium/schools/{school.id}/income-group", data={"income_group": "RICH"}
    )
    assert bad.status_code == 400


def test_the_directory_lists_active_members_with_a_chart(client: FlaskClient) -> None:
    SchoolFactory(name="Active In Kenya", country="KE")
    SchoolFactory(name="Active In Sweden", country="SE", languages=["sv"])
    SchoolFactory(name="Suspended One", status=MembershipStatus.SUSPENDED)
    sign_in(client, SchoolAdminFactory())
    page = client.get("/directory").get_data(as_text=True)
    assert "Active In Kenya" in page and "Active In Sweden" in page
    assert "Suspended One" not in page
    assert "Members by region and income group" in page and '<svg class="bar"' in page
    filtered = client.get("/directory?language=sv").get_data(as_text=True)
    assert "Active In Sweden" in filtered and "Active In Kenya" not in filtered
