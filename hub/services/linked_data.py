"""schema.org ``LearningResource`` (with the LRMI properties) for public material pages.

Search engines and other harvesters read this JSON-LD without signing in, so it is built for
the visitor alone, whoever opens the page: only a version a visitor may view has one, and what
it names (the original of an adaptation) is only what a visitor may view too. Words are in
English (the vocabulary codes' English names), whatever the page's language: the data is for
programs. The metadata comes from the one field table (``services.metadata``).
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from sqlalchemy.orm import Session

from ..models import MaterialVersion
from . import markdown, mesh, metadata
from .catalogue import Catalogue
from .citation import Address, work_of

#: The educational role of those a material is for, by its educational context (students when
#: it names none). A teachers-only material is never public, so never described here.
ROLES = {
    "undergraduate-professional": "student",
    "graduate-professional": "student",
    "cpd": "professional",
    "patient-caregiver": "patient",
}


def _english(field_name: str, version: MaterialVersion) -> list[str]:
    """A field's values in English words (from the metadata table)."""
    with force_locale("en"):
        return metadata.FIELD_BY_NAME[field_name].in_words(version)


def _duration(hours: float) -> str:
    """Hours as an ISO 8601 duration ("PT2H30M")."""
    minutes = round(hours * 60)
    whole, rest = divmod(minutes, 60)
    return "PT" + (f"{whole}H" if whole else "") + (f"{rest}M" if rest or not whole else "")


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def learning_resource(
    session: Session, version: MaterialVersion, address: Address
) -> dict[str, Any] | None:
    """The version as a schema.org ``LearningResource`` (a dict for JSON-LD), or None when a
    visitor may not view it (a page that is not public carries none)."""
    visitor = Catalogue.of(session, None)
    if not visitor.decide(version, "view"):
        return None
    work = work_of(visitor, version, address)
    material = version.material
    school = material.school
    topics = mesh.topics_of(version)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LearningResource",
        "@id": work.url,
        "url": work.url,
        "name": version.title,
        "inLanguage": _one_or_many(version.all_languages),
        "version": str(version.number),
        "license": work.licence_url,
        "isAccessibleForFree": True,
        "author": [{"@type": "Person", "name": name} for name in version.authors]
        or [{"@type": "CollegeOrUniversity", "name": school.name}],
        "publisher": {
            "@type": "CollegeOrUniversity",
            "name": school.name,
            "address": {"@type": "PostalAddress", "addressCountry": school.country},
            **({"url": school.website} if school.website else {}),
        },
        "dateCreated": material.created_at.date().isoformat(),
        "audience": {
            "@type": "EducationalAudience",
            "educationalRole": _one_or_many(
                list(dict.fromkeys(ROLES[c] for c in version.educational_context if c in ROLES))
                or ["student"]
            ),
            **_audience_types(version),
        },
        "learningResourceType": work.kind_in_english,
    }
    summary = markdown.plain(version.summary)
    if summary:
        data["description"] = summary
    if version.published_at is not None:
        data["datePublished"] = version.published_at.date().isoformat()
    level = _english("level", version)
    if level:
        data["educationalLevel"] = level[0]
    if version.objectives:
        data["teaches"] = list(version.objectives)
    if version.estimated_hours:
        data["timeRequired"] = _duration(version.estimated_hours)
    descriptors = [t for t in topics if not t.free]
    if descriptors:
        data["about"] = [
            {
                "@type": "DefinedTerm",
                "@id": t.uri,
                "name": t.name,
                "identifier": t.id,
                "termCode": t.id,
                "inDefinedTermSet": mesh.MESH_URI,
            }
            for t in descriptors
        ]
    keywords = [t.name for t in topics if t.free] + list(version.tags)
    if keywords:
        data["keywords"] = keywords
    if work.adapted_from is not None:
        data["isBasedOn"] = {
            "@type": "LearningResource",
            "@id": work.adapted_from.url,
            "url": work.adapted_from.url,
            "name": work.adapted_from.title,
        }
    return data


def _audience_types(version: MaterialVersion) -> dict[str, Any]:
    """Who it is for beyond the role: educational contexts and professions, in English."""
    types = _english("educational_context", version) + _english("professions", version)
    return {"audienceType": _one_or_many(types)} if types else {}
