"""Where materials come from and where they go: a school adopts another's version, adapts it
into a material of its own, or says which material it translates. Lineage is kept both ways.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    STAFF,
    Adoption,
    File,
    Material,
    MaterialVersion,
    Person,
    VersionFile,
    VersionState,
    utcnow,
)
from . import audit, notices, usage
from .catalogue import Catalogue, require
from .errors import Conflict, InvalidInput
from .metadata import plain_text
from .publishing import copy_version


def link_translation(
    session: Session, person: Person, material: Material, original_id: int | None
) -> None:
    """Say that ``material`` is a translation of another material the person can see."""
    require(session, person, material.latest, "edit")
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
    linked_before = material.translation_of_id == original.material_id
    material.translation_of_id = original.material_id
    usage.record(session, "translation", original, person)
    audit.record(
        session,
        person,
        "material.translation_linked",
        material,
        original=original.material_id,
    )
    if not linked_before:  # saving the same link again tells no one twice
        notices.derived(session, original.material, material, "translation")


def adapt(session: Session, person: Person, source: MaterialVersion) -> Material:
    """A new draft material in the person's school, derived from ``source``.

    Files are shared by hash (new records of the same blobs); lineage is kept both ways.
    """
    require(session, person, source, "adapt")
    assert person.school_id is not None
    material = Material(
        kind=source.material.kind,
        school_id=person.school_id,
        created_by_id=person.id,
        adapted_from_version_id=source.id,
        # What the source school keeps from students (a question bank's answers) stays so in
        # the copy: the adapting school may open it up only by choosing to.
        teachers_only=source.material.teachers_only,
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
    usage.record(session, "adaptation", source, person)
    audit.record(
        session,
        person,
        "material.adapted",
        material,
        source_material=source.material_id,
        source_version=source.number,
    )
    notices.derived(session, source.material, material, "adaptation")
    return material


def adopt(session: Session, person: Person, version: MaterialVersion) -> Adoption:
    """The person's school adopts ``version``; an adoption of another version of it ends."""
    require(session, person, version, "view")
    if person.school_id is None or person.role not in STAFF:
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
        material=version.material_id,
        version=version.number,
    )
    return adoption
