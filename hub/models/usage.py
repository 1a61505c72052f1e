"""Access requests between schools, and the record of every use of a material."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text
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
    """One download, preview or adoption: who (which school, which country), what, when."""

    __tablename__ = "usage_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # download / preview / adoption
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("material_version.id"))
    owner_school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
