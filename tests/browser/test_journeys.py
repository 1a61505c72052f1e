"""What people do with the hub, in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import new_draft, sign_in

pytestmark = pytest.mark.browser


def test_a_visitor_searches_public_materials(page: Any, live_hub: str) -> None:
    page.goto(live_hub)
    page.get_by_label("Search the catalogue").fill("malaria")
    page.get_by_role("button", name="Search").first.click()
    page.wait_for_url(re.compile(r"/search\?q=malaria"))
    heading = page.locator("#hits-heading").inner_text()
    assert "material" in heading
    # Only public materials: every hit opens for a visitor.
    first = page.locator(".hit-list .title").first
    if first.count():
        first.click()
        assert page.locator("h1").count() == 1
        assert "Why can I see this?" in page.content()
        assert "shared with everyone" in page.content()


def test_a_student_searches_with_facets_and_opens_a_material(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, "student1.unsm@demo.example.org")
    page.goto(f"{live_hub}/search?q=")
    facet = (
        page.locator("fieldset.facet")
        .filter(has_text="Language")
        .locator("input[type=checkbox]")
        .first
    )
    facet.click()  # applies at once (search.js)
    page.wait_for_url(re.compile(r"language="))
    assert "Remove filter Language" in page.content()
    page.locator(".hit-list .title").first.click()
    assert "Why can I see this?" in page.content()
    preview = page.get_by_role("link", name="Preview").first
    if preview.count():
        href = preview.get_attribute("href")
        response = page.request.get(live_hub + href)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"


def test_a_teacher_publishes_shares_with_a_region_and_sees_who_can(
    page: Any, live_hub: str, tmp_path: Path
) -> None:
    from hub.services.sample_files import pdf_document

    new_draft(page, live_hub, "Browser-made lecture on snakebite")
    pdf = tmp_path / "snakebite.pdf"
    pdf.write_bytes(pdf_document("Snakebite", ["Antivenom and first aid."]))
    # What is typed before attaching a file survives the upload.
    page.get_by_label("Summary").fill("First aid and **antivenom** for snakebite.")
    page.locator("#files input[type=file]").set_input_files(str(pdf))
    page.locator("#files").get_by_role("button", name="Attach").click()
    # The progress list names the file at once; the list of attached files names it only on
    # the page the hub answers with once the draft is saved and the file attached.
    page.wait_for_selector("#files ul.files >> text=snakebite.pdf")
    page.wait_for_load_state("load")
    assert page.get_by_label("Summary").input_value() == (
        "First aid and **antivenom** for snakebite."
    )
    page.get_by_label("Language", exact=True).select_option("en")
    page.get_by_label("Level").select_option("clinical")
    page.get_by_label("Type of resource").select_option("lecture")
    page.get_by_label("Sub-Saharan Africa").check()
    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_selector("text=is published")
    page.get_by_text("Share with more schools").click()
    page.get_by_label("With").select_option("regions")
    page.locator("#sharing").get_by_label("Latin America and the Caribbean").check()
    page.locator("#sharing").get_by_role("button", name="Add grant").click()
    page.wait_for_selector("text=The grant is added")
    assert "Who can see this:" in page.content()
    assert "Latin America and the Caribbean" in page.locator("#sharing").inner_text()


def test_a_school_admin_invites_people_from_a_csv(page: Any, live_hub: str, tmp_path: Path) -> None:
    sign_in(page, live_hub, "schooladmin1.unsm@demo.example.org")
    page.goto(f"{live_hub}/school/invitations/import")
    csv = tmp_path / "people.csv"
    csv.write_text(
        "email;name;role\nnew.student@example.org;New Student;student\nbroken;Broken;student\n",
        encoding="utf-8",
    )
    page.get_by_label(re.compile("CSV file")).set_input_files(str(csv))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("text=Preview: nothing has been sent yet")
    assert "invalid email" in page.content()
    page.get_by_role("button", name="Invite 1 person").click()
    page.wait_for_selector("text=1 invitation sent")
    assert "new.student@example.org" in page.content()


def test_a_consortium_admin_admits_a_school(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, "consortium.admin@demo.example.org")
    page.goto(f"{live_hub}/consortium/")
    page.get_by_role("link", name="Hanoi Medical University").first.click()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("text=is now active")
    assert "Application received." in page.content()


def test_a_student_previews_a_pdf_seeks_in_a_video_and_bookmarks_it(
    page: Any, live_hub: str
) -> None:
    sign_in(page, live_hub, "student1.unsm@demo.example.org")
    video_statuses: list[int] = []
    page.on(
        "response",
        lambda r: video_statuses.append(r.status) if r.url.endswith("/stream") else None,
    )
    page.goto(f"{live_hub}/search?q=&resource_type=video")
    page.locator(".hit-list .title").first.click()
    title = page.locator("h1").inner_text()
    here = page.url
    # The PDF is read on screen, page by page, as images the server renders.
    page.locator("a", has_text="Read on screen").first.click()
    shown = page.locator(".page-view img")
    shown.evaluate("img => img.complete || new Promise(r => img.addEventListener('load', r))")
    assert shown.evaluate("img => img.naturalWidth") > 0
    assert "Page 1 of" in page.locator("main").inner_text()
    page.goto(here)
    # Seeking lands where asked; the server answers the player's range requests.
    position = page.evaluate("""async () => {
        const v = document.querySelector('video');
        if (v.readyState < 1) {
            await new Promise(r => v.addEventListener('loadedmetadata', r, {once: true}));
        }
        const seeked = new Promise(r => v.addEventListener('seeked', r, {once: true}));
        v.currentTime = 12;
        await seeked;
        return {duration: v.duration, at: v.currentTime};
    }""")
    assert 19 < position["duration"] < 21
    assert abs(position["at"] - 12) < 0.5
    assert 206 in video_statuses
    # Bookmarking puts it on My list.
    page.get_by_role("button", name="Add to my list").click()
    page.wait_for_selector("text=On my list")
    page.get_by_role("link", name="My list").click()
    assert title in page.locator("main").inner_text()


def _catalogue(code: str) -> Any:
    from babel.support import Translations

    from hub.i18n import TRANSLATIONS

    return Translations.load(str(TRANSLATIONS), [code])


def test_the_interface_switches_to_french_and_to_arabic_right_to_left(
    page: Any, live_hub: str
) -> None:
    page.goto(f"{live_hub}/search?q=malaria")
    page.get_by_label("Interface language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    page.wait_for_selector("html[lang=fr]")
    french = _catalogue("fr")
    assert page.url.endswith("/search?q=malaria")
    assert page.get_attribute("html", "dir") == "ltr"
    nav = page.get_by_role("navigation", name=french.gettext("Main")).inner_text()
    assert french.gettext("Search") in nav and french.gettext("Browse") in nav
    # The switcher keeps working in French: its label is French now.
    page.get_by_label(french.gettext("Interface language")).select_option("ar")
    page.get_by_role("button", name=french.gettext("Change")).click()
    page.wait_for_selector("html[lang=ar]")
    arabic = _catalogue("ar")
    assert page.get_attribute("html", "dir") == "rtl"
    main_nav = page.get_by_role("navigation", name=arabic.gettext("Main"))
    assert arabic.gettext("Search") in main_nav.inner_text()
    # Right to left: the brand sits at the right edge, the navigation to its left.
    brand = page.locator(".brand").bounding_box()
    nav_box = main_nav.bounding_box()
    assert brand["x"] > nav_box["x"]
    # The choice stays for the next page.
    page.goto(f"{live_hub}/browse")
    assert page.get_attribute("html", "lang") == "ar"


def test_facets_work_from_the_keyboard_with_a_visible_focus(page: Any, live_hub: str) -> None:
    page.goto(f"{live_hub}/search?q=")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.className, getComputedStyle(document.activeElement)"
        ".outlineStyle, getComputedStyle(document.activeElement).outlineWidth]"
    )
    assert focused[0] == "skip-link" and focused[1] != "none" and focused[2] != "0px"
    box = page.locator("fieldset.facet input[type=checkbox]").first
    box.focus()
    page.keyboard.press("Space")  # applies at once (search.js)
    page.wait_for_url(re.compile(r"language="))
    assert "Remove filter" in page.content()


def _bar_widths(page: Any) -> list[float]:
    widths: list[float] = page.locator("svg.bar rect").evaluate_all(
        "rects => rects.map(r => r.getBoundingClientRect().width)"
    )
    return widths


@pytest.mark.parametrize("code", ["en", "fr", "es", "pt", "ar"])
def test_the_home_chart_shows_its_bars_in_every_language(
    page: Any, live_hub: str, code: str
) -> None:
    page.context.add_cookies([{"name": "hub_language", "value": code, "url": live_hub}])
    page.goto(live_hub + "/")
    widths = _bar_widths(page)
    assert widths and min(widths) > 1


def test_the_directory_chart_shows_its_bars(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, "schooladmin1.unsm@demo.example.org")
    page.goto(live_hub + "/directory")
    widths = _bar_widths(page)
    assert widths and min(widths) > 1
