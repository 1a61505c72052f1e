"""A school admin's people: listing, roles, deactivation and invitations.

Every function takes the acting school admin and only ever touches people and invitations of
that admin's school; anything else is ``NotFound`` (404), so another school's people cannot even
be probed.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..models import SCHOOL_ROLES, Invitation, Person, Role, School, utcnow
from . import accounts, audit
from .errors import Conflict, InvalidInput, NotFound


def _school_of(admin: Person) -> int:
    if admin.role is not Role.SCHOOL_ADMIN or admin.school_id is None:
        raise NotFound(_("There is nothing here."))
    return admin.school_id


@dataclass(frozen=True)
class PeopleFilter:
    """What the people list is narrowed to."""

    text: str = ""
    role: Role | None = None
    active: bool | None = None


def people_query(admin: Person, flt: PeopleFilter) -> Select[Person]:
    """The admin's school's people matching ``flt``, by name."""
    query = select(Person).where(Person.school_id == _school_of(admin))
    if flt.text.strip():
        pattern = f"%{flt.text.strip().lower()}%"
        query = query.where(or_(func.lower(Person.name).like(pattern), Person.email.like(pattern)))
    if flt.role is not None:
        query = query.where(Person.role == flt.role)
    if flt.active is not None:
        query = query.where(Person.active.is_(flt.active))
    return query.order_by(Person.name, Person.id)


def member(session: Session, admin: Person, person_id: int) -> Person:
    """A person of the admin's school; ``NotFound`` for anyone else."""
    person = session.get(Person, person_id)
    if person is None or person.school_id != _school_of(admin):
        raise NotFound(_("There is no such person in your school."))
    return person


def _active_admins(session: Session, school_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Person)
            .where(
                Person.school_id == school_id,
                Person.role == Role.SCHOOL_ADMIN,
                Person.active.is_(True),
            )
        )
        or 0
    )


def change_role(session: Session, admin: Person, person_id: int, role: Role) -> Person:
    """Give a person of the school another school role; the school keeps an admin."""
    person = member(session, admin, person_id)
    if role not in SCHOOL_ROLES:
        raise InvalidInput(_("Choose student, teacher or school admin."), field="role")
    if person.role is role:
        return person
    if (
        person.role is Role.SCHOOL_ADMIN
        and person.active
        and _active_admins(session, person.school_id or 0) <= 1
    ):
        raise Conflict(
            _(
                "%(name)s is the school's only admin. Make someone else an admin first.",
                name=person.name,
            )
        )
    previous = person.role
    person.role = role
    audit.record(
        session,
        admin,
        "person.role_changed",
        person,
        from_role=previous.value,
        to_role=role.value,
    )
    return person


def set_active(session: Session, admin: Person, person_id: int, active: bool) -> Person:
    """Deactivate (signs them out, keeps their work) or reactivate a person of the school."""
    person = member(session, admin, person_id)
    if person.active is active:
        return person
    if not active and person.id == admin.id:
        raise Conflict(_("You cannot deactivate your own account."))
    if (
        not active
        and person.role is Role.SCHOOL_ADMIN
        and _active_admins(session, person.school_id or 0) <= 1
    ):
        raise Conflict(_("%(name)s is the school's only active admin.", name=person.name))
    person.active = active
    audit.record(
        session,
        admin,
        "person.reactivated" if active else "person.deactivated",
        person,
    )
    return person


# Invitations ------------------------------------------------------------------------------


def invite_one(
    session: Session, admin: Person, email: str, role: Role, name: str | None = None
) -> accounts.IssuedInvitation:
    """Invite one person to the admin's school."""
    school = session.get(School, _school_of(admin))
    assert school is not None
    return accounts.invite(
        session, school=school, email=email, role=role, invited_by=admin, name=name
    )


def invitations(session: Session, admin: Person) -> list[Invitation]:
    """The school's invitations, newest first."""
    return list(
        session.scalars(
            select(Invitation)
            .where(Invitation.school_id == _school_of(admin))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def _invitation(session: Session, admin: Person, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.school_id != _school_of(admin):
        raise NotFound(_("There is no such invitation."))
    return invitation


def revoke_invitation(session: Session, admin: Person, invitation_id: int) -> Invitation:
    """Withdraw an invitation that has not been used."""
    invitation = _invitation(session, admin, invitation_id)
    if invitation.accepted_at is not None:
        raise Conflict(_("That invitation was already accepted; deactivate the account instead."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record(session, admin, "invitation.revoked", invitation)
    return invitation


def resend_invitation(
    session: Session, admin: Person, invitation_id: int
) -> accounts.IssuedInvitation:
    """Replace an unused invitation with a fresh one (new link, new expiry)."""
    old = _invitation(session, admin, invitation_id)
    if old.accepted_at is not None:
        raise Conflict(_("That invitation was already accepted."))
    if old.revoked_at is None:
        old.revoked_at = utcnow()
    session.flush()
    return invite_one(session, admin, old.email, old.role, old.name)


# An invitation's state in words (lazy: worded in the interface language when shown).
INVITATION_STATE_LABELS = {
    "accepted": _l("accepted"),
    "revoked": _l("revoked"),
    "expired": _l("expired"),
    "open": _l("open"),
}


def invitation_state(invitation: Invitation) -> str:
    """``accepted``, ``revoked``, ``expired`` or ``open``."""
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= utcnow():
        return "expired"
    return "open"
