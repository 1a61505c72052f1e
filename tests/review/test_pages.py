"""The peer review pages, as each of their people uses them (Flask test client)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.models import Submission, SubmissionState
from hub.services import review
from hub.services import review_reviewing as reviewing
from tests.conftest import sign_in
from tests.factories import SchoolFactory, TeacherFactory, make_material
from tests.review.conftest import SUMMARY, World, rubric


def _as(client: FlaskClient, world: World, person: object) -> FlaskClient:
    """A browser of its own, signed in as ``person`` (after what the test wrote commits)."""
    world.session.commit()
    browser = client.application.test_client()
    sign_in(browser, person)  # type: ignore[arg-type]
    return browser


def test_a_teacher_submits_from_the_form(client: FlaskClient, world: World) -> None:
    client = _as(client, world, world.author)
    form = client.get(f"/materials/{world.material.id}/submit-for-review")
    assert "Learning objectives" in form.get_data(as_text=True)
    answer = client.post(
        f"/materials/{world.material.id}/submit-for-review",
        data={"objectives": "o", "audience": "a", "how_used": "h"},
    )
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Malaria in pregnancy" in page and "Waiting for the editor" in page


def test_a_material_not_shared_with_the_consortium_is_refused_in_words(
    client: FlaskClient, world: World, session: Session
) -> None:
    private = make_material(session, world.home, title="Our exam")
    client = _as(client, world, world.author)
    answer = client.get(f"/materials/{private.id}/submit-for-review")
    assert answer.status_code == 409
    assert "shared with the whole consortium" in answer.get_data(as_text=True)


def test_a_missing_part_of_the_summary_is_a_400_next_to_its_field(
    client: FlaskClient, world: World
) -> None:
    client = _as(client, world, world.author)
    answer = client.post(
        f"/materials/{world.material.id}/submit-for-review", data={"objectives": "o"}
    )
    assert answer.status_code == 400
    assert 'id="audience-error"' in answer.get_data(as_text=True)


def test_the_editor_sees_suggestions_and_invites(client: FlaskClient, world: World) -> None:
    submission_id = world.submit()
    client = _as(client, world, world.editor)
    page = client.get(f"/reviews/submissions/{submission_id}").get_data(as_text=True)
    assert "Rui Reviewer" in page and "Suggested reviewers" in page
    client.post(
        f"/reviews/submissions/{submission_id}/invite",
        data={"reviewers": [str(world.reviewers[0].id)], "due_days": "14"},
    )
    submission = world.session.get(Submission, submission_id)
    world.session.refresh(submission)
    assert submission is not None and submission.state is SubmissionState.IN_REVIEW


def test_a_reviewer_accepts_and_sends_the_rubric(client: FlaskClient, world: World) -> None:
    submission_id = world.submit()
    [invitation] = reviewing.invite(
        world.session, world.editor, submission_id, [world.reviewers[0].id]
    )
    client = _as(client, world, world.reviewers[0])
    client.post(f"/reviews/invitations/{invitation.id}/respond", data={"accept": "1"})
    assert "Write the review" in client.get(f"/reviews/submissions/{submission_id}").get_data(
        as_text=True
    )
    data = {f"score-{c}": "5" for c in review.CRITERIA}
    data |= {"recommendation": "accept", "to_author": "Well done.", "confidential": "secret"}
    answer = client.post(f"/reviews/invitations/{invitation.id}/review", data=data)
    assert answer.status_code == 302


def test_a_rubric_without_every_score_is_a_400(client: FlaskClient, world: World) -> None:
    submission_id = world.to_review(1)
    invitation = review.get_submission(world.session, submission_id).invitations[0]
    client = _as(client, world, world.reviewers[0])
    answer = client.post(
        f"/reviews/invitations/{invitation.id}/review", data={"recommendation": "accept"}
    )
    assert answer.status_code == 400
    assert "Score each criterion" in answer.get_data(as_text=True)


def test_the_author_reads_the_letter_without_names_or_confidential_comments(
    client: FlaskClient, world: World
) -> None:
    submission_id = world.reviewed()
    review.decide(world.session, world.editor, submission_id, "minor", "Nearly there.")
    page = _as(client, world, world.author).get(f"/reviews/submissions/{submission_id}")
    text = page.get_data(as_text=True)
    assert "Nearly there." in text and "Reviewer 1" in text and "Reviewer 2" in text
    assert "Rui Reviewer" not in text and "Ravi Reviewer" not in text
    assert "Between us" not in text


def test_a_signed_reviewer_is_named_to_the_author(client: FlaskClient, world: World) -> None:
    submission_id = world.reviewed(signed=True)
    review.decide(world.session, world.editor, submission_id, "accept", "Accepted.")
    text = (
        _as(client, world, world.author)
        .get(f"/reviews/submissions/{submission_id}")
        .get_data(as_text=True)
    )
    assert "Rui Reviewer" in text and "Ravi Reviewer" not in text


def test_the_editor_reads_names_and_confidential_comments(
    client: FlaskClient, world: World
) -> None:
    submission_id = world.reviewed()
    text = (
        _as(client, world, world.editor)
        .get(f"/reviews/submissions/{submission_id}")
        .get_data(as_text=True)
    )
    assert "Rui Reviewer" in text and "Between us" in text


def test_a_reviewer_sees_only_their_own_review(client: FlaskClient, world: World) -> None:
    submission_id = world.to_review()
    submission = review.get_submission(world.session, submission_id)
    first = submission.invitations[0]
    reviewing.submit_review(world.session, first.reviewer, first.id, rubric(confidential="mine"))
    second = submission.invitations[1]
    reviewing.submit_review(
        world.session, second.reviewer, second.id, rubric(confidential="theirs")
    )
    text = (
        _as(client, world, first.reviewer)
        .get(f"/reviews/submissions/{submission_id}")
        .get_data(as_text=True)
    )
    assert "Ravi Reviewer" not in text and "theirs" not in text


def test_someone_outside_the_submission_gets_404(client: FlaskClient, world: World) -> None:
    submission_id = world.submit()
    stranger = TeacherFactory(school=SchoolFactory(country="FR"))
    assert (
        _as(client, world, stranger).get(f"/reviews/submissions/{submission_id}").status_code == 404
    )


def test_a_question_reaches_the_author_without_the_reviewers_name(
    client: FlaskClient, world: World
) -> None:
    submission_id = world.to_review(1)
    invitation = review.get_submission(world.session, submission_id).invitations[0]
    client = _as(client, world, world.reviewers[0])
    client.post(
        f"/reviews/submissions/{submission_id}/message",
        data={"body": "Which guideline year?", "invitation": str(invitation.id)},
    )
    text = (
        _as(client, world, world.author)
        .get(f"/reviews/submissions/{submission_id}")
        .get_data(as_text=True)
    )
    assert "Which guideline year?" in text and "Rui Reviewer" not in text


def test_the_board_shows_stages_and_loads_to_editors(client: FlaskClient, world: World) -> None:
    world.to_review()
    text = _as(client, world, world.editor).get("/reviews/board").get_data(as_text=True)
    assert "In review" in text and "Reviewer load" in text and "Ngozi Reviewer" in text


def test_the_board_is_not_for_a_teacher(client: FlaskClient, world: World) -> None:
    assert _as(client, world, world.author).get("/reviews/board").status_code == 404


def test_a_consortium_admin_appoints_an_editor(client: FlaskClient, world: World) -> None:
    teacher = TeacherFactory(name="Nadia New")
    client = _as(client, world, world.admin)
    client.post(
        "/reviews/editors", data={"email": teacher.email, "topics": "Malaria", "languages": "fr"}
    )
    assert "Nadia New" in client.get("/reviews/editors").get_data(as_text=True)


def test_reviews_home_and_volunteering(client: FlaskClient, world: World) -> None:
    teacher = TeacherFactory()
    client = _as(client, world, teacher)
    assert "Volunteer as a reviewer" in client.get("/reviews").get_data(as_text=True)
    answer = client.post(
        "/reviews/volunteer",
        data={
            "topics": "Malaria",
            "languages": "en, fr",
            "reviews_per_term": "2",
            "levels": ["clinical"],
        },
    )
    assert answer.status_code == 302
    assert "You accept 2 reviews a term." in client.get("/reviews").get_data(as_text=True)


def test_a_school_admin_sets_vetting(client: FlaskClient, world: World) -> None:
    client = _as(client, world, world.school_admin)
    client.post("/reviews/vetting", data={"required": "1"})
    world.session.expire_all()
    assert review.submit(world.session, world.author, world.material.id, SUMMARY).state is (
        SubmissionState.VETTING
    )


def test_teachers_find_reviews_in_the_header(client: FlaskClient, world: World) -> None:
    text = _as(client, world, world.author).get("/").get_data(as_text=True)
    assert 'href="/reviews"' in text
