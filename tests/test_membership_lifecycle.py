"""Property: any sequence of decisions keeps a school in a legal state that its history explains."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import MembershipEvent, MembershipStatus
from hub.services import membership
from hub.services.errors import Conflict, InvalidInput
from hub.services.membership import NEEDS_REASON, TRANSITIONS, Decision
from tests.factories import ConsortiumAdminFactory, SchoolFactory


def test_random_decisions_never_reach_an_illegal_state(session: Session) -> None:
    admin = ConsortiumAdminFactory()

    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.school = SchoolFactory(status=MembershipStatus.APPLIED)
            session.add(
                MembershipEvent(
                    school_id=self.school.id, from_status=None, to_status=MembershipStatus.APPLIED
                )
            )
            session.flush()

        @rule(decision=st.sampled_from(Decision), reason=st.sampled_from(["", "  ", "Because."]))
        def decide(self, decision: Decision, reason: str) -> None:
            before = self.school.status
            legal = (before, decision) in TRANSITIONS
            try:
                membership.change_membership(session, self.school, decision, admin, reason)
            except Conflict:
                assert not legal
                assert self.school.status is before
            except InvalidInput:
                assert decision in NEEDS_REASON and not reason.strip()
                assert self.school.status is before
            else:
                assert legal
                assert self.school.status is TRANSITIONS[(before, decision)]

        @invariant()
        def history_explains_the_current_state(self) -> None:
            events = session.scalars(
                select(MembershipEvent)
                .where(MembershipEvent.school_id == self.school.id)
                .order_by(MembershipEvent.id)
            ).all()
            assert events[0].from_status is None
            for previous, event in zip(events, events[1:], strict=False):
                assert event.from_status is previous.to_status
                assert (previous.to_status, event.to_status) in {
                    (a, b) for (a, _), b in TRANSITIONS.items()
                }
            assert events[-1].to_status is self.school.status

    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=40,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
