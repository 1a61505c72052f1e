"""Consistency between file records and the content store, and collecting orphans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from content_store import BlobInfo, BlobNotFound, ContentStore, IntegrityError, Temporary

from ..models import File, Rendition, utcnow

Progress = Callable[[int], None]


@dataclass
class StoreReport:
    """What ``check_store`` found."""

    blobs: int = 0
    records: int = 0
    missing_blobs: list[tuple[int, str]] = field(default_factory=list)  # (file id, sha256)
    orphan_blobs: list[BlobInfo] = field(default_factory=list)
    corrupt_blobs: list[str] = field(default_factory=list)
    # Uploads a crashed process left behind (older than ABANDONED_AFTER).
    abandoned_uploads: list[Temporary] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.missing_blobs or self.orphan_blobs or self.corrupt_blobs or self.abandoned_uploads
        )

    @property
    def problems(self) -> int:
        """How many findings need doing something about."""
        return (
            len(self.missing_blobs)
            + len(self.orphan_blobs)
            + len(self.corrupt_blobs)
            + len(self.abandoned_uploads)
        )

    def lines(self) -> Iterator[str]:
        """The findings in words, one line each."""
        yield f"{self.records} file records, {self.blobs} blobs."
        for file_id, sha in self.missing_blobs:
            yield f"record without blob: file {file_id} needs blob {sha}"
        for info in self.orphan_blobs:
            when = f"{info.modified:%Y-%m-%d %H:%M} UTC"
            yield f"blob without record: {info.sha256} ({info.size} bytes, {when})"
        for sha in self.corrupt_blobs:
            yield f"checksum mismatch: blob {sha} does not hash to its name"
        for upload in self.abandoned_uploads:
            when = f"{upload.modified:%Y-%m-%d %H:%M} UTC"
            yield f"abandoned upload: {upload.name} ({upload.size} bytes, last written {when})"


#: An upload not written to for this long was left behind by a process that stopped.
ABANDONED_AFTER = dt.timedelta(hours=1)


def _sha_by_file(session: Session) -> dict[str, list[int]]:
    records: dict[str, list[int]] = {}
    for file_id, sha in session.execute(select(File.id, File.sha256)):
        records.setdefault(sha, []).append(file_id)
    return records


def _rendition_blobs(session: Session) -> set[str]:
    # Rendered pages are recorded too; a missing one is simply rendered again when asked for.
    return set(session.scalars(select(Rendition.sha256)))


def blob_is_recorded(session: Session, sha256: str) -> bool:
    """Whether a file record or a rendition still names the blob (collect keeps it then)."""
    named = select(File.id).where(File.sha256 == sha256).limit(1)
    rendered = select(Rendition.id).where(Rendition.sha256 == sha256).limit(1)
    return session.scalar(named) is not None or session.scalar(rendered) is not None


def check_store(
    session: Session, store: ContentStore, *, verify: bool = True, progress: Progress | None = None
) -> StoreReport:
    """Records without blob, blobs without record and (with ``verify``) corrupt blobs."""
    records = _sha_by_file(session)
    rendered = _rendition_blobs(session)
    report = StoreReport(records=sum(len(v) for v in records.values()))
    seen: set[str] = set()
    for info in store.iter_blobs():
        report.blobs += 1
        seen.add(info.sha256)
        if info.sha256 not in records and info.sha256 not in rendered:
            report.orphan_blobs.append(info)
        elif verify and not _verifies(store, info.sha256):
            report.corrupt_blobs.append(info.sha256)
        if progress:
            progress(1)
    for sha, file_ids in sorted(records.items()):
        if sha not in seen:
            report.missing_blobs.extend((file_id, sha) for file_id in file_ids)
    cutoff = utcnow() - ABANDONED_AFTER
    report.abandoned_uploads = [t for t in store.iter_temporaries() if t.modified < cutoff]
    return report


def _verifies(store: ContentStore, sha256: str) -> bool:
    try:
        with store.open(sha256, verify=True) as stream:
            while stream.read(1024 * 1024):
                pass
    except IntegrityError:
        return False
    except BlobNotFound:
        return True  # deleted meanwhile: not corrupt
    return True


def collect_orphans(
    session: Session,
    store: ContentStore,
    *,
    grace: dt.timedelta,
    progress: Progress | None = None,
) -> list[BlobInfo]:
    """Delete blobs that no record names and that are older than ``grace``; return them.

    The grace period protects uploads whose record is about to be committed.
    """
    cutoff = utcnow() - grace
    report = check_store(session, store, verify=False, progress=progress)
    removed = []
    for info in report.orphan_blobs:
        if info.modified < cutoff:
            # Look again right before deleting: a record may have been committed since.
            if blob_is_recorded(session, info.sha256):
                continue
            store.delete(info.sha256)
            removed.append(info)
    store.collect_temporaries(grace)
    return removed
