"""Every use of Whoosh's private parts, in one place (whoosh-reloaded pinned ``>=2.7.5,<2.8``).

The rest of :mod:`search_index` uses Whoosh's public API only (``whoosh.fields``,
``whoosh.query``, ``whoosh.analysis``, ``whoosh.formats``, ``whoosh.index``, readers,
searchers and writers through their documented methods). What is below reaches further,
each for a measured reason; ``tests/search_index/test_whoosh_internals.py`` checks every
piece against the installed Whoosh, so an upgrade that moves one fails loudly there rather
than silently in searches. What is used, why, and what breaks if Whoosh changes it:

**The patch** (:func:`install`, run when an index is opened, never at import; idempotent):

* ``whoosh.codec.whoosh3.W3LeafMatcher.skip_to`` is replaced by :func:`skip_to`, which
  reads the matcher's ``_atend``, ``_i``, ``_blocklength``, ``_ids``, ``_maxid``,
  ``_lastblock``, ``_nextoffset`` and calls ``_read_ids`` and ``_goto``. Why: Whoosh walks
  a posting block one posting at a time when skipping (a quarter of a two-word search's
  time at 100,000 materials); a block's ids are a sorted tuple, so ``bisect`` does it in
  one step. Breaks: a renamed attribute raises ``AttributeError`` in every search.

**Reading** (searches):

* :func:`length_bytes`: a segment's field-length column through ``SegmentReader._perdoc``,
  ``W3PerDocReader._cached_reader``, ``whoosh3._lenfield``, ``LENGTHS_COLUMN`` and the
  column reader's ``_dbfile``, ``_basepos``, ``_count``. Why: BM25F otherwise asks for a
  document's length once per scored posting (~6 µs each, a tenth of a search). Breaks:
  falls back to Whoosh's per-document lookups (slower, same scores) on ``AttributeError``.
* :func:`use_lengths`: sets a ``BM25FScorer``'s ``dfl`` (its length lookup). Breaks: the
  cached lengths would go unused (scores unchanged).
* :func:`deleted_docnums`: ``SegmentReader.deleted_docs_set`` (a cached frozenset). Why:
  the live-documents bitset of each reader. Breaks: ``AttributeError`` on opening.
* :class:`AndMaybeMatcher`: subclasses ``whoosh.matching.AndMaybeMatcher`` and reads its
  ``a`` and ``b``; :class:`AndMaybe` sets ``wq.AndMaybe.matcherclass``. Why: Whoosh's
  ``skip_to`` drops the optional side's score under an intersection. Breaks: wrong scores
  for queries with stop words (tested in ``test_text_search.py``).
* :class:`MappedFileStorage`: subclasses ``whoosh.filedb.filestore.FileStorage``, calls its
  ``_fpath`` and wraps a ``mmap`` in ``whoosh.filedb.structfile.StructFile``. Why: the
  default storage copies every segment into memory on opening (735 MB and 290 ms at
  100,000 materials). Breaks: opening an index fails.

**Writing** (:mod:`search_index.bulk`, rebuilds only):

* :data:`POSTINGS_MAGIC` (``whoosh3.WHOOSH3_HEADER_MAGIC``), the block layout (an int
  size, negative for the last block, a pickled info tuple, pickled data),
  :func:`term_info` (``W3TermInfo._struct`` followed by a long offset and an int length)
  and :func:`codec_limits` (``W3Codec._blocklimit``, ``_compression``). Why: bulk writes
  posting lists itself, without Whoosh's per-posting pool. Breaks: an index Whoosh cannot
  read; the tests comparing bulk-built and Whoosh-built indexes fail.
* :class:`FieldTable`: ``W3FieldWriter._fieldid``, ``_postfile``, ``_tindex`` and the
  ``OrderedHashWriter``'s ``dbfile``, ``buckets``, ``hashfn``, ``lastkey``, ``index``
  (a ``GrowableArray``, ``_retype``); :func:`fast_hash_tables` replaces that writer's
  ``_write_hashes``. Why: one write per chunk of terms instead of a method call per term.
  Breaks: ``AttributeError`` on the first rebuild.
* :func:`write_toc`: ``whoosh.index.TOC._latest_generation`` and ``clean_files``;
  :func:`file_storage`: ``FileStorage``. Why: a table of contents listing segments
  written by several processes. Breaks: rebuilds fail.
"""

from __future__ import annotations

import mmap
import os
import struct
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from hashlib import md5
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec import whoosh3
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import md5_hash
from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC, clean_files
from whoosh.matching import AndMaybeMatcher as _WhooshAndMaybeMatcher
from whoosh.matching import ReadTooFar
from whoosh.system import pack_ushort

# --- the patch --------------------------------------------------------------------------

#: Whoosh's own method, kept for the tests that compare the two.
WHOOSH_SKIP_TO = whoosh3.W3LeafMatcher.skip_to


def skip_to(self: Any, targetid: Any) -> None:
    """Move to the first posting whose id is ``targetid`` or more (Whoosh's semantics)."""
    if self._atend or self._i >= self._blocklength:
        raise ReadTooFar
    ids = self._ids
    if ids is None:
        self._read_ids()
        ids = self._ids
    if targetid <= ids[self._i]:
        return
    if targetid > self._maxid:
        # Whole blocks end before the target: read only their headers.
        while targetid > self._maxid:
            if self._lastblock:
                self._atend = True
                return
            self._goto(self._nextoffset)
        self._read_ids()
        ids = self._ids
    # The block's last id is >= targetid, so the posting is in this block.
    self._i = bisect_left(ids, targetid, self._i)


def install() -> None:
    """Use :func:`skip_to` for every W3 posting list in this process (again: no change)."""
    if whoosh3.W3LeafMatcher.skip_to is not skip_to:
        whoosh3.W3LeafMatcher.skip_to = skip_to


def installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return whoosh3.W3LeafMatcher.skip_to is skip_to


# --- reading ----------------------------------------------------------------------------


def length_bytes(segment_reader: Any, fieldname: str) -> bytes | None:
    """A W3 segment's stored length bytes of ``fieldname`` (None: none stored; trailing
    zero bytes are not written). Raises AttributeError for a segment of another codec."""
    column = segment_reader._perdoc._cached_reader(
        whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN
    )
    if column is None:
        return None
    return bytes(column._dbfile.get(column._basepos, column._count)) if column._count else b""


def use_lengths(scorer: Any, lookup: Callable[[int], int | None]) -> None:
    """Make a ``BM25FScorer`` read document lengths from ``lookup``."""
    scorer.dfl = lookup


def deleted_docnums(leaf: Any) -> frozenset[int]:
    """The deleted document numbers of one segment reader."""
    return frozenset(leaf.deleted_docs_set)


class AndMaybeMatcher(_WhooshAndMaybeMatcher):
    """Whoosh's AndMaybeMatcher with ``skip_to`` fixed.

    Whoosh-Reloaded 2.7.5 moves the optional side to the *requested* id rather than to
    where the required side landed, so under an intersection (``Require``, ``And``) the
    optional words' scores were silently dropped: measured, the same documents ranked
    with and without the access filter scored differently.
    """

    def skip_to(self, id: int) -> bool:
        if not self.a.is_active():
            raise ReadTooFar
        ra = self.a.skip_to(id)
        rb = False
        if self.a.is_active() and self.b.is_active():
            rb = self.b.skip_to(self.a.id())
        return bool(ra or rb)


class AndMaybe(wq.AndMaybe):
    """``a``, scored with ``b`` where ``b`` also matches (with :class:`AndMaybeMatcher`)."""

    matcherclass = AndMaybeMatcher


class MappedFileStorage(FileStorage):
    """Whoosh's FileStorage, reading each file through its own read-only ``mmap``.

    With the default storage, Whoosh-Reloaded 2.7.5 maps a segment and then wraps each of
    its parts in ``BytesIO(memoryview)``, which *copies* them: opening a searcher on a
    100,000-material index (480 MB) took 290 ms and 735 MB of private memory, in every
    worker, twice while a refresh overlaps the old searcher. Reading through the mapping
    instead costs 8 ms and no private memory (the page cache is shared between processes);
    queries measured about 15% slower (more Python per read), a good trade for refreshing
    after every commit.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        # supports_mmap=False: Whoosh's compound-file reader then reads "sub-files" of the
        # file object below, which is the mapping, instead of copying mapped slices.
        super().__init__(str(path), supports_mmap=False)

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        with open(self._fpath(name), "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:  # mmap refuses empty files
                return super().open_file(name, **kwargs)
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return StructFile(mapped, name=name, **kwargs)


# --- writing (search_index.bulk) ------------------------------------------------------------

#: The first bytes of every posting list in a W3 postings file.
POSTINGS_MAGIC: bytes = whoosh3.WHOOSH3_HEADER_MAGIC
_pack_info = whoosh3.W3TermInfo._struct.pack
_pack_extent = struct.Struct("!qi").pack  # pack_long(offset) + pack_int(length)
_HASH_LENGTHS = struct.Struct("!ii")
_LAST_INT = struct.Struct("!I").unpack_from
# filetables._pointer ("!Iq") as a numpy record.
_POINTER = np.dtype([("hash", ">u4"), ("place", ">i8")])


def file_storage(folder: str) -> Any:
    """Whoosh's storage of an index folder (for writing)."""
    return FileStorage(folder)


def codec_limits(codec: Any) -> tuple[int, int]:
    """The W3 codec's postings per block and zlib level."""
    return int(codec._blocklimit), int(codec._compression)


def term_info(
    weight: float,
    count: int,
    min_length: int,
    max_length: int,
    max_weight: float,
    min_id: int,
    max_id: int,
    offset: int,
    size: int,
) -> bytes:
    """A term's W3 term info (statistics, then where its posting list is)."""
    stats = _pack_info(0, weight, count, min_length, max_length, max_weight, min_id, max_id)
    return stats + _pack_extent(offset, size)


class FieldTable:
    """One field's postings and term entries, written into a W3 field writer in pieces:
    what ``W3FieldWriter.add_postings`` and ``OrderedHashWriter.add`` do a call per term."""

    def __init__(self, fieldwriter: Any, name: str, field: Any) -> None:
        fieldwriter.start_field(name, field)
        self._fieldwriter = fieldwriter
        self._prefix = pack_ushort(fieldwriter._fieldid)
        self._postfile = fieldwriter._postfile
        self._tindex = fieldwriter._tindex
        self._hashfn = None if self._tindex.hashfn is md5_hash else self._tindex.hashfn
        #: Where the next posting list starts in the postings file.
        self.offset: int = self._postfile.tell()

    def write(self, postings: bytes, keys: Sequence[bytes], infos: Sequence[bytes]) -> None:
        """Append posting lists (``postings``, in the order of ``keys``) and their terms
        (``keys`` increasing, ``infos`` from :func:`term_info`)."""
        self._postfile.write(postings)
        self.offset += len(postings)
        tindex = self._tindex
        tpos = tindex.dbfile.tell()
        buckets, hashfn, last_key = tindex.buckets, self._hashfn, tindex.lastkey
        pack_lengths = _HASH_LENGTHS.pack
        entries: list[bytes] = []
        positions: list[int] = []
        for term, info in zip(keys, infos, strict=True):
            key = self._prefix + term
            if key <= last_key:
                raise ValueError(f"terms out of order: {last_key!r}..{key!r}")
            last_key = key
            entry = pack_lengths(len(key), len(info)) + key + info
            entries.append(entry)
            positions.append(tpos)
            # md5_hash without the hex string
            h = (
                hashfn(key)
                if hashfn
                else _LAST_INT(md5(key, usedforsecurity=False).digest(), 12)[0]
            )
            buckets[h & 255].append((h, tpos))
            tpos += len(entry)
        tindex.dbfile.write(b"".join(entries))
        _extend(tindex.index, positions)
        tindex.lastkey = last_key

    def finish(self) -> None:
        """End the field."""
        self._fieldwriter.finish_field()


def _extend(index: Any, positions: list[int]) -> None:
    """``GrowableArray.extend`` (widening the array first if needed), in one call."""
    if positions:
        top = positions[-1]  # positions increase
        if isinstance(index.array, array):
            try:
                array(index.array.typecode, [top])
            except OverflowError:
                index._retype(top)
        index.array.extend(positions)


def fast_hash_tables(fieldwriter: Any) -> None:
    """Make the field writer's term table write each hash table in one piece."""
    tindex = fieldwriter._tindex
    tindex._write_hashes = lambda: _write_hash_tables(tindex)


def _write_hash_tables(writer: Any) -> None:
    """``HashWriter._write_hashes``, each table written in one piece."""
    dbfile = writer.dbfile
    for entries in writer.buckets:
        numslots = 2 * len(entries)
        writer.directory.append((dbfile.tell(), numslots))
        if not entries:
            continue
        hashes = [0] * numslots
        places = [0] * numslots  # 0: empty (no key is at 0, the file's header is)
        for h, place in entries:
            slot = (h >> 8) % numslots
            while places[slot]:
                slot = (slot + 1) % numslots
            hashes[slot] = h
            places[slot] = place
        table = np.empty(numslots, _POINTER)
        table["hash"] = hashes
        table["place"] = places
        dbfile.write(table.tobytes())


def write_toc(storage: Any, schema: Any, segments: list[Any], indexname: str) -> None:
    """Make ``segments`` the index's content (a new table of contents)."""
    generation = TOC._latest_generation(storage, indexname) + 1
    TOC(schema, segments, generation).write(storage, indexname)
    clean_files(storage, indexname, generation, segments)


def read_schema(storage: Any, indexname: str) -> Any:
    """The schema of the index in ``storage`` (from its table of contents)."""
    return TOC.read(storage, indexname).schema
