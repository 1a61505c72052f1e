"""Benchmark of the search_index library over a synthetic multilingual corpus.

Run from the project root::

    python -m benchmarks.search            # 100,000 materials, 200 queries per case
    python -m benchmarks.search --quick    # 10,000 materials, 60 queries per case

The corpus: ten languages (nine with a Whoosh stemmer, Swahili without), 200 schools in
21 UN M49 sub-regions and four income groups, words drawn from a Zipf-Mandelbrot
distribution over 20,000 synthetic stems per language with inflections the stemmers fold;
about 175 terms per material. Audience grants make a quarter of the corpus public, a
fifth consortium-wide, the rest shared with regions, income groups or partner schools,
so an anonymous visitor sees about a quarter, a member of an active school about half,
and a partner-only view about 1%.

Latency cases, each over the same 2-word queries (two words of one language from the
mid-frequency band) and persons, as p50/p95 in ms and as a ratio to the baseline measured
in the same run: ``bare`` (the library's text query straight to Whoosh, top 10, no access
filter: the baseline), ``access`` (the access filter: folded into the query as
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
import itertools
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import search_hub
from hub.policy.rules import LICENCES
from search_index import IndexedMaterial, open_index, rebuild
from search_index.querying import Compiler, parse

LANGUAGES: list[tuple[str, float, tuple[str, ...]]] = [
    # code, share of the corpus, inflection endings that the stemmer should fold
    ("en", 0.38, ("", "s", "ing", "ed")),
    ("fr", 0.14, ("", "s", "e", "es")),
    ("es", 0.12, ("", "s", "es")),
    ("pt", 0.10, ("", "s", "es")),
    ("de", 0.06, ("", "en", "e", "er")),
    ("ar", 0.05, ("",)),
    ("ru", 0.04, ("", "ы", "ов")),
    ("it", 0.04, ("", "i", "e")),
    ("sw", 0.04, ("",)),  # no stemmer: indexed by the neutral fields only
    ("nl", 0.03, ("", "en", "s")),
]
SYLLABLES = {
    "ar": ["با", "تي", "جو", "دا", "ري", "سو", "مي", "نا", "لو", "كا"],
    "ru": ["ка", "ло", "ми", "на", "ре", "то", "си", "ва", "пу", "до"],
}
LATIN = [
    "ba",
    "ce",
    "di",
    "fo",
    "gu",
    "ha",
    "ki",
    "lo",
    "ma",
    "ne",
    "pi",
    "ro",
    "sa",
    "te",
    "vu",
    "xa",
    "zo",
    "tra",
    "ple",
    "cri",
    "mon",
    "san",
    "ter",
    "vel",
]
SUBREGIONS = [
    "002",
    "014",
    "017",
    "018",
    "011",
    "015",
    "021",
    "029",
    "013",
    "005",
    "030",
    "034",
    "035",
    "143",
    "145",
    "151",
    "154",
    "155",
    "039",
    "053",
    "054",
]
WHO = ["AFR", "AMR", "SEAR", "EUR", "EMR", "WPR"]
INCOME = ["HIC", "UMC", "LMC", "LIC"]
FINANCING = ["nhs", "nhi", "shi", "etatist-shi", "private", "out-of-pocket"]
SETTING = [
    "primary-care",
    "community",
    "district-hospital",
    "tertiary-hospital",
    "rural-remote",
    "humanitarian",
    "public-health",
]
RESOURCES = ["high-resource", "limited-resource", "low-resource"]
LEVELS = ["preclinical", "clinical", "postgraduate", "cpd"]
TYPES = [
    "lecture",
    "slides",
    "video",
    "case",
    "virtual-patient",
    "question-bank",
    "simulation",
    "guideline",
    "scorm-package",
    "other",
]
AUDIENCE = ["medicine", "nursing", "midwifery", "pharmacy", "dentistry", "allied-health"]


@dataclass(frozen=True)
class School:
    id: str
    region: str
    income: str
    country: str


@dataclass
class Corpus:
    """Generator state: vocabularies per language, schools, and the access populations."""

    seed: int
    n_schools: int = 200
    vocab_size: int = 20_000

    def __post_init__(self) -> None:
        rnd = random.Random(self.seed)
        self.vocab: dict[str, list[str]] = {}
        self.cum_weights: dict[str, list[float]] = {}
        for code, _, _ in LANGUAGES:
            syll = SYLLABLES.get(code, LATIN)
            words: dict[str, None] = {}
            while len(words) < self.vocab_size:
                words.setdefault("".join(rnd.choices(syll, k=rnd.randint(2, 5))), None)
            self.vocab[code] = list(words)
            # Zipf-Mandelbrot frequencies, as in natural text: the top 100 words make half the text.
            self.cum_weights[code] = list(
                itertools.accumulate(1.0 / (rank + 2.7) for rank in range(self.vocab_size))
            )
        self.schools = [
            School(
                id=f"s{n:03d}",
                region=SUBREGIONS[n % len(SUBREGIONS)],
                income=INCOME[(n * 7) % len(INCOME)],
                country=f"C{n % 90:02d}",
            )
            for n in range(self.n_schools)
        ]

    def _words(self, rnd: random.Random, code: str, k: int) -> list[str]:
        endings = next(e for c, _, e in LANGUAGES if c == code)
        stems = rnd.choices(self.vocab[code], cum_weights=self.cum_weights[code], k=k)
        return [s + rnd.choice(endings) for s in stems]

    def material(self, n: int) -> IndexedMaterial:
        """The n-th synthetic material (deterministic for a seed)."""
        rnd = random.Random(self.seed * 1_000_003 + n)
        code = rnd.choices([c for c, _, _ in LANGUAGES], weights=[w for _, w, _ in LANGUAGES])[0]
        langs = [code] + (["en"] if code != "en" and rnd.random() < 0.1 else [])
        school = self.schools[rnd.randrange(len(self.schools))]
        tokens = [f"school:{school.id}"]
        grant = rnd.random()
        # Audience grants: about a quarter public, a fifth consortium-wide, the rest narrower.
        if grant < 0.25:
            tokens.append("public")
        elif grant < 0.45:
            tokens.append("consortium")
        elif grant < 0.70:
            tokens.extend(f"region:{r}" for r in rnd.sample(SUBREGIONS, 2))
        elif grant < 0.85:
            tokens.append(f"income:{rnd.choice(INCOME)}")
        else:
            tokens.extend(f"school:{s.id}" for s in rnd.sample(self.schools, 3))
        return IndexedMaterial(
            id=f"m{n:07d}",
            fingerprint=f"v1:{n}",
            title=" ".join(self._words(rnd, code, rnd.randint(4, 8))),
            summary=" ".join(self._words(rnd, code, rnd.randint(15, 35))),
            topics=[" ".join(self._words(rnd, code, 2)) for _ in range(rnd.randint(1, 3))],
            body=" ".join(self._words(rnd, code, rnd.randint(80, 200))),
            language=code,
            languages=langs,
            regions=[school.region],
            countries=[school.country],
            who_regions=[WHO[int(school.region) % len(WHO)]],
            income=[school.income],
            financing=rnd.sample(FINANCING, rnd.randint(0, 2)),
            setting=rnd.sample(SETTING, rnd.randint(0, 2)),
            resources=rnd.sample(RESOURCES, rnd.randint(0, 1)),
            level=rnd.choice(LEVELS),
            resource_type=rnd.choice(TYPES),
            audience=rnd.sample(AUDIENCE, rnd.randint(1, 2)),
            licence=rnd.choice(LICENCES),
            school=school.id,
            school_name=f"School {school.id}",
            published=datetime(2015, 1, 1, tzinfo=UTC)
            + timedelta(minutes=rnd.randrange(5_000_000)),
            popularity=int(rnd.paretovariate(1.2)) - 1,
            access_tokens=tokens,
        )

    def materials(self, count: int) -> Iterator[IndexedMaterial]:
        for n in range(count):
            yield self.material(n)

    def person_tokens(self, rnd: random.Random, kind: str) -> list[str]:
        """Access tokens of a person: anonymous (public only), a member, or a partner-only view."""
        if kind == "anonymous":
            return ["public"]
        school = self.schools[rnd.randrange(len(self.schools))]
        if kind == "partner":
            return [f"school:{school.id}"]
        return [
            "public",
            "consortium",
            f"region:{school.region}",
            f"income:{school.income}",
            f"school:{school.id}",
        ]

    def query_words(self, rnd: random.Random) -> str:
        """A 2-word query in one language, both words from the mid-frequency band."""
        code = rnd.choices([c for c, _, _ in LANGUAGES], weights=[w for _, w, _ in LANGUAGES])[0]
        return " ".join(rnd.sample(self.vocab[code][20:200], 2))


# --- measuring -----------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of ``samples`` (milliseconds), rounded."""
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return round(p50, 2), round(p95, 2)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def folder_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6, 1)


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
        "size_mb": folder_mb(path / "current"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 materials, fewer queries")
    parser.add_argument("--docs", type=int, help="number of materials (overrides --quick)")
    parser.add_argument("--queries", type=int, help="queries per measurement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-hub",
        action="store_true",
        help="skip the hub's part (benchmarks.search_hub: database, `hub index rebuild`, /search)",
    )
    args = parser.parse_args(argv)
    count = args.docs or (10_000 if args.quick else 100_000)
    n_queries = args.queries or (60 if args.quick else 200)
    corpus = Corpus(seed=args.seed)
    rnd = random.Random(args.seed)
    result: dict[str, Any] = {"docs": count, "queries": n_queries}

    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        work = Path(tmp)
        print(f"search_index benchmark: {count:,} synthetic materials in {work}")

        # Build: the whole corpus in one process, then again in two (the bulk writer's
        # second process writes segments of its own); the one-process copy is then removed.
        single = build(work / "single", corpus, count, procs=1)
        shutil.rmtree(work / "single")
        # Before the two-process build holds the generated corpus in memory.
        result["build_1proc_peak_rss_mib"] = peak_rss_mib()
        print(
            f"rebuild, 1 process:  {single['docs']:>7,} materials, "
            f"{single['docs_per_s']:>7,.0f}/s, "
            f"peak RSS so far {result['build_1proc_peak_rss_mib']:,.0f} MiB"
        )
        main_build = build(work / "index", corpus, count, procs=2)
        print(
            f"rebuild, 2 processes: {main_build['docs']:>7,} materials, "
            f"{main_build['docs_per_s']:>7,.0f}/s, index {main_build['size_mb']:,.0f} MB"
        )
        result["build_1proc"] = single
        result["build_2proc"] = main_build

        start = time.perf_counter()
        index = open_index(work / "index")
        result["open_ms"] = round((time.perf_counter() - start) * 1000, 1)
        result["warm_ms"] = round(timed(index.warm), 1)
        print(f"open: {result['open_ms']:,.0f} ms, warm caches: {result['warm_ms']:,.0f} ms")

        # Who searches: anonymous (public only), members, and partner-only views.
        kinds = ["anonymous", "member", "member", "member", "partner"]
        persons = [corpus.person_tokens(rnd, rnd.choice(kinds)) for _ in range(n_queries)]
        queries = [corpus.query_words(rnd) for _ in range(n_queries)]
        visible = {}
        for kind in ("anonymous", "member", "partner"):
            tokens = corpus.person_tokens(random.Random(7), kind)
            seen = index.search("", person_tokens=tokens, facets=False, page_size=1).total
            visible[kind] = round(seen / count, 4)
        result["visible_share"] = visible
        print(
            "share of the corpus visible: " + ", ".join(f"{k} {v:.1%}" for k, v in visible.items())
        )

        view_searcher = index._view.searcher  # type: ignore[union-attr]
        state = index._view.state  # type: ignore[union-attr]

        def bare(text: str) -> Callable[[], object]:
            # The baseline: the same text query, straight to Whoosh, top 10, no filter.
            def run() -> object:
                compiler = Compiler(
                    languages=state.languages,
                    expand_prefix=lambda f, p: (),
                    has_neutral=state.has_neutral,
                )
                node = parse(text)
                assert node is not None  # the benchmark's queries have words
                hits = view_searcher.search(compiler.compile(node), limit=10)
                return [hit.docnum for hit in hits]

            return run

        cases: dict[str, Callable[[int], Callable[[], object]]] = {
            "bare": lambda i: bare(queries[i]),
            "access": lambda i: (
                lambda: index.search(
                    queries[i], person_tokens=persons[i], facets=False, highlights=False
                )
            ),
            "access_facets": lambda i: (
                lambda: index.search(queries[i], person_tokens=persons[i], highlights=False)
            ),
            "access_facets_highlights": lambda i: (
                lambda: index.search(queries[i], person_tokens=persons[i])
            ),
            "access_facets_highlights_page5": lambda i: (
                lambda: index.search(queries[i], person_tokens=persons[i], page=5)
            ),
            "sort_newest": lambda i: (
                lambda: index.search(queries[i], person_tokens=persons[i], sort="newest")
            ),
            "browse_facets": lambda i: lambda: index.search("", person_tokens=persons[i]),
        }
        totals = [
            index.search(q, person_tokens=p, facets=False).total
            for q, p in zip(queries, persons, strict=True)
        ]
        result["median_hits"] = sorted(totals)[len(totals) // 2]
        latencies: dict[str, dict[str, float]] = {}
        for name, make in cases.items():
            samples = [timed(make(i)) for i in range(n_queries)]
            p50, p95 = percentiles(samples)
            latencies[name] = {"p50_ms": p50, "p95_ms": p95}
        base50, base95 = latencies["bare"]["p50_ms"], latencies["bare"]["p95_ms"]
        print(f"median hits per query (after the access filter): {result['median_hits']}")
        print(f"{'case':<34}{'p50 ms':>9}{'p95 ms':>9}{'x p50':>8}{'x p95':>8}")
        for name, figures in latencies.items():
            figures["ratio_p50"] = round(figures["p50_ms"] / base50, 2)
            figures["ratio_p95"] = round(figures["p95_ms"] / base95, 2)
            print(
                f"{name:<34}{figures['p50_ms']:>9.1f}{figures['p95_ms']:>9.1f}"
                f"{figures['ratio_p50']:>8.2f}{figures['ratio_p95']:>8.2f}"
            )
        result["latency"] = latencies

        # Publish to searchable: one writer applies, another open index (another worker)
        # searches until it sees the material.
        reader = index
        writer = open_index(work / "index")
        waits = []
        for n in range(5):
            doc = corpus.material(count + n)
            doc = replace(doc, title=f"zzpublished{n} {doc.title}", access_tokens=["public"])
            start = time.perf_counter()
            writer.apply([doc], [], position=count + n + 1)
            while reader.search(f"zzpublished{n}", person_tokens=["public"]).total == 0:
                time.sleep(0.001)
            waits.append((time.perf_counter() - start) * 1000)
        writer.close()
        reader.close()
        p50, p95 = percentiles(waits)
        result["publish_to_searchable_ms"] = {"p50_ms": p50, "max_ms": round(max(waits), 1)}
        print(
            f"publish to searchable (another open index): p50 {p50:.0f} ms, max {max(waits):.0f} ms"
        )

    result["peak_rss_mib"] = peak_rss_mib()
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
