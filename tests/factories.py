"""Factories for schools, people and invitations (factory_boy, bound to the test's session)."""

from __future__ import annotations

import functools
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import Session

from hub.models import (
    AudienceGrant,
    File,
    GrantKind,
    IncomeGroup,
    Material,
    MaterialKind,
    MaterialVersion,
    MembershipStatus,
    ModuleItem,
    Person,
    Role,
    School,
    TeacherReview,
    VersionFile,
    VersionState,
    utcnow,
)
from hub.services import accounts, geography
from hub.services.metadata import Metadata

PASSWORD = "correct horse battery"


@functools.cache
def hashed_password() -> str:
    """The hash of ``PASSWORD``, made once per run (at the first person a test makes, after
    ``tests/conftest.py`` has lowered argon2's cost for the run)."""
    return accounts.hash_password(PASSWORD)


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
    password_hash = factory.LazyFunction(hashed_password)
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


# Materials -------------------------------------------------------------------------------------

#: A material's metadata as a teacher fills it in, enough to publish it.
GOOD = Metadata(
    title="Neonatal resuscitation",
    summary="Steps of *Helping Babies Breathe*.",
    language="fr",
    level="clinical",
    resource_type="video",
    licence="CC-BY-SA-4.0",
    regions=["202"],
    setting=["district-hospital"],
    topics=["Asphyxia Neonatorum"],
)


def good_metadata(**changes: str | list[str]) -> Metadata:
    """``GOOD`` with ``changes``."""
    return Metadata(**{**vars(GOOD), **changes})


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def make_file(
    session: Session, school: School, name: str = "lecture.pdf", data: bytes = PDF_BYTES
) -> File:
    """A file record of ``school`` (the blob is not stored: enough for metadata tests)."""
    import hashlib

    record = File(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        media_type="application/pdf",
        filename=name,
        school_id=school.id,
    )
    session.add(record)
    session.flush()
    return record


#: Grants as ``make_material`` takes them, for the audiences tests share with most.
PUBLIC_VIEW = [("public", [], "view")]
PUBLIC_DOWNLOAD = [("public", [], "view,download")]
PUBLIC_ADAPT = [("public", [], "view,download,adapt")]
CONSORTIUM_VIEW = [("consortium", [], "view")]


def make_material(
    session: Session,
    school: School | None = None,
    *,
    title: str = "Malaria in pregnancy",
    published: bool = True,
    grants: list[tuple[str, list[str], str]] | None = None,
    licence: str = "CC-BY-4.0",
    language: str = "en",
    teachers_only: bool = False,
    kind: MaterialKind = MaterialKind.MATERIAL,
    items: list[Material] | None = None,
) -> Material:
    """A material with one version; ``grants`` are (kind, values, rights like 'view,download').
    A module's ``items`` are its steps in order (their first versions; written directly,
    unchecked: a step may be one the module's readers may not view)."""
    school = school or SchoolFactory()
    material = Material(school_id=school.id, kind=kind, teachers_only=teachers_only)
    session.add(material)
    session.flush()
    version = MaterialVersion(
        material_id=material.id,
        number=1,
        title=title,
        summary="A **summary**.",
        language=language,
        level="clinical",
        resource_type="lecture",
        licence=licence,
        state=VersionState.PUBLISHED if published else VersionState.DRAFT,
        published_at=utcnow() if published else None,
    )
    version.items = [
        ModuleItem(item_version_id=item.versions[0].id, position=position)
        for position, item in enumerate(items or [])
    ]
    session.add(version)
    session.flush()
    if kind is MaterialKind.MATERIAL:
        version.attachments.append(VersionFile(file_id=make_file(session, school).id, position=0))
    add_grants(session, material, grants or [])
    return material


def revise(session: Session, material: Material, **values: Any) -> Material:
    """Set fields of ``material``'s first version directly (stored values, unchecked)."""
    version = material.versions[0]
    for name, value in values.items():
        setattr(version, name, value)
    session.flush()
    return material


def add_grants(
    session: Session, material: Material, grants: list[tuple[str, list[str], str]]
) -> None:
    """Share ``material`` by ``grants`` (kind, values, rights like 'view,download')."""
    for grant_kind, values, rights in grants:
        session.add(
            AudienceGrant(
                material_id=material.id,
                kind=GrantKind(grant_kind),
                values=values,
                can_view="view" in rights,
                can_download="download" in rights,
                can_adapt="adapt" in rights,
            )
        )
    session.flush()
    session.refresh(material)


def publish_new_version(
    session: Session, material: Material, title: str, language: str = "en"
) -> MaterialVersion:
    """Publish version 2 of ``material`` directly (the first becomes superseded)."""
    first = material.published
    assert first is not None
    first.state = VersionState.SUPERSEDED
    version = MaterialVersion(
        material_id=material.id,
        number=first.number + 1,
        title=title,
        language=language,
        licence=first.licence,
        state=VersionState.PUBLISHED,
        published_at=utcnow(),
    )
    session.add(version)
    session.flush()
    return version


def make_review(
    session: Session,
    material: Material,
    reviewer: Person,
    rating: int = 4,
    comment: str = "Our students followed it easily.",
) -> TeacherReview:
    """``reviewer``'s review of ``material``'s first version (written directly, unchecked)."""
    assert reviewer.school is not None
    review = TeacherReview(
        material_id=material.id,
        person_id=reviewer.id,
        school_id=reviewer.school_id,
        number=1,
        rating=rating,
        level="clinical",
        class_size=40,
        country=reviewer.school.country,
        comment=comment,
    )
    session.add(review)
    session.flush()
    return review
