"""CI's PostgreSQL run selects the tests marked ``database`` (``-m database``): every test that
reaches the database under test is marked, from its fixtures, and no other."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session


def test_a_test_that_reaches_the_database_through_another_fixture_is_marked(
    request: pytest.FixtureRequest, session: Session
) -> None:
    assert request.node.get_closest_marker("database") is not None


def test_a_test_that_asks_for_the_database_url_is_marked(
    request: pytest.FixtureRequest, database_url: str
) -> None:
    assert request.node.get_closest_marker("database") is not None


def test_a_test_without_the_database_is_not_marked(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("database") is None


def test_every_postgresql_test_is_marked(request: pytest.FixtureRequest) -> None:
    """The tests that need PostgreSQL are the ones the PostgreSQL run must not leave out."""
    items: list[Any] = request.session.items
    needing = [
        item
        for item in items
        if item.get_closest_marker("postgres") or item.get_closest_marker("multihost")
    ]
    if not needing:
        pytest.skip("the PostgreSQL tests are not in this run (the whole suite has them)")
    assert [item.nodeid for item in needing if item.get_closest_marker("database") is None] == []
