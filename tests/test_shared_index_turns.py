"""Hosts writing one shared search index (Typesense) take turns applying the outbox, by a
PostgreSQL advisory lock: a host whose turn does not come applies nothing (the host holding
the turn goes on to the same rows), so no host writes an older document over a newer one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from hub.services import indexing
from search_index import MaterialIndex, open_index
from tests.factories import make_material


@pytest.fixture()
def index(tmp_path: Path) -> Iterator[MaterialIndex]:
    copy = open_index(tmp_path / "index")
    yield copy
    copy.close()


@pytest.fixture()
def pg_session(session: Session) -> Session:
    if session.connection().dialect.name != "postgresql":
        pytest.skip("the turns are PostgreSQL advisory locks (HUB_TEST_DATABASE_URL)")
    make_material(session, title="Oral rehydration", grants=[("public", [], "view")])
    session.commit()
    return session


@contextmanager
def _hold_turn(engine: Engine, index: MaterialIndex) -> Iterator[None]:
    with engine.connect() as other, other.begin():
        other.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": indexing.turn_key(index)})
        yield


def test_a_host_whose_turn_does_not_come_applies_nothing(
    pg_session: Session, engine: Engine, index: MaterialIndex
) -> None:
    index.shared = True
    with _hold_turn(engine, index):
        assert indexing.catch_up(pg_session, index, lock_timeout=0.2) == 0
    assert index.position == 0 and index.doc_count() == 0


def test_a_host_applies_the_outbox_once_the_turn_is_free(
    pg_session: Session, engine: Engine, index: MaterialIndex
) -> None:
    index.shared = True
    with _hold_turn(engine, index):
        pass  # another host's turn came and went
    assert indexing.catch_up(pg_session, index, lock_timeout=0.2) > 0
    assert index.doc_count() == 1


def test_a_host_s_own_copy_does_not_wait_for_the_turn(
    pg_session: Session, engine: Engine, index: MaterialIndex
) -> None:
    with _hold_turn(engine, index):  # the copy is this host's: its own lock suffices
        assert indexing.catch_up(pg_session, index, lock_timeout=0.2) > 0
    assert index.doc_count() == 1
