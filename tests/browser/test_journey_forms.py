"""Forms that do what a person expects, in a real browser: search facets apply as they are
ticked and fold long groups; the sharing form shows the picker its "With" choice needs;
a translation's original is found by search."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import new_draft, sign_in

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


def _pickers_shown(page: Any) -> list[str]:
    # A deferred script hides the pickers "With" does not name: read them once the page has
    # loaded (its deferred scripts run), not as soon as its first element can be clicked.
    page.wait_for_load_state("load")
    shown: list[str] = page.locator("#sharing [data-grant-kind]").evaluate_all(
        "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.grantKind)"
    )
    return shown


def test_the_sharing_form_shows_only_the_picker_that_with_picks(page: Any, live_hub: str) -> None:
    sign_in(page, live_hub, "teacher1.unsm@demo.example.org")
    page.goto(f"{live_hub}/materials/mine")
    page.locator("tbody tr").filter(has_text="published").first.locator("a").first.click()
    page.get_by_text("Share with more schools").click()
    assert _pickers_shown(page) == []  # "Every member school" needs no picker
    page.get_by_label("With").select_option("regions")
    assert _pickers_shown(page) == ["regions"]
    page.get_by_label("With").select_option("schools")
    assert _pickers_shown(page) == ["schools"]
    # A region grant with no region chosen: said in words, the choice kept.
    page.get_by_label("With").select_option("regions")
    page.locator("#sharing").get_by_role("button", name="Add grant").click()
    page.wait_for_selector("text=Choose at least one region to share with.")
    assert page.get_by_label("With").input_value() == "regions"
    assert _pickers_shown(page) == ["regions"]


def test_a_teacher_finds_the_original_of_a_translation_as_they_type(
    page: Any, live_hub: str
) -> None:
    new_draft(page, live_hub, "Paludisme : traduction")
    page.get_by_label("Summary").fill("Ce que j'ai tapé avant de chercher.")
    page.get_by_label("Find the original by its title or words").press_sequentially("malaria")
    choose = page.locator("#original-candidates").get_by_role(
        "button", name="Choose as the original"
    )
    choose.first.wait_for()  # listed as one types: no page was loaded
    assert page.get_by_label("Summary").input_value() == "Ce que j'ai tapé avant de chercher."
    choose.first.click()
    page.wait_for_selector("text=It is a translation of")
    assert page.get_by_label("Summary").input_value() == "Ce que j'ai tapé avant de chercher."


def test_a_teacher_picks_mesh_topics_as_they_type_and_keeps_a_free_term(
    page: Any, live_hub: str
) -> None:
    new_draft(page, live_hub, "Fièvre et grossesse")
    picker = page.get_by_role("combobox", name=re.compile("Add a MeSH descriptor"))
    picker.press_sequentially("pregnancy complications, paras")
    option = page.get_by_role("option", name=re.compile("Pregnancy Complications, Parasitic"))
    option.wait_for()  # suggested as one types: no page was loaded
    picker.press("ArrowDown")
    assert picker.get_attribute("aria-activedescendant") == "topic-option-0"
    picker.press("Enter")
    picker.press_sequentially("Carnet de santé")
    picker.press("Enter")  # no descriptor chosen: a free term
    topics = page.get_by_label("Topics (MeSH descriptors or free terms, one per line)")
    assert topics.input_value().splitlines()[-2:] == [
        "Pregnancy Complications, Parasitic",
        "Carnet de santé",
    ]
    assert "free term" in page.locator("#topic-status").text_content()
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_selector("text=Draft saved.")
    descriptor = page.locator("ul.topics abbr", has_text="Pregnancy Complications, Parasitic")
    assert descriptor.get_attribute("title") == "MeSH descriptor D015597"
    assert page.locator("ul.topics .topic-free", has_text="Carnet de santé").count() == 1
