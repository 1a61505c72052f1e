"""A search's work, on one view: check the request, match, filter, count, rank, page.

Read :func:`search` top to bottom: the request is checked (:func:`check_request`), the
text query matched among what the person may see (:func:`_matches`), facets counted and
hits ranked on bitsets (:func:`_evaluate`), then the page's hits get their snippets and a
search finding little gets a "did you mean" (:func:`_suggest`).

Whoosh-Reloaded 2.7.5 traps avoided here (each has a test):

* ``Require(a, b)`` asserts in ``RequireMatcher.skip_to_quality`` when searched with block
  quality optimisation (the default ``optimize=True``). Our searches collect every match
  anyway (facet counts need them), so they run with ``optimize=False``: no quality
  skipping, nothing to assert. ``Require`` is used for persons who see little of the
  corpus; for the others, filtering the text matches with a cached bitset is faster
  (:data:`REQUIRE_BELOW`).
* ``AndMaybeMatcher.skip_to`` loses the optional side's score under an intersection:
  :class:`~search_index.whoosh_internals.AndMaybe` fixes it.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq

from search_index.analysis import neutral_terms
from search_index.docsets import SORT_FIELDS, Membership, ReaderState, bits_from_docnums
from search_index.documents import FACETS, SORTS, Hit, Results
from search_index.errors import QueryError
from search_index.highlight import PARTS, highlights
from search_index.querying import AndNode, Compiler, MatchAll, Node, Not, parse, positive_words
from search_index.schema import ACCESS_FIELD, SPELL_FIELD
from search_index.views import View, Views

#: Results past this many are not served (deep pages cost more than they help).
MAX_RESULT_WINDOW = 10_000
MAX_PAGE_SIZE = 100
#: Below this share of the corpus visible to a person, the access filter is folded into the
#: Whoosh query (``Require``); above it, the text query runs alone and the visible bitset
#: filters its matches. Both give the same hits and scores (tested); see ``_matches``.
REQUIRE_BELOW = 0.10
#: A search finding fewer materials than this gets a "did you mean" suggestion, if any.
SUGGEST_BELOW = 3

Facets = dict[str, list[tuple[str, int]]]


@dataclass
class Outcome:
    """What one evaluation of a query produced (before paging and snippets)."""

    total: int
    hits: list[tuple[int, float]]
    facets: Facets = field(default_factory=dict)
    terms: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """A search request, checked: what :func:`search` works from."""

    text: str
    node: Node | None
    tokens: list[str]
    selected: dict[str, list[str]]
    sort: str
    page: int
    page_size: int


def search(
    views: Views,
    request: Request,
    *,
    facets: bool,
    highlights: bool,
) -> Results:
    """Answer a checked request (see :meth:`search_index.SearchIndex.search`)."""
    page, page_size = request.page, request.page_size
    if not request.tokens:
        counts = empty_facets(request.selected) if facets else {}
        return Results([], 0, counts, None, page, page_size)
    with views.using() as view:
        limit = page * page_size
        outcome = _evaluate(view, request, request.node, request.sort, limit, facets=facets)
        terms = outcome.terms if highlights else {}
        hits = [_hit(view, d, s, terms) for d, s in outcome.hits[(page - 1) * page_size : limit]]
        suggestion = None
        if request.node is not None and outcome.total < SUGGEST_BELOW:
            suggestion = _suggest(view, request, outcome.total)
    return Results(hits, outcome.total, outcome.facets, suggestion, page, page_size)


def check_request(
    query_text: str,
    person_tokens: Collection[str],
    filters: Mapping[str, Collection[str]] | None,
    sort: str,
    page: int,
    page_size: int,
) -> Request:
    """The request, checked; a :class:`QueryError` (message for a person) if unusable."""
    if isinstance(person_tokens, str | bytes):
        raise TypeError("person_tokens must be a collection of tokens, not one string")
    tokens = sorted({t for t in person_tokens if t})
    selected = _check_filters(filters)
    if sort not in SORTS:
        raise QueryError(
            f"Unknown sort order {sort!r}; use one of: {', '.join(SORTS)}.", "unknown-sort"
        )
    if not isinstance(page, int) or page < 1:
        raise QueryError("The page number must be 1 or more.", "bad-page")
    if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise QueryError(f"The page size must be between 1 and {MAX_PAGE_SIZE}.", "bad-page-size")
    if page * page_size > MAX_RESULT_WINDOW:
        raise QueryError(
            f"Only the first {MAX_RESULT_WINDOW} results can be shown: narrow the search.",
            "beyond-window",
            most=MAX_RESULT_WINDOW,
        )
    node = parse(query_text)
    return Request(query_text, node, tokens, selected, sort, page, page_size)


def _evaluate(
    view: View, request: Request, node: Node | None, sort: str, limit: int, *, facets: bool
) -> Outcome:
    state = view.state
    base, scores, terms = _matches(view, node, request.tokens)
    # Every filter as a bitset; "matched" passes them all.
    filter_bits = {name: state.any_facet(name, v) for name, v in request.selected.items()}
    matched = base
    for bits in filter_bits.values():
        matched &= bits
    total = matched.bit_count()

    counts: Facets = {}
    if facets:
        for facet in FACETS:
            # Disjunctive: a facet's own filter does not narrow its own counts.
            scope = base
            for name, bits in filter_bits.items():
                if name != facet:
                    scope &= bits
            counts[facet] = _count(state, facet, scope, request.selected.get(facet, ()))
    hits = _rank(state, matched, total, scores, sort, limit) if limit > 0 and total else []
    return Outcome(total, hits, counts, terms)


def _matches(
    view: View, node: Node | None, tokens: list[str]
) -> tuple[int, dict[int, float] | None, dict[str, set[str]]]:
    """What the person may see that the query matches: its bitset, the text matches'
    scores (None when there are no words to score) and the terms to highlight."""
    state = view.state
    visible = state.any_of(ACCESS_FIELD, tokens) & state.live
    compiler = Compiler(
        languages=state.languages,
        expand_prefix=lambda f, p: _expand_prefix(state.reader, f, p),
        has_neutral=state.has_neutral,
    )
    excluded = _only_exclusions(node)
    if node is None or isinstance(node, MatchAll):
        return visible, None, {}
    if excluded is not None:
        # "-malaria" alone: everything visible but those. Whoosh would walk every
        # document to answer Not(...); the bitsets answer it at once.
        base = visible
        for part in excluded:
            base &= ~bits_from_docnums(
                view.searcher.docs_for_query(compiler.compile(part, positive=False)),
                state.size,
            )
        return base, None, {}
    text_q = compiler.compile(node)
    # optimize=False: every match is collected (facets need them all), and Require
    # asserts under Whoosh's block-quality skipping (module docstring).
    if visible.bit_count() < REQUIRE_BELOW * max(1, state.live_count):
        # A person who sees little: fold the access filter into the query, so Whoosh
        # leaps through the text postings along the person's few tokens.
        access_q = wq.Or([wq.Term(ACCESS_FIELD, t) for t in tokens])
        query: wq.Query = wq.Require(text_q, access_q)
        member = None
    else:
        # A person who sees much: the text alone, then the visible bitset. The
        # intersection would cost more than it saves (measured at 100,000 materials: 17 vs
        # 38 ms p50 for a member seeing half the corpus, while a partner-only view seeing
        # 1% is faster with Require: 13 vs 19 ms).
        query = text_q
        member = Membership(visible, state.size)
    results = view.searcher.search(query, limit=None, optimize=False)
    scores = {
        docnum: score for score, docnum in results.top_n if member is None or docnum in member
    }
    base = bits_from_docnums(scores, state.size) & visible  # belt and braces
    return base, scores, compiler.terms


def _rank(
    state: ReaderState,
    matched: int,
    total: int,
    scores: dict[int, float] | None,
    sort: str,
    limit: int,
) -> list[tuple[int, float]]:
    """The first ``limit`` of ``matched`` (``total`` documents) in ``sort`` order."""
    if scores is None:
        field_name = SORT_FIELDS.get(sort, SORT_FIELDS["newest"])
        return [(d, 0.0) for d in state.top_by(field_name, matched, total, limit)]
    member = Membership(matched, state.size)
    candidates = ((d, s) for d, s in scores.items() if d in member)
    if sort == "relevance":
        return heapq.nsmallest(limit, candidates, key=lambda h: (-h[1], h[0]))
    keys = state.sort_keys(SORT_FIELDS[sort])
    return heapq.nsmallest(limit, candidates, key=lambda h: (-keys[h[0]], -h[1], h[0]))


def _hit(view: View, docnum: int, score: float, terms: dict[str, set[str]]) -> Hit:
    if not terms:
        # No snippets to cut: the id column spares unpickling the stored text.
        return Hit(view.state.doc_id(docnum), float(score), {})
    stored = view.searcher.stored_fields(docnum)
    texts = {part: stored.get(f"stored_{part}", "") for part, _ in PARTS}
    return Hit(stored["id"], float(score), highlights(texts, stored.get("stored_langs", []), terms))


def _suggest(view: View, request: Request, found: int) -> str | None:
    reader = view.state.reader

    def closest(term: str) -> str | None:
        if reader.doc_frequency(SPELL_FIELD, term) > 0:
            return None
        return _closest_term(reader, term)

    corrected = corrected_text(request, closest)
    if corrected is None:
        return None
    # Only suggest what finds more for this person: a suggestion drawn from materials
    # they may not see would reveal that those words exist.
    try:
        outcome = _evaluate(view, request, parse(corrected), "relevance", 0, facets=False)
    except QueryError:
        return None
    return corrected if outcome.total > found else None


def correctable_words(node: Node | None) -> list[tuple[str, str]]:
    """The plain words of a query that a suggestion may correct, with their neutral term
    (one term of 3 letters or more)."""
    found = []
    for word in positive_words(node):
        folded = neutral_terms(word)
        if len(folded) == 1 and len(folded[0]) >= 3:
            found.append((word, folded[0]))
    return found


def corrected_text(request: Request, closest: Callable[[str], str | None]) -> str | None:
    """The search text with each plain word that ``closest`` corrects replaced (None when
    nothing changed). ``closest`` gets a word's neutral term (3 letters or more) and
    returns a better-known word, or None when the word is known or has no better one."""
    corrected = request.text
    changed = False
    for word, term in correctable_words(request.node):
        better = closest(term)
        if better is None:
            continue
        corrected, n = re.subn(rf"(?<![\w*]){re.escape(word)}(?![\w*])", better, corrected, count=1)
        changed = changed or n > 0
    return corrected if changed else None


def _check_filters(filters: Mapping[str, Collection[str]] | None) -> dict[str, list[str]]:
    selected: dict[str, list[str]] = {}
    for name, values in (filters or {}).items():
        if name not in FACETS:
            raise QueryError(
                f"Unknown filter {name!r}; filters are: {', '.join(FACETS)}.", "unknown-filter"
            )
        if isinstance(values, str):
            values = [values]
        chosen = sorted({v for v in values if v})
        if chosen:
            selected[name] = chosen
    return selected


def empty_facets(selected: Mapping[str, list[str]]) -> Facets:
    """Every facet with no counts but the selected values (at 0): nothing was found."""
    return {facet: [(v, 0) for v in selected.get(facet, ())] for facet in FACETS}


def _count(
    state: ReaderState, facet: str, scope: int, selected: Iterable[str]
) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    if scope:
        for value in state.values(facet):
            n = (scope & state.facet(facet, value)).bit_count()
            if n:
                counts[value] = n
    for value in selected:
        counts.setdefault(value, 0)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _only_exclusions(node: Node | None) -> list[Node] | None:
    """The excluded clauses of a query made of nothing but exclusions, else None."""
    if isinstance(node, AndNode) and isinstance(node.nodes[0], MatchAll):
        rest = node.nodes[1:]
        if rest and all(isinstance(n, Not) for n in rest):
            return [n.node for n in rest if isinstance(n, Not)]
    return None


def _expand_prefix(reader: Any, fieldname: str, prefix: str) -> Iterator[str]:
    for term in reader.expand_prefix(fieldname, prefix):
        yield term.decode("utf-8") if isinstance(term, bytes) else term


def _closest_term(reader: Any, word: str) -> str | None:
    """The most frequent title/topic word within 1 (else 2) edits of ``word``."""
    for maxdist in (1, 2):
        candidates = [
            (reader.doc_frequency(SPELL_FIELD, t), t)
            for t in itertools.islice(
                reader.terms_within(SPELL_FIELD, word, maxdist, prefix=1), 200
            )
            if t != word
        ]
        if candidates:
            return str(max(candidates, key=lambda c: (c[0], c[1]))[1])
    return None
