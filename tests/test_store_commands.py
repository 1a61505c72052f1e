"""`hub store check` finds every planted inconsistency; `hub store collect` tidies orphans."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from hub.models import File
from hub.storage import store_for
from tests.factories import SchoolFactory


def _record(session: Session, data: bytes, name: str) -> File:
    record = File(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        media_type="text/plain",
        filename=name,
        school=SchoolFactory(),
    )
    session.add(record)
    session.flush()
    return record


def _age(path: str, hours: float) -> None:
    then = (dt.datetime.now() - dt.timedelta(hours=hours)).timestamp()
    os.utime(path, (then, then))


def test_a_consistent_store_passes(app: Flask, session: Session) -> None:
    store = store_for(app)
    blob = store.put(io.BytesIO(b"fine"), "text/plain")
    _record(session, b"fine", "fine.txt")
    result = app.test_cli_runner().invoke(args=["store", "check"])
    assert result.exit_code == 0, result.output
    assert "consistent" in result.output
    assert blob.sha256


def test_check_finds_missing_orphan_and_corrupt_blobs(app: Flask, session: Session) -> None:
    store = store_for(app)
    missing = _record(session, b"never stored", "missing.txt")
    orphan = store.put(io.BytesIO(b"nobody's"), "text/plain")
    corrupt = store.put(io.BytesIO(b"original"), "text/plain")
    _record(session, b"original", "corrupt.txt")
    path = store.path(corrupt.sha256)
    assert path is not None
    Path(path).write_bytes(b"tampered")
    result = app.test_cli_runner().invoke(args=["store", "check"])
    assert result.exit_code != 0
    assert f"record without blob: file {missing.id} needs blob {missing.sha256}" in result.output
    assert f"blob without record: {orphan.sha256}" in result.output
    assert f"checksum mismatch: blob {corrupt.sha256}" in result.output
    assert "3 problems found" in result.output


def test_collect_removes_only_orphans_older_than_the_grace(app: Flask, session: Session) -> None:
    store = store_for(app)
    old = store.put(io.BytesIO(b"old orphan"), "text/plain")
    fresh = store.put(io.BytesIO(b"fresh orphan"), "text/plain")
    kept = store.put(io.BytesIO(b"recorded"), "text/plain")
    _record(session, b"recorded", "kept.txt")
    for blob in (old, kept):
        path = store.path(blob.sha256)
        assert path is not None
        _age(path, 48)
    result = app.test_cli_runner().invoke(args=["store", "collect", "--grace-hours", "24"])
    assert result.exit_code == 0, result.output
    assert "1 orphan blobs removed" in result.output
    assert not store.exists(old.sha256)
    assert store.exists(fresh.sha256) and store.exists(kept.sha256)


def test_collect_refuses_a_grace_that_would_eat_uploads_in_progress(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["store", "collect", "--grace-hours", "0"])
    assert result.exit_code != 0
    assert "at least 1" in result.output


def test_check_lists_an_upload_a_crashed_worker_left_and_collect_removes_it(
    app: Flask, session: Session
) -> None:
    store = store_for(app)
    store.check()  # creates the store's folders
    left = Path(store.root) / "tmp" / "crashed.part"
    left.write_bytes(b"half an upload")
    _age(str(left), 30)
    (Path(store.root) / "tmp" / "in-progress.part").write_bytes(b"still coming")
    result = app.test_cli_runner().invoke(args=["store", "check"])
    assert result.exit_code != 0
    assert "abandoned upload: tmp/crashed.part (14 bytes" in result.output
    assert "in-progress.part" not in result.output
    collected = app.test_cli_runner().invoke(args=["store", "collect", "--grace-hours", "24"])
    assert collected.exit_code == 0, collected.output
    assert not left.exists()
    assert app.test_cli_runner().invoke(args=["store", "check"]).exit_code == 0
