"""The review route as a state machine (hypothesis): whatever the order of steps and whoever
tries them, no submission is lost or waits without someone to take its next step, only the
assigned editor decides, reviewers are never of the author's school, and the author never
reads an unsigned reviewer's name nor any confidential comment."""

from __future__ import annotations

import itertools

import pytest
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import Decision, InvitationState, Person, Submission, SubmissionState
from hub.services import review, review_people, review_views
from hub.services import review_reviewing as reviewing
from hub.services.errors import ServiceError
from tests.factories import (
    ConsortiumAdminFactory,
    SchoolAdminFactory,
    SchoolFactory,
    TeacherFactory,
    make_material,
    publish_new_version,
    revise,
)
from tests.review.conftest import MALARIA, SUMMARY, rubric

S = SubmissionState
COUNTRIES = ("KE", "FR", "BR", "IN")
#: The states the examples reached (the test checks the route was walked, not only begun).
REACHED: set[str] = set()
COUNTER = itertools.count()


def _author_sees(session: Session, author: Person, submission_id: int) -> str:
    """Everything the author's page of the submission holds, as one text."""
    shown = review_views.page(session, author, submission_id)
    parts = [name for name in shown.threads]
    for messages in shown.threads.values():
        parts += [f"{m.who} {m.body}" for m in messages]
    for decision in shown.decisions:
        parts.append(decision.letter)
        parts += [repr(r) for r in decision.reviews]
    parts += [e.note for e in shown.events]
    parts += [repr(r) for r in shown.reviews] + [repr(i.name) for i in shown.invitations]
    return "\n".join(parts)


class Route(RuleBasedStateMachine):
    """The route, walked by hypothesis; ``session`` is the test's (each example runs in a
    savepoint)."""

    session: Session

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = self.session.begin_nested()
        schools = [SchoolFactory(country=c) for c in COUNTRIES]
        self.admin = ConsortiumAdminFactory()
        self.authors = [TeacherFactory(school=s, name=f"Author {s.country}") for s in schools[:2]]
        self.school_admins = [SchoolAdminFactory(school=s) for s in schools[:2]]
        self.materials = []
        for author in self.authors:
            material = make_material(
                self.session, author.school, grants=[("consortium", [], "view")]
            )
            revise(self.session, material, topics=[MALARIA])
            self.materials.append(material)
        self.editors = [TeacherFactory(school=s, name=f"Editor {s.country}") for s in schools[2:]]
        for editor in self.editors:
            review_people.appoint_editor(self.session, self.admin, editor.email, MALARIA, "en")
        self.reviewers = []
        for school in schools:
            for _n in range(2):
                person = TeacherFactory(school=school, name=f"Secret Name {next(COUNTER)}")
                review_people.volunteer(
                    self.session,
                    person,
                    review_people.Expertise(topics=MALARIA, languages="en", reviews_per_term="3"),
                )
                self.reviewers.append(person)
        self.submitted = 0
        self.signed: set[int] = set()
        self.confidential: list[str] = []

    def teardown(self) -> None:
        REACHED.update(s.state.value for s in self.session.scalars(select(Submission)))
        self.savepoint.rollback()
        self.session.expunge_all()  # the next example reuses the ids

    def _open(self, states: set[SubmissionState]) -> list[Submission]:
        return list(
            self.session.scalars(
                select(Submission).where(Submission.state.in_(states)).order_by(Submission.id)
            )
        )

    def _has(self, states: set[SubmissionState]) -> bool:
        return bool(self._open(states))

    def _invited(self, state: InvitationState) -> bool:
        found = self.session.scalar(
            select(review.ReviewInvitation.id).where(review.ReviewInvitation.state == state)
        )
        return found is not None

    def _actor(self, submission: Submission, who: int) -> Person:
        """Most often the assigned editor; else anyone else who might try."""
        if who < 3 and submission.editor is not None:
            return submission.editor
        everyone = [*self.authors, *self.editors, *self.reviewers, *self.school_admins]
        return everyone[who % len(everyone)]

    @initialize()
    def first_submission(self) -> None:
        self.submit(0)

    @rule(which=st.integers(0, 1))
    def submit(self, which: int) -> None:
        try:
            review.submit(self.session, self.authors[which], self.materials[which].id, SUMMARY)
            self.submitted += 1
        except ServiceError:
            # Refused only while on the route, or when this version is reviewed already.
            material = self.materials[which]
            assert review.open_submission(self.session, material.id) is not None or (
                material.published is not None
                and review.accepted_versions(self.session, [material.published.id])
            )

    @rule(which=st.integers(0, 1), on=st.booleans(), named=st.booleans())
    def set_vetting(self, which: int, on: bool, named: bool) -> None:
        vetters = [self.reviewers[which * 2].id] if named else []
        review_people.set_vetting(self.session, self.school_admins[which], on, vetters)

    @precondition(lambda self: self._has(set(review.OPEN)))
    @rule(
        pick=st.integers(0, 5),
        signed=st.booleans(),
        outcome=st.sampled_from(["accept", "minor", "major", "decline"]),
    )
    def advance(self, pick: int, signed: bool, outcome: str) -> None:
        """The owner of the next step of one submission takes it (the route's way on)."""
        waiting = self._open(set(review.OPEN))
        submission = waiting[pick % len(waiting)]
        state = submission.state
        if state is S.VETTING:
            self.vet(pick, True)
        elif state is S.TRIAGE or (state is S.IN_REVIEW and not submission.invitations):
            self.invite(pick, 2)
        elif state in (S.RETURNED, S.REVISION):
            self.author_answers(pick)
        elif self._invited(InvitationState.INVITED):
            self.reviewers_respond(0, 0)
        elif self._invited(InvitationState.ACCEPTED):
            self.reviews_come_in([signed], outcome)
        else:
            self.decide(pick, 0, outcome)

    @precondition(lambda self: self._has({S.VETTING}))
    @rule(pick=st.integers(0, 5), passed=st.booleans())
    def vet(self, pick: int, passed: bool) -> None:
        waiting = self._open({S.VETTING})
        if waiting:
            submission = waiting[pick % len(waiting)]
            vetter = review_people.vetters(
                self.session, submission.school_id, submission.author_id
            )[0]
            review.vet(self.session, vetter, submission.id, passed, "Cite the 2024 guideline.")

    @precondition(lambda self: self._has({S.TRIAGE}))
    @rule(
        pick=st.integers(0, 5),
        who=st.integers(0, 5),
        step=st.sampled_from(["return", "decline"]),
    )
    def triage(self, pick: int, who: int, step: str) -> None:
        waiting = self._open({S.TRIAGE})
        if not waiting:
            return
        submission = waiting[pick % len(waiting)]
        actor = self._actor(submission, who)
        call = review.return_to_author if step == "return" else review.decline
        try:
            call(self.session, actor, submission.id, "Please say more.")
        except ServiceError:
            assert actor.id != submission.editor_id
        else:
            assert actor.id == submission.editor_id

    @precondition(lambda self: self._has({S.TRIAGE, S.IN_REVIEW}))
    @rule(pick=st.integers(0, 5), count=st.integers(1, 3))
    def invite(self, pick: int, count: int) -> None:
        waiting = self._open({S.TRIAGE, S.IN_REVIEW})
        if not waiting:
            return
        submission = waiting[pick % len(waiting)]
        suggested = review_people.suggest(self.session, submission)[:count]
        if suggested and submission.editor is not None:
            reviewing.invite(
                self.session, submission.editor, submission.id, [g.person.id for g in suggested]
            )

    @precondition(lambda self: self._invited(InvitationState.INVITED))
    @rule(declining=st.integers(0, 20), no=st.integers(0, 3))
    def reviewers_respond(self, declining: int, no: int) -> None:
        """Every invited reviewer answers; one of them may decline."""
        waiting = list(
            self.session.scalars(
                select(review.ReviewInvitation).where(
                    review.ReviewInvitation.state == InvitationState.INVITED
                )
            )
        )
        for n, invitation in enumerate(waiting):
            accept = not (no == 3 and n == declining % len(waiting))
            reviewing.respond(self.session, invitation.reviewer, invitation.id, accept, "Busy.")

    @precondition(lambda self: self._invited(InvitationState.ACCEPTED))
    @rule(
        signing=st.lists(st.booleans(), min_size=1, max_size=6),
        outcome=st.sampled_from(["accept", "minor", "major", "decline"]),
    )
    def reviews_come_in(self, signing: list[bool], outcome: str) -> None:
        """Every reviewer at work sends their review, signed or not."""
        waiting = list(
            self.session.scalars(
                select(review.ReviewInvitation).where(
                    review.ReviewInvitation.state == InvitationState.ACCEPTED
                )
            )
        )
        for n, invitation in enumerate(waiting):
            signed = signing[n % len(signing)]
            secret = f"CONFIDENTIAL-{next(COUNTER)}"
            self.confidential.append(secret)
            reviewing.submit_review(
                self.session,
                invitation.reviewer,
                invitation.id,
                rubric(recommendation=outcome, signed=signed, confidential=secret),
            )
            if signed:
                self.signed.add(invitation.reviewer_id)

    @precondition(lambda self: self._invited(InvitationState.SUBMITTED))
    @rule(
        pick=st.integers(0, 5),
        who=st.integers(0, 5),
        outcome=st.sampled_from(["accept", "minor", "major", "decline"]),
    )
    def decide(self, pick: int, who: int, outcome: str) -> None:
        reviewed = [
            s
            for s in self._open({S.IN_REVIEW})
            if any(
                i.round == s.round and i.state is InvitationState.SUBMITTED for i in s.invitations
            )
        ]
        waiting = reviewed or self._open({S.IN_REVIEW})
        if not waiting:
            return
        submission = waiting[pick % len(waiting)]
        actor = self._actor(submission, who)
        try:
            review.decide(self.session, actor, submission.id, outcome, "Dear author, ...")
        except ServiceError:
            pass
        else:
            assert actor.id == submission.editor_id

    @precondition(lambda self: self._has({S.RETURNED, S.REVISION}))
    @rule(pick=st.integers(0, 5))
    def author_answers(self, pick: int) -> None:
        waiting = self._open({S.RETURNED, S.REVISION})
        if not waiting:
            return
        submission = waiting[pick % len(waiting)]
        if submission.state is S.RETURNED:
            review.resubmit(self.session, submission.author, submission.id, "Here is the answer.")
            return
        publish_new_version(self.session, submission.material, "Revised")
        self.session.expire(submission.material, ["versions"])
        review.revise(self.session, submission.author, submission.id, "Changed as asked.")

    @precondition(lambda self: self._invited(InvitationState.ACCEPTED))
    @rule(pick=st.integers(0, 20))
    def reviewer_asks(self, pick: int) -> None:
        open_ones = list(
            self.session.scalars(
                select(review.ReviewInvitation).where(
                    review.ReviewInvitation.state == InvitationState.ACCEPTED
                )
            )
        )
        if open_ones:
            invitation = open_ones[pick % len(open_ones)]
            reviewing.ask(
                self.session,
                invitation.reviewer,
                invitation.submission_id,
                "Which year?",
                invitation.id,
            )

    @precondition(lambda self: self._has(set(review.OPEN)))
    @rule(pick=st.integers(0, 5), really=st.integers(0, 3))
    def withdraw(self, pick: int, really: int) -> None:
        waiting = self._open(set(review.OPEN))
        if waiting and really == 3:  # hypothesis favours 0: withdrawing stays rare
            submission = waiting[pick % len(waiting)]
            review.withdraw(self.session, submission.author, submission.id)

    @invariant()
    def nothing_lost_nor_stuck(self) -> None:
        every = list(self.session.scalars(select(Submission)))
        assert len(every) == self.submitted
        for submission in every:
            if submission.state in review.OPEN:
                assert review.owners(self.session, submission), submission.state

    @invariant()
    def reviewers_come_from_other_schools(self) -> None:
        for invitation in self.session.scalars(select(review.ReviewInvitation)):
            assert invitation.school_id != invitation.submission.school_id
            assert invitation.reviewer.school_id != invitation.submission.school_id

    @invariant()
    def decisions_are_the_assigned_editors(self) -> None:
        for decision in self.session.scalars(select(Decision)):
            assert decision.editor_id == decision.submission.editor_id

    @invariant()
    def the_author_reads_no_unsigned_name_nor_confidential_comment(self) -> None:
        for submission in self.session.scalars(select(Submission)):
            seen = _author_sees(self.session, submission.author, submission.id)
            for reviewer in self.reviewers:
                if reviewer.id not in self.signed:
                    assert reviewer.name not in seen
            for secret in self.confidential:
                assert secret not in seen


@pytest.mark.slow
def test_the_review_route_keeps_its_promises(app: Flask, session: Session) -> None:
    Route.session = session
    with app.app_context():
        run_state_machine_as_test(
            Route,
            settings=settings(
                max_examples=60,
                stateful_step_count=25,
                deadline=None,
                # The same walks every run: the check below that they reach the route's ends
                # must not depend on luck.
                derandomize=True,
                database=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    # The examples walked the route to its ends, not only its start.
    assert {"accepted", "in_review", "declined"} <= REACHED, REACHED
