"""People's accounts: passwords, sign-in, invitations and password reset."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from ..models import SCHOOL_ROLES, Invitation, Person, Role, School, utcnow
from . import audit
from .errors import Conflict, InvalidInput, LinkInvalid

MIN_PASSWORD_LENGTH = 10
INVITATION_LIFETIME = dt.timedelta(days=14)
RESET_LIFETIME_SECONDS = 3600

log = logging.getLogger(__name__)

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, verified against when the email is unknown, so that a
    wrong email takes as long as a wrong password and the answer reveals nothing."""
    return _hasher.hash(secrets.token_urlsafe(16))


def normalize_email(raw: str) -> str:
    """Return ``raw`` validated and lower-cased, or raise ``InvalidInput`` saying why."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        # The validator's own words are English and about its rules: said in ours, kept in the log.
        log.info("email address refused: %s", exc)
        raise InvalidInput(
            _(
                "'%(address)s' is not a valid email address: it needs one @ and a domain "
                "name, as in name@school.edu.",
                address=raw.strip(),
            ),
            field="email",
        ) from None
    return result.normalized.lower()


def check_password_rules(password: str) -> None:
    """Raise ``InvalidInput`` if ``password`` is too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("Choose a password of at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
            field="password",
        )
    if len(password) > 1024:
        raise InvalidInput(
            _("That password is too long (1024 characters at most)."), field="password"
        )


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(person: Person, password: str) -> bool:
    """Whether ``password`` is the person's; upgrades the hash when parameters changed."""
    try:
        _hasher.verify(person.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(person.password_hash):
        person.password_hash = _hasher.hash(password)
    return True


def find_person(session: Session, email: str) -> Person | None:
    """The person with ``email`` (any case), or None."""
    try:
        normalized = normalize_email(email)
    except InvalidInput:
        return None
    return session.scalar(select(Person).where(Person.email == normalized))


# The signed-in person of every request, with the school, which nearly every page reads
# (the policy's viewer, the menus).
_SIGNED_IN = (
    select(Person).options(joinedload(Person.school)).where(Person.id == bindparam("person_id"))
)


def signed_in_person(session: Session, person_id: int) -> Person | None:
    """The person of a sign-in session, with their school (None: no such person)."""
    return session.scalars(_SIGNED_IN, {"person_id": person_id}).one_or_none()


def authenticate(session: Session, email: str, password: str) -> Person | None:
    """The active person whose email and password match, or None (the same for any failure)."""
    person = find_person(session, email)
    if person is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password)
        return None
    if not verify_password(person, password) or not person.active:
        return None
    person.last_sign_in_at = utcnow()
    return person


def create_person(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    school: School | None,
    actor: Person | None = None,
    password_hash: str | None = None,
) -> Person:
    """Add a person; refuses a duplicate email and a school role without a school.

    ``password_hash`` (a hash of ``password`` made by ``hash_password``) saves re-hashing when
    many people share one password, as the demo's do.
    """
    normalized = normalize_email(email)
    name = name.strip()
    if not name:
        raise InvalidInput(_("A name is required."), field="name")
    check_password_rules(password)
    if role in SCHOOL_ROLES and school is None:
        raise InvalidInput(_("A %(role)s belongs to a school.", role=role.label), field="school")
    if role is Role.CONSORTIUM_ADMIN:
        school = None
    if session.scalar(select(Person.id).where(Person.email == normalized)) is not None:
        raise Conflict(
            _("Someone with the email %(email)s already has an account.", email=normalized),
            field="email",
        )
    person = Person(
        email=normalized,
        name=name,
        password_hash=password_hash or hash_password(password),
        role=role,
        school=school,
    )
    session.add(person)
    session.flush()
    audit.record(
        session,
        actor,
        "person.created",
        person,
        role=role.value,
    )
    return person


def change_password(session: Session, person: Person, current: str, new: str) -> None:
    """Change the person's password after checking the current one."""
    if not verify_password(person, current):
        raise InvalidInput(_("The current password is not right."), field="current_password")
    check_password_rules(new)
    person.password_hash = hash_password(new)
    audit.record(session, person, "person.password_changed", person)


# Invitations -----------------------------------------------------------------------------


def secret_digest(secret: str) -> str:
    """The SHA-256 digest of a secret (an invitation's, a token's): what is stored of it."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation together with its token (shown once, then only its digest is kept)."""

    invitation: Invitation
    token: str


def invite(
    session: Session,
    *,
    school: School,
    email: str,
    role: Role,
    invited_by: Person | None,
    name: str | None = None,
    now: dt.datetime | None = None,
) -> IssuedInvitation:
    """Create a single-use invitation for ``email`` to join ``school`` as ``role``."""
    normalized = check_invitable(session, school, email)
    return invite_checked(session, school, [(normalized, role, name)], invited_by, now)[0]


def invite_checked(
    session: Session,
    school: School,
    invitees: list[tuple[str, Role, str | None]],
    invited_by: Person | None,
    now: dt.datetime | None = None,
) -> list[IssuedInvitation]:
    """Invite ``(email, role, name)`` rows whose emails ``check_invitable`` already passed.

    One flush for all of them, so that thousands of rows from a CSV file go in quickly.
    """
    now = now or utcnow()
    issued: list[IssuedInvitation] = []
    for email, role, name in invitees:
        if role not in SCHOOL_ROLES:
            raise InvalidInput(
                _(
                    "'%(role)s' is not a school role; choose student, teacher or school admin.",
                    role=str(role),
                ),
                field="role",
            )
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            token_digest=secret_digest(token),
            email=email,
            name=(name or "").strip() or None,
            school=school,
            role=role,
            invited_by=invited_by,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        issued.append(IssuedInvitation(invitation, token))
    session.add_all([i.invitation for i in issued])
    session.flush()
    for item in issued:
        audit.record(
            session,
            invited_by,
            "invitation.created",
            item.invitation,
            email=item.invitation.email,
            role=item.invitation.role.value,
        )
    return issued


def check_invitable(session: Session, school: School, email: str) -> str:
    """The normalised email if it can be invited to ``school``; otherwise a clear refusal."""
    normalized = normalize_email(email)
    existing = session.scalar(select(Person).where(Person.email == normalized))
    if existing is not None:
        if existing.school_id == school.id:
            raise Conflict(
                _(
                    "%(email)s is already a member of %(school)s.",
                    email=normalized,
                    school=school.name,
                ),
                field="email",
            )
        raise Conflict(
            _(
                "%(email)s already has an account with another school; a person "
                "belongs to one school. Ask them to use that account.",
                email=normalized,
            ),
            field="email",
        )
    if open_invitation_for(session, school, normalized) is not None:
        raise Conflict(
            _(
                "%(email)s is already invited; resend the invitation from the list.",
                email=normalized,
            ),
            field="email",
        )
    return normalized


def open_invitation_for(session: Session, school: School, email: str) -> Invitation | None:
    """The open (unused, unrevoked, unexpired) invitation of ``email`` to ``school``, if any."""
    return session.scalar(
        select(Invitation).where(
            Invitation.school_id == school.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    )


def open_invitation(session: Session, token: str, now: dt.datetime | None = None) -> Invitation:
    """The invitation behind ``token`` if it can still be accepted; ``LinkInvalid`` otherwise."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_digest == secret_digest(token))
    )
    now = now or utcnow()
    if invitation is None:
        raise LinkInvalid(
            _("This invitation link is not valid. Ask your school admin for a new one.")
        )
    if invitation.accepted_at is not None:
        raise LinkInvalid(_("This invitation has already been used. Sign in instead."))
    if invitation.revoked_at is not None:
        raise LinkInvalid(_("This invitation was withdrawn. Ask your school admin for a new one."))
    if now >= invitation.expires_at:
        raise LinkInvalid(_("This invitation has expired. Ask your school admin for a new one."))
    return invitation


def accept_invitation(
    session: Session, token: str, *, name: str, password: str, now: dt.datetime | None = None
) -> Person:
    """Create the invited person's account and mark the invitation used, all or nothing."""
    invitation = open_invitation(session, token, now)
    person = create_person(
        session,
        email=invitation.email,
        name=name,
        password=password,
        role=invitation.role,
        school=invitation.school,
    )
    invitation.accepted_at = now or utcnow()
    audit.record(session, person, "invitation.accepted", invitation)
    return person


# Password reset ------------------------------------------------------------------------


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="hub.password-reset")


def make_reset_token(secret_key: str, person: Person) -> str:
    """A signed reset token; it stops working once the password changes (single use)."""
    return _reset_serializer(secret_key).dumps([person.id, person.credential_fingerprint])


def person_for_reset(
    session: Session, secret_key: str, token: str, max_age: int = RESET_LIFETIME_SECONDS
) -> Person:
    """The person a valid reset token names; ``LinkInvalid`` if expired, used or forged."""
    try:
        person_id, fingerprint = _reset_serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkInvalid(_("This reset link has expired. Ask for a new one.")) from None
    except (BadSignature, ValueError, TypeError):
        raise LinkInvalid(_("This reset link is not valid. Ask for a new one.")) from None
    person = session.get(Person, person_id)
    if person is None or not person.active or person.credential_fingerprint != fingerprint:
        raise LinkInvalid(_("This reset link has already been used. Ask for a new one."))
    return person


def reset_password(session: Session, secret_key: str, token: str, new_password: str) -> Person:
    """Set a new password through a reset link."""
    person = person_for_reset(session, secret_key, token)
    check_password_rules(new_password)
    person.password_hash = hash_password(new_password)
    audit.record(session, person, "person.password_reset", person)
    return person
