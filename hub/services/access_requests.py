"""Access requests: a teacher asks for more rights; the owner school's admin grants or declines.

A granted request becomes an ordinary audience grant (to that school, with the chosen rights,
until a date), which the policy module honours and lets expire.
"""

from __future__ import annotations

import datetime as dt

from flask import has_request_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy
from ..i18n import short_date
from ..models import (
    STAFF,
    AccessRequest,
    AudienceGrant,
    GrantKind,
    Material,
    Person,
    RequestStatus,
    Role,
    utcnow,
)
from . import audit, sharing
from .errors import Conflict, InvalidInput, NotFound


def request_access(
    session: Session, teacher: Person, material: Material, rights: list[str], message: str
) -> AccessRequest:
    """Ask the owner school for ``rights`` on a material the teacher can see."""
    version = material.published
    if version is None or not policy.allowed(session, teacher, version, "view"):
        raise NotFound(_("There is no such material, or it is not shared with you."))
    if teacher.role not in STAFF or teacher.school_id is None:
        raise Conflict(_("Teachers and school admins ask for access for their school."))
    if teacher.school_id == material.school_id:
        raise Conflict(_("It belongs to your school already."))
    wanted = [r for r in policy.RIGHTS if r in rights]
    if not wanted:
        raise InvalidInput(_("Say what your school needs: download and/or adapt."), field="rights")
    if "adapt" in wanted and policy.allowed(session, teacher, version, "adapt").because(
        "licence-no-derivatives"
    ):
        raise InvalidInput(
            _(
                "Its licence, %(licence)s, allows no derivatives: no school may adapt it, so "
                "there is nothing to ask for.",
                licence=version.licence,
            ),
            field="rights",
        )
    missing = [r for r in wanted if not policy.allowed(session, teacher, version, r)]  # type: ignore[arg-type]
    if not missing:
        raise Conflict(_("Your school already has these rights."))
    pending = session.scalar(
        select(AccessRequest).where(
            AccessRequest.material_id == material.id,
            AccessRequest.school_id == teacher.school_id,
            AccessRequest.status == RequestStatus.PENDING,
        )
    )
    if pending is not None:
        raise Conflict(
            _(
                "Your school asked already on %(date)s; the owner school has not answered yet.",
                # Outside a request (tests, commands) there is no reader: an ISO date.
                date=short_date(pending.created_at)
                if has_request_context()
                else f"{pending.created_at:%Y-%m-%d}",
            )
        )
    request = AccessRequest(
        material_id=material.id,
        requester_id=teacher.id,
        school_id=teacher.school_id,
        rights=missing,
        message=message.strip()[:2000],
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        teacher,
        "access.requested",
        request,
        material=material.id,
        rights=missing,
    )
    return request


def _owned_request(session: Session, admin: Person, request_id: int) -> AccessRequest:
    request = session.get(AccessRequest, request_id)
    if (
        request is None
        or admin.role is not Role.SCHOOL_ADMIN
        or request.material.school_id != admin.school_id
    ):
        raise NotFound(_("There is no such request."))
    if request.status is not RequestStatus.PENDING:
        raise Conflict(_("This request was already %(status)s.", status=request.status.label))
    return request


def grant_request(
    session: Session, admin: Person, request_id: int, rights: list[str], until: dt.datetime | None
) -> AudienceGrant:
    """Grant a request: a grant to the requesting school, within the ceiling and licence."""
    request = _owned_request(session, admin, request_id)
    chosen = [r for r in policy.RIGHTS if r in rights]
    if not chosen:
        raise InvalidInput(_("Choose the rights to give."), field="rights")
    if until is not None and until <= utcnow():
        raise InvalidInput(_("The end date must be in the future."), field="until")
    school = [str(request.school_id)]
    grant = sharing.give_grant(
        session, admin, request.material, GrantKind.SCHOOLS, school, chosen, until, field="rights"
    )
    request.status = RequestStatus.GRANTED
    request.decided_by_id = admin.id
    request.decided_at = utcnow()
    request.grant_id = grant.id
    request.granted_until = until
    audit.record(
        session,
        admin,
        "access.granted",
        request,
        school_id=admin.school_id,
        rights=chosen,
        until=until.isoformat() if until else None,
    )
    return grant


def decline_request(session: Session, admin: Person, request_id: int, reason: str) -> None:
    """Decline a request with a reason the requesting school sees."""
    request = _owned_request(session, admin, request_id)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why; the requesting school sees it."), field="reason")
    request.status = RequestStatus.DECLINED
    request.decided_by_id = admin.id
    request.decided_at = utcnow()
    request.reason = reason[:2000]
    audit.record(
        session, admin, "access.declined", request, school_id=admin.school_id, reason=reason
    )


def request_of(session: Session, person: Person, request_id: int) -> AccessRequest:
    """A request the person's school made, or one for its materials; ``NotFound`` else."""
    request = session.get(AccessRequest, request_id)
    if request is None or person.school_id is None:
        raise NotFound(_("There is no such request."))
    if person.school_id not in (request.school_id, request.material.school_id):
        raise NotFound(_("There is no such request."))
    return request


def incoming(session: Session, admin: Person) -> list[AccessRequest]:
    """Requests for the admin's school's materials, newest first."""
    return list(
        session.scalars(
            select(AccessRequest)
            .join(Material, Material.id == AccessRequest.material_id)
            .where(Material.school_id == admin.school_id)
            .order_by(AccessRequest.created_at.desc(), AccessRequest.id.desc())
        )
    )


def outgoing(session: Session, person: Person) -> list[AccessRequest]:
    """Requests made by the person's school, newest first."""
    return list(
        session.scalars(
            select(AccessRequest)
            .where(AccessRequest.school_id == person.school_id)
            .order_by(AccessRequest.created_at.desc(), AccessRequest.id.desc())
        )
    )
