"""People: students, teachers, school admins and consortium admins."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Choice, utcnow
from .school import enum_column

if TYPE_CHECKING:
    from .school import School


class Role(Choice):
    """A person's role. ``consortium_admin`` is global; the others belong to a home school."""

    STUDENT = "student", _l("student")
    TEACHER = "teacher", _l("teacher")
    SCHOOL_ADMIN = "school_admin", _l("school admin")
    CONSORTIUM_ADMIN = "consortium_admin", _l("consortium admin")


SCHOOL_ROLES = (Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN)
#: The staff of a school: they make, publish, adopt and share materials for it.
STAFF = (Role.TEACHER, Role.SCHOOL_ADMIN)


class Person(Base):
    """Someone who signs in to the hub."""

    __tablename__ = "person"
    __table_args__ = (
        # Everyone but a consortium admin belongs to a school.
        CheckConstraint(
            "role = 'consortium_admin' OR school_id IS NOT NULL", name="school_member_has_school"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (lower case) so that uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column()
    # The interface language the person chose ("fr", "ar"...); None follows the browser.
    interface_language: Mapped[str | None] = mapped_column(String(8))

    school: Mapped[School | None] = relationship(back_populates="people")

    # Flask-Login protocol -------------------------------------------------------------
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Session id: changes with the password, so a new password signs out other sessions."""
        return f"{self.id}:{self.credential_fingerprint}"

    @property
    def credential_fingerprint(self) -> str:
        """A short digest of the password hash; used to invalidate sessions and reset links."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    @property
    def is_consortium_admin(self) -> bool:
        return self.role is Role.CONSORTIUM_ADMIN

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.email} {self.role}>"
