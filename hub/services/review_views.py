"""What each person sees of peer review: a submission's page as its author, its editor, a
reviewer, a vetter or a consortium admin sees it; a person's own reviews; the editors' board;
and the daily reminders (``hub review remind``).

The rules of sight, in one place (``page``): the material is named only to those the catalogue
lets view it; reviewers' names reach editors only, and the author only for reviewers who signed;
confidential comments reach editors only; a reviewer sees their own invitation, review and
thread with the author, never the other reviewers'.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    STAFF,
    Decision,
    Editor,
    InvitationState,
    Material,
    MaterialVersion,
    Outcome,
    Person,
    Reviewer,
    ReviewInvitation,
    ReviewMessage,
    Role,
    SchoolVetting,
    Submission,
    SubmissionEvent,
    SubmissionState,
    utcnow,
)
from . import review
from . import review_people as people
from .catalogue import Catalogue
from .errors import NotFound

S = SubmissionState


@dataclass(frozen=True)
class ShownReview:
    """A review as the viewer may read it: ``name`` empty where they may not know it,
    ``confidential`` empty unless they are the editor."""

    number: int
    name: str
    version_number: int
    round: int
    recommendation: Outcome
    scores: dict[str, int]
    comments: dict[str, str]
    to_author: str
    confidential: str
    signed: bool
    submitted_at: dt.datetime


@dataclass(frozen=True)
class ShownInvitation:
    """An invitation as the viewer may see it (the editor, or the reviewer themself)."""

    invitation: ReviewInvitation
    number: int
    name: str
    school: str
    overdue: bool


@dataclass(frozen=True)
class ShownMessage:
    """A message of a thread: who wrote it in words the viewer may read."""

    who: str
    side: str
    body: str
    at: dt.datetime


@dataclass
class SubmissionPage:
    """One submission as one person sees it."""

    submission: Submission
    roles: frozenset[str]
    version: MaterialVersion | None  # None: the viewer may not view the material (now)
    events: list[SubmissionEvent] = field(default_factory=list)
    invitations: list[ShownInvitation] = field(default_factory=list)
    reviews: list[ShownReview] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    threads: dict[str, list[ShownMessage]] = field(default_factory=dict)
    thread_ids: dict[str, int | None] = field(default_factory=dict)
    suggestions: list[people.Suggestion] = field(default_factory=list)
    editors: list[Editor] = field(default_factory=list)
    owners: list[Person] = field(default_factory=list)
    reviews_in: int = 0
    reviews_asked: int = 0

    @property
    def is_editor(self) -> bool:
        return "editor" in self.roles

    @property
    def is_author(self) -> bool:
        return "author" in self.roles

    def my_invitations(self, person_id: int) -> list[ShownInvitation]:
        """The viewer's own invitations (a reviewer's)."""
        return [i for i in self.invitations if i.invitation.reviewer_id == person_id]


def roles_of(session: Session, person: Person, submission: Submission) -> frozenset[str]:
    """How ``person`` takes part in the submission (empty: not at all)."""
    roles = set()
    if submission.author_id == person.id:
        roles.add("author")
    if people.may_edit(session, person, submission):
        roles.add("editor")
    if person.role is Role.CONSORTIUM_ADMIN:
        roles.add("admin")
    if people.may_vet(session, person, submission) or (
        person.role in STAFF
        and person.school_id == submission.school_id
        and person.role is Role.SCHOOL_ADMIN
    ):
        roles.add("vetter")
    if any(i.reviewer_id == person.id for i in submission.invitations):
        roles.add("reviewer")
    return frozenset(roles)


def _shown_review(
    invitation: ReviewInvitation, number: int, names: bool, confidential: bool
) -> ShownReview | None:
    r = invitation.review
    if r is None:
        return None
    return ShownReview(
        number=number,
        name=r.reviewer.name if names or r.signed else "",
        version_number=_version_number(invitation),
        round=invitation.round,
        recommendation=r.recommendation,
        scores=dict(r.scores),
        comments=dict(r.comments),
        to_author=r.to_author,
        confidential=r.confidential if confidential else "",
        signed=r.signed,
        submitted_at=r.submitted_at,
    )


def _version_number(invitation: ReviewInvitation) -> int:
    return next(
        (
            v.number
            for v in invitation.submission.material.versions
            if v.id == invitation.version_id
        ),
        0,
    )


def page(session: Session, person: Person, submission_id: int) -> SubmissionPage:
    """The submission as ``person`` may see it; ``NotFound`` for anyone who takes no part."""
    submission = session.get(Submission, submission_id)
    roles = roles_of(session, person, submission) if submission else frozenset()
    if submission is None or not roles:
        raise NotFound(_("There is no such submission."))
    visible = Catalogue.of(session, person).allowed([submission.version], "view")
    shown = SubmissionPage(submission, roles, submission.version if visible else None)
    numbers = review.reviewer_numbers(submission)
    editor = "editor" in roles
    if roles & {"author", "editor", "admin", "vetter"}:
        shown.events = list(submission.events)
        shown.decisions = list(submission.decisions)
    current = [i for i in submission.invitations if i.round == submission.round]
    shown.reviews_asked = sum(i.state is not InvitationState.DECLINED for i in current)
    shown.reviews_in = sum(i.state is InvitationState.SUBMITTED for i in current)
    now = utcnow()
    for invitation in submission.invitations:
        mine = invitation.reviewer_id == person.id
        if not (editor or mine):
            continue
        number = numbers[invitation.reviewer_id]
        shown.invitations.append(
            ShownInvitation(
                invitation,
                number,
                invitation.reviewer.name,
                invitation.reviewer.school.name if invitation.reviewer.school else "",
                invitation.state in people.OPEN_INVITATIONS and invitation.due_at < now,
            )
        )
        found = _shown_review(invitation, number, names=True, confidential=editor)
        if found is not None:
            shown.reviews.append(found)
    _threads(session, person, submission, shown, numbers)
    if editor:
        shown.owners = review.owners(session, submission)
        if submission.state in (S.TRIAGE, S.IN_REVIEW):
            shown.suggestions = people.suggest(session, submission)
    if "admin" in roles and submission.state in review.OPEN:
        shown.editors = [
            e for e in people.editors(session) if e.person.school_id != submission.school_id
        ]
    return shown


def _threads(
    session: Session,
    person: Person,
    submission: Submission,
    shown: SubmissionPage,
    numbers: dict[int, int],
) -> None:
    """The threads the viewer may read, each message signed in words they may read."""
    signed = review.signers(session, submission)
    invitations = {i.id: i for i in submission.invitations}
    editor, author = "editor" in shown.roles, "author" in shown.roles
    messages = session.scalars(
        select(ReviewMessage)
        .where(ReviewMessage.submission_id == submission.id)
        .order_by(ReviewMessage.id)
    ).all()
    if editor or author:
        shown.threads[_("The editor and the author")] = []
        shown.thread_ids[_("The editor and the author")] = None
    for invitation in submission.invitations:
        if editor or author or invitation.reviewer_id == person.id:
            key = _thread_name(invitation, numbers, signed, editor, person)
            shown.threads.setdefault(key, [])
            shown.thread_ids.setdefault(key, invitation.id)
    for message in messages:
        thread = invitations.get(message.invitation_id or -1)
        if thread is None:
            key = _("The editor and the author")
        else:
            key = _thread_name(thread, numbers, signed, editor, person)
        if key not in shown.threads:
            continue
        shown.threads[key].append(
            ShownMessage(
                _sender(message, thread, numbers, signed, editor, submission),
                message.side,
                message.body,
                message.created_at,
            )
        )


def _reviewer_words(
    invitation: ReviewInvitation, numbers: dict[int, int], signed: set[int], names: bool
) -> str:
    number = numbers[invitation.reviewer_id]
    if names or invitation.reviewer_id in signed:
        return _("Reviewer %(number)d (%(name)s)", number=number, name=invitation.reviewer.name)
    return _("Reviewer %(number)d", number=number)


def _thread_name(
    invitation: ReviewInvitation,
    numbers: dict[int, int],
    signed: set[int],
    editor: bool,
    person: Person,
) -> str:
    if invitation.reviewer_id == person.id:
        return _("You and the author")
    who = _reviewer_words(invitation, numbers, signed, editor)
    return _("%(reviewer)s and the author", reviewer=who)


def _sender(
    message: ReviewMessage,
    invitation: ReviewInvitation | None,
    numbers: dict[int, int],
    signed: set[int],
    editor: bool,
    submission: Submission,
) -> str:
    if message.side == "author":
        return _("The author (%(name)s)", name=submission.author.name)
    if message.side == "editor":
        return _("The editor")
    assert invitation is not None
    return _reviewer_words(invitation, numbers, signed, editor)


def invitation_of(session: Session, person: Person, invitation_id: int) -> ReviewInvitation | None:
    """The person's own invitation (None for anyone else's, or none)."""
    found = session.get(ReviewInvitation, invitation_id)
    return found if found is not None and found.reviewer_id == person.id else None


def invitation_for_editor(
    session: Session, person: Person, invitation_id: int
) -> ReviewInvitation | None:
    """An invitation of a submission ``person`` edits (None otherwise)."""
    found = session.get(ReviewInvitation, invitation_id)
    if found is None or not people.may_edit(session, person, found.submission):
        return None
    return found


# A person's reviews -----------------------------------------------------------------------------


@dataclass
class MyReviews:
    """Everything of peer review that concerns one person, for their Reviews page."""

    submitted: list[Submission]
    invitations: list[ReviewInvitation]
    editing: list[Submission]
    vetting: list[Submission]
    submittable: list[MaterialVersion]
    reviewer: Reviewer | None
    is_editor: bool
    vetting_rule: SchoolVetting | None
    titles: dict[int, str]  # by submission id: the titles the person may read


def mine(session: Session, person: Person) -> MyReviews:
    """The person's submissions, invitations, submissions they edit or vet, and what of their
    school's they could submit."""
    submitted = list(
        session.scalars(
            select(Submission)
            .where(Submission.author_id == person.id)
            .order_by(Submission.id.desc())
        )
    )
    invitations = list(
        session.scalars(
            select(ReviewInvitation)
            .where(ReviewInvitation.reviewer_id == person.id)
            .order_by(ReviewInvitation.id.desc())
        )
    )
    editing = (
        list(
            session.scalars(
                select(Submission)
                .where(Submission.editor_id == person.id, Submission.state.in_(review.OPEN))
                .order_by(Submission.state_since)
            )
        )
        if people.is_editor(session, person)
        else []
    )
    vetting: list[Submission] = []
    if person.school_id is not None and person.role in STAFF:
        waiting = session.scalars(
            select(Submission).where(
                Submission.school_id == person.school_id, Submission.state == S.VETTING
            )
        )
        vetting = [s for s in waiting if people.may_vet(session, person, s)]
    every = [*submitted, *(i.submission for i in invitations), *editing, *vetting]
    return MyReviews(
        submitted,
        invitations,
        editing,
        vetting,
        _submittable(session, person),
        people.reviewer_of(session, person),
        people.is_editor(session, person),
        people.vetting_of(session, person.school_id) if person.school_id else None,
        titles(session, person, every),
    )


def titles(session: Session, person: Person, submissions: list[Submission]) -> dict[int, str]:
    """The titles of the submissions' versions that ``person`` may view, by submission id."""
    allowed = {
        v.id for v in Catalogue.of(session, person).allowed({s.version for s in submissions})
    }
    return {s.id: s.version.title for s in submissions if s.version_id in allowed}


def _submittable(session: Session, person: Person) -> list[MaterialVersion]:
    """The school's published materials the person could submit now."""
    if person.role not in STAFF or person.school_id is None:
        return []
    materials: list[Material] = Catalogue.of(session, person).school_materials(person.school_id)
    busy = set(
        session.scalars(
            select(Submission.material_id).where(
                Submission.school_id == person.school_id, Submission.state.in_(review.OPEN)
            )
        )
    )
    published = [m.published for m in materials if m.published is not None]
    reviewed = review.accepted_versions(session, [v.id for v in published])
    return [
        version
        for version in published
        if version.material_id not in busy
        and version.id not in reviewed
        and review.shared_with_consortium(session, version)
    ]


# The editors' board ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """An open submission on the board."""

    submission: Submission
    title: str  # empty where the viewer may not view it
    days: int  # in its current stage


@dataclass(frozen=True)
class ReviewerLoad:
    """A reviewer's load for the board."""

    reviewer: Reviewer
    load: people.Load


@dataclass
class Board:
    """Submissions by stage, the time they spend in each stage, overdue reviews, loads."""

    stages: dict[SubmissionState, list[Waiting]]
    average_days: dict[SubmissionState, float]
    overdue: list[ShownInvitation]
    loads: list[ReviewerLoad]
    names: bool  # whether the viewer (an editor) may read who reviews what


def may_see_board(session: Session, person: Person) -> bool:
    """Editors and consortium admins see the board."""
    return person.role is Role.CONSORTIUM_ADMIN or people.is_editor(session, person)


def board(session: Session, person: Person) -> Board:
    """The board as an editor (or a consortium admin, without who reviews what) sees it."""
    if not may_see_board(session, person):
        raise NotFound(_("The board is for editors."))
    now = utcnow()
    open_ones = list(
        session.scalars(
            select(Submission)
            .where(Submission.state.in_(review.OPEN))
            .order_by(Submission.state_since)
        )
    )
    shown = titles(session, person, open_ones)
    stages: dict[SubmissionState, list[Waiting]] = {s: [] for s in review.NEXT}
    for submission in open_ones:
        stages[submission.state].append(
            Waiting(submission, shown.get(submission.id, ""), (now - submission.state_since).days)
        )
    names = people.is_editor(session, person)
    overdue = [
        ShownInvitation(
            i,
            review.reviewer_numbers(i.submission)[i.reviewer_id],
            i.reviewer.name if names else "",
            "",
            True,
        )
        for i in session.scalars(
            select(ReviewInvitation)
            .where(
                ReviewInvitation.state.in_(people.OPEN_INVITATIONS), ReviewInvitation.due_at < now
            )
            .order_by(ReviewInvitation.due_at)
        )
    ]
    volunteers = people.reviewers(session)
    found = people.loads(session, [r.person_id for r in volunteers], now)
    loads = [ReviewerLoad(r, found.get(r.person_id, people.Load())) for r in volunteers]
    return Board(stages, _average_days(session, now), overdue, loads, names)


def _average_days(session: Session, now: dt.datetime) -> dict[SubmissionState, float]:
    """How many days, on average, submissions spent in each stage (the last stage of an open
    submission counts until now)."""
    spans: dict[SubmissionState, list[float]] = defaultdict(list)
    events = session.scalars(
        select(SubmissionEvent).order_by(SubmissionEvent.submission_id, SubmissionEvent.id)
    ).all()
    for index, event in enumerate(events):
        following = events[index + 1] if index + 1 < len(events) else None
        same = following is not None and following.submission_id == event.submission_id
        state = SubmissionState(event.to_state)
        if state in review.FINAL:
            continue
        end = following.at if same and following else now
        spans[state].append((end - event.at).total_seconds() / 86400)
    return {state: round(sum(days) / len(days), 1) for state, days in spans.items()}


# Reminders ------------------------------------------------------------------------------------

#: Reviewers are reminded from this many days before their review is due.
REMIND_BEFORE = 3


def remind(session: Session, today: dt.date | None = None) -> tuple[int, int]:
    """Remind reviewers whose review is due within ``REMIND_BEFORE`` days or overdue, once a
    day (so running it twice a day mails nothing more); the editor hears the first time a
    review is overdue. How many reminders went, and how many overdue notices."""
    today = today or utcnow().date()
    reminded = overdue = 0
    open_ones = session.scalars(
        select(ReviewInvitation).where(ReviewInvitation.state.in_(people.OPEN_INVITATIONS))
    ).all()
    for invitation in open_ones:
        due = invitation.due_at.date()
        last = invitation.reminded_on
        if (due - today).days > REMIND_BEFORE or last == today:
            continue
        submission = invitation.submission
        if submission.state is not S.IN_REVIEW:
            continue
        review.tell(
            session, [invitation.reviewer], "review.reminder", submission, due=due.isoformat()
        )
        reminded += 1
        if due < today and (last is None or last <= due) and submission.editor is not None:
            review.tell(session, [submission.editor], "review.overdue", submission)
            overdue += 1
        invitation.reminded_on = today
    session.flush()
    return reminded, overdue
