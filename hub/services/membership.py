"""The membership lifecycle: applications, admission, suspension, withdrawal.

``applied → active | rejected``, ``active → suspended → active``, ``active → withdrawn``.
Consortium admins decide; every transition is a ``MembershipEvent`` (who, when, why) and an
audit event, and the school's admins are told by mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..i18n import join_words
from ..models import MembershipEvent, MembershipStatus, Person, Role, School, utcnow
from ..models.base import Choice
from . import accounts, audit
from .errors import Conflict, InvalidInput, NotFound
from .schools import create_school


class Decision(Choice):
    """What a consortium admin can do to a school's membership."""

    APPROVE = "approve", _l("Approve")
    REJECT = "reject", _l("Reject")
    SUSPEND = "suspend", _l("Suspend")
    REINSTATE = "reinstate", _l("Reinstate")
    WITHDRAW = "withdraw", _l("Withdraw")


# The decision as a verb inside a sentence ("Possible now: suspend, withdraw").
DECISION_VERBS = {
    "approve": _l("approve"),
    "reject": _l("reject"),
    "suspend": _l("suspend"),
    "reinstate": _l("reinstate"),
    "withdraw": _l("withdraw"),
}


# (current status, decision) -> new status. Anything else is refused.
TRANSITIONS: dict[tuple[MembershipStatus, Decision], MembershipStatus] = {
    (MembershipStatus.APPLIED, Decision.APPROVE): MembershipStatus.ACTIVE,
    (MembershipStatus.APPLIED, Decision.REJECT): MembershipStatus.REJECTED,
    (MembershipStatus.ACTIVE, Decision.SUSPEND): MembershipStatus.SUSPENDED,
    (MembershipStatus.SUSPENDED, Decision.REINSTATE): MembershipStatus.ACTIVE,
    (MembershipStatus.ACTIVE, Decision.WITHDRAW): MembershipStatus.WITHDRAWN,
}

# Decisions that take something away must say why.
NEEDS_REASON = {Decision.REJECT, Decision.SUSPEND, Decision.WITHDRAW}
# Refusals of a decision the school's status does not allow, one whole sentence per decision.
CANNOT = {
    "approve": _l("%(school)s is %(status)s: it cannot be approved. Possible now: %(possible)s."),
    "reject": _l("%(school)s is %(status)s: it cannot be rejected. Possible now: %(possible)s."),
    "suspend": _l("%(school)s is %(status)s: it cannot be suspended. Possible now: %(possible)s."),
    "reinstate": _l(
        "%(school)s is %(status)s: it cannot be reinstated. Possible now: %(possible)s."
    ),
    "withdraw": _l("%(school)s is %(status)s: it cannot be withdrawn. Possible now: %(possible)s."),
}
WHY = {
    "reject": _l("Say why you reject %(school)s; the school sees it."),
    "suspend": _l("Say why you suspend %(school)s; the school sees it."),
    "withdraw": _l("Say why you withdraw %(school)s; the school sees it."),
}


def decisions_for(status: MembershipStatus) -> list[Decision]:
    """The decisions that are possible for a school in ``status``."""
    return [d for (s, d) in TRANSITIONS if s is status]


@dataclass(frozen=True)
class Application:
    """What a school sends to join the consortium."""

    school_name: str
    country: str
    languages: list[str]
    website: str
    contact_email: str
    admin_name: str
    admin_email: str
    admin_password: str


def normalize_website(raw: str) -> str:
    """``www.Example.org/`` → ``https://www.example.org``; refuses what is not a web address."""
    raw = raw.strip()
    if not raw:
        raise InvalidInput(_("Give the school's website."), field="website")
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in raw:
        raise InvalidInput(
            _(
                "'%(address)s' is not a web address (for example https://med.example.edu).",
                address=raw,
            ),
            field="website",
        )
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc.lower()}{path}"


def _website_key(website: str) -> str:
    host = urlsplit(website).netloc.lower()
    return host.removeprefix("www.")


def find_duplicate(session: Session, name: str, country: str, website: str) -> School | None:
    """A school (not rejected) with the same website host, or the same name in the same country."""
    key = _website_key(website)
    candidates = session.scalars(
        select(School).where(School.status != MembershipStatus.REJECTED)
    ).all()
    for school in candidates:
        if school.website and _website_key(school.website) == key:
            return school
        if school.country == country and school.name.casefold() == name.strip().casefold():
            return school
    return None


def submit_application(session: Session, application: Application) -> tuple[School, Person]:
    """Record a school's application with its first school admin; all or nothing."""
    website = normalize_website(application.website)
    contact = accounts.normalize_email(application.contact_email or application.admin_email)
    from . import geography

    country = geography.country(application.country).iso2
    duplicate = find_duplicate(session, application.school_name, country, website)
    if duplicate is not None:
        raise Conflict(
            _(
                "%(school)s (%(website)s) has already applied or is a member. "
                "If you are its admin, sign in; otherwise write to the consortium secretariat.",
                school=duplicate.name,
                website=duplicate.website,
            ),
            field="school_name",
        )
    school = create_school(
        session,
        name=application.school_name,
        country=country,
        languages=application.languages,
        website=website,
        status=MembershipStatus.APPLIED,
    )
    school.contact_email = contact
    admin = accounts.create_person(
        session,
        email=application.admin_email,
        name=application.admin_name,
        password=application.admin_password,
        role=Role.SCHOOL_ADMIN,
        school=school,
    )
    session.add(
        MembershipEvent(
            school_id=school.id,
            from_status=None,
            to_status=MembershipStatus.APPLIED,
            actor_id=admin.id,
            reason="Application received.",
        )
    )
    audit.record(session, admin, "school.applied", school)
    return school, admin


def change_membership(
    session: Session, school: School, decision: Decision, actor: Person, reason: str = ""
) -> MembershipEvent:
    """Apply a consortium admin's decision to ``school``; refuses illegal transitions."""
    if actor.role is not Role.CONSORTIUM_ADMIN:
        raise NotFound(_("There is no such school."))
    new_status = TRANSITIONS.get((school.status, decision))
    if new_status is None:
        possible = join_words(
            [str(DECISION_VERBS[d.value]) for d in decisions_for(school.status)]
        ) or _("none")
        raise Conflict(
            str(CANNOT[decision.value])
            % {"school": school.name, "status": school.status.label, "possible": possible}
        )
    reason = reason.strip()
    if decision in NEEDS_REASON and not reason:
        raise InvalidInput(str(WHY[decision.value]) % {"school": school.name}, field="reason")
    event = MembershipEvent(
        school_id=school.id,
        from_status=school.status,
        to_status=new_status,
        actor_id=actor.id,
        reason=reason,
        occurred_at=utcnow(),
    )
    session.add(event)
    previous = school.status
    school.status = new_status
    audit.record(
        session,
        actor,
        f"school.{decision.value}",
        school,
        from_status=previous.value,
        to_status=new_status.value,
        reason=reason,
    )
    session.flush()
    return event


def notification(school: School, event: MembershipEvent) -> tuple[str, str]:
    """Subject and body of the mail that tells a school's admins about ``event``.

    Worded in the current interface language: callers choose the recipient's
    (``flask_babel.force_locale``).
    """
    status = event.to_status
    texts = {
        MembershipStatus.ACTIVE: _l(
            "%(school)s is now an active member of the consortium. Your teachers and "
            "students can reach the materials that other schools share with members."
        ),
        MembershipStatus.REJECTED: _l("%(school)s was not admitted to the consortium."),
        MembershipStatus.SUSPENDED: _l(
            "%(school)s is suspended from the consortium. Until it is reinstated, "
            "your people see only public materials of other schools, and other schools no "
            "longer see your non-public materials."
        ),
        MembershipStatus.WITHDRAWN: _l("%(school)s has been withdrawn from the consortium."),
        MembershipStatus.APPLIED: _l("%(school)s has applied to join the consortium."),
    }
    body = str(texts[status]) % {"school": school.name}
    if event.reason:
        body += "\n\n" + _("Reason given: %(reason)s", reason=event.reason)
    subject = _("Membership of %(school)s: %(status)s", school=school.name, status=status.label)
    return subject, body


def school_admins(session: Session, school: School) -> list[Person]:
    """The active school admins of ``school`` (who receive membership mail)."""
    return list(
        session.scalars(
            select(Person).where(
                Person.school_id == school.id,
                Person.role == Role.SCHOOL_ADMIN,
                Person.active.is_(True),
            )
        )
    )


def counts_by_status(session: Session) -> dict[MembershipStatus, int]:
    """How many schools are in each membership status."""
    rows = session.execute(select(School.status, func.count()).group_by(School.status))
    return {status: n for status, n in rows}
