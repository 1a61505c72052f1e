"""Notifications: news for one person, kept in the hub until read (the header counts the unread)
and sent by mail in their language once the change that made it commits.

A kind of news is worded once, in ``WORDS``: its subject line, with ``%(...)s`` particulars
from the notification's ``params``. Features add their kinds there. Never put in ``params``
anything the recipient may not see: callers ask the catalogue first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..mail import person_language, send_mail
from ..models import Notification, Person, utcnow
from .after_commit import call_after_commit

log = logging.getLogger(__name__)

#: The words of each kind of news (a subject line; ``%(...)s`` from the params).
WORDS: dict[str, Any] = {}

#: The most notifications the list shows.
SHOWN = 100


def words(kind: str, params: Mapping[str, Any]) -> str:
    """A notification in the current interface language."""
    template = WORDS.get(kind)
    if template is None:
        return _("Something changed that concerns you.")
    return str(template) % dict(params)


def notify(session: Session, person: Person, kind: str, url: str, **params: Any) -> Notification:
    """Tell ``person`` of ``kind`` (a key of ``WORDS``) with ``params``, acting at ``url``:
    kept in the hub, and mailed in their language after the commit (nothing if it rolls
    back)."""
    if kind not in WORDS:
        raise KeyError(kind)  # a programming slip: every kind is worded in WORDS
    notice = Notification(person_id=person.id, kind=kind, params=dict(params), url=url)
    session.add(notice)
    if person.active:
        email, language = person.email, person_language(person)
        call_after_commit(session, lambda: _mail(email, language, kind, params, url))
    return notice


def _mail(email: str, language: str, kind: str, params: Mapping[str, Any], url: str) -> None:
    if not has_app_context():
        log.warning(
            "notification %s to %s not mailed: no application to send mail with", kind, email
        )
        return
    with force_locale(language):
        subject = words(kind, params)
        body = _("%(news)s\n\nSee it in the hub: %(url)s", news=subject, url=url)
        send_mail(email, subject, body)


def unread_count(session: Session, person: Person) -> int:
    """How many of the person's notifications are unread."""
    return (
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.person_id == person.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def recent(session: Session, person: Person, most: int = SHOWN) -> list[Notification]:
    """The person's notifications, newest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.person_id == person.id)
            .order_by(Notification.id.desc())
            .limit(most)
        )
    )


def mark_read(session: Session, person: Person, notification_id: int | None = None) -> int:
    """Mark one of the person's notifications (or all of them) read; how many changed."""
    query = update(Notification).where(
        Notification.person_id == person.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    done = session.execute(query.values(read_at=utcnow()))
    return int(getattr(done, "rowcount", 0) or 0)


def open_one(session: Session, person: Person, notification_id: int) -> str | None:
    """Mark one notification read and give where it leads (None: not the person's)."""
    notice = session.get(Notification, notification_id)
    if notice is None or notice.person_id != person.id:
        return None
    if notice.read_at is None:
        notice.read_at = utcnow()
    return notice.url


# A kind used by the hub itself (features add theirs).
WORDS["welcome"] = _l("Welcome to the hub, %(name)s.")
