"""BM25F with each segment's field lengths read once, not once per scored posting.

Whoosh's BM25F scorer asks the segment for a document's field length for every posting
it scores: a column lookup through three layers of Python and a file read (~6 µs). A
two-word search over 100,000 materials scores a few thousand postings, and profiling put
those lookups at about a tenth of its time. A segment never changes once written, so its
lengths (one byte per document and field, as Whoosh quantises them) are read in one go
the first time a search scores that field, and kept with the segment's other caches.
Scores are Whoosh's to the last bit (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.numeric import byte_to_length

from search_index import whoosh_internals as internals

# Field length by its stored byte (byte 0: none stored, which Whoosh reports as None).
_LENGTH_OF_BYTE: tuple[int | None, ...] = (None, *(byte_to_length(b) for b in range(1, 256)))

LengthsLookup = Callable[[Any, str], Sequence[int | None] | None]


def segment_lengths(segment_reader: Any, fieldname: str) -> Sequence[int | None] | None:
    """Every document's length of ``fieldname`` in one segment (None: no lengths stored)."""
    count = segment_reader.doc_count_all()
    try:
        raw = internals.length_bytes(segment_reader, fieldname)
    except AttributeError:  # not a W3 segment: ask document by document
        return [segment_reader.doc_field_length(d, fieldname, 1) for d in range(count)]
    if raw is None:
        return None
    table = _LENGTH_OF_BYTE
    lengths = [table[b] for b in raw]
    lengths.extend([None] * (count - len(lengths)))  # trailing zero bytes are not written
    return lengths


class CachedLengthsBM25F(BM25F):
    """Whoosh's BM25F, its lengths from ``lengths(segment_reader, fieldname)``."""

    def __init__(self, lengths: LengthsLookup, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lengths = lengths

    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: int = 1) -> Any:
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer) and searcher.reader().is_atomic():
            lengths = self._lengths(searcher.reader(), fieldname)
            if lengths is not None:
                internals.use_lengths(scorer, lengths.__getitem__)
        return scorer
