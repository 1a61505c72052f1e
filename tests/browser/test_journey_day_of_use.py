"""The steps that broke in a day of use of the demo (issue "A day of use"), walked in a real
browser as each persona would: each test fails where a person would have noticed."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

CONSORTIUM_ADMIN = "consortium.admin@demo.example.org"


def test_the_consortium_admin_suspends_a_school_and_reinstates_it(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, CONSORTIUM_ADMIN)
    page.goto(f"{live_hub}/consortium/")
    page.get_by_role("link", name="University of the West Indies, Mona").first.click()
    page.get_by_label("Reason").fill("Fees unpaid for two years.")
    started = time.monotonic()
    page.get_by_role("button", name="Suspend").click()
    # Suspending hides the school's shared materials from everyone else: asked first.
    assert "Fees unpaid for two years." in page.content()
    page.get_by_role("button", name=re.compile("Suspend")).last.click()
    page.wait_for_selector("text=is now suspended")
    # It once waited 30 s on its own lock and ended in "Internal Server Error".
    assert time.monotonic() - started < 10
    assert "Internal Server Error" not in page.content()
    page.get_by_label("Reason").fill("Fees paid.")
    page.get_by_role("button", name="Reinstate").click()
    page.wait_for_selector("text=is now active")


def test_search_snippets_show_words_not_markdown(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, "student1.uwim@demo.example.org")
    page.goto(f"{live_hub}/search?q=malaria")
    snippets = page.locator(".hit-list").inner_text()
    assert "alaria" in snippets
    assert "**" not in snippets
    assert "](" not in snippets


DESKTOP_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def _previews(page: Any, live_hub: str) -> int:
    page.goto(f"{live_hub}/school/report")
    row = page.locator("table#kinds tbody tr", has_text="Files read on screen")
    # The demo's year of use has dozens: never a count masked as "< 5".
    return int(row.locator("td").first.inner_text().replace(",", "")) if row.count() else 0


def test_reading_a_pdf_on_screen_counts_one_preview(browser: Any, live_hub: str) -> None:
    # A headless browser says so in its user agent, and COUNTER counts no robot: the reader's
    # browser is an ordinary one.
    owner, reader = browser.new_context(), browser.new_context(user_agent=DESKTOP_CHROME)
    try:
        admin_page, student_page = owner.new_page(), reader.new_page()
        sign_in(admin_page, live_hub, "schooladmin1.uwim@demo.example.org")
        before = _previews(admin_page, live_hub)

        # A student of another school reads a PDF of the owner school on screen: the page
        # embeds rendered images and is opened again within seconds.
        sign_in(student_page, live_hub, "student1.muchs@demo.example.org")
        admin_page.goto(f"{live_hub}/materials/mine")
        links = admin_page.locator("main a[href^='/materials/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        reading = None
        for href in [h for h in links if re.fullmatch(r"/materials/\d+", h)][:40]:
            student_page.goto(live_hub + href)
            found = student_page.locator("a", has_text="Read on screen")
            if found.count():
                reading = found.first
                break
        assert reading is not None, "the owner school shares a PDF with the other school"
        reading.click()
        shown = student_page.locator(".page-view img")
        shown.evaluate("img => img.complete || new Promise(r => img.addEventListener('load', r))")
        student_page.reload()

        assert _previews(admin_page, live_hub) == before + 1
    finally:
        owner.close()
        reader.close()
