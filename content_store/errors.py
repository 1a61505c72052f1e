"""Typed errors of the content store.

Callers (the hub) catch these and never a backend's own exceptions: every
``OSError`` of the local backend and every botocore/boto3 exception of the S3
backend is turned into one of the classes below, with the original kept as
``__cause__`` for the logs. Messages are written for a person reading a log
line or a command's one-line failure reason.
"""

from __future__ import annotations


class ContentStoreError(Exception):
    """Base class of every error the content store raises on purpose."""


class BlobNotFound(ContentStoreError):
    """No blob with this SHA-256 is stored."""

    def __init__(self, sha256: str, where: str = "") -> None:
        self.sha256 = sha256
        place = f" in {where}" if where else ""
        super().__init__(f"No blob with SHA-256 {sha256} is stored{place}.")


class IntegrityError(ContentStoreError):
    """Stored bytes do not hash to the SHA-256 they are stored under."""

    def __init__(self, expected: str, actual: str | None, where: str = "") -> None:
        self.expected = expected
        #: The digest of what was read, when known (``None`` when the backend's own
        #: checksum check failed and did not say what it found).
        self.actual = actual
        place = f" in {where}" if where else ""
        found = f"its content hashes to {actual}" if actual else "its content does not match"
        super().__init__(
            f"Blob {expected}{place} is corrupt: {found}. "
            "Restore it from a backup or upload the file again."
        )


class StoreUnavailable(ContentStoreError):
    """The store cannot be reached or refuses to work (disk full, bucket missing, ...)."""


class TooLarge(ContentStoreError):
    """The uploaded stream went past the size limit; nothing was stored."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        exact = f" ({limit:,} bytes)" if limit >= 1024 else ""
        super().__init__(
            f"The file is larger than the limit of {format_size(limit)}{exact}; nothing was stored."
        )


def format_size(size: int) -> str:
    """Return ``size`` in bytes as a short human figure ("2 GiB", "1.5 MiB", "10 bytes")."""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"
