"""Searcher views: one open Whoosh searcher per index object, replaced when the index changed.

A :class:`Views` keeps one :class:`View` (a generation, its searcher and the cached reader
state) for a :class:`~search_index.MaterialIndex`. Every search first checks whether the
index changed (another process committed, or a rebuild swapped generations), which costs
a ``readlink`` and a directory listing, and if so opens a new view. A view being replaced
is closed only when the last search using it has finished.

Whoosh-Reloaded 2.7.5 traps avoided here (each has a test):

* ``Searcher.refresh()`` reuses segment readers by segment id and gets deletions and merges
  wrong (deleted documents stay visible, updated ones appear twice). New readers are
  opened afresh instead; the costly part of our searches (bitsets) is cached per segment
  (:mod:`search_index.docsets`), so a commit costs only its new segment.
* One searcher cannot serve two threads at once (shared file positions): see :class:`View`.
* Opening a searcher copied the whole index into memory: indexes are opened through
  :class:`~search_index.whoosh_internals.MappedFileStorage`.

Opening a view installs :mod:`search_index.whoosh_internals`' patch (once per process).
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh.searching import Searcher

from search_index import storage, whoosh_internals
from search_index.docsets import ReaderState, SegmentCache, cached_lengths
from search_index.errors import SearchIndexError
from search_index.schema import SCHEMA_VERSION, build_schema
from search_index.scoring import CachedLengthsBM25F

_SCHEMA_NAMES = set(build_schema().names())


@dataclass
class View:
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


def open_whoosh(generation: Path) -> Any:
    """The Whoosh index of a generation folder, or an :class:`IndexUnavailable` /
    :class:`IndexCorrupt` naming the folder and the repair."""
    try:
        ix = _open_whoosh(generation)
    except whoosh.index.EmptyIndexError as exc:
        raise storage.corrupt(generation.parent, f"{generation} holds no index") from exc
    except OSError as exc:
        raise storage.unavailable(
            generation.parent, f"cannot read {generation} ({exc.strerror or exc})"
        ) from exc
    except Exception as exc:  # an unpicklable TOC, a truncated file ...
        raise storage.corrupt(generation.parent, f"cannot open {generation} ({exc})") from exc
    if set(ix.schema.names()) != _SCHEMA_NAMES:
        raise storage.corrupt(generation.parent, "it was built by another version")
    return ix


def _open_whoosh(generation: Path) -> Any:
    whoosh_internals.install()
    attempt = 0
    while True:
        try:
            return whoosh.index.FileIndex(whoosh_internals.MappedFileStorage(generation))
        except FileNotFoundError:
            # A writer replaced the table of contents between listing and opening it.
            attempt += 1
            if attempt == 20 or not generation.is_dir():
                raise
            time.sleep(0.005 * attempt)


def _open_searcher(ix: Any, generation: Path, weighting: Any) -> Searcher:
    try:
        return ix.searcher(weighting=weighting)
    except OSError as exc:
        raise storage.unavailable(
            generation.parent, f"cannot read {generation} ({exc.strerror or exc})"
        ) from exc
    except Exception as exc:
        raise storage.corrupt(generation.parent, f"cannot open {generation} ({exc})") from exc


class Views:
    """The current view of the index in ``root``, refreshed when the index changed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()  # guards current and the users counts
        self._refresh_lock = threading.Lock()  # one thread opens a new searcher at a time
        self._segment_caches: dict[str, SegmentCache] = {}
        self.current: View | None = None
        self.current = self._open()

    def generation(self) -> Path:
        """The generation folder ``current`` points at."""
        generation = storage.current_generation(self.root)
        if generation is None:
            raise storage.unavailable(self.root, f"{self.root / storage.CURRENT} is missing")
        return generation

    def _open(self) -> View:
        generation = self.generation()
        state = storage.read_state(generation)
        if state.get("schema_version") != SCHEMA_VERSION:
            raise storage.corrupt(self.root, "it was built by another version of the hub")
        ix = open_whoosh(generation)
        weighting = CachedLengthsBM25F(functools.partial(cached_lengths, self._segment_caches))
        searcher = _open_searcher(ix, generation, weighting)
        return View(generation, ix, searcher, ReaderState(searcher.reader(), self._segment_caches))

    def _stale(self, view: View) -> bool:
        try:
            if storage.current_generation(self.root) != view.generation:
                return True
            return not view.searcher.up_to_date()
        except (OSError, SearchIndexError):
            # The generation folder went away under us: a rebuild swapped it.
            return True

    def refresh(self, *, wait: bool = True) -> bool:
        """Open a new view if the index changed; True when one was opened (see
        :meth:`search_index.MaterialIndex.refresh`)."""
        view = self.current
        if view is None:
            raise SearchIndexError("This MaterialIndex is closed.")
        if not self._stale(view):
            return False
        if not self._refresh_lock.acquire(blocking=wait):
            return False
        try:
            view = self.current
            if view is None or not self._stale(view):
                return False  # another thread refreshed meanwhile
            new = self._open()
            with self._lock:
                old, self.current = self.current, new
                if old is not None:
                    self._retire(old)
            return True
        finally:
            self._refresh_lock.release()

    @staticmethod
    def _retire(view: View) -> None:
        view.retired = True
        if view.users == 0:
            view.close()

    @contextlib.contextmanager
    def using(self) -> Iterator[View]:
        """The current view (refreshed first if another thread is not already at it),
        held for one search at a time."""
        try:
            self.refresh(wait=False)
        except SearchIndexError:
            if self.current is None:
                raise
            # Keep answering from the searcher we have (its files stay readable) rather
            # than fail every search while the folder is being repaired.
        with self._lock:
            view = self.current
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
        """Close the current view (when its last search ends)."""
        with self._lock:
            view, self.current = self.current, None
            if view is not None:
                self._retire(view)
