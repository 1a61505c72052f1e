"""Serving processes: each opens its own index copy, warmed before anyone searches, and
outbox writers take their positions one at a time."""

from __future__ import annotations

import gc
import os
import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hub import SERVING_GC_THRESHOLDS, create_app, db, prepare_worker
from hub.models import IndexChange
from hub.search import index_for, shutdown
from hub.services import indexing
from search_index import MaterialIndex, SearchIndexError


@pytest.fixture()
def gc_state() -> object:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_a_worker_warms_its_index_and_sets_its_collector_before_serving(
    app: Flask, monkeypatch: pytest.MonkeyPatch, gc_state: object
) -> None:
    warmed: list[MaterialIndex] = []
    monkeypatch.setattr(MaterialIndex, "warm", lambda self: warmed.append(self))
    prepare_worker(app)
    assert warmed == [index_for(app)]
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == SERVING_GC_THRESHOLDS
    shutdown(app)


def test_a_worker_starts_even_when_its_index_cannot_be_warmed(
    app: Flask, monkeypatch: pytest.MonkeyPatch, gc_state: object
) -> None:
    def unavailable(self: MaterialIndex) -> None:
        raise SearchIndexError("being rebuilt")

    monkeypatch.setattr(MaterialIndex, "warm", unavailable)
    prepare_worker(app)  # logs a warning; searches say "not available" themselves
    shutdown(app)


def test_a_forked_worker_opens_its_own_index_copy(app: Flask) -> None:
    index = index_for(app)
    pid = os.fork()
    if pid == 0:  # the child: the parent's copy (and its open files) must not be used
        os._exit(0 if "hub.index" not in app.extensions else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert index_for(app) is index  # the parent keeps its own
    shutdown(app)


def test_outbox_writers_take_positions_one_at_a_time(engine: Engine) -> None:
    # Readers take "position N seen" to mean no earlier row can still appear: a second
    # writer must not take a position while the first is uncommitted (SQLite: its write
    # lock; PostgreSQL: the outbox lock taken at the flush).
    indexing.track_changes()
    first, second = Session(engine), Session(engine)
    flushed = threading.Event()

    def write_second() -> None:
        second.add(IndexChange(material_id=-2))
        second.flush()
        flushed.set()

    try:
        first.add(IndexChange(material_id=-1))
        first.flush()
        writer = threading.Thread(target=write_second)
        writer.start()
        assert not flushed.wait(0.5), "a second writer took a position before the first ended"
        first.rollback()
        assert flushed.wait(10)
        writer.join()
    finally:
        second.rollback()
        first.close()
        second.close()


def test_a_reading_session_does_not_wait_for_a_writer(engine: Engine) -> None:
    # On SQLite every other transaction begins IMMEDIATE and would queue behind the writer
    # for the busy timeout (30 s); a search's session begins DEFERRED and reads at once.
    indexing.track_changes()
    writer = Session(engine)
    reader = Session(engine, execution_options={db.READS_ONLY: True})
    try:
        writer.add(IndexChange(material_id=-3))
        writer.flush()  # holds the write lock (SQLite), the outbox lock (PostgreSQL)
        started = time.monotonic()
        assert reader.scalar(select(func.count()).select_from(IndexChange)) is not None
        assert time.monotonic() - started < 5
    finally:
        writer.rollback()
        writer.close()
        reader.close()


def test_the_search_page_reads_without_taking_the_write_lock(app_config: dict[str, Any]) -> None:
    # Its own app on the test database, not bound to the test's connection (which holds a
    # transaction of its own for the whole test).
    application = create_app(app_config)
    indexing.track_changes()
    writer = application.extensions["hub.db"].new_session()
    try:
        writer.add(IndexChange(material_id=-4))
        writer.flush()
        started = time.monotonic()
        response = application.test_client().get("/search", query_string={"q": "malaria"})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert time.monotonic() - started < 5
    finally:
        writer.rollback()
        writer.close()
        shutdown(application)


def test_a_writer_commits_while_a_search_waits_for_the_index(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search keeps its read transaction while the index answers: it must hold nothing a
    writer waits for (SQLite's write lock, a PostgreSQL lock on the outbox)."""
    from hub.web import search as search_view
    from search_index import Results

    application = create_app(app_config)
    indexing.track_changes()
    waited: list[float] = []

    class WritingIndex:
        def search(self, *_args: Any, **_kwargs: Any) -> Results:
            writer = application.extensions["hub.db"].new_session()
            try:
                started = time.monotonic()
                writer.add(IndexChange(material_id=-5))
                writer.commit()
                waited.append(time.monotonic() - started)
                writer.query(IndexChange).filter_by(material_id=-5).delete()
                writer.commit()
            finally:
                writer.close()
            return Results([], 0, {}, None, 1, 20)

    monkeypatch.setattr(search_view, "index", lambda: WritingIndex())
    try:
        response = application.test_client().get("/search", query_string={"q": "malaria"})
        assert response.status_code == 200
        assert waited and waited[0] < 5
    finally:
        shutdown(application)
