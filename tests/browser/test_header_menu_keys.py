"""The header's Administration menu closes as a menu does: Escape, or a click elsewhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

ADMIN = "schooladmin1.uwim@demo.example.org"  # an English-speaking school


def _open_menu(page: Any, live_hub: str) -> Any:
    sign_in(page, live_hub, ADMIN)
    page.get_by_text("Administration").click()
    menu = page.locator(".nav-menu details")
    assert menu.get_attribute("open") is not None
    return menu


def test_escape_closes_the_admin_menu_and_keeps_the_focus_on_it(page: Any, live_hub: str) -> None:
    menu = _open_menu(page, live_hub)
    page.keyboard.press("Escape")
    assert menu.get_attribute("open") is None
    assert page.evaluate("document.activeElement.classList.contains('nav-summary')")


def test_a_click_elsewhere_closes_the_admin_menu(page: Any, live_hub: str) -> None:
    menu = _open_menu(page, live_hub)
    page.locator("main h1").first.click()
    assert menu.get_attribute("open") is None
