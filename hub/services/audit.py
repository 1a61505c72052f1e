"""Writing to the append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..models import AuditEvent, Person


def record(
    session: Session,
    actor: Person | None,
    action: str,
    subject: Any,
    *,
    school_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event for ``action`` on ``subject`` (a model) to the current unit of work.

    ``subject`` must have been flushed so that it has an id.
    """
    if subject.id is None:
        session.flush()
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=type(subject).__name__.lower(),
        subject_id=str(subject.id),
        school_id=school_id,
        details=details,
    )
    session.add(event)
    return event
