"""Blob storage addressed by SHA-256: local filesystem or S3.

Knows nothing of Flask or SQL. The one entry point is ``open_store``::

    store = open_store("file:///srv/hub/instance/blobs")
    blob = store.put(request_stream, "application/pdf", max_size=2 * 1024**3)
    with store.open(blob.sha256, verify=True) as fh:
        ...

Every failure is a ``ContentStoreError`` (see ``content_store.errors``).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from .base import (
    CHUNK_SIZE,
    DEFAULT_MEDIA_TYPE,
    Blob,
    BlobInfo,
    ContentStore,
    Disposition,
    Temporary,
    content_disposition,
    validate_media_type,
    validate_sha256,
)
from .errors import (
    BlobNotFound,
    ContentStoreError,
    IntegrityError,
    StoreUnavailable,
    TooLarge,
)
from .local import LocalStore
from .s3 import S3Store

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_MEDIA_TYPE",
    "Blob",
    "BlobInfo",
    "BlobNotFound",
    "ContentStore",
    "ContentStoreError",
    "Disposition",
    "IntegrityError",
    "LocalStore",
    "S3Store",
    "StoreUnavailable",
    "Temporary",
    "TooLarge",
    "content_disposition",
    "open_store",
    "validate_media_type",
    "validate_sha256",
]


def open_store(
    url: str,
    *,
    s3_endpoint_url: str | None = None,
    s3_region: str | None = None,
    max_size: int | None = None,
) -> ContentStore:
    """Open the content store that ``url`` names.

    - ``file:///absolute/path`` — a ``LocalStore`` in that folder (created on first write
      or by ``check()``);
    - ``s3://bucket/optional/prefix`` — an ``S3Store``; ``s3_endpoint_url`` for
      S3-compatible services, ``s3_region`` for the signing region; credentials from
      boto3's standard chain.

    ``max_size`` is the default size limit of ``put`` in bytes. Opening makes no
    network request; call ``check()`` to find out whether the store is usable.
    Raises ``ValueError`` for a URL it cannot use.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if parts.query or parts.fragment:
        raise ValueError(f"Content store URL must not have a query or fragment: {url!r}")
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(
                f"Content store URL {url!r} names host {parts.netloc!r}; a file URL must "
                "be file:///absolute/path (three slashes)."
            )
        path = url2pathname(parts.path)
        if not path or not path.startswith("/"):
            raise ValueError(f"Content store URL must hold an absolute path: {url!r}")
        return LocalStore(path, max_size=max_size)
    if scheme == "s3":
        if not parts.netloc:
            raise ValueError(
                f"Content store URL must name a bucket (s3://bucket/prefix), not {url!r}"
            )
        return S3Store(
            parts.netloc,
            unquote(parts.path).strip("/"),
            endpoint_url=s3_endpoint_url,
            region=s3_region,
            max_size=max_size,
        )
    raise ValueError(
        f"Unknown content store URL scheme {parts.scheme!r} in {url!r}: "
        "use file:///absolute/path or s3://bucket/prefix."
    )
