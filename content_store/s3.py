"""S3 backend (any S3-compatible endpoint) through boto3.

Layout under ``s3://bucket/prefix``::

    prefix/sha256/ab/cd/abcd...    one object per blob; ContentType = media type
    prefix/tmp/<uuid>              uploads in progress

An upload cannot be written to its final key directly, because the key is the
SHA-256 of the content and is known only at the end of the stream. So ``put``
uploads to a temporary key (multipart above the threshold, with a per-part SHA-256
checksum that S3 verifies), hashing the bytes as boto3 pulls them, then copies the
object server-side to its final key and deletes the temporary one. Any failure
aborts the multipart upload and deletes the temporary key.

Credentials come from boto3's standard chain (environment, profile, instance role).
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO, cast

import boto3
import boto3.exceptions
import s3transfer.exceptions
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    FlexibleChecksumError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from .base import (
    DEFAULT_MEDIA_TYPE,
    Blob,
    BlobInfo,
    ContentStore,
    HashingReader,
    RawReader,
    Temporary,
    fanout,
    validate_sha256,
)
from .errors import BlobNotFound, ContentStoreError, IntegrityError, StoreUnavailable, TooLarge

log = logging.getLogger(__name__)

MiB = 1024 * 1024
GiB = 1024 * MiB

#: Every exception boto3, botocore or s3transfer may raise at us.
_BOTO_ERRORS: tuple[type[BaseException], ...] = (
    BotoCoreError,
    ClientError,
    boto3.exceptions.Boto3Error,
    s3transfer.exceptions.RetriesExceededError,
    s3transfer.exceptions.S3UploadFailedError,
    s3transfer.exceptions.S3CopyFailedError,
    s3transfer.exceptions.S3DownloadFailedError,
    CancelledError,  # s3transfer's FatalError
)
_NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}
_DENIED_CODES = {
    "403",
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
}


def default_transfer_config() -> TransferConfig:
    """Transfer settings for uploads: 8 MiB parts, 4 threads.

    boto3's default (10 threads, and up to 10 parts buffered for a stream that
    cannot seek) holds ~170 MB per upload; a web worker may run several uploads
    at once, so this trades some throughput for ~64 MB per upload.
    """
    config = TransferConfig(
        multipart_threshold=8 * MiB,
        multipart_chunksize=8 * MiB,
        max_concurrency=4,
        # Never switch to the CRT client behind our back: its threads, memory
        # and error types differ from what this module handles and tests.
        preferred_transfer_client="classic",
    )
    config.max_in_memory_upload_chunks = 4
    return config


class S3Store(ContentStore):
    """Blobs as objects in an S3 bucket; see the module docstring for the layout."""

    #: Largest object a single CopyObject may copy; bigger ones use a multipart copy.
    single_copy_max = 5 * GiB
    #: A put of content already stored skips the server-side copy, unless the stored
    #: object is older than this: then it is copied anyway, which refreshes its
    #: LastModified so that orphan collection (grace period > this) cannot delete
    #: a blob that has just been uploaded again.
    refresh_after = timedelta(hours=1)

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        max_size: int | None = None,
        transfer_config: TransferConfig | None = None,
        max_attempts: int = 4,
        connect_timeout: float = 5,
        read_timeout: float = 60,
    ) -> None:
        if not bucket:
            raise ValueError("An S3 content store needs a bucket name: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.max_size = max_size
        self._base = f"{self.prefix}/" if self.prefix else ""
        self._transfer = transfer_config or default_transfer_config()
        self._where = f"S3 bucket '{bucket}' at {endpoint_url or 'AWS'}"
        config = Config(
            retries={"max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            signature_version="s3v4",
            # S3-compatible services (MinIO, Ceph, moto, ...) on their own host
            # name rarely resolve virtual-host names like bucket.host.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            # Enough pooled connections for the transfer threads of a few uploads.
            max_pool_connections=20,
        )
        # One session per store: boto3's default session is not safe to create
        # clients from in several threads; the client itself is thread-safe.
        with self._errors("setting up the client"):
            session = boto3.session.Session()
            self._client = session.client(
                "s3", endpoint_url=endpoint_url, region_name=region, config=config
            )

    def __repr__(self) -> str:
        return f"S3Store(s3://{self.bucket}/{self.prefix}, endpoint={self.endpoint_url!r})"

    # -- helpers -------------------------------------------------------------------

    def _key(self, sha256: str) -> str:
        return f"{self._base}sha256/{fanout(sha256)}"

    def _translate(
        self, exc: BaseException, action: str, sha256: str | None = None
    ) -> ContentStoreError:
        """Turn a boto3/botocore/s3transfer exception into one of ours."""
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if sha256 is not None and code in _NOT_FOUND_CODES:
                return BlobNotFound(sha256, self._where)
            if code == "NoSuchBucket" or (sha256 is None and code in _NOT_FOUND_CODES):
                return StoreUnavailable(
                    f"S3 bucket '{self.bucket}' does not exist at {self.endpoint_url or 'AWS'}."
                )
            if code in _DENIED_CODES or status == 403:
                return StoreUnavailable(
                    f"Access to {self._where} was denied while {action} ({code}): "
                    "check the credentials and the bucket's policy."
                )
            message = error.get("Message") or ""
            return StoreUnavailable(
                f"{self._where} failed while {action}: {code or 'error'} "
                f"(HTTP {status}){': ' + message if message else ''}"
            )
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return StoreUnavailable(
                f"No usable AWS credentials for {self._where}: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or give the host a role."
            )
        if isinstance(exc, FlexibleChecksumError) and sha256 is not None:
            return IntegrityError(sha256, None, self._where)
        if isinstance(exc, ReadTimeoutError):
            return StoreUnavailable(f"{self._where} did not answer in time while {action}.")
        if isinstance(exc, ConnectionError):
            return StoreUnavailable(
                f"Cannot reach the S3 endpoint {self.endpoint_url or '(AWS)'} for bucket "
                f"'{self.bucket}' while {action}: {exc}"
            )
        if isinstance(exc, HTTPClientError):
            return StoreUnavailable(f"The connection to {self._where} broke while {action}: {exc}")
        # Transfer errors wrap a ClientError or connection error: report the cause.
        cause = exc.__cause__ or exc.__context__
        if cause is not None and cause is not exc and isinstance(cause, _BOTO_ERRORS):
            return self._translate(cause, action, sha256)
        return StoreUnavailable(f"{self._where} failed while {action}: {exc}")

    @contextmanager
    def _errors(self, action: str, sha256: str | None = None) -> Iterator[None]:
        try:
            yield
        except _BOTO_ERRORS as exc:
            raise self._translate(exc, action, sha256) from exc

    def _head(self, key: str, sha256: str) -> dict[str, Any] | None:
        """Return the object's HEAD answer, or ``None`` if it does not exist."""
        try:
            return cast(dict[str, Any], self._client.head_object(Bucket=self.bucket, Key=key))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _NOT_FOUND_CODES:
                return None
            raise self._translate(exc, "looking up a blob", sha256) from exc
        except _BOTO_ERRORS as exc:
            raise self._translate(exc, "looking up a blob", sha256) from exc

    def _discard(self, tmp_key: str, *, failed: bool) -> None:
        """Delete a temporary key; after a failure also abort its multipart uploads.

        Never raises: a leftover temporary is garbage for ``collect_temporaries``,
        and must not hide the error (or the success) of the put itself.
        """
        try:
            if failed:
                # s3transfer aborts its own multipart upload on failure; make sure,
                # since a forgotten upload keeps its parts (and costs) forever.
                pages = self._client.get_paginator("list_multipart_uploads").paginate(
                    Bucket=self.bucket, Prefix=tmp_key
                )
                for page in pages:
                    for upload in page.get("Uploads", []):
                        self._client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
            self._client.delete_object(Bucket=self.bucket, Key=tmp_key)
        except _BOTO_ERRORS as exc:
            log.warning("Could not remove temporary upload %s from %s: %s", tmp_key, self, exc)

    def _copy_into_place(self, tmp_key: str, key: str, blob: Blob) -> None:
        """Copy the temporary object to its final key, server-side."""
        source = {"Bucket": self.bucket, "Key": tmp_key}
        if blob.size > self.single_copy_max:
            # CopyObject stops at 5 GiB; the managed copy uses UploadPartCopy.
            self._client.copy(
                source,
                self.bucket,
                key,
                ExtraArgs={"ContentType": blob.media_type, "ChecksumAlgorithm": "SHA256"},
                Config=self._transfer,
            )
            return
        answer = self._client.copy_object(
            Bucket=self.bucket,
            Key=key,
            CopySource=source,
            MetadataDirective="REPLACE",
            ContentType=blob.media_type,
            ChecksumAlgorithm="SHA256",
        )
        # S3 computes the full-object SHA-256 of the copy: compare it with ours,
        # which proves end to end that S3 holds exactly the bytes we hashed.
        stored = answer.get("CopyObjectResult", {}).get("ChecksumSHA256")
        if stored and "-" not in stored:  # "-N" marks a composite (per-part) checksum
            actual = base64.b64decode(stored).hex()
            if actual != blob.sha256:
                self._client.delete_object(Bucket=self.bucket, Key=key)
                raise IntegrityError(blob.sha256, actual, self._where)

    # -- ContentStore --------------------------------------------------------------

    def _put(self, reader: HashingReader, media_type: str) -> Blob:
        """Stream ``reader`` into the bucket; see ``ContentStore.put`` and the module doc."""
        tmp_key = f"{self._base}tmp/{uuid.uuid4().hex}"
        failed = True
        try:
            try:
                self._client.upload_fileobj(
                    reader,
                    self.bucket,
                    tmp_key,
                    ExtraArgs={"ContentType": media_type, "ChecksumAlgorithm": "SHA256"},
                    Config=self._transfer,
                )
            except _BOTO_ERRORS as exc:
                if reader.error is not None:
                    raise reader.error from None
                raise self._translate(exc, "uploading") from exc
            except TooLarge:
                raise
            except Exception:
                # The source stream's own error, raised in a transfer thread.
                if reader.error is not None:
                    raise reader.error from None
                raise
            blob = Blob(reader.hexdigest(), reader.size, media_type)
            key = self._key(blob.sha256)
            existing = self._head(key, blob.sha256)
            fresh = existing is not None and (
                datetime.now(UTC) - existing["LastModified"] < self.refresh_after
            )
            if not fresh:
                with self._errors("storing an upload", blob.sha256):
                    self._copy_into_place(tmp_key, key, blob)
            failed = False
            return blob
        finally:
            self._discard(tmp_key, failed=failed)

    def _open(self, sha256: str) -> BinaryIO:
        """Open a blob for streaming reads (one GET)."""
        key = self._key(sha256)
        with self._errors("opening a blob", sha256):
            answer = self._client.get_object(Bucket=self.bucket, Key=key)
        return cast(BinaryIO, _S3Body(answer["Body"], self, sha256))

    def exists(self, sha256: str) -> bool:
        """Return whether the blob's object exists."""
        return self._head(self._key(sha256), sha256) is not None

    def stat(self, sha256: str) -> Blob:
        """Return the blob's size and the media type of its first upload."""
        head = self._head(self._key(sha256), sha256)
        if head is None:
            raise BlobNotFound(sha256, self._where)
        media_type = head.get("ContentType") or DEFAULT_MEDIA_TYPE
        return Blob(sha256, int(head["ContentLength"]), media_type)

    def delete(self, sha256: str) -> None:
        """Delete the blob's object (S3 deletes of missing keys succeed: idempotent)."""
        with self._errors("deleting a blob", sha256):
            self._client.delete_object(Bucket=self.bucket, Key=self._key(sha256))

    def iter_blobs(self) -> Iterator[BlobInfo]:
        """Yield every blob under ``prefix/sha256/`` with size and LastModified (UTC)."""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self._base}sha256/"
        )
        with self._errors("listing blobs"):
            for page in pages:
                for item in page.get("Contents", []):
                    key: str = item["Key"]
                    name = key.rsplit("/", 1)[-1]
                    try:
                        if self._key(name) != key:
                            continue
                    except ValueError:
                        continue  # not a blob name: someone else's object
                    yield BlobInfo(name, int(item["Size"]), item["LastModified"].astimezone(UTC))

    def path(self, sha256: str) -> None:
        """Return ``None``: S3 blobs have no local path."""
        validate_sha256(sha256)
        return None

    def _download_url(
        self, sha256: str, disposition_header: str, media_type: str, expires: int
    ) -> str:
        """Return a presigned GET URL valid ``expires`` seconds.

        S3 answers it with ``disposition_header`` as ``Content-Disposition`` and
        ``Content-Type: media_type``. No request is made: a missing blob shows as a 404
        from S3 when the URL is fetched.
        """
        if not 1 <= expires <= 7 * 24 * 3600:
            raise ValueError(f"expires must be 1 s to 7 days (SigV4 limit), not {expires}")
        params = {
            "Bucket": self.bucket,
            "Key": self._key(sha256),
            "ResponseContentDisposition": disposition_header,
            "ResponseContentType": media_type,
        }
        with self._errors("signing a download URL", sha256):
            return cast(
                str,
                self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires),
            )

    def check(self) -> None:
        """Prove at start-up that the bucket exists and accepts writes and deletes."""
        with self._errors("checking the bucket"):
            self._client.head_bucket(Bucket=self.bucket)
            probe = f"{self._base}tmp/check-{uuid.uuid4().hex}"
            self._client.put_object(Bucket=self.bucket, Key=probe, Body=b"")
            self._client.delete_object(Bucket=self.bucket, Key=probe)

    def iter_temporaries(self) -> Iterator[Temporary]:
        """Temporary objects and unfinished multipart uploads under ``prefix/tmp/``."""
        prefix = f"{self._base}tmp/"
        with self._errors("listing uploads in progress"):
            for page in self._client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=prefix
            ):
                for upload in page.get("Uploads", []):
                    yield Temporary(f"{upload['Key']} (multipart)", 0, upload["Initiated"])
            for page in self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            ):
                for item in page.get("Contents", []):
                    yield Temporary(item["Key"], item["Size"], item["LastModified"])

    def collect_temporaries(self, older_than: timedelta) -> int:
        """Remove uploads abandoned by crashed processes; return how many were removed.

        Deletes temporary objects and aborts multipart uploads under ``prefix/tmp/``
        that started more than ``older_than`` ago.
        """
        cutoff = datetime.now(UTC) - older_than
        prefix = f"{self._base}tmp/"
        removed = 0
        with self._errors("removing abandoned uploads"):
            for page in self._client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=prefix
            ):
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] < cutoff:
                        self._client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        removed += 1
            for page in self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            ):
                for item in page.get("Contents", []):
                    if item["LastModified"] < cutoff:
                        self._client.delete_object(Bucket=self.bucket, Key=item["Key"])
                        removed += 1
        return removed


class _S3Body(RawReader):
    """A GET response body as a file object whose errors are ours."""

    def __init__(self, body: Any, store: S3Store, sha256: str) -> None:
        super().__init__(body)
        self._store = store
        self._sha256 = sha256

    def read(self, size: int | None = -1) -> bytes:
        with self._store._errors("reading a blob", self._sha256):
            return cast(bytes, self._raw.read(None if size is None or size < 0 else size))

    def readall(self) -> bytes:
        return self.read(-1)
