"""The backup and restore drill of the README ("Backup and restore"), on the engines a
deployment of several hosts runs on: PostgreSQL and an S3 bucket (a moto server over HTTP).

Dump the database and copy the bucket's blobs aside; destroy the database, the blobs and the
host's instance folder (its search index); restore both; then ``hub store check`` and
``hub index rebuild`` + ``hub index check`` are clean and a person signs in and finds the same.
The hub's commands run as an operator runs them: ``python -m hub`` in a process of its own.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub import db
from hub.search import shutdown
from hub.storage import store_for
from tests import factories
from tests.conftest import make_app

pytestmark = pytest.mark.postgres

URL = os.environ.get("HUB_TEST_DATABASE_URL", "")
TITLE = "Drill: eclampsia in the district hospital"
FOUND = "1 material for “eclampsia”"


def _libpq(url: str) -> str:
    """The URL as PostgreSQL's own tools take it (no ``+psycopg`` driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)


def _keys(s3: Any, bucket: str) -> dict[str, int]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}


def _copy_bucket(s3: Any, source: str, target: str) -> None:
    """What ``aws s3 sync s3://source s3://target`` does, for the drill."""
    for key in _keys(s3, source):
        s3.copy_object(Bucket=target, Key=key, CopySource={"Bucket": source, "Key": key})


def _found_by_student(config: dict[str, Any], email: str) -> tuple[int, str]:
    """A new host's app: the student signs in and searches; (status, page)."""
    app = make_app(config)
    try:
        client = app.test_client()
        signed = client.post("/sign-in", data={"email": email, "password": factories.PASSWORD})
        assert signed.status_code == 302
        page = client.get("/search?q=eclampsia")
        return page.status_code, page.get_data(as_text=True)
    finally:
        shutdown(app)
        db.database(app).engine.dispose()


def test_backup_destroy_restore_and_everything_is_found_again(
    own_database: str,
    app_config: dict[str, Any],
    tmp_path: Path,
    moto_server: str,
    s3_client: Any,
    s3_bucket: str,
) -> None:
    engines = {
        "HUB_DATABASE_URL": own_database,
        "HUB_CONTENT_STORE_URL": f"s3://{s3_bucket}/hub",
        "HUB_S3_ENDPOINT_URL": moto_server,
        "HUB_S3_REGION": "us-east-1",
    }
    config = {**app_config, **engines}
    env = {
        **os.environ,
        **engines,
        "HUB_INSTANCE_PATH": app_config["HUB_INSTANCE_PATH"],
        "HUB_SECRET_KEY": app_config["HUB_SECRET_KEY"],
    }
    assert _hub(env, "db", "upgrade").returncode == 0

    # A school with a shared material, its file in the bucket, and a student elsewhere.
    app = make_app(config)
    session = db.database(app).new_session()
    factories.bind(session)
    try:
        material = factories.make_material(session, title=TITLE, grants=factories.PUBLIC_DOWNLOAD)
        student = factories.StudentFactory()
        with app.app_context():
            store_for(app).put(io.BytesIO(factories.PDF_BYTES), "application/pdf")
        session.commit()
        material_id, email = material.id, student.email
    finally:
        factories.bind(None)
        session.close()
        shutdown(app)
        db.database(app).engine.dispose()
    assert _hub(env, "index", "rebuild").returncode == 0
    status, before = _found_by_student(config, email)
    assert status == 200 and FOUND in before and f'href="/materials/{material_id}"' in before

    # Backup: the database dumped, the blobs copied aside (and listed).
    dump = tmp_path / "hub.dump"
    _run("pg_dump", "--format=custom", f"--file={dump}", _libpq(own_database))
    backup = f"{s3_bucket}-backup"
    s3_client.create_bucket(Bucket=backup)
    _copy_bucket(s3_client, s3_bucket, backup)
    blobs = _keys(s3_client, s3_bucket)
    assert blobs and _keys(s3_client, backup) == blobs

    # Disaster: the database, the blobs and the host's folder (its index) are gone.
    name = make_url(own_database).database
    admin = create_engine(URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    for key in blobs:
        s3_client.delete_object(Bucket=s3_bucket, Key=key)
    shutil.rmtree(env["HUB_INSTANCE_PATH"])
    assert _hub(env, "store", "check").returncode != 0  # an empty database has no tables

    # Restore, then check: the README's procedure.
    _run("pg_restore", "--no-owner", f"--dbname={_libpq(own_database)}", str(dump))
    _copy_bucket(s3_client, backup, s3_bucket)
    checked = _hub(env, "store", "check")
    assert checked.returncode == 0 and "consistent" in checked.stdout, checked.stdout
    assert _hub(env, "index", "rebuild").returncode == 0
    matched = _hub(env, "index", "check")
    assert matched.returncode == 0 and "matches" in matched.stdout, matched.stdout
    status, after = _found_by_student(config, email)
    assert status == 200 and FOUND in after and f'href="/materials/{material_id}"' in after

    for key in _keys(s3_client, backup):
        s3_client.delete_object(Bucket=backup, Key=key)
    s3_client.delete_bucket(Bucket=backup)
