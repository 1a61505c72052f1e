"""Metadata values in words: facet values on the search page, badges on every card.

A value's words depend only on the interface language (school names aside), so they are
remembered per app and language (``i18n.remembered_words``): a results page shows a few
hundred of them. The badges' markup is the macro in ``templates/materials/_badges.html``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from .. import db
from ..i18n import current_language, remembered_words, words_memo
from ..models import MaterialVersion
from ..services import metadata, vocabularies
from ..services.discovery import MaterialCard
from ..services.review_state import ReviewState, review_states


def facet_label(facet: str, value: str, schools: dict[str, str]) -> str:
    """A facet value in words (``schools``: school id -> name, for the school facet)."""
    if facet == "school":
        return schools.get(value, value)
    known = metadata.FACET_BY_NAME.get(facet)
    return known.words(value) if known else value  # an unknown code shows as itself


def _wording() -> Callable[[str, str], str]:
    """Values in words in the interface language: (facet, value) -> words, remembered (a
    page words a few hundred values; the language and memory are looked up once)."""
    language = current_language().code
    memo = words_memo()

    def words(facet: str, value: str) -> str:
        found = memo.get((language, (facet, value)))
        if found is None:
            found = remembered_words(
                language, (facet, value), lambda: facet_label(facet, value, {})
            )
        return found

    return words


def values_in_words(facet: str, values: list[str]) -> list[str]:
    """Values of a facet other than ``school`` in words, in the interface language."""
    words = _wording()
    return [words(facet, value) for value in values]


def value_words(facet: str, value: str, schools: dict[str, str]) -> str:
    """A facet value in words, in the interface language (``schools``: school id -> name,
    for the school facet)."""
    [words] = facet_values_in_words(facet, [value], schools)
    return words


def facet_values_in_words(facet: str, values: list[str], schools: dict[str, str]) -> list[str]:
    """Values of any facet in words (``schools``: school id -> name, for the school facet)."""
    if facet == "school":
        return [schools.get(value, value) for value in values]
    return values_in_words(facet, values)


def badges(
    version: MaterialVersion | MaterialCard, review: ReviewState | None = None
) -> list[tuple[str, str, str]]:
    """A version's (or a result card's) badges as (CSS classes, lang attribute or "", words),
    in the interface language; ``review``: the material's standing in peer review
    (``services.review_state.review_states``), its badges first."""
    words = _wording()
    out: list[tuple[str, str, str]] = []
    if review is not None:
        shown = version.version_id if isinstance(version, MaterialCard) else version.id
        out += [(f"badge review {kind}", "", said) for kind, said in review.badges(shown)]
    out += [("badge", version.language, words("language", version.language))]
    out += [("badge", tag, words("language", tag)) for tag in version.other_languages]
    if version.level:
        out.append(("badge", "", words("level", version.level)))
    if version.resource_type:
        out.append(("badge", "", words("resource_type", version.resource_type)))
    out += [("badge region", "", words("regions", r)) for r in version.regions]
    out += [("badge context", "", words("setting", s)) for s in version.setting]
    out += [("badge context", "", words("resources", s)) for s in version.resources]
    if version.licence:
        out.append(("badge licence", "", vocabularies.licence_short_name(version.licence)))
    return out


class _OfMaterial(Protocol):
    @property
    def material_id(self) -> int: ...


def review_standings(*shown: Iterable[_OfMaterial]) -> dict[int, ReviewState]:
    """The standing in peer review of the materials a page shows (versions or cards that
    came through the catalogue), by material id, read in one query for the whole page."""
    return review_states(db.session(), (item.material_id for group in shown for item in group))
