"""Invitations: how people join a school."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .person import Role
from .school import enum_column

if TYPE_CHECKING:
    from .person import Person
    from .school import School


class Invitation(Base):
    """A single-use, expiring invitation to join a school in a role.

    Only a digest of the token is stored, so a copy of the database cannot be used to join.
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    accepted_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    school: Mapped[School] = relationship()
    invited_by: Mapped[Person | None] = relationship()

    def is_open(self, now: dt.datetime) -> bool:
        """Whether the invitation can still be accepted at ``now``."""
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at
