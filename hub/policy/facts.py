"""Reading the facts the rules need from the database, in a few queries for many materials."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    Adoption,
    AudienceGrant,
    GrantKind,
    Material,
    MaterialVersion,
    MembershipStatus,
    Person,
    School,
    VersionState,
    grant_rights,
)
from .rules import NO_CEILING, Ceiling, Grant, MaterialFacts, Viewer


def viewer_for(session: Session, person: Person | None, *, adoptions: bool = True) -> Viewer:
    """The viewer facts of ``person`` (``None``: an anonymous visitor).

    ``adoptions=False`` skips reading the school's adoptions, for a viewer that only
    discovers (search and its shelves): such a viewer cannot be asked about other actions.
    """
    if person is None or not getattr(person, "is_authenticated", False):
        return Viewer()
    school = session.get(School, person.school_id) if person.school_id is not None else None
    adopted: frozenset[int] | None = None if not adoptions else frozenset()
    if school is not None and adoptions:
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


class NotAViewAsRole(ValueError):
    """View-as stands in for students and teachers only (a caller's mistake)."""

    def __init__(self, role: str) -> None:
        super().__init__(f"view-as is for students and teachers, not {role!r}")


def viewer_as(school: School, role: str) -> Viewer:
    """A stand-in for any ``role`` person of ``school`` (no one in particular, no adoptions):
    what a school admin's view-as and the sharing panels ask the rules about."""
    if role not in ("student", "teacher"):
        raise NotAViewAsRole(role)
    return Viewer(
        school_id=school.id,
        role=role,
        school_active=school.status is MembershipStatus.ACTIVE,
        region=school.region,
        income=school.income_group.value,
        adopted_versions=frozenset(),
    )


def grant_facts(grant: AudienceGrant) -> Grant:
    """A stored grant as the rules see it."""
    return grant_from_columns(
        grant.kind, grant.values, grant.can_view, grant.can_download, grant.can_adapt,
        grant.expires_at,
    )  # fmt: skip


#: A grant's columns, in the order :func:`grant_from_columns` takes them after the
#: material's id: what a page that needs many materials' grants selects.
GRANT_COLUMNS = (
    AudienceGrant.material_id,
    AudienceGrant.kind,
    AudienceGrant.values,
    AudienceGrant.can_view,
    AudienceGrant.can_download,
    AudienceGrant.can_adapt,
    AudienceGrant.expires_at,
)


def grant_from_columns(
    kind: GrantKind,
    values: Iterable[str],
    can_view: bool,
    can_download: bool,
    can_adapt: bool,
    expires_at: dt.datetime | None,
) -> Grant:
    """A grant as the rules see it, from its columns (see :data:`GRANT_COLUMNS`)."""
    return _grant(kind.value, tuple(values), can_view, can_download, can_adapt, expires_at)


@functools.lru_cache(maxsize=4096)
def _grant(
    kind: str,
    values: tuple[str, ...],
    can_view: bool,
    can_download: bool,
    can_adapt: bool,
    expires_at: dt.datetime | None,
) -> Grant:
    # Grants are frozen and the same few ("public, view") recur across thousands of
    # materials: one object each, shared by every page's facts.
    return Grant(
        kind=kind,
        values=frozenset(values),
        rights=grant_rights(can_view, can_download, can_adapt),
        expires_at=expires_at,
    )


def ceiling_of(school: School) -> Ceiling:
    """The ceiling the school's admins set for every material of the school."""
    return _ceiling(school.ceiling_audience, school.ceiling_rights)


def _ceiling(audience: str | None, rights: Iterable[str] | None) -> Ceiling:
    if not audience:
        return NO_CEILING
    return _ceiling_of(audience, tuple(sorted(rights or ())))


@functools.lru_cache(maxsize=256)
def _ceiling_of(audience: str, rights: tuple[str, ...]) -> Ceiling:
    return Ceiling(audience=audience, rights=frozenset(rights))


def facts_for_versions(
    session: Session,
    versions: Iterable[MaterialVersion],
    *,
    current: Mapping[int, int] | None = None,
) -> dict[int, MaterialFacts]:
    """Facts for many versions at once: a fixed number of queries, whatever their number.

    ``current`` (material id -> id of its newest published version), when the caller read
    every published version of these materials anyway, saves the query that finds them.
    """
    versions = list(versions)
    if not versions:
        return {}
    material_ids = {v.material_id for v in versions}
    materials = _loaded_materials(session, versions)
    if materials is None:
        materials = {
            m.id: m
            for m in session.scalars(
                select(Material)
                .where(Material.id.in_(material_ids))
                .options(selectinload(Material.grants), selectinload(Material.school))
            )
        }
    if current is None:
        current = _loaded_current(materials.values())
    if current is None:
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


def _loaded_current(materials: Iterable[Material]) -> dict[int, int] | None:
    """Each material's newest published version id, when the caller loaded every material's
    versions (no query needed); else None."""
    current: dict[int, int] = {}
    for material in materials:
        if "versions" not in material.__dict__:
            return None
        published = material.published
        if published is not None:
            current[material.id] = published.id
    return current


def _loaded_materials(
    session: Session, versions: list[MaterialVersion]
) -> dict[int, Material] | None:
    """The versions' materials when the session holds them already, loaded with their grants
    and school (the caller loaded them eagerly), so no query is needed; else None."""
    materials: dict[int, Material] = {}
    for version in versions:
        material = version.__dict__.get("material") or session.identity_map.get(
            Session.identity_key(Material, version.material_id)
        )
        if (
            material is None
            or "grants" not in material.__dict__
            or "school" not in material.__dict__
        ):
            return None
        materials[version.material_id] = material
    return materials


def _facts(version: MaterialVersion, material: Material, current_id: int | None) -> MaterialFacts:
    return facts_from_columns(
        fact_values(version, material, material.school),
        grants=[grant_facts(g) for g in material.grants],
        current_id=current_id,
        owner_name=material.school.name,
    )


#: The columns the rules read, in the order :func:`facts_from_columns` takes them; a
#: query may select exactly these (``select(*FACT_COLUMNS, ...)``) instead of loading
#: ORM objects, where a page needs the facts of many materials fast (search results).
FACT_COLUMNS = (
    MaterialVersion.id,
    MaterialVersion.state,
    MaterialVersion.licence,
    MaterialVersion.patient_data,
    MaterialVersion.consent_scope,
    Material.id,
    Material.school_id,
    Material.retired_at,
    Material.teachers_only,
    Material.available_from,
    Material.available_until,
    School.status,
    School.ceiling_audience,
    School.ceiling_rights,
)


_MATERIAL_ID = next(i for i, column in enumerate(FACT_COLUMNS) if column is Material.id)


def fact_values(version: MaterialVersion, material: Material, school: School) -> tuple[Any, ...]:
    """The values of :data:`FACT_COLUMNS` read from loaded objects (the same attributes)."""
    owners: dict[Any, Any] = {MaterialVersion: version, Material: material, School: school}
    return tuple(getattr(owners[column.class_], column.key) for column in FACT_COLUMNS)


def facts_from_columns(
    values: Sequence[Any],
    *,
    grants: Iterable[Grant],
    current_id: int | None,
    owner_name: str = "",
) -> MaterialFacts:
    """The facts of one version from the values of :data:`FACT_COLUMNS` and its material's
    grants (as :func:`grant_facts` gives them); ``current_id`` is the material's newest
    published version; ``owner_name`` only serves the reasons' words (listings go without)."""
    (
        version_id, state, licence, patient_data, consent_scope,
        material_id, school_id, retired_at, teachers_only, available_from, available_until,
        school_status, ceiling_audience, ceiling_rights,
    ) = values  # fmt: skip
    return MaterialFacts(
        material_id=material_id,
        version_id=version_id,
        owner_school_id=school_id,
        owner_active=school_status is MembershipStatus.ACTIVE,
        state=state.value,
        is_current=version_id == current_id,
        retired=retired_at is not None,
        teachers_only=teachers_only,
        available_from=available_from,
        available_until=available_until,
        licence=licence,
        patient_data=patient_data.value,
        consent_scope=consent_scope.value if consent_scope else None,
        grants=tuple(grants),
        ceiling=_ceiling(ceiling_audience, ceiling_rights),
        owner_name=owner_name,
    )


def published_facts(session: Session, rows: Sequence[Sequence[Any]]) -> list[MaterialFacts]:
    """The facts of published versions, one for each row, from rows that begin with the
    values of :data:`FACT_COLUMNS`; their materials' grants are read in one query. (A
    material has one published version at a time: each row's version is its current one.)"""
    width = len(FACT_COLUMNS)
    material_ids = {row[_MATERIAL_ID] for row in rows}
    grants: dict[int, list[Grant]] = defaultdict(list)
    if material_ids:
        granted = select(*GRANT_COLUMNS).where(AudienceGrant.material_id.in_(material_ids))
        for material_id, *columns in map(tuple[Any, ...], session.execute(granted)):
            grants[material_id].append(grant_from_columns(*columns))
    return [
        facts_from_columns(row[:width], grants=grants[row[_MATERIAL_ID]], current_id=row[0])
        for row in rows
    ]


def facts_for(session: Session, version: MaterialVersion) -> MaterialFacts:
    """Facts for one version."""
    return facts_for_versions(session, [version])[version.id]
