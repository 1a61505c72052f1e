"""Notifications: news for one person, kept in the hub until read (the header counts the unread)
and sent by mail in their language once the change that made it commits.

A kind of news is worded once, in ``WORDS``: its subject line, with ``%(...)s`` particulars
from the notification's ``params``. Features add their kinds there. Never put in ``params``
anything the recipient may not see: callers ask the catalogue first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import current_app, has_app_context, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..mail import person_language, queue_mail
from ..models import Notification, Person, utcnow
from .after_commit import call_after_commit
from .catalogue import Catalogue

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


#: The params key of the material a notification names (its title is read again when shown).
MATERIAL = "material_id"
#: The params that hold a material's title (``what`` quotes it).
TITLED = ("title", "what")


#: A session's info key: its notifications stay in the hub unmailed (see ``unmailed``).
UNMAILED = "hub.notifications.unmailed"


@contextmanager
def unmailed(session: Session) -> Iterator[None]:
    """Notifications made through ``session`` meanwhile are kept in the hub but not mailed:
    the demo's invented history writes to no one's inbox."""
    session.info[UNMAILED] = True
    try:
        yield
    finally:
        session.info.pop(UNMAILED, None)


def address(endpoint: str, **values: Any) -> str:
    """Where a notification leads (a page of ``endpoint``): a full address in a request or
    where ``SERVER_NAME`` tells the hub's address (a command run with ``--base-url``), else
    a path (a command without it, such as ``hub demo``: the in-hub list follows a path)."""
    app = current_app
    if has_request_context() or app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    # The URL map builds the path itself. Not inside ``test_request_context``: popping it
    # tears the request down, which closes the command's database session (``db.session``
    # is shared through ``g``) and rolls back all it flushed but has not committed.
    adapter = app.url_map.bind("localhost", script_name=app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


def notify(
    session: Session,
    person: Person,
    kind: str,
    url: str,
    *,
    material_id: int | None = None,
    **params: Any,
) -> Notification:
    """Tell ``person`` of ``kind`` (a key of ``WORDS``) with ``params``, acting at ``url``:
    kept in the hub, and mailed in their language after the commit (nothing if it rolls
    back). A notification that names a material gives its ``material_id``: the list shows
    its title as the person may see it then, never a title they may no longer see."""
    if kind not in WORDS:
        raise KeyError(kind)  # a programming slip: every kind is worded in WORDS
    kept = dict(params) if material_id is None else {**params, MATERIAL: material_id}
    notice = Notification(person_id=person.id, kind=kind, params=kept, url=url)
    session.add(notice)
    if person.active and not session.info.get(UNMAILED):
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
        queue_mail(email, subject, body)


def shown(
    session: Session, person: Person, notices: list[Notification]
) -> list[tuple[Notification, str]]:
    """Each notification in words for its list, a material it names titled as the person may
    see it now (one no longer shared with them is not named)."""
    ids = [n.params[MATERIAL] for n in notices if isinstance(n.params.get(MATERIAL), int)]
    seen = Catalogue.of(session, person).shown_versions(ids)
    out = []
    for notice in notices:
        params = dict(notice.params)
        material_id = params.pop(MATERIAL, None)
        if material_id is not None:
            version = seen.get(material_id)
            for key in TITLED:
                if key in params:
                    params[key] = (
                        (version.title if key == "title" else f"“{version.title}”")
                        if version is not None
                        else _("a material no longer shared with you")
                    )
        out.append((notice, words(notice.kind, params)))
    return out


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
