"""The review route, rule by rule."""

from __future__ import annotations

import pytest

from hub.models import InvitationState, SubmissionState
from hub.services import review
from hub.services import review_reviewing as reviewing
from hub.services.errors import Conflict
from tests.review.conftest import World, rubric

pytestmark = pytest.mark.usefixtures("in_app")


def test_a_submission_goes_to_an_editor_of_another_school(world: World) -> None:
    submission = review.get_submission(world.session, world.submit())
    assert submission.state is SubmissionState.TRIAGE
    assert submission.editor_id == world.editor.id


def test_the_whole_route_to_acceptance(world: World) -> None:
    s = world.session
    submission_id = world.to_review()
    submission = review.get_submission(s, submission_id)
    for invitation in submission.invitations:
        reviewing.submit_review(s, invitation.reviewer, invitation.id, rubric())
    review.decide(s, world.editor, submission_id, "accept", "Accepted, thank you.")
    assert submission.state is SubmissionState.ACCEPTED
    assert all(i.state is InvitationState.SUBMITTED for i in submission.invitations)


def test_only_the_assigned_editor_decides(world: World) -> None:
    submission_id = world.to_review()
    with pytest.raises(Conflict):
        review.decide(world.session, world.reviewers[2], submission_id, "decline", "No.")
