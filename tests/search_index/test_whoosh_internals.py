"""Whoosh's private parts that search_index uses are still there and still mean the same.

Each test names one piece of :mod:`search_index.whoosh_internals`: a Whoosh upgrade that
renames or changes it fails here, loudly, rather than in searches.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.codec import default_codec, whoosh3
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.matching import ReadTooFar
from whoosh.scoring import BM25F

from search_index import whoosh_internals as internals

#: This process's folder for the temporary files of indexes in memory (removed at exit).
_TEMPORARY = tempfile.TemporaryDirectory(prefix="hub-test-whoosh-")


class _RamStorage(RamStorage):
    """Whoosh's storage in memory, with its temporary files in this process's folder: Whoosh
    puts them in a folder named after the index in the system's (``/tmp/MAIN.tmp``), which
    two test workers shared and deleted under each other's writers."""

    def temp_storage(self, name: str | None = None) -> Any:
        return FileStorage(os.path.join(_TEMPORARY.name, name or "tmp")).create()


def _ram_index(docs: list[dict[str, Any]], schema: Schema | None = None) -> Any:
    ix = _RamStorage().create_index(schema or Schema(word=ID, text=TEXT, n=NUMERIC(stored=True)))
    with ix.writer() as writer:
        for doc in docs:
            writer.add_document(**doc)
    return ix


@pytest.fixture()
def small() -> Iterator[Any]:
    ix = _ram_index(
        [
            {"word": "x" if n % 3 else "y", "text": "fever " * (n % 5 + 1), "n": n}
            for n in range(300)
        ]
    )
    yield ix
    ix.close()


# --- the patch ----------------------------------------------------------------------------


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter (a process where nothing was patched yet)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return done.stdout.strip()


def test_importing_search_index_leaves_whoosh_untouched() -> None:
    out = _run(
        """
        import search_index, search_index.index, search_index.bulk
        from search_index import whoosh_internals
        from whoosh.codec.whoosh3 import W3LeafMatcher
        print(W3LeafMatcher.skip_to is whoosh_internals.WHOOSH_SKIP_TO)
        """
    )
    assert out == "True"


def test_opening_an_index_installs_the_patch_once_and_searches_are_right(tmp_path: Path) -> None:
    out = _run(
        f"""
        from search_index import open_index, whoosh_internals
        from tests.search_index.factories import PUBLIC, make_material
        from whoosh.codec.whoosh3 import W3LeafMatcher
        with open_index({str(tmp_path / "ix")!r}) as index:
            first = W3LeafMatcher.skip_to
            whoosh_internals.install()
            with open_index({str(tmp_path / "ix")!r}):
                pass
            index.apply([make_material(id=f"m{{n}}", title=f"malaria {{n}}" if n % 2
                          else f"dengue {{n}}") for n in range(400)], [])
            hits = index.search("malaria", person_tokens=PUBLIC, page_size=100)
            print(first is whoosh_internals.skip_to, W3LeafMatcher.skip_to is first, hits.total)
        """
    )
    assert out == "True True 200"


def _matcher(docs: list[int]) -> tuple[Any, Any]:
    """The posting list of one term present in exactly the documents ``docs``."""
    ix = _ram_index([{"word": "x" if n in docs else "y"} for n in range(max(docs) + 1)])
    matcher = ix.searcher().postings("word", "x")
    assert type(matcher) is whoosh3.W3LeafMatcher
    return matcher, ix


def _walk(skip: Callable[[Any, int], None], docs: list[int], targets: list[int]) -> list[Any]:
    matcher, ix = _matcher(docs)
    seen: list[Any] = []
    try:
        for target in targets:
            try:
                skip(matcher, target)
            except ReadTooFar:
                seen.append("too far")
                break
            seen.append(matcher.id() if matcher.is_active() else "end")
    finally:
        ix.close()
    return seen


@settings(max_examples=60, deadline=None)
@given(
    docs=st.sets(st.integers(0, 700), min_size=1, max_size=400).map(sorted),
    steps=st.lists(st.integers(0, 300), min_size=1, max_size=40),
)
def test_skip_to_ends_where_whooshs_does(docs: list[int], steps: list[int]) -> None:
    # Targets only grow, as a matcher is asked; posting lists span several 128-posting blocks.
    targets = [sum(steps[: i + 1]) for i in range(len(steps))]
    assert _walk(internals.skip_to, docs, targets) == _walk(internals.WHOOSH_SKIP_TO, docs, targets)


def test_the_leaf_matcher_has_what_skip_to_reads() -> None:
    matcher, ix = _matcher(list(range(0, 600, 2)))
    for name in ("_atend", "_i", "_blocklength", "_ids", "_maxid", "_lastblock", "_nextoffset"):
        assert hasattr(matcher, name), name
    assert callable(matcher._read_ids) and callable(matcher._goto)
    ix.close()


# --- reading ------------------------------------------------------------------------------


def test_length_bytes_are_the_segments_field_lengths(small: Any) -> None:
    from whoosh.util.numeric import byte_to_length

    reader = small.reader()
    raw = internals.length_bytes(reader, "text")
    assert raw is not None
    assert [byte_to_length(b) for b in raw] == [
        reader.doc_field_length(d, "text") for d in range(len(raw))
    ]
    assert internals.length_bytes(reader, "nosuchfield") is None


def test_bm25f_scorer_reads_lengths_from_dfl(small: Any) -> None:
    with small.searcher() as searcher:
        scorer = BM25F().scorer(searcher, "text", "fever")
        internals.use_lengths(scorer, lambda docnum: 1000)
        matcher = searcher.reader().postings("text", "fever")
        # Much longer documents score lower: the lookup set is the one used.
        assert scorer.score(matcher) < BM25F().scorer(searcher, "text", "fever").score(matcher)


def test_deleted_docnums_lists_deleted_documents(small: Any) -> None:
    with small.writer() as writer:
        writer.delete_by_term("n", 7)
        writer.delete_by_term("n", 11)
    assert internals.deleted_docnums(small.reader()) == {7, 11}


def test_and_maybe_uses_the_fixed_matcher(small: Any) -> None:
    query = internals.AndMaybe(wq.Term("word", "x"), wq.Term("text", "fever"))
    with small.searcher() as searcher:
        matcher = query.matcher(searcher)
        assert isinstance(matcher, internals.AndMaybeMatcher)
        assert hasattr(matcher, "a") and hasattr(matcher, "b")


def test_mapped_storage_reads_an_index(tmp_path: Path) -> None:
    import whoosh.index

    ix = whoosh.index.create_in(str(tmp_path), Schema(word=ID(stored=True)))
    with ix.writer() as writer:
        writer.add_document(word="x")
    mapped = whoosh.index.FileIndex(internals.MappedFileStorage(tmp_path))
    with mapped.searcher() as searcher:
        assert [hit["word"] for hit in searcher.search(wq.Term("word", "x"))] == ["x"]


# --- writing ------------------------------------------------------------------------------


def test_codec_layout_is_the_one_bulk_writes() -> None:
    assert internals.POSTINGS_MAGIC == b"W3Bl"
    assert whoosh3.W3TermInfo._struct.format == "!BfIBBfII"
    assert internals.codec_limits(default_codec()) == (128, 3)
    info = whoosh3.W3TermInfo.from_bytes(internals.term_info(2.5, 3, 1, 9, 1.5, 4, 40, 77, 123))
    assert (info.weight(), info.doc_frequency(), info.min_id(), info.max_id()) == (2.5, 3, 4, 40)
    offset, length = info.extent()
    assert offset == 77 and length in (123, (123,))  # 2.7.5 leaves the length in a tuple


def test_field_writer_has_what_field_table_uses(tmp_path: Path) -> None:
    storage = internals.file_storage(str(tmp_path))
    codec = default_codec()
    segment = codec.new_segment(storage, "MAIN")
    fieldwriter = codec.field_writer(storage, segment)
    table = internals.FieldTable(fieldwriter, "word", ID())
    tindex = fieldwriter._tindex
    for name in ("dbfile", "buckets", "hashfn", "lastkey", "index", "directory"):
        assert hasattr(tindex, name), name
    assert hasattr(tindex.index, "array") and callable(tindex.index._retype)
    assert callable(tindex._write_hashes)
    table.finish()
    internals.fast_hash_tables(fieldwriter)
    fieldwriter.close()


def test_write_toc_makes_segments_the_content(tmp_path: Path) -> None:
    import whoosh.index

    schema = Schema(word=ID(stored=True))
    ix = whoosh.index.create_in(str(tmp_path), schema)
    with ix.writer() as writer:
        writer.add_document(word="x")
    storage = internals.file_storage(str(tmp_path))
    segments = ix._segments()
    internals.write_toc(storage, schema, segments, "MAIN")
    assert internals.read_schema(storage, "MAIN").names() == ["word"]
    assert whoosh.index.open_dir(str(tmp_path)).latest_generation() == 2
