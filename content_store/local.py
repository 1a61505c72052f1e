"""Local filesystem backend.

Layout under the store's root folder::

    sha256/ab/cd/abcd...    one file per blob, named by its SHA-256
    tmp/<uuid>.part         uploads in progress (same filesystem, so the final
                            ``os.replace`` is an atomic rename)

Media types are not persisted: the database records the media type of every
upload, and one blob may be uploaded under different types by different schools,
so a sidecar file would only hold "the first one". ``stat`` therefore always
reports ``application/octet-stream``; callers serve the type they recorded.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from .base import (
    CHUNK_SIZE,
    DEFAULT_MEDIA_TYPE,
    Blob,
    BlobInfo,
    ContentStore,
    HashingReader,
    Temporary,
    fanout,
)
from .errors import BlobNotFound, StoreUnavailable

_BLOBS = "sha256"
_TMP = "tmp"
_TMP_SUFFIX = ".part"


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may write less than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class LocalStore(ContentStore):
    """Blobs as files in a folder; see the module docstring for the layout."""

    def __init__(self, root: str | os.PathLike[str], *, max_size: int | None = None) -> None:
        self.root = os.path.abspath(os.fspath(root))
        self.max_size = max_size
        self._where = self.root
        self._blobs = os.path.join(self.root, _BLOBS)
        self._tmp = os.path.join(self.root, _TMP)

    def __repr__(self) -> str:
        return f"LocalStore({self.root!r})"

    # -- helpers -------------------------------------------------------------------

    def _blob_path(self, sha256: str) -> str:
        return os.path.join(self._blobs, *fanout(sha256).split("/"))

    def _unavailable(self, exc: OSError, action: str) -> StoreUnavailable:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        return StoreUnavailable(
            f"Content store folder {self.root} failed while {action}: {reason}{where}"
        )

    def _create_temp(self) -> tuple[int, str]:
        """Create an empty temporary file in ``tmp/`` and return (fd, path)."""
        path = os.path.join(self._tmp, uuid.uuid4().hex + _TMP_SUFFIX)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        try:
            return os.open(path, flags, 0o644), path
        except FileNotFoundError:
            # First upload into a fresh store: create the folder and try once more.
            os.makedirs(self._tmp, exist_ok=True)
            return os.open(path, flags, 0o644), path

    @staticmethod
    def _fsync_dir(path: str) -> None:
        # The rename is only durable once the directory entry is on disk too.
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- ContentStore --------------------------------------------------------------

    def _put(self, reader: HashingReader, media_type: str) -> Blob:
        """Stream ``reader`` into the store; see ``ContentStore.put``.

        Writes to ``tmp/``, fsyncs, then renames atomically into place. If the
        content is already stored, the new copy is dropped and the stored file's
        modification time refreshed, so orphan collection's grace period counts
        from the latest upload. Errors of the source stream propagate unchanged;
        errors of this disk become ``StoreUnavailable``.
        """
        try:
            fd, tmp_path = self._create_temp()
        except OSError as exc:
            raise self._unavailable(exc, "creating a temporary file") from exc
        fd_open = True
        try:
            while chunk := reader.read(CHUNK_SIZE):
                try:
                    _write_all(fd, chunk)
                except OSError as exc:
                    raise self._unavailable(exc, "writing an upload") from exc
            sha256 = reader.hexdigest()
            blob = Blob(sha256, reader.size, media_type)
            final = self._blob_path(sha256)
            try:
                # Already stored: keep the existing file, only mark it as fresh.
                os.utime(final)
                return blob
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise self._unavailable(exc, "refreshing a stored blob") from exc
            try:
                os.fsync(fd)
                os.close(fd)
                fd_open = False
                os.makedirs(os.path.dirname(final), exist_ok=True)
                # Atomic: readers see the old file or the complete new one. A
                # concurrent put of the same content replaces identical bytes.
                os.replace(tmp_path, final)
                self._fsync_dir(os.path.dirname(final))
            except OSError as exc:
                raise self._unavailable(exc, "storing an upload") from exc
            return blob
        finally:
            if fd_open:
                os.close(fd)
            # After a successful replace the temporary name is gone; otherwise
            # (TooLarge, disk error, source error, already stored) remove it.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_path)

    def _open(self, sha256: str) -> BinaryIO:
        """Open the blob's file for reading."""
        path = self._blob_path(sha256)
        try:
            return open(path, "rb")  # noqa: SIM115 - the caller owns and closes it
        except FileNotFoundError:
            raise BlobNotFound(sha256, self.root) from None
        except OSError as exc:
            raise self._unavailable(exc, "opening a blob") from exc

    def exists(self, sha256: str) -> bool:
        """Return whether the blob is stored."""
        return os.path.isfile(self._blob_path(sha256))

    def stat(self, sha256: str) -> Blob:
        """Return size and (always ``application/octet-stream``) media type."""
        try:
            st = os.stat(self._blob_path(sha256))
        except FileNotFoundError:
            raise BlobNotFound(sha256, self.root) from None
        except OSError as exc:
            raise self._unavailable(exc, "reading a blob's size") from exc
        return Blob(sha256, st.st_size, DEFAULT_MEDIA_TYPE)

    def delete(self, sha256: str) -> None:
        """Remove the blob's file (idempotent).

        Empty fan-out folders are left in place: removing them could race with a
        concurrent put that has just created the folder and is about to rename into it.
        """
        try:
            os.unlink(self._blob_path(sha256))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise self._unavailable(exc, "deleting a blob") from exc

    def iter_blobs(self) -> Iterator[BlobInfo]:
        """Yield every blob with its size and modification time (UTC)."""
        try:
            for top in _scandir_sorted(self._blobs, 2):
                for mid in _scandir_sorted(top.path, 2):
                    for entry in _scandir_sorted(mid.path, 64):
                        if not entry.name.startswith(top.name + mid.name):
                            continue  # a stray file that is not a blob of this folder
                        try:
                            st = entry.stat()
                        except FileNotFoundError:
                            continue  # deleted while we were listing
                        yield BlobInfo(
                            entry.name,
                            st.st_size,
                            datetime.fromtimestamp(st.st_mtime, UTC),
                        )
        except OSError as exc:
            raise self._unavailable(exc, "listing blobs") from exc

    def path(self, sha256: str) -> str:
        """Return the blob's file path for ``send_file`` (``BlobNotFound`` if missing)."""
        path = self._blob_path(sha256)
        if not os.path.isfile(path):
            raise BlobNotFound(sha256, self.root)
        return path

    def check(self) -> None:
        """Create the folders if needed and prove a file can be written and renamed there."""
        try:
            os.makedirs(self._blobs, exist_ok=True)
            os.makedirs(self._tmp, exist_ok=True)
            fd, probe = self._create_temp()
            try:
                _write_all(fd, b"probe")
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(probe)
            if os.stat(self._tmp).st_dev != os.stat(self._blobs).st_dev:
                raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), self._tmp)
        except OSError as exc:
            raise self._unavailable(exc, "checking that it is writable") from exc

    def iter_temporaries(self) -> Iterator[Temporary]:
        """Every upload in progress or left behind in ``tmp/``, in name order."""
        try:
            for entry in _scandir_sorted(self._tmp, None):
                if not entry.name.endswith(_TMP_SUFFIX):
                    continue
                try:
                    info = entry.stat()
                except FileNotFoundError:
                    continue  # finished meanwhile
                yield Temporary(
                    f"{_TMP}/{entry.name}", info.st_size, datetime.fromtimestamp(info.st_mtime, UTC)
                )
        except OSError as exc:
            raise self._unavailable(exc, "listing uploads in progress") from exc

    def collect_temporaries(self, older_than: timedelta) -> int:
        """Remove uploads abandoned by crashed processes; return how many were removed.

        Only temporaries older than ``older_than`` are touched, so uploads in
        progress (whose files are written to continuously) survive.
        """
        cutoff = datetime.now(UTC) - older_than
        removed = 0
        try:
            for entry in _scandir_sorted(self._tmp, None):
                try:
                    mtime = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
                    if entry.name.endswith(_TMP_SUFFIX) and mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
                except FileNotFoundError:
                    continue
        except OSError as exc:
            raise self._unavailable(exc, "removing abandoned uploads") from exc
        return removed


def _scandir_sorted(path: str, name_length: int | None) -> list[os.DirEntry[str]]:
    """List a folder's regular entries (missing folder: empty), in name order.

    With ``name_length`` set, only names of that length made of lowercase hex
    digits are kept: fan-out folders have two, blob files sixty-four.
    """
    try:
        with os.scandir(path) as it:
            entries = list(it)
    except FileNotFoundError:
        return []
    if name_length is not None:
        entries = [
            e
            for e in entries
            if len(e.name) == name_length and all(c in "0123456789abcdef" for c in e.name)
        ]
    return sorted(entries, key=lambda e: e.name)
