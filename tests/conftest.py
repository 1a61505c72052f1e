"""Test fixtures: the database is migrated once per run; each test runs in a savepoint.

Three costs are paid once per run rather than once per test: argon2 hashes at their lowest cost
(``cheap_passwords``), and templates and URL builders compiled by one app are reused by the
next (``SHARED_TEMPLATES``, ``shared_url_builders``).

Set ``HUB_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) to
run the suite against PostgreSQL; the default is a SQLite file in a temporary folder.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from hub import create_app, db, migrate
from hub.models import Person
from hub.services import accounts
from tests import factories
from tests.content_store.moto_server import running_moto_server

collect_ignore_glob: list[str] = []

#: The password hasher the hub ships with (``tests/test_sign_in.py`` checks its cost).
SHIPPED_HASHER = accounts._hasher


#: The fixtures through which a test reaches the database under test: a test that uses
#: neither, directly or through another fixture, runs the same on SQLite and PostgreSQL.
DATABASE_FIXTURES = frozenset({"database_url", "own_database"})


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects by the marks added here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that reach the database ``database`` (CI's PostgreSQL run selects
    them: the others ran on SQLite already, and the database cannot change them).

    The slow tests first: pytest-xdist hands tests out in this order, one at a time
    (``--maxschedchunk=1`` in ``pyproject.toml``), so the many short ones fill the workers'
    ends instead of one worker finishing a crawl alone."""
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker("database")
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session", autouse=True)
def cheap_passwords() -> Iterator[None]:
    """Argon2 at its lowest cost for the whole run.

    The hub's parameters cost 0.14 s a hash and as much a sign-in here, and the suite signs
    in hundreds of times; a hash records its own parameters, so signing in with a cheap one
    runs the same code. Autouse and session-wide: it is in place before any person is made.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        yield


class _SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory for every app of the process: a new app compiles
    each template it renders again (1.8 s for all of them here), and most tests make one."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


SHARED_TEMPLATES = _SharedBytecode()


@dataclass(frozen=True)
class SharedUrlBuilders:
    """werkzeug's own compiler of URL builders, and the builders it compiled in this run."""

    werkzeug_compile: Callable[[Rule, bool], Any]
    builders: dict[tuple[Any, ...], Any]


@pytest.fixture(scope="session", autouse=True)
def shared_url_builders() -> Iterator[SharedUrlBuilders]:
    """URL builders compiled by one app reused by the next, for the whole run.

    werkzeug compiles two Python functions for every URL rule an app binds (the hub has 164
    rules): 42 of the 86 ms of CPU an app costs to build here, and most tests build one. A
    builder depends only on the rule's text, its defaults and what it appends (its code reads
    the rule's converters through the rule it is bound to), so one compiled for an equal rule
    serves. ``Rule._compile_builder`` is werkzeug's private method (pinned below 3.2 in the
    ``test`` extra); ``tests/test_url_builders.py`` checks the shared code is werkzeug's.
    """
    compile_builder = Rule._compile_builder
    builders: dict[tuple[Any, ...], Any] = {}

    def shared(self: Rule, append_unknown: bool = True) -> Any:
        defaults = tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items()))
        key = (append_unknown, self.rule, tuple(self._trace), defaults)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", shared)
        yield SharedUrlBuilders(compile_builder, builders)


def make_app(config: dict[str, Any], connection: Connection | None = None) -> Flask:
    """A hub app for a test, on the test's ``connection`` when given (its writes are rolled
    back with the test), reusing the templates (and URL builders: ``shared_url_builders``)
    other apps of the run compiled."""
    application = create_app(config)
    application.jinja_env.bytecode_cache = SHARED_TEMPLATES
    if connection is not None:
        application.extensions["hub.db"].bind_to(connection)
    return application


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite in a temporary folder, or a fresh schema of ``HUB_TEST_DATABASE_URL``.

    On PostgreSQL each run gets its own schema (dropped afterwards), so that two runs on one
    server (a developer's and CI's, or parallel helpers) never see each other's tables.
    """
    url = os.environ.get("HUB_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    schema = f"hub_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def reset_database(engine: Engine) -> None:
    """Drop everything so the migrations start from an empty database (SQLite file reuse)."""
    if engine.dialect.name != "sqlite":
        return  # a fresh schema per run (see ``database_url``)
    with engine.begin() as conn:
        tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars()
        for name in list(tables):
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = db.Database(database_url).engine
    reset_database(eng)
    migrate.upgrade(database_url)
    yield eng
    eng.dispose()


@pytest.fixture()
def own_database() -> Iterator[str]:
    """A PostgreSQL database of the test's own, dropped afterwards; its URL. For tests whose
    processes share a database (several hosts) or that drop and restore it (the backup
    drill); skipped unless ``HUB_TEST_DATABASE_URL`` is PostgreSQL."""
    url = os.environ.get("HUB_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs HUB_TEST_DATABASE_URL on PostgreSQL")
    name = f"hub_own_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture()
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection per test, inside a transaction that is rolled back afterwards."""
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    if outer.is_active:
        outer.rollback()
    conn.close()


def app_settings(instance: Path, database_url: str) -> dict[str, Any]:
    """Settings of a test app with its instance folder (search index, blobs) in ``instance``."""
    return {
        "HUB_INSTANCE_PATH": str(instance),
        "HUB_DATABASE_URL": database_url,
        "HUB_SECRET_KEY": "test-secret-key",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "hub.test",
    }


@pytest.fixture()
def app_config(tmp_path: Path, database_url: str) -> dict[str, Any]:
    """Settings for the test app; tests may change them before ``app`` is created."""
    return app_settings(tmp_path / "instance", database_url)


@pytest.fixture()
def app(app_config: dict[str, Any], connection: Connection) -> Flask:
    # No app context is held open: each test-client request gets its own, as in production.
    return make_app(app_config, connection)


@pytest.fixture()
def csrf_app(app_config: dict[str, Any], connection: Connection) -> Flask:
    """The test app with CSRF protection on, as in production."""
    app_config["WTF_CSRF_ENABLED"] = True
    return make_app(app_config, connection)


@pytest.fixture()
def session(app: Flask) -> Iterator[Session]:
    """The test's own session (factories write through it); shares the test's connection."""
    s = app.extensions["hub.db"].new_session()
    factories.bind(s)
    yield s
    factories.bind(None)
    s.close()


@pytest.fixture()
def client(app: Flask, session: Session) -> FlaskClient:
    return app.test_client()


def sign_in(client: FlaskClient, person: Person, password: str = factories.PASSWORD) -> Any:
    """Sign ``person`` in through the real form."""
    return client.post("/sign-in", data={"email": person.email, "password": password})


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = CSRF_RE.search(html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


# S3 through a real moto server process (shared by the library's and the hub's tests) ------


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto S3 server subprocess for the whole session; yields its endpoint URL."""
    with running_moto_server() as url:
        yield url


@pytest.fixture(scope="session")
def s3_client(moto_server: str) -> Any:
    """A plain boto3 client on the moto server, to look behind the store's back."""
    return boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")


@pytest.fixture
def s3_bucket(s3_client: Any) -> Iterator[str]:
    """A fresh, empty bucket per test; emptied afterwards to keep moto's memory small."""
    name = f"test-{uuid.uuid4().hex[:20]}"
    s3_client.create_bucket(Bucket=name)
    yield name
    for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", []):
            s3_client.delete_object(Bucket=name, Key=item["Key"])
    for upload in s3_client.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3_client.abort_multipart_upload(
            Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
        )


# Redis (jobs and rate limits) through a real redis-server process -------------------------------


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A redis-server subprocess of this test process for the whole session; yields its URL."""
    from tests.redis_server import running_redis_server

    with running_redis_server() as url:
        yield url


@pytest.fixture()
def redis_url(redis_server: str) -> str:
    """A Redis database of the test's own, empty (``redis://127.0.0.1:PORT/N``)."""
    from tests.redis_server import fresh_database

    return fresh_database(redis_server)


# The search index ------------------------------------------------------------------------------


@pytest.fixture()
def closes_index(app: Flask) -> Iterator[None]:
    """The app's copy of the search index is closed after the test (its writer and readers
    hold files and threads). Modules that search ask for it with
    ``pytestmark = pytest.mark.usefixtures("closes_index")``."""
    from hub.search import shutdown

    yield
    shutdown(app)
