"""The index object: the public face of the library (see :mod:`search_index`).

One :class:`MaterialIndex` per process and index folder (the hub keeps one per worker).
Its work is done in three modules, each readable alone:

* :mod:`search_index.views`: the open searcher, replaced when the index changed, shared
  by threads taking turns;
* :mod:`search_index.searching`: what a search does, from checking the request to the
  page of hits, facet counts and suggestion;
* :mod:`search_index.writing`: applying changes in one commit, and rebuilding into a new
  generation that is swapped in atomically.

Whoosh's private parts these use are all in :mod:`search_index.whoosh_internals`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from search_index import searching, storage, writing
from search_index.documents import IndexedMaterial, Results
from search_index.engine import DEFAULT_LOCK_TIMEOUT, ProgressFn, SearchIndex
from search_index.searching import Request
from search_index.views import View, Views


class MaterialIndex(SearchIndex):
    """A materials index in a folder (see :mod:`search_index.storage` for its layout): the
    Whoosh engine of :class:`~search_index.engine.SearchIndex`.

    Create it with :func:`open_index` or :func:`rebuild`.
    """

    engine = "whoosh"

    def __init__(self, path: Path) -> None:
        self._root = path
        self._views = Views(path)

    @property
    def path(self) -> Path:
        """The index folder (holding ``current`` and the generations)."""
        return self._root

    @property
    def location(self) -> str:
        """The index folder, for messages."""
        return str(self._root)

    @property
    def _view(self) -> View | None:
        # The open view, for benchmarks.search's bare-Whoosh baseline (not an interface).
        return self._views.current

    def refresh(self, *, wait: bool = True) -> bool:
        """Pick up changes committed since the searcher was opened (by this or another
        process, including a rebuild's swap). Returns True when a new searcher was opened.

        Searches call this themselves (with ``wait=False``: while one thread opens the new
        searcher, the others answer from the current one rather than queue); it costs a
        ``readlink`` and a directory listing when nothing changed. Opening a new searcher
        costs tens to hundreds of milliseconds.
        """
        return self._views.refresh(wait=wait)

    def close(self) -> None:
        """Close the searcher. The object cannot be used afterwards."""
        self._views.close()

    @property
    def position(self) -> int:
        """The outbox position recorded by the last :meth:`apply` or :func:`rebuild` of the
        current generation (0 for a new index)."""
        return int(storage.read_state(self._views.generation())["position"])

    def warm(self) -> None:
        """Prepare what searches cache (facet bitsets, sort keys) ahead of the first
        search: call it when a worker starts, so no person waits for it."""
        with self._views.using() as view:
            view.state.warm()

    def doc_count(self) -> int:
        """Number of materials in the index."""
        with self._views.using() as view:
            return int(view.searcher.doc_count())

    def _search(self, request: Request, *, facets: bool, highlights: bool) -> Results:
        """Answer a checked request (:func:`search_index.searching.search`)."""
        return searching.search(self._views, request, facets=facets, highlights=highlights)

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
        return writing.apply(
            self._views, upserts, deletes, position=position, lock_timeout=lock_timeout
        )

    def fingerprints(self) -> dict[str, str]:
        """Every indexed material's id and fingerprint."""
        with self._views.using() as view:
            return writing.fingerprints(view.state.reader)


def open_index(path: str | os.PathLike[str]) -> MaterialIndex:
    """Open the index in ``path``, creating the folder and an empty index if missing.

    Raises :class:`IndexUnavailable` (or :class:`IndexCorrupt`) with the folder's name and
    the repair (``hub index rebuild``) when it cannot be used, and :class:`IndexBusy` when
    the folder is empty because its first rebuild is still running.
    """
    root = Path(path)
    writing.prepare(root)
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
    writing.rebuild(root, documents, position=position, total=total, progress=progress, procs=procs)
    return MaterialIndex(root)
