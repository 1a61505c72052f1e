"""Joining a school by invitation: single use, expiring, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.models import AuditEvent, Invitation, Person, Role, utcnow
from hub.services import accounts
from hub.services.errors import Conflict, InvalidInput, LinkInvalid
from tests.factories import PersonFactory, SchoolAdminFactory, SchoolFactory


def _invite(session: Session, **kwargs: object) -> accounts.IssuedInvitation:
    admin = SchoolAdminFactory()
    defaults: dict[str, object] = {
        "school": admin.school,
        "email": "new@example.org",
        "role": Role.TEACHER,
        "invited_by": admin,
    }
    defaults.update(kwargs)
    issued = accounts.invite(session, **defaults)  # type: ignore[arg-type]
    session.flush()
    return issued


def test_an_invited_person_sets_name_and_password_and_is_signed_in(
    client: FlaskClient, session: Session
) -> None:
    issued = _invite(session, email="Lina@Example.org", name="Lina")
    page = client.get(f"/invitation/{issued.token}")
    assert page.status_code == 200
    assert b"lina@example.org" in page.data
    response = client.post(
        f"/invitation/{issued.token}",
        data={
            "name": "Lina Haddad",
            "password": "a good long password",
            "confirm": "a good long password",
        },
    )
    assert response.status_code == 302
    assert b"Lina Haddad" in client.get("/account").data
    person = session.scalar(select(Person).where(Person.email == "lina@example.org"))
    assert person is not None and person.role is Role.TEACHER
    assert person.school_id == issued.invitation.school_id


def test_the_invitation_token_is_not_stored_in_clear(session: Session) -> None:
    issued = _invite(session)
    stored = session.scalars(select(Invitation.token_digest)).all()
    assert issued.token not in stored


def test_an_invitation_works_only_once(client: FlaskClient, session: Session) -> None:
    issued = _invite(session)
    form = {"name": "A", "password": "a good long password", "confirm": "a good long password"}
    assert client.post(f"/invitation/{issued.token}", data=form).status_code == 302
    client.post("/sign-out")
    again = client.get(f"/invitation/{issued.token}")
    assert again.status_code == 400
    assert b"already been used" in again.data


def test_an_expired_invitation_is_refused_with_a_message(
    client: FlaskClient, session: Session
) -> None:
    issued = _invite(session, now=utcnow() - dt.timedelta(days=15))
    response = client.get(f"/invitation/{issued.token}")
    assert response.status_code == 400
    assert b"This invitation has expired" in response.data


def test_a_revoked_invitation_is_refused(session: Session) -> None:
    issued = _invite(session)
    issued.invitation.revoked_at = utcnow()
    with pytest.raises(LinkInvalid, match="withdrawn"):
        accounts.open_invitation(session, issued.token)


def test_a_made_up_invitation_token_is_a_400_page(client: FlaskClient) -> None:
    response = client.get("/invitation/not-a-real-token")
    assert response.status_code == 400
    assert b"not valid" in response.data


def test_a_weak_password_creates_nothing(client: FlaskClient, session: Session) -> None:
    issued = _invite(session)
    people_before = session.scalar(select(func.count()).select_from(Person))
    response = client.post(
        f"/invitation/{issued.token}", data={"name": "A", "password": "short", "confirm": "short"}
    )
    assert response.status_code == 400
    assert b"at least 10 characters" in response.data
    assert session.scalar(select(func.count()).select_from(Person)) == people_before
    session.expire_all()
    assert session.get(Invitation, issued.invitation.id).accepted_at is None  # type: ignore[union-attr]


def test_inviting_an_existing_account_is_refused(session: Session) -> None:
    PersonFactory(email="taken@example.org")
    with pytest.raises(Conflict, match="already has an account"):
        _invite(session, email="TAKEN@example.org")


def test_inviting_a_malformed_email_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="not a valid email"):
        _invite(session, email="not-an-email")


def test_only_school_roles_can_be_invited(session: Session) -> None:
    with pytest.raises(InvalidInput, match="not a school role"):
        _invite(session, role=Role.CONSORTIUM_ADMIN)


def test_invitations_and_acceptance_are_audited(session: Session) -> None:
    school = SchoolFactory()
    issued = _invite(session, school=school)
    accounts.accept_invitation(session, issued.token, name="B", password="a good long password")
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "invitation.created" in actions and "invitation.accepted" in actions
