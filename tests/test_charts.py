"""The usage dashboards' charts: colour steps, bars, trends and flows, drawn as SVG (and a table)
that the pages' Content-Security-Policy lets show: no inline style, no script."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from flask import Flask, render_template_string
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from hub.services import charts, geography
from hub.services.charts import LegendStep, Scale

MACROS = '{% from "charts/_charts.html" import world_map, bars, trend, matrix %}'
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _render(app: Flask, source: str, language: str = "en", **context: Any) -> etree._Element:
    """The macro call's output, parsed strictly (it must be well-formed) under one root."""
    with app.test_request_context(headers={"Accept-Language": language}):
        html = render_template_string(MACROS + source, **context)
    return etree.fromstring(f"<root>{html}</root>")


def _assert_allowed_by_the_csp(tree: etree._Element) -> None:
    assert not tree.xpath("//*[@style]"), "an inline style attribute"
    assert not tree.xpath("//style | //script"), "a <style> or <script> element"
    assert not tree.xpath("//@*[starts-with(name(), 'on')]"), "an event handler attribute"


def _assert_an_image_named_by_its_title(svg: etree._Element, title: str) -> None:
    assert svg.get("role") == "img"
    assert svg.get("direction") == "ltr"
    ids = svg.get("aria-labelledby").split()
    named = [svg.xpath(f"//*[@id='{i}']")[0] for i in ids]
    assert [n.tag for n in named] == ["title", "desc"]
    assert named[0].text == title and named[0].getparent() is svg


def _steps(codes: dict[str, int], **kw: int) -> dict[str, int]:
    drawn = {c.code: c.bucket for c in charts.world_map(codes, **kw).countries}
    return {code: drawn[code] for code in codes}


# Colour steps ------------------------------------------------------------------------------


def test_no_use_is_step_zero() -> None:
    assert Scale.over([0, 3, 100]).bucket(0) == 0
    assert _steps({"KE": 0, "BR": 7}) == {"KE": 0, "BR": 5}


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=40), st.sampled_from([0, 5]))
def test_steps_rise_with_counts_and_the_largest_takes_the_top(
    counts: list[int], small: int
) -> None:
    scale = Scale.over(counts, small)
    ordered = sorted(counts)
    steps = [scale.bucket(n) for n in ordered]
    assert steps == sorted(steps)
    assert all(step == 0 for n, step in zip(ordered, steps, strict=True) if n == 0)
    if ordered and ordered[-1] > 0:
        assert steps[-1] == charts.STEPS


@given(st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=40))
def test_the_legend_covers_every_count_once(counts: list[int]) -> None:
    legend = Scale.over(counts).legend
    assert legend[0] == LegendStep(0, 0, 0)
    assert legend[1].low == 1 and legend[-1].high == max(counts)
    for lower, upper in zip(legend[1:], legend[2:], strict=False):
        assert upper.low == lower.high + 1 and upper.bucket == lower.bucket + 1


def test_steps_are_logarithmic_with_round_bounds() -> None:
    assert Scale.over([1000, 3]).legend == [
        (0, 0, 0),
        (1, 1, 5),
        (2, 6, 20),
        (3, 21, 50),
        (4, 51, 200),
        (5, 201, 1000),
    ]


def test_one_huge_country_does_not_leave_the_others_in_the_palest_step() -> None:
    steps = _steps({"US": 10_000, "KE": 50, "BR": 10}, small=0)
    assert steps["US"] == 5 and steps["KE"] >= 2 and steps["BR"] >= 2


def test_few_distinct_counts_take_the_darkest_steps() -> None:
    assert _steps({"KE": 1, "BR": 2, "FR": 3}, small=0) == {"KE": 3, "BR": 4, "FR": 5}


def test_counts_shown_as_under_five_share_one_step() -> None:
    scale = Scale.over([1, 2, 3, 4, 100], small=5)
    assert len({scale.bucket(n) for n in (1, 2, 3, 4)}) == 1
    assert LegendStep(scale.bucket(1), 1, 4) in scale.legend


def test_negative_counts_are_a_mistake() -> None:
    with pytest.raises(ValueError):
        Scale.over([3, -1])


# World map ---------------------------------------------------------------------------------


def test_every_country_of_the_hub_is_drawn_once() -> None:
    drawn = [c.code for c in charts.world_map({}).countries]
    assert sorted(drawn) == sorted(c.iso2 for c in geography.countries())
    assert all(c.path.startswith("M") for c in charts.world_map({}).countries)


def test_each_country_in_the_counts_gets_its_count_and_step_whatever_the_case() -> None:
    drawn = {c.code: c for c in charts.world_map({"ke": 1234, "BR": 20, " fr ": 3}).countries}
    assert (drawn["KE"].count, drawn["KE"].bucket) == (1234, 5)
    assert drawn["BR"].count == 20 and 0 < drawn["BR"].bucket < 5
    assert drawn["FR"].count == 3 and drawn["FR"].bucket > 0
    assert drawn["DE"].count == 0 and drawn["DE"].bucket == 0


def test_unknown_codes_are_left_out_without_changing_the_scale() -> None:
    drawn = charts.world_map({"ZZ": 5000, "": 9, "KE": 2})
    assert "ZZ" not in {c.code for c in drawn.countries}
    assert {c.code: c.bucket for c in drawn.countries}["KE"] == 5
    assert drawn.legend[-1].high == 4  # "< 5": KE's 2 is the largest count


def test_a_country_too_small_to_see_gets_a_dot_when_used() -> None:
    used = {c.code: c for c in charts.world_map({"SG": 12}).countries}
    assert used["SG"].dot is not None and used["MT"].dot is None
    assert used["KE"].dot is None  # large enough to see


def test_the_shipped_shapes_name_their_source_and_licence() -> None:
    data = resources.files("hub").joinpath("data")
    document = json.loads(data.joinpath("world_map.json").read_text(encoding="utf-8"))
    assert "@svg-maps/world" in document["source"] and "CC-BY-4.0" in document["source"]
    note = data.joinpath("WORLD_MAP_SOURCE.md").read_text(encoding="utf-8")
    assert "Attribution 4.0 International Public License" in note


# Bars --------------------------------------------------------------------------------------


def test_bar_lengths_are_fractions_of_the_largest() -> None:
    drawn = charts.bars([("Kenya", 50), ("Brazil", 100), ("Chad", 0)])
    assert [b.fraction for b in drawn.rows] == [0.5, 1.0, 0.0]
    assert [b.label for b in drawn.rows] == ["Kenya", "Brazil", "Chad"]
    assert drawn.rows[1].length == charts.BAR_LENGTH


def test_a_shared_most_draws_two_charts_on_one_scale() -> None:
    given_, taken = charts.bars([("given", 25)], most=100), charts.bars([("taken", 150)], most=100)
    assert given_.rows[0].fraction == 0.25 and taken.rows[0].fraction == 1.0


def test_bars_without_rows_or_values_draw_nothing_long() -> None:
    assert charts.bars([]).rows == []
    assert charts.bars([("none", 0)]).rows[0].fraction == 0.0


def test_a_long_label_is_shortened_in_the_drawing_only() -> None:
    [bar] = charts.bars([("Neonatal resuscitation in district hospitals", 3)]).rows
    assert bar.short_label.endswith("…") and len(bar.short_label) <= charts.LABEL_CHARACTERS
    assert bar.label == "Neonatal resuscitation in district hospitals"


# Trend -------------------------------------------------------------------------------------


def test_a_trend_has_a_point_per_month_inside_its_box() -> None:
    drawn = charts.trend(MONTHS, list(range(0, 1200, 100)), [40] * 12)
    _x, _y, width, height = map(float, drawn.view_box.split())
    for series in (drawn.this_year, drawn.last_year):
        assert len(series.points) == len(MONTHS)
        assert all(0 <= p.x <= width and 0 <= p.y <= height for p in series.points)
        assert len(series.polyline.split()) == len(MONTHS)


def test_more_use_is_drawn_higher() -> None:
    ys = [p.y for p in charts.trend(MONTHS[:3], [1, 5, 9], []).this_year.points]
    assert ys == sorted(ys, reverse=True)


def test_a_year_in_progress_stops_at_its_last_month() -> None:
    drawn = charts.trend(MONTHS, [3, 4, 5], [1] * 12)
    assert [p.month for p in drawn.this_year.points] == ["Jan", "Feb", "Mar"]


def test_value_ticks_are_a_few_round_numbers_reaching_the_largest() -> None:
    drawn = charts.trend(MONTHS[:2], [1234, 10], [700])
    assert [t.label for t in drawn.values] == [0, 500, 1000, 1500]
    assert drawn.values[-1].at == drawn.top and drawn.values[0].at == drawn.bottom


def test_more_values_than_months_is_a_mistake() -> None:
    with pytest.raises(ValueError):
        charts.trend(MONTHS[:2], [1, 2, 3], [])


# Matrix ------------------------------------------------------------------------------------


def test_matrix_cells_follow_rows_and_columns_with_their_steps() -> None:
    drawn = charts.matrix(
        ["LIC", "HIC"], ["LIC", "HIC"], {("HIC", "LIC"): 400, ("LIC", "HIC"): 7, ("UMC", "x"): 9}
    )
    assert [[(c.row, c.column, c.value) for c in row] for row in drawn.cells] == [
        [("LIC", "LIC", 0), ("LIC", "HIC", 7)],
        [("HIC", "LIC", 400), ("HIC", "HIC", 0)],
    ]
    assert [[c.bucket for c in row] for row in drawn.cells] == [[0, 2], [5, 0]]


# Rendering ---------------------------------------------------------------------------------


def test_the_map_is_one_titled_image_with_a_titled_path_per_country(app: Flask) -> None:
    tree = _render(
        app, "{{ world_map(m, 'Where our materials are used') }}", m=charts.world_map({"KE": 1234})
    )
    _assert_allowed_by_the_csp(tree)
    [svg] = tree.xpath("//svg")
    _assert_an_image_named_by_its_title(svg, "Where our materials are used")
    paths = svg.xpath("path")
    assert len(paths) == len(geography.countries())
    assert all(len(p.xpath("title")) == 1 for p in paths)
    [kenya] = svg.xpath("path[@data-country='KE']")
    assert kenya.get("class") == "map-q5" and kenya.findtext("title") == "Kenya: 1,234"
    assert svg.xpath("path[@data-country='TD']")[0].findtext("title") == "Chad: 0"


def test_the_map_shows_small_counts_as_under_five(app: Flask) -> None:
    tree = _render(app, "{{ world_map(m, 'Use') }}", m=charts.world_map({"FR": 3, "KE": 40}))
    assert tree.xpath("//path[@data-country='FR']")[0].findtext("title") == "France: < 5"


def test_the_map_legend_states_each_step_s_range(app: Flask) -> None:
    tree = _render(app, "{{ world_map(m, 'Use') }}", m=charts.world_map({"KE": 100, "BR": 2}))
    legend = [(li.xpath("span/@class")[0], "".join(li.itertext())) for li in tree.xpath("//li")]
    assert legend == [
        ("swatch map-q0", "No use"),
        ("swatch map-q1", "< 5"),
        ("swatch map-q2", "5"),
        ("swatch map-q3", "6 to 20"),
        ("swatch map-q4", "21 to 50"),
        ("swatch map-q5", "51 to 100"),
    ]


def test_the_map_credits_its_shapes_and_their_licence(app: Flask) -> None:
    tree = _render(app, "{{ world_map(m, 'Use') }}", m=charts.world_map({}))
    links = tree.xpath("//p[contains(@class, 'chart-credit')]//a/@href")
    assert "https://creativecommons.org/licenses/by/4.0/" in links


def test_a_small_country_with_use_is_marked_with_a_titled_dot(app: Flask) -> None:
    tree = _render(app, "{{ world_map(m, 'Use') }}", m=charts.world_map({"SG": 12}))
    [dot] = tree.xpath("//circle")
    assert dot.get("data-country") == "SG" and dot.findtext("title") == "Singapore: 12"


def test_bars_render_a_titled_rect_per_row(app: Flask) -> None:
    drawn = charts.bars([("Kenya", 1234), ("Brazil", 617), ("Chad", 2)])
    tree = _render(app, "{{ bars(b, 'Top countries') }}", b=drawn)
    _assert_allowed_by_the_csp(tree)
    [svg] = tree.xpath("//svg")
    _assert_an_image_named_by_its_title(svg, "Top countries")
    rects = svg.xpath("rect")
    assert [r.findtext("title") for r in rects] == ["Kenya: 1,234", "Brazil: 617", "Chad: < 5"]
    assert [float(r.get("width")) for r in rects] == [b.length for b in drawn.rows]


def test_the_trend_draws_this_year_solid_and_last_year_dashed(app: Flask) -> None:
    drawn = charts.trend(MONTHS, [10 * i for i in range(12)], [5] * 12)
    tree = _render(app, "{{ trend(t, 'Downloads by month', '2026', '2025') }}", t=drawn)
    _assert_allowed_by_the_csp(tree)
    [svg] = tree.xpath("//svg[@role='img']")
    _assert_an_image_named_by_its_title(svg, "Downloads by month")
    assert svg.xpath("polyline/@class") == ["trend-last", "trend-this"]
    titles = svg.xpath("circle[contains(@class, 'trend-this-point')]/title/text()")
    assert titles[3] == "2026, Apr: 30" and len(titles) == 12
    assert svg.findtext("desc") == "In all: 2026: 660; 2025: 60."
    assert [t.text for t in svg.xpath("text[@text-anchor='middle']")] == MONTHS


def test_the_matrix_is_a_table_of_coloured_cells(app: Flask) -> None:
    drawn = charts.matrix(["LIC", "HIC"], ["LIC", "HIC"], {("HIC", "LIC"): 400, ("LIC", "HIC"): 7})
    words = {"LIC": "Low income", "HIC": "High income"}
    tree = _render(
        app, "{{ matrix(m, 'Who shares with whom', words, words) }}", m=drawn, words=words
    )
    _assert_allowed_by_the_csp(tree)
    [table] = tree.xpath("//table")
    assert table.findtext("caption") == "Who shares with whom"
    assert table.xpath("tbody/tr/th[@scope='row']/text()") == ["Low income", "High income"]
    cells = [(td.get("class"), td.text) for td in table.xpath("tbody/tr/td")]
    assert cells == [("map-q0", "0"), ("map-q2", "7"), ("map-q5", "400"), ("map-q0", "0")]


def test_two_charts_on_one_page_have_their_own_ids(app: Flask) -> None:
    tree = _render(
        app,
        "{{ bars(b, 'Given') }}{{ bars(b, 'Taken') }}",
        b=charts.bars([("Kenya", 3)]),
    )
    ids = tree.xpath("//@id")
    assert len(ids) == 4 and len(set(ids)) == 4


def test_charts_speak_arabic_and_keep_their_drawing_left_to_right(app: Flask) -> None:
    tree = _render(
        app, "{{ world_map(m, 'الاستخدام') }}", language="ar", m=charts.world_map({"KE": 10})
    )
    [svg] = tree.xpath("//svg")
    assert svg.get("direction") == "ltr"
    assert svg.xpath("path[@data-country='KE']/title/text()") == ["كينيا: 10"]
    assert "لا استخدام" in "".join(tree.xpath("//li//text()"))
