"""Does ``search_index.bulk`` earn its keep? Measured against Whoosh's own writer, in one run.

Run from the project root::

    python -m benchmarks.bulk_vs_whoosh            # 30,000 materials
    python -m benchmarks.bulk_vs_whoosh --quick    # 3,000 materials
    python -m benchmarks.bulk_vs_whoosh --docs 100000

Builds the same synthetic materials (:class:`benchmarks.search.Corpus`) twice, in two
processes each: with :func:`search_index.bulk.build_segments` (``procs=2``) and with
Whoosh's ``writer(procs=2, multisegment=True)``. The field dicts are made before either
clock starts, so both times are indexing only. Prints docs/s and index size for each and
their ratio (fair on a busy machine: both are measured in the same run), then checks that
both indexes answer the same searches (hit sets, totals, facet counts) through
:class:`search_index.MaterialIndex`. Issue 18's rule: keep ``bulk`` only at 1.5x or more.
Human lines first, one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import whoosh.index

from benchmarks._corpus import Corpus
from benchmarks._harness import folder_bytes
from search_index import MaterialIndex, open_index
from search_index.schema import SCHEMA_VERSION, build_schema, to_fields

KEEP_AT = 1.5
PERSONS = ("anonymous", "member", "partner")
PARTS = ("total", "facets", "hits")

Fields = dict[str, Any]


def with_bulk(folder: Path, fields: list[Fields]) -> None:
    """The library's bulk writer, two processes."""
    from search_index import bulk  # absent once the library builds with Whoosh's writer

    whoosh.index.create_in(str(folder), build_schema())
    bulk.build_segments(str(folder), build_schema(), iter(fields), procs=2)


def with_whoosh(folder: Path, fields: list[Fields]) -> None:
    """Whoosh's writer, two processes, one segment each (no final merge)."""
    ix = whoosh.index.create_in(str(folder), build_schema())
    writer = ix.writer(procs=2, multisegment=True)
    for doc in fields:
        writer.add_document(**doc)
    writer.commit()


def build(root: Path, how: Callable[[Path, list[Fields]], None], fields: list[Fields]) -> dict:
    """Build one index generation under ``root`` with ``how``; its rate and size."""
    from search_index import storage

    generation = root / storage.generation_name(1)
    generation.mkdir(parents=True)
    start = time.perf_counter()
    how(generation, fields)
    seconds = time.perf_counter() - start
    storage.write_state(generation, {"schema_version": SCHEMA_VERSION, "position": 0})
    storage.point_current_at(root, generation)
    return {
        "seconds": round(seconds, 2),
        "docs_per_s": round(len(fields) / seconds, 1),
        "size_mb": round(folder_bytes(generation) / 1e6, 1),
    }


def answers(index: MaterialIndex, corpus: Corpus, queries: int) -> list[Any]:
    """What ``index`` answers to ``queries`` searches: totals, facet counts, and the hits
    of the first page (with scores to 4 places) that rank strictly above its last score:
    hits tied with the last one may be cut differently, since the two builds number the
    documents differently and ties go to the lower number."""
    rnd = random.Random(7)
    found = []
    for n in range(queries):
        text = corpus.query(rnd) if n % 4 else rnd.choice(["", "*", "-x"])
        tokens = corpus.person_tokens(rnd, PERSONS[n % len(PERSONS)])
        results = index.search(text, person_tokens=tokens, page_size=100, highlights=False)
        hits = results.hits
        cut = hits[-1].score if hits and results.total > len(hits) else -1.0
        above = {h.id: round(h.score, 4) for h in hits if h.score > cut + 1e-6}
        if not text.strip("*"):  # browsing: newest first, no score to cut at
            above = {h.id: 0.0 for h in hits[:90]}
        found.append((text, results.total, results.facets, above))
    return found


def main(argv: list[str] | None = None) -> int:
    """Build both ways, compare, print; the last line is one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3,000 materials")
    parser.add_argument("--docs", type=int, default=None, help="materials (default 30,000)")
    parser.add_argument("--queries", type=int, default=48)
    args = parser.parse_args(argv)
    count = args.docs or (3_000 if args.quick else 30_000)
    corpus = Corpus(seed=42)
    fields = [to_fields(doc) for doc in corpus.materials(count)]
    work = Path(tempfile.mkdtemp(prefix="bulk-vs-whoosh-"))
    try:
        figures = {
            "bulk": build(work / "bulk", with_bulk, fields),
            "whoosh": build(work / "whoosh", with_whoosh, fields),
        }
        with open_index(work / "bulk") as a, open_index(work / "whoosh") as b:
            pairs = zip(
                answers(a, corpus, args.queries), answers(b, corpus, args.queries), strict=True
            )
            differ = [
                (x[0], [part for part, a, b in zip(PARTS, x[1:], y[1:], strict=True) if a != b])
                for x, y in pairs
                if x != y
            ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratio = round(figures["bulk"]["docs_per_s"] / figures["whoosh"]["docs_per_s"], 2)
    for name, fig in figures.items():
        print(f"{name:7} {fig['docs_per_s']:>9,.1f} docs/s  {fig['size_mb']:>7.1f} MB")
    print(f"bulk / whoosh: {ratio}x (keep bulk at {KEEP_AT}x or more)")
    print(f"{args.queries} searches, answers differ for {len(differ)}: {differ[:5]}")
    summary = {"docs": count, **figures, "ratio": ratio, "queries": args.queries}
    print(json.dumps({**summary, "differ": len(differ)}))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
