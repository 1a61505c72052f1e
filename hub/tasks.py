"""The hub's jobs, by name (see :mod:`hub.jobs`, the one way to run them).

Each is a plain function of ids and plain values that runs in an application context, opens
its own session and commits what it did; it raises when its work could not be done, so that a
worker tries it again (and, after the last try, keeps it on the dead-letter list).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy.orm import Session

from . import db
from .jobs import JobFailed, enqueue
from .mail import send_mail
from .models import MaterialVersion
from .storage import store_for


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


@contextmanager
def _session() -> Iterator[Session]:
    """A session of the job's own, committed when the job's work is done."""
    session = db.database().new_session()
    try:
        yield session
        session.commit()
    finally:
        session.close()


def extract_text(version_id: int) -> bool:
    """Read the searchable text of a published version's files (``version_text``)."""
    from .search import REQUEST_LOCK_TIMEOUT_S
    from .services import version_text

    with _session() as session:
        found = version_text.read_published(session, store_for(_app()), version_id)
    if found:  # the text changed the material's index document
        enqueue("catch_up_index", REQUEST_LOCK_TIMEOUT_S)
    return found


def render_previews(version_id: int) -> int:
    """Render the first page of a published version's files for reading (``renditions``)."""
    from .services import renditions

    with _session() as session:
        version = session.get(MaterialVersion, version_id)
        if version is None:
            return 0
        return renditions.first_pages(session, store_for(_app()), version.files)


def catch_up_index(lock_timeout: float) -> int:
    """Apply the search outbox to this process's index copy (``hub.search``)."""
    from .search import catch_up_now

    return catch_up_now(_app(), lock_timeout=lock_timeout)


def mail(to: str, subject: str, body: str) -> None:
    """Send one message; a refusal (or a server out of reach) is tried again."""
    if not send_mail(to, subject, body):
        raise JobFailed(f"the mail server did not take the message to {to}")


@dataclass(frozen=True)
class DigestSent:
    """What one school's digest did: a line for the operator, and how many mails went."""

    line: str
    sent: int
    failed: int


def link_config(base_url: str) -> dict[str, str]:
    """The Flask settings that make links in mail point to ``base_url`` (the hub's address
    as people reach it), for work done outside any request."""
    parts = urlsplit(base_url)
    return {
        "SERVER_NAME": parts.netloc,
        "PREFERRED_URL_SCHEME": parts.scheme,
        "APPLICATION_ROOT": parts.path.rstrip("/") or "/",
    }


def digest(school_id: int, month: str, base_url: str | None) -> DigestSent:
    """Mail the digest of ``month`` to the admins of school ``school_id`` who have not had
    it, and record who had it; raises when a mail failed (those sent are kept)."""
    from .services import digest as digests

    app = _app()
    if base_url:
        app.config.update(link_config(base_url))
    # Links are built by the URL adapter an application context makes when it starts: a new
    # context, with the address just set.
    with app.app_context(), _session() as session:
        line, sent, failed = "", 0, 0
        for school in digests.pending(session, month, school_ids=[school_id]):
            digests.deliver(session, school)
            line, sent, failed = digests.summary(school), len(school.sent), len(school.failed)
        session.commit()
    result = DigestSent(line, sent, failed)
    if failed:
        raise DigestFailed(result)
    return result


class DigestFailed(JobFailed):
    """Some of a school's digests could not be mailed (those sent are recorded)."""

    def __init__(self, result: DigestSent) -> None:
        super().__init__(result.line)
        self.result = result


JOBS: dict[str, Callable[..., Any]] = {
    "extract_text": extract_text,
    "render_previews": render_previews,
    "catch_up_index": catch_up_index,
    "mail": mail,
    "digest": digest,
}

#: How many of a job's first arguments the log and the dead-letter list show (all when not
#: named): a mail shows its recipient and subject, never its body.
SHOWN_ARGUMENTS = {"mail": 2}
