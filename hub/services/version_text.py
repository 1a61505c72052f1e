"""The searchable text of a version's files: read once it is published (the job
``extract_text``, see ``hub.jobs``: in a worker with Redis, otherwise right after the commit),
and read again later for a file whose text could not be read then (the file store was
unreachable).

A file whose text could not be read is recorded as *not yet read* (``VersionFile.text_retry_at``),
never as a file without text: the version is indexed with the text that could be read, its
owner school's staff are told which file is missing, and the index followers (``hub serve``,
``hub index follow``) read it again with a growing wait between tries; ``hub index rebuild``
reads every such file at once. When its text arrives the version changes, which queues the
material in the search outbox like every change.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import BinaryIO, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from content_store import ContentStore

from ..models import MaterialVersion, VersionFile, VersionState, utcnow
from .extraction import extract_text

log = logging.getLogger("hub.version_text")

#: The most text a version keeps for search.
MAX_CHARS = 200_000
#: The wait before reading a file's text again, doubled after each failure, up to the longest.
FIRST_WAIT = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(hours=6)
#: Versions read again in one round of a follower (each reads its files from the store).
ROUND = 20


@dataclass(frozen=True)
class VersionText:
    """The text read from a version's files, and the files whose text could not be read."""

    text: str
    unread: frozenset[int]  # file ids


def read(blob_store: ContentStore, version: MaterialVersion) -> VersionText:
    """Read the text of every file of ``version``; a file that cannot be read is noted, and
    reading goes on (it must never stand between a teacher and publishing)."""
    texts: list[str] = []
    unread: set[int] = set()
    for f in version.files:
        try:
            with blob_store.open(f.sha256) as stream:
                texts.append(extract_text(cast(BinaryIO, stream), f.media_type).text)
        except Exception:  # noqa: BLE001 - the store unreachable, a blob missing...: read later
            log.warning("could not read text of file %s; will try again", f.id, exc_info=True)
            unread.add(f.id)
    return VersionText("\n".join(t for t in texts if t)[:MAX_CHARS], frozenset(unread))


def record(version: MaterialVersion, text: VersionText, now: dt.datetime) -> None:
    """Keep ``text`` as the version's searchable text, and when to read its unread files."""
    version.extracted_text = text.text
    for attachment in version.attachments:
        if attachment.file_id in text.unread:
            attachment.text_attempts = (attachment.text_attempts or 0) + 1
            attachment.text_retry_at = now + wait_after(attachment.text_attempts)
        else:
            attachment.text_attempts = 0
            attachment.text_retry_at = None


def read_published(session: Session, blob_store: ContentStore, version_id: int) -> bool:
    """Read and keep the text of the published version ``version_id`` (the caller commits:
    the changed version queues its material for the index). False when there is no such
    published version (superseded or gone before its turn came)."""
    version = session.scalar(
        select(MaterialVersion)
        .where(MaterialVersion.id == version_id, MaterialVersion.state == VersionState.PUBLISHED)
        .options(
            selectinload(MaterialVersion.attachments).selectinload(VersionFile.file),
            undefer(MaterialVersion.extracted_text),
        )
    )
    if version is None:
        return False
    now = utcnow()
    record(version, read(blob_store, version), now)
    version.updated_at = now  # its index document changes (see indexing.fingerprint)
    return True


def wait_after(attempts: int) -> dt.timedelta:
    """How long to wait after ``attempts`` failed readings before the next."""
    return min(FIRST_WAIT * 2 ** max(0, min(attempts, 32) - 1), LONGEST_WAIT)


def read_again(
    session: Session,
    blob_store: ContentStore,
    now: dt.datetime | None = None,
    *,
    due_only: bool = True,
    limit: int | None = ROUND,
) -> int:
    """Read again the files of published versions whose text is not yet read (those whose
    wait is over, or all with ``due_only=False``); the number of versions whose text is now
    complete. The caller commits: the changed versions queue their materials for the index."""
    now = now or utcnow()
    waiting = select(VersionFile.version_id).where(VersionFile.text_retry_at.is_not(None))
    if due_only:
        waiting = waiting.where(VersionFile.text_retry_at <= now)
    query = (
        select(MaterialVersion)
        .where(
            MaterialVersion.id.in_(waiting),
            MaterialVersion.state == VersionState.PUBLISHED,
        )
        .options(
            selectinload(MaterialVersion.attachments).selectinload(VersionFile.file),
            undefer(MaterialVersion.extracted_text),
        )
        .order_by(MaterialVersion.id)
        .limit(limit)
    )
    completed = 0
    for version in session.scalars(query):
        text = read(blob_store, version)
        if len(text.unread) < len(version.unread_files):
            version.updated_at = now  # its index document changes (see indexing.fingerprint)
        record(version, text, now)
        completed += not text.unread
    return completed
