"""Document sets as Python integers used as bitsets, cached per index segment.

Facet counts must cover exactly the documents a person may see that match the query and
the other filters, for every facet field, on every search, including browsing with no
search words (half the corpus). Counting that with Whoosh's facet collectors reads every
matching document's values in Python. Here every (field, value) term is turned once into
a bitset over document numbers, and counting becomes ``(matched & term).bit_count()``:
a few microseconds per facet value, in C, whatever the number of matches.

Whoosh segments are immutable apart from deletions, so a term's bitset is cached per
segment (by segment id) and survives commits that add new segments; deletions are applied
with a ``live`` bitset computed for each reader. A reader's bitset for a term is the
segments' bitsets shifted by their document offsets.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from whoosh.reading import IndexReader

from search_index.analysis import stemming_languages
from search_index.documents import FACETS
from search_index.schema import (
    FACETS_FIELD,
    KEY_FIELD,
    POPULARITY_FIELD,
    PUBLISHED_FIELD,
    TEXT_FIELDS,
    facet_term,
)
from search_index.scoring import segment_lengths
from search_index.whoosh_internals import deleted_docnums

SORT_FIELDS = {"newest": PUBLISHED_FIELD, "most_used": POPULARITY_FIELD}

_NONZERO = re.compile(rb"[^\x00]")


def bits_from_docnums(docnums: Iterable[int], size: int) -> int:
    """A bitset with the given document numbers set."""
    buf = bytearray((size + 7) // 8)
    for d in docnums:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def iter_docnums(bits: int) -> Iterator[int]:
    """The document numbers set in ``bits``, in increasing order."""
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    # Skip the zero bytes in C: sparse sets cost in proportion to their members.
    for match in _NONZERO.finditer(data):
        base = match.start() << 3
        byte = data[match.start()]
        while byte:
            low = byte & -byte
            yield base + low.bit_length() - 1
            byte ^= low


class Membership:
    """Fast ``docnum in set`` tests for a bitset (indexing bytes, not shifting an int)."""

    __slots__ = ("_data",)

    def __init__(self, bits: int, size: int) -> None:
        self._data = bits.to_bytes((size + 7) // 8 + 1, "little")

    def __contains__(self, docnum: int) -> bool:
        return bool(self._data[docnum >> 3] >> (docnum & 7) & 1)


class SegmentCache:
    """Bitsets of one segment's terms, by (field, value), its sort keys and its field
    lengths (for scoring), by field; valid for the segment's life (deletions are applied
    separately)."""

    def __init__(self) -> None:
        self.terms: dict[tuple[str, str], int] = {}
        self.keys: dict[str, list[int]] = {}
        self.lengths: dict[str, Sequence[int | None] | None] = {}


def cached_lengths(
    segment_caches: dict[str, SegmentCache], segment_reader: Any, fieldname: str
) -> Sequence[int | None] | None:
    """The field lengths of one segment, read once per segment and field."""
    cache = segment_caches.get(segment_reader.segment().segment_id())
    if cache is None:  # a segment this index's readers no longer list
        return segment_lengths(segment_reader, fieldname)
    if fieldname not in cache.lengths:
        cache.lengths[fieldname] = segment_lengths(segment_reader, fieldname)
    return cache.lengths[fieldname]


class ReaderState:
    """What searches need from one open reader, computed lazily and cached.

    ``segment_caches`` is shared between the states of successive readers of one index,
    keyed by segment id, so a commit only costs bitsets for its new segment.
    """

    def __init__(self, reader: IndexReader, segment_caches: dict[str, SegmentCache]) -> None:
        self.reader = reader
        self.size = reader.doc_count_all()
        self._leaves: list[tuple[Any, int, SegmentCache]] = []
        for leaf, offset in reader.leaf_readers():
            if leaf.segment() is None:  # the EmptyReader of an index with no segment
                continue
            segid = leaf.segment().segment_id()
            cache = segment_caches.get(segid)
            if cache is None:
                cache = segment_caches[segid] = SegmentCache()
            self._leaves.append((leaf, offset, cache))
        # Drop caches of segments that merges have removed.
        current = {leaf.segment().segment_id() for leaf, _, _ in self._leaves}
        for segid in list(segment_caches):
            if segid not in current:
                del segment_caches[segid]
        self._offsets = [offset for _, offset, _ in self._leaves]
        self._key_columns: dict[int, Any] = {}
        self._terms: dict[tuple[str, str], int] = {}
        self._values: dict[str, list[str]] = {}
        self._orders: dict[str, list[int]] = {}
        self._keys: dict[str, list[int]] = {}
        self.live = self._live_bits()
        self.live_count = self.live.bit_count()
        self.languages, self.has_neutral = self._languages()

    def _live_bits(self) -> int:
        bits = (1 << self.size) - 1
        for leaf, offset, _ in self._leaves:
            if leaf.has_deletions():
                deleted = bits_from_docnums(deleted_docnums(leaf), leaf.doc_count_all())
                bits &= ~(deleted << offset)
        return bits

    def _languages(self) -> tuple[tuple[str, ...], bool]:
        # The stemming languages present, and whether some material has none: a query word
        # is turned into terms for these only (other languages' terms cannot match, and
        # would only add cross-language noise).
        return stemming_languages(self.values("languages"))

    def term(self, field: str, value: str) -> int:
        """The bitset of documents with ``value`` in ``field`` (deleted ones may remain:
        combine with :attr:`live`)."""
        key = (field, value)
        bits = self._terms.get(key)
        if bits is None:
            bits = 0
            for leaf, offset, cache in self._leaves:
                seg_bits = cache.terms.get(key)
                if seg_bits is None:
                    seg_bits = self._segment_term(leaf, field, value)
                    cache.terms[key] = seg_bits
                bits |= seg_bits << offset
            self._terms[key] = bits
        return bits

    @staticmethod
    def _segment_term(leaf: Any, field: str, value: str) -> int:
        if (field, value) not in leaf:
            return 0
        matcher = leaf.postings(field, value)
        return bits_from_docnums(matcher.all_ids(), leaf.doc_count_all())

    def any_of(self, field: str, values: Iterable[str]) -> int:
        """Documents with at least one of ``values`` in ``field``."""
        bits = 0
        for value in values:
            bits |= self.term(field, value)
        return bits

    def facet(self, facet: str, value: str) -> int:
        """Documents with ``value`` in facet ``facet``."""
        return self.term(FACETS_FIELD, facet_term(facet, value))

    def any_facet(self, facet: str, values: Iterable[str]) -> int:
        """Documents with at least one of ``values`` in facet ``facet``."""
        bits = 0
        for value in values:
            bits |= self.facet(facet, value)
        return bits

    def values(self, facet: str) -> list[str]:
        """Every value indexed in ``facet`` (some may only be on deleted documents)."""
        found = self._values.get(facet)
        if found is None:
            prefix = facet_term(facet, "")
            found = [
                (v.decode("utf-8") if isinstance(v, bytes) else v)[len(prefix) :]
                for v in self.reader.expand_prefix(FACETS_FIELD, prefix)
            ]
            self._values[facet] = found
        return found

    def sort_keys(self, field: str) -> list[int]:
        """The column value of every document number (deleted ones included)."""
        keys = self._keys.get(field)
        if keys is None:
            keys = []
            for leaf, _, cache in self._leaves:
                seg_keys = cache.keys.get(field)
                if seg_keys is None:
                    column = leaf.column_reader(field)
                    seg_keys = cache.keys[field] = list(column)
                keys.extend(seg_keys)
            self._keys[field] = keys
        return keys

    def order(self, field: str) -> list[int]:
        """Document numbers by ``field`` descending (ties: lower document number first)."""
        order = self._orders.get(field)
        if order is None:
            keys = self.sort_keys(field)
            order = sorted(range(self.size), key=lambda d: (-keys[d], d))
            self._orders[field] = order
        return order

    def doc_id(self, docnum: int) -> str:
        """The material id of a document number (from the ``key`` column)."""
        index = bisect.bisect_right(self._offsets, docnum) - 1
        leaf, offset, _ = self._leaves[index]
        column = self._key_columns.get(index)
        if column is None:
            column = self._key_columns[index] = leaf.column_reader(KEY_FIELD)
        raw: bytes = column[docnum - offset]
        return raw.decode("utf-8").partition("\x1f")[0]

    def warm(self) -> None:
        """Compute every facet value's bitset and the sort keys now rather than on the
        first searches that need them (about a second at 100,000 materials)."""
        for facet in FACETS:
            for value in self.values(facet):
                self.facet(facet, value)
        for field in SORT_FIELDS.values():
            self.sort_keys(field)
        for leaf, _offset, cache in self._leaves:
            for fieldname in TEXT_FIELDS:
                if fieldname not in cache.lengths:
                    cache.lengths[fieldname] = segment_lengths(leaf, fieldname)

    def top_by(self, field: str, bits: int, count: int, limit: int) -> list[int]:
        """The first ``limit`` documents of ``bits`` (which has ``count`` members) by
        ``field`` descending."""
        if limit <= 0 or not bits:
            return []
        keys = self.sort_keys(field)
        if count <= 4 * limit or count * 20 < self.size:
            # Few members: list them and pick the top.
            return heapq.nsmallest(limit, iter_docnums(bits), key=lambda d: (-keys[d], d))
        # Many members: walk the precomputed order and stop once enough are found.
        member = Membership(bits, self.size)
        found: list[int] = []
        for d in self.order(field):
            if d in member:
                found.append(d)
                if len(found) == limit:
                    break
        return found
