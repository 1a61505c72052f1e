"""Benchmark: the policy module's two forms at scale.

``decide`` and the token form for 100,000 materials x 50 personas (``--quick``: 10,000 x 10),
reported per call, with the cost of a plain set intersection (what the search index does with
the tokens) measured in the same run as the baseline.

    python -m benchmarks.policy [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time

from hub.policy import (
    Ceiling,
    Grant,
    MaterialFacts,
    Viewer,
    access_tokens,
    decide,
    viewer_tokens,
)

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
REGIONS = ["202", "419", "34", "35", "154", "155", "15", "145", "53", "21"]
INCOMES = ["HIC", "UMC", "LMC", "LIC"]
LICENCES = ["CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-ND-4.0", "LicenseRef-Consortium"]


def make_materials(n: int, schools: int, rng: random.Random) -> list[MaterialFacts]:
    out = []
    for i in range(n):
        kind = rng.choice(
            ["public", "consortium", "consortium", "regions", "income", "schools", None]
        )
        values: frozenset[str] = frozenset()
        if kind == "regions":
            values = frozenset(rng.sample(REGIONS, 2))
        elif kind == "income":
            values = frozenset({"LMC", "LIC"})
        elif kind == "schools":
            values = frozenset(str(s) for s in rng.sample(range(1, schools + 1), 3))
        grants = (
            ()
            if kind is None
            else (
                Grant(
                    kind=kind,
                    values=values,
                    rights=frozenset(
                        rng.choice([{"view"}, {"view", "download"}, {"view", "download", "adapt"}])
                    ),
                ),
            )
        )
        out.append(
            MaterialFacts(
                material_id=i,
                version_id=i,
                owner_school_id=rng.randrange(1, schools + 1),
                owner_active=rng.random() > 0.05,
                state="published",
                is_current=True,
                retired=rng.random() < 0.02,
                teachers_only=rng.random() < 0.1,
                licence=rng.choice(LICENCES),
                grants=grants,
                ceiling=Ceiling()
                if rng.random() > 0.2
                else Ceiling("consortium", frozenset({"view"})),
            )
        )
    return out


def make_personas(n: int, schools: int, rng: random.Random) -> list[Viewer]:
    personas = [Viewer()]
    roles = ["student", "student", "teacher", "school_admin", "consortium_admin"]
    while len(personas) < n:
        role = rng.choice(roles)
        school = None if role == "consortium_admin" else rng.randrange(1, schools + 1)
        personas.append(
            Viewer(
                person_id=len(personas),
                school_id=school,
                role=role,
                school_active=rng.random() > 0.1,
                region=rng.choice(REGIONS) if school else None,
                income=rng.choice(INCOMES) if school else None,
            )
        )
    return personas


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_materials, n_personas = (10_000, 10) if args.quick else (100_000, 50)
    rng = random.Random(7)
    materials = make_materials(n_materials, 120, rng)
    personas = make_personas(n_personas, 120, rng)

    start = time.perf_counter()
    material_tokens = [access_tokens(m, NOW) for m in materials]
    tokens_s = time.perf_counter() - start
    start = time.perf_counter()
    person_tokens = [viewer_tokens(p) for p in personas]
    viewer_s = time.perf_counter() - start

    start = time.perf_counter()
    found = 0
    for pt in person_tokens:
        for mt in material_tokens:
            found += bool(pt & mt)
    intersect_s = time.perf_counter() - start

    start = time.perf_counter()
    allowed = 0
    for p in personas:
        for m in materials:
            allowed += decide(p, m, "discover", NOW).allowed
    decide_s = time.perf_counter() - start
    calls = n_materials * n_personas
    assert allowed == found, "the token form and decide() disagree"

    start = time.perf_counter()
    for p in personas[:5]:
        for m in materials:
            decide(p, m, "download", NOW)
    download_s = time.perf_counter() - start
    download_calls = 5 * n_materials

    figures = {
        "materials": n_materials,
        "personas": n_personas,
        "visible_pairs": allowed,
        "decide_us_per_call": round(decide_s / calls * 1e6, 2),
        "decide_download_us_per_call": round(download_s / download_calls * 1e6, 2),
        "access_tokens_us_per_material": round(tokens_s / n_materials * 1e6, 2),
        "viewer_tokens_us_per_person": round(viewer_s / n_personas * 1e6, 2),
        "token_intersection_us_per_pair": round(intersect_s / calls * 1e6, 3),
        "decide_vs_intersection_ratio": round(decide_s / intersect_s, 1),
        "forms_agree": allowed == found,
    }
    print(
        f"{calls:,} decisions in {decide_s:.1f} s ({figures['decide_us_per_call']} µs each); "
        f"tokens for {n_materials:,} materials in {tokens_s:.2f} s; "
        f"{allowed:,} visible pairs, the same by both forms"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
