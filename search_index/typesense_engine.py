"""The Typesense engine: a collection behind an alias, for hubs on several hosts.

URL: ``typesense://key@host:port,host:port/collection`` (every node of the cluster; the
client fails over between them). ``collection`` is an *alias*: each build is a collection
``<collection>_<nanoseconds>`` that :func:`rebuild_typesense` fills, then points the alias
at and drops the previous one, so searches go on during a rebuild. The outbox position
of each built collection is a document of ``<collection>__meta`` (id: the built
collection's name), written after each apply.

Documents (see :func:`to_document`): the facets as ``string[]`` fields named as in
:data:`~search_index.FACETS` (derived from it: a new facet needs no change here), the
access tokens, ``published`` and ``popularity`` for sorting, the text as terms (see
:mod:`search_index.typesense_query`), the part texts' words in the forms of every stemming
language as plain ``string`` fields (``<part>_text``, for Typesense's relevance ranking,
see :func:`rank_text`) and the stored texts for
snippets, which are cut by :mod:`search_index.highlight` as on Whoosh (the same
``<mark>`` HTML).

Each built collection has a *facet copy* (``<built>_facets``, behind the alias
``<collection>__facets``): the same materials with only what counting and faceting filter
on (facets, access tokens, languages, dates, the ``_terms``). Typesense 0.24 reads the
whole stored document of some material to name each facet value it returns (every
country and school: hundreds per search), so the counts are asked of the copy, whose
documents are about a quarter of the size (a phrase, which needs the ``_pairs``, is
counted on the built collection). Both are written together and dropped together.

A search is one ``multi_search`` request: the count and the facets, one count per
filtered facet (disjunctive faceting: a facet's counts ignore its own filter), and the
page (in the count's search when it needs no snippets; else the relevance search brings
the page's texts). Every query's filter starts with the access tokens, which the
library adds itself: no caller can leave them out. Relevance is Typesense's text match
(title over topics over summary over body) in one ranked search: its ``q`` holds every
form of the query's words (their analyses in each language of the index), the documents'
rank fields every language's forms of their words, and Typesense drops the ``q``'s tokens
(from the right, then from the left) so that a document holding only some forms is
ranked too, below those holding all; when the ranked search cannot reach every material
the filter matched (an OR, a word matched only through a form dropped in the middle) or
the page is beyond :data:`MAX_RANKED`, the page is in newest-first order instead (asked
for in a second request only then: each search of a request evaluates the whole filter,
which is most of a search's time at 1,000,000 materials). "Did
you mean" comes from Typesense's typo tolerance over the title and topic words of what
the person may see (one request for all the words).

Where a search's time goes (``python -m benchmarks.search_engines``): Typesense 0.24
cannot stem and its ``q`` cannot say "one of these forms", so a word is matched through
the filter (exact terms, cheap: about 1 ms) and ranked by the one ``q`` search over
index-time forms of every language (one ``q`` search per stemming language, merged, was
about twice as slow at 100,000 materials and fell back to newest first for a quarter of
the queries, against 2%); faceting costs most, because naming each returned value parses
a stored document (hence the facet copy). The library's own work (analysis, compiling,
merging, highlights) is about 3 ms of a search: the rest is the engine's.

Several hosts write the one collection: the index says so (``shared``), and the hub makes
their writes take turns (``hub.services.indexing``, an advisory lock in the database they
share), so that no host writes a material's older document over a newer one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
import typesense
from typesense.exceptions import ObjectAlreadyExists, ObjectNotFound, TypesenseClientError

from search_index.analysis import STEM_LANGUAGES, WORD_RE, Terms, stemming_languages
from search_index.documents import FACETS, Hit, IndexedMaterial, Results
from search_index.engine import DEFAULT_LOCK_TIMEOUT, ProgressFn, SearchIndex
from search_index.errors import IndexCorrupt, IndexUnavailable, QueryError, SearchIndexError
from search_index.highlight import PARTS, highlights
from search_index.querying import MatchAll, parse
from search_index.schema import STORED_BODY_CHARS, facet_values, material_languages, timestamp
from search_index.searching import (
    SUGGEST_BELOW,
    Facets,
    Request,
    correctable_words,
    corrected_text,
    empty_facets,
)
from search_index.typesense_query import Filter, FilterCompiler, any_of, both, pairs

#: Bump when the documents' meaning or the analysis change (a change of fields, such as
#: a new facet, changes :data:`SCHEMA_VERSION` by itself): older collections are refused.
FORMAT = 3
DEFAULT_PORT = 8108
#: Text parts searched by ``filter_by`` (see :mod:`search_index.typesense_query`).
FILTER_PARTS = ("text", "title", "topics")
#: Parts ranked by ``q``, and their weights (as Whoosh's PART_WEIGHTS: title over topics
#: over summary over body).
RANK_PARTS = ("title", "topics", "summary", "body")
RANK_WEIGHTS = "4,3,2,1"
LANGS_FIELD = "stem_langs"
NEUTRAL = "-"  # the stem_langs value of a material analysed neutrally
#: Materials per import request (rebuilds send large batches).
IMPORT_BATCH = 5000
#: Seconds an import request may take (a batch of :data:`IMPORT_BATCH` on a busy node).
IMPORT_TIMEOUT = 300.0
#: Ids per delete request (they travel in its URL).
DELETE_BATCH = 500
#: Relevance is ranked by Typesense up to this many results (its largest page); deeper
#: pages are in newest-first order.
MAX_RANKED = 250
#: Typesense drops a ranked query's tokens (from the right, then from the left) while it
#: has found fewer than this: always, so that a document holding only some of a word's
#: forms is ranked too (see :meth:`TypesenseIndex._ranking`).
DROP_ALWAYS = 1_000_000_000
#: What a page's hits bring back: the id and what snippets are cut from.
PAGE_FIELDS = "id,stored_title,stored_summary,stored_body,stored_langs"
MAX_FACET_VALUES = 1000
#: The suffix of a built collection's facet copy, and of the alias of the current one.
FACET_COPY = "_facets"
#: The fields of the facet copy (see :func:`facet_schema`).
FACET_COPY_FIELDS = (*FACETS, "access", LANGS_FIELD, "published", "popularity",
                     *(f"{part}_terms" for part in FILTER_PARTS))  # fmt: skip
#: A built collection older than this (seconds) that the alias does not point at was left
#: by a rebuild that stopped: the next rebuild drops it.
ABANDONED_AFTER = 24 * 3600.0
#: How long the index's languages (for query analysis) are reused before asking again.
LANGUAGES_TTL = 5.0


@dataclass(frozen=True)
class Address:
    """A parsed ``typesense://`` URL."""

    api_key: str
    nodes: tuple[tuple[str, int], ...]
    collection: str

    @classmethod
    def parse(cls, url: str) -> Address:
        """Read ``typesense://key@host:port,host:port/collection``."""
        parts = urlsplit(url)
        key, _, hosts = parts.netloc.rpartition("@")
        name = parts.path.strip("/")
        nodes = []
        for item in hosts.split(","):
            host, _, port = item.strip().rpartition(":") if ":" in item else (item, "", "")
            if not host:
                continue
            if port and not port.isdigit():
                raise ValueError(f"Bad port {port!r} in the search URL.")
            nodes.append((host, int(port) if port else DEFAULT_PORT))
        if not key or not nodes or not name or "/" in name:
            raise ValueError(
                "A Typesense search URL reads typesense://key@host:port,host:port/collection."
            )
        return cls(unquote(key), tuple(nodes), name)

    def __str__(self) -> str:
        hosts = ",".join(f"{h}:{p}" for h, p in self.nodes)
        return f"typesense://{hosts}/{self.collection}"  # the key stays out of messages

    def client(self, timeout: float = 5.0) -> Any:
        """A client for every node, waiting up to ``timeout`` seconds for an answer."""
        config: dict[str, Any] = {
            "nodes": [{"host": h, "port": p, "protocol": "http"} for h, p in self.nodes],
            "api_key": self.api_key,
            "connection_timeout_seconds": timeout,
            "num_retries": 3,
            # (read by the client, missing from its ConfigDict type)
            "retry_interval_seconds": 0.2,
        }
        return typesense.Client(config)  # type: ignore[arg-type]


def collection_schema(name: str) -> dict[str, Any]:
    """The fields of a built collection (see the module docstring)."""
    fields: list[dict[str, Any]] = [
        {"name": facet, "type": "string[]", "facet": True, "optional": True} for facet in FACETS
    ]
    fields += [
        {"name": "access", "type": "string[]"},
        {"name": LANGS_FIELD, "type": "string[]", "facet": True},
        {"name": "published", "type": "int64"},
        {"name": "popularity", "type": "int64"},
        {"name": "spell_text", "type": "string", "optional": True},
    ]
    for part in FILTER_PARTS:
        fields += [
            {"name": f"{part}_terms", "type": "string[]", "optional": True},
            {"name": f"{part}_pairs", "type": "string[]", "optional": True},
        ]
    fields += [{"name": f"{part}_text", "type": "string", "optional": True} for part in RANK_PARTS]
    return {"name": name, "fields": fields, "default_sorting_field": "published"}


def facet_schema(name: str) -> dict[str, Any]:
    """The fields of a built collection's facet copy: what counting and faceting filter
    on, and nothing else. Typesense 0.24 reads the whole stored document of a material to
    name each facet value it returns (hundreds per search: every country and school), so
    counts and facets asked of the copy, whose documents are a quarter of the size, cost
    a quarter of the time."""
    fields = [f for f in collection_schema(name)["fields"] if f["name"] in FACET_COPY_FIELDS]
    return {"name": name, "fields": fields, "default_sorting_field": "published"}


#: What a collection was built as: :data:`FORMAT` and a digest of its fields.
SCHEMA_VERSION = f"{FORMAT}:" + hashlib.sha256(
    json.dumps([collection_schema("")["fields"], facet_schema("")["fields"]], sort_keys=True)
    .encode()
).hexdigest()[:16]


def _part_terms(langs: list[str], text: str) -> list[str]:
    """The terms of ``text`` as Whoosh indexes them: by each language (neutral if none)."""
    terms: list[str] = []
    analysed: list[str | None] = [*langs] or [None]
    for lang in analysed:
        terms += Terms.of(lang).terms(text)
    return terms


def rank_text(text: str) -> str:
    """What Typesense ranks ``text`` by: each word's forms in every stemming language
    (and neutral), without repeats, so that one ranked ``q`` finds a word whatever the
    language its form was analysed in (see :meth:`TypesenseIndex._ranking`)."""
    analysers = [Terms.of(lang) for lang in (*STEM_LANGUAGES, None)]
    forms: dict[str, None] = {}
    for word in WORD_RE.findall(text):
        for analyser in analysers:
            forms.setdefault(analyser.term(word), None)
    return " ".join(forms)


def to_document(doc: IndexedMaterial) -> dict[str, Any]:
    """The Typesense document of a material."""
    for token in doc.access_tokens:
        if "`" in token:
            raise SearchIndexError(f"Access token {token!r} of {doc.id!r} has a backquote.")
    langs = material_languages(doc)
    texts = {"title": doc.title, "topics": "\n".join(doc.topics), "summary": doc.summary,
             "body": doc.body}  # fmt: skip
    by_part = {part: [_part_terms(langs, t) for t in texts[part].split("\n")] for part in texts}
    document: dict[str, Any] = {
        "id": doc.id,
        "fingerprint": doc.fingerprint,
        **facet_values(doc),
        "access": sorted(set(doc.access_tokens)),
        LANGS_FIELD: langs or [NEUTRAL],
        "published": timestamp(doc.published),
        "popularity": int(doc.popularity),
        "spell_text": " ".join(Terms.of(None).terms("\n".join([doc.title, *doc.topics]))),
        # What snippets are cut from (not indexed).
        "stored_title": doc.title,
        "stored_summary": doc.summary,
        "stored_body": doc.body[:STORED_BODY_CHARS],
        "stored_langs": langs,
    }
    for part in RANK_PARTS:
        document[f"{part}_text"] = rank_text(texts[part])
    for part in FILTER_PARTS:
        chunks = [c for p in RANK_PARTS for c in by_part[p]] if part == "text" else by_part[part]
        document[f"{part}_terms"] = sorted({t for chunk in chunks for t in chunk})
        document[f"{part}_pairs"] = sorted({p for chunk in chunks for p in pairs(chunk)})
    return document


class TypesenseIndex(SearchIndex):
    """A materials index in a Typesense collection alias (see the module docstring)."""

    engine = "typesense"
    shared = True

    def __init__(self, address: Address) -> None:
        self.address = address
        self._client = address.client()
        # An import of a large batch takes longer than a search: a short timeout would
        # send it again and again.
        self._writer = address.client(timeout=IMPORT_TIMEOUT)
        self._languages: tuple[float, tuple[str, ...], bool] | None = None
        self._lock = threading.Lock()

    # --- names and errors ----------------------------------------------------------------

    @property
    def location(self) -> str:
        """The URL without its key."""
        return str(self.address)

    @property
    def facet_alias(self) -> str:
        """The alias of the current collection's facet copy."""
        return f"{self.address.collection}_{FACET_COPY}"

    @property
    def meta(self) -> str:
        """The collection holding each built collection's position."""
        return f"{self.address.collection}__meta"

    @contextlib.contextmanager
    def _calls(self, doing: str) -> Iterator[None]:
        """Turn the client's failures into the library's errors, naming the engine."""
        try:
            yield
        except SearchIndexError:
            raise
        except ObjectNotFound as exc:
            raise IndexUnavailable(
                f"The search index {self.location} has no collection for {doing} ({exc}): "
                "run `hub index rebuild`."
            ) from exc
        except (TypesenseClientError, requests.RequestException, OSError) as exc:
            raise IndexUnavailable(
                f"The search engine at {self.location} cannot be used for {doing} "
                f"({type(exc).__name__}: {exc}): start it, or check HUB_SEARCH_URL."
            ) from exc

    def current(self) -> str:
        """The built collection the alias points at."""
        with self._calls("finding the current collection"):
            found: str = self._client.aliases[self.address.collection].retrieve()["collection_name"]
            return found

    def _state(self, collection: str) -> dict[str, Any]:
        with self._calls("reading the position"):
            try:
                state: dict[str, Any] = (
                    self._client.collections[self.meta].documents[collection].retrieve()
                )
            except ObjectNotFound:
                return {"position": 0, "schema_version": SCHEMA_VERSION}
            return state

    def _write_state(self, collection: str, position: int) -> None:
        with self._calls("recording the position"):
            self._client.collections[self.meta].documents.upsert(
                {"id": collection, "position": position, "schema_version": SCHEMA_VERSION}
            )

    # --- creating ------------------------------------------------------------------------

    def prepare(self) -> None:
        """Create the meta collection, and an empty collection behind the alias if there is
        none; refuse a collection built by another version."""
        with self._calls("creating the index"):
            with contextlib.suppress(ObjectAlreadyExists):
                self._client.collections.create(
                    {"name": self.meta, "fields": [{"name": "position", "type": "int64"}]}
                )
            try:
                collection = self.current()
            except IndexUnavailable as exc:
                if not isinstance(exc.__cause__, ObjectNotFound):
                    raise
                collection = self.new_collection()
                self._write_state(collection, 0)
                self._point_aliases(collection)
        if self._state(collection).get("schema_version") != SCHEMA_VERSION:
            raise IndexCorrupt(
                f"The search index {self.location} was built by another version of the hub: "
                "run `hub index rebuild`."
            )

    def new_collection(self) -> str:
        """Create an empty built collection and its facet copy; returns its name."""
        name = f"{self.address.collection}_{time.time_ns()}"
        with self._calls("creating a collection"):
            self._client.collections.create(collection_schema(name))
            self._client.collections.create(facet_schema(name + FACET_COPY))
        return name

    def _point_aliases(self, collection: str) -> None:
        """Point the aliases at ``collection`` and its facet copy (the copy first: a count
        a moment ahead of the page is better than one behind)."""
        with self._calls("swapping the alias"):
            self._client.aliases.upsert(
                self.facet_alias, {"collection_name": collection + FACET_COPY}
            )
            self._client.aliases.upsert(self.address.collection, {"collection_name": collection})

    def drop(self, collection: str) -> None:
        """Drop a built collection, its facet copy and its position (already gone is fine)."""
        with self._calls("dropping a collection"):
            for delete in (
                lambda: self._client.collections[collection].delete(),
                lambda: self._client.collections[collection + FACET_COPY].delete(),
                lambda: self._client.collections[self.meta].documents[collection].delete(),
            ):
                with contextlib.suppress(ObjectNotFound):
                    delete()

    def swap(self, collection: str) -> None:
        """Point the alias at ``collection`` and drop the one it pointed at."""
        try:
            previous: str | None = self.current()
        except IndexUnavailable:
            previous = None
        self._point_aliases(collection)
        if previous and previous != collection:
            self.drop(previous)
        self._drop_abandoned(keep=collection)

    def _drop_abandoned(self, keep: str) -> None:
        """Drop built collections that a rebuild stopped midway left behind: those not
        current and begun more than :data:`ABANDONED_AFTER` seconds ago (a younger one may
        be another rebuild's, still filling)."""
        prefix = f"{self.address.collection}_"
        oldest = time.time_ns() - int(ABANDONED_AFTER * 1e9)
        with self._calls("listing collections"):
            names = [c["name"] for c in self._client.collections.retrieve()]
        for name in names:
            started = name[len(prefix) :]
            abandoned = started.isdigit() and int(started) < oldest
            if name.startswith(prefix) and abandoned and name != keep:
                self.drop(name)

    def load(self, collection: str, documents: Iterable[IndexedMaterial]) -> int:
        """Add ``documents`` to ``collection`` in batches; returns how many. A batch is
        analysed while the node indexes the one before (in another thread)."""
        done = 0
        batch: list[dict[str, Any]] = []
        with ThreadPoolExecutor(max_workers=1) as sender:
            sending: Future[int] | None = None
            for doc in documents:
                batch.append(to_document(doc))
                if len(batch) >= IMPORT_BATCH:
                    done += sending.result() if sending is not None else 0
                    sending = sender.submit(self._import, collection, batch)
                    batch = []
            done += sending.result() if sending is not None else 0
        if batch:
            done += self._import(collection, batch)
        return done

    def _import(self, collection: str, batch: list[dict[str, Any]]) -> int:
        copies = [{k: v for k, v in d.items() if k in FACET_COPY_FIELDS or k == "id"}
                  for d in batch]  # fmt: skip
        results = []
        with self._calls("writing materials"):
            for name, documents in ((collection, batch), (collection + FACET_COPY, copies)):
                results += self._writer.collections[name].documents.import_(
                    documents, {"action": "upsert"}
                )
        failed = [r for r in results if not r.get("success")]
        if failed:
            raise SearchIndexError(
                f"The search index {self.location} refused {len(failed)} materials: "
                f"{failed[0].get('error')}"
            )
        return len(batch)

    # --- the interface -------------------------------------------------------------------

    @property
    def position(self) -> int:
        """The outbox position recorded for the current collection (0 when new)."""
        return int(self._state(self.current())["position"])

    def refresh(self, *, wait: bool = True) -> bool:
        """Nothing to reopen: every request reaches the alias's current collection."""
        self._languages = None
        return False

    def warm(self) -> None:
        """Nothing to prepare (Typesense keeps its indexes in memory)."""

    def close(self) -> None:
        """Nothing held but HTTP connections, which the client closes with the process."""

    def doc_count(self) -> int:
        """Number of materials in the current collection."""
        with self._calls("counting materials"):
            return int(self._client.collections[self.current()].retrieve()["num_documents"])

    def fingerprints(self) -> dict[str, str]:
        """Every indexed material's id and fingerprint (one export, two fields)."""
        with self._calls("listing materials"):
            lines = self._client.collections[self.current()].documents.export(
                {"include_fields": "id,fingerprint"}
            )
        found: dict[str, str] = {}
        for line in lines.splitlines():
            if line.strip():
                row = json.loads(line)
                found[row["id"]] = row.get("fingerprint", "")
        return found

    def apply(
        self,
        upserts: Iterable[IndexedMaterial],
        deletes: Iterable[str],
        *,
        position: int | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> bool:
        """Upsert and delete as :meth:`search_index.MaterialIndex.apply` does. Typesense
        writes each document atomically and needs no lock: ``lock_timeout`` is unused, and
        two writers applying the same batch write the same documents."""
        gone = list(dict.fromkeys(deletes))
        gone_set = set(gone)
        docs = {doc.id: doc for doc in upserts if doc.id not in gone_set}
        collection = self.current()
        if position is not None and position <= int(self._state(collection)["position"]):
            return False
        if docs:
            self.load(collection, docs.values())
        for start in range(0, len(gone), DELETE_BATCH):
            with self._calls("deleting materials"):
                for name in (collection, collection + FACET_COPY):
                    self._client.collections[name].documents.delete(
                        {"filter_by": any_of("id", gone[start : start + DELETE_BATCH])}
                    )
        if position is not None:
            self._write_state(collection, position)
        self._languages = None
        return True

    def _search(self, request: Request, *, facets: bool, highlights: bool) -> Results:
        """Answer a checked request on Typesense (see the module docstring)."""
        page, page_size = request.page, request.page_size
        if not request.tokens:
            counts = empty_facets(request.selected) if facets else {}
            return Results([], 0, counts, None, page, page_size)
        compiler = self._compiler()
        text = compiler.compile(request.node) if request.node is not None else True
        terms = compiler.terms if highlights else {}
        outcome = self._evaluate(
            request, text, compiler, facets=facets, page=True, texts=bool(terms)
        )
        hits = [self._hit(h, terms) for h in outcome.hits]
        suggestion = None
        if request.node is not None and outcome.total < SUGGEST_BELOW:
            suggestion = self._suggest(request, outcome.total)
        return Results(hits, outcome.total, outcome.facets, suggestion, page, page_size)

    # --- a search's work -----------------------------------------------------------------

    def _compiler(self) -> FilterCompiler:
        cached = self._languages
        if cached is None or time.monotonic() - cached[0] > LANGUAGES_TTL:
            found = self._multi(
                [
                    {
                        "q": "*",
                        "facet_by": LANGS_FIELD,
                        "per_page": 0,
                        "max_facet_values": MAX_FACET_VALUES,
                        "collection": self.facet_alias,
                        "query_by": "access",
                    }
                ]  # fmt: skip
            )[0]
            tags = [v for v, _ in _facet_counts(found, LANGS_FIELD) if v != NEUTRAL]
            langs, neutral = stemming_languages(tags)
            neutral = neutral or any(v == NEUTRAL for v, _ in _facet_counts(found, LANGS_FIELD))
            cached = self._languages = (time.monotonic(), langs, neutral)
        return FilterCompiler(languages=cached[1], has_neutral=cached[2])

    def _multi(self, searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        common = {"collection": self.address.collection, "query_by": "title_text"}
        with self._calls("searching"):
            answer = self._client.multi_search.perform(
                {"searches": [{**common, **s} for s in searches]}, {}
            )
        results: list[dict[str, Any]] = answer["results"]
        for result in results:
            if "error" in result:
                if result.get("code") == 404:
                    raise IndexUnavailable(
                        f"The search index {self.location} has no collection: "
                        "run `hub index rebuild`."
                    )
                raise SearchIndexError(f"The search engine at {self.location} said: {result}")
        return results

    def _evaluate(
        self,
        request: Request,
        text: Filter,
        compiler: FilterCompiler | None,
        *,
        facets: bool,
        page: bool,
        texts: bool = False,
    ) -> _Outcome:
        """Count, facet and (with ``page``) fetch the page of what ``text`` and the
        request's filters match; ``compiler`` (which made ``text``) tells what to rank by;
        ``texts``: the page's hits bring what snippets are cut from."""
        access = any_of("access", request.tokens)
        chosen = {name: any_of(name, values) for name, values in request.selected.items()}
        matched = both([access, text, *chosen.values()])
        if matched is False:
            return _Outcome(0, [], empty_facets(request.selected) if facets else {})
        filter_by = str(matched)
        free = [f for f in FACETS if f not in chosen]
        ranking = None
        if page and request.sort == "relevance" and compiler is not None:
            ranking = self._ranking(request, filter_by, compiler, texts)
        # The count and the facets that no filter narrows, from the facet copy (per_page
        # 0: no documents); without relevance ranking and snippets, the page too.
        paged = page and ranking is None and not texts
        count = self._page(request, filter_by, texts) if paged else {}
        count.update(q="*", filter_by=filter_by, per_page=count.get("per_page", 0))
        counted = [*free] if facets else []
        if counted:
            count.update(facet_by=",".join(counted), max_facet_values=MAX_FACET_VALUES)
        searches = [self._counting(count)]
        # Disjunctive: a filtered facet is counted without its own filter.
        for name in chosen if facets else ():
            others = both([access, text, *(f for n, f in chosen.items() if n != name)])
            searches.append(
                self._counting(
                    {
                        "q": "*",
                        "filter_by": str(others),
                        "per_page": 0,
                        "facet_by": name,
                        "max_facet_values": MAX_FACET_VALUES,
                    }  # fmt: skip
                )
            )
        if ranking is not None:
            searches.append(ranking)
        elif page and not paged:
            searches.append(self._page(request, filter_by, texts))
        results = self._multi(searches)
        total = int(results[0]["found"])
        counts: Facets = {}
        if facets:
            for facet in free:
                counts[facet] = _facet_counts(results[0], facet)
            for i, name in enumerate(chosen, start=1):
                counts[name] = _facet_counts(results[i], name)
            for name, values in request.selected.items():
                have = dict(counts[name])
                counts[name] = sorted(
                    {**{v: 0 for v in values}, **have}.items(), key=lambda i: (-i[1], i[0])
                )
            counts = {facet: counts[facet] for facet in FACETS}
        hits: list[dict[str, Any]] = []
        if ranking is not None:
            ranked = results[-1]
            if int(ranked["found"]) == total:
                hits = ranked.get("hits", [])
            else:
                # Typesense's ranking could not reach every match (a form dropped in the
                # middle of the q; about 3% of searches): the page newest first, asked for
                # only then, since each search of a request evaluates the whole filter.
                hits = self._multi([self._page(request, filter_by, texts)])[0].get("hits", [])
        elif page:
            hits = results[0 if paged else -1].get("hits", [])
        return _Outcome(total, hits, counts)

    def _counting(self, search: dict[str, Any]) -> dict[str, Any]:
        """``search`` sent to the facet copy, unless its filter needs what only the whole
        documents hold (a phrase's pairs)."""
        if "_pairs" in search.get("filter_by", "") or "stored_" in search.get("include_fields", ""):
            return search
        return {**search, "collection": self.facet_alias, "query_by": "access"}

    def _ranking(
        self, request: Request, filter_by: str, compiler: FilterCompiler, snippets: bool
    ) -> dict[str, Any] | None:
        """The relevance search: Typesense's text match over every form of the query's
        words (each document's rank fields hold its words' forms in every language, see
        :func:`rank_text`), with tokens dropped until every form counts alone (a document
        needs only some of them); the filter decides what matches. None when there are no
        words to rank by or the page is too deep."""
        texts = compiler.rank_texts()
        if not texts or request.page * request.page_size > MAX_RANKED:
            return None
        forms = [form for text in texts for terms in compiler.variants(text) for form in terms]
        return {
            "q": " ".join(dict.fromkeys(forms)),
            "query_by": ",".join(f"{p}_text" for p in RANK_PARTS),
            "query_by_weights": RANK_WEIGHTS,
            "filter_by": filter_by,
            "page": request.page,
            "per_page": request.page_size,
            "include_fields": PAGE_FIELDS if snippets else "id",
            "highlight_fields": "none",
            "num_typos": 0,
            "prefix": False,
            "drop_tokens_threshold": DROP_ALWAYS,
            "typo_tokens_threshold": 0,
            # Else a short body that is just the word beats a title holding it.
            "prioritize_exact_match": False,
            "sort_by": "_text_match:desc,published:desc",
        }

    def _page(self, request: Request, filter_by: str, texts: bool) -> dict[str, Any]:
        by = {"most_used": "popularity:desc,published:desc"}.get(
            request.sort, "published:desc,popularity:desc"
        )
        return {
            "q": "*",
            "filter_by": filter_by,
            "sort_by": by,
            "page": request.page,
            "per_page": request.page_size,
            "include_fields": PAGE_FIELDS if texts else "id",
            "highlight_fields": "none",
        }

    def _hit(self, found: dict[str, Any], terms: Mapping[str, set[str]]) -> Hit:
        document = found["document"]
        score = float(found.get("text_match") or 0.0)
        if not terms:
            return Hit(document["id"], score, {})
        texts = {part: document.get(f"stored_{part}", "") for part, _ in PARTS}
        langs = document.get("stored_langs", [])
        return Hit(document["id"], score, highlights(texts, langs, terms))

    def _suggest(self, request: Request, found: int) -> str | None:
        # Typesense's typo tolerance over the title and topic words the person may see,
        # for every word at once; a word found as it is needs no correction.
        access = any_of("access", request.tokens)
        terms = sorted({term for _, term in correctable_words(request.node)})
        if not terms:
            return None
        results = self._multi(
            [{"q": term, "query_by": "spell_text", "filter_by": access, "num_typos": 2,
              "min_len_1typo": 3, "min_len_2typo": 5, "prefix": False, "per_page": 20,
              "include_fields": "id", "highlight_fields": "spell_text"} for term in terms]
        )  # fmt: skip
        better: dict[str, str] = {}
        for term, result in zip(terms, results, strict=True):
            matched: Counter[str] = Counter()
            for hit in result.get("hits", []):
                for highlight in hit.get("highlights", []):
                    matched.update(t.lower() for t in highlight.get("matched_tokens", []))
            if matched and term not in matched:
                better[term] = max(matched.items(), key=lambda m: (m[1], m[0]))[0]

        def closest(term: str) -> str | None:
            return better.get(term)

        corrected = corrected_text(request, closest)
        if corrected is None:
            return None
        try:
            node = parse(corrected)
            compiler = self._compiler()
            text = compiler.compile(node) if node is not None else True
        except QueryError:
            return None
        if isinstance(node, MatchAll):
            return None
        outcome = self._evaluate(request, text, None, facets=False, page=False)
        return corrected if outcome.total > found else None


@dataclass
class _Outcome:
    total: int
    hits: list[dict[str, Any]]
    facets: Facets


def _facet_counts(result: Mapping[str, Any], facet: str) -> list[tuple[str, int]]:
    for entry in result.get("facet_counts", []):
        if entry["field_name"] == facet:
            counts = [(c["value"], int(c["count"])) for c in entry["counts"] if c["count"]]
            return sorted(counts, key=lambda item: (-item[1], item[0]))
    return []


def open_typesense(url: str) -> TypesenseIndex:
    """Open (creating if missing) the index of a ``typesense://`` URL."""
    index = TypesenseIndex(Address.parse(url))
    index.prepare()
    return index


def rebuild_typesense(
    url: str,
    documents: Iterable[IndexedMaterial],
    *,
    position: int,
    total: int | None = None,
    progress: ProgressFn | None = None,
) -> TypesenseIndex:
    """Fill a new collection with ``documents``, record ``position``, point the alias at
    it and drop the old one (see :func:`search_index.rebuild` for the arguments)."""
    index = TypesenseIndex(Address.parse(url))
    index.prepare()
    collection = index.new_collection()
    try:
        seen: set[str] = set()

        def checked() -> Iterator[IndexedMaterial]:
            for doc in documents:
                if doc.id in seen:
                    raise ValueError(f"material {doc.id!r} appears twice in the rebuild")
                seen.add(doc.id)
                yield doc
                if progress is not None and len(seen) % 1000 == 0:
                    progress(len(seen), total)

        done = index.load(collection, checked())
        index._write_state(collection, position)
    except BaseException:
        index.drop(collection)
        raise
    index.swap(collection)
    if progress is not None:
        progress(done, total)
    return index
