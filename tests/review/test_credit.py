"""Credit for reviewers (issue 23): their completed reviews on their account page, a
certificate of review as a PDF for them alone, and the reviews a school's people gave on its
usage dashboard."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import update

from hub.models import Review, utcnow
from hub.services import review, review_credit
from hub.services.review_credit import given_reviews, reviews_given
from tests.conftest import sign_in
from tests.factories import SchoolAdminFactory
from tests.review.conftest import World


def _as(client: FlaskClient, world: World, person: object) -> FlaskClient:
    world.session.commit()
    browser = client.application.test_client()
    sign_in(browser, person)  # type: ignore[arg-type]
    return browser


def _review_id(world: World, submission_id: int, reviewer: int = 0) -> int:
    invitation = review.get_submission(world.session, submission_id).invitations[reviewer]
    assert invitation.review is not None
    return invitation.review.id


def test_a_reviewers_completed_reviews_are_listed_on_their_account_page(
    client: FlaskClient, world: World
) -> None:
    world.accept()
    html = _as(client, world, world.reviewers[0]).get("/account").get_data(as_text=True)
    listed = html[html.index('id="reviews-given-title"') :]
    assert "Malaria in pregnancy" in listed and "Certificate of review (PDF)" in listed
    assert "1 review completed" in listed


def test_someone_who_never_reviewed_has_no_such_list(client: FlaskClient, world: World) -> None:
    html = _as(client, world, world.author).get("/account").get_data(as_text=True)
    assert "reviews-given-title" not in html


def test_the_certificate_is_a_pdf_naming_the_reviewer_the_material_and_the_consortium(
    client: FlaskClient, world: World
) -> None:
    review_id = _review_id(world, world.accept())
    answer = _as(client, world, world.reviewers[0]).get(
        f"/reviews/given/{review_id}/certificate.pdf"
    )
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "attachment" in answer.headers["Content-Disposition"]
    text = PdfReader(io.BytesIO(answer.data)).pages[0].extract_text()
    for words in (
        "Certificate of review",
        "Rui Reviewer",
        "Malaria in pregnancy",
        "Consortium Hub",
    ):
        assert words in text
    assert utcnow().strftime("%Y") in text  # the date it was completed


def test_only_the_reviewer_downloads_their_certificate(client: FlaskClient, world: World) -> None:
    review_id = _review_id(world, world.accept())
    for other in (world.reviewers[1], world.author, world.editor, world.admin):
        browser = _as(client, world, other)
        assert browser.get(f"/reviews/given/{review_id}/certificate.pdf").status_code == 404
    visitor = client.application.test_client()
    assert visitor.get(f"/reviews/given/{review_id}/certificate.pdf").status_code in (302, 401)


def test_a_material_no_longer_shared_with_the_reviewer_is_not_named(world: World) -> None:
    world.accept()
    for grant in world.material.grants:
        world.session.delete(grant)
    world.session.flush()
    world.session.expire(world.material)
    [given] = given_reviews(world.session, world.reviewers[0])
    assert given.title == ""


def test_reviews_given_counts_the_schools_reviews_within_the_period(world: World) -> None:
    world.accept()
    school = world.reviewers[0].school_id
    assert school is not None
    now = utcnow()
    day = dt.timedelta(days=1)
    assert reviews_given(world.session, school, now - day, now + day) == 1
    assert reviews_given(world.session, school, now + day, now + 2 * day) == 0
    assert reviews_given(world.session, world.home.id, now - day, now + day) == 0


def test_the_school_dashboard_shows_the_reviews_given_against_the_year_before(
    client: FlaskClient, world: World
) -> None:
    world.accept()
    school = world.reviewers[0].school
    assert school is not None
    # One review of the same reviewer's school, done a year and a month ago.
    world.session.execute(
        update(Review)
        .where(Review.reviewer_id == world.reviewers[1].id)
        .values(school_id=school.id, submitted_at=utcnow() - dt.timedelta(days=400))
    )
    html = (
        _as(client, world, SchoolAdminFactory(school=school))
        .get("/school/report")
        .get_data(as_text=True)
    )
    assert '<strong id="reviews-given">1</strong> peer review given' in html
    assert "up 0% on the year before" in html


def test_without_a_unicode_font_the_certificate_is_still_written(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_credit, "UNICODE_FONTS", ())
    review_id = _review_id(world, world.accept())
    answer = _as(client, world, world.reviewers[0]).get(
        f"/reviews/given/{review_id}/certificate.pdf"
    )
    assert answer.status_code == 200
    assert "Rui Reviewer" in PdfReader(io.BytesIO(answer.data)).pages[0].extract_text()
