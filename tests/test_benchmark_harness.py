"""The benchmarks' shared harness counts what it should (no server needed: these take ms)."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks._harness import Client, Tally, load, pct
from benchmarks.load import material_page_frames
from benchmarks.statistics import MIN_RUNS, apportion, repeat


def test_percentiles_interpolate_and_answer_in_milliseconds() -> None:
    assert pct([0.001, 0.002, 0.003], 0.5) == 2.0
    assert pct([0.001, 0.003], 0.5) == 2.0


def test_a_load_stops_at_its_request_count() -> None:
    clients = [Client(port=1) for _ in range(4)]  # never connected: the step answers itself

    tally = load(clients, lambda _client, _n: ("page", 200), seconds=30, max_requests=50)

    assert tally.count == 50
    assert tally.statuses == {"page": {"200": 50}}


def test_server_errors_are_5xx_and_unanswered_requests_not_4xx() -> None:
    tally = Tally()
    for kind, status in [("page", "200"), ("page", "404"), ("page", "503"), ("error", "Timeout")]:
        tally.add(kind, status, 0.01)

    assert tally.server_errors() == 2


def test_a_material_pages_frames_come_from_stacks_through_its_view(tmp_path: Path) -> None:
    folded = tmp_path / "load.folded"
    folded.write_text(
        "main (gunicorn/app.py);show (hub/web/materials.py:571);render (jinja2/env.py) 3\n"
        "main (gunicorn/app.py);show (hub/web/materials.py:571);decide (hub/policy/rules.py) 1\n"
        "main (gunicorn/app.py);search (hub/web/search.py:40);render (jinja2/env.py) 5\n"
    )

    frames = material_page_frames(folded)

    assert frames["samples"] == [("material page samples", 4.0)]
    assert frames["own"][0] == ("render (jinja2/env.py)", 75.0)
    assert ("decide (hub/policy/rules.py)", 25.0) in frames["inclusive"]


def test_a_total_is_apportioned_by_weight_in_whole_numbers_that_add_up() -> None:
    counts = apportion(10, [1.0, 1.0, 1.0])

    assert sum(counts) == 10
    assert sorted(counts) == [3, 3, 4]
    assert apportion(1_000, [3.0, 1.0]) == [750, 250]


def test_a_slow_measurement_stops_at_its_budget_after_the_fewest_runs() -> None:
    slow = repeat(lambda: time.sleep(0.01), runs=50, budget_s=0.0)
    quick = repeat(lambda: None, runs=5)

    assert len(slow) == MIN_RUNS
    assert len(quick) == 5
