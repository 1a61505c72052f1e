"""Publishing a material or module: its drafts, their files, publishing, new versions, retiring.

Every operation asks the policy module first (``catalogue.require``); what a person may not
see is ``NotFound``. A published version never changes: editing works on a new draft version.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from .. import jobs, policy
from ..models import (
    STAFF,
    AudienceGrant,
    File,
    GrantKind,
    Material,
    MaterialKind,
    MaterialVersion,
    ModuleItem,
    Person,
    School,
    VersionFile,
    VersionState,
    utcnow,
)
from . import audit, ceilings, sharing
from .catalogue import require
from .errors import Conflict, InvalidInput, NotFound
from .metadata import Metadata, MetadataErrors, apply_metadata, plain_text


def check_draft(version: MaterialVersion) -> None:
    """``Conflict`` unless ``version`` is a draft: a published version never changes, editing
    works on a new draft version."""
    if version.state is not VersionState.DRAFT:
        raise Conflict(_("A published version never changes; make a new version to edit it."))


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


def create_draft(
    session: Session, teacher: Person, kind: MaterialKind = MaterialKind.MATERIAL, title: str = ""
) -> Material:
    """A new material (or module) of the teacher's school, with an empty first draft.

    It starts shared as the school's defaults say.
    """
    if teacher.school_id is None or teacher.role not in STAFF:
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
    audit.record(session, teacher, f"{kind.value}.created", material)
    return material


def save_draft(
    session: Session, person: Person, version: MaterialVersion, data: Metadata, revision: int
) -> MaterialVersion:
    """Save a draft's metadata; refuses a save based on an older revision (someone else saved)."""
    require(session, person, version, "edit")
    check_draft(version)
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
    require(session, person, version, "edit")
    check_draft(version)
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
    require(session, person, version, "edit")
    check_draft(version)
    version.attachments = [a for a in version.attachments if a.file_id != file_id]
    for position, attachment in enumerate(version.attachments):
        attachment.position = position


def publish(session: Session, person: Person, version: MaterialVersion) -> MaterialVersion:
    """Publish the draft: the previous published version is superseded; adopters keep theirs.

    Once it is saved, the text of its files is read for search and their first pages are
    rendered for reading (jobs: in a worker with Redis, otherwise right after the commit);
    publishing never waits for either."""
    require(session, person, version, "publish")
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
    material = version.material
    material.retired_at = None
    session.flush()
    audit.record(
        session,
        person,
        f"{material.kind.value}.published",
        material,
        version=version.number,
    )
    jobs.enqueue("extract_text", version.id, after=session)
    jobs.enqueue("render_previews", version.id, after=session)
    return version


def new_version(
    session: Session, person: Person, material: Material, change_note: str
) -> MaterialVersion:
    """A new draft copied from the latest version, with a note of what changes."""
    latest = material.latest
    require(session, person, latest, "edit")
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
    require(session, person, material.latest, "manage")
    material.retired_at = utcnow()
    audit.record(session, person, "material.retired", material)
