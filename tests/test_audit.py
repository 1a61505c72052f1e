"""Every audit event goes to the log of the school it concerns."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import AuditEvent
from hub.services import audit, publishing
from tests.factories import ConsortiumAdminFactory, SchoolFactory, TeacherFactory


def test_an_event_goes_to_its_subjects_school_unless_another_is_named(session: Session) -> None:
    teacher = TeacherFactory()
    material = publishing.create_draft(session, teacher)
    partner = SchoolFactory()
    admin = ConsortiumAdminFactory()
    audit.record(session, admin, "test.school", partner)
    audit.record(session, admin, "test.person", teacher)
    audit.record(session, admin, "test.global", admin)
    audit.record(session, teacher, "test.named", material, school_id=partner.id)
    events = session.scalars(select(AuditEvent).where(AuditEvent.action.like("test.%"))).all()
    assert {e.action: e.school_id for e in events} == {
        "test.school": partner.id,
        "test.person": teacher.school_id,
        "test.global": None,
        "test.named": partner.id,
    }
    created = session.scalars(select(AuditEvent).where(AuditEvent.action == "material.created"))
    assert created.one().school_id == teacher.school_id
