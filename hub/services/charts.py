"""The geometry of the usage dashboards' charts, drawn server-side as SVG.

The pages' Content-Security-Policy admits no script and no inline style, so every chart is
plain SVG (or a table) that ``templates/charts/_charts.html`` writes from what this module
computes: which colour step each figure takes, where each bar ends, where each point of a
trend sits. Nothing here knows Flask, SQL or words: callers pass counts, and the templates
name things in the reader's language.

One colour scale serves the map and the matrix: step 0 is "no use", steps 1 to 5 divide the
non-zero counts on a logarithmic scale with round bounds (see ``Scale``), so that one country
with a hundred times the use of the rest does not leave them all in the palest step. Counts
under ``SMALL`` share one step and are shown as "< 5" (the templates' ``figure`` macro).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

STEPS = 5  # colour steps for non-zero counts (CSS classes map-q1 ... map-q5; map-q0 is none)
# Statistics show counts under this as "< 5" (issue 22: no small group of people is singled
# out), and the colour steps never tell them apart either. Pass ``small=0`` for figures that
# count no people (or only the reader's own school's).
SMALL = 5


class LegendStep(NamedTuple):
    """One colour step and the counts it stands for (``0, 0`` for "no use")."""

    bucket: int
    low: int
    high: int


def _round_number(value: float) -> int:
    """The 1-2-5 number (1, 2, 5, 10, 20...) nearest ``value`` on a logarithmic scale."""
    if value <= 1:
        return 1
    decade = 10 ** math.floor(math.log10(value))
    candidates = [m * decade for m in (1, 2, 5, 10)]
    return min(candidates, key=lambda c: abs(math.log10(c) - math.log10(value)))


@dataclass(frozen=True)
class Scale:
    """Colour steps over non-zero counts: the upper bound of each step, lowest first.

    The bounds are the largest count's 1/5, 2/5, 3/5 and 4/5 powers rounded to 1-2-5 numbers
    (for a largest count of 1,000: 1-2, 3-10, 11-50, 51-200, 201-1,000), then the largest
    count itself. Bounds that round to the same number merge, and the steps are then numbered
    from the top, so the largest count is always step 5 and a smaller count never takes a
    darker step than a larger one. With ``small``, no bound falls below ``small - 1``: the
    counts that are shown as "< 5" are one step. Quantiles were not chosen: with the few
    countries a school reaches they would split equal counts and make a legend of odd, shifting
    bounds.
    """

    uppers: tuple[int, ...]

    @classmethod
    def over(cls, counts: Iterable[int], small: int = 0) -> Scale:
        """The scale for ``counts`` (zeros take no part; negative counts are a mistake)."""
        values = list(counts)
        if any(v < 0 for v in values):
            raise ValueError("counts cannot be negative")
        top = max(values, default=0)
        if top == 0:
            return cls(uppers=())
        hidden = max(small - 1, 0)  # the largest count shown as "< small"
        bounds = {max(_round_number(top ** (k / STEPS)), hidden) for k in range(1, STEPS)}
        return cls(uppers=(*sorted(b for b in bounds if b < top), max(top, hidden)))

    def bucket(self, count: int) -> int:
        """The colour step of ``count``: 0 for none, else 1 (least) to 5 (most)."""
        if count <= 0 or not self.uppers:
            return 0
        first = STEPS + 1 - len(self.uppers)
        for offset, upper in enumerate(self.uppers):
            if count <= upper:
                return first + offset
        return STEPS  # above the largest count the scale was made for: the darkest step

    @property
    def legend(self) -> list[LegendStep]:
        """Step 0 ("no use"), then each step in use with its lowest and highest count."""
        steps = [LegendStep(0, 0, 0)]
        low = 1
        for upper in self.uppers:
            steps.append(LegendStep(self.bucket(upper), low, upper))
            low = upper + 1
        return steps


# World map ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapCountry:
    """One country's shape with its count and colour step."""

    code: str  # ISO 3166-1 alpha-2, upper case
    path: str  # SVG path data in the map's viewBox
    count: int
    bucket: int
    # Where to draw a dot for a country with use that is too small to see (Singapore, Malta).
    dot: tuple[float, float] | None = None


@dataclass(frozen=True)
class WorldMap:
    """Every country of the shipped shapes, coloured by use, and the legend of its steps."""

    view_box: str
    countries: list[MapCountry]
    legend: list[LegendStep]
    small: int = SMALL  # counts under this are shown as "< small"

    @property
    def countries_with_use(self) -> int:
        """How many countries have a count above zero."""
        return sum(1 for c in self.countries if c.count)


@dataclass(frozen=True)
class _Shapes:
    view_box: str
    paths: dict[str, str]  # code -> path data
    small: dict[str, tuple[float, float]]  # code -> centre, for countries too small to see


@functools.cache
def _shapes() -> _Shapes:
    """The shipped map (``hub/data/world_map.json``; its source: ``WORLD_MAP_SOURCE.md``)."""
    text = resources.files("hub").joinpath("data/world_map.json").read_text(encoding="utf-8")
    document = json.loads(text)
    return _Shapes(
        view_box=document["view_box"],
        paths=document["countries"],
        small={code: (x, y) for code, (x, y) in document["small"].items()},
    )


def world_map(counts: Mapping[str, int], small: int = SMALL) -> WorldMap:
    """The world map for ``counts`` (ISO alpha-2 code, any case -> count).

    Every country is drawn (step 0 without use); codes the shapes do not have are ignored, so a
    count from a place the map cannot show never breaks the page. Counts under ``small`` are
    shown as "< small" and share the lightest step.
    """
    shapes = _shapes()
    by_code: dict[str, int] = {}
    for code, count in counts.items():
        key = code.strip().upper()
        if key in shapes.paths:
            by_code[key] = by_code.get(key, 0) + count
    scale = Scale.over(by_code.values(), small)
    drawn = []
    for code, path in shapes.paths.items():
        count = by_code.get(code, 0)
        dot = shapes.small.get(code) if count else None
        drawn.append(MapCountry(code, path, count, scale.bucket(count), dot))
    return WorldMap(shapes.view_box, drawn, scale.legend, small)


# Bars --------------------------------------------------------------------------------------

BAR_VIEW_WIDTH = 640
BAR_LABEL_WIDTH = 200  # the labels end here (text-anchor end), the bars start here
BAR_LENGTH = 360  # the longest bar; room remains after it for its figure
BAR_ROW = 26
BAR_THICKNESS = 18
LABEL_CHARACTERS = 28  # longer labels are shortened in the drawing (whole in its tooltip)


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: its words, figure, and length as a fraction of the longest."""

    label: str
    value: int
    fraction: float  # 0..1 of ``Bars.most``
    y: float  # top of the bar in the viewBox
    length: float  # in viewBox units, from ``BAR_LABEL_WIDTH``

    @property
    def short_label(self) -> str:
        """The label as drawn: shortened with an ellipsis when it would not fit."""
        if len(self.label) <= LABEL_CHARACTERS:
            return self.label
        return self.label[: LABEL_CHARACTERS - 1].rstrip() + "…"

    @property
    def text_y(self) -> float:
        """The baseline of the row's label and figure, centred on the bar."""
        return self.y + BAR_THICKNESS / 2 + 5


@dataclass(frozen=True)
class Bars:
    """A horizontal bar chart in a fixed viewBox."""

    rows: list[Bar]
    most: int
    view_box: str
    small: int = SMALL  # figures under this are shown as "< small"
    label_end: int = BAR_LABEL_WIDTH
    thickness: int = BAR_THICKNESS


def bars(rows: Sequence[tuple[str, int]], most: int | None = None, small: int = SMALL) -> Bars:
    """Bars for ``rows`` (label, value) in the order given.

    ``most`` is the value drawn at full length (the largest row's by default); pass the same
    ``most`` to two charts to draw them on one scale (what a school gives against what it
    takes). Values above it are drawn at full length. Figures under ``small`` are shown as
    "< small" (their bars keep their length: a bar alone names nobody).
    """
    if any(value < 0 for _label, value in rows):
        raise ValueError("bar values cannot be negative")
    top = most if most is not None else max((value for _label, value in rows), default=0)
    drawn = []
    for index, (label, value) in enumerate(rows):
        fraction = min(value / top, 1.0) if top > 0 else 0.0
        drawn.append(
            Bar(
                label=label,
                value=value,
                fraction=fraction,
                y=index * BAR_ROW + (BAR_ROW - BAR_THICKNESS) / 2,
                length=round(fraction * BAR_LENGTH, 2),
            )
        )
    height = max(len(rows), 1) * BAR_ROW
    return Bars(drawn, top, f"0 0 {BAR_VIEW_WIDTH} {height}", small)


# Trend -------------------------------------------------------------------------------------

TREND_WIDTH, TREND_HEIGHT = 640, 260
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 56, 624, 12, 228  # the plot's box
TREND_TICKS = 4  # about this many steps up the value axis (at most one more)


class Tick(NamedTuple):
    """A mark on an axis: what it says and where (x for months, y for values)."""

    label: str | int
    at: float


class TrendPoint(NamedTuple):
    """One month's value and where it is drawn."""

    month: str
    value: int
    x: float
    y: float


@dataclass(frozen=True)
class Series:
    """One line of a trend."""

    points: list[TrendPoint]

    @property
    def polyline(self) -> str:
        """The ``points`` attribute of an SVG polyline."""
        return " ".join(f"{p.x:g},{p.y:g}" for p in self.points)

    @property
    def total(self) -> int:
        """The sum of the series' values."""
        return sum(p.value for p in self.points)


@dataclass(frozen=True)
class Trend:
    """This year's and last year's monthly values in one fixed viewBox."""

    view_box: str
    months: list[Tick]
    values: list[Tick]
    this_year: Series
    last_year: Series
    small: int = SMALL  # points' figures under this are shown as "< small"
    left: int = TREND_LEFT
    right: int = TREND_RIGHT
    top: int = TREND_TOP
    bottom: int = TREND_BOTTOM


def _axis_top(largest: int) -> tuple[int, int]:
    """The smallest 1-2-5 step (1, 2, 5, 10...) that reaches ``largest`` in at most
    ``TREND_TICKS + 1`` steps, and the round top of the axis it reaches."""
    step = 1
    while math.ceil(largest / step) > TREND_TICKS + 1:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step, max(math.ceil(largest / step), 1) * step


def trend(
    months: Sequence[str],
    this_year: Sequence[int],
    last_year: Sequence[int],
    small: int = SMALL,
) -> Trend:
    """The trend over ``months`` (their names as drawn, in order).

    Either year may be shorter than ``months`` (a year in progress): its line stops at its last
    value. Longer is a mistake. The points' figures under ``small`` are shown as "< small".
    """
    if len(this_year) > len(months) or len(last_year) > len(months):
        raise ValueError("a series has more values than there are months")
    if any(v < 0 for v in (*this_year, *last_year)):
        raise ValueError("trend values cannot be negative")
    step, top = _axis_top(max((*this_year, *last_year), default=0))
    span = len(months) - 1

    def x(index: int) -> float:
        if span == 0:
            return (TREND_LEFT + TREND_RIGHT) / 2
        return round(TREND_LEFT + index * (TREND_RIGHT - TREND_LEFT) / span, 2)

    def y(value: float) -> float:
        return round(TREND_BOTTOM - value / top * (TREND_BOTTOM - TREND_TOP), 2)

    def series(values: Sequence[int]) -> Series:
        return Series([TrendPoint(months[i], v, x(i), y(v)) for i, v in enumerate(values)])

    return Trend(
        view_box=f"0 0 {TREND_WIDTH} {TREND_HEIGHT}",
        months=[Tick(m, x(i)) for i, m in enumerate(months)],
        values=[Tick(v, y(v)) for v in range(0, top + 1, step)],
        this_year=series(this_year),
        last_year=series(last_year),
        small=small,
    )


# Matrix ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    """One flow: from the row's group to the column's, its count and colour step."""

    row: str
    column: str
    value: int
    bucket: int


@dataclass(frozen=True)
class Matrix:
    """A heat-map table of flows between groups (regions, income groups)."""

    rows: list[str]
    columns: list[str]
    cells: list[list[MatrixCell]]  # one list per row, in the columns' order
    legend: list[LegendStep]
    small: int = SMALL  # counts under this are shown as "< small"


def matrix(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Mapping[tuple[str, str], int],
    small: int = SMALL,
) -> Matrix:
    """The matrix of ``values`` ((row, column) -> count; missing pairs count 0).

    Pairs naming a row or column not listed are left out, and so is their count from the
    colour scale. Counts under ``small`` are shown as "< small" and share the lightest step.
    """
    listed_rows, listed_columns = set(rows), set(columns)
    shown = {
        pair: count
        for pair, count in values.items()
        if pair[0] in listed_rows and pair[1] in listed_columns
    }
    scale = Scale.over(shown.values(), small)
    cells = [
        [
            MatrixCell(r, c, shown.get((r, c), 0), scale.bucket(shown.get((r, c), 0)))
            for c in columns
        ]
        for r in rows
    ]
    return Matrix(list(rows), list(columns), cells, scale.legend, small)
