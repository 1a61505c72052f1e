"""A teacher finds and tidies the school's files, and attaches one to a draft, in a browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.browser.test_accessibility import _violations

pytestmark = pytest.mark.browser

CHECKLIST = "ward-round-checklist.pdf"
SPARE = "spare-ward-round-notes.pdf"


def test_a_teacher_uploads_finds_attaches_and_removes_school_files(
    page: Any, live_hub: str, tmp_path: Path
) -> None:
    from hub.services.sample_files import pdf_document

    sign_in(page, live_hub, "teacher1.unsm@demo.example.org")
    # Upload two files on the Files page.
    checklist, spare = tmp_path / CHECKLIST, tmp_path / SPARE
    checklist.write_bytes(pdf_document("Ward round", ["Checklist for the morning round."]))
    spare.write_bytes(pdf_document("Spare notes", ["Notes nobody will use."]))
    page.goto(f"{live_hub}/files")
    chooser = page.get_by_label("Choose files, or drop them here")
    chooser.set_input_files([str(checklist), str(spare)])
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_selector(f"table.school-files >> text={SPARE}")

    # Find them by name.
    page.get_by_label("File name contains").fill("checklist")
    page.get_by_role("button", name="Find", exact=True).click()
    page.wait_for_url(re.compile(r"q=checklist"))
    table = page.locator("table.school-files")
    assert CHECKLIST in table.inner_text() and SPARE not in table.inner_text()
    assert "Not used in any material" in table.inner_text()

    # Attach one to a new draft: the summary typed first is kept while finding and attaching.
    page.goto(f"{live_hub}/materials/mine")
    page.get_by_label("Working title").fill("Ward round essentials")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url(re.compile(r"/materials/\d+/edit"))
    summary = "What to check on every **ward round**."
    page.get_by_label("Summary").fill(summary)
    choices = page.locator("#files fieldset.school-file-choices")
    choices.get_by_label("File name contains").fill("ward-round")
    # As the teacher types, the list narrows to the matching files.
    assert choices.get_by_label(CHECKLIST, exact=True).is_visible()
    assert choices.locator("li[data-name]:visible").count() == 2
    # Enter asks the hub for every match (the draft is saved first).
    choices.get_by_label("File name contains").press("Enter")
    page.wait_for_url(re.compile(r"file_q=ward-round"))
    assert page.get_by_label("Summary").input_value() == summary
    choices.get_by_label(CHECKLIST, exact=True).check()
    page.locator("#files").get_by_role("button", name="Attach").click()
    page.wait_for_selector("text=1 file attached")
    assert page.locator("#files ul.files strong").all_inner_texts() == [CHECKLIST]
    assert page.get_by_label("Summary").input_value() == summary
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#files").screenshot(path=str(SCREENSHOTS / "files-on-a-draft.png"))

    # The Files page says where it is used; the unused one is removed after confirming.
    page.goto(f"{live_hub}/files?q=ward-round")
    row = page.locator("table.school-files tr", has_text=CHECKLIST)
    assert "Ward round essentials" in row.inner_text() and "draft" in row.inner_text()
    assert row.get_by_text("Remove").count() == 0
    spare_row = page.locator("table.school-files tr", has_text=SPARE)
    spare_row.locator("summary").click()
    assert "leaves your school's files for good" in spare_row.inner_text()
    spare_row.get_by_role("button", name=re.compile("Remove for good")).click()
    page.wait_for_selector(f"text={SPARE} is removed from your school's files.")
    assert SPARE not in page.locator("table.school-files").inner_text()
    assert CHECKLIST in page.locator("table.school-files").inner_text()


@pytest.mark.axe
def test_the_files_page_and_a_drafts_file_list_have_no_serious_violations(
    page: Any, live_hub: str
) -> None:
    sign_in(page, live_hub, "teacher2.unsm@demo.example.org")
    page.goto(f"{live_hub}/files?q=.pdf")
    found = _violations(page)
    page.goto(f"{live_hub}/materials/mine")
    page.get_by_label("Working title").fill("Draft to check the file list")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url(re.compile(r"/materials/\d+/edit"))
    assert page.locator("#school-file-list li[data-name]").count() > 0
    assert found + _violations(page) == []
