"""Peer review travels with the material: badges on cards and pages, the search facet
"Review", and the public review summary on the material page (issue 23, "Badges and search").
"""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import IndexChange
from hub.search import catch_up_now
from hub.services import review, review_people
from hub.services.review_state import PEER_REVIEWED, review_states
from tests.conftest import sign_in
from tests.factories import TeacherFactory, make_material, publish_new_version
from tests.review.conftest import World
from tests.statements import statements_sent

pytestmark = pytest.mark.usefixtures("closes_index")


def _browser(client: FlaskClient, world: World, person: object | None = None) -> FlaskClient:
    """A browser of its own (signed in as ``person``), after what the test wrote commits and
    the search index caught up."""
    world.session.commit()
    catch_up_now(client.application)
    browser = client.application.test_client()
    if person is not None:
        sign_in(browser, person)  # type: ignore[arg-type]
    return browser


def _page(browser: FlaskClient, url: str, **params: str | list[str]) -> str:
    answer = browser.get(url, query_string=params)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_data(as_text=True)


def _badges(html: str) -> list[str]:
    """The review badges of a page, in words."""
    return re.findall(r'<span class="badge review [a-z-]+">([^<]+)</span>', html)


def _facet_count(html: str, value: str) -> int | None:
    found = re.search(
        rf'name="review" value="{value}"[^>]*>[^<]*<span class="count">(\d+)</span>', html
    )
    return int(found.group(1)) if found else None


def test_an_accepted_material_carries_the_peer_reviewed_badge_in_search_and_on_its_page(
    client: FlaskClient, world: World
) -> None:
    world.accept()
    browser = _browser(client, world, world.reviewers[2])
    assert _badges(_page(browser, "/search")) == ["Peer reviewed"]
    assert _badges(_page(browser, f"/materials/{world.material.id}")) == ["Peer reviewed"]


def test_a_material_never_accepted_has_no_review_badge(client: FlaskClient, world: World) -> None:
    world.to_review()
    browser = _browser(client, world, world.reviewers[2])
    assert _badges(_page(browser, "/browse")) == []


def test_a_later_version_shows_the_number_of_the_reviewed_one(
    client: FlaskClient, world: World
) -> None:
    world.accept()
    publish_new_version(world.session, world.material, "Malaria in pregnancy, 2027 update")
    browser = _browser(client, world, world.reviewers[2])
    assert _badges(_page(browser, "/browse")) == ["Reviewed: v1"]
    assert _badges(_page(browser, f"/materials/{world.material.id}")) == ["Reviewed: v1"]


def test_a_version_vetted_by_its_school_is_school_vetted(client: FlaskClient, world: World) -> None:
    review_people.set_vetting(world.session, world.school_admin, True, [])
    submission_id = world.submit()
    review.vet(world.session, world.school_admin, submission_id, True)
    browser = _browser(client, world, world.reviewers[2])
    assert _badges(_page(browser, "/browse")) == ["School-vetted"]


def test_the_badges_of_a_page_are_read_in_one_query(world: World, session: Session) -> None:
    world.accept()
    others = [make_material(session, world.home, title=f"Other {n}") for n in range(5)]
    with statements_sent(session.connection()) as statements:
        states = review_states(session, [world.material.id, *(m.id for m in others)])
    assert len(statements) == 1
    assert set(states) == {world.material.id}


def test_a_decision_and_a_vetting_write_the_search_outbox(world: World, session: Session) -> None:
    review_people.set_vetting(world.session, world.school_admin, True, [])
    submission_id = world.submit()
    before = session.scalar(select(IndexChange.id).order_by(IndexChange.id.desc()).limit(1)) or 0
    review.vet(world.session, world.school_admin, submission_id, True)
    session.flush()
    named = session.scalars(select(IndexChange.material_id).where(IndexChange.id > before)).all()
    assert world.material.id in named


def test_the_review_facet_finds_accepted_materials_with_the_right_count(
    client: FlaskClient, world: World
) -> None:
    world.accept()
    make_material(
        world.session, world.home, title="Malaria in children", grants=[("consortium", [], "view")]
    )
    browser = _browser(client, world, world.reviewers[2])
    html = _page(browser, "/search")
    assert _facet_count(html, PEER_REVIEWED) == 1
    assert ">Review<" in html  # the facet group's title
    found = _page(browser, "/search", review=PEER_REVIEWED)
    assert "Malaria in pregnancy" in found and "Malaria in children" not in found
    assert ">1 material<" in found


def test_the_review_facet_counts_only_what_the_person_may_see(
    client: FlaskClient, world: World
) -> None:
    world.accept()  # shared with the consortium: a visitor may not see it
    make_material(
        world.session, world.home, title="Malaria, public", grants=[("public", [], "view")]
    )
    visitor = _browser(client, world)
    html = _page(visitor, "/search")
    assert "Malaria, public" in html and _facet_count(html, PEER_REVIEWED) is None
    found = _page(visitor, "/search", review=PEER_REVIEWED)
    assert "Malaria in pregnancy" not in found and _badges(found) == []


def test_the_material_page_shows_the_public_review_summary(
    client: FlaskClient, world: World
) -> None:
    world.accept(scores=("4", "5"), signed=(True, False))
    reader = TeacherFactory(school=world.schools[3])  # neither author, editor nor reviewer
    html = _page(_browser(client, world, reader), f"/materials/{world.material.id}")
    summary = html[html.index('id="review-summary-heading"') :]
    summary = summary[: summary.index("</section>")]
    assert "Version 1 was peer reviewed" in summary
    assert "Clinical accuracy" in summary and "4.5 of 5" in summary
    assert "Signed by: Rui Reviewer" in summary
    assert "Ravi Reviewer" not in html  # the unsigned reviewer stays anonymous
    assert "Between us" not in html  # confidential comments are the editor's only


def test_a_criterion_below_adequate_is_shown_as_not_met(client: FlaskClient, world: World) -> None:
    world.accept(scores=("2", "3"))
    html = _page(_browser(client, world, world.reviewers[2]), f"/materials/{world.material.id}")
    assert "2.5 of 5" in html and "not met" in html


def test_a_material_without_an_accepted_review_has_no_summary(
    client: FlaskClient, world: World
) -> None:
    world.to_review()
    html = _page(_browser(client, world, world.reviewers[2]), f"/materials/{world.material.id}")
    assert "review-summary-heading" not in html


def test_a_hidden_material_shows_nothing_of_its_review(client: FlaskClient, world: World) -> None:
    world.accept()
    visitor = _browser(client, world)
    assert visitor.get(f"/materials/{world.material.id}").status_code == 404
    assert "Malaria in pregnancy" not in _page(visitor, "/browse")


def test_home_shelves_carry_the_badge(client: FlaskClient, world: World) -> None:
    world.accept()
    html = _page(_browser(client, world, world.reviewers[2]), "/")
    assert "Malaria in pregnancy" in html and "Peer reviewed" in _badges(html)
