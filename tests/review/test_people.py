"""Editors, volunteers, vetters and the reviewers the hub suggests."""

from __future__ import annotations

import pytest

from hub.services import review, review_people
from hub.services.errors import InvalidInput
from tests.factories import SchoolFactory, StudentFactory, TeacherFactory
from tests.review.conftest import PREGNANCY, World

pytestmark = pytest.mark.usefixtures("in_app")


def _suggested(world: World) -> list[str]:
    submission = review.get_submission(world.session, world.submit())
    return [g.person.name for g in review_people.suggest(world.session, submission)]


def test_suggestions_never_come_from_the_authors_school(world: World) -> None:
    colleague = TeacherFactory(school=world.home, name="Colleague")
    world.volunteer(colleague)
    assert "Colleague" not in _suggested(world)


def test_a_better_topic_match_ranks_first(world: World) -> None:
    expert = TeacherFactory(school=SchoolFactory(country="FR"), name="Both topics")
    world.volunteer(expert, topics=f"Malaria\n{PREGNANCY}")
    assert _suggested(world)[0] == "Both topics"


def test_a_paused_reviewer_is_not_suggested(world: World) -> None:
    review_people.pause(world.session, world.reviewers[0], True)
    assert "Rui Reviewer" not in _suggested(world)


def test_suggestions_spread_over_regions(world: World) -> None:
    brazil = world.reviewers[0].school
    for n in range(3):
        world.volunteer(
            TeacherFactory(school=brazil, name=f"Brazil {n}"), topics=f"Malaria\n{PREGNANCY}"
        )
    top = _suggested(world)[:3]
    assert sum(name.startswith("Brazil") for name in top) == 1


def test_an_editor_is_a_teacher_of_an_active_school(world: World) -> None:
    with pytest.raises(InvalidInput):
        review_people.appoint_editor(
            world.session, world.admin, StudentFactory().email, "Malaria", "en"
        )


def test_a_volunteer_offers_at_least_one_review_a_term(world: World) -> None:
    with pytest.raises(InvalidInput):
        world.volunteer(TeacherFactory(), per_term="0")


def test_topics_typed_by_name_are_stored_as_descriptors(world: World) -> None:
    reviewer = review_people.reviewer_of(world.session, world.reviewers[0])
    assert reviewer is not None and reviewer.topics == ["D008288"]


def test_vetters_are_teachers_of_the_admins_school(world: World) -> None:
    with pytest.raises(InvalidInput):
        review_people.set_vetting(world.session, world.school_admin, True, [world.reviewers[0].id])
