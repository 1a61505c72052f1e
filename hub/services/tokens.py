"""Personal access tokens: a person's programs call the API as that person, within scopes.

The secret is a high-entropy random string (``secrets.token_urlsafe``) shown once, when it is
made; only its SHA-256 digest is kept, as for invitations. A token acts exactly as its person:
the API asks the same policy about the same person. It authenticates no further than signing
in would: a deactivated person's tokens stop working (a suspended school's people keep
signing in, and the policy narrows what they see, so their tokens work the same way).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..models import ApiToken, Person, Role, utcnow
from . import audit
from .accounts import secret_digest
from .errors import InvalidInput, NotFound, ServiceError
from .metadata import plain_text

#: What a token may do: ``read`` answers GET requests, ``write`` everything else.
SCOPES = ("read", "write")
SCOPE_LABELS = {"read": _l("read"), "write": _l("write")}
#: Every secret starts with this, so that secret scanners and people recognise one.
PREFIX = "hub_"
#: The characters of the secret kept to tell tokens apart ("hub_" and four more).
HINT_LENGTH = len(PREFIX) + 4
#: The expiries a person may choose, in days; a token lives one year at most.
EXPIRY_DAYS = (7, 30, 90, 365)
MAX_LIFETIME = dt.timedelta(days=365)
#: A token's last use is written at most this often (not on every request).
LAST_USED_PRECISION = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A new token with its secret, which is shown once and never again."""

    token: ApiToken
    secret: str


def create(
    session: Session,
    person: Person,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int | None,
    now: dt.datetime | None = None,
) -> IssuedToken:
    """A new token of ``person``: named, with ``scopes`` (``read`` always included), expiring
    after ``expires_in_days`` (one of ``EXPIRY_DAYS``). Every problem is said at once."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    name = plain_text(name, 100)
    if not name:
        errors["name"] = _("Name the token after the program that uses it.")
    chosen = set(scopes)
    if chosen - set(SCOPES):
        errors["scopes"] = _("Choose read, or read and write.")
    if expires_in_days not in EXPIRY_DAYS:
        errors["expires_in_days"] = _(
            "Choose when it expires: after %(days)s days.",
            days=", ".join(str(d) for d in EXPIRY_DAYS),
        )
    if errors:
        raise TokenErrors(errors)
    assert expires_in_days is not None
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        person_id=person.id,
        name=name,
        scopes=[s for s in SCOPES if s in chosen | {"read"}],
        digest=secret_digest(secret),
        hint=secret[:HINT_LENGTH],
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_in_days),
    )
    session.add(token)
    session.flush()
    audit.record(
        session, person, "token.created", token, school_id=person.school_id, scopes=token.scopes
    )
    return IssuedToken(token, secret)


class TokenErrors(InvalidInput):
    """Several fields of a new token are wrong; ``errors`` maps each to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def tokens_of(session: Session, person: Person) -> list[ApiToken]:
    """The person's tokens, newest first (revoked and expired ones too)."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.person_id == person.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def school_tokens(session: Session, admin: Person) -> list[ApiToken]:
    """Every token of the admin's school's people, newest first; nobody else gets any."""
    if admin.role is not Role.SCHOOL_ADMIN or admin.school_id is None:
        return []
    return list(
        session.scalars(
            select(ApiToken)
            .join(Person, Person.id == ApiToken.person_id)
            .where(Person.school_id == admin.school_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
            .options(joinedload(ApiToken.person))
        )
    )


def revoke(
    session: Session, actor: Person, token_id: int, now: dt.datetime | None = None
) -> ApiToken:
    """Revoke a token: the actor's own, or (a school admin) one of their school's people's.
    Anyone else's is ``NotFound``. Revoking twice changes nothing."""
    token = session.get(ApiToken, token_id)
    owner = token.person if token is not None else None
    may = owner is not None and (
        owner.id == actor.id
        or (
            actor.role is Role.SCHOOL_ADMIN
            and actor.school_id is not None
            and owner.school_id == actor.school_id
        )
    )
    if token is None or owner is None or not may:
        raise NotFound(_("There is no such token."))
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        token.revoked_by_id = actor.id
        audit.record(session, actor, "token.revoked", token, school_id=owner.school_id)
    return token


class Unauthenticated(ServiceError):
    """A bearer token that does not authenticate; ``reason`` is ``unknown``, ``expired``,
    ``revoked`` or ``inactive`` (its person may no longer sign in)."""

    status = 401

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Authenticated:
    """Who a token speaks for, and the token itself."""

    person: Person
    token: ApiToken

    def allows(self, scope: str) -> bool:
        """Whether the token carries ``scope``."""
        return scope in self.token.scopes


def authenticate(session: Session, secret: str, now: dt.datetime | None = None) -> Authenticated:
    """The person a bearer secret speaks for, or ``Unauthenticated`` saying why not.

    Reads only: the caller records the use (``touch``) where it may write."""
    now = now or utcnow()
    token = None
    if secret.startswith(PREFIX) and len(secret) < 200:
        token = session.scalar(
            select(ApiToken)
            .where(ApiToken.digest == secret_digest(secret))
            .options(joinedload(ApiToken.person).joinedload(Person.school))
        )
    if token is None:
        raise Unauthenticated("unknown", _("This token is not known. Check it, or make a new one."))
    state = token.state(now)
    if state == "revoked":
        raise Unauthenticated("revoked", _("This token was revoked. Make a new one."))
    if state == "expired":
        raise Unauthenticated("expired", _("This token has expired. Make a new one."))
    # The same condition as signing in (accounts.authenticate).
    if not token.person.active:
        raise Unauthenticated("inactive", _("The account of this token cannot sign in."))
    return Authenticated(token.person, token)


def needs_touch(token: ApiToken, now: dt.datetime | None = None) -> bool:
    """Whether the token's last use is older than ``LAST_USED_PRECISION``."""
    now = now or utcnow()
    return token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION


def touch(session: Session, token_id: int, now: dt.datetime | None = None) -> None:
    """Record that the token was used now."""
    token = session.get(ApiToken, token_id)
    if token is not None:
        token.last_used_at = now or utcnow()
