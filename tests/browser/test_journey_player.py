"""Finding one's way, in a real browser: a student goes through a module and comes back to it
from home; a school admin reads the header in one row and uses its admin menu; the consortium
admin finds a school by its country."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import DEMO_PASSWORD, sign_in

pytestmark = pytest.mark.browser

STUDENT = "student1.uwim@demo.example.org"  # University of the West Indies, Mona: a module
ADMINS = {
    "fr": "schooladmin1.ucadf@demo.example.org",  # Université Cheikh Anta Diop
    "pt": "schooladmin1.ufmg@demo.example.org",  # Universidade Federal de Minas Gerais
}


def _sign_in_any_language(page: Any, base: str, email: str) -> None:
    """Sign in as a person whose pages then speak their own language."""
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*/sign-in).*$"))


def _item_title(page: Any) -> str:
    return str(page.locator("h1").inner_text())


def test_a_student_goes_through_a_module_and_continues_from_home(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, STUDENT)
    page.locator("#modules-heading + ul .title").first.click()
    module_title = _item_title(page)
    items = page.locator("ol.module-items > li > a")
    assert items.count() >= 3
    items.first.click()
    steps = page.locator(".module-nav")
    assert "Item 1 of" in steps.inner_text()
    first = _item_title(page)

    steps.get_by_role("link", name=re.compile("Next")).click()
    assert "Item 2 of" in page.locator(".module-nav").inner_text()
    page.locator(".module-nav").get_by_role("link", name=re.compile("Next")).click()
    third = _item_title(page)
    assert "Item 3 of" in page.locator(".module-nav").inner_text()
    page.locator(".module-nav").get_by_role("link", name=re.compile("Previous")).click()
    second = _item_title(page)
    assert "Item 2 of" in page.locator(".module-nav").inner_text()
    assert len({first, second, third}) == 3

    page.get_by_role("link", name="Back to the module").click()
    assert _item_title(page) == module_title

    page.get_by_role("link", name="Home").first.click()
    place = page.locator("#continue-heading + ul li").first
    assert module_title in place.inner_text()
    place.locator("a.title").click()
    assert _item_title(page) == second
    assert "Item 2 of" in page.locator(".module-nav").inner_text()


@pytest.mark.parametrize("language", ["fr", "pt"])
def test_a_school_admin_reads_the_header_in_one_row_and_uses_the_admin_menu(
    page: Any, live_hub: str, language: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in_any_language(page, live_hub, ADMINS[language])
    assert page.locator("html").get_attribute("lang") == language
    nav = page.locator("header nav")
    link = nav.locator("a").first.bounding_box()
    assert nav.bounding_box()["height"] < 1.5 * link["height"], "the navigation wraps"

    menu = nav.locator(".nav-menu summary")
    people = {"fr": "Personnes", "pt": "Pessoas"}[language]
    assert not nav.get_by_role("link", name=people).is_visible()
    menu.focus()
    page.keyboard.press("Enter")  # a keyboard opens it as a click does
    nav.get_by_role("link", name=people).wait_for(state="visible")
    nav.get_by_role("link", name=people).click()
    page.wait_for_url(re.compile(r"/school/people"))
    assert page.locator(".nav-menu summary.current").count() == 1


def test_the_consortium_admin_finds_a_school_by_its_country(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, "consortium.admin@demo.example.org")
    page.get_by_role("link", name="Consortium", exact=True).click()
    search = page.get_by_role("search")
    search.get_by_label("Name or country").fill("Senegal")
    search.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=Senegal"))
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    assert all("Senegal" in rows.nth(i).inner_text() for i in range(rows.count()))
    assert "Université Cheikh Anta Diop" in rows.first.inner_text()
