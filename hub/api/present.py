"""What the API shows of the hub's records: plain documents for its schemas.

Everything here is handed what the catalogue (the one door) already returned to the caller;
nothing here reads materials itself.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from .. import policy, reasons
from ..models import (
    AccessRequest,
    Adoption,
    ApiToken,
    AudienceGrant,
    File,
    Material,
    MaterialVersion,
    ModuleItem,
    Person,
    School,
)
from ..services import metadata
from ..services.catalogue import Catalogue, Lineage
from ..services.discovery import FoundCard, MaterialCard
from ..web.files import file_json


def material_url(material_id: int) -> str:
    return url_for("api_materials.material", material_id=material_id)


def version_url(version: MaterialVersion) -> str:
    return url_for("api_materials.version", material_id=version.material_id, number=version.number)


def linked(version: MaterialVersion) -> dict[str, Any]:
    """A version another record points at (lineage, module items, adoptions)."""
    return {
        "material_id": version.material_id,
        "number": version.number,
        "title": version.title,
        "url": version_url(version),
    }


def version(v: MaterialVersion) -> dict[str, Any]:
    """A version with its metadata (the fields of ``metadata.FIELDS``)."""
    doc: dict[str, Any] = {f.name: getattr(v, f.name) for f in metadata.FIELDS}
    doc.update(
        material_id=v.material_id,
        number=v.number,
        state=v.state.value,
        revision=v.revision,
        change_note=v.change_note,
        created_at=v.created_at,
        updated_at=v.updated_at,
        published_at=v.published_at,
        url=version_url(v),
    )
    return doc


def version_brief(v: MaterialVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "state": v.state.value,
        "title": v.title,
        "change_note": v.change_note,
        "published_at": v.published_at,
        "url": version_url(v),
    }


def files(catalogue: Catalogue, v: MaterialVersion) -> list[dict[str, Any]]:
    """A version's files, with the link to the original where the caller may download it."""
    may_download = bool(catalogue.decide(v, "download"))
    return [file(f, v, may_download) for f in v.files]


def file(
    record: File, v: MaterialVersion | None = None, may_download: bool = True
) -> dict[str, Any]:
    """A file; of a version (its links), or of the school's uploads (``v`` None)."""
    doc: dict[str, Any] = {**file_json(record), "download_url": None, "view_url": None}
    if v is None:
        return doc
    where: dict[str, Any] = {"material_id": v.material_id, "number": v.number, "file_id": record.id}
    if may_download:
        doc["download_url"] = url_for("api_materials.file_content", **where)
    doc["view_url"] = url_for("materials.file_view", **where)
    return doc


def material(catalogue: Catalogue, v: MaterialVersion) -> dict[str, Any]:
    """A material as the caller sees it, with the version they are shown."""
    m: Material = v.material
    school: School = m.school
    can = {action: bool(d) for action, d in catalogue.decisions(v).items()}
    return {
        "id": m.id,
        "kind": m.kind.value,
        "school": {"id": school.id, "name": school.name, "country": school.country},
        "retired": m.retired_at is not None,
        "teachers_only": m.teachers_only,
        "available_from": m.available_from,
        "available_until": m.available_until,
        "version": version(v),
        "files": files(catalogue, v),
        "versions": [version_brief(x) for x in catalogue.versions_of(m)],
        "can": can,
        "html_url": url_for("materials.show", material_id=m.id, v=v.number),
        "links": links(v, can),
    }


def links(v: MaterialVersion, can: dict[str, bool]) -> dict[str, str]:
    """Where to read more of a material (what the caller may do decides what is named)."""
    at: dict[str, Any] = {"material_id": v.material_id}
    found = {
        "self": url_for("api_materials.material", **at),
        "versions": url_for("api_materials.versions", **at),
        "lineage": url_for("api_materials.lineage", **at),
        "files": url_for("api_materials.files", number=v.number, **at),
        "reviews": url_for("api_feedback.reviews", **at),
    }
    if v.is_module:
        found["items"] = url_for("api_materials.items", number=v.number, **at)
    if can.get("manage"):
        found["grants"] = url_for("api_sharing.grants", **at)
    return found


def card(c: MaterialCard | MaterialVersion, found: FoundCard | None = None) -> dict[str, Any]:
    """A material in a list or a search result."""
    school_name = c.school_name if isinstance(c, MaterialCard) else c.material.school.name
    return {
        "material_id": c.material_id,
        "number": c.number,
        "title": c.title,
        "language": c.language,
        "other_languages": list(c.other_languages),
        "level": c.level,
        "resource_type": c.resource_type,
        "regions": list(c.regions),
        "licence": c.licence,
        "school_name": school_name,
        "url": material_url(c.material_id),
        "title_html": str(found.title) if found and found.title else None,
        "snippet_html": str(found.snippet) if found and found.snippet else None,
    }


def lineage(found: Lineage) -> dict[str, Any]:
    return {
        "adapted_from": linked(found.adapted_from) if found.adapted_from else None,
        "adaptations": [linked(v) for v in found.adaptations],
        "translations": [linked(v) for v in found.translations],
    }


def module_item(item: ModuleItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "position": item.position,
        "version_id": item.item_version_id,
        "item": linked(item.item_version),
    }


def grant(g: AudienceGrant) -> dict[str, Any]:
    return {
        "id": g.id,
        "kind": g.kind.value,
        "values": list(g.values),
        "rights": sorted(g.rights()),
        "expires_at": g.expires_at,
        "described": reasons.describe_grant(policy.grant_facts(g)),
    }


def adoption(a: Adoption) -> dict[str, Any]:
    return {"id": a.id, "material": linked(a.version), "adopted_at": a.adopted_at}


def access_request(r: AccessRequest, titles: dict[int, MaterialVersion]) -> dict[str, Any]:
    """An access request; its material's title only where the caller may view it."""
    shown = titles.get(r.material_id)
    return {
        "id": r.id,
        "material_id": r.material_id,
        "title": shown.title if shown else None,
        "school_id": r.school_id,
        "rights": list(r.rights),
        "message": r.message,
        "status": r.status.value,
        "reason": r.reason,
        "created_at": r.created_at,
        "decided_at": r.decided_at,
        "granted_until": r.granted_until,
    }


def school(s: School) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "country": s.country,
        "region": s.region,
        "income_group": s.income_group.value,
        "languages": list(s.languages),
        "website": s.website,
        "status": s.status.value,
    }


def me(person: Person, token: ApiToken, school_active: bool) -> dict[str, Any]:
    s = person.school
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "role": person.role.value,
        "school": {"id": s.id, "name": s.name, "country": s.country} if s else None,
        "school_active": school_active,
        "token": {"name": token.name, "scopes": list(token.scopes), "expires_at": token.expires_at},
    }
