"""What membership is worth, in a real browser: a school admin opens the dashboard on the demo
and sees a map coloured for every country in the figures, the trend against last year, and
tables whose CSV totals equal the page's; no chart is blocked by the Content-Security-Policy
(the page fixture fails on any violation)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

ADMIN = "schooladmin1.uwim@demo.example.org"  # University of the West Indies, Mona
CONSORTIUM = "consortium.admin@demo.example.org"


def _rows(table: Any) -> dict[str, str]:
    """A count table's rows: label -> count as shown."""
    out = {}
    for row in table.locator("tbody tr").all():
        cells = row.locator("th, td").all_inner_texts()
        if len(cells) >= 2:
            out[cells[0].strip()] = cells[1].strip()
    return out


def test_a_school_admin_sees_where_the_materials_are_used(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, ADMIN)
    page.locator(".nav-menu summary").click()
    page.locator(".nav-menu").get_by_role("link", name="Usage").click()
    page.wait_for_url("**/school/report")
    countries = _rows(page.locator("table#countries"))
    assert countries, "the demo's year of use shows countries"
    # Every country of the table is coloured on the map (a step above "no use").
    coloured = page.locator("svg [data-country]:not(.map-q0)")
    assert coloured.count() >= len(countries)
    for code in page.locator("svg [data-country]:not(.map-q0)").evaluate_all(
        "els => els.map(e => e.getAttribute('data-country'))"
    ):
        assert code
    # The trend against last year is drawn.
    assert page.locator("svg polyline, svg path.trend-line, svg .trend-this").count() >= 1
    # The CSV's totals are the page's.
    total = page.locator("table#countries tfoot td").inner_text().strip()
    response = page.request.get(f"{live_hub}/school/report/countries.csv")
    rows = list(csv.reader(io.StringIO(response.text().lstrip("\ufeff"))))
    assert rows[-1] == ["Total", total]
    assert {r[0]: r[1] for r in rows[1:-1]} == countries


def test_the_consortium_admin_sees_the_flows_between_regions(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, CONSORTIUM)
    page.get_by_role("link", name="Statistics").click()
    page.wait_for_url("**/consortium/statistics")
    assert page.locator("#region-flows table td").count() >= 4
    assert page.get_by_role("heading", name="Materials most adopted across regions").is_visible()
