"""The peer review route (issue 23): a teacher submits a published version of their school's
material; the school may vet it first; an editor of another school triages it and invites
reviewers of other schools; they score it on a rubric after MedEdPORTAL's; the assigned editor
decides, with a letter that collects the reviews; a revision is reviewed again as a new version.

The route is written once, in ``ROUTE``: each step, the states it leaves from, the states it
may reach and who takes it. ``owners`` says who must act next in each open state, so no
submission waits without someone to move it. Only materials that every teacher of an active
school may view (shared with the consortium or the public) can be submitted: reviewers from any
school can then read the version under review through the catalogue, as anyone else does.

Who sees what: the author never sees a reviewer's name unless that reviewer signed, nor any
confidential comment; a reviewer sees their own review and their thread with the author;
the assigned editor (and consortium admins, who run the route) sees everything.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from flask import has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy
from ..models import (
    STAFF,
    Decision,
    InvitationState,
    MaterialVersion,
    Outcome,
    Person,
    Review,
    ReviewInvitation,
    Role,
    Submission,
    SubmissionEvent,
    SubmissionState,
    utcnow,
)
from . import notifications
from . import review_people as people
from .catalogue import Catalogue
from .errors import Conflict, InvalidInput, NotFound

S = SubmissionState

#: The rubric, after MedEdPORTAL's review criteria: each scored 1 (poor) to 5 (excellent).
CRITERIA = {
    "educational_value": _l("Educational value"),
    "clinical_accuracy": _l("Clinical accuracy"),
    "currency": _l("Currency of guidance"),
    "patient_safety": _l("Patient safety and consent"),
    "adaptability": _l("Adaptability to other health systems"),
    "accessibility": _l("Accessibility"),
    "file_quality": _l("Quality of the files"),
}
SCORES = range(1, 6)
#: Days a reviewer has to review, unless the editor gives another due date.
DUE_DAYS = 21
SHORTEST_DUE, LONGEST_DUE = 3, 90
LONGEST_TEXT = 20_000


class Step(enum.StrEnum):
    """What can happen to a submission."""

    SUBMIT = "submit"
    VET = "vet"
    RETURN = "return"
    RESUBMIT = "resubmit"
    DECLINE = "decline"
    SEND_TO_REVIEW = "send_to_review"
    DECIDE = "decide"
    REVISE = "revise"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Move:
    """One step of the route: from which states, to which, taken by whom."""

    sources: frozenset[SubmissionState | None]
    targets: frozenset[SubmissionState]
    actor: str  # author / vetter / editor


OPEN = frozenset({S.VETTING, S.TRIAGE, S.RETURNED, S.IN_REVIEW, S.REVISION})
FINAL = frozenset({S.ACCEPTED, S.DECLINED, S.WITHDRAWN})

#: The route, written once.
ROUTE: dict[Step, Move] = {
    Step.SUBMIT: Move(frozenset({None}), frozenset({S.VETTING, S.TRIAGE}), "author"),
    Step.VET: Move(frozenset({S.VETTING}), frozenset({S.TRIAGE, S.RETURNED}), "vetter"),
    Step.RETURN: Move(frozenset({S.TRIAGE}), frozenset({S.RETURNED}), "editor"),
    Step.RESUBMIT: Move(frozenset({S.RETURNED}), frozenset({S.VETTING, S.TRIAGE}), "author"),
    Step.DECLINE: Move(frozenset({S.TRIAGE}), frozenset({S.DECLINED}), "editor"),
    Step.SEND_TO_REVIEW: Move(frozenset({S.TRIAGE}), frozenset({S.IN_REVIEW}), "editor"),
    Step.DECIDE: Move(
        frozenset({S.IN_REVIEW}), frozenset({S.ACCEPTED, S.REVISION, S.DECLINED}), "editor"
    ),
    Step.REVISE: Move(frozenset({S.REVISION}), frozenset({S.IN_REVIEW}), "author"),
    Step.WITHDRAW: Move(frozenset(OPEN), frozenset({S.WITHDRAWN}), "author"),
}

#: Who must act next in each open state (reviewers too, while in review).
NEXT: dict[SubmissionState, str] = {
    S.VETTING: "vetter",
    S.TRIAGE: "editor",
    S.RETURNED: "author",
    S.IN_REVIEW: "editor",
    S.REVISION: "author",
}

#: Each step in words, for a submission's history.
STEP_WORDS = {
    Step.SUBMIT: _l("Submitted"),
    Step.VET: _l("Vetted by the school, or returned by it"),
    Step.RETURN: _l("Returned to the author with a question"),
    Step.RESUBMIT: _l("Answered and resubmitted"),
    Step.DECLINE: _l("Declined by the editor"),
    Step.SEND_TO_REVIEW: _l("Sent to review"),
    Step.DECIDE: _l("The editor decided"),
    Step.REVISE: _l("Revision sent"),
    Step.WITHDRAW: _l("Withdrawn by the author"),
}

#: What each state waits for, in words anyone taking part may read.
NEXT_WORDS = {
    S.VETTING: _l("The author's school vets it before it goes to an editor."),
    S.TRIAGE: _l(
        "The editor reads it: returns it with a question, declines it or invites reviewers."
    ),
    S.RETURNED: _l("The author answers the question and resubmits."),
    S.IN_REVIEW: _l("Reviewers of other schools review it; then the editor decides."),
    S.REVISION: _l("The author publishes a revised version and answers the reviews."),
    S.ACCEPTED: _l("Accepted: this version is peer reviewed."),
    S.DECLINED: _l("Declined: the route has ended."),
    S.WITHDRAWN: _l("Withdrawn: the route has ended."),
}


def step_words(action: str) -> str:
    """A recorded step in words."""
    try:
        return str(STEP_WORDS[Step(action)])
    except ValueError:
        return action


def next_words(state: SubmissionState) -> str:
    """What the state waits for, in words."""
    return str(NEXT_WORDS[state])


OUTCOME_STATE = {
    Outcome.ACCEPT: S.ACCEPTED,
    Outcome.MINOR: S.REVISION,
    Outcome.MAJOR: S.REVISION,
    Outcome.DECLINE: S.DECLINED,
}

# Notifications that ask someone to act.
notifications.WORDS.update(
    {
        "review.vetting": _l("Peer review %(what)s: your school's vetting is needed."),
        "review.triage": _l("Peer review %(what)s waits for you, its editor."),
        "review.no_editor": _l("Peer review %(what)s has no editor: assign one."),
        "review.returned": _l("Peer review %(what)s was returned to you: %(note)s"),
        "review.invitation": _l("You are invited to review %(what)s by %(due)s."),
        "review.reminder": _l("Reminder: your review of %(what)s is due %(due)s."),
        "review.overdue": _l("A review of %(what)s is overdue: remind or reassign the reviewer."),
        "review.responded": _l("A reviewer answered the invitation to review %(what)s."),
        "review.submitted": _l("A review of %(what)s is in: decide when you are ready."),
        "review.question": _l("A question about your submission %(what)s."),
        "review.answer": _l("The author answered on %(what)s."),
        "review.decision": _l("The editor's decision on %(what)s: %(outcome)s."),
    }
)


def clean_text(value: str, limit: int = LONGEST_TEXT) -> str:
    """What a person typed, trimmed and cut to ``limit`` characters."""
    return value.strip()[:limit]


def link(submission_id: int) -> str:
    """Where a submission's page is (absolute where an application is at hand)."""
    if has_app_context():
        return notifications.address("review.submission", submission_id=submission_id)
    return f"/reviews/submissions/{submission_id}"


def tell(
    session: Session,
    people_told: Iterable[Person],
    kind: str,
    submission: Submission,
    **params: str,
) -> None:
    """Notify each person once; the material's title is named only to those who may view it
    (the others read the submission's number)."""
    version = submission.version
    for person in {p.id: p for p in people_told}.values():
        visible = Catalogue.of(session, person).allowed([version], "view")
        what = f"“{version.title}”" if visible else f"#{submission.id}"
        named = version.material_id if visible else None
        notifications.notify(
            session, person, kind, link(submission.id), what=what, material_id=named, **params
        )


def tell_editor(session: Session, submission: Submission, kind: str) -> None:
    """Notify the submission's editor, when it has one (else nobody: the consortium admins
    heard when no editor could be chosen)."""
    if submission.editor is not None:
        tell(session, [submission.editor], kind, submission)


def move(
    session: Session,
    submission: Submission,
    step: Step,
    actor: Person | None,
    to: SubmissionState,
    note: str = "",
) -> None:
    """Take ``step`` to ``to`` if the route allows it, and record it."""
    move = ROUTE[step]
    source = submission.state if submission.id is not None else None
    if source not in move.sources or to not in move.targets:
        raise Conflict(
            _(
                "This step is not possible now: the submission is %(state)s.",
                state=submission.state.label if source else "-",
            )
        )
    submission.state = to
    submission.state_since = utcnow()
    session.add(submission)
    session.flush()
    session.add(
        SubmissionEvent(
            submission_id=submission.id,
            action=step.value,
            from_state=source.value if source else None,
            to_state=to.value,
            actor_id=actor.id if actor else None,
            note=note,
        )
    )
    session.flush()


def owners(session: Session, submission: Submission) -> list[Person]:
    """Who must act next (none once the route has ended): the vetters, the editor (consortium
    admins while it has none), the author (their school's admins if they left), and the
    reviewers with an open invitation while in review."""
    if submission.state in FINAL:
        return []
    who = NEXT[submission.state]
    if who == "vetter":
        found = people.vetters(session, submission.school_id, submission.author_id)
    elif who == "author":
        found = (
            [submission.author]
            if submission.author.active
            else people.vetters(session, submission.school_id)
        )
    else:
        editor = submission.editor
        found = (
            [editor]
            if editor and people.may_edit(session, editor, submission)
            else (people.consortium_admins(session))
        )
        if submission.state is S.IN_REVIEW:
            found += [
                i.reviewer
                for i in submission.invitations
                if i.round == submission.round and i.state in people.OPEN_INVITATIONS
            ]
    return found


def _enter_triage(session: Session, submission: Submission) -> None:
    """The submission waits for its editor: keep one in office, else choose one (never of the
    author's school), else tell the consortium admins."""
    editor = submission.editor
    if editor is None or not people.may_edit(session, editor, submission):
        version = submission.version
        chosen = people.choose_editor(
            session, version.topics, version.all_languages, submission.school_id
        )
        submission.editor_id = chosen.id if chosen else None
        submission.editor = chosen
        session.flush()
    if submission.editor is None:
        tell(session, people.consortium_admins(session), "review.no_editor", submission)
    else:
        tell(session, [submission.editor], "review.triage", submission)


def assign_editor(
    session: Session, admin: Person, submission_id: int, editor_person_id: int
) -> Submission:
    """A consortium admin gives the submission another editor (never of the author's school)."""
    if admin.role is not Role.CONSORTIUM_ADMIN:
        raise Conflict(_("Consortium admins assign editors."))
    submission = get_submission(session, submission_id)
    editor = session.get(Person, editor_person_id)
    if editor is None or not people.is_editor(session, editor):
        raise InvalidInput(_("Choose an editor in office."), field="editor")
    if editor.school_id == submission.school_id:
        raise InvalidInput(
            _("An editor of the author's own school cannot handle it."), field="editor"
        )
    if submission.state in FINAL:
        raise Conflict(_("This submission has ended."))
    submission.editor_id, submission.editor = editor.id, editor
    session.flush()
    if submission.state in (S.TRIAGE, S.IN_REVIEW):
        tell(session, [editor], "review.triage", submission)
    return submission


def get_submission(session: Session, submission_id: int) -> Submission:
    """The submission, or ``NotFound``."""
    found = session.get(Submission, submission_id)
    if found is None:
        raise NotFound(_("There is no such submission."))
    return found


# Submitting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The educational summary a submission carries (after MedEdPORTAL's)."""

    objectives: str = ""
    audience: str = ""
    how_used: str = ""
    evaluation: str = ""


def shared_with_consortium(session: Session, version: MaterialVersion) -> bool:
    """Whether every teacher of an active school may view this version now: a grant to the
    consortium or the public that really admits (the rules' own reading of the grants)."""
    facts = policy.facts_for(session, version)
    if not facts.is_current or facts.state != "published" or facts.retired:
        return False
    now = utcnow()
    if (facts.available_from and facts.available_from > now) or (
        facts.available_until and facts.available_until <= now
    ):
        return False
    return any(
        grant.kind in ("public", "consortium") and "view" in rights
        for grant, rights in policy.effective_grants(facts, now)
    )


def open_submission(session: Session, material_id: int) -> Submission | None:
    """The material's submission still on the route, if any."""
    return session.scalar(
        select(Submission).where(Submission.material_id == material_id, Submission.state.in_(OPEN))
    )


def submittable(session: Session, person: Person, material_id: int) -> MaterialVersion:
    """The published version ``person`` may submit for peer review, or why not (in words)."""
    version = Catalogue.of(session, person).version(material_id)
    material = version.material
    if person.role not in STAFF or person.school_id != material.school_id:
        raise Conflict(_("Only teachers of the material's own school submit it for review."))
    published = material.published
    if published is None:
        raise Conflict(_("Publish the material first: peer review reviews a published version."))
    if not shared_with_consortium(session, published):
        raise Conflict(
            _(
                "Only materials shared with the whole consortium (or the public) can be peer "
                "reviewed, so that reviewers of any member school can read them. Widen its "
                "sharing first."
            )
        )
    if open_submission(session, material.id) is not None:
        raise Conflict(_("This material is already on the review route."))
    if published.id in accepted_versions(session, [published.id]):
        raise Conflict(
            _("This version is peer reviewed already: a new version can be submitted again.")
        )
    return published


def accepted_versions(session: Session, version_ids: Iterable[int]) -> set[int]:
    """Those of ``version_ids`` whose review was accepted (an accepted review belongs to its
    version: only a later version goes round again)."""
    return set(
        session.scalars(
            select(Submission.version_id).where(
                Submission.version_id.in_(list(version_ids)), Submission.state == S.ACCEPTED
            )
        )
    )


def submit(session: Session, person: Person, material_id: int, summary: Summary) -> Submission:
    """Submit the material's published version with its educational summary."""
    version = submittable(session, person, material_id)
    for field in ("objectives", "audience", "how_used"):
        if not getattr(summary, field).strip():
            raise InvalidInput(_("Fill in this part of the educational summary."), field=field)
    submission = Submission(
        material_id=material_id,
        version_id=version.id,
        school_id=version.material.school_id,
        author_id=person.id,
        author=person,
        version=version,
        state=S.TRIAGE,
        objectives=clean_text(summary.objectives),
        audience=clean_text(summary.audience),
        how_used=clean_text(summary.how_used),
        evaluation=clean_text(summary.evaluation),
    )
    _to_school_or_editor(session, submission, Step.SUBMIT, person, "")
    return submission


def _to_school_or_editor(
    session: Session, submission: Submission, step: Step, person: Person, note: str
) -> None:
    """Send the submission on to its school's vetting (where the school asks for it and this
    version is not vetted yet), else to its editor."""
    rule = people.vetting_of(session, submission.school_id)
    vetted = submission.vetted_version_id == submission.version_id
    if rule is not None and rule.required and not vetted:
        vetters = people.vetters(session, submission.school_id, submission.author_id)
        if not vetters:
            raise Conflict(
                _(
                    "Your school vets submissions first, but no one besides you can vet this "
                    "one: ask a school admin to name a vetter."
                )
            )
        move(session, submission, step, person, S.VETTING, note)
        tell(session, vetters, "review.vetting", submission)
        return
    move(session, submission, step, person, S.TRIAGE, note)
    _enter_triage(session, submission)


def vet(
    session: Session, person: Person, submission_id: int, passed: bool, note: str = ""
) -> Submission:
    """The school's vetter vets the submission (on to the editor) or returns it with a note."""
    submission = get_submission(session, submission_id)
    if not people.may_vet(session, person, submission):
        raise NotFound(_("There is no such submission."))
    if passed:
        move(session, submission, Step.VET, person, S.TRIAGE, clean_text(note))
        submission.vetted_version_id, submission.vetted_by_id = submission.version_id, person.id
        submission.vetted_at = utcnow()
        _enter_triage(session, submission)
        return submission
    if not note.strip():
        raise InvalidInput(_("Say what the author should change."), field="note")
    move(session, submission, Step.VET, person, S.RETURNED, clean_text(note))
    tell(session, [submission.author], "review.returned", submission, note=clean_text(note, 200))
    return submission


def as_editor(session: Session, person: Person, submission_id: int) -> Submission:
    """The submission, if ``person`` is its assigned editor (else a refusal in words)."""
    submission = get_submission(session, submission_id)
    if not people.may_edit(session, person, submission):
        raise Conflict(_("Only the submission's assigned editor takes this step."))
    return submission


def as_author(session: Session, person: Person, submission_id: int) -> Submission:
    """The submission, if ``person`` is its author (else it does not exist for them)."""
    submission = get_submission(session, submission_id)
    if submission.author_id != person.id:
        raise NotFound(_("There is no such submission."))
    return submission


def return_to_author(
    session: Session, editor: Person, submission_id: int, question: str
) -> Submission:
    """The editor returns the submission with a question; the author answers and resubmits."""
    submission = as_editor(session, editor, submission_id)
    if not question.strip():
        raise InvalidInput(_("Write the question the author should answer."), field="note")
    move(session, submission, Step.RETURN, editor, S.RETURNED, clean_text(question))
    tell(
        session, [submission.author], "review.returned", submission, note=clean_text(question, 200)
    )
    return submission


def resubmit(session: Session, author: Person, submission_id: int, answer: str) -> Submission:
    """The author answers and resubmits (the version now published, if they published one)."""
    submission = as_author(session, author, submission_id)
    if not answer.strip():
        raise InvalidInput(_("Answer the question before resubmitting."), field="note")
    if submission.state is not S.RETURNED:
        raise Conflict(
            _(
                "This step is not possible now: the submission is %(state)s.",
                state=submission.state.label,
            )
        )
    published = submission.material.published
    if published is None or not shared_with_consortium(session, published):
        raise Conflict(
            _(
                "Only materials shared with the whole consortium (or the public) can "
                "be peer reviewed. Widen its sharing first."
            )
        )
    submission.version_id, submission.version = published.id, published
    _to_school_or_editor(session, submission, Step.RESUBMIT, author, clean_text(answer))
    return submission


def decline(session: Session, editor: Person, submission_id: int, reason: str) -> Submission:
    """The editor declines the submission at triage, with a reason for the author."""
    submission = as_editor(session, editor, submission_id)
    if not reason.strip():
        raise InvalidInput(_("Give the author the reason."), field="note")
    move(session, submission, Step.DECLINE, editor, S.DECLINED, clean_text(reason))
    tell(
        session,
        [submission.author],
        "review.decision",
        submission,
        outcome=str(Outcome.DECLINE.label),
    )
    return submission


def withdraw(session: Session, author: Person, submission_id: int) -> Submission:
    """The author takes the submission off the route; open invitations end."""
    submission = as_author(session, author, submission_id)
    move(session, submission, Step.WITHDRAW, author, S.WITHDRAWN)
    _end_open_invitations(submission)
    return submission


# Reviewers ---------------------------------------------------------------------------------------


def invite_one(
    session: Session,
    submission: Submission,
    reviewer: Person,
    by: Person | None,
    due_at: dt.datetime,
) -> ReviewInvitation:
    """Invite ``reviewer`` (never of the author's school) to review the current version."""
    assert reviewer.school_id is not None and reviewer.school_id != submission.school_id
    invitation = ReviewInvitation(
        submission_id=submission.id,
        version_id=submission.version_id,
        round=submission.round,
        reviewer_id=reviewer.id,
        school_id=reviewer.school_id,
        reviewer=reviewer,
        invited_by_id=by.id if by else None,
        due_at=due_at,
    )
    submission.invitations.append(invitation)
    session.flush()
    tell(session, [reviewer], "review.invitation", submission, due=due_at.date().isoformat())
    return invitation


# Deciding -------------------------------------------------------------------------------------


def reviewer_numbers(submission: Submission) -> dict[int, int]:
    """Each reviewer's number on this submission ("Reviewer 2"), in the order first invited."""
    numbers: dict[int, int] = {}
    for invitation in submission.invitations:
        if invitation.reviewer_id not in numbers:
            numbers[invitation.reviewer_id] = len(numbers) + 1
    return numbers


def signers(session: Session, submission: Submission) -> set[int]:
    """The reviewers who signed a review of this submission: the author may know their names."""
    return set(
        session.scalars(
            select(Review.reviewer_id).where(
                Review.submission_id == submission.id, Review.signed.is_(True)
            )
        )
    )


def _letter_reviews(session: Session, submission: Submission) -> list[dict[str, object]]:
    """The round's reviews as the author will read them: numbered, named only if signed,
    never the confidential comments."""
    numbers = reviewer_numbers(submission)
    reviews = session.scalars(
        select(Review)
        .join(ReviewInvitation, Review.invitation_id == ReviewInvitation.id)
        .where(Review.submission_id == submission.id, ReviewInvitation.round == submission.round)
        .order_by(Review.id)
    ).all()
    return [
        {
            "number": numbers[r.reviewer_id],
            "name": r.reviewer.name if r.signed else "",
            "recommendation": r.recommendation.value,
            "scores": dict(r.scores),
            "comments": dict(r.comments),
            "to_author": r.to_author,
        }
        for r in reviews
    ]


def decide(
    session: Session, editor: Person, submission_id: int, outcome: str, letter: str
) -> Decision:
    """The assigned editor decides the round: accept, minor or major revision, or decline,
    with a letter to the author that collects the reviews."""
    submission = as_editor(session, editor, submission_id)
    try:
        chosen = Outcome(outcome)
    except ValueError:
        raise InvalidInput(_("Choose a decision."), field="outcome") from None
    if not letter.strip():
        raise InvalidInput(_("Write the letter to the author."), field="letter")
    reviews = _letter_reviews(session, submission)
    if chosen is not Outcome.DECLINE and not reviews:
        raise Conflict(_("Wait for at least one review before accepting or asking a revision."))
    move(session, submission, Step.DECIDE, editor, OUTCOME_STATE[chosen], chosen.value)
    decision = Decision(
        submission_id=submission.id,
        material_id=submission.material_id,
        version_id=submission.version_id,
        round=submission.round,
        outcome=chosen,
        letter=clean_text(letter),
        editor_id=editor.id,
        reviews=reviews,
    )
    session.add(decision)
    _end_open_invitations(submission)
    session.flush()
    tell(session, [submission.author], "review.decision", submission, outcome=str(chosen.label))
    return decision


def _end_open_invitations(submission: Submission) -> None:
    for invitation in submission.invitations:
        if invitation.state in people.OPEN_INVITATIONS:
            invitation.state = InvitationState.WITHDRAWN
            invitation.responded_at = utcnow()


def revise(session: Session, author: Person, submission_id: int, answers: str) -> Submission:
    """The author sends the revision: the version they published since, with their answers to
    the reviews. The reviewers of the last round are invited back to review it."""
    submission = as_author(session, author, submission_id)
    if submission.state is not S.REVISION:
        raise Conflict(_("No revision was asked for."))
    published = submission.material.published
    if published is None or published.number <= submission.version.number:
        raise Conflict(
            _(
                "Publish a new version of the material first: the revision is reviewed as a "
                "new version."
            )
        )
    if not shared_with_consortium(session, published):
        raise Conflict(
            _(
                "Only materials shared with the whole consortium (or the public) can "
                "be peer reviewed. Widen its sharing first."
            )
        )
    if not answers.strip():
        raise InvalidInput(_("Answer the reviews: say what you changed."), field="note")
    back = [
        i.reviewer
        for i in submission.invitations
        if i.round == submission.round
        and i.state is InvitationState.SUBMITTED
        and i.reviewer.active
        and i.reviewer.school_id != submission.school_id
    ]
    move(session, submission, Step.REVISE, author, S.IN_REVIEW, clean_text(answers))
    submission.round += 1
    submission.version_id, submission.version = published.id, published
    session.flush()
    due_at = utcnow() + dt.timedelta(days=DUE_DAYS)
    for reviewer in back:
        invite_one(session, submission, reviewer, None, due_at)
    tell_editor(session, submission, "review.triage")
    return submission
