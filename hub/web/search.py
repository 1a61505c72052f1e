"""Search: full text with facets, filtered by what the person may see (the policy's tokens)."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from .. import db, policy
from ..i18n import WordsByKey, current_language
from ..models import Person
from ..search import (
    FACETS,
    SORTS,
    Hit,
    IndexUnavailable,
    QueryError,
    SearchIndexError,
    card_cache,
    index,
)
from ..services import metadata
from ..services.catalogue import Catalogue
from ..services.discovery import MaterialCard
from .access import public
from .converters import db_id
from .frame import fixed_url
from .value_words import badges_html, facet_label, values_in_words

bp = Blueprint("search", __name__)
PAGE_SIZE = 20
FACET_TITLES = WordsByKey({facet.name: facet.title for facet in metadata.FACETS})
#: A facet group shows its values with the most hits (and those chosen) and folds the rest
#: under "Show N more"; it lists at most FACET_VALUES_LISTED values in all.
FACET_VALUES_FIRST = 5
FACET_VALUES_LISTED = 60
# The search library's reasons (QueryError.code) in the reader's language; its params fill
# the placeholders. AND, OR and NOT stay as they are: they are what a person types.
QUERY_PROBLEMS = {
    "unclosed-quote": _l('A quotation mark (") is not closed: add the closing one, or remove it.'),
    "field-needs-word": _l(
        '"%(field)s:" must be followed directly by a word or a quoted phrase, as in '
        '%(name)s:anaemia or %(name)s:"heart failure".'
    ),
    "stray-paren": _l("A closing parenthesis has no opening one: remove it, or add a ( before."),
    "unclosed-paren": _l("An opening parenthesis is not closed: add a ) or remove the (."),
    "empty-parens": _l("There is nothing between the parentheses: remove them."),
    "or-needs-words": _l('"OR" needs a search word on each side, as in "malaria OR dengue".'),
    "and-needs-words": _l('"AND" needs a search word on each side, as in "malaria AND children".'),
    "needs-word-after": _l('"%(word)s" needs a search word right after it, as in "%(example)s".'),
    "too-deep": _l("Too many nested parentheses (at most %(most)s)."),
    "too-many-words": _l("The search has too many words (at most %(most)s): shorten it."),
    "phrase-without-letters": _l(
        "A quoted phrase has no letters or digits in it: put words between the quotation marks."
    ),
    "prefix-too-short": _l(
        '"%(word)s": put at least %(least)s letters before the *, as in cardio*.'
    ),
    "prefix-too-broad": _l(
        '"%(word)s" matches too many different words: add a few letters before the *.'
    ),
    "too-long": _l("The search is too long (%(length)s characters; at most %(most)s): shorten it."),
    "no-letters": _l("The search has no letters or digits to look for."),
    "beyond-window": _l("Only the first %(most)s results can be shown: narrow the search."),
}


def query_problem(exc: QueryError) -> str:
    """Why a search cannot be run, in the reader's language."""
    template = QUERY_PROBLEMS.get(exc.code)
    if template is None:  # sort, filters or paging the page itself would not send
        return _("This search cannot be run as written: check its words and filters.")
    return str(template) % exc.params


_ID_MARK = 987_654_321  # stands for a material's id in the one card address of a page
SHOWN_FACETS = tuple(facet.name for facet in metadata.FACETS if facet.shown)


@functools.lru_cache(maxsize=50_000)
def _choice_html(facet: str, value: str, words: str) -> tuple[str, str]:
    """A facet value's checkbox, escaped, before and after where "checked" goes: the same
    few hundred values come back on every page."""
    return (
        f'<label><input type="checkbox" name="{escape(facet)}" value="{escape(value)}"',
        f"> {escape(words)} ",
    )


def _choices_html(facet: str, values: list[tuple[str, str, int, bool]]) -> Markup:
    """A facet's checkboxes, one label each: (value, words, count, chosen)."""
    parts = []
    for value, words, count, chosen in values:
        before, after = _choice_html(facet, value, words)
        checked = " checked" if chosen else ""
        parts.append(f'{before}{checked}{after}<span class="count">{count:d}</span></label>')
    return Markup("\n".join(parts))


@dataclass(frozen=True)
class FacetPanel:
    """One facet group of the results page: its values with the most hits and those chosen
    (``first``), and the rest, folded under "Show N more" (``more``, ``more_count`` values)."""

    facet: str
    title: str
    first: Markup
    more: Markup
    more_count: int


def _facet_panels(
    facets: dict[str, list[tuple[str, int]]],
    filters: dict[str, list[str]],
    schools: dict[str, str],
    language: str,
) -> list[FacetPanel]:
    """Each shown facet with its title and its values' checkboxes, the long tail folded.

    Built here rather than in the template: the template made a few hundred calls and
    escapes a page for the same values every time. The counts are the index's, untouched."""
    panels = []
    for facet in SHOWN_FACETS:
        values = facets.get(facet)
        if not values:
            continue
        chosen = filters.get(facet, [])
        listed = values[:FACET_VALUES_LISTED] + [
            (value, count) for value, count in values[FACET_VALUES_LISTED:] if value in chosen
        ]
        shown = [value for value, _count in listed]
        if facet == "school":
            words = [schools.get(value, value) for value in shown]
        else:
            words = values_in_words(facet, shown, language)
        choices = [
            (value, word, count, value in chosen)
            for (value, count), word in zip(listed, words, strict=True)
        ]
        # The values with the most hits stay in view, and so does every value ticked (in
        # the index's order): unticking never needs a click on "Show more".
        first = [c for i, c in enumerate(choices) if i < FACET_VALUES_FIRST or c[3]]
        more = [c for i, c in enumerate(choices) if i >= FACET_VALUES_FIRST and not c[3]]
        panels.append(
            FacetPanel(
                facet=facet,
                title=FACET_TITLES.worded(language, facet),
                first=_choices_html(facet, first),
                more=_choices_html(facet, more),
                more_count=len(more),
            )
        )
    return panels


def _card_html(
    hit: Hit, card: MaterialCard, href: str, version_words: str, language: str
) -> Markup:
    """One result card: the title (highlighted where the search words occur), the school
    and version, a snippet and the badges. The index escapes its highlights."""
    before_title, after_title, badges = _card_frame(card, href, version_words, language)
    title = hit.highlights.get("title") or escape(card.title)
    snippet = hit.highlights.get("summary") or hit.highlights.get("body")
    return Markup(
        f"{before_title}{title}{after_title}"
        + (f'  <p class="snippet">{snippet}</p>\n' if snippet else "")
        + badges
    )


@functools.lru_cache(maxsize=20_000)
def _card_frame(
    card: MaterialCard, href: str, version_words: str, language: str
) -> tuple[str, str, str]:
    """A card's markup around its title and snippet, escaped: the same cards come back
    search after search, and only their highlights change (as many as the card cache)."""
    version = escape(version_words % {"number": card.number})
    return (
        f'<li class="card">\n'
        f'  <a class="title" href="{escape(href.format(card.material_id))}" '
        f'lang="{escape(card.language)}" dir="auto">',
        f'</a>\n  <span class="small">{escape(card.school_name)} · {version}</span>\n',
        f"  {badges_html(card, language)}\n</li>",
    )


def _url_without(facet: str, value: str) -> str:
    """This search's address without one filter value (and back on page 1)."""
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args[facet] = [v for v in args.get(facet, []) if v != value]
    args.pop("page", None)
    return url_for("search.search", **args)


@bp.route("/search")
@public
def search() -> Response:
    started = time.perf_counter()
    db.reads_only()
    s = db.session()
    person = s.get(Person, current_user.id) if current_user.is_authenticated else None
    viewer = policy.viewer_for(s, person, adoptions=False)
    cached = card_cache().at_head(s)  # as of the viewer's reading, in the same transaction
    # The index answers next, for most of the request's time; a reads-only transaction
    # holds nothing a writer waits for and stays (see db.end_read_transaction).
    db.end_read_transaction()
    viewed = time.perf_counter() - started
    text = request.args.get("q", "").strip()
    sort = request.args.get("sort", "relevance")
    if sort not in SORTS:
        sort = "relevance"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    filters = {f: request.args.getlist(f) for f in FACETS if request.args.getlist(f)}
    context: dict[str, Any] = {
        "q": text,
        "sort": sort,
        "filters": filters,
        "page": page,
        "facet_titles": FACET_TITLES,
        "error": None,
        "results": None,
        "hits": [],
    }
    status = 200
    searching = time.perf_counter()
    try:
        results = index().search(
            text,
            person_tokens=policy.viewer_tokens(viewer),
            filters=filters,
            sort=sort,
            page=page,
            page_size=PAGE_SIZE,
        )
    except QueryError as exc:
        context["error"], status = query_problem(exc), 400
    except (IndexUnavailable, SearchIndexError, OSError):
        context["error"] = _(
            "Search is being rebuilt or is not available just now. Browse the "
            "materials meanwhile, or try again in a minute."
        )
        status = 503
    else:
        searched = time.perf_counter() - searching
        cards = Catalogue(s, viewer).cards([int(h.id) for h in results.hits], cached)
        # Worded and routed once for the page's twenty cards (a translation and a url_for
        # per card were a fifth of the page's rendering).
        version_words = _("v%(number)s")
        href = fixed_url("materials.show", material_id=str(_ID_MARK)).replace(str(_ID_MARK), "{}")
        language = current_language().code
        hits = [
            _card_html(hit, card, href, version_words, language)
            for hit, card in zip(results.hits, cards, strict=True)
            if card
        ]
        # Names of the schools a facet value or a filter shows, not of every school.
        shown = {v for v, _count in results.facets.get("school", [])[:FACET_VALUES_LISTED]}
        shown.update(filters.get("school", []))
        school_ids = [i for i in map(db_id, shown) if i is not None]
        names = {str(k): v for k, v in cached.school_names(s, school_ids).items()}
        context.update(
            results=results,
            hits=hits,
            facet_panels=_facet_panels(results.facets, filters, names, language),
            without=_url_without,
            label=lambda f, value: facet_label(f, value, names),
        )
        carded = time.perf_counter() - searching - searched
    rendering = time.perf_counter()
    response = make_response(render_template("search/results.html", **context), status)
    if status == 200:
        # For operators (the browser's network panel) and benchmarks: the index's share of
        # the time and the rest of the page's (sign-in, policy, cards, rendering), then
        # the rest in its parts.
        rendered = time.perf_counter() - rendering
        total = time.perf_counter() - started
        response.headers["Server-Timing"] = ", ".join(
            f'{name};dur={seconds * 1000:.2f};desc="{words}"'
            for name, seconds, words in (
                ("index", searched, "search index"),
                ("page", total - searched, "viewer, cards, page"),
                ("viewer", viewed, "sign-in, viewer, outbox head"),
                ("cards", carded, "cards, policy, facets"),
                ("render", rendered, "template"),
            )
        )
    return response


def found_cards(
    viewer: policy.Viewer,
    *,
    text: str = "",
    filters: dict[str, list[str]] | None = None,
    sort: str = "newest",
    size: int = 6,
) -> list[MaterialCard]:
    """Cards of materials the viewer may discover, from the index (empty if it is unavailable)."""
    cached = card_cache().at_head(db.session())
    db.end_read_transaction()
    try:
        results = index().search(
            text,
            person_tokens=policy.viewer_tokens(viewer),
            filters=filters or {},
            sort=sort,
            page_size=size,
        )
    except (SearchIndexError, OSError):
        return []
    cards = Catalogue(db.session(), viewer).cards([int(h.id) for h in results.hits], cached)
    return [card for card in cards if card is not None]
