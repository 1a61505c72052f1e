"""The index object: open, search, apply changes, rebuild, check.

One :class:`MaterialIndex` per process and index folder (the hub keeps one per worker).
It keeps one Whoosh searcher open and replaces it when the index changed (another
process committed, or a rebuild swapped generations): every search first checks, which
costs a ``readlink`` and a directory listing. Searches are thread-safe: they take turns on
the searcher (Whoosh's readers share file positions, see ``_View``), and a searcher being
replaced is closed only when the last search using it has finished.

Whoosh-Reloaded 2.7.5 traps this module avoids (each has a test):

* ``Searcher.refresh()`` reuses segment readers by segment id and gets deletions and merges
  wrong (deleted documents stay visible, updated ones appear twice). New readers are
  opened afresh instead; the costly part of our searches (bitsets) is cached per segment.
* ``Require(a, b)`` asserts in ``RequireMatcher.skip_to_quality`` when searched with block
  quality optimisation (the default ``optimize=True``). Our searches collect every match
  anyway (facet counts need them), so they run with ``optimize=False``: no quality
  skipping, nothing to assert. ``Require`` is used for persons who see little of the
  corpus; for the others, filtering the text matches with a cached bitset is faster
  (``REQUIRE_BELOW``).
* ``AndMaybeMatcher.skip_to`` loses the optional side's score under an intersection:
  :class:`~search_index.querying.AndMaybe` fixes it.
* ``writer()`` raises ``LockError`` at once when another writer holds the lock; writers
  here wait up to a timeout and then raise :class:`IndexBusy`.
* One searcher cannot serve two threads at once (shared file positions): see ``_View``.
* Skipping to a document inside a posting block walked it one posting at a time (a quarter
  of a two-word search's time): :mod:`search_index.skipping` binary-searches the block.
* Opening a searcher copied the whole index into memory (735 MB and 290 ms at 100,000
  materials): indexes are opened through :class:`~search_index.storage.MappedFileStorage`.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh import query as wq
from whoosh.index import LockError
from whoosh.searching import Searcher

from search_index import bulk, skipping, storage
from search_index.analysis import neutral_terms
from search_index.docsets import (
    SORT_FIELDS,
    Membership,
    ReaderState,
    SegmentCache,
    bits_from_docnums,
    cached_lengths,
)
from search_index.documents import FACETS, SORTS, CheckReport, Hit, IndexedMaterial, Results
from search_index.errors import IndexBusy, QueryError, SearchIndexError
from search_index.highlight import snippet
from search_index.querying import AndNode, Compiler, MatchAll, Node, Not, parse, positive_words
from search_index.schema import (
    ACCESS_FIELD,
    KEY_FIELD,
    SCHEMA_VERSION,
    SPELL_FIELD,
    build_schema,
    to_fields,
)
from search_index.scoring import CachedLengthsBM25F

skipping.install()

#: Results past this many are not served (deep pages cost more than they help).
MAX_RESULT_WINDOW = 10_000
MAX_PAGE_SIZE = 100
#: Below this share of the corpus visible to a person, the access filter is folded into the
#: Whoosh query (``Require``); above it, the text query runs alone and the visible bitset
#: filters its matches. Both give the same hits and scores (tested); see ``_evaluate``.
REQUIRE_BELOW = 0.10
#: A search finding fewer materials than this gets a "did you mean" suggestion, if any.
SUGGEST_BELOW = 3
DEFAULT_LOCK_TIMEOUT = 10.0
#: How long open_index waits for a first rebuild of an empty folder before giving up.
OPEN_WAIT = 5.0

ProgressFn = Callable[[int, int | None], None]
_SCHEMA_NAMES = set(build_schema().names())


@dataclass
class _View:
    """One open generation and searcher, with the searches currently using it.

    ``lock``: Whoosh's readers seek and read shared file objects, so two threads searching
    one searcher at once read each other's positions (measured: truncated zlib streams,
    unpickling errors, wrong hits). Searches on a view take turns; they lose little, since
    the work is pure Python and the GIL serialises it anyway.
    """

    generation: Path
    ix: Any
    searcher: Searcher
    state: ReaderState
    users: int = 0
    retired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.searcher.close()


@dataclass
class _Outcome:
    """What one evaluation of a query produced (before paging and snippets)."""

    total: int
    hits: list[tuple[int, float]]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    terms: dict[str, set[str]] = field(default_factory=dict)


def _open_whoosh(generation: Path) -> Any:
    for attempt in range(20):
        try:
            ix = whoosh.index.FileIndex(storage.MappedFileStorage(generation))
            break
        except FileNotFoundError:
            # A writer replaced the table of contents between listing and opening it.
            if attempt == 19 or not generation.is_dir():
                raise
            time.sleep(0.005 * (attempt + 1))
    return _check_whoosh(ix, generation)


def _open_whoosh_checked(generation: Path) -> Any:
    try:
        return _open_whoosh(generation)
    except whoosh.index.EmptyIndexError as exc:
        raise storage.corrupt(generation.parent, f"{generation} holds no index") from exc
    except OSError as exc:
        raise storage.unavailable(
            generation.parent, f"cannot read {generation} ({exc.strerror or exc})"
        ) from exc
    except SearchIndexError:
        raise
    except Exception as exc:  # an unpicklable TOC, a truncated file ...
        raise storage.corrupt(generation.parent, f"cannot open {generation} ({exc})") from exc


def _check_whoosh(ix: Any, generation: Path) -> Any:
    if set(ix.schema.names()) != _SCHEMA_NAMES:
        raise storage.corrupt(generation.parent, "it was built by another version")
    return ix


def _open_searcher(ix: Any, generation: Path, weighting: Any) -> Searcher:
    try:
        return ix.searcher(weighting=weighting)
    except OSError as exc:
        raise storage.unavailable(
            generation.parent, f"cannot read {generation} ({exc.strerror or exc})"
        ) from exc
    except Exception as exc:
        raise storage.corrupt(generation.parent, f"cannot open {generation} ({exc})") from exc


class MaterialIndex:
    """A materials index in a folder (see :mod:`search_index.storage` for its layout).

    Create it with :func:`open_index` or :func:`rebuild`.
    """

    def __init__(self, path: Path) -> None:
        self._root = path
        self._lock = threading.Lock()  # guards _view and the users counts
        self._refresh_lock = threading.Lock()  # one thread opens a new searcher at a time
        self._segment_caches: dict[str, SegmentCache] = {}
        self._view: _View | None = None
        self._view = self._open_view()

    # --- opening and refreshing --------------------------------------------------------

    @property
    def path(self) -> Path:
        """The index folder (holding ``current`` and the generations)."""
        return self._root

    def _current_generation(self) -> Path:
        generation = storage.current_generation(self._root)
        if generation is None:
            raise storage.unavailable(self._root, f"{self._root / storage.CURRENT} is missing")
        return generation

    def _open_view(self, generation: Path | None = None) -> _View:
        generation = generation or self._current_generation()
        state = storage.read_state(generation)
        if state.get("schema_version") != SCHEMA_VERSION:
            raise storage.corrupt(self._root, "it was built by another version of the hub")
        ix = _open_whoosh_checked(generation)
        weighting = CachedLengthsBM25F(functools.partial(cached_lengths, self._segment_caches))
        searcher = _open_searcher(ix, generation, weighting)
        return _View(generation, ix, searcher, ReaderState(searcher.reader(), self._segment_caches))

    def _stale(self, view: _View) -> bool:
        try:
            if storage.current_generation(self._root) != view.generation:
                return True
            return not view.searcher.up_to_date()
        except (OSError, SearchIndexError):
            # The generation folder went away under us: a rebuild swapped it.
            return True

    def refresh(self, *, wait: bool = True) -> bool:
        """Pick up changes committed since the searcher was opened (by this or another
        process, including a rebuild's swap). Returns True when a new searcher was opened.

        Searches call this themselves (with ``wait=False``: while one thread opens the new
        searcher, the others answer from the current one rather than queue); it costs a
        ``readlink`` and a directory listing when nothing changed. Opening a new searcher
        costs tens to hundreds of milliseconds.
        """
        view = self._view
        if view is None:
            raise SearchIndexError("This MaterialIndex is closed.")
        if not self._stale(view):
            return False
        if not self._refresh_lock.acquire(blocking=wait):
            return False
        try:
            view = self._view
            if view is None or not self._stale(view):
                return False  # another thread refreshed meanwhile
            new = self._open_view()
            with self._lock:
                old, self._view = self._view, new
                if old is not None:
                    old.retired = True
                    if old.users == 0:
                        old.close()
            return True
        finally:
            self._refresh_lock.release()

    @contextlib.contextmanager
    def _using(self) -> Iterator[_View]:
        try:
            self.refresh(wait=False)
        except SearchIndexError:
            if self._view is None:
                raise
            # Keep answering from the searcher we have (its files stay readable) rather
            # than fail every search while the folder is being repaired.
        with self._lock:
            view = self._view
            if view is None:
                raise SearchIndexError("This MaterialIndex is closed.")
            view.users += 1
        try:
            with view.lock:
                yield view
        finally:
            with self._lock:
                view.users -= 1
                if view.retired and view.users == 0:
                    view.close()

    def close(self) -> None:
        """Close the searcher. The object cannot be used afterwards."""
        with self._lock:
            view, self._view = self._view, None
            if view is not None:
                view.retired = True
                if view.users == 0:
                    view.close()

    def __enter__(self) -> MaterialIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- state -------------------------------------------------------------------------

    @property
    def position(self) -> int:
        """The outbox position recorded by the last :meth:`apply` or :func:`rebuild` of the
        current generation (0 for a new index)."""
        return int(storage.read_state(self._current_generation())["position"])

    def warm(self) -> None:
        """Prepare what searches cache (facet bitsets, sort keys) ahead of the first
        search: call it when a worker starts, so no person waits for it."""
        with self._using() as view:
            view.state.warm()

    def doc_count(self) -> int:
        """Number of materials in the index."""
        with self._using() as view:
            return int(view.searcher.doc_count())

    # --- searching ---------------------------------------------------------------------

    def search(
        self,
        query_text: str,
        *,
        person_tokens: Collection[str],
        filters: Mapping[str, Collection[str]] | None = None,
        sort: str = "relevance",
        page: int = 1,
        page_size: int = 20,
        facets: bool = True,
        highlights: bool = True,
    ) -> Results:
        """Search the materials a person may see.

        ``person_tokens``: the person's access tokens (from the hub's policy module). A
        material is found only if it holds at least one of them; no tokens, no results.
        ``query_text``: search-box text (see :mod:`search_index.querying`); empty (or a
        lone ``*``) browses everything the person may see.
        ``filters``: facet name (one of :data:`FACETS`) to accepted values; a material must
        have one of the values of every filtered facet. ``sort``: ``"relevance"`` (when
        browsing: newest first), ``"newest"`` or ``"most_used"``; ties by relevance.

        Facet counts cover the materials the person may see that match the query and the
        filters of the *other* facets (disjunctive faceting: choosing ``fr`` under
        language still shows how many there are in ``es``). A filtered facet's selected
        values are listed even at count 0, so they can be shown and removed.

        ``facets=False`` skips the counts (``Results.facets`` is then empty) and
        ``highlights=False`` the snippets, for callers that do not show them.

        Raises :class:`QueryError` (message for a person) for text, filters, sort or paging
        that cannot be used.
        """
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
            raise QueryError(
                f"The page size must be between 1 and {MAX_PAGE_SIZE}.", "bad-page-size"
            )
        if page * page_size > MAX_RESULT_WINDOW:
            raise QueryError(
                f"Only the first {MAX_RESULT_WINDOW} results can be shown: narrow the search.",
                "beyond-window",
                most=MAX_RESULT_WINDOW,
            )
        node = parse(query_text)
        if not tokens:
            counts = _empty_facets(selected) if facets else {}
            return Results([], 0, counts, None, page, page_size)

        with self._using() as view:
            limit = page * page_size
            outcome = self._evaluate(view, node, tokens, selected, sort, limit, facets=facets)
            start = (page - 1) * page_size
            terms = outcome.terms if highlights else {}
            hits = [
                self._hit(view, docnum, score, terms) for docnum, score in outcome.hits[start:limit]
            ]
            suggestion = None
            if node is not None and outcome.total < SUGGEST_BELOW:
                suggestion = self._suggest(view, query_text, node, tokens, selected, outcome.total)
        return Results(hits, outcome.total, outcome.facets, suggestion, page, page_size)

    def _evaluate(
        self,
        view: _View,
        node: Node | None,
        tokens: list[str],
        selected: dict[str, list[str]],
        sort: str,
        limit: int,
        *,
        facets: bool,
    ) -> _Outcome:
        state = view.state
        visible = state.any_of(ACCESS_FIELD, tokens) & state.live
        scores: dict[int, float] | None = None
        terms: dict[str, set[str]] = {}
        compiler = Compiler(
            languages=state.languages,
            expand_prefix=lambda f, p: _expand_prefix(state.reader, f, p),
            has_neutral=state.has_neutral,
        )
        excluded = _only_exclusions(node)
        if node is None or isinstance(node, MatchAll):
            base = visible
        elif excluded is not None:
            # "-malaria" alone: everything visible but those. Whoosh would walk every
            # document to answer Not(...); the bitsets answer it at once.
            base = visible
            for part in excluded:
                base &= ~bits_from_docnums(
                    view.searcher.docs_for_query(compiler.compile(part, positive=False)),
                    state.size,
                )
        else:
            text_q = compiler.compile(node)
            terms = compiler.terms
            # optimize=False: every match is collected (facets need them all), and
            # Require asserts under Whoosh's block-quality skipping (module docstring).
            if visible.bit_count() < REQUIRE_BELOW * max(1, state.live_count):
                # A person who sees little: fold the access filter into the query, so
                # Whoosh leaps through the text postings along the person's few tokens.
                access_q = wq.Or([wq.Term(ACCESS_FIELD, t) for t in tokens])
                query: wq.Query = wq.Require(text_q, access_q)
                member = None
            else:
                # A person who sees much: the text alone, then the visible bitset. The
                # intersection would cost more than it saves (measured at 100,000
                # materials: 17 vs 38 ms p50 for a member seeing half the corpus, while a
                # partner-only view seeing 1% is faster with Require: 13 vs 19 ms).
                query = text_q
                member = Membership(visible, state.size)
            results = view.searcher.search(query, limit=None, optimize=False)
            scores = {
                docnum: score
                for score, docnum in results.top_n
                if member is None or docnum in member
            }
            base = bits_from_docnums(scores, state.size) & visible  # belt and braces

        # Every filter as a bitset; "matched" passes them all.
        filter_bits = {name: state.any_facet(name, values) for name, values in selected.items()}
        matched = base
        for bits in filter_bits.values():
            matched &= bits
        total = matched.bit_count()

        counts: dict[str, list[tuple[str, int]]] = {}
        if facets:
            for facet in FACETS:
                # Disjunctive: a facet's own filter does not narrow its own counts.
                scope = base
                for name, bits in filter_bits.items():
                    if name != facet:
                        scope &= bits
                counts[facet] = _count(state, facet, scope, selected.get(facet, ()))

        hits: list[tuple[int, float]] = []
        if limit > 0 and total:
            if scores is None:
                field_name = SORT_FIELDS.get(sort, SORT_FIELDS["newest"])
                hits = [(d, 0.0) for d in state.top_by(field_name, matched, total, limit)]
            else:
                member = Membership(matched, state.size)
                candidates = ((d, s) for d, s in scores.items() if d in member)
                if sort == "relevance":
                    hits = heapq.nsmallest(limit, candidates, key=lambda h: (-h[1], h[0]))
                else:
                    keys = state.sort_keys(SORT_FIELDS[sort])
                    hits = heapq.nsmallest(
                        limit, candidates, key=lambda h: (-keys[h[0]], -h[1], h[0])
                    )
        return _Outcome(total, hits, counts, terms)

    def _hit(self, view: _View, docnum: int, score: float, terms: dict[str, set[str]]) -> Hit:
        if not terms:
            # No snippets to cut: the id column spares unpickling the stored text.
            return Hit(view.state.doc_id(docnum), float(score), {})
        stored = view.searcher.stored_fields(docnum)
        highlights: dict[str, str] = {}
        if terms:
            langs = stored.get("stored_langs", [])
            for part, key, whole in (
                ("title", "stored_title", True),
                ("summary", "stored_summary", False),
                ("body", "stored_body", False),
            ):
                html = snippet(stored.get(key, ""), part, langs, terms, whole=whole)
                if html:
                    highlights[part] = html
        return Hit(stored["id"], float(score), highlights)

    def _suggest(
        self,
        view: _View,
        query_text: str,
        node: Node,
        tokens: list[str],
        selected: dict[str, list[str]],
        found: int,
    ) -> str | None:
        reader = view.state.reader
        corrected = query_text
        changed = False
        for word in positive_words(node):
            folded = neutral_terms(word)
            if len(folded) != 1 or len(folded[0]) < 3:
                continue
            if reader.doc_frequency(SPELL_FIELD, folded[0]) > 0:
                continue
            better = _closest_term(reader, folded[0])
            if better is None:
                continue
            corrected, n = re.subn(
                rf"(?<![\w*]){re.escape(word)}(?![\w*])", better, corrected, count=1
            )
            changed = changed or n > 0
        if not changed:
            return None
        # Only suggest what finds more for this person: a suggestion drawn from materials
        # they may not see would reveal that those words exist.
        try:
            outcome = self._evaluate(
                view, parse(corrected), tokens, selected, "relevance", 0, facets=False
            )
        except QueryError:
            return None
        return corrected if outcome.total > found else None

    # --- writing -----------------------------------------------------------------------

    def apply(
        self,
        upserts: Iterable[IndexedMaterial],
        deletes: Iterable[str],
        *,
        position: int | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> bool:
        """Add or replace ``upserts`` (by id) and remove ``deletes``, in one commit.

        An id in both is deleted (deletes are applied last); within ``upserts`` the last
        copy of an id wins. With ``position`` (the outbox position these changes bring the
        index to), the position is recorded after the commit, and a batch whose position
        is not beyond the recorded one is skipped (returns False): it is already in.
        Re-applying after a crash between commit and record is harmless.

        Waits up to ``lock_timeout`` seconds for another writer of this index copy, then
        raises :class:`IndexBusy`.
        """
        gone = list(dict.fromkeys(deletes))
        # Whoosh's deletes only reach committed documents, not ones added by the same
        # writer: settle duplicates and delete-after-upsert here.
        gone_set = set(gone)
        docs = {doc.id: doc for doc in upserts if doc.id not in gone_set}
        generation = self._current_generation()
        view = self._view
        # The writer reads the latest table of contents itself, under the lock: the open
        # index object of the current generation serves (and opening one can race with
        # another writer's cleanup).
        ix = view.ix if view is not None and view.generation == generation else None
        if ix is None:
            ix = _open_whoosh_checked(generation)
        try:
            writer = ix.writer(timeout=lock_timeout)
        except LockError as exc:
            raise IndexBusy(
                f"The search index in {self._root} is being written by another process "
                f"(waited {lock_timeout:g} s). Only one writer may run per index copy: "
                "let it finish, then try again."
            ) from exc
        try:
            state = storage.read_state(generation)
            if position is not None and position <= state["position"]:
                writer.cancel()
                return False
            if docs or gone:
                self._write(writer, generation, docs, gone)
                writer.commit()
            else:  # nothing to write: only the position moves
                writer.cancel()
        except BaseException:
            with contextlib.suppress(Exception):
                writer.cancel()
            raise
        if position is not None:
            storage.write_state(generation, {**state, "position": position})
        with contextlib.suppress(SearchIndexError):
            self.refresh()
        return True

    def _write(
        self, writer: Any, generation: Path, docs: Mapping[str, IndexedMaterial], gone: list[str]
    ) -> None:
        # Replacing by id means finding the old copies. Whoosh's update_document opens a
        # new searcher over the whole index to do that (hundreds of ms at 100,000
        # materials); our open searcher serves when it shows exactly the commit the writer
        # starts from (document numbers then agree).
        view = self._view
        searcher = None
        if (
            view is not None
            and view.generation == generation
            and view.searcher.reader().generation() == writer.generation - 1
        ):
            searcher = view.searcher
        with view.lock if searcher is not None and view is not None else contextlib.nullcontext():
            for doc_id in [*docs, *gone]:
                writer.delete_by_term("id", doc_id, searcher=searcher)
        for doc in docs.values():
            writer.add_document(**to_fields(doc))

    # --- checking ----------------------------------------------------------------------

    def fingerprints(self) -> dict[str, str]:
        """Every indexed material's id and fingerprint."""
        with self._using() as view:
            return _fingerprints(view.state.reader)

    def check(self, expected: Mapping[str, str]) -> CheckReport:
        """Compare the index with ``expected`` (id -> fingerprint, from the database)."""
        actual = self.fingerprints()
        return CheckReport(
            missing=sorted(k for k in expected if k not in actual),
            stale=sorted(k for k, v in expected.items() if k in actual and actual[k] != v),
            extra=sorted(k for k in actual if k not in expected),
        )


# --- helpers ---------------------------------------------------------------------------


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


def _empty_facets(selected: Mapping[str, list[str]]) -> dict[str, list[tuple[str, int]]]:
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


def _fingerprints(reader: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for leaf, _ in reader.leaf_readers():
        if leaf.segment() is None:  # an index with no segment yet
            continue
        for docnum, raw in enumerate(leaf.column_reader(KEY_FIELD)):
            if not leaf.is_deleted(docnum):
                doc_id, _, fingerprint = raw.decode("utf-8").partition("\x1f")
                found[doc_id] = fingerprint
    return found


# --- opening and rebuilding ------------------------------------------------------------


def _create_generation(root: Path, number: int, position: int) -> Path:
    generation = root / storage.generation_name(number)
    if generation.exists():
        shutil.rmtree(generation)  # left over by a rebuild that crashed
    generation.mkdir()
    whoosh.index.create_in(str(generation), build_schema())
    storage.write_state(generation, {"schema_version": SCHEMA_VERSION, "position": position})
    return generation


def open_index(path: str | os.PathLike[str]) -> MaterialIndex:
    """Open the index in ``path``, creating the folder and an empty index if missing.

    Raises :class:`IndexUnavailable` (or :class:`IndexCorrupt`) with the folder's name and
    the repair (``hub index rebuild``) when it cannot be used, and :class:`IndexBusy` when
    the folder is empty because its first rebuild is still running.
    """
    root = Path(path)
    try:
        root.mkdir(parents=True, exist_ok=True)
        if storage.current_generation(root) is None:
            # A first rebuild may hold the lock for minutes: wait briefly, then say so.
            with storage.layout_lock(
                root, timeout=OPEN_WAIT, what="its first build (`hub index rebuild`) is running"
            ):
                if storage.current_generation(root) is None:  # nobody else made it meanwhile
                    numbers = [
                        storage.generation_number(g.name) or 0 for g in storage.generations(root)
                    ]
                    generation = _create_generation(root, max(numbers, default=0) + 1, 0)
                    storage.point_current_at(root, generation)
    except OSError as exc:
        raise storage.unavailable(root, exc.strerror or str(exc)) from exc
    return MaterialIndex(root)


def rebuild(
    path: str | os.PathLike[str],
    documents: Iterable[IndexedMaterial],
    *,
    position: int,
    total: int | None = None,
    progress: ProgressFn | None = None,
    procs: int = 1,
) -> MaterialIndex:
    """Build a new generation from ``documents`` and swap it in atomically.

    ``position`` is the outbox position the documents reflect: read it *before* reading
    the documents, so that changes made meanwhile are applied again by the follower.
    Open indexes keep answering from the old generation and move to the new one on their
    next search. ``progress(done, total)`` is called every 1,000 documents and at the end.
    ``procs=2`` indexes in two processes, one segment each (see :mod:`search_index.bulk`,
    which writes Whoosh's segments without its posting pool). Raises :class:`IndexBusy`
    when another rebuild of the folder runs.
    """
    root = Path(path)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage.unavailable(root, exc.strerror or str(exc)) from exc
    with storage.layout_lock(root, what="another rebuild is running"):
        previous = storage.current_generation(root)
        numbers = [storage.generation_number(g.name) or 0 for g in storage.generations(root)]
        number = max(numbers, default=0) + 1
        generation = root / storage.generation_name(number)
        if generation.exists():
            shutil.rmtree(generation)
        generation.mkdir()
        try:
            schema = build_schema()
            whoosh.index.create_in(str(generation), schema)
            done = 0
            seen: set[str] = set()

            def fields() -> Iterator[dict[str, Any]]:
                nonlocal done
                for doc in documents:
                    if doc.id in seen:
                        raise ValueError(f"material {doc.id!r} appears twice in the rebuild")
                    seen.add(doc.id)
                    yield to_fields(doc)
                    done += 1
                    if progress is not None and done % 1000 == 0:
                        progress(done, total)

            bulk.build_segments(str(generation), schema, fields(), procs=procs)
            storage.write_state(
                generation, {"schema_version": SCHEMA_VERSION, "position": position}
            )
            if progress is not None:
                progress(done, total)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        storage.point_current_at(root, generation)
        storage.remove_old_generations(root, keep={generation, *([previous] if previous else [])})
    return MaterialIndex(root)
