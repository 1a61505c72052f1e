"""Materials and modules: drafts, metadata, publishing, versions, lineage, adoption.

Every operation asks the policy module first; what a person may not see is ``NotFound``.
A published version never changes: editing works on a new draft version.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy, reasons
from ..models import (
    Adoption,
    AudienceGrant,
    Bookmark,
    ConsentScope,
    File,
    GrantKind,
    ItemProgress,
    Material,
    MaterialKind,
    MaterialVersion,
    ModuleItem,
    PatientData,
    Person,
    School,
    VersionFile,
    VersionState,
    utcnow,
)
from . import audit, ceilings, geography, sharing, usage, version_text, vocabularies
from .catalogue import Catalogue
from .errors import Conflict, InvalidInput, NotFound, ServiceError
from .languages import normalize_language

MAX_TOPICS = 30
T = TypeVar("T")
MAX_ITEMS = 200


class MetadataErrors(ServiceError):
    """Several fields are wrong at once; ``errors`` maps each field to its message."""

    status = 400

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = dict(errors)


@dataclass
class Metadata:
    """What a teacher fills in, as submitted (validated by ``apply_metadata``)."""

    title: str = ""
    summary: str = ""
    language: str = ""
    other_languages: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    who_regions: list[str] = field(default_factory=list)
    income: list[str] = field(default_factory=list)
    financing: list[str] = field(default_factory=list)
    setting: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    level: str = ""
    resource_type: str = ""
    topics: list[str] = field(default_factory=list)
    licence: str = ""
    authors: list[str] = field(default_factory=list)
    educational_context: list[str] = field(default_factory=list)
    professions: list[str] = field(default_factory=list)
    specialty: str = ""
    patient_data: str = "none"
    consent_scope: str = ""
    objectives: list[str] = field(default_factory=list)
    estimated_hours: str = ""

    @classmethod
    def of(cls, version: MaterialVersion) -> Metadata:
        """The metadata of an existing version, for a form."""
        return cls(
            **{
                name: (
                    getattr(version, name).value
                    if hasattr(getattr(version, name), "value")
                    else getattr(version, name)
                )
                for name in cls.__dataclass_fields__
                if name not in ("consent_scope", "estimated_hours")
            },
            consent_scope=version.consent_scope.value if version.consent_scope else "",
            estimated_hours=""
            if version.estimated_hours is None
            else f"{version.estimated_hours:g}",
        )


_TAG_RE = re.compile(r"<[^>]*>")


def plain_text(value: str, limit: int) -> str:
    """A one-line text without markup (titles, names): tags removed, whitespace folded."""
    text = _TAG_RE.sub("", value)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit]


def _clean_list(values: Iterable[str], limit: int, width: int = 120) -> list[str]:
    cleaned = [plain_text(v, width) for v in values]
    return list(dict.fromkeys(v for v in cleaned if v))[:limit]


def apply_metadata(version: MaterialVersion, data: Metadata) -> None:
    """Validate ``data`` and write it to the draft ``version``; every problem is reported at once.

    Only codes are checked here; completeness is checked when publishing.
    """
    errors: dict[str, str] = {}

    def attempt(name: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except InvalidInput as exc:
            errors[name] = exc.message
            return None  # type: ignore[return-value]  # reported below, never used

    title = plain_text(data.title, 300)
    summary = data.summary.strip()[:20_000]
    language = attempt(
        "language", lambda: normalize_language(data.language) if data.language.strip() else ""
    )
    others = attempt(
        "other_languages",
        lambda: [normalize_language(t) for t in data.other_languages if t.strip()],
    )
    countries = attempt(
        "countries",
        lambda: list(
            dict.fromkeys(geography.find_country(c).iso2 for c in data.countries if c.strip())
        ),
    )
    known_regions = geography.subregions()
    regions = attempt(
        "regions",
        lambda: vocabularies.check_many(
            known_regions, data.regions, "regions", _l("UN M49 region code")
        ),
    )
    who = attempt(
        "who_regions",
        lambda: vocabularies.check_many(
            vocabularies.WHO_REGIONS, data.who_regions, "who_regions", _l("WHO region")
        ),
    )
    income = attempt(
        "income",
        lambda: vocabularies.check_many(
            vocabularies.INCOME_GROUPS, data.income, "income", _l("income group")
        ),
    )
    financing = attempt(
        "financing",
        lambda: vocabularies.check_many(
            vocabularies.FINANCING, data.financing, "financing", _l("financing type")
        ),
    )
    setting = attempt(
        "setting",
        lambda: vocabularies.check_many(
            vocabularies.SETTINGS, data.setting, "setting", _l("setting")
        ),
    )
    resources = attempt(
        "resources",
        lambda: vocabularies.check_many(
            vocabularies.RESOURCE_LEVELS, data.resources, "resources", _l("resource level")
        ),
    )
    level = attempt(
        "level",
        lambda: (
            vocabularies.check_one(
                vocabularies.LEVELS, data.level, "level", _l("educational level")
            )
            if data.level
            else ""
        ),
    )
    rtype = attempt(
        "resource_type",
        lambda: (
            vocabularies.check_one(
                vocabularies.RESOURCE_TYPES,
                data.resource_type,
                "resource_type",
                _l("resource type"),
            )
            if data.resource_type
            else ""
        ),
    )
    licence = attempt(
        "licence",
        lambda: (
            vocabularies.check_one(
                vocabularies.LICENCE_NAMES, data.licence, "licence", _l("licence")
            )
            if data.licence
            else ""
        ),
    )
    contexts = attempt(
        "educational_context",
        lambda: vocabularies.check_many(
            vocabularies.EDUCATIONAL_CONTEXTS,
            data.educational_context,
            "educational_context",
            _l("educational context"),
        ),
    )
    professions = attempt(
        "professions",
        lambda: vocabularies.check_many(
            vocabularies.PROFESSIONS, data.professions, "professions", _l("profession")
        ),
    )
    patient = attempt(
        "patient_data",
        lambda: vocabularies.check_one(
            vocabularies.PATIENT_DATA,
            data.patient_data or "none",
            "patient_data",
            _l("patient data"),
        ),
    )
    scope = attempt(
        "consent_scope",
        lambda: (
            vocabularies.check_one(
                vocabularies.CONSENT_SCOPES,
                data.consent_scope,
                "consent_scope",
                _l("consent scope"),
            )
            if data.consent_scope
            else ""
        ),
    )
    if patient == "consented" and not scope:
        errors["consent_scope"] = _("Say how far the patients' consent reaches.")
    hours: float | None = None
    if data.estimated_hours.strip():
        try:
            hours = float(data.estimated_hours.replace(",", "."))
            if not 0 < hours <= 1000:
                raise ValueError
        except ValueError:
            errors["estimated_hours"] = _("Estimated hours must be a number between 0 and 1000.")
    if errors:
        raise MetadataErrors(errors)
    version.title = title
    version.summary = summary
    version.language = str(language)
    version.other_languages = [t for t in others if t != language]
    version.countries = countries
    version.regions = regions
    version.who_regions = who
    version.income = income
    version.financing = financing
    version.setting = setting
    version.resources = resources
    version.tags = _clean_list(data.tags, 20, 60)
    version.level = str(level)
    version.resource_type = str(rtype)
    version.topics = _clean_list(data.topics, MAX_TOPICS, 120)
    version.licence = str(licence)
    version.authors = _clean_list(data.authors, 50, 200)
    version.educational_context = contexts
    version.professions = professions
    version.specialty = plain_text(data.specialty, 120)
    version.patient_data = PatientData(patient)
    version.consent_scope = ConsentScope(scope) if patient == "consented" and scope else None
    version.objectives = _clean_list(data.objectives, 30, 300)
    version.estimated_hours = hours


def publication_problems(version: MaterialVersion) -> dict[str, str]:
    """What is missing before ``version`` can be published (empty when it can)."""
    problems: dict[str, str] = {}
    if not version.title:
        problems["title"] = _("Give the material a title.")
    if not version.summary.strip():
        problems["summary"] = _("Write a short summary.")
    if not version.language:
        problems["language"] = _("Say the language it is written in.")
    if not version.licence:
        problems["licence"] = _("Choose a licence.")
    if version.material.kind is MaterialKind.MATERIAL:
        if not version.level:
            problems["level"] = _("Choose the educational level.")
        if not version.resource_type:
            problems["resource_type"] = _("Choose the type of resource.")
        if not version.attachments:
            problems["files"] = _("Attach at least one file.")
    elif not version.items:
        problems["items"] = _("Add at least one material to the module.")
    material = version.material
    grant_issues = sharing.grant_problems(
        material, [policy.grant_facts(g) for g in material.grants]
    )
    if grant_issues:
        problems["sharing"] = _(
            "Change the sharing first: %(problems)s", problems=" ".join(grant_issues)
        )
    source = version.material.adapted_from
    if source is not None and "-SA-" in source.licence and version.licence != source.licence:
        problems["licence"] = _(
            "It adapts a %(licence)s material, so it must carry the same licence (share alike).",
            licence=source.licence,
        )
    return problems


# Writing (reading goes through services/catalogue.py) ----------------------------------------


def _require(
    session: Session, person: Person, version: MaterialVersion, action: policy.Action
) -> None:
    decision = policy.allowed(session, person, version, action)
    if not decision:
        if policy.allowed(session, person, version, "view"):
            raise Conflict(reasons.words(decision))
        raise NotFound(_("There is no such material, or it is not shared with you."))


def create_draft(
    session: Session, teacher: Person, kind: MaterialKind = MaterialKind.MATERIAL, title: str = ""
) -> Material:
    """A new material (or module) of the teacher's school, with an empty first draft.

    It starts shared as the school's defaults say.
    """
    if teacher.school_id is None or teacher.role.value not in ("teacher", "school_admin"):
        raise NotFound(_("There is nothing here."))
    school = session.get(School, teacher.school_id)
    assert school is not None
    material = Material(kind=kind, school_id=school.id, created_by_id=teacher.id)
    start = ceilings.default_grant(school)
    if start is not None:
        material.grants.append(
            AudienceGrant(
                kind=GrantKind(start.kind),
                values=sorted(start.values),
                can_view=True,
                can_download="download" in start.rights,
                can_adapt="adapt" in start.rights,
                created_by_id=teacher.id,
            )
        )
    material.versions.append(
        MaterialVersion(
            number=1, created_by_id=teacher.id, title=plain_text(title, 300), licence="CC-BY-4.0"
        )
    )
    session.add(material)
    session.flush()
    audit.record(session, teacher, f"{kind.value}.created", material, school_id=school.id)
    return material


def save_draft(
    session: Session, person: Person, version: MaterialVersion, data: Metadata, revision: int
) -> MaterialVersion:
    """Save a draft's metadata; refuses a save based on an older revision (someone else saved)."""
    _require(session, person, version, "edit")
    if version.state is not VersionState.DRAFT:
        raise Conflict(_("A published version never changes; make a new version to edit it."))
    if revision != version.revision:
        who = version.created_by.name if version.created_by else _("someone")
        raise Conflict(
            _(
                "This draft was saved by %(who)s or another editor since you opened it "
                "(at %(time)s UTC). Nothing was overwritten: reload to see the "
                "latest, then apply your changes again.",
                who=who,
                time=f"{version.updated_at:%H:%M}",
            )
        )
    apply_metadata(version, data)
    version.revision += 1
    version.updated_at = utcnow()
    return version


def attach_files(
    session: Session, person: Person, version: MaterialVersion, file_ids: Iterable[int]
) -> None:
    """Attach files of the person's school to the draft, after those it has."""
    _require(session, person, version, "edit")
    if version.state is not VersionState.DRAFT:
        raise Conflict(_("A published version never changes; make a new version to edit it."))
    have = {a.file_id for a in version.attachments}
    position = len(version.attachments)
    for file_id in file_ids:
        record = session.get(File, file_id)
        if record is None or record.school_id != version.material.school_id:
            raise NotFound(_("There is no such file."))
        if file_id in have:
            continue
        version.attachments.append(VersionFile(file_id=file_id, position=position))
        have.add(file_id)
        position += 1
    version.updated_at = utcnow()


def detach_file(session: Session, person: Person, version: MaterialVersion, file_id: int) -> None:
    """Remove a file from the draft (the file itself stays with the school)."""
    _require(session, person, version, "edit")
    if version.state is not VersionState.DRAFT:
        raise Conflict(_("A published version never changes; make a new version to edit it."))
    version.attachments = [a for a in version.attachments if a.file_id != file_id]
    for position, attachment in enumerate(version.attachments):
        attachment.position = position


def publish(
    session: Session,
    person: Person,
    version: MaterialVersion,
    text: version_text.VersionText | None = None,
) -> MaterialVersion:
    """Publish the draft: the previous published version is superseded; adopters keep theirs.

    ``text`` is what could be read of its files (see ``version_text.read``); files whose text
    could not be read are read again later."""
    _require(session, person, version, "publish")
    if version.state is not VersionState.DRAFT:
        raise Conflict(_("This version is already published."))
    problems = publication_problems(version)
    if problems:
        raise MetadataErrors(problems)
    previous = version.material.published
    if previous is not None:
        previous.state = VersionState.SUPERSEDED
    version.state = VersionState.PUBLISHED
    version.published_at = utcnow()
    version_text.record(version, text or version_text.VersionText("", frozenset()), utcnow())
    material = version.material
    material.retired_at = None
    session.flush()
    audit.record(
        session,
        person,
        f"{material.kind.value}.published",
        material,
        school_id=material.school_id,
        version=version.number,
    )
    return version


def new_version(
    session: Session, person: Person, material: Material, change_note: str
) -> MaterialVersion:
    """A new draft copied from the latest version, with a note of what changes."""
    latest = material.latest
    _require(session, person, latest, "edit")
    if material.draft is not None:
        raise Conflict(
            _(
                "Version %(number)d is already a draft; edit that one.",
                number=material.draft.number,
            )
        )
    note = plain_text(change_note, 500)
    if not note:
        raise InvalidInput(
            _("Say in a few words what the new version changes."), field="change_note"
        )
    draft = copy_version(latest, material, number=latest.number + 1, author=person)
    draft.change_note = note
    session.add(draft)
    session.flush()
    audit.record(
        session,
        person,
        "material.new_version",
        material,
        school_id=material.school_id,
        version=draft.number,
    )
    return draft


def copy_version(
    source: MaterialVersion, material: Material, *, number: int, author: Person
) -> MaterialVersion:
    """A draft with the metadata, files and items of ``source``."""
    copy = MaterialVersion(number=number, created_by_id=author.id)
    material.versions.append(copy)  # keeps material.draft / .published current in this session
    for column in MaterialVersion.__table__.columns:
        if column.key in {
            "id",
            "material_id",
            "number",
            "state",
            "revision",
            "change_note",
            "created_by_id",
            "created_at",
            "updated_at",
            "published_at",
        }:
            continue
        setattr(copy, column.key, getattr(source, column.key))
    copy.attachments = [
        VersionFile(file_id=a.file_id, position=a.position) for a in source.attachments
    ]
    copy.items = [
        ModuleItem(item_version_id=i.item_version_id, position=i.position) for i in source.items
    ]
    return copy


def retire(session: Session, person: Person, material: Material) -> None:
    """Take a material out of search and listings; adopters keep their version."""
    _require(session, person, material.latest, "manage")
    material.retired_at = utcnow()
    audit.record(session, person, "material.retired", material, school_id=material.school_id)


def link_translation(
    session: Session, person: Person, material: Material, original_id: int | None
) -> None:
    """Say that ``material`` is a translation of another material the person can see."""
    _require(session, person, material.latest, "edit")
    if original_id is None:
        material.translation_of_id = None
        return
    if original_id == material.id:
        raise InvalidInput(
            _("A material cannot be a translation of itself."), field="translation_of"
        )
    original = Catalogue.of(session, person).version(original_id, None, "view")
    if original.material.translation_of_id == material.id:
        raise InvalidInput(
            _("That material is already a translation of this one."), field="translation_of"
        )
    material.translation_of_id = original.material_id
    audit.record(
        session,
        person,
        "material.translation_linked",
        material,
        school_id=material.school_id,
        original=original.material_id,
    )


def adapt(session: Session, person: Person, source: MaterialVersion) -> Material:
    """A new draft material in the person's school, derived from ``source``.

    Files are shared by hash (new records of the same blobs); lineage is kept both ways.
    """
    _require(session, person, source, "adapt")
    assert person.school_id is not None
    material = Material(
        kind=source.material.kind,
        school_id=person.school_id,
        created_by_id=person.id,
        adapted_from_version_id=source.id,
    )
    session.add(material)
    session.flush()
    draft = copy_version(source, material, number=1, author=person)
    draft.title = plain_text(f"{source.title} (adapted)", 300)
    draft.change_note = f"Adapted from {source.material.school.name}, version {source.number}."
    copies = []
    for attachment in source.attachments:
        original = attachment.file
        copy = File(
            sha256=original.sha256,
            size=original.size,
            media_type=original.media_type,
            filename=original.filename,
            school_id=person.school_id,
            uploaded_by_id=person.id,
        )
        session.add(copy)
        copies.append(copy)
    session.flush()
    draft.attachments = [VersionFile(file_id=c.id, position=i) for i, c in enumerate(copies)]
    session.flush()
    audit.record(
        session,
        person,
        "material.adapted",
        material,
        school_id=person.school_id,
        source_material=source.material_id,
        source_version=source.number,
    )
    return material


def adopt(session: Session, person: Person, version: MaterialVersion) -> Adoption:
    """The person's school adopts ``version``; an adoption of another version of it ends."""
    _require(session, person, version, "view")
    if person.school_id is None or person.role.value not in ("teacher", "school_admin"):
        raise Conflict(_("A teacher adopts materials for their school."))
    if version.state is not VersionState.PUBLISHED:
        raise Conflict(_("Only the published version can be adopted."))
    current = session.scalars(
        select(Adoption).where(
            Adoption.school_id == person.school_id,
            Adoption.material_id == version.material_id,
            Adoption.ended_at.is_(None),
        )
    ).all()
    for adoption in current:
        if adoption.version_id == version.id:
            return adoption
        adoption.ended_at = utcnow()
    adoption = Adoption(
        version_id=version.id,
        material_id=version.material_id,
        school_id=person.school_id,
        person_id=person.id,
    )
    session.add(adoption)
    version.material.popularity += 1
    usage.record(session, "adoption", version, person)
    session.flush()
    audit.record(
        session,
        person,
        "material.adopted",
        adoption,
        school_id=person.school_id,
        material=version.material_id,
        version=version.number,
    )
    return adoption


def set_module_items(
    session: Session,
    person: Person,
    module_version: MaterialVersion,
    item_version_ids: list[int],
    expected: list[int],
) -> None:
    """Replace a module draft's items in order; ``expected`` is the list the editor started from.

    A stale list (someone changed the module meanwhile) is refused rather than overwritten.
    """
    _require(session, person, module_version, "edit")
    if module_version.material.kind is not MaterialKind.MODULE:
        raise InvalidInput(_("Only modules have items."))
    if module_version.state is not VersionState.DRAFT:
        raise Conflict(_("A published version never changes; make a new version to edit it."))
    current = [i.item_version_id for i in module_version.items]
    if current != expected:
        raise Conflict(_("The module changed since you loaded it; reload to see the current list."))
    if len(item_version_ids) > MAX_ITEMS:
        raise InvalidInput(_("A module holds at most %(num)d items.", num=MAX_ITEMS), field="items")
    if len(set(item_version_ids)) != len(item_version_ids):
        raise InvalidInput(_("A material appears twice in the module."), field="items")
    for version_id in item_version_ids:
        item = session.get(MaterialVersion, version_id)
        if item is None or not policy.allowed(session, person, item, "view"):
            raise NotFound(_("There is no such material, or it is not shared with you."))
        if item.material.kind is MaterialKind.MODULE:
            raise InvalidInput(_("A module cannot contain another module."), field="items")
    module_version.items = [
        ModuleItem(item_version_id=v, position=i) for i, v in enumerate(item_version_ids)
    ]
    module_version.revision += 1
    module_version.updated_at = utcnow()


def set_item_done(
    session: Session, person: Person, module_version: MaterialVersion, item_id: int, done: bool
) -> None:
    """Record (or clear) that the person finished one item of a module they can see."""
    _require(session, person, module_version, "view")
    item = next((i for i in module_version.items if i.id == item_id), None)
    if item is None:
        raise NotFound(_("There is no such item in this module."))
    existing = session.scalar(
        select(ItemProgress).where(
            ItemProgress.person_id == person.id, ItemProgress.module_item_id == item_id
        )
    )
    if done and existing is None:
        session.add(ItemProgress(person_id=person.id, module_item_id=item_id))
    elif not done and existing is not None:
        session.delete(existing)


def items_done(
    session: Session, person: Person | None, module_version: MaterialVersion
) -> set[int]:
    """Ids of the module version's items the person has finished."""
    if person is None or not module_version.items:
        return set()
    return set(
        session.scalars(
            select(ItemProgress.module_item_id).where(
                ItemProgress.person_id == person.id,
                ItemProgress.module_item_id.in_([i.id for i in module_version.items]),
            )
        )
    )


def topics_in_use(session: Session, limit: int = 400) -> list[str]:
    """Topic terms already used on published versions, most used first (for autocomplete)."""
    counts: dict[str, int] = {}
    rows = session.scalars(
        select(MaterialVersion.topics)
        .where(MaterialVersion.state == VersionState.PUBLISHED)
        .order_by(MaterialVersion.id.desc())
        .limit(5000)
    )
    for topics in rows:
        for topic in topics or []:
            counts[topic] = counts.get(topic, 0) + 1
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]


def toggle_bookmark(session: Session, person: Person, material: Material) -> bool:
    """Put a material the person can see on their list, or take it off; True when on it."""
    version = material.published or material.latest
    if not policy.allowed(session, person, version, "view"):
        raise NotFound(_("There is no such material, or it is not shared with you."))
    existing = session.scalar(
        select(Bookmark).where(Bookmark.person_id == person.id, Bookmark.material_id == material.id)
    )
    if existing is not None:
        session.delete(existing)
        return False
    session.add(Bookmark(person_id=person.id, material_id=material.id))
    return True


def is_bookmarked(session: Session, person: Person, material: Material) -> bool:
    """Whether the material is on the person's list."""
    return (
        session.scalar(
            select(Bookmark.id).where(
                Bookmark.person_id == person.id, Bookmark.material_id == material.id
            )
        )
        is not None
    )
