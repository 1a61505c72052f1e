"""Full-text, faceted search over learning materials, filtered by access tokens.

A library that knows nothing of Flask or SQL: the hub feeds it :class:`IndexedMaterial`
values (from its outbox, or all of them for a rebuild) and searches on behalf of a person,
always with that person's access tokens.

Two engines behind one interface, :class:`SearchIndex` (see :mod:`search_index.engine`):
Whoosh in a folder (:class:`MaterialIndex`, the default) and a Typesense collection
(:mod:`search_index.typesense_engine`), chosen by URL. The same contract tests run on both.

Public API::

    open_index_url(url) -> SearchIndex     (whoosh:///folder, typesense://key@host:port/name)
    rebuild_url(url, documents, *, position, total=None, progress=None, procs=1) -> SearchIndex
    open_index(path) -> MaterialIndex
    rebuild(path, documents, *, position, total=None, progress=None, procs=1) -> MaterialIndex

    SearchIndex.search(query_text, *, person_tokens, filters=None, sort="relevance",
                       page=1, page_size=20, facets=True, highlights=True) -> Results
    SearchIndex.apply(upserts, deletes, *, position=None, lock_timeout=10.0) -> bool
    SearchIndex.position -> int
    SearchIndex.fingerprints() -> dict[str, str]
    SearchIndex.check(expected) -> CheckReport
    SearchIndex.refresh(*, wait=True) -> bool
    SearchIndex.warm() -> None
    SearchIndex.doc_count() -> int
    SearchIndex.location -> str
    SearchIndex.close() -> None            (also a context manager)

    FACETS, SORTS, REFUSED_BY_ENGINE, IndexedMaterial, Results, Hit, CheckReport
    SearchIndexError > QueryError, IndexBusy, IndexUnavailable > IndexCorrupt

Where to read more: the folder layout, the atomic swap and crash behaviour in
:mod:`search_index.storage`; the search-box language and what it refuses in
:mod:`search_index.querying`; languages and stemming in :mod:`search_index.analysis`; the
fields in :mod:`search_index.schema`; facet counting in :mod:`search_index.docsets`;
open searchers, threads and refreshing in :mod:`search_index.views`; a search's work in
:mod:`search_index.searching`; commits and rebuilds in :mod:`search_index.writing`; every
use of Whoosh's private parts (and why) in :mod:`search_index.whoosh_internals`.
"""

from search_index.documents import FACETS, SORTS, CheckReport, Hit, IndexedMaterial, Results
from search_index.engine import REFUSED_BY_ENGINE, SearchIndex, open_index_url, rebuild_url
from search_index.errors import (
    IndexBusy,
    IndexCorrupt,
    IndexUnavailable,
    QueryError,
    SearchIndexError,
)
from search_index.index import MaterialIndex, open_index, rebuild

__all__ = [
    "FACETS",
    "SORTS",
    "CheckReport",
    "Hit",
    "IndexBusy",
    "IndexCorrupt",
    "IndexUnavailable",
    "IndexedMaterial",
    "MaterialIndex",
    "REFUSED_BY_ENGINE",
    "QueryError",
    "Results",
    "SearchIndex",
    "SearchIndexError",
    "open_index",
    "open_index_url",
    "rebuild",
    "rebuild_url",
]
