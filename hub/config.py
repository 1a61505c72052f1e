"""Configuration from environment variables with the one ``HUB_`` prefix.

Every default lives under the instance folder, so a fresh checkout runs with nothing installed
beyond Python. See the README for the documented list.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search_index.engine import check_url

PREFIX = "HUB_"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def _secret_key(instance: Path) -> str:
    """Read the instance's secret, generating it once so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    # Created with O_EXCL so two workers starting together cannot write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key)
    return key


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a whole number, not {raw!r}") from None


def _seconds(env: dict[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = env.get(PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        chosen = tuple(int(part) for part in raw.split(","))
    except ValueError:
        chosen = ()
    if not chosen or min(chosen) < 0:
        raise ConfigError(
            f"{PREFIX}{name} must be seconds separated by commas (e.g. 30,300,1800), not {raw!r}"
        )
    return chosen


#: Seconds a failed job waits before each new try (HUB_JOB_RETRY_INTERVALS).
JOB_RETRY_INTERVALS = (30, 300, 1800)


@dataclass(frozen=True)
class Settings:
    """The hub's settings, resolved from the environment (documented in the README)."""

    instance_path: Path
    database_url: str
    content_store_url: str
    s3_endpoint_url: str | None
    s3_region: str | None
    index_path: Path
    secret_key: str
    max_upload_mb: int
    mail_server: str | None
    mail_port: int
    mail_username: str | None
    mail_password: str | None
    mail_use_tls: bool
    mail_sender: str
    ratelimit_storage_url: str
    redis_url: str | None
    job_retry_intervals: tuple[int, ...]
    x_accel_redirect: str | None
    api_rate_limit: str = "600 per minute"
    #: The search index's URL (``search_index.open_index_url``): Whoosh in ``index_path``
    #: unless ``HUB_SEARCH_URL`` names another (``typesense://key@host:port,.../name``).
    search_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Resolve settings from ``env`` (default: the process environment)."""
        env = dict(os.environ if env is None else env)
        instance = Path(env.get(PREFIX + "INSTANCE_PATH") or "instance").resolve()
        instance.mkdir(parents=True, exist_ok=True)
        index_path = Path(env.get(PREFIX + "INDEX_PATH") or instance / "index")
        search_url = env.get(PREFIX + "SEARCH_URL") or f"whoosh://{index_path.resolve()}"
        try:
            check_url(search_url)
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}SEARCH_URL: {exc}") from None
        return cls(
            instance_path=instance,
            database_url=env.get(PREFIX + "DATABASE_URL")
            or f"sqlite:///{instance / 'hub.sqlite3'}",
            content_store_url=env.get(PREFIX + "CONTENT_STORE_URL")
            or (instance / "blobs").as_uri(),
            s3_endpoint_url=env.get(PREFIX + "S3_ENDPOINT_URL") or None,
            s3_region=env.get(PREFIX + "S3_REGION") or None,
            index_path=index_path,
            search_url=search_url,
            secret_key=env.get(PREFIX + "SECRET_KEY") or _secret_key(instance),
            max_upload_mb=_int(env, "MAX_UPLOAD_MB", 2048),
            mail_server=env.get(PREFIX + "MAIL_SERVER") or None,
            mail_port=_int(env, "MAIL_PORT", 25),
            mail_username=env.get(PREFIX + "MAIL_USERNAME") or None,
            mail_password=env.get(PREFIX + "MAIL_PASSWORD") or None,
            mail_use_tls=(env.get(PREFIX + "MAIL_USE_TLS", "").lower() in {"1", "true", "yes"}),
            mail_sender=env.get(PREFIX + "MAIL_SENDER") or "hub@localhost",
            # Several workers count together in Redis (HUB_REDIS_URL, which jobs use too).
            ratelimit_storage_url=env.get(PREFIX + "RATELIMIT_STORAGE_URL")
            or env.get(PREFIX + "REDIS_URL")
            or "memory://",
            # Jobs go to `hub worker` processes through Redis; without it they run in-process.
            redis_url=env.get(PREFIX + "REDIS_URL") or None,
            job_retry_intervals=_seconds(env, "JOB_RETRY_INTERVALS", JOB_RETRY_INTERVALS),
            x_accel_redirect=env.get(PREFIX + "X_ACCEL_REDIRECT") or None,
            api_rate_limit=env.get(PREFIX + "API_RATE_LIMIT") or "600 per minute",
        )

    def flask_config(self) -> dict[str, Any]:
        """The Flask config mapping these settings produce."""
        return {
            "SECRET_KEY": self.secret_key,
            "HUB_DATABASE_URL": self.database_url,
            "HUB_CONTENT_STORE_URL": self.content_store_url,
            "HUB_S3_ENDPOINT_URL": self.s3_endpoint_url,
            "HUB_S3_REGION": self.s3_region,
            "HUB_INDEX_PATH": str(self.index_path),
            "HUB_SEARCH_URL": self.search_url,
            "HUB_MAX_UPLOAD_MB": self.max_upload_mb,
            "MAX_CONTENT_LENGTH": self.max_upload_mb * 1024 * 1024,
            "HUB_MAIL_SERVER": self.mail_server,
            "HUB_MAIL_PORT": self.mail_port,
            "HUB_MAIL_USERNAME": self.mail_username,
            "HUB_MAIL_PASSWORD": self.mail_password,
            "HUB_MAIL_USE_TLS": self.mail_use_tls,
            "HUB_MAIL_SENDER": self.mail_sender,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_url,
            "HUB_REDIS_URL": self.redis_url,
            "HUB_JOB_RETRY_INTERVALS": self.job_retry_intervals,
            "HUB_X_ACCEL_REDIRECT": self.x_accel_redirect,
            "HUB_API_RATE_LIMIT": self.api_rate_limit,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            # A form's CSRF token is good for as long as its session: a page left open for
            # hours still submits (the session cookie itself is what expires).
            "WTF_CSRF_TIME_LIMIT": None,
            **self.extra,
        }
