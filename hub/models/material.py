"""Materials and modules, their immutable versions, files, grants and adoptions.

A module is a material of kind ``module`` whose versions list other materials' versions in
order, so modules are versioned, shared, searched and adopted by exactly the same rules.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Choice, utcnow
from .school import enum_column

if TYPE_CHECKING:
    from .file import File
    from .person import Person
    from .school import School


class MaterialKind(Choice):
    MATERIAL = "material", _l("material")
    MODULE = "module", _l("module")


class VersionState(Choice):
    """A version is a draft until published; publishing the next one supersedes it."""

    DRAFT = "draft", _l("draft")
    PUBLISHED = "published", _l("published")
    SUPERSEDED = "superseded", _l("superseded")


class PatientData(Choice):
    """Whether a material shows patients (DESIGN.md: Patient data)."""

    NONE = "none", _l("Shows no patients")
    DEIDENTIFIED = "de-identified", _l("Shows de-identified patients")
    CONSENTED = "consented", _l("Shows patients who consented")


class ConsentScope(Choice):
    """How far the patients' consent lets the material travel."""

    OWN_SCHOOL = "own_school", _l("Our school only")
    CONSORTIUM = "consortium", _l("The consortium")
    PUBLIC = "public", _l("Anyone")


class Material(Base):
    """One shareable learning object (or module) of a school, across its versions."""

    __tablename__ = "material"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MaterialKind] = mapped_column(
        enum_column(MaterialKind, "material_kind"), default=MaterialKind.MATERIAL
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Lineage: a translation of another material; an adaptation of a version of another.
    translation_of_id: Mapped[int | None] = mapped_column(ForeignKey("material.id"), index=True)
    adapted_from_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("material_version.id", use_alter=True), index=True
    )
    # Sharing (the policy module reads these; they apply to the published version).
    teachers_only: Mapped[bool] = mapped_column(default=False)
    available_from: Mapped[dt.datetime | None] = mapped_column()
    available_until: Mapped[dt.datetime | None] = mapped_column()
    retired_at: Mapped[dt.datetime | None] = mapped_column()
    popularity: Mapped[int] = mapped_column(Integer, default=0)

    school: Mapped[School] = relationship()
    created_by: Mapped[Person | None] = relationship()
    versions: Mapped[list[MaterialVersion]] = relationship(
        back_populates="material",
        order_by="MaterialVersion.number",
        foreign_keys="MaterialVersion.material_id",
    )
    grants: Mapped[list[AudienceGrant]] = relationship(
        back_populates="material", order_by="AudienceGrant.id", cascade="all, delete-orphan"
    )
    translation_of: Mapped[Material | None] = relationship(
        remote_side="Material.id", foreign_keys=[translation_of_id]
    )
    adapted_from: Mapped[MaterialVersion | None] = relationship(
        foreign_keys=[adapted_from_version_id]
    )

    @property
    def published(self) -> MaterialVersion | None:
        """The version others may see, if any."""
        for version in reversed(self.versions):
            if version.state is VersionState.PUBLISHED:
                return version
        return None

    @property
    def draft(self) -> MaterialVersion | None:
        """The version being edited, if any."""
        last = self.versions[-1] if self.versions else None
        return last if last is not None and last.state is VersionState.DRAFT else None

    @property
    def latest(self) -> MaterialVersion:
        return self.versions[-1]

    @property
    def is_module(self) -> bool:
        """Whether this is a module (items in order) rather than a single material."""
        return self.kind is MaterialKind.MODULE


class MaterialVersion(Base):
    """One version of a material: its metadata and files. Immutable once published."""

    __tablename__ = "material_version"
    __table_args__ = (UniqueConstraint("material_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[VersionState] = mapped_column(
        enum_column(VersionState, "version_state"), default=VersionState.DRAFT
    )
    # Bumped on every save of a draft, so a second editor's stale save is refused.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    change_note: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")  # Markdown source
    language: Mapped[str] = mapped_column(String(35), default="")
    other_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)  # UN M49 sub-regions
    who_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    income: Mapped[list[str]] = mapped_column(JSON, default=list)
    income_fiscal_year: Mapped[str] = mapped_column(String(9), default="")
    financing: Mapped[list[str]] = mapped_column(JSON, default=list)
    setting: Mapped[list[str]] = mapped_column(JSON, default=list)
    resources: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    level: Mapped[str] = mapped_column(String(20), default="")
    resource_type: Mapped[str] = mapped_column(String(30), default="")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    licence: Mapped[str] = mapped_column(String(40), default="")
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    educational_context: Mapped[list[str]] = mapped_column(JSON, default=list)
    professions: Mapped[list[str]] = mapped_column(JSON, default=list)
    specialty: Mapped[str] = mapped_column(String(120), default="")
    patient_data: Mapped[PatientData] = mapped_column(
        enum_column(PatientData, "patient_data"), default=PatientData.NONE
    )
    consent_scope: Mapped[ConsentScope | None] = mapped_column(
        enum_column(ConsentScope, "consent_scope")
    )
    # Modules only.
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    estimated_hours: Mapped[float | None] = mapped_column(Float)
    # Up to 200,000 characters of a file's text: read only when indexing (deferred), not by
    # every page that lists versions.
    extracted_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column()

    material: Mapped[Material] = relationship(back_populates="versions", foreign_keys=[material_id])
    created_by: Mapped[Person | None] = relationship()
    attachments: Mapped[list[VersionFile]] = relationship(
        back_populates="version", order_by="VersionFile.position", cascade="all, delete-orphan"
    )
    items: Mapped[list[ModuleItem]] = relationship(
        back_populates="module_version",
        order_by="ModuleItem.position",
        cascade="all, delete-orphan",
        foreign_keys="ModuleItem.module_version_id",
    )

    @property
    def is_module(self) -> bool:
        """Whether this is a version of a module (``Material.is_module``)."""
        return self.material.is_module

    @property
    def files(self) -> list[File]:
        return [a.file for a in self.attachments]

    @property
    def unread_files(self) -> list[File]:
        """Files whose text is not yet searchable: the hub will read them again."""
        return [a.file for a in self.attachments if a.text_retry_at is not None]

    @property
    def all_languages(self) -> list[str]:
        return [self.language, *[t for t in self.other_languages if t != self.language]]

    def label(self) -> str:
        return f"{self.title} (v{self.number})"


class VersionFile(Base):
    """A file of a version, in order."""

    __tablename__ = "version_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("material_version.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("file.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Set while the file's text is not yet in the version's searchable text (the file store
    # could not be reached when it was read): when to read it again. None: read, or no text.
    text_retry_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    # Failed readings so far: each waits longer before the next (see services.version_text).
    text_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    version: Mapped[MaterialVersion] = relationship(back_populates="attachments")
    # Joined: whoever reads an attachment reads its file (one query for a version's files,
    # not one more per file).
    file: Mapped[File] = relationship(lazy="joined")


class ModuleItem(Base):
    """One step of a module version: a material pinned at a version."""

    __tablename__ = "module_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("material_version.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("material_version.id"), index=True)

    module_version: Mapped[MaterialVersion] = relationship(
        back_populates="items", foreign_keys=[module_version_id]
    )
    item_version: Mapped[MaterialVersion] = relationship(foreign_keys=[item_version_id])


class GrantKind(Choice):
    """Who an audience grant admits (DESIGN.md: Licensing and sharing rules)."""

    PUBLIC = "public", _l("public")
    CONSORTIUM = "consortium", _l("consortium")
    REGIONS = "regions", _l("regions")
    INCOME = "income", _l("income")
    SCHOOLS = "schools", _l("schools")


class AudienceGrant(Base):
    """One grant of a material: an audience and the rights it gives outside the owner school."""

    __tablename__ = "audience_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    kind: Mapped[GrantKind] = mapped_column(enum_column(GrantKind, "grant_kind"))
    # Region codes, income groups or school ids (as strings), by kind; empty for public/consortium.
    values: Mapped[list[str]] = mapped_column(JSON, default=list)
    can_view: Mapped[bool] = mapped_column(default=True)
    can_download: Mapped[bool] = mapped_column(default=False)
    can_adapt: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    material: Mapped[Material] = relationship(back_populates="grants")

    def rights(self) -> frozenset[str]:
        """The rights this grant gives; downloading or adapting implies viewing."""
        return grant_rights(self.can_view, self.can_download, self.can_adapt)


@functools.lru_cache(maxsize=8)
def grant_rights(can_view: bool, can_download: bool, can_adapt: bool) -> frozenset[str]:
    """The rights a grant with these flags gives; downloading or adapting implies viewing."""
    rights = {
        name
        for name, on in (("view", can_view), ("download", can_download), ("adapt", can_adapt))
        if on
    }
    if rights:
        rights.add("view")
    return frozenset(rights)


class Adoption(Base):
    """A school (through a teacher) adopted one version of a material or module."""

    __tablename__ = "adoption"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("material_version.id"), index=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    adopted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column()  # moved to another version

    version: Mapped[MaterialVersion] = relationship()


class ItemProgress(Base):
    """A person finished one item of a module version (students follow their progress)."""

    __tablename__ = "item_progress"
    __table_args__ = (UniqueConstraint("person_id", "module_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    module_item_id: Mapped[int] = mapped_column(ForeignKey("module_item.id"), index=True)
    completed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PlaceInModule(Base):
    """The item a person last opened from a module version: where "Continue where you left
    off" leads. One row per person and module version, moved as they go."""

    __tablename__ = "place_in_module"
    __table_args__ = (UniqueConstraint("person_id", "module_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("material_version.id"), index=True)
    module_item_id: Mapped[int] = mapped_column(ForeignKey("module_item.id"), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Bookmark(Base):
    """A material or module on a person's list ("My list")."""

    __tablename__ = "bookmark"
    __table_args__ = (UniqueConstraint("person_id", "material_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
