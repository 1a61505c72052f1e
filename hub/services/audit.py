"""Writing to the append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..models import AuditEvent, Person, School


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

    The event goes to the log of the school ``school_id``, by default the subject's school
    (a school itself, or the one it belongs to).
    """
    if subject.id is None:
        session.flush()
    if school_id is None:
        school_id = (
            subject.id if isinstance(subject, School) else getattr(subject, "school_id", None)
        )
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
