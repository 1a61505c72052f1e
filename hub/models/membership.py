"""The membership history of a school: every transition, who made it, when and why."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .school import MembershipStatus, enum_column

if TYPE_CHECKING:
    from .person import Person


class MembershipEvent(Base):
    """One step of a school's membership lifecycle (the first step has no ``from_status``)."""

    __tablename__ = "membership_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    from_status: Mapped[MembershipStatus | None] = mapped_column(
        enum_column(MembershipStatus, "from_status")
    )
    to_status: Mapped[MembershipStatus] = mapped_column(enum_column(MembershipStatus, "to_status"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    actor: Mapped[Person | None] = relationship()
