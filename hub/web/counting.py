"""Counting a use of a material from a request: who (the person, or a visitor told apart for
the day without keeping their address), with what browser (robots are not counted), and only
the first byte range of a file (a video's ranges are one use)."""

from __future__ import annotations

from flask import current_app, request

from .. import db
from ..models import MaterialVersion, Person, utcnow
from ..services import usage


def count_use(kind: str, version: MaterialVersion, person: Person | None) -> None:
    """Count one use of ``version`` (one of ``usage.KINDS``) in a write of its own after the
    request's reading (a reading request stays a reading one until then)."""
    if request.range and request.range.ranges[0][0] != 0:
        return
    user_agent = request.user_agent.string
    visitor = None
    if person is None:
        secret = current_app.config["SECRET_KEY"]
        address = request.remote_addr or ""
        visitor = usage.visitor_digest(secret, address, user_agent, utcnow().date())

    def record() -> None:
        s = db.session()
        usage.record(s, kind, version, person, visitor=visitor, user_agent=user_agent)
        s.commit()

    db.write_after_read(record)
