"""Regenerate ``hub/data/world_map.json`` (and ``WORLD_MAP_SOURCE.md``) from ``@svg-maps/world``.

The usage dashboards draw a world map server-side (``hub/services/charts.py``). Its country
shapes come from the npm package ``@svg-maps/world`` (Victor Cazanave, after MapSVG's world
map; CC BY 4.0): one SVG path per country, with lower-case ISO 3166-1 alpha-2 ids. To refresh:

    cd /tmp && npm pack @svg-maps/world
    python scripts/refresh_world_map.py /tmp/svg-maps-world-*.tgz

The package's paths (1.2 MB) are simplified so that a page carrying the map stays light:
each ring is thinned with Douglas-Peucker (tolerance ``TOLERANCE`` viewBox units, below a
pixel at the sizes the dashboards draw), rings smaller than ``SMALLEST`` square units are
dropped unless they are a country's largest (so every island state keeps a shape), and
coordinates are rounded to one decimal. Countries too small to see (under ``MARKED`` units
either way) get a centre under ``small``, where the map draws a dot when they have use.

Ids that are not a country of the hub's table are folded into the country that ISO 3166-1
and UN M49 count them in: the six United States Minor Outlying Islands (``um-dq``...) into
UM, Glorioso and Juan de Nova islands into TF, and Kosovo (not in ISO 3166-1 or M49, so no
school can be there) into RS.
"""

from __future__ import annotations

import datetime
import json
import math
import pathlib
import re
import sys
import tarfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = ROOT / "hub" / "data" / "world_map.json"
SOURCE_NOTE = ROOT / "hub" / "data" / "WORLD_MAP_SOURCE.md"
TOLERANCE = 0.35
SMALLEST = 1.0
MARKED = 4.0  # countries narrower and shorter than this (viewBox units) also get a dot's place
FOLDED = {"GO": "TF", "JU": "TF", "XK": "RS"}
PATH = re.compile(r'<path\s+d="([^"]*)"\s+aria-label="([^"]*)"\s+id="([^"]*)"')
VIEW_BOX = re.compile(r'viewBox="([^"]*)"')
TOKEN = re.compile(r"[mMzZ]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")

Point = tuple[float, float]


def rings(d: str) -> list[list[Point]]:
    """The closed rings of a path made of relative ``m`` (with implicit ``l``) and ``z``."""
    found: list[list[Point]] = []
    x = y = 0.0
    tokens = TOKEN.findall(d)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in "zZ":
            x, y = found[-1][0]  # after a close, the pen is back at the ring's start
            i += 1
            continue
        if token != "m":
            raise ValueError(f"unexpected path command {token!r}")
        i += 1
        ring: list[Point] = []
        while i + 1 < len(tokens) and tokens[i] not in "mMzZ":
            x, y = x + float(tokens[i]), y + float(tokens[i + 1])
            ring.append((x, y))
            i += 2
        found.append(ring)
    return found


def _distance(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == dy == 0:
        return math.hypot(p[0] - a[0], p[1] - a[1])
    return abs(dx * (a[1] - p[1]) - dy * (a[0] - p[0])) / math.hypot(dx, dy)


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """The points of an open line that keep it within ``tolerance`` (iterative, no recursion)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = 0.0, first
        for k in range(first + 1, last):
            gap = _distance(points[k], points[first], points[last])
            if gap > farthest:
                farthest, index = gap, k
        if farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def simplify(ring: list[Point]) -> list[Point]:
    """A closed ring thinned in two halves split at the point farthest from its start."""
    if len(ring) < 4:
        return ring
    start = ring[0]
    far = max(range(len(ring)), key=lambda k: math.dist(ring[k], start))
    first = douglas_peucker(ring[: far + 1], TOLERANCE)
    second = douglas_peucker([*ring[far:], start], TOLERANCE)
    thinned = first + second[1:-1]
    if len(thinned) >= 3:
        return thinned
    # A ring smaller than the tolerance (a micro-state): keep its widest triangle, so the
    # country still has a shape to colour.
    third = max(range(len(ring)), key=lambda k: _distance(ring[k], start, ring[far]))
    return [ring[k] for k in sorted({0, far, third})]


def area(ring: list[Point]) -> float:
    """The ring's area (shoelace formula)."""
    return (
        abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1], strict=True)))
        / 2
    )


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    text = text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text
    return "0" if text in ("-0", "") else text


def path_data(shapes: list[list[Point]]) -> str:
    """Compact path data: each ring an absolute ``M``, relative ``l`` steps on rounded values."""
    parts = []
    for ring in shapes:
        rounded = [(round(x, 1), round(y, 1)) for x, y in ring]
        steps = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(rounded, rounded[1:], strict=False)]
        moves = " ".join(f"{_number(dx)} {_number(dy)}" for dx, dy in steps if dx or dy)
        head = f"M{_number(rounded[0][0])} {_number(rounded[0][1])}"
        parts.append(f"{head}l{moves}z" if moves else f"{head}z")
    return "".join(parts).replace(" -", "-")


def country_shapes(svg: str) -> dict[str, list[list[Point]]]:
    """Each hub country code -> its simplified rings (see the module's note on folded ids)."""
    shapes: dict[str, list[list[Point]]] = {}
    for d, _name, ident in PATH.findall(svg):
        code = ident.split("-")[0].upper()
        code = FOLDED.get(code, code)
        all_rings = [simplify(r) for r in rings(d) if len(r) >= 3]
        largest = max(area(r) for r in all_rings)
        kept = [r for r in all_rings if area(r) >= min(SMALLEST, largest) and len(r) >= 3]
        shapes.setdefault(code, []).extend(kept)
    return shapes


def small_places(shapes: dict[str, list[list[Point]]]) -> dict[str, list[float]]:
    """The centre of each country too small to see on the map, where a dot can mark it."""
    places = {}
    for code, rings_ in shapes.items():
        xs = [x for ring in rings_ for x, _y in ring]
        ys = [y for ring in rings_ for _x, y in ring]
        if max(xs) - min(xs) < MARKED and max(ys) - min(ys) < MARKED:
            places[code] = [round((max(xs) + min(xs)) / 2, 1), round((max(ys) + min(ys)) / 2, 1)]
    return places


def main(tgz: str) -> None:
    with tarfile.open(tgz) as archive:

        def read(name: str) -> str:
            member = archive.extractfile(f"package/{name}")
            assert member is not None, name
            return member.read().decode("utf-8")

        svg, package, licence = (
            read("world.svg"),
            json.loads(read("package.json")),
            read("LICENSE.md"),
        )
    today = datetime.date.today().isoformat()
    found = VIEW_BOX.search(svg)
    assert found is not None, "the SVG has no viewBox"
    shapes = country_shapes(svg)
    document = {
        "source": (
            f"{package['name']} {package['version']} ({package['license']}), by "
            f"{package['author'].split(' <')[0]} after MapSVG's world map; simplified "
            f"{today} by scripts/refresh_world_map.py (see WORLD_MAP_SOURCE.md)"
        ),
        "view_box": found.group(1),
        "countries": {code: path_data(shapes[code]) for code in sorted(shapes)},
        "small": small_places(shapes),
    }
    TARGET.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    SOURCE_NOTE.write_text(
        f"# Source of `world_map.json`\n\n"
        f"- Package: [`{package['name']}`](https://www.npmjs.com/package/{package['name']}) "
        f"version {package['version']} ({package['repository']['url']}), by "
        f"{package['author'].split(' <')[0]}.\n"
        "- Based on the world map of [MapSVG](https://mapsvg.com/maps/world), under the same "
        "licence.\n"
        f"- Licence: {package['license']} (Creative Commons Attribution 4.0 International, "
        "text below). The hub credits it under every map it draws.\n"
        f"- Fetched and converted: {today}, by `scripts/refresh_world_map.py` (the script's "
        "docstring says how to refresh).\n"
        "- Changes made: paths simplified (Douglas-Peucker, tolerance "
        f"{TOLERANCE} viewBox units; rings under {SMALLEST} square units dropped unless a "
        "country's largest; coordinates rounded to one decimal); ids upper-cased; the six "
        "United States Minor Outlying Islands joined into UM, Glorioso and Juan de Nova "
        "islands into TF, Kosovo into RS (the hub's country table follows ISO 3166-1 and "
        "UN M49).\n\n"
        "## Licence text (as shipped in the package's LICENSE.md)\n\n" + licence,
        encoding="utf-8",
    )
    print(f"{TARGET}: {len(shapes)} countries, {TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
