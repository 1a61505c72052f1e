"""Metadata values in words: facet values on the search page, badges on every card.

A value's words depend only on the interface language (school names aside), so they are
remembered per app and language (``i18n.remembered_words``): a results page shows a few
hundred of them. The badges' markup is the macro in ``templates/materials/_badges.html``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from ..i18n import current_language, remembered_words
from ..models import MaterialVersion
from ..services import geography, vocabularies
from ..services.discovery import MaterialCard
from ..services.languages import display_name

# The words of each facet's values, where a vocabulary gives them.
FACET_VOCABULARIES: dict[str, dict[str, Any]] = {
    "who_regions": vocabularies.WHO_REGIONS,
    "income": vocabularies.INCOME_GROUPS,
    "financing": vocabularies.FINANCING,
    "setting": vocabularies.SETTINGS,
    "resources": vocabularies.RESOURCE_LEVELS,
    "level": vocabularies.LEVELS,
    "resource_type": {**vocabularies.RESOURCE_TYPES, "module": _l("Module")},
    "audience": {**vocabularies.EDUCATIONAL_CONTEXTS, **vocabularies.PROFESSIONS},
    "licence": vocabularies.LICENCE_NAMES,
}


def facet_label(facet: str, value: str, schools: dict[str, str]) -> str:
    """A facet value in words (``schools``: school id -> name, for the school facet)."""
    if facet in ("language", "languages"):
        return display_name(value)
    if facet == "regions":
        return geography.subregion_display_name(value)
    if facet == "countries":
        return geography.country_display_name(value)  # an unknown code shows as itself
    if facet == "school":
        return schools.get(value, value)
    return str(FACET_VOCABULARIES.get(facet, {}).get(value, value))


def _words(language: str, facet: str, value: str) -> str:
    return remembered_words(language, (facet, value), lambda: facet_label(facet, value, {}))


def values_in_words(facet: str, values: list[str]) -> list[str]:
    """Values of a facet other than ``school`` in words, in the interface language."""
    language = current_language().code
    return [_words(language, facet, value) for value in values]


def value_words(facet: str, value: str, schools: dict[str, str]) -> str:
    """A facet value in words, in the interface language (``schools``: school id -> name,
    for the school facet)."""
    if facet == "school":
        return schools.get(value, value)
    return _words(current_language().code, facet, value)


def badges(version: MaterialVersion | MaterialCard) -> list[tuple[str, str, str]]:
    """A version's (or a result card's) badges as (CSS classes, lang attribute or "", words),
    in the interface language."""
    language = current_language().code
    out = [("badge", version.language, _words(language, "language", version.language))]
    out += [("badge", tag, _words(language, "language", tag)) for tag in version.other_languages]
    if version.level:
        out.append(("badge", "", _words(language, "level", version.level)))
    if version.resource_type:
        out.append(("badge", "", _words(language, "resource_type", version.resource_type)))
    out += [("badge region", "", _words(language, "regions", r)) for r in version.regions]
    out += [("badge context", "", _words(language, "setting", s)) for s in version.setting]
    out += [("badge context", "", _words(language, "resources", s)) for s in version.resources]
    if version.licence:
        out.append(("badge licence", "", vocabularies.licence_short_name(version.licence)))
    return out
