"""What teachers say about a material after using it (reviews), and errors that anyone who
reads it reports to the school that owns it (error reports)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Choice, utcnow
from .school import enum_column

if TYPE_CHECKING:
    from .material import Material
    from .person import Person
    from .school import School


class TeacherReview(Base):
    """A teacher's rating (1-5) of a material of another school, with how they used it.

    One per teacher and material: editing it keeps the row and records the version they
    reviewed last (``number``)."""

    __tablename__ = "teacher_review"
    __table_args__ = (
        UniqueConstraint("material_id", "person_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_one_to_five"),
        CheckConstraint("class_size >= 1", name="class_size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # The reviewer's school when they reviewed (shown with the review; people are not).
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    number: Mapped[int] = mapped_column(Integer)  # the version reviewed (last edit)
    rating: Mapped[int] = mapped_column(Integer)
    # How it was used: educational level (vocabularies.LEVELS), class size, country.
    level: Mapped[str] = mapped_column(String(20))
    class_size: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    material: Mapped[Material] = relationship()
    person: Mapped[Person] = relationship()
    school: Mapped[School] = relationship()


class ErrorKind(Choice):
    """What is wrong with a material, as the reporter sees it."""

    CLINICAL_ACCURACY = "clinical_accuracy", _l("Clinical accuracy")
    OUTDATED_GUIDELINE = "outdated_guideline", _l("Outdated guideline")
    BROKEN_FILE = "broken_file", _l("Broken file")
    LICENCE_CONCERN = "licence_concern", _l("Licence concern")
    CONSENT_CONCERN = "consent_concern", _l("Consent concern")


class ErrorReportStatus(Choice):
    """Where a report stands: the owner school answers it (``services.feedback.NEXT``)."""

    OPEN = "open", _l("open")
    CONFIRMED = "confirmed", _l("confirmed")
    FIXED = "fixed", _l("fixed")
    DECLINED = "declined", _l("declined")


class ErrorReport(Base):
    """An error someone reported in a version of a material, and the owner school's answer."""

    __tablename__ = "error_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # the version it was reported in
    reporter_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # The reporter's school (None for a consortium admin): the owner sees the school, not
    # the person.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    kind: Mapped[ErrorKind] = mapped_column(enum_column(ErrorKind, "error_kind"))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[ErrorReportStatus] = mapped_column(
        enum_column(ErrorReportStatus, "error_report_status"), default=ErrorReportStatus.OPEN
    )
    fixed_in: Mapped[int | None] = mapped_column(Integer)  # the version that fixed it
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was declined
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column()

    material: Mapped[Material] = relationship()
    reporter: Mapped[Person] = relationship(foreign_keys=[reporter_id])
    school: Mapped[School | None] = relationship()
