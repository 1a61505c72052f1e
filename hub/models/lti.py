"""LTI 1.3: the learning platforms (Moodle, Canvas...) a school registers, the people who
arrive from them, the tool's own signing key, and the short-lived values of a launch."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .person import Person
    from .school import School


class LtiPlatform(Base):
    """One school's registration of its learning platform: who the platform is (issuer and
    the client id it gave the hub), where its OIDC login, token and key-set endpoints are, and
    the deployments of the hub it made. A platform belongs to exactly one school: the people
    who launch from it are that school's people."""

    __tablename__ = "lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(200))
    login_url: Mapped[str] = mapped_column(String(500))
    token_url: Mapped[str] = mapped_column(String(500))
    key_set_url: Mapped[str] = mapped_column(String(500))
    deployment_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    school: Mapped[School] = relationship()


class LtiAccount(Base):
    """A person as a platform knows them: the launch's subject (``sub``) on that platform."""

    __tablename__ = "lti_account"
    __table_args__ = (UniqueConstraint("platform_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[dt.datetime | None] = mapped_column()

    person: Mapped[Person] = relationship()


class LtiKey(Base):
    """The hub's RSA key pair that signs what it sends platforms (deep-linking answers).

    Kept in the database, not on one host's disk, so that every web host signs with the key its
    key set (``/lti/jwks``) publishes."""

    __tablename__ = "lti_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LtiLaunchValue(Base):
    """A value a launch needs between two requests (its state, nonce, the launch itself, a
    platform's cached key set), shared by every web host and dropped when it expires."""

    __tablename__ = "lti_launch_value"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
