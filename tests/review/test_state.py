"""Where a material stands in peer review (what badges, the facet and LOM will read)."""

from __future__ import annotations

import pytest

from hub.services import review, review_people
from hub.services.review_state import review_state_of
from tests.factories import publish_new_version
from tests.review.conftest import World

pytestmark = pytest.mark.usefixtures("in_app")


def test_a_material_never_submitted_has_no_state(world: World) -> None:
    assert review_state_of(world.session, world.material).kind is None


def test_a_material_with_reviewers_at_work_is_in_review(world: World) -> None:
    world.to_review()
    assert review_state_of(world.session, world.material).kind == "in_review"


def test_an_accepted_version_is_peer_reviewed_with_its_number_and_date(world: World) -> None:
    world.accept()
    state = review_state_of(world.session, world.material)
    assert state.kind == "peer_reviewed" and state.reviewed_version == 1
    assert state.reviewed_version_id == world.material.published.id
    assert state.reviewed_at is not None and state.words.startswith("Peer reviewed: v1")


def test_a_later_version_still_shows_the_reviewed_one_until_reviewed_itself(world: World) -> None:
    world.accept()
    publish_new_version(world.session, world.material, "Malaria in pregnancy, v2")
    world.session.expire(world.material, ["versions"])
    state = review_state_of(world.session, world.material)
    assert state.reviewed_version == 1
    assert state.reviewed_version_id != world.material.published.id


def test_a_vetted_submission_makes_the_material_school_vetted(world: World) -> None:
    review_people.set_vetting(world.session, world.school_admin, True, [])
    submission_id = world.submit()
    review.vet(world.session, world.school_admin, submission_id, True)
    state = review_state_of(world.session, world.material)
    assert state.kind == "school_vetted" and state.vetted_version == 1
