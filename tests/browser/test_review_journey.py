"""Peer review across schools, through the pages, in a real browser: a teacher in Malawi
submits a published material with its educational summary; the editor (Dundee, who takes
malaria) sends it to review, choosing two suggested reviewers of other schools (Uganda and
Pakistan); both review on the rubric, one signs; the editor asks a minor revision; the author
publishes a new version and revises; the signer reviews it again and the editor accepts; the
author reads the decision letters, which name the signer and never the other reviewer.

The review pages are checked with axe on the demo's own review history.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import _violations

pytestmark = pytest.mark.browser

AUTHOR = "teacher1.kuhs@demo.example.org"  # Kamuzu University of Health Sciences, Malawi
EDITOR = "teacher1.udsm@demo.example.org"  # Dundee: appointed for malaria, in English
SIGNER = ("teacher2.muchs@demo.example.org", "Aisha Diallo", "Makerere University")
UNSIGNED = ("teacher2.akumc@demo.example.org", "Aisha Okafor", "Aga Khan University")
ADMIN = "consortium.admin@demo.example.org"


def _as(page: Any, base: str, email: str, address: str | None = None) -> None:
    """Sign in as ``email`` (signing out whoever was) and open ``address``."""
    page.context.clear_cookies()
    sign_in(page, base, email)
    if address is not None:
        page.goto(address)


def _done(page: Any, words: str) -> None:
    page.wait_for_selector(f"text={words}")


# The steps ---------------------------------------------------------------------------------


def _the_author_submits_a_malaria_material(page: Any, base: str) -> tuple[str, str]:
    """From their Reviews page; the submission's address and the material's title."""
    _as(page, base, AUTHOR, f"{base}/reviews")
    offered = (
        page.locator("li").filter(has_text="Malaria").filter(has_text="Submit for peer review")
    )
    title = offered.first.inner_text().split(" (v")[0]
    offered.first.get_by_role("link", name="Submit for peer review").click()
    page.get_by_label("Learning objectives").fill("Recognise severe malaria in pregnancy.")
    page.get_by_label("Audience (who it is for)").fill("Final-year students on obstetrics.")
    page.get_by_label("How it was used").fill("Two simulation sessions a term since 2025.")
    page.get_by_label("Evaluation (how you know it works)").fill("OSCE scores rose by a fifth.")
    page.get_by_role("button", name="Submit for peer review").click()
    page.wait_for_url(re.compile(r"/reviews/submissions/\d+$"))
    _done(page, "Submitted for peer review.")
    assert "Waiting for the editor" in page.content()
    return page.url, title


def _the_editor_invites_two_suggested_reviewers(page: Any, base: str, submission: str) -> None:
    _as(page, base, EDITOR, submission)
    suggestions = page.locator("fieldset.suggestions label")
    schools = suggestions.all_inner_texts()
    assert schools and not any("Kamuzu" in s for s in schools)  # never the author's school
    for _email, name, school in (SIGNER, UNSIGNED):
        suggestions.filter(has_text=f"{name}, {school}").locator("input").check()
    page.get_by_role("button", name="Invite to review").click()
    _done(page, "Invited: the reviewers are told.")
    assert "In review" in page.locator(".status").first.inner_text()


def _a_reviewer_reviews(
    page: Any, base: str, submission: str, email: str, score: str, recommends: str, signs: bool
) -> None:
    _as(page, base, email, submission)
    page.get_by_role("button", name="Accept").click()
    _done(page, "Thank you: the review is yours.")
    page.get_by_role("link", name="Write the review").click()
    for criterion in page.locator("fieldset.rubric-criterion").all():
        criterion.get_by_label(score, exact=True).check()
    page.get_by_label("Comments to the author").first.fill("The objectives are clear.")
    page.get_by_label("General comments to the author").fill("Useful in our district hospitals.")
    page.get_by_label("Confidential comments to the editor").fill("No conflict of interest.")
    page.get_by_label(recommends, exact=True).check()
    if signs:
        page.get_by_label("Sign my review: the author may see my name").check()
    page.get_by_role("button", name="Send the review").click()
    _done(page, "Your review is sent to the editor. Thank you.")


def _the_editor_decides(page: Any, base: str, submission: str, outcome: str, letter: str) -> None:
    _as(page, base, EDITOR, submission)
    page.get_by_label(outcome, exact=True).check()
    page.get_by_label(re.compile("Letter to the author")).fill(letter)
    page.get_by_role("button", name="Send the decision").click()
    _done(page, "Decided: the author has your letter.")


def _the_author_publishes_a_new_version_and_revises(page: Any, base: str, submission: str) -> None:
    _as(page, base, AUTHOR, submission)
    assert "Revision asked" in page.locator(".status").first.inner_text()
    page.locator("h1 a").first.click()  # the material
    page.get_by_label("What will the new version change?").fill("Figures described in text.")
    page.get_by_role("button", name="Make a new version").click()
    page.wait_for_url(re.compile(r"/materials/\d+/edit"))
    page.get_by_role("button", name="Save and publish").click()
    _done(page, "is published")
    page.goto(submission)
    page.get_by_label("Your answers to the reviews").fill("Both figures now have text.")
    page.get_by_role("button", name="Send the revision").click()
    _done(page, "Your revision is sent to the reviewers.")


def _the_author_reads_the_letters(page: Any, base: str, submission: str) -> None:
    _as(page, base, AUTHOR, submission)
    decisions = page.locator("section").filter(has_text="Decisions")
    letters = decisions.inner_text()
    assert "Accept" in letters and "Minor revision" in letters
    assert SIGNER[1] in letters  # signed: the author may know who
    content = page.content()
    assert UNSIGNED[1] not in content  # never named, anywhere on the author's page
    assert "No conflict of interest." not in content  # confidential comments stay with the editor


def _the_material_shows_as_reviewed(page: Any, base: str, submission: str, title: str) -> None:
    """What the author and anyone see once it is accepted: the submission says the version is
    peer reviewed; the material's page opens on the reviewed version with its badge; search's
    Review facet finds it, its card with the badge."""
    page.goto(submission)
    assert "Accepted: this version is peer reviewed." in page.content()
    page.locator("h1 a").first.click()
    assert title in page.locator("h1").inner_text()
    assert page.locator(".badge.review.peer-reviewed").first.inner_text() == "Peer reviewed"
    page.goto(f"{base}/search?review=peer-reviewed")
    facet = page.locator("input[name=review][value=peer-reviewed]")
    assert facet.is_checked()
    card = page.locator("li.card", has_text=title)
    assert card.locator(".badge.review.peer-reviewed").inner_text() == "Peer reviewed"


@pytest.mark.slow
def test_a_material_goes_through_peer_review_across_schools(page: Any, live_hub: str) -> None:
    submission, title = _the_author_submits_a_malaria_material(page, live_hub)
    _the_editor_invites_two_suggested_reviewers(page, live_hub, submission)
    _a_reviewer_reviews(page, live_hub, submission, SIGNER[0], "4", "Minor revision", signs=True)
    _a_reviewer_reviews(page, live_hub, submission, UNSIGNED[0], "3", "Minor revision", signs=False)
    _the_editor_decides(
        page, live_hub, submission, "Minor revision", "Please describe the figures in text."
    )
    _the_author_publishes_a_new_version_and_revises(page, live_hub, submission)
    _a_reviewer_reviews(page, live_hub, submission, SIGNER[0], "5", "Accept", signs=True)
    _the_editor_decides(page, live_hub, submission, "Accept", "Accepted with thanks.")
    _the_author_reads_the_letters(page, live_hub, submission)
    _the_material_shows_as_reviewed(page, live_hub, submission, title)


# Accessibility of the review pages, on the demo's review history -------------------------------


def _review_pages(page: Any, base: str, email: str, *links: str) -> list[str]:
    """The person's Reviews page, and each submission it links to by ``links`` (a title part or
    a state), with their violations."""
    _as(page, base, email, f"{base}/reviews")
    found = [f"{email} /reviews: {v}" for v in _violations(page)]
    home = page.url
    for text in links:
        page.goto(home)
        page.locator(".review-list li").filter(has_text=text).first.locator("a").first.click()
        found += [f"{email} {page.url}: {v}" for v in _violations(page)]
    return found


@pytest.mark.axe
def test_the_review_pages_have_no_serious_violations(page: Any, live_hub: str) -> None:
    found = _review_pages(page, live_hub, EDITOR, "In review", "Revision asked")
    for path in ("/reviews/board", "/reviews/volunteer"):
        page.goto(live_hub + path)
        found += [f"{path}: {v}" for v in _violations(page)]
    # A reviewer with an accepted invitation: the submission and the rubric.
    found += _review_pages(page, live_hub, "teacher2.ki@demo.example.org", "Reviewing")
    page.get_by_role("link", name="Write the review").click()
    found += [f"rubric: {v}" for v in _violations(page)]
    # An admin: the editors; an author: the submission form.
    _as(page, live_hub, ADMIN, f"{live_hub}/reviews/editors")
    found += [f"/reviews/editors: {v}" for v in _violations(page)]
    _as(page, live_hub, AUTHOR, f"{live_hub}/reviews")
    page.get_by_role("link", name="Submit for peer review").first.click()
    found += [f"submit form: {v}" for v in _violations(page)]
    assert found == []
