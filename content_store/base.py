"""What every backend shares: the ``ContentStore`` base class, value types and the streaming
helpers.

The hashing and size-limit logic lives here once (``HashingReader``, ``VerifyingReader``)
so that the local and S3 backends cannot disagree on what a blob's SHA-256 is or on
when an upload is too large.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO, Literal, cast
from urllib.parse import quote

from .errors import IntegrityError, TooLarge

#: Read and write in 1 MiB chunks: large enough that per-call overhead is lost in
#: the noise next to SHA-256 (~2 GB/s), small enough to keep memory flat.
CHUNK_SIZE = 1024 * 1024

DEFAULT_MEDIA_TYPE = "application/octet-stream"

Disposition = Literal["attachment", "inline"]

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Blob:
    """A stored blob: its SHA-256 (64 lowercase hex digits), size in bytes and media type."""

    sha256: str
    size: int
    media_type: str


@dataclass(frozen=True)
class BlobInfo:
    """One entry of ``iter_blobs``: enough to find orphans older than a grace period.

    ``modified`` is timezone-aware UTC: the last time the blob was written or
    re-put (a put of content that is already stored refreshes it, see the backends).
    """

    sha256: str
    size: int
    modified: datetime


@dataclass(frozen=True)
class Temporary:
    """An upload in progress, or one a crashed process left behind: a temporary file
    (local), a temporary object or an unfinished multipart upload (S3)."""

    name: str
    size: int  # bytes written so far (0 where the backend cannot tell)
    modified: datetime


class ContentStore(ABC):
    """Blob storage addressed by SHA-256. Implemented by ``LocalStore`` and ``S3Store``.

    Every method validates its ``sha256`` argument (64 lowercase hex digits) and
    raises ``ValueError`` otherwise, so no caller input can reach a path or key
    outside the store. Every failure is one of ``content_store.errors``.

    What the backends share is done here once: the checks of the arguments, hashing
    and limiting an upload, verifying a read. A backend stores and fetches the bytes.
    """

    #: Default size limit of ``put`` in bytes (``None``: no limit).
    max_size: int | None
    #: Where the blobs are, in words, for error messages (a folder, a bucket).
    _where: str

    def put(
        self,
        stream: BinaryIO,
        media_type: str = DEFAULT_MEDIA_TYPE,
        *,
        max_size: int | None = None,
    ) -> Blob:
        """Store everything ``stream`` yields and return its ``Blob``.

        Streams in ``CHUNK_SIZE`` chunks, hashing while writing. Raises ``TooLarge``
        as soon as more than ``max_size`` (or the store's default) bytes arrive,
        leaving nothing behind. Storing content that is already stored keeps one copy.
        """
        validate_media_type(media_type)
        return self._put(
            HashingReader(stream, effective_limit(max_size, self.max_size)), media_type
        )

    @abstractmethod
    def _put(self, reader: HashingReader, media_type: str) -> Blob:
        """Store what ``reader`` yields (hashed and limited as it is read) as ``put`` says."""

    def open(self, sha256: str, *, verify: bool = False) -> BinaryIO:
        """Open a blob for streaming reads (``BlobNotFound`` if missing).

        With ``verify=True`` the stream hashes what it returns and raises
        ``IntegrityError`` on reaching EOF if the content does not match ``sha256``.
        """
        stream = self._open(sha256)
        if verify:
            return cast(BinaryIO, VerifyingReader(stream, sha256, self._where))
        return stream

    @abstractmethod
    def _open(self, sha256: str) -> BinaryIO:
        """The blob's bytes as a stream, unverified (``BlobNotFound`` if missing)."""

    @abstractmethod
    def exists(self, sha256: str) -> bool:
        """Return whether a blob with this SHA-256 is stored."""

    @abstractmethod
    def stat(self, sha256: str) -> Blob:
        """Return the stored blob's size and media type (``BlobNotFound`` if missing)."""

    @abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove a blob; removing a missing blob is not an error."""

    @abstractmethod
    def iter_blobs(self) -> Iterator[BlobInfo]:
        """Yield every stored blob (in no particular order); temporaries are never listed."""

    @abstractmethod
    def iter_temporaries(self) -> Iterator[Temporary]:
        """Every upload in progress or left behind (``collect_temporaries`` removes the old)."""

    @abstractmethod
    def collect_temporaries(self, older_than: timedelta) -> int:
        """Remove temporaries older than ``older_than``; how many were removed."""

    @abstractmethod
    def path(self, sha256: str) -> str | None:
        """Return the blob's local file path (for ``send_file``), or ``None`` on remote stores."""

    def download_url(
        self,
        sha256: str,
        filename: str,
        media_type: str,
        expires: int = 300,
        *,
        disposition: Disposition = "attachment",
    ) -> str | None:
        """Return a short-lived URL the client can fetch directly, or ``None``.

        ``None`` means "stream it yourself" (the local backend). The arguments are
        checked on every backend, so a mistake shows up on either.
        """
        validate_sha256(sha256)
        validate_media_type(media_type)
        header = content_disposition(filename, disposition)
        return self._download_url(sha256, header, media_type, expires)

    def _download_url(
        self, sha256: str, disposition_header: str, media_type: str, expires: int
    ) -> str | None:
        """The URL of ``download_url`` (its arguments checked); ``None``: none (the default)."""
        return None

    @abstractmethod
    def check(self) -> None:
        """Verify at start-up that the store is reachable and writable (``StoreUnavailable``)."""


def validate_sha256(sha256: Any) -> str:
    """Return ``sha256`` if it is 64 lowercase hex digits, else raise ``ValueError``.

    Uppercase is refused rather than folded: one blob has exactly one name, so a
    database record and a stored object can be compared as plain strings.
    """
    if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
        raise ValueError(f"Not a SHA-256 hex digest (64 lowercase hex digits): {sha256!r}")
    return sha256


_MEDIA_TYPE_RE = re.compile(r"[!-~]+/[!-~]+(?:[ !-~]*)")


def validate_media_type(media_type: Any) -> str:
    """Return ``media_type`` if it looks like ``type/subtype[; params]``, else ``ValueError``.

    It ends up in an HTTP header (S3 ``Content-Type``), so control characters and
    non-ASCII are refused rather than passed on.
    """
    if (
        not isinstance(media_type, str)
        or len(media_type) > 255
        or not _MEDIA_TYPE_RE.fullmatch(media_type)
    ):
        raise ValueError(f"Not a media type (type/subtype, printable ASCII): {media_type!r}")
    return media_type


def fanout(sha256: str) -> str:
    """Return the relative fan-out path ``ab/cd/abcd...`` of a (validated) digest.

    Two levels of 256 folders keep any one directory (or S3 listing page) small
    even with millions of blobs.
    """
    validate_sha256(sha256)
    return f"{sha256[0:2]}/{sha256[2:4]}/{sha256}"


def effective_limit(per_call: int | None, store_default: int | None) -> int | None:
    """Return the size limit that applies to one ``put``: the call's, else the store's."""
    limit = per_call if per_call is not None else store_default
    if limit is not None and limit < 0:
        raise ValueError(f"max_size must be zero or more bytes, not {limit}")
    return limit


class HashingReader:
    """Wrap an input stream: hash and count what passes, stop past a size limit.

    Both backends pull the upload through one of these, so the digest they store
    under is the digest of exactly the bytes they wrote. ``read(n)`` keeps reading
    the source until it has ``n`` bytes or EOF, because boto3's transfer manager
    treats a short read as a (too small) part; the source may be a socket-like
    stream that returns less than asked.

    It deliberately does not offer ``seek``: boto3 then streams it part by part
    instead of trying to rewind it.
    """

    def __init__(self, source: BinaryIO, limit: int | None = None) -> None:
        self._source = source
        self._limit = limit
        self._hash = hashlib.sha256()
        self.size = 0
        #: The ``TooLarge`` raised, if any: boto3 may wrap or swallow exceptions
        #: raised inside its worker threads, so the S3 backend looks here as well.
        self.error: TooLarge | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int | None = -1) -> bytes:
        """Return up to ``size`` bytes (all that is left if ``size`` is negative or None)."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(CHUNK_SIZE), b""))
        if size == 0:
            return b""
        parts: list[bytes] = []
        wanted = size
        while wanted > 0:
            data = self._source.read(wanted)
            if not data:
                break
            self._account(data)
            parts.append(data)
            wanted -= len(data)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _account(self, data: bytes) -> None:
        self.size += len(data)
        if self._limit is not None and self.size > self._limit:
            # Raised from the middle of the stream: the caller stops reading and
            # throws away what it wrote so far.
            self.error = TooLarge(self._limit)
            raise self.error
        self._hash.update(data)

    def hexdigest(self) -> str:
        """Return the SHA-256 of everything read so far."""
        return self._hash.hexdigest()


class RawReader(io.RawIOBase):
    """A read-only stream over another, ``_raw``, that it closes when closed: what the
    readers of this library share (each reads in its own way)."""

    def __init__(self, raw: Any) -> None:
        super().__init__()
        self._raw = raw

    def readable(self) -> bool:
        return True

    @abstractmethod
    def read(self, size: int | None = -1) -> bytes:
        """Return up to ``size`` bytes (all that is left if ``size`` is negative or None)."""

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._raw.close()
            finally:
                super().close()


class VerifyingReader(RawReader):
    """A read-only stream that raises ``IntegrityError`` at EOF if the bytes do not match.

    Verification happens only when the reader reaches the end: a caller that stops
    early (an HTTP range request, say) has not read enough to judge.
    """

    def __init__(self, raw: BinaryIO, expected_sha256: str, where: str = "") -> None:
        super().__init__(raw)
        self._expected = expected_sha256
        self._where = where
        self._hash = hashlib.sha256()
        self._checked = False

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        if size == 0:
            return b""
        data = self._raw.read(size)
        if data:
            self._hash.update(data)
        else:
            self._verify()
        return data

    def readall(self) -> bytes:
        return b"".join(iter(lambda: self.read(CHUNK_SIZE), b""))

    def _verify(self) -> None:
        if self._checked:
            return
        self._checked = True
        actual = self._hash.hexdigest()
        if actual != self._expected:
            raise IntegrityError(self._expected, actual, self._where)


# Characters that must not reach a quoted-string filename: quotes and backslashes
# would end or escape it, control characters and separators confuse browsers.
_UNSAFE_FALLBACK = re.compile(r'[\x00-\x1f\x7f"\\/;]')


# Letters and marks that NFKD does not reduce to ASCII but have a usual spelling;
# anything else non-ASCII becomes "_" in the fallback name.
_TRANSLITERATE = {
    "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ø": "o", "Ø": "O",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "–": "-", "—": "-",
    "‘": "'", "’": "'",
}  # fmt: skip


def content_disposition(filename: str, disposition: Disposition = "attachment") -> str:
    """Build a ``Content-Disposition`` value for ``filename`` per RFC 6266 / RFC 5987.

    Gives an ASCII ``filename=`` fallback for old clients and, when the name is not
    plain ASCII, the exact name as ``filename*=UTF-8''...``. Path components are
    dropped so a stored name like ``../x`` cannot suggest a directory.
    """
    if disposition not in ("attachment", "inline"):
        raise ValueError(f"disposition must be 'attachment' or 'inline', not {disposition!r}")
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "download"
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C") or "download"
    ascii_name = "".join(
        ch if ch.isascii() else _TRANSLITERATE.get(ch, "_")
        for ch in unicodedata.normalize("NFKD", name)
        if unicodedata.category(ch) != "Mn"  # accents split off by NFKD: "é" -> "e"
    )
    ascii_name = _UNSAFE_FALLBACK.sub("_", ascii_name).strip()
    if not ascii_name or ascii_name.startswith("."):
        # The name was all non-ASCII ("学习.pdf" -> ".pdf"): keep the extension.
        ascii_name = "download" + ascii_name
    value = f'{disposition}; filename="{ascii_name}"'
    if ascii_name != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value
