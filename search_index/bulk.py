"""Building a new index fast: Whoosh's segment format, written without its posting pool.

Whoosh's ``SegmentWriter`` puts every posting (one per distinct term, field and document:
about 190 per material here) into a pool as a tuple, sorts the pool (spilling sorted
runs to disk past ``limitmb`` and merging them back with ``heapq``), then, for each
posting, reads the document's field length back from the column just written and adds
the posting through a method call full of type assertions. Profiling a rebuild of 10,000
materials: 17 s adding documents and 41 s committing them, ~4 ms per material in Whoosh
for ~0.3 ms of analysis.

:class:`BulkSegmentWriter` writes the same files through Whoosh's own codec writers
(per-document writer, term table, posting blocks), but keeps postings grouped by term as
they arrive (documents come in order, so each term's list is already sorted: only the
term keys are sorted, once), keeps field lengths in memory, and hands each posting
block of 128 to Whoosh's block writer in one go. The postings, term infos, lengths,
stored fields and columns it writes are byte-for-byte those of ``SegmentWriter`` (tested).

:func:`build_segments` feeds documents to one writer per process: with ``procs=2`` a
second process builds a second segment from the batches the first hands it while it is
free (so the process that also reads the documents gives away what it cannot keep up
with). A segment is closed and a new one started past ``max_postings`` postings, which
bounds memory. Used only to build a new generation, which nothing else writes to.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import queue
import shutil
import struct
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter, sub
from pickle import dumps
from typing import Any

from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC as _MAGIC
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, clean_files
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from search_index.analysis import FastPositions

#: A segment is closed past this many postings (bounds a writer's memory: ~60 bytes each).
MAX_POSTINGS = 12_000_000
#: Documents handed to the second process at a time.
BATCH = 200
INDEXNAME = "MAIN"

Fields = dict[str, Any]
# Blocks whose pickle is shorter are stored uncompressed (zlib would not shrink them).
_COMPRESS_FROM = 96
# The postings file is written in pieces of about this size.
_FLUSH_BYTES = 1 << 20
_HASH_LENGTHS = struct.Struct("!ii")
# Encoded single-position postings, by position (most postings have one).
_SINGLE_POSITIONS: dict[int, bytes] = {}


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
        self._term_ids: dict[str, dict[bytes, int]] = {}
        self._term_count = array("I")
        self._post_terms = array("I")
        self._post_docs = array("I")
        self._post_weights = array("d")
        self._post_values: list[bytes] = []
        # Field lengths as the lengths column gives them back (one byte, quantised).
        self._lengths: dict[str, dict[int, int]] = {}
        self._fields = {name: schema[name] for name in schema.names()}
        # Fields indexed through MaterialAnalyzer.postings (FastPositions.word_values).
        self._fast = {
            name
            for name, field in self._fields.items()
            if field.indexed
            and isinstance(field.format, FastPositions)
            and hasattr(field.analyzer, "postings")
        }

    def _items(
        self, name: str, field: Any, value: Any
    ) -> Iterator[tuple[bytes, int, float, bytes]]:
        if name not in self._fast or not isinstance(value, str):
            yield from field.index(value)
            return
        # FastPositions.word_values + FieldType.index, with single positions encoded once.
        boost = field.format.field_boost
        encode = field.format.encode
        single = _SINGLE_POSITIONS
        for term, (poslist, weight) in field.analyzer.postings(value).items():
            if len(poslist) == 1:
                pos = poslist[0]
                vbytes = single.get(pos)
                if vbytes is None:
                    vbytes = single[pos] = encode(poslist)
            else:
                vbytes = encode(poslist)
            yield term.encode("utf-8"), len(poslist), weight * boost, vbytes

    def add(self, fields: Fields) -> None:
        """Add one document (the keyword arguments of ``writer.add_document``)."""
        perdoc = self.perdoc
        docnum = self.docnum
        schema_fields = self._fields
        post_terms = self._post_terms
        post_docs = self._post_docs
        post_weights = self._post_weights
        post_values = self._post_values
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
                term_ids = self._term_ids.get(name)
                if term_ids is None:
                    term_ids = self._term_ids[name] = {}
                scorable = field.scorable
                count = 0
                for tbytes, freq, weight, vbytes in self._items(name, field, value):
                    if scorable:
                        length += freq
                    term = term_ids.get(tbytes)
                    if term is None:
                        term = term_ids[tbytes] = len(self._term_count)
                        self._term_count.append(0)
                    self._term_count[term] += 1
                    post_terms.append(term)
                    post_docs.append(docnum)
                    post_weights.append(weight)
                    post_values.append(vbytes)
                    count += 1
                self.postings_count += count
                if length:
                    lengths = self._lengths.get(name)
                    if lengths is None:
                        lengths = self._lengths[name] = {}
                    lengths[docnum] = byte_to_length(length_to_byte(length))
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
        # The postings by term (a stable sort: documents stay in order), then where each
        # term's postings start.
        starts = array("I", itertools.accumulate(self._term_count, initial=0))
        order = array("I", sorted(range(len(self._post_terms)), key=self._post_terms.__getitem__))
        self._post_terms = array("I")
        for name in sorted(self._term_ids):
            term_ids = self._term_ids.pop(name)
            self._write_field(fieldwriter, name, term_ids, starts, order)
        fieldwriter.close()
        self._post_docs, self._post_weights, self._post_values = array("I"), array("d"), []
        self._lengths.clear()
        self.segment.create_compound_file(self.storage)
        return self.segment

    def _write_field(
        self,
        fieldwriter: Any,
        name: str,
        term_ids: dict[bytes, int],
        starts: array,
        order: array,
    ) -> None:
        # What FieldWriter.add_postings, W3PostingsWriter, W3TermInfo and the term table's
        # OrderedHashWriter do one posting and one call at a time, a term at a time, with
        # the postings file written in large pieces: the same terms, statistics and
        # blocks. One difference: a block whose pickle is too small to gain from zlib is
        # stored uncompressed (its header says so, as Whoosh's format provides).
        field = self._fields[name]
        fixed = field.format.fixed_value_size()
        lengths = self._lengths.get(name, {})
        fieldwriter.start_field(name, field)
        prefix = pack_ushort(fieldwriter._fieldid)
        postfile = fieldwriter._postfile
        offset = postfile.tell()
        out: list[bytes] = []
        buffered = 0
        tindex = fieldwriter._tindex
        tfile = tindex.dbfile
        tfile_write = tfile.write
        term_offsets = tindex.index.append
        buckets = tindex.buckets
        hashfn = tindex.hashfn
        pack_lengths = _HASH_LENGTHS.pack
        limit = self.codec._blocklimit
        level = self.codec._compression
        pack_info = W3TermInfo._struct.pack
        lbyte = _length_byte
        last_key = tindex.lastkey
        docs_of = self._post_docs
        weights_of = self._post_weights
        values_of = self._post_values
        for tbytes in sorted(term_ids):
            term = term_ids[tbytes]
            first_post, end_post = starts[term], starts[term + 1]
            n = end_post - first_post
            if n == 1:
                k = order[first_post]
                ids: Any = (docs_of[k],)
                weights: Any = (weights_of[k],)
                values: Any = (values_of[k],)
            else:
                pick = itemgetter(*order[first_post:end_post])
                ids = pick(docs_of)
                weights = pick(weights_of)
                values = pick(values_of)
            start_offset = offset
            out.append(_MAGIC)
            size_total = 4
            total_weight = 0.0
            t_minlength: int | None = None
            t_maxlength = 0
            t_maxweight = 0.0
            for start in range(0, n, limit):
                if n == 1:
                    block_ids: Any = ids
                    raw_weights: Any = weights
                    deltas: Any = ids
                    maxlength = lengths.get(ids[0], 0)
                    minlength = maxlength or None
                else:
                    block_ids = ids[start : start + limit]
                    raw_weights = weights[start : start + limit]
                    deltas = tuple(map(sub, block_ids, (0, *block_ids[:-1])))
                    lens = [lengths.get(d, 0) for d in block_ids]
                    nonzero = [x for x in lens if x]
                    minlength = min(nonzero) if nonzero else None
                    maxlength = max(0, max(lens))
                block_weights = array("f", raw_weights)
                count = len(block_weights)
                maxweight = max(0, max(raw_weights))
                # _mini_ids, _mini_weights, _mini_values
                first = block_weights[0]
                if block_weights.count(1.0) == count:
                    mini_weights: Any = None
                elif block_weights.count(first) == count:
                    mini_weights = first
                else:
                    mini_weights = tuple(block_weights)
                if fixed == 0:
                    mini_values: Any = None
                else:
                    present = values[start : start + limit]
                    if not all(present):
                        present = [v for v in present if v]
                    if fixed is None or fixed < 0:
                        mini_values = tuple(present)
                    else:
                        mini_values = b"".join(present)
                data = dumps((deltas, mini_weights, mini_values), 2)
                comp = level if len(data) >= _COMPRESS_FROM else 0
                if comp:
                    data = zlib.compress(data, comp)
                info = dumps(
                    (
                        len(block_ids),
                        block_ids[-1],
                        maxweight,
                        comp,
                        lbyte(minlength),
                        lbyte(maxlength),
                    ),
                    2,
                )
                size = len(info) + len(data)
                out.append(pack_int(-size if start + limit >= n else size))
                out.append(info)
                out.append(data)
                size_total += 4 + size
                # W3TermInfo.add_block
                total_weight += sum(block_weights)
                if t_minlength is None:
                    t_minlength = minlength
                elif minlength is not None:
                    t_minlength = min(t_minlength, minlength)
                if maxlength > t_maxlength:
                    t_maxlength = maxlength
                if maxweight > t_maxweight:
                    t_maxweight = maxweight
            offset += size_total
            buffered += size_total
            if buffered > _FLUSH_BYTES:
                postfile.write(b"".join(out))
                out.clear()
                buffered = 0
            terminfo = (
                pack_info(
                    0,
                    total_weight,
                    n,
                    0 if t_minlength is None else lbyte(t_minlength),
                    lbyte(t_maxlength),
                    t_maxweight,
                    ids[0],
                    ids[-1],
                )
                + pack_long(start_offset)
                + pack_int(size_total)
            )
            # OrderedHashWriter.add
            key = prefix + tbytes
            if key <= last_key:
                raise ValueError(f"terms out of order: {last_key!r}..{key!r}")
            last_key = key
            pos = tfile.tell()
            term_offsets(pos)
            tfile_write(pack_lengths(len(key), len(terminfo)) + key + terminfo)
            h = hashfn(key)
            buckets[h & 255].append((h, pos))
        postfile.write(b"".join(out))
        tindex.lastkey = last_key
        fieldwriter.finish_field()


def _length_byte(length: int | None, _cache: dict[int | None, int] = {}) -> int:  # noqa: B006
    """``length_to_byte``, remembered."""
    found = _cache.get(length)
    if found is None:
        found = _cache[length] = length_to_byte(length)
    return found


def write_toc(storage: Any, schema: Any, segments: list[Any], indexname: str = INDEXNAME) -> None:
    """Make ``segments`` the index's content (a new table of contents)."""
    generation = TOC._latest_generation(storage, indexname) + 1
    TOC(schema, segments, generation).write(storage, indexname)
    clean_files(storage, indexname, generation, segments)


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
    storage = FileStorage(folder)
    schema = TOC.read(storage, INDEXNAME).schema

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
    storage = FileStorage(folder)
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
        write_toc(storage, schema, segments)
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
    write_toc(storage, schema, [*segments, *payload])
    remove_temp(folder)
    return done


def remove_temp(folder: str) -> None:
    """Remove the writers' temporary folder (per-document columns before assembly)."""
    shutil.rmtree(os.path.join(folder, f"{INDEXNAME}.tmp"), ignore_errors=True)
