"""Metadata values in words: facet values on the search page, badges on every card.

A value's words depend only on the interface language (school names aside), so they are
remembered per language: a results page shows a few hundred of them, and translating
each again (a lazy string, Flask-Babel's lookups) was a good part of its rendering time.
"""

from __future__ import annotations

import functools

from markupsafe import Markup, escape

from ..i18n import current_language
from ..models import MaterialVersion
from ..services import metadata, vocabularies
from ..services.discovery import MaterialCard


def facet_label(facet: str, value: str, schools: dict[str, str]) -> str:
    """A facet value in words (``schools``: school id -> name, for the school facet)."""
    if facet == "school":
        return schools.get(value, value)
    known = metadata.FACET_BY_NAME.get(facet)
    return known.words(value) if known else value  # an unknown code shows as itself


@functools.lru_cache(maxsize=16_384)
def _words(language: str, facet: str, value: str) -> str:
    # ``language`` is the one being spoken when this is first asked: the cache key.
    return str(facet_label(facet, value, {}))


def values_in_words(facet: str, values: list[str], language: str | None = None) -> list[str]:
    """Values of a facet other than ``school`` in words, in the interface language
    (``language``: its code, when the caller has it already)."""
    language = language or current_language().code
    return [_words(language, facet, value) for value in values]


def badges(
    version: MaterialVersion | MaterialCard, language: str | None = None
) -> list[tuple[str, str, str]]:
    """A version's (or a result card's) badges as (CSS classes, lang attribute or "", words),
    in the interface language (``language``: its code, when the caller has it already)."""
    language = language or current_language().code
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


def badges_html(version: MaterialVersion | MaterialCard, language: str | None = None) -> Markup:
    """A version's badges as HTML (see :func:`badges`); each badge's markup is remembered by
    what it shows (classes, language, words), so a card drawn with values met before costs
    lookups."""
    spans = "".join(
        _badge_html(classes, lang, words) for classes, lang, words in badges(version, language)
    )
    return Markup(f'<span class="badges">{spans}</span>')


@functools.lru_cache(maxsize=16_384)
def _badge_html(classes: str, lang: str, words: str) -> str:
    if lang:
        return f'<span class="{escape(classes)}" lang="{escape(lang)}">{escape(words)}</span>'
    return f'<span class="{escape(classes)}">{escape(words)}</span>'
