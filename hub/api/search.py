"""Search, as ``/search`` does it: the same query parsing, filters, facets with counts
(counting only what the caller may see), sort and paging, through the same service."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from .. import db, policy
from ..search import card_cache, index
from ..services import metadata
from ..services.discovery import SearchPage, search_page
from ..web.search import not_available, query_problem, search_query
from . import present
from .core import caller, next_link, respond
from .problems import API_PREFIX, Problem
from .schemas import SearchArgs, SearchOut

blp = Blueprint("api_search", __name__, url_prefix=API_PREFIX, description="Search")


@blp.route("/search")
@blp.arguments(SearchArgs, location="query", unknown=ma.RAISE, as_kwargs=True)
@blp.response(200, SearchOut)
def search(page_size: int, **_args: Any) -> Response:
    """Full text with facets, as the search page finds it for the caller.

    Facet parameters (`language`, `regions`, `level`...) repeat to choose several
    values; a page beyond the last is empty. `Link: rel="next"` leads to the next page."""
    s = db.session()
    viewer = policy.viewer_for(s, caller(), adoptions=False)
    cached = card_cache().at_head(s)  # as of the viewer's reading, in the same transaction
    found = search_page(
        s, viewer, search_query(request.args, page_size), search=index().search, cached=cached
    )
    if found.error is not None:
        message = query_problem(found.error)
        raise Problem(400, message, kind="search", errors={"q": [message]})
    if found.unavailable:
        raise Problem(503, not_available(), headers={"Retry-After": "60"})
    response = respond(SearchOut, _document(found))
    if found.query.page < found.pages:
        next_link(response, page=found.query.page + 1)
    return response


def _document(found: SearchPage) -> dict[str, Any]:
    return {
        "total": found.total,
        "page": found.query.page,
        "pages": found.pages,
        "suggestion": found.suggestion,
        "items": [present.card(f.card, f) for f in found.cards],
        "facets": {
            name: [
                {
                    "value": v.value,
                    "label": _label(found, name, v.value),
                    "count": v.count,
                    "chosen": v.chosen,
                }
                for v in group.first + group.more
            ]
            for name, group in found.facets.items()
        },
    }


def _label(found: SearchPage, facet: str, value: str) -> str:
    """A facet value in words (a school by its name)."""
    if facet == "school":
        return found.school_names.get(value, value)
    known = metadata.FACET_BY_NAME.get(facet)
    return known.words(value) if known else value
