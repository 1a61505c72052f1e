"""The reviewers' part of the peer review route: the editor invites reviewers (from the
hub's suggestions), they accept or decline, the editor reassigns an overdue invitation, the
reviewer sends the rubric; and the questions between reviewers, the editor and the author.

The route itself (``ROUTE``, who acts next) is in ``services.review``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..models import (
    InvitationState,
    Outcome,
    Person,
    Review,
    ReviewInvitation,
    ReviewMessage,
    utcnow,
)
from . import review_people as people
from .errors import Conflict, InvalidInput, NotFound
from .review import (
    CRITERIA,
    DUE_DAYS,
    FINAL,
    LONGEST_DUE,
    SCORES,
    SHORTEST_DUE,
    S,
    Step,
    as_editor,
    clean_text,
    get_submission,
    invite_one,
    move,
    tell,
    tell_editor,
)


def _due(days: int | str | None) -> dt.datetime:
    try:
        count = DUE_DAYS if days in (None, "") else int(days)
    except ValueError:
        count = -1
    if not SHORTEST_DUE <= count <= LONGEST_DUE:
        raise InvalidInput(
            _(
                "Give between %(least)d and %(most)d days to review.",
                least=SHORTEST_DUE,
                most=LONGEST_DUE,
            ),
            field="due_days",
        )
    return utcnow() + dt.timedelta(days=count)


def invite(
    session: Session,
    editor: Person,
    submission_id: int,
    reviewer_ids: Iterable[int],
    due_days: int | str | None = None,
) -> list[ReviewInvitation]:
    """The editor invites reviewers (the first invitation sends the submission to review).
    Only volunteers the hub could suggest may be invited: of other schools, with room left."""
    submission = as_editor(session, editor, submission_id)
    if submission.state not in (S.TRIAGE, S.IN_REVIEW):
        raise Conflict(_("Reviewers are invited during triage or review."))
    chosen = list(dict.fromkeys(reviewer_ids))
    if not chosen:
        raise InvalidInput(_("Choose at least one reviewer."), field="reviewers")
    allowed = {r.person_id: r.person for r, _load in people.eligible(session, submission, utcnow())}
    if any(c not in allowed for c in chosen):
        raise InvalidInput(
            _("Invite volunteers of other schools who have room this term (as suggested)."),
            field="reviewers",
        )
    due_at = _due(due_days)
    if submission.state is S.TRIAGE:
        move(session, submission, Step.SEND_TO_REVIEW, editor, S.IN_REVIEW)
    return [invite_one(session, submission, allowed[c], editor, due_at) for c in chosen]


def _invitation_of(session: Session, reviewer: Person, invitation_id: int) -> ReviewInvitation:
    invitation = session.get(ReviewInvitation, invitation_id)
    if invitation is None or invitation.reviewer_id != reviewer.id:
        raise NotFound(_("There is no such invitation."))
    return invitation


def respond(
    session: Session, reviewer: Person, invitation_id: int, accept: bool, reason: str = ""
) -> ReviewInvitation:
    """The reviewer accepts or declines an invitation; the editor hears of it."""
    invitation = _invitation_of(session, reviewer, invitation_id)
    if invitation.state is not InvitationState.INVITED:
        raise Conflict(_("This invitation is no longer waiting for an answer."))
    invitation.state = InvitationState.ACCEPTED if accept else InvitationState.DECLINED
    invitation.responded_at = utcnow()
    invitation.decline_reason = "" if accept else clean_text(reason, 2000)
    session.flush()
    tell_editor(session, invitation.submission, "review.responded")
    return invitation


def reassign(
    session: Session,
    editor: Person,
    invitation_id: int,
    reviewer_id: int,
    due_days: int | str | None = None,
) -> ReviewInvitation:
    """The editor withdraws an open invitation (overdue, most often) and invites another."""
    invitation = session.get(ReviewInvitation, invitation_id)
    if invitation is None:
        raise NotFound(_("There is no such invitation."))
    submission = as_editor(session, editor, invitation.submission_id)
    if invitation.state not in people.OPEN_INVITATIONS or submission.state is not S.IN_REVIEW:
        raise Conflict(_("Only an open invitation can be reassigned."))
    invitation.state = InvitationState.WITHDRAWN
    invitation.responded_at = utcnow()
    session.flush()
    return invite(session, editor, submission.id, [reviewer_id], due_days)[0]


@dataclass(frozen=True)
class Rubric:
    """A filled rubric as the reviewer typed it (scores and comments by criterion)."""

    scores: Mapping[str, str]
    comments: Mapping[str, str]
    to_author: str = ""
    confidential: str = ""
    recommendation: str = ""
    signed: bool = False


def _scores(rubric: Rubric) -> dict[str, int]:
    scores = {}
    for criterion in CRITERIA:
        raw = (rubric.scores.get(criterion) or "").strip()
        if not raw.isdigit() or int(raw) not in SCORES:
            raise InvalidInput(_("Score each criterion from 1 to 5."), field=f"score-{criterion}")
        scores[criterion] = int(raw)
    return scores


def submit_review(session: Session, reviewer: Person, invitation_id: int, rubric: Rubric) -> Review:
    """The reviewer sends their review of the version they were invited to review."""
    invitation = _invitation_of(session, reviewer, invitation_id)
    if invitation.state is not InvitationState.ACCEPTED:
        raise Conflict(_("Accept the invitation before reviewing; a review is sent once."))
    scores = _scores(rubric)
    try:
        recommendation = Outcome(rubric.recommendation)
    except ValueError:
        raise InvalidInput(_("Recommend a decision."), field="recommendation") from None
    review = Review(
        invitation_id=invitation.id,
        submission_id=invitation.submission_id,
        version_id=invitation.version_id,
        reviewer_id=reviewer.id,
        school_id=invitation.school_id,
        scores=scores,
        comments={c: clean_text(rubric.comments.get(c, ""), 4000) for c in CRITERIA},
        to_author=clean_text(rubric.to_author),
        confidential=clean_text(rubric.confidential),
        recommendation=recommendation,
        signed=rubric.signed,
    )
    session.add(review)
    invitation.state = InvitationState.SUBMITTED
    invitation.review = review
    session.flush()
    tell_editor(session, invitation.submission, "review.submitted")
    return review


# Questions ------------------------------------------------------------------------------------


def ask(
    session: Session,
    person: Person,
    submission_id: int,
    body: str,
    invitation_id: int | None = None,
) -> None:
    """A message on the submission: a reviewer (or the editor) asks the author, the author
    answers. ``invitation_id`` names the reviewer's thread; without it, the editor's thread."""
    submission = get_submission(session, submission_id)
    text = clean_text(body, 8000)
    if not text:
        raise InvalidInput(_("Write your message."), field="body")
    if submission.state in FINAL:
        raise Conflict(_("This submission has ended."))
    invitation = session.get(ReviewInvitation, invitation_id) if invitation_id else None
    if invitation_id and (invitation is None or invitation.submission_id != submission.id):
        raise NotFound(_("There is no such invitation."))
    if invitation is not None and invitation.reviewer_id == person.id:
        side, told, kind = "reviewer", [submission.author], "review.question"
    elif people.may_edit(session, person, submission):
        side, told, kind = "editor", [submission.author], "review.question"
    elif submission.author_id == person.id:
        side, kind = "author", "review.answer"
        told = [invitation.reviewer] if invitation else [p for p in [submission.editor] if p]
    else:
        raise NotFound(_("There is no such submission."))
    session.add(
        ReviewMessage(
            submission_id=submission.id,
            invitation_id=invitation.id if invitation else None,
            sender_id=person.id,
            side=side,
            body=text,
        )
    )
    session.flush()
    tell(session, told, kind, submission)
