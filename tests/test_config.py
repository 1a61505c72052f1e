"""Configuration from HUB_* variables, with every default under the instance folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import ConfigError, Settings


def test_defaults_live_under_the_instance_folder(tmp_path: Path) -> None:
    s = Settings.from_env({"HUB_INSTANCE_PATH": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    assert s.content_store_url == (tmp_path / "blobs").as_uri()
    assert s.index_path == tmp_path / "index"
    assert s.max_upload_mb == 2048


def test_the_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings.from_env({"HUB_INSTANCE_PATH": str(tmp_path)}).secret_key
    second = Settings.from_env({"HUB_INSTANCE_PATH": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    other = Settings.from_env({"HUB_INSTANCE_PATH": str(tmp_path / "other")}).secret_key
    assert other != first


def test_environment_overrides_defaults(tmp_path: Path) -> None:
    s = Settings.from_env(
        {
            "HUB_INSTANCE_PATH": str(tmp_path),
            "HUB_DATABASE_URL": "postgresql+psycopg://db/hub",
            "HUB_CONTENT_STORE_URL": "s3://bucket/prefix",
            "HUB_SECRET_KEY": "given",
            "HUB_MAX_UPLOAD_MB": "10",
        }
    )
    assert (s.database_url, s.content_store_url, s.secret_key, s.max_upload_mb) == (
        "postgresql+psycopg://db/hub",
        "s3://bucket/prefix",
        "given",
        10,
    )
    assert not (tmp_path / "secret_key").exists()


def test_a_malformed_number_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="HUB_MAX_UPLOAD_MB must be a whole number"):
        Settings.from_env({"HUB_INSTANCE_PATH": str(tmp_path), "HUB_MAX_UPLOAD_MB": "lots"})


def test_search_is_whoosh_in_the_index_folder_unless_a_search_url_is_given(
    tmp_path: Path,
) -> None:
    default = Settings.from_env({"HUB_INSTANCE_PATH": str(tmp_path)})
    assert default.search_url == f"whoosh://{tmp_path / 'index'}"
    given = Settings.from_env(
        {"HUB_INSTANCE_PATH": str(tmp_path), "HUB_SEARCH_URL": "typesense://k@ts1,ts2/hub"}
    )
    assert given.flask_config()["HUB_SEARCH_URL"] == "typesense://k@ts1,ts2/hub"


@pytest.mark.parametrize("url", ["elastic://host/index", "typesense://host:8108/hub"])
def test_a_search_url_naming_no_usable_index_names_the_variable(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="HUB_SEARCH_URL"):
        Settings.from_env({"HUB_INSTANCE_PATH": str(tmp_path), "HUB_SEARCH_URL": url})


def test_jobs_run_in_process_unless_redis_is_given(tmp_path: Path) -> None:
    assert Settings.from_env({"HUB_INSTANCE_PATH": str(tmp_path)}).redis_url is None
    given = Settings.from_env(
        {"HUB_INSTANCE_PATH": str(tmp_path), "HUB_REDIS_URL": "redis://cache:6379/2"}
    )
    assert given.redis_url == given.ratelimit_storage_url == "redis://cache:6379/2"


@pytest.mark.parametrize("waits", ["soon", "30,,60", "-5"])
def test_malformed_retry_waits_name_the_variable(tmp_path: Path, waits: str) -> None:
    with pytest.raises(ConfigError, match="HUB_JOB_RETRY_INTERVALS must be seconds"):
        Settings.from_env({"HUB_INSTANCE_PATH": str(tmp_path), "HUB_JOB_RETRY_INTERVALS": waits})
