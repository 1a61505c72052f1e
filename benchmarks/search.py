"""Benchmark of the search_index library over a synthetic multilingual corpus.

Run from the project root::

    python -m benchmarks.search            # 100,000 materials, 200 queries per case
    python -m benchmarks.search --quick    # 10,000 materials, 60 queries per case

The corpus is :mod:`benchmarks._corpus`, the one :mod:`benchmarks.search_hub` loads into
the hub: six languages (five with a stemmer, Swahili without), 200 schools in every UN M49
sub-region and income group, titles of real medical words and text of Zipf-distributed
pseudo-words, grants of every kind turned into access tokens (owner and partner schools,
regions, income groups, public, consortium). The persons: anonymous visitors (public only),
members of an active school, and partner-only views (what names their school).

Latency cases, each over the same 2-word queries (two words of one language from the
mid-frequency band) and persons, as p50/p95 in ms and as a ratio to the baseline measured
in the same run: ``bare`` (the same words straight to Whoosh on the index folder, stemmed
and folded as the index holds them, top 10, no access filter: the baseline, shared with
:mod:`benchmarks.search_hub`), ``access`` (the access filter: folded into the query as
``Require(text, Or(tokens))`` for persons who see under 10% of the corpus, else a cached
bitset over the text matches), ``access_facets`` (+ counts for all 14 facets),
``access_facets_highlights`` (+ snippets: the full search a page makes), the same at page 5,
``sort_newest``, and ``browse_facets`` (no search words: everything the person may see).
Then rebuild throughput (the whole corpus in one process, then in two; the
time spent generating the corpus is subtracted), index size, and publish-to-searchable
(one open index applies a material, another finds it). Absolute figures move from machine
to machine and with the load; the ratios are what compare. Then (unless ``--no-hub``) the
hub's part, :mod:`benchmarks.search_hub` with the same number of materials and queries:
the same kind of corpus in a hub database, ``hub index rebuild``, and the 2-term queries
(access filter, every facet, highlights, pages 1 and 5) through the library and through
``GET /search``, as ratios to a bare Whoosh query on that index, and publish-to-searchable
through the hub's pages; its figures are under ``"hub"``. Human lines first, then one
JSON object on the last line.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks import search_hub
from benchmarks._bare import Bare
from benchmarks._corpus import Corpus
from benchmarks._harness import folder_bytes, pct, peak_rss_mib, timed
from search_index import IndexedMaterial, MaterialIndex, open_index, rebuild


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of ``samples`` (seconds) in milliseconds, rounded."""
    return round(pct(samples, 0.5), 2), round(pct(samples, 0.95), 2)


class Timed:
    """Wraps the corpus iterator to subtract the generator's own time from the build."""

    def __init__(self, docs: Iterator[IndexedMaterial]) -> None:
        self.docs = docs
        self.generating = 0.0

    def __iter__(self) -> Iterator[IndexedMaterial]:
        while True:
            start = time.perf_counter()
            try:
                doc = next(self.docs)
            except StopIteration:
                return
            finally:
                self.generating += time.perf_counter() - start
            yield doc


def build(path: Path, corpus: Corpus, count: int, procs: int) -> dict[str, float]:
    """Rebuild ``path`` from ``count`` synthetic materials; return rate and size.

    With one process the generator's own time is subtracted. With two it cannot be (the
    second process indexes while the first generates), so the materials are generated
    before the clock starts.
    """
    docs: Any = Timed(corpus.materials(count)) if procs == 1 else list(corpus.materials(count))
    start = time.perf_counter()
    index = rebuild(path, iter(docs), position=count, total=count, procs=procs)
    index.close()
    seconds = time.perf_counter() - start - getattr(docs, "generating", 0.0)
    return {
        "docs": count,
        "seconds": round(seconds, 1),
        "docs_per_s": round(count / seconds, 1),
        "size_mb": round(folder_bytes((path / "current").resolve()) / 1e6, 1),
    }


def builds(work: Path, corpus: Corpus, count: int) -> dict[str, Any]:
    """The whole corpus in one process, then again in two (the bulk writer's second process
    writes segments of its own) into ``work / "index"``; the one-process copy is removed."""
    single = build(work / "single", corpus, count, procs=1)
    shutil.rmtree(work / "single")
    # Before the two-process build holds the generated corpus in memory.
    peak = round(peak_rss_mib(), 1)
    print(f"rebuild, 1 process:  {single['docs']:>7,} materials, {single['docs_per_s']:>7,.0f}/s, "
          f"peak RSS so far {peak:,.0f} MiB")  # fmt: skip
    double = build(work / "index", corpus, count, procs=2)
    print(f"rebuild, 2 processes: {double['docs']:>7,} materials, "
          f"{double['docs_per_s']:>7,.0f}/s, index {double['size_mb']:,.0f} MB")  # fmt: skip
    return {"build_1proc": single, "build_2proc": double, "build_1proc_peak_rss_mib": peak}


def cases(
    index: MaterialIndex, bare: Bare, queries: list[str], persons: list[list[str]]
) -> dict[str, Callable[[int], object]]:
    """The latency cases: each runs the i-th query as the i-th person."""
    return {
        "bare": lambda i: bare.search(queries[i]),
        "access": lambda i: index.search(
            queries[i], person_tokens=persons[i], facets=False, highlights=False
        ),
        "access_facets": lambda i: index.search(
            queries[i], person_tokens=persons[i], highlights=False
        ),
        "access_facets_highlights": lambda i: index.search(queries[i], person_tokens=persons[i]),
        "access_facets_highlights_page5": lambda i: index.search(
            queries[i], person_tokens=persons[i], page=5
        ),
        "sort_newest": lambda i: index.search(queries[i], person_tokens=persons[i], sort="newest"),
        "browse_facets": lambda i: index.search("", person_tokens=persons[i]),
    }


def latencies(
    work: Path, index: MaterialIndex, corpus: Corpus, count: int, n_queries: int, seed: int
) -> dict[str, Any]:
    """Who sees how much, then every case over the same queries and persons, against the
    baseline (the same words straight to Whoosh on the index folder, no access filter)."""
    rnd = random.Random(seed)
    # Who searches: anonymous (public only), members, and partner-only views.
    kinds = ["anonymous", "member", "member", "member", "partner"]
    persons = [corpus.person_tokens(rnd, rnd.choice(kinds)) for _ in range(n_queries)]
    queries = [corpus.query(rnd) for _ in range(n_queries)]
    visible = {}
    for kind in ("anonymous", "member", "partner"):
        tokens = corpus.person_tokens(random.Random(7), kind)
        seen = index.search("", person_tokens=tokens, facets=False, page_size=1).total
        visible[kind] = round(seen / count, 4)
    print("share of the corpus visible: " + ", ".join(f"{k} {v:.1%}" for k, v in visible.items()))
    totals = [
        index.search(q, person_tokens=p, facets=False).total
        for q, p in zip(queries, persons, strict=True)
    ]
    median_hits = sorted(totals)[len(totals) // 2]
    print(f"median hits per query (after the access filter): {median_hits}")
    bare = Bare(work / "index")
    figures: dict[str, dict[str, float]] = {}
    for name, run in cases(index, bare, queries, persons).items():
        p50, p95 = percentiles([timed(functools.partial(run, i))[0] for i in range(n_queries)])
        figures[name] = {"p50_ms": p50, "p95_ms": p95}
    bare.close()
    base50, base95 = figures["bare"]["p50_ms"], figures["bare"]["p95_ms"]
    print(f"{'case':<34}{'p50 ms':>9}{'p95 ms':>9}{'x p50':>8}{'x p95':>8}")
    for name, f in figures.items():
        f["ratio_p50"] = round(f["p50_ms"] / base50, 2)
        f["ratio_p95"] = round(f["p95_ms"] / base95, 2)
        print(f"{name:<34}{f['p50_ms']:>9.1f}{f['p95_ms']:>9.1f}{f['ratio_p50']:>8.2f}"
              f"{f['ratio_p95']:>8.2f}")  # fmt: skip
    return {"visible_share": visible, "median_hits": median_hits, "latency": figures}


def publish_to_searchable(work: Path, reader: MaterialIndex, corpus: Corpus, count: int) -> Any:
    """One open index applies a material, another (another worker) searches until it sees it."""
    writer = open_index(work / "index")
    waits = []
    for n in range(5):
        doc = corpus.material(count + n)
        doc = replace(doc, title=f"zzpublished{n} {doc.title}", access_tokens=["public"])
        start = time.perf_counter()
        writer.apply([doc], [], position=count + n + 1)
        while reader.search(f"zzpublished{n}", person_tokens=["public"]).total == 0:
            time.sleep(0.001)
        waits.append(time.perf_counter() - start)
    writer.close()
    p50, _ = percentiles(waits)
    print(f"publish to searchable (another open index): p50 {p50:.0f} ms, "
          f"max {max(waits) * 1000:.0f} ms")  # fmt: skip
    return {"p50_ms": p50, "max_ms": round(max(waits) * 1000, 1)}


def main(argv: list[str] | None = None) -> int:
    """Parse the options, measure the library (then the hub's part), print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 materials, fewer queries")
    parser.add_argument("--docs", type=int, help="number of materials (overrides --quick)")
    parser.add_argument("--queries", type=int, help="queries per measurement")
    parser.add_argument("--seed", type=int, default=Corpus.seed)
    parser.add_argument(
        "--no-hub",
        action="store_true",
        help="skip the hub's part (benchmarks.search_hub: database, `hub index rebuild`, /search)",
    )
    args = parser.parse_args(argv)
    count = args.docs or (10_000 if args.quick else 100_000)
    n_queries = args.queries or (60 if args.quick else 200)
    corpus = Corpus(seed=args.seed)
    result: dict[str, Any] = {"docs": count, "queries": n_queries}
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        work = Path(tmp)
        print(f"search_index benchmark: {count:,} synthetic materials in {work}")
        result.update(builds(work, corpus, count))
        open_s, index = timed(lambda: open_index(work / "index"))
        result["open_ms"] = round(open_s * 1000, 1)
        result["warm_ms"] = round(timed(index.warm)[0] * 1000, 1)
        print(f"open: {result['open_ms']:,.0f} ms, warm caches: {result['warm_ms']:,.0f} ms")
        result.update(latencies(work, index, corpus, count, n_queries, args.seed))
        result["publish_to_searchable_ms"] = publish_to_searchable(work, index, corpus, count)
        index.close()
    result["peak_rss_mib"] = round(peak_rss_mib(), 1)
    print(f"peak RSS: {result['peak_rss_mib']} MiB")
    result["loadavg_1min"] = round(os.getloadavg()[0], 2)
    if not args.no_hub:
        # The same cases through the hub (database -> `hub index rebuild` -> /search over
        # HTTP), against a bare Whoosh query on that index, in this run.
        print("--- through the hub (benchmarks.search_hub) ---", flush=True)
        result["hub"] = search_hub.figures(count, n_queries)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
