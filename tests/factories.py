"""Factories for schools, people and invitations (factory_boy, bound to the test's session)."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import Session

from hub.models import IncomeGroup, MembershipStatus, Person, Role, School
from hub.services import accounts, geography

PASSWORD = "correct horse battery"
# Hash once per test run: argon2 is deliberately slow.
_PASSWORD_HASH = accounts.hash_password(PASSWORD)


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


class SchoolFactory(_Base):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School of Medicine {n}")
    country = "KE"
    region = factory.LazyAttribute(lambda o: geography.country(o.country).subregion_code)
    income_group = factory.LazyAttribute(
        lambda o: IncomeGroup(geography.country(o.country).income_group or "HIC")
    )
    languages = factory.LazyFunction(lambda: ["en"])
    website = factory.Sequence(lambda n: f"https://school{n}.example.org")
    status = MembershipStatus.ACTIVE


class PersonFactory(_Base):
    class Meta:
        model = Person

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    password_hash = _PASSWORD_HASH
    role = Role.TEACHER
    school = factory.SubFactory(SchoolFactory)
    active = True


class StudentFactory(PersonFactory):
    role = Role.STUDENT


class TeacherFactory(PersonFactory):
    role = Role.TEACHER


class SchoolAdminFactory(PersonFactory):
    role = Role.SCHOOL_ADMIN


class ConsortiumAdminFactory(PersonFactory):
    role = Role.CONSORTIUM_ADMIN
    school = None


ALL = [
    SchoolFactory,
    PersonFactory,
    StudentFactory,
    TeacherFactory,
    SchoolAdminFactory,
    ConsortiumAdminFactory,
]


def bind(session: Session | None) -> None:
    """Make every factory write through ``session``."""
    for f in ALL:
        f._meta.sqlalchemy_session = session
