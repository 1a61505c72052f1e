"""Access requests between schools, and the record of every use of a material."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Choice, utcnow
from .school import enum_column

if TYPE_CHECKING:
    from .material import Material
    from .person import Person
    from .school import School


class RequestStatus(Choice):
    PENDING = "pending", _l("pending")
    GRANTED = "granted", _l("granted")
    DECLINED = "declined", _l("declined")
    WITHDRAWN = "withdrawn", _l("withdrawn")


class AccessRequest(Base):
    """A teacher asks the owner school for more rights on a material for their school."""

    __tablename__ = "access_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)  # requesting
    rights: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status"), default=RequestStatus.PENDING
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    reason: Mapped[str] = mapped_column(Text, default="")
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("audience_grant.id"))
    granted_until: Mapped[dt.datetime | None] = mapped_column()

    material: Mapped[Material] = relationship()
    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    school: Mapped[School] = relationship()


class UsageEvent(Base):
    """One use of a material (see ``services.usage.KINDS``): who (which school, which
    country), what, when. ``visitor`` tells uses apart without naming anyone: ``p<id>`` for a
    signed-in person, a digest that changes every day for a visitor (never an address)."""

    __tablename__ = "usage_event"
    __table_args__ = (Index("ix_usage_event_visitor_material", "visitor", "material_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("material_version.id"))
    owner_school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    visitor: Mapped[str | None] = mapped_column(String(64))


class UsageMonth(Base):
    """The uses of a month, counted as they are recorded: one row per month, kind, material
    and using school and country (``None``: visitors), so that a dashboard reads a few
    hundred rows rather than millions of events. ``visitors`` counts unique visitors per day
    (COUNTER's unique item investigations and requests), summed over the month's days.

    ``key`` joins the row's parts (NULLs would never collide in a unique constraint), so one
    portable INSERT ... ON CONFLICT adds to it."""

    __tablename__ = "usage_month"
    # Covering indexes of the two sides of a school's dashboard: what it gives (uses of its
    # materials) and what it takes (its people's uses of others'); the sums read no table rows.
    __table_args__ = (
        Index(
            "ix_usage_month_given",
            "owner_school_id",
            "month",
            "kind",
            "school_id",
            "material_id",
            "events",
            "visitors",
        ),
        Index("ix_usage_month_taken", "school_id", "month", "owner_school_id", "kind", "events"),
    )

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    kind: Mapped[str] = mapped_column(String(20))
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    owner_school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    country: Mapped[str | None] = mapped_column(String(2))
    events: Mapped[int] = mapped_column(default=0)
    visitors: Mapped[int] = mapped_column(default=0)


class UsageFlow(Base):
    """The uses of a month between two schools: ``usage_month`` without the material (one row
    per month, kind, owner school and using school; ``None``: visitors), kept by the same
    upsert as it. A school's give and take and the consortium's flows read this table: a
    school's months here are a few thousand rows where ``usage_month`` has hundreds of
    thousands (benchmarks/statistics.py)."""

    __tablename__ = "usage_flow"
    __table_args__ = (
        Index("ix_usage_flow_given", "owner_school_id", "month", "kind", "school_id", "events",
              "visitors"),
        Index("ix_usage_flow_taken", "school_id", "month", "owner_school_id", "kind", "events"),
    )  # fmt: skip

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    kind: Mapped[str] = mapped_column(String(20))
    owner_school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    events: Mapped[int] = mapped_column(default=0)
    visitors: Mapped[int] = mapped_column(default=0)
