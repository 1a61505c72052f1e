"""Forms that do what a person expects, in a real browser: search facets apply as they are
ticked and fold long groups; the sharing form shows the picker its "With" choice needs;
a translation's original is found by search."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_ticking_a_language_facet_applies_it_without_a_button(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, "student1.unsm@demo.example.org")
    page.goto(f"{live_hub}/search?q=")
    heading = page.locator("#hits-heading").inner_text()
    assert not page.get_by_role("button", name="Apply filters").is_visible()
    language = page.locator("fieldset.facet").filter(has_text="Language").first
    # A click, not check(): the page is already the next one when a check would look.
    language.locator("input[type=checkbox]").first.click()
    page.wait_for_url(re.compile(r"language="))
    assert "Remove filter Language" in page.content()
    assert page.locator("#hits-heading").inner_text() != heading
    # The box that was ticked has the focus back, ticked, on the new page.
    assert page.evaluate("() => document.activeElement.checked") is True


def test_a_long_facet_group_is_folded_and_opens(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, "teacher1.unsm@demo.example.org")
    page.goto(f"{live_hub}/search?q=")
    fold = page.locator("details.facet-more").first
    hidden_box = fold.locator("input[type=checkbox]").first
    assert not hidden_box.is_visible()
    fold.locator("summary").click()
    assert hidden_box.is_visible()
    hidden_box.click()
    page.wait_for_url(re.compile(r"\?.*="))
    assert "Remove filter" in page.content()
