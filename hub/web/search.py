"""Search: full text with facets, filtered by what the person may see (the policy's tokens).

The view parses the request, ``services.discovery.search_page`` finds the cards and facet
groups, and ``templates/search/results.html`` (with its macros in ``search/_card.html``)
draws them."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    make_response,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from .. import db, policy
from ..i18n import WordsByKey
from ..search import FACETS, SORTS, QueryError, SearchIndexError, card_cache, index
from ..services import lom, metadata
from ..services.catalogue import Catalogue
from ..services.discovery import MaterialCard, SearchPage, SearchQuery, search_page
from ..services.review_state import review_states
from .access import public
from .converters import db_id
from .reader import me
from .timing import ServerTiming
from .value_words import review_standings

bp = Blueprint("search", __name__)
PAGE_SIZE = 20
#: The most LOM records one zip of a search holds (the first results of the search).
LOM_ZIP_MOST = 100  # the index gives at most 100 hits at once
FACET_TITLES = WordsByKey({facet.name: facet.title for facet in metadata.FACETS})
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
    # On a search engine that cannot look for word beginnings (Typesense).
    "prefix-unsupported": _l(
        '"%(word)s": word beginnings cannot be searched here; write the whole word.'
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


SHOWN_FACETS = tuple(facet.name for facet in metadata.FACETS if facet.shown)


def shown_results(found: SearchPage) -> dict[str, Any]:
    """What a page of results shows of them (``search/_card.html``'s facets and cards), on the
    search page and in the LTI picker alike: the results, their standing in peer review, and
    the facets offered, with their titles."""
    return {
        "found": found,
        "reviews": review_standings(f.card for f in found.cards),
        "shown_facets": SHOWN_FACETS,
        "facet_titles": FACET_TITLES,
    }


def _url_without(facet: str, value: str) -> str:
    """This search's address without one filter value (and back on page 1)."""
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args[facet] = [v for v in args.get(facet, []) if v != value]
    args.pop("page", None)
    return url_for("search.search", **args)


def search_query(args: MultiDict[str, str], page_size: int = PAGE_SIZE) -> SearchQuery:
    """The search ``args`` ask for (a sort or page it cannot mean falls back): the search
    page's and the API's."""
    sort = args.get("sort", "relevance")
    return SearchQuery(
        text=args.get("q", "").strip(),
        filters={f: args.getlist(f) for f in FACETS if args.getlist(f)},
        sort=sort if sort in SORTS else "relevance",
        page=max(1, args.get("page", 1, type=int) or 1),
        page_size=page_size,
    )


@bp.route("/search")
@public
def search() -> Response:
    timing = ServerTiming()
    with timing.part("viewer", "sign-in, viewer, outbox head"):
        s = db.session()
        person = me()
        viewer = policy.viewer_for(s, person, adoptions=False)
        cached = card_cache().at_head(s)  # as of the viewer's reading, in the same transaction
    with timing.part("cards", "cards, policy, facets"):
        found = search_page(
            s,
            viewer,
            search_query(request.args),
            search=timing.calls("index", "search index", index().search),
            cached=cached,
        )
    error, status = None, 200
    if found.error is not None:
        error, status = query_problem(found.error), 400
    elif found.unavailable:
        error, status = not_available(), 503
    with timing.part("render", "template"):
        html = render_template(
            "search/results.html",
            **shown_results(found),
            error=error,
            without=_url_without,
            **_feeds(),
            lom_zip_most=LOM_ZIP_MOST,
        )
    response = make_response(html, status)
    if status == 200:
        response.headers["Server-Timing"] = timing.header("index", ("page", "viewer, cards, page"))
    return response


def _feeds() -> dict[str, str | None]:
    """The feeds of this search (as anyone would see it), and of its school when it keeps
    one school's materials."""
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args.pop("page", None)
    schools = args.get("school", [])
    school = db_id(schools[0]) if len(schools) == 1 else None
    return {
        "feed_url": url_for("feeds.search_feed", **args),
        "school_feed_url": url_for("feeds.school_feed", school_id=school) if school else None,
    }


@bp.route("/search/lom.zip")
@public
def lom_zip() -> Response:
    """The IEEE LOM records of a search's first results (``LOM_ZIP_MOST``), as one zip: the
    same query through the same index and policy as the page, written as it is sent."""
    s = db.session()
    person = me()
    query = search_query(request.args)
    try:
        cards = found_cards(
            policy.viewer_for(s, person, adoptions=False),
            text=query.text,
            filters=query.filters,
            sort=query.sort,
            size=LOM_ZIP_MOST,
            strict=True,
        )
    except QueryError as exc:
        return Response(query_problem(exc), 400, mimetype="text/plain")
    except (SearchIndexError, OSError):
        return Response(not_available(), 503, mimetype="text/plain")
    catalogue = Catalogue.of(s, person)
    versions = catalogue.card_versions(cards)
    relations = catalogue.relations(versions)
    site = lom.Site(request.host_url.rstrip("/"))
    reviews = review_states(s, (v.material_id for v in versions))
    records = [
        lom.Record(v, relations[v.id], site, review=reviews.get(v.material_id)) for v in versions
    ]
    return Response(
        stream_with_context(lom.zipped(records)),
        mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="search-lom.zip"'},
    )


def not_available() -> str:
    """Why no search can run just now, in words."""
    return _(
        "Search is being rebuilt or is not available just now. Browse the "
        "materials meanwhile, or try again in a minute."
    )


def found_cards(
    viewer: policy.Viewer,
    *,
    text: str = "",
    filters: dict[str, list[str]] | None = None,
    sort: str = "newest",
    size: int = 6,
    strict: bool = False,
) -> list[MaterialCard]:
    """Cards of materials the viewer may discover, from the index (empty if it is
    unavailable; ``strict``: the index's refusal or absence is raised instead)."""
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
    except (SearchIndexError, OSError):  # the shelves stay empty; search says why
        if strict:
            raise
        return []
    cards = Catalogue(db.session(), viewer).cards([int(h.id) for h in results.hits], cached)
    return [card for card in cards if card is not None]
