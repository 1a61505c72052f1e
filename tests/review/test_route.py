"""The review route, rule by rule."""

from __future__ import annotations

import pytest

from hub.models import InvitationState, Material, SubmissionState
from hub.services import review
from hub.services import review_reviewing as reviewing
from hub.services.errors import Conflict, InvalidInput
from tests.factories import TeacherFactory
from tests.review.conftest import MALARIA, SUMMARY, World

pytestmark = pytest.mark.usefixtures("in_app")


def test_a_submission_goes_to_an_editor_of_another_school(world: World) -> None:
    submission = review.get_submission(world.session, world.submit())
    assert submission.state is SubmissionState.TRIAGE
    assert submission.editor_id == world.editor.id


def test_the_whole_route_to_acceptance(world: World) -> None:
    submission_id = world.reviewed()
    review.decide(world.session, world.editor, submission_id, "accept", "Accepted, thank you.")
    submission = review.get_submission(world.session, submission_id)
    assert submission.state is SubmissionState.ACCEPTED
    assert all(i.state is InvitationState.SUBMITTED for i in submission.invitations)


def test_an_accepted_version_is_not_submitted_again_but_a_new_one_is(world: World) -> None:
    from tests.factories import publish_new_version

    s = world.session
    submission_id = world.reviewed()
    review.decide(s, world.editor, submission_id, "accept", "Accepted, thank you.")
    with pytest.raises(Conflict, match="peer reviewed already"):
        world.submit()
    publish_new_version(s, world.material, "Malaria in pregnancy (2027)")
    s.expire(world.material, ["versions"])
    assert review.get_submission(s, world.submit()).state is SubmissionState.TRIAGE


def test_only_the_assigned_editor_decides(world: World) -> None:
    submission_id = world.to_review()
    with pytest.raises(Conflict):
        review.decide(world.session, world.reviewers[2], submission_id, "decline", "No.")


def test_a_material_not_shared_with_the_consortium_cannot_be_submitted(world: World) -> None:
    from tests.factories import make_material

    private = make_material(world.session, world.home, grants=[("regions", ["014"], "view")])
    with pytest.raises(Conflict, match="whole consortium"):
        review.submit(world.session, world.author, private.id, SUMMARY)


def test_a_teacher_of_another_school_cannot_submit_it(world: World) -> None:
    with pytest.raises(Conflict):
        review.submit(world.session, world.reviewers[0], world.material.id, SUMMARY)


def test_a_material_is_on_the_route_once(world: World) -> None:
    world.submit()
    with pytest.raises(Conflict, match="already"):
        world.submit()


def test_the_editor_is_never_of_the_authors_school(world: World) -> None:
    from hub.services import review_people

    colleague = TeacherFactory(school=world.home)
    review_people.appoint_editor(world.session, world.admin, colleague.email, MALARIA, "en")
    review_people.end_editor(
        world.session, world.admin, review_people.editors(world.session)[-1].id
    )  # the editor of another school leaves: only the colleague is in office
    submission = review.get_submission(world.session, world.submit())
    assert submission.editor_id != colleague.id


def test_without_an_editor_the_consortium_admins_own_the_next_step(world: World) -> None:
    from hub.services import review_people

    for editor in review_people.editors(world.session):
        review_people.end_editor(world.session, world.admin, editor.id)
    submission = review.get_submission(world.session, world.submit())
    assert submission.editor_id is None
    assert review.owners(world.session, submission) == [world.admin]


def test_a_school_that_vets_first_holds_the_submission_for_its_vetters(world: World) -> None:
    from hub.services import review_people

    review_people.set_vetting(world.session, world.school_admin, True, [])
    submission = review.get_submission(world.session, world.submit())
    assert submission.state is SubmissionState.VETTING
    assert review.owners(world.session, submission) == [world.school_admin]
    review.vet(world.session, world.school_admin, submission.id, True)
    assert submission.state is SubmissionState.TRIAGE
    assert submission.vetted_version_id == submission.version_id


def test_the_author_never_vets_their_own_submission(world: World) -> None:
    from hub.services import review_people
    from hub.services.errors import NotFound

    review_people.set_vetting(world.session, world.school_admin, True, [world.author.id])
    submission_id = world.submit()
    with pytest.raises(NotFound):
        review.vet(world.session, world.author, submission_id, True)


def test_a_returned_submission_comes_back_after_the_answer(world: World) -> None:
    s = world.session
    submission_id = world.submit()
    review.return_to_author(s, world.editor, submission_id, "Who is the audience?")
    submission = review.get_submission(s, submission_id)
    assert submission.state is SubmissionState.RETURNED
    assert review.owners(s, submission) == [world.author]
    review.resubmit(s, world.author, submission_id, "Final-year students.")
    assert submission.state is SubmissionState.TRIAGE


def test_the_editor_declines_with_a_reason(world: World) -> None:
    submission_id = world.submit()
    with pytest.raises(InvalidInput):
        review.decline(world.session, world.editor, submission_id, " ")
    review.decline(world.session, world.editor, submission_id, "Out of scope.")
    assert review.get_submission(world.session, submission_id).state is SubmissionState.DECLINED


def test_no_reviewer_of_the_authors_school_may_be_invited(world: World) -> None:
    colleague = TeacherFactory(school=world.home)
    world.volunteer(colleague)
    submission_id = world.submit()
    with pytest.raises(InvalidInput):
        reviewing.invite(world.session, world.editor, submission_id, [colleague.id])


def test_a_reviewer_at_capacity_is_not_invited(world: World) -> None:
    world.volunteer(world.reviewers[0], per_term="1")
    first = world.to_review(1)
    assert first
    other = make_material_shared(world)
    submission = review.submit(world.session, world.author, other.id, SUMMARY)
    with pytest.raises(InvalidInput):
        reviewing.invite(world.session, world.editor, submission.id, [world.reviewers[0].id])


def make_material_shared(world: World) -> Material:
    from tests.factories import make_material

    return make_material(
        world.session, world.home, title="Another", grants=[("public", [], "view")]
    )


def test_accepting_needs_a_review(world: World) -> None:
    submission_id = world.to_review()
    with pytest.raises(Conflict, match="at least one review"):
        review.decide(world.session, world.editor, submission_id, "accept", "Yes.")


def test_a_revision_is_reviewed_as_a_new_version_by_the_same_reviewers(world: World) -> None:
    from tests.factories import publish_new_version

    s = world.session
    submission_id = world.reviewed()
    review.decide(s, world.editor, submission_id, "minor", "Update the dosing table.")
    submission = review.get_submission(s, submission_id)
    with pytest.raises(Conflict, match="new version"):
        review.revise(s, world.author, submission_id, "Done.")
    v2 = publish_new_version(s, world.material, "Malaria in pregnancy (2027)")
    s.expire(world.material, ["versions"])
    review.revise(s, world.author, submission_id, "Updated to the 2027 guideline.")
    assert submission.state is SubmissionState.IN_REVIEW and submission.round == 2
    again = [i for i in submission.invitations if i.round == 2]
    assert {i.reviewer_id for i in again} == {r.id for r in world.reviewers[:2]}
    assert all(i.version_id == v2.id for i in again)


def test_an_overdue_invitation_is_reassigned(world: World) -> None:
    s = world.session
    submission_id = world.to_review(1)
    first = review.get_submission(s, submission_id).invitations[0]
    new = reviewing.reassign(s, world.editor, first.id, world.reviewers[2].id)
    assert first.state is InvitationState.WITHDRAWN
    assert new.reviewer_id == world.reviewers[2].id


def test_withdrawing_ends_the_open_invitations(world: World) -> None:
    submission_id = world.to_review()
    submission = review.withdraw(world.session, world.author, submission_id)
    assert submission.state is SubmissionState.WITHDRAWN
    assert all(i.state is InvitationState.WITHDRAWN for i in submission.invitations)
    assert review.owners(world.session, submission) == []


def test_every_step_that_asks_to_act_notifies(world: World) -> None:
    from sqlalchemy import select

    from hub.models import Notification

    world.to_review(1)
    kinds = {(n.person_id, n.kind) for n in world.session.scalars(select(Notification))}
    assert (world.editor.id, "review.triage") in kinds
    assert (world.reviewers[0].id, "review.invitation") in kinds
