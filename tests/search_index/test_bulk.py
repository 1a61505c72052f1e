"""The bulk segment writer writes what Whoosh's own writer writes, in fewer steps."""

from __future__ import annotations

import io
import pickle
import random
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Any

import whoosh.index
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.formats import Positions

from search_index import bulk, rebuild
from search_index.analysis import LANGS_END, FastPositions, MaterialAnalyzer, material_value
from search_index.schema import build_schema, to_fields
from tests.search_index.factories import PUBLIC, make_material

WORDS = [
    "malaria",
    "anémie",
    "paludisme",
    "niños",
    "Kinder",
    "children",
    "fever",
    "fièvre",
    "diagnosis",
    "diagnóstico",
    "maternal",
    "health",
    "santé",
    "saúde",
    "vaccine",
    "vacunas",
    "treatment",
    "tratamiento",
    "surgery",
    "chirurgie",
    "3.5",
    "e.g.",
    "dengue",
    "tuberculosis",
    "VIH",
    "HIV",
    "kidney",
    "rein",
    "Niere",
    "lung",
    "poumon",
    "pulmão",
]


def _corpus(n: int) -> list[dict[str, Any]]:
    rnd = random.Random(5)
    docs = []
    for i in range(n):
        lang = rnd.choice(["en", "fr", "es", "pt", "de", "sw"])
        docs.append(
            make_material(
                id=f"d{i}",
                # Words of one material only: posting lists of one.
                title=" ".join([f"only{i}", *rnd.choices(WORDS, k=rnd.randint(1, 6))]),
                summary=" ".join(rnd.choices(WORDS, k=rnd.randint(0, 20))),
                topics=[" ".join(rnd.choices(WORDS, k=2)) for _ in range(rnd.randint(0, 2))],
                # Long enough for posting lists of several blocks (128 postings each).
                body=" ".join(rnd.choices(WORDS, k=rnd.randint(0, 300))),
                language=lang,
                languages=[lang, *(["en"] if rnd.random() < 0.2 else [])],
                access_tokens=rnd.sample(["public", "consortium", "school:s1", "region:014"], 2),
                popularity=rnd.randint(0, 50),
            )
        )
    return [to_fields(d) for d in docs]


def _blocks(data: bytes, offset: int, length: int) -> list[tuple[Any, Any]]:
    """The decoded blocks of one posting list: (block info, (ids, weights, values)).

    The block info without its compression level: the bulk writer leaves blocks too
    small to gain from zlib uncompressed."""
    stream = io.BytesIO(data[offset : offset + length])
    assert stream.read(4) == b"W3Bl"
    blocks = []
    while True:
        (size,) = struct.unpack("!i", stream.read(4))
        start = stream.tell()
        info = pickle.load(stream)
        raw = stream.read(abs(size) - (stream.tell() - start))
        decoded = pickle.loads(zlib.decompress(raw) if info[3] else raw)
        blocks.append((info[:3] + info[4:], decoded))
        if size < 0:
            return blocks


def _segment_contents(folder: Path) -> dict[str, Any]:
    ix = whoosh.index.open_dir(str(folder))
    [segment] = ix._segments()
    files = segment.open_compound_file(ix.storage)
    raw = {name.replace(segment.segid, ""): files.open_file(name).read() for name in files.list()}
    reader = ix.reader()
    postings = {}
    for fieldname, tbytes in reader.all_terms():
        info = reader.term_info(fieldname, tbytes)
        stats = (
            info.weight(),
            info.doc_frequency(),
            info.min_length(),
            info.max_length(),
            info.max_weight(),
            info.min_id(),
            info.max_id(),
        )
        offset, length = info.extent()
        if isinstance(length, tuple):  # Whoosh's from_bytes leaves it a 1-tuple
            length = length[0]
        postings[(fieldname, tbytes)] = (stats, _blocks(raw["MAIN_.pst"], offset, length))
    reader.close()
    return {
        "files": {k: v for k, v in raw.items() if not k.endswith((".pst", ".trm"))},
        "postings": postings,
        "doc_count": segment.doc_count_all(),
        "field_lengths": segment._fieldlengths,
    }


def _build_both(folder: Path, docs: list[dict[str, Any]]) -> tuple[Any, Any]:
    """The segment contents written by Whoosh's writer and by the bulk writer."""
    whoosh_dir, bulk_dir = folder / "whoosh", folder / "bulk"
    whoosh_dir.mkdir()
    bulk_dir.mkdir()
    ix = whoosh.index.create_in(str(whoosh_dir), build_schema())
    with ix.writer() as writer:
        for fields in docs:
            writer.add_document(**fields)
    schema = build_schema()
    whoosh.index.create_in(str(bulk_dir), schema)
    assert bulk.build_segments(str(bulk_dir), schema, iter(docs)) == len(docs)
    return _segment_contents(whoosh_dir), _segment_contents(bulk_dir)


def test_bulk_segment_matches_whooshs_writer(tmp_path: Path) -> None:
    docs = _corpus(400)
    bulk_dir = tmp_path / "bulk"
    expected, actual = _build_both(tmp_path, docs)
    # Stored fields, columns and lengths: the same bytes.
    assert actual["files"] == expected["files"]
    assert actual["doc_count"] == expected["doc_count"] == 400
    assert actual["field_lengths"] == expected["field_lengths"]
    # Terms, term statistics, and every posting block (info and decoded contents).
    assert actual["postings"].keys() == expected["postings"].keys()
    assert any(len(blocks) > 1 for _, blocks in expected["postings"].values())
    assert any(stats[1] == 1 for stats, _ in expected["postings"].values())
    assert actual["postings"] == expected["postings"]
    assert sorted(p.name for p in bulk_dir.iterdir() if p.suffix == ".toc") == ["_MAIN_1.toc"]
    assert not (bulk_dir / "MAIN.tmp").exists()


def test_small_segments_and_two_processes_find_the_same(index_path: Path, tmp_path: Path) -> None:
    docs = [
        make_material(id=f"d{n}", title="Malaria" if n % 3 else "Dengue fever", body="x " * n)
        for n in range(700)
    ]
    schema = build_schema()
    folder = tmp_path / "small"
    folder.mkdir()
    whoosh.index.create_in(str(folder), schema)
    bulk.build_segments(str(folder), schema, (to_fields(d) for d in docs), max_postings=2_000)
    ix = whoosh.index.open_dir(str(folder))
    assert len(ix._segments()) > 3
    assert ix.doc_count() == 700

    with rebuild(index_path, docs, position=1, procs=2) as index:
        assert index.search("malaria", person_tokens=PUBLIC).total == 466
        assert index.search('"dengue fever"', person_tokens=PUBLIC).total == 234
        assert len(index.fingerprints()) == 700


def test_long_posting_lists_match_whooshs_writer(tmp_path: Path) -> None:
    # Terms in every document (5 blocks of up to 128): weights all 1.0 (body), all
    # equal but not 1.0 (title), mixed (title in some documents, body in others), and
    # a term repeated within documents.
    docs = [
        to_fields(
            make_material(
                id=f"d{i}",
                title="malaria" + (" fever" if i % 3 else ""),
                body=" ".join(["children"] * (1 + i % 4) + (["fever"] if i % 5 else [])),
                language=["en", "fr"][i % 2],
            )
        )
        for i in range(600)
    ]
    expected, actual = _build_both(tmp_path, docs)
    assert actual["postings"] == expected["postings"]
    assert actual["files"] == expected["files"]
    assert actual["field_lengths"] == expected["field_lengths"]
    weights = [block[1][1] for _, blocks in expected["postings"].values() for block in blocks]
    assert None in weights and 4.0 in weights and any(type(w) is tuple for w in weights)
    assert max(stats[1] for stats, _ in expected["postings"].values()) == 600


_words = st.sampled_from(WORDS)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(_words, min_size=0, max_size=5),
            st.lists(_words, min_size=0, max_size=40),
            st.sampled_from(["en", "fr", "de", "sw"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_any_small_corpus_matches_whooshs_writer(spec: list[Any]) -> None:
    docs = [
        to_fields(
            make_material(
                id=f"d{i}",
                title=" ".join(title) or "x",
                body=" ".join(body),
                language=lang,
            )
        )
        for i, (title, body, lang) in enumerate(spec)
    ]
    with tempfile.TemporaryDirectory() as folder:
        expected, actual = _build_both(Path(folder), docs)
    assert actual == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["en", "fr", "de", "ru"]), max_size=2, unique=True),
    st.lists(st.lists(_words, max_size=12).map(" ".join), min_size=1, max_size=4),
    st.booleans(),
)
def test_fast_postings_equal_whooshs_token_stream(
    langs: list[str], parts: list[str], weighted: bool
) -> None:
    value = material_value(langs, parts)
    assert LANGS_END in value
    analyzer = MaterialAnalyzer(weighted)
    fast = FastPositions(field_boost=1.5)
    whooshs = sorted(Positions.word_values(fast, value, analyzer))
    assert sorted(fast.word_values(value, analyzer)) == whooshs
    terms, weights, values, count = fast.index_lists(value, analyzer)
    assert sorted(zip(terms, weights, values, strict=True)) == [
        (term, weight, vbytes) for term, _, weight, vbytes in whooshs
    ]
    assert count == sum(freq for _, freq, _, _ in whooshs)
