"""Building a new index fast: Whoosh's segment format, written without its posting pool.

Whoosh's ``SegmentWriter`` puts every posting (one per distinct term, field and document:
about 190 per material here) into a pool as a tuple, sorts the pool (spilling sorted
runs to disk past ``limitmb`` and merging them back with ``heapq``), then, for each
posting, reads the document's field length back from the column just written and adds
the posting through a method call full of type assertions. Profiling a rebuild of 10,000
materials: 17 s adding documents and 41 s committing them, ~4 ms per material in Whoosh
for ~0.3 ms of analysis.

:class:`BulkSegmentWriter` writes the same files through Whoosh's own codec writers
(per-document writer, term table, posting blocks), but keeps postings in flat arrays as
they arrive: a term id, a weight and an encoded value per posting, where each document's
postings start, field lengths by document. Analysis hands over each field's distinct
terms as lists (:meth:`search_index.analysis.FastPositions.index_lists`), which become
term ids through ``map(dict.get, ...)`` and array extends: no Python statement per
posting here.

Writing the segment is numpy's work up to the Python objects that get pickled: a stable
argsort orders the postings by term (documents stay in order within a term), the ids,
weights, values and field lengths are gathered in that order, and every block of 128
postings gets its statistics (max and min non-zero length, max weight, weight sum, whether
the weights are all 1.0 or all equal) from ``ufunc.reduceat`` over all block starts at
once, and every term its own likewise. The Python loop left is per block and per term:
pickle, zlib, term info, hash. Postings, term statistics, stored fields, columns and
lengths decode to exactly what ``SegmentWriter`` writes (tested); the block data is
pickled with protocol 3 rather than 2 (see ``_DATA_PROTOCOL``) and small blocks are not
compressed, both of which Whoosh's reader reads as it does its own.

:func:`build_segments` feeds documents to one writer per process: with ``procs=2`` a
second process builds a second segment from the batches the first hands it while it is
free (so the process that also reads the documents gives away what it cannot keep up
with). A segment is closed and a new one started past ``max_postings`` postings, which
bounds memory (~20 bytes per posting while adding, plus the encoded values of postings
with several positions; about twice that in numpy arrays while writing). Used only to
build a new generation, which nothing else writes to.

The codec's private parts this needs (the posting-list header, the term-info layout, the
field writer's files and term table) come from :mod:`search_index.whoosh_internals`.
Measured against Whoosh's own ``writer(procs=2, multisegment=True)`` by
``python -m benchmarks.bulk_vs_whoosh`` (kept at 1.5x or more): 3.2-3.3x faster at 30,000
materials and 3.0-3.8x at 3,000 (a busy 2-core machine, 2026-12), a quarter smaller, the
same answers to 48 searches.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import shutil
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pickle import dumps
from typing import Any

import numpy as np
from whoosh.analysis import IDTokenizer, RegexTokenizer
from whoosh.codec import default_codec
from whoosh.fields import FieldType
from whoosh.formats import Existence, Frequency
from whoosh.system import pack_int, pack_uint
from whoosh.util.numeric import length_to_byte

from search_index import whoosh_internals as internals
from search_index.analysis import FastPositions

#: A segment is closed past this many postings (bounds a writer's memory: ~40 bytes each).
MAX_POSTINGS = 12_000_000
#: Documents handed to the second process at a time.
BATCH = 200
INDEXNAME = "MAIN"

Fields = dict[str, Any]
# Posting data (ids, weights, values) is pickled with protocol 3, where bytes values are
# bytes (protocol 2, Whoosh's, makes each a call to codecs.encode of a latin-1 str):
# measured 5x faster to pickle and to unpickle (phrase queries read positions), a third
# smaller. Whoosh's reader unpickles whatever protocol it finds.
_DATA_PROTOCOL = 3
# Blocks whose pickle is shorter are stored uncompressed (zlib would not shrink them).
_COMPRESS_FROM = 96
# The postings file is written in pieces of about this size.
_FLUSH_BYTES = 1 << 20
# Posting lists are turned into Python objects this many postings at a time.
_CHUNK = 1 << 16
# Above any length byte: "no length" when looking for the shortest length.
_NO_LENGTH = 256


class BulkSegmentWriter:
    """Writes one new segment of ``storage`` from ``add(fields)`` calls (see module doc).

    Call :meth:`finish` to write it out; it returns the Whoosh segment object, to list in
    a table of contents with the generation's other segments.
    """

    def __init__(self, storage: Any, schema: Any, indexname: str = INDEXNAME) -> None:
        for name, field in schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: vectors and spelling are not supported")
        self.storage = storage
        self.codec = default_codec()
        self.segment = self.codec.new_segment(storage, indexname)
        self.perdoc = self.codec.per_document_writer(storage, self.segment)
        self.docnum = 0
        self.postings_count = 0
        # Postings in the order they come, in flat arrays (one entry per posting: far
        # cheaper than an array per term), sorted by term when the segment is written.
        # Term ids are global (all fields); a field's terms are keyed by str when its
        # field's index() encodes them (see _str_keys), by Whoosh's bytes otherwise.
        self._term_ids: dict[str, dict[Any, int]] = {}
        self._term_total = 0
        self._post_terms = array("I")
        self._post_weights = array("d")
        self._post_values: list[bytes] = []
        # Where each document's postings start (its postings are contiguous).
        self._doc_starts = array("q")
        # Field length bytes (Whoosh's quantised lengths), by field and document.
        self._lengths: dict[str, dict[int, int]] = {}
        self._fields = {name: schema[name] for name in schema.names()}
        # Fields whose terms are UTF-8 strings (FieldType.index), keyed by str.
        self._str_keys = {
            name
            for name, field in self._fields.items()
            if field.indexed and type(field).index is FieldType.index
        }
        # How each such field's postings are made without Whoosh's token stream.
        self._kinds = {name: _kind(self._fields[name]) for name in self._str_keys}

    def _postings(self, name: str, field: Any, value: Any) -> tuple[list[Any], Any, Any, int]:
        """The terms of ``value``, their weights and encoded values, and the sum of
        their frequencies."""
        kind = self._kinds.get(name) if isinstance(value, str) else None
        if kind is _POSITIONS:
            return field.format.index_lists(value, field.analyzer)
        if kind is _FREQUENCY:  # the value is the number of positions
            terms, positions, weights, count = field.analyzer.postings(value)
            boost = field.format.field_boost
            if boost != 1.0:
                weights = [weight * boost for weight in weights]
            values = [_ONCE if p.__class__ is int else pack_uint(len(p)) for p in positions]
            return terms, weights, values, count
        if kind is _WHOLE:  # Existence, IDTokenizer: the value is the one term
            return [value], (field.format.field_boost,), (b"",), 1
        if kind is _MATCHES:  # Existence, RegexTokenizer: each distinct match
            terms = list(dict.fromkeys(field.analyzer.expression.findall(value)))
            count = len(terms)
            return terms, [field.format.field_boost] * count, [b""] * count, count
        items = list(field.index(value))
        if not items:
            return [], (), (), 0
        tbytes, freqs, item_weights, item_values = zip(*items, strict=True)
        if name in self._str_keys:
            return [t.decode() for t in tbytes], item_weights, item_values, sum(freqs)
        return list(tbytes), item_weights, item_values, sum(freqs)

    def add(self, fields: Fields) -> None:
        """Add one document (the keyword arguments of ``writer.add_document``)."""
        perdoc = self.perdoc
        docnum = self.docnum
        schema_fields = self._fields
        post_terms = self._post_terms
        self._doc_starts.append(len(post_terms))
        perdoc.start_doc(docnum)
        for name in sorted(fields):
            value = fields[name]
            if value is None or name.startswith("_"):
                continue
            field = schema_fields.get(name)
            if field is None:
                raise ValueError(f"no field named {name!r} in the schema")
            length = 0
            if field.indexed:
                terms, weights, values, length = self._postings(name, field, value)
                if terms:
                    term_ids = self._term_ids.get(name)
                    if term_ids is None:
                        term_ids = self._term_ids[name] = {}
                    ids: list[Any] = list(map(term_ids.get, terms))
                    if None in ids:  # new terms: the next ids
                        new = [t for t, i in zip(terms, ids, strict=True) if i is None]
                        first = self._term_total
                        self._term_total += len(new)
                        term_ids.update(zip(new, range(first, self._term_total), strict=True))
                        ids = list(map(term_ids.__getitem__, terms))
                    post_terms.extend(ids)
                    self.postings_count += len(ids)
                    self._post_weights.extend(weights)
                    self._post_values.extend(values)
                if not field.scorable:
                    length = 0
                elif length:
                    lengths = self._lengths.get(name)
                    if lengths is None:
                        lengths = self._lengths[name] = {}
                    lengths[docnum] = _length_byte(length)
            perdoc.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        self.docnum += 1

    def finish(self) -> Any:
        """Write the segment's files (one compound file) and return the segment."""
        self.perdoc.close()
        self.segment.set_doc_count(self.docnum)
        fieldwriter = self.codec.field_writer(self.storage, self.segment)
        if self._post_terms:
            self._write_postings(fieldwriter)
        internals.fast_hash_tables(fieldwriter)
        fieldwriter.close()
        self._lengths.clear()
        self.segment.create_compound_file(self.storage)
        return self.segment

    def _write_postings(self, fieldwriter: Any) -> None:
        # Every term's rank in the order terms are written (by field, then by term).
        names = sorted(name for name, ids in self._term_ids.items() if ids)
        rank = np.empty(self._term_total, np.uint32)
        keys_of: list[list[bytes]] = []
        field_ranks = [0]
        for name in names:
            term_ids = self._term_ids.pop(name)
            keys = sorted(term_ids)  # str order is UTF-8 byte order
            ids = np.fromiter(map(term_ids.__getitem__, keys), np.int64, len(keys))
            rank[ids] = np.arange(field_ranks[-1], field_ranks[-1] + len(keys))
            field_ranks.append(field_ranks[-1] + len(keys))
            keys_of.append([k.encode() for k in keys] if name in self._str_keys else keys)
            del term_ids, keys, ids
        self._term_ids.clear()
        blocklimit, self._compression = internals.codec_limits(self.codec)
        post = _SortedPostings(self, rank, blocklimit)
        for i, name in enumerate(names):
            self._write_field(fieldwriter, name, keys_of[i], post, field_ranks[i])
            keys_of[i] = []

    def _write_field(
        self, fieldwriter: Any, name: str, keys: list[bytes], post: _SortedPostings, rank0: int
    ) -> None:
        # What FieldWriter.add_postings, W3PostingsWriter, W3TermInfo and the term table's
        # OrderedHashWriter do one posting and one call at a time, a term at a time, with
        # the postings and term files written in large pieces: the same terms, statistics
        # and blocks. One difference: a block whose pickle is too small to gain from zlib
        # is stored uncompressed (its header says so, as Whoosh's format provides).
        field = self._fields[name]
        fixed = field.format.fixed_value_size()
        table = internals.FieldTable(fieldwriter, name, field)
        for c in post.chunks(self._lengths.get(name), rank0, rank0 + len(keys), fixed != 0):
            # Per term: postings, blocks, weight, min/max length byte, max weight, ids.
            t_counts, t_blocks, t_weight, t_minb, t_maxb, t_maxw, t_minid, t_maxid = c.terms
            offset = table.offset
            out: list[bytes] = []
            infos: list[bytes] = []
            b = 0
            for j in range(len(t_counts)):
                size = _posting_list(out, c, b, t_blocks[j], fixed, self._compression)
                infos.append(
                    internals.term_info(
                        t_weight[j],
                        t_counts[j],
                        t_minb[j],
                        t_maxb[j],
                        t_maxw[j],
                        t_minid[j],
                        t_maxid[j],
                        offset,
                        size,
                    )
                )
                offset += size
                b += t_blocks[j]
            table.write(b"".join(out), keys[c.first_term : c.first_term + len(t_counts)], infos)
        table.finish()


def _posting_list(out: list[bytes], c: _Chunk, b: int, nblocks: int, fixed: Any, level: int) -> int:
    """Append one term's posting list (``nblocks`` blocks of chunk ``c`` from block
    ``b``) to ``out`` as Whoosh's W3 format lays it out; return its size in bytes."""
    # Per block: start, end, last id, max weight, min/max length byte, and its weights as
    # stored (None: all 1.0; a float: all the same; _VARIES: a tuple).
    b_start, b_end, b_last, b_maxw, b_minb, b_maxb, b_weights = c.blocks
    deltas, weights, values = c.deltas, c.weights, c.values
    joined = fixed is not None and fixed > 0  # values stored as one bytes string
    out.append(internals.POSTINGS_MAGIC)
    size_total = len(internals.POSTINGS_MAGIC)
    for k in range(b, b + nblocks):
        s = b_start[k]
        e = b_end[k]
        mini_weights = b_weights[k]
        if e - s == 1:  # most blocks: a term in one document
            if fixed == 0:
                mini_values: Any = None
            else:
                value = values[s]
                mini_values = value if joined else ((value,) if value else ())
            ids: Any = (deltas[s],)
        else:
            if mini_weights is _VARIES:
                mini_weights = tuple(weights[s:e])
            if fixed == 0:
                mini_values = None
            else:
                present = values[s:e]
                if not all(present):
                    present = [v for v in present if v]
                mini_values = b"".join(present) if joined else tuple(present)
            ids = tuple(deltas[s:e])
        data = dumps((ids, mini_weights, mini_values), _DATA_PROTOCOL)
        comp = 0
        if len(data) >= _COMPRESS_FROM:
            comp = level
            data = zlib.compress(data, level)
        info = dumps((e - s, b_last[k], b_maxw[k], comp, b_minb[k], b_maxb[k]), 2)
        size = len(info) + len(data)
        out.append(pack_int(-size if k == b + nblocks - 1 else size))
        out.append(info)
        out.append(data)
        size_total += 4 + size
    return size_total


@dataclass
class _Chunk:
    """Some terms' postings and blocks as Python lists (see _SortedPostings.chunks)."""

    first_term: int
    terms: list[list[Any]]
    blocks: list[list[Any]]
    deltas: list[int]
    weights: list[float]
    values: list[bytes]


class _SortedPostings:
    """A writer's postings in the order they are written, with per-block and per-term
    statistics computed for all blocks and terms at once.

    numpy does here what a Python loop did per posting: the stable sort by term (documents
    stay in order), gathering ids, weights and values in that order, looking up the
    field lengths, and the reductions of each block (``ufunc.reduceat`` over the block
    starts) and of each term. What is left in Python is per block and per term: pickling,
    compressing and writing.
    """

    def __init__(self, writer: BulkSegmentWriter, rank: np.ndarray, limit: int) -> None:
        count = len(writer._post_terms)
        term_rank = rank[np.frombuffer(writer._post_terms, np.uint32)]
        writer._post_terms = array("I")
        order = np.argsort(term_rank, kind="stable")
        counts = np.bincount(term_rank, minlength=len(rank))
        del term_rank
        self.term_starts = np.zeros(len(counts) + 1, np.int64)
        np.cumsum(counts, out=self.term_starts[1:])
        doc_starts = np.frombuffer(writer._doc_starts, np.int64)
        per_doc = np.diff(doc_starts, append=count)
        docs = np.repeat(np.arange(len(doc_starts), dtype=np.uint32), per_doc)[order]
        writer._doc_starts = array("q")
        self.docs = docs
        weights = np.frombuffer(writer._post_weights, np.float64)[order]
        writer._post_weights = array("d")
        values = np.fromiter(writer._post_values, object, count)
        writer._post_values = []
        self.values = values[order]
        del values, order
        self.doc_count = len(doc_starts)

        # Blocks of `limit` postings: each term's postings cut from its start.
        t_blocks = (counts + (limit - 1)) // limit
        t_first_block = np.zeros(len(counts) + 1, np.int64)
        np.cumsum(t_blocks, out=t_first_block[1:])
        block_term = np.repeat(np.arange(len(counts)), t_blocks)
        b_start = self.term_starts[block_term] + limit * (
            np.arange(len(block_term)) - t_first_block[block_term]
        )
        b_end = np.minimum(b_start + limit, self.term_starts[block_term + 1])
        self.b_start, self.b_end = b_start, b_end
        self.t_first_block = t_first_block
        self.t_blocks = t_blocks
        self.counts = counts
        # Weights: the block's largest (of the weights as given), the sum of the weights
        # as Whoosh stores them (float32), and whether they are all 1.0 or all the same.
        weights32 = weights.astype(np.float32)
        self.weights32 = weights32
        # (Whoosh's largest weight starts from 0: 0 where no weight is positive.)
        self.b_maxw = np.maximum(np.maximum.reduceat(weights, b_start), 0)
        del weights
        b_sum = np.add.reduceat(weights32.astype(np.float64), b_start)
        self.b_one = np.logical_and.reduceat(weights32 == 1.0, b_start)
        self.b_first = weights32[b_start]
        self.b_same = np.logical_and.reduceat(
            weights32 == np.repeat(self.b_first, b_end - b_start), b_start
        )
        self.t_weight = np.add.reduceat(b_sum, t_first_block[:-1])
        self.t_maxw = np.maximum.reduceat(self.b_maxw, t_first_block[:-1])
        self.t_minid = docs[self.term_starts[:-1]]
        self.t_maxid = docs[self.term_starts[1:] - 1]

    def chunks(
        self, lengths: dict[int, int] | None, rank0: int, rank1: int, with_values: bool
    ) -> Iterator[_Chunk]:
        """The terms ranked ``rank0`` to ``rank1`` (one field's), a few at a time."""
        term_starts = self.term_starts
        first_block = self.t_first_block
        # The field's lengths (as length bytes) by document, then by posting.
        table = np.zeros(self.doc_count, np.uint16)
        if lengths:
            table[np.fromiter(lengths.keys(), np.int64, len(lengths))] = np.fromiter(
                lengths.values(), np.uint16, len(lengths)
            )
        rank = rank0
        while rank < rank1:
            # Terms up to _CHUNK postings (at least one term).
            end = int(np.searchsorted(term_starts, term_starts[rank] + _CHUNK, "right")) - 1
            end = min(max(end, rank + 1), rank1)
            p0, p1 = int(term_starts[rank]), int(term_starts[end])
            b0, b1 = int(first_block[rank]), int(first_block[end])
            docs = self.docs[p0:p1].astype(np.int64)
            b_start = self.b_start[b0:b1] - p0
            b_end = self.b_end[b0:b1] - p0
            # Ids as Whoosh's blocks store them: each block's first id, then differences.
            deltas = np.empty_like(docs)
            deltas[0] = docs[0]
            np.subtract(docs[1:], docs[:-1], out=deltas[1:])
            deltas[b_start] = docs[b_start]
            lens = table[docs]
            b_maxb = np.maximum.reduceat(lens, b_start)
            lens[lens == 0] = _NO_LENGTH
            b_minb = np.minimum.reduceat(lens, b_start)
            b_minb[b_minb == _NO_LENGTH] = 0
            t_first = first_block[rank:end] - b0
            t_minb = np.minimum.reduceat(np.where(b_minb == 0, _NO_LENGTH, b_minb), t_first)
            t_minb[t_minb == _NO_LENGTH] = 0
            t_maxb = np.maximum.reduceat(b_maxb, t_first)
            yield _Chunk(
                rank - rank0,
                [
                    self.counts[rank:end].tolist(),
                    self.t_blocks[rank:end].tolist(),
                    self.t_weight[rank:end].tolist(),
                    t_minb.tolist(),
                    t_maxb.tolist(),
                    self.t_maxw[rank:end].tolist(),
                    self.t_minid[rank:end].tolist(),
                    self.t_maxid[rank:end].tolist(),
                ],
                [
                    b_start.tolist(),
                    b_end.tolist(),
                    (docs[b_end - 1]).tolist(),
                    self.b_maxw[b0:b1].tolist(),
                    b_minb.tolist(),
                    b_maxb.tolist(),
                    [
                        None if one else (first if same else _VARIES)
                        for one, same, first in zip(
                            self.b_one[b0:b1].tolist(),
                            self.b_same[b0:b1].tolist(),
                            self.b_first[b0:b1].tolist(),
                            strict=True,
                        )
                    ],
                ],
                deltas.tolist(),
                self.weights32[p0:p1].tolist(),
                self.values[p0:p1].tolist() if with_values else [],
            )
            rank = end


# A block's weights are stored as a tuple (not all the same).
_VARIES: Any = object()


# The encoded frequency 1 (Frequency format).
_ONCE = pack_uint(1)
# Field kinds indexed without Whoosh's token stream (same terms, weights and values).
_POSITIONS, _FREQUENCY, _WHOLE, _MATCHES = "positions", "frequency", "whole", "matches"


def _kind(field: Any) -> str | None:
    """How :meth:`BulkSegmentWriter.add` indexes a field's str values (None: Whoosh's
    ``field.index``)."""
    fmt, analyzer = field.format, field.analyzer
    if hasattr(analyzer, "postings"):
        if type(fmt) is FastPositions:
            return _POSITIONS
        if type(fmt) is Frequency:
            return _FREQUENCY
    elif type(fmt) is Existence:
        if type(analyzer) is IDTokenizer:
            return _WHOLE
        # (findall gives whole matches when the expression has no groups)
        if (
            type(analyzer) is RegexTokenizer
            and not analyzer.gaps
            and not analyzer.expression.groups
        ):
            return _MATCHES
    return None


def _length_byte(length: int, _cache: dict[int, int] = {}) -> int:  # noqa: B006
    """``length_to_byte``, remembered."""
    found = _cache.get(length)
    if found is None:
        found = _cache[length] = length_to_byte(length)
    return found


# --- building a generation ------------------------------------------------------------------


def _writer_loop(
    storage: Any, schema: Any, batches: Iterable[list[Fields]], max_postings: int
) -> Iterator[Any]:
    """Yield the segments written from ``batches`` (a new one past ``max_postings``)."""
    writer: BulkSegmentWriter | None = None
    for batch in batches:
        for fields in batch:
            if writer is None:
                writer = BulkSegmentWriter(storage, schema)
            writer.add(fields)
            if writer.postings_count >= max_postings:
                yield writer.finish()
                writer = None
    if writer is not None:
        yield writer.finish()


def _child(folder: str, jobs: Any, results: Any, max_postings: int) -> None:
    storage = internals.file_storage(folder)
    schema = internals.read_schema(storage, INDEXNAME)

    def batches() -> Iterator[list[Fields]]:
        while True:
            batch = jobs.get()
            if batch is None:
                return
            yield batch

    try:
        results.put(("ok", list(_writer_loop(storage, schema, batches(), max_postings))))
    except BaseException as exc:  # reported to the parent, which raises it
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def build_segments(
    folder: str,
    schema: Any,
    documents: Iterable[Fields],
    *,
    procs: int = 1,
    on_document: Callable[[], None] | None = None,
    max_postings: int = MAX_POSTINGS,
) -> int:
    """Index ``documents`` (field dicts) into the empty Whoosh index in ``folder``.

    Writes the segments and a table of contents listing them; returns how many documents
    were indexed. ``on_document`` is called after each document this process handled or
    handed over. With ``procs=2`` a second process writes segments of its own.
    """
    storage = internals.file_storage(folder)
    done = 0
    if procs <= 1:

        def local() -> Iterator[list[Fields]]:
            nonlocal done
            for fields in documents:
                yield [fields]
                done += 1
                if on_document is not None:
                    on_document()

        segments = list(_writer_loop(storage, schema, local(), max_postings))
        internals.write_toc(storage, schema, segments, INDEXNAME)
        remove_temp(folder)
        return done

    ctx: Any = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    jobs = ctx.Queue(maxsize=2)
    results = ctx.Queue()
    child = ctx.Process(target=_child, args=(folder, jobs, results, max_postings), daemon=True)
    child.start()
    try:

        def shared() -> Iterator[list[Fields]]:
            # Fill a batch; hand it to the other process if it is ready for more, else
            # index it here.
            nonlocal done
            batch: list[Fields] = []
            for fields in documents:
                batch.append(fields)
                done += 1
                if on_document is not None:
                    on_document()
                if len(batch) >= BATCH:
                    try:
                        jobs.put_nowait(batch)
                    except queue.Full:
                        yield batch
                    batch = []
            if batch:
                yield batch

        segments = list(_writer_loop(storage, schema, shared(), max_postings))
        jobs.put(None)
        status, payload = results.get()
        if status != "ok":
            raise RuntimeError(f"the second indexing process failed: {payload}")
        child.join()
    finally:
        if child.is_alive():
            child.terminate()
            with contextlib.suppress(Exception):
                child.join(timeout=5)
    internals.write_toc(storage, schema, [*segments, *payload], INDEXNAME)
    remove_temp(folder)
    return done


def remove_temp(folder: str) -> None:
    """Remove the writers' temporary folder (per-document columns before assembly)."""
    shutil.rmtree(os.path.join(folder, f"{INDEXNAME}.tmp"), ignore_errors=True)
