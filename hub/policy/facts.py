"""Reading the facts the rules need from the database, in a few queries for many materials."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    Adoption,
    AudienceGrant,
    Material,
    MaterialVersion,
    MembershipStatus,
    Person,
    School,
    VersionState,
)
from .rules import NO_CEILING, Ceiling, Grant, MaterialFacts, Viewer


def viewer_for(session: Session, person: Person | None) -> Viewer:
    """The viewer facts of ``person`` (``None``: an anonymous visitor)."""
    if person is None or not getattr(person, "is_authenticated", False):
        return Viewer()
    school = session.get(School, person.school_id) if person.school_id is not None else None
    adopted: frozenset[int] = frozenset()
    if school is not None:
        adopted = frozenset(
            session.scalars(
                select(Adoption.version_id).where(
                    Adoption.school_id == school.id, Adoption.ended_at.is_(None)
                )
            )
        )
    return Viewer(
        person_id=person.id,
        school_id=person.school_id,
        role=person.role.value,
        school_active=school is not None and school.status is MembershipStatus.ACTIVE,
        region=school.region if school else None,
        income=school.income_group.value if school else None,
        adopted_versions=adopted,
    )


def grant_facts(grant: AudienceGrant) -> Grant:
    """A stored grant as the rules see it."""
    return Grant(
        kind=grant.kind.value,
        values=frozenset(grant.values),
        rights=grant.rights(),
        expires_at=grant.expires_at,
    )


def ceiling_of(school: School) -> Ceiling:
    """The ceiling the school's admins set for every material of the school."""
    if not school.ceiling_audience:
        return NO_CEILING
    return Ceiling(audience=school.ceiling_audience, rights=frozenset(school.ceiling_rights or ()))


def facts_for_versions(
    session: Session, versions: Iterable[MaterialVersion]
) -> dict[int, MaterialFacts]:
    """Facts for many versions at once: a fixed number of queries, whatever their number."""
    versions = list(versions)
    if not versions:
        return {}
    material_ids = {v.material_id for v in versions}
    materials = _loaded_materials(versions)
    if materials is None:
        materials = {
            m.id: m
            for m in session.scalars(
                select(Material)
                .where(Material.id.in_(material_ids))
                .options(selectinload(Material.grants), selectinload(Material.school))
            )
        }
    current = dict(
        session.execute(
            select(MaterialVersion.material_id, func.max(MaterialVersion.id))
            .where(
                MaterialVersion.material_id.in_(material_ids),
                MaterialVersion.state == VersionState.PUBLISHED,
            )
            .group_by(MaterialVersion.material_id)
        ).all()
    )
    return {v.id: _facts(v, materials[v.material_id], current.get(v.material_id)) for v in versions}


def _loaded_materials(versions: list[MaterialVersion]) -> dict[int, Material] | None:
    """The versions' materials when the caller already loaded them with their grants and
    school (eager loading), so no query is needed; else None."""
    materials: dict[int, Material] = {}
    for version in versions:
        material = version.__dict__.get("material")
        if (
            material is None
            or "grants" not in material.__dict__
            or "school" not in material.__dict__
        ):
            return None
        materials[version.material_id] = material
    return materials


def _facts(version: MaterialVersion, material: Material, current_id: int | None) -> MaterialFacts:
    return MaterialFacts(
        material_id=material.id,
        version_id=version.id,
        owner_school_id=material.school_id,
        owner_active=material.school.status is MembershipStatus.ACTIVE,
        state=version.state.value,
        is_current=version.id == current_id,
        retired=material.retired_at is not None,
        teachers_only=material.teachers_only,
        available_from=material.available_from,
        available_until=material.available_until,
        licence=version.licence,
        patient_data=version.patient_data.value,
        consent_scope=version.consent_scope.value if version.consent_scope else None,
        grants=tuple(grant_facts(g) for g in material.grants),
        ceiling=ceiling_of(material.school),
    )


def facts_for(session: Session, version: MaterialVersion) -> MaterialFacts:
    """Facts for one version."""
    return facts_for_versions(session, [version])[version.id]
