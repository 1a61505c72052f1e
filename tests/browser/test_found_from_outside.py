"""What others read of a public material page, in a real browser: its schema.org JSON-LD is
there and the Content-Security-Policy (no inline script) neither blocks nor reports it; the
page says how to cite and attribute the version."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_a_public_page_carries_json_ld_that_the_csp_lets_be(page: Any, live_hub: str) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sitemap = page.request.get(f"{live_hub}/sitemap.xml").text()
    first = re.search(r"<loc>([^<]+)</loc>", sitemap)
    assert first, "the sitemap lists public materials"
    page.goto(first.group(1))
    data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert data["@type"] == "LearningResource" and data["url"].startswith(first.group(1))
    assert data["about"][0]["identifier"].startswith("D")  # the demo's topics are MeSH
    assert not [p for p in problems if "Content Security Policy" in p], problems
    cite = page.get_by_role("region", name="Cite or attribute")
    assert data["url"] in cite.text_content()
    assert cite.get_by_role("link", name="BibTeX").get_attribute("download") is not None
