"""Member schools of the consortium."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Enum, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Choice, utcnow

if TYPE_CHECKING:
    from .membership import MembershipEvent
    from .person import Person


class MembershipStatus(Choice):
    """Where a school stands in the consortium (DESIGN.md: Membership lifecycle)."""

    APPLIED = "applied", _l("applied")
    ACTIVE = "active", _l("active")
    SUSPENDED = "suspended", _l("suspended")
    WITHDRAWN = "withdrawn", _l("withdrawn")
    REJECTED = "rejected", _l("rejected")


class IncomeGroup(Choice):
    """World Bank income groups."""

    HIC = "HIC", _l("High income")
    UMC = "UMC", _l("Upper-middle income")
    LMC = "LMC", _l("Lower-middle income")
    LIC = "LIC", _l("Low income")


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: a string with a CHECK constraint, storing the member's value."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class School(Base):
    """A medical school that is (or wants to be) a member of the consortium."""

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), index=True)  # ISO 3166-1 alpha-2
    region: Mapped[str] = mapped_column(String(3), index=True)  # UN M49 sub-region code
    income_group: Mapped[IncomeGroup] = mapped_column(enum_column(IncomeGroup, "income_group"))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # BCP 47 tags
    website: Mapped[str | None] = mapped_column(String(300))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[MembershipStatus] = mapped_column(
        enum_column(MembershipStatus, "membership_status"), default=MembershipStatus.APPLIED
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Sharing rules set by the school's admins: the widest audience and rights any material may
    # have (the ceiling), and what a new material starts with (the defaults).
    ceiling_audience: Mapped[str] = mapped_column(String(20), default="public")
    ceiling_rights: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: ["view", "download", "adapt"]
    )
    default_audience: Mapped[str] = mapped_column(String(20), default="consortium")
    default_rights: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["view"])

    people: Mapped[list[Person]] = relationship(back_populates="school")
    history: Mapped[list[MembershipEvent]] = relationship(
        order_by="MembershipEvent.id", viewonly=True
    )

    def __repr__(self) -> str:
        return f"<School {self.id} {self.name!r} {self.country} {self.status}>"
