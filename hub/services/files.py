"""Receiving and handing out files: type sniffing, the allowlist, records of blobs.

A file is recorded only after its blob is safely stored, so there is never a record without
a blob. The reverse (a blob whose record was never committed, e.g. when the database failed
after the upload) is found by ``store_check`` and collected after a grace period.
"""

from __future__ import annotations

import io
import logging
import queue
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO, cast

import filetype
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from content_store import Blob, ContentStore, StoreUnavailable, TooLarge

from ..models import STAFF, File, Person, School, VersionFile
from . import audit
from .errors import Conflict, NotFound, ServiceError
from .store_check import blob_is_recorded

log = logging.getLogger(__name__)
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Kind:
    """An allowed kind of file."""

    label: str
    inline: bool  # safe to show in the browser (no active content)


ALLOWED: dict[str, Kind] = {
    "application/pdf": Kind(_l("PDF document"), True),
    "image/jpeg": Kind(_l("JPEG image"), True),
    "image/png": Kind(_l("PNG image"), True),
    "image/gif": Kind(_l("GIF image"), True),
    "image/webp": Kind(_l("WebP image"), True),
    "video/mp4": Kind(_l("MP4 video"), True),
    "video/webm": Kind(_l("WebM video"), True),
    "audio/mpeg": Kind(_l("MP3 audio"), True),
    "audio/mp4": Kind(_l("M4A audio"), True),
    "audio/ogg": Kind(_l("Ogg audio"), True),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation":
        Kind(_l("PowerPoint presentation"), False),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        Kind(_l("Word document"), False),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        Kind(_l("Excel workbook"), False),
    "application/vnd.oasis.opendocument.presentation": Kind(_l("OpenDocument presentation"), False),
    "application/vnd.oasis.opendocument.text": Kind(_l("OpenDocument text"), False),
    "application/zip": Kind(_l("ZIP package (SCORM, Common Cartridge or HTML)"), False),
    "text/plain": Kind(_l("plain text"), True),
    "text/markdown": Kind(_l("Markdown text"), False),
}  # fmt: skip

ALLOWED_IN_WORDS = _l(
    "PDF, images (JPEG, PNG, GIF, WebP), MP4 or WebM video, MP3 audio, PowerPoint, Word, Excel, "
    "OpenDocument, ZIP packages (SCORM, Common Cartridge, HTML), plain text and Markdown"
)

PROGRAMS = {
    "application/x-msdownload": _l("a Windows program"),
    "application/x-executable": _l("a program"),
    "application/x-mach-binary": _l("a macOS program"),
    "application/x-shockwave-flash": _l("a Flash program"),
    "application/vnd.microsoft.portable-executable": _l("a Windows program"),
}
PROGRAM_EXTENSIONS = {
    "exe", "com", "bat", "cmd", "scr", "msi", "dll", "sh", "bash", "ps1", "vbs", "js", "jar",
    "apk", "app", "bin", "run", "py", "pl", "php",
}  # fmt: skip


class UnsupportedFile(ServiceError):
    """The file's content is not one of the allowed kinds."""

    status = 415


class FileTooLarge(ServiceError):
    """The upload is over the hub's limit."""

    status = 413


class StorageUnavailable(ServiceError):
    """The content store cannot be reached; nothing was recorded."""

    status = 503


def sanitize_filename(name: str) -> str:
    """A safe display and download name: no path, no control characters, at most 255 bytes."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().lstrip(".")
    if not name:
        name = "file"
    while len(name.encode("utf-8")) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:-1] + dot + ext) if dot and len(ext) < 16 and stem else name[:-1]
    return name


def _extension(filename: str) -> str:
    return filename.rpartition(".")[2].lower() if "." in filename else ""


def sniff(head: bytes, filename: str) -> str:
    """The media type of a file from its first bytes; ``UnsupportedFile`` if not allowed.

    The content decides, not the name: a renamed program is refused whatever it is called.
    """
    ext = _extension(filename)
    kind = filetype.guess(head) if head else None
    if kind is not None:
        mime = kind.mime
        if mime in PROGRAMS:
            raise UnsupportedFile(
                _(
                    "'%(name)s' is %(program)s, not a learning material; programs cannot be "
                    "uploaded.",
                    name=filename,
                    program=PROGRAMS[mime],
                )
            )
        if mime in ALLOWED:
            return mime
        raise UnsupportedFile(
            _(
                "'%(name)s' is a %(type)s file, which the hub does not accept. Allowed: "
                "%(allowed)s.",
                name=filename,
                type=mime,
                allowed=ALLOWED_IN_WORDS,
            )
        )
    if ext in PROGRAM_EXTENSIONS:
        raise UnsupportedFile(
            _(
                "'%(name)s' looks like a program or script; programs cannot be uploaded.",
                name=filename,
            )
        )
    if _is_text(head):
        if ext in ("md", "markdown"):
            return "text/markdown"
        if ext in ("html", "htm", "svg", "xml", "xhtml"):
            raise UnsupportedFile(
                _(
                    "'%(name)s' is a web page; upload web content as a ZIP package instead.",
                    name=filename,
                )
            )
        return "text/plain"
    raise UnsupportedFile(
        _(
            "The hub could not recognise the type of '%(name)s'. Allowed: %(allowed)s.",
            name=filename,
            allowed=ALLOWED_IN_WORDS,
        )
    )


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed bytes is still text.
        return exc.start >= len(head) - 3 and len(head) >= SNIFF_BYTES - 3
    return True


class _Rejoined:
    """The sniffed head followed by the rest of the stream (no extra copies of the body)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            chunk, self._head = self._head[:size], self._head[size:]
            return chunk
        return self._rest.read(size)


class ReadAhead:
    """Reads the next chunks of ``source`` in a thread while the caller hashes and writes.

    Receiving from the socket and hashing/writing then overlap on two cores (both release the
    GIL for large buffers). At most ``depth`` chunks wait in memory.
    """

    def __init__(self, source: BinaryIO, chunk: int = 1024 * 1024, depth: int = 4) -> None:
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._buffer = b""
        self._done = False
        self._thread = threading.Thread(
            target=self._pump, args=(source, chunk), daemon=True, name="upload-read-ahead"
        )
        self._thread.start()

    def _pump(self, source: BinaryIO, chunk: int) -> None:
        try:
            while not self._stop.is_set():
                data = source.read(chunk)
                self._put(data)
                if not data:
                    return
        except BaseException as exc:  # handed to the reading thread, raised there
            self._put(exc)

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            item = self._queue.get()
            if isinstance(item, BaseException):
                self._done = True
                raise item
            if not item:
                self._done = True
            self._buffer += item
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def close(self) -> None:
        """Stop the reader thread (when the upload ends early, e.g. too large)."""
        self._stop.set()
        self._thread.join(timeout=5)


def _read_head(stream: BinaryIO) -> bytes:
    head = b""
    while len(head) < SNIFF_BYTES:
        chunk = stream.read(SNIFF_BYTES - len(head))
        if not chunk:
            break
        head += chunk
    return head


@dataclass(frozen=True)
class StoredUpload:
    """An upload whose blob is safely stored, not yet recorded."""

    filename: str
    media_type: str
    blob: Blob


def store_upload(
    store: ContentStore, stream: BinaryIO, filename: str, *, max_bytes: int
) -> StoredUpload:
    """Sniff and store an upload; touches no database (callers hold no transaction meanwhile).

    Refuses programs and unknown types (415) and uploads over ``max_bytes`` (413); nothing is
    left in the store when it refuses.
    """
    name = sanitize_filename(filename)
    head = _read_head(stream)
    if not head:
        raise UnsupportedFile(_("'%(name)s' is empty.", name=name))
    media_type = sniff(head, name)
    body = ReadAhead(stream)
    try:
        blob = store.put(
            cast(BinaryIO, _Rejoined(head, cast(BinaryIO, body))), media_type, max_size=max_bytes
        )
    except TooLarge:
        raise FileTooLarge(
            _(
                "'%(name)s' is larger than the hub accepts (%(size)s at most).",
                name=name,
                size=size_in_words(max_bytes),
            )
        ) from None
    except StoreUnavailable as exc:
        # The detail (folders, endpoints, upload ids) is for operators, not for the person.
        log.warning("upload of %r refused: the content store is unavailable: %s", name, exc)
        raise StorageUnavailable(
            _(
                "The file store is not available just now. Nothing was saved; please try "
                "again in a few minutes."
            )
        ) from None
    finally:
        body.close()
    return StoredUpload(name, media_type, blob)


def check_uploader(uploader: Person) -> None:
    """Only teachers and school admins upload; anyone else is told there is nothing here."""
    if uploader.role not in STAFF or uploader.school_id is None:
        raise NotFound(_("There is nothing here."))


def record_upload(session: Session, uploader: Person, upload: StoredUpload) -> File:
    """Record a stored upload for the uploader's school."""
    check_uploader(uploader)
    record = File(
        sha256=upload.blob.sha256,
        size=upload.blob.size,
        media_type=upload.media_type,
        filename=upload.filename,
        school_id=uploader.school_id,
        uploaded_by_id=uploader.id,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        uploader,
        "file.uploaded",
        record,
        sha256=upload.blob.sha256,
        size=upload.blob.size,
    )
    return record


def file_for_download(session: Session, person: Person | None, file_id: int) -> File:
    """The file if ``person`` may download it; ``NotFound`` otherwise (existence never leaks).

    These are the school's own uploads, reachable by its teachers and admins; files of
    materials are served through their version, where the policy module decides.
    """
    record = session.get(File, file_id)
    if (
        record is None
        or person is None
        or person.school_id != record.school_id
        or person.role not in STAFF
    ):
        raise NotFound(_("There is no such file."))
    return record


def record_bytes(
    session: Session,
    store: ContentStore,
    school: School,
    data: bytes,
    name: str,
    media_type: str,
    uploader: Person | None = None,
) -> File:
    """Store bytes made by the hub itself (demo and sample files) and record them as a file of
    ``school``; uploads from people go through ``store_upload`` and ``record_upload``."""
    blob = store.put(io.BytesIO(data), media_type)
    record = File(
        sha256=blob.sha256,
        size=blob.size,
        media_type=media_type,
        filename=name,
        school_id=school.id,
        uploaded_by_id=uploader.id if uploader else None,
    )
    session.add(record)
    return record


#: How many of a school's files one page lists.
FILES_PER_PAGE = 50


@dataclass(frozen=True)
class FilePage:
    """One page of a school's files, newest first, and how many match in all."""

    files: list[File]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the matching files fill (at least one)."""
        return _pages(self.total, self.per_page)

    @property
    def has_more(self) -> bool:
        """Whether a next page follows this one."""
        return self.page < self.pages


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def school_files(
    session: Session,
    school_id: int,
    *,
    text: str = "",
    page: int = 1,
    per_page: int = FILES_PER_PAGE,
    exclude: Iterable[int] = (),
) -> FilePage:
    """The school's uploaded files whose name contains ``text`` (any case), newest first.

    Two queries whatever the page: the count and the page itself, uploaders loaded with it.
    ``exclude`` leaves files out (those a draft already has).
    """
    where = [File.school_id == school_id]
    if text.strip():
        where.append(File.filename.icontains(text.strip(), autoescape=True))
    left_out = list(exclude)
    if left_out:
        where.append(File.id.not_in(left_out))
    total = session.scalar(select(func.count(File.id)).where(*where)) or 0
    # A page past the end (files removed meanwhile, an edited address) shows the last one.
    page = min(max(1, page), _pages(total, per_page))
    found = session.scalars(
        select(File)
        .where(*where)
        .order_by(File.created_at.desc(), File.id.desc())
        .options(joinedload(File.uploaded_by))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return FilePage(list(found), total, page, per_page)


def remove_upload(session: Session, person: Person, file_id: int) -> File:
    """Remove an upload of the person's school that no version uses; 409 if one does.

    Only the record goes: the blob stays for other records of the same content (blobs are
    shared by hash across schools) and ``hub store collect`` removes it once nothing names it.
    """
    record = file_for_download(session, person, file_id)
    used = select(VersionFile.id).where(VersionFile.file_id == record.id).limit(1)
    in_use = Conflict(
        _(
            "%(name)s was not removed: it is now used in a material. Remove it from the "
            "material's draft first.",
            name=record.filename,
        )
    )
    if session.scalar(used) is not None:
        raise in_use
    audit.record(
        session,
        person,
        "file.removed",
        record,
        sha256=record.sha256,
        filename=record.filename,
    )
    session.delete(record)
    try:
        session.flush()
    except IntegrityError:
        # Attached by someone else between the check and the delete.
        raise in_use from None
    if not blob_is_recorded(session, record.sha256):
        log.info("file %s removed; `hub store collect` removes blob %s", file_id, record.sha256)
    return record


def kind_in_words(media_type: str) -> str:
    """The kind of a file for people ("PDF document"); the media type if it is not one the
    hub accepts today."""
    kind = ALLOWED.get(media_type)
    return str(kind.label) if kind is not None else media_type


def can_show_inline(media_type: str) -> bool:
    """Whether a browser may display this type in the page (no scripts can ride along)."""
    kind = ALLOWED.get(media_type)
    return kind is not None and kind.inline


def size_in_words(n: int) -> str:
    """``2147483648`` → ``2 GB``; ``1536`` → ``1.5 KB``."""
    size = float(n)
    if size < 1024:
        return ngettext("%(num)d byte", "%(num)d bytes", n)
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1024
        if size < 1024 or unit == "TB":
            # Unit symbols are the same in every interface language; the number is not.
            return f"{format_decimal(round(size, 1))} {unit}"
    raise AssertionError("unreachable")
