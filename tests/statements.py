"""Counting what a piece of code asks the database: the tests that say a page or a read costs
one query (or a number that does not grow with the rows shown)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Connection, event


@contextlib.contextmanager
def statements_sent(connection: Connection) -> Iterator[list[str]]:
    """The SQL statements sent through ``connection`` while inside, in order."""
    sent: list[str] = []

    def keep(*args: object) -> None:
        sent.append(str(args[2]))  # (connection, cursor, statement, parameters, ...)

    event.listen(connection, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(connection, "before_cursor_execute", keep)
