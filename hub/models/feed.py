"""Private feed addresses: a person's feed of what they may see, reached without signing in."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .person import Person


class FeedToken(Base):
    """The secret of one person's private feed address.

    A feed reader cannot sign in, so the address itself carries a random secret; only its
    SHA-256 digest is kept (a copy of the database opens no feed). Making a new address
    revokes the old one; a revoked or deactivated person's address answers 404.
    """

    __tablename__ = "feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    person: Mapped[Person] = relationship()
