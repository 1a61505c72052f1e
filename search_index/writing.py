"""Writing: applying changes in one commit, creating the first generation, rebuilding
into a new generation and swapping it in (the folder layout is :mod:`search_index.storage`'s).

``writer()`` raises ``LockError`` at once when another writer holds the lock; writers
here wait up to a timeout and then raise :class:`IndexBusy`.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh.index import LockError

from search_index import bulk, storage
from search_index.documents import IndexedMaterial
from search_index.engine import ProgressFn
from search_index.errors import IndexBusy, SearchIndexError
from search_index.schema import KEY_FIELD, SCHEMA_VERSION, build_schema, to_fields
from search_index.views import Views, open_whoosh

#: How long opening an empty folder waits for its first rebuild before giving up.
OPEN_WAIT = 5.0


def apply(
    views: Views,
    upserts: Iterable[IndexedMaterial],
    deletes: Iterable[str],
    *,
    position: int | None,
    lock_timeout: float,
) -> bool:
    """See :meth:`search_index.MaterialIndex.apply`."""
    gone = list(dict.fromkeys(deletes))
    # Whoosh's deletes only reach committed documents, not ones added by the same
    # writer: settle duplicates and delete-after-upsert here.
    gone_set = set(gone)
    docs = {doc.id: doc for doc in upserts if doc.id not in gone_set}
    generation = views.generation()
    view = views.current
    # The writer reads the latest table of contents itself, under the lock: the open
    # index object of the current generation serves (and opening one can race with
    # another writer's cleanup).
    ix = view.ix if view is not None and view.generation == generation else None
    if ix is None:
        ix = open_whoosh(generation)
    try:
        writer = ix.writer(timeout=lock_timeout)
    except LockError as exc:
        raise IndexBusy(
            f"The search index in {views.root} is being written by another process "
            f"(waited {lock_timeout:g} s). Only one writer may run per index copy: "
            "let it finish, then try again."
        ) from exc
    try:
        state = storage.read_state(generation)
        if position is not None and position <= state["position"]:
            writer.cancel()
            return False
        if docs or gone:
            _write(views, writer, generation, docs, gone)
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
        views.refresh()
    return True


def _write(
    views: Views,
    writer: Any,
    generation: Path,
    docs: Mapping[str, IndexedMaterial],
    gone: list[str],
) -> None:
    # Replacing by id means finding the old copies. Whoosh's update_document opens a
    # new searcher over the whole index to do that (hundreds of ms at 100,000
    # materials); our open searcher serves when it shows exactly the commit the writer
    # starts from (document numbers then agree).
    view = views.current
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


def fingerprints(reader: Any) -> dict[str, str]:
    """Every indexed material's id and fingerprint, from the ``key`` column."""
    found: dict[str, str] = {}
    for leaf, _ in reader.leaf_readers():
        if leaf.segment() is None:  # an index with no segment yet
            continue
        for docnum, raw in enumerate(leaf.column_reader(KEY_FIELD)):
            if not leaf.is_deleted(docnum):
                doc_id, _, fingerprint = raw.decode("utf-8").partition("\x1f")
                found[doc_id] = fingerprint
    return found


def _new_generation(root: Path) -> Path:
    """A new, empty Whoosh index in the next generation folder (not yet current)."""
    numbers = [storage.generation_number(g.name) or 0 for g in storage.generations(root)]
    generation = root / storage.generation_name(max(numbers, default=0) + 1)
    if generation.exists():
        shutil.rmtree(generation)  # left over by a rebuild that crashed
    generation.mkdir()
    whoosh.index.create_in(str(generation), build_schema())
    return generation


def prepare(root: Path) -> None:
    """Create ``root`` and an empty first generation if missing (see
    :func:`search_index.open_index`)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        if storage.current_generation(root) is not None:
            return
        # A first rebuild may hold the lock for minutes: wait briefly, then say so.
        with storage.layout_lock(
            root, timeout=OPEN_WAIT, what="its first build (`hub index rebuild`) is running"
        ):
            if storage.current_generation(root) is None:  # nobody else made it meanwhile
                generation = _new_generation(root)
                storage.write_state(generation, {"schema_version": SCHEMA_VERSION, "position": 0})
                storage.point_current_at(root, generation)
    except OSError as exc:
        raise storage.unavailable(root, exc.strerror or str(exc)) from exc


def rebuild(
    root: Path,
    documents: Iterable[IndexedMaterial],
    *,
    position: int,
    total: int | None,
    progress: ProgressFn | None,
    procs: int,
) -> None:
    """Build a new generation and swap it in (see :func:`search_index.rebuild`)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage.unavailable(root, exc.strerror or str(exc)) from exc
    with storage.layout_lock(root, what="another rebuild is running"):
        previous = storage.current_generation(root)
        generation = _new_generation(root)
        try:
            fields = _fields(documents, total, progress)
            done = bulk.build_segments(str(generation), build_schema(), fields, procs=procs)
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


def _fields(
    documents: Iterable[IndexedMaterial], total: int | None, progress: ProgressFn | None
) -> Iterator[dict[str, Any]]:
    """Each document's fields, refusing an id seen before, with progress every 1,000."""
    seen: set[str] = set()
    for doc in documents:
        if doc.id in seen:
            raise ValueError(f"material {doc.id!r} appears twice in the rebuild")
        seen.add(doc.id)
        yield to_fields(doc)
        if progress is not None and len(seen) % 1000 == 0:
            progress(len(seen), total)
