"""The database engine and the per-request session.

Services take a ``Session`` argument; only the web layer and the CLI reach for ``session()``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


class Database:
    """Owns the engine and hands out sessions bound to it (or to a test's connection)."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            # Threads of the dev server share the file; SQLite enforces FKs only when asked.
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            # The connection used last comes back first: its memory map of the file already
            # holds the pages recent requests read (see map_pages).
            kwargs["pool_use_lifo"] = True
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
            # pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit BEGIN.
            # IMMEDIATE: a transaction takes the write lock at its start and waits for it
            # (busy timeout), instead of failing with "database is locked" when two requests
            # that read first try to write at once. Views keep transactions short (uploads
            # end theirs before streaming), and PostgreSQL is the choice for heavy use.
            # A session that only reads (see reads_only) begins DEFERRED and holds no write lock.
            event.listen(self.engine, "begin", _begin_sqlite)
        self._bind: Engine | Connection = self.engine
        self._factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    def bind_to(self, connection: Connection | None) -> None:
        """Route every new session through ``connection`` (tests: one savepoint per test)."""
        self._bind = connection if connection is not None else self.engine
        if connection is None:
            self._factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        else:
            self._factory = sessionmaker(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )

    def new_session(self, *, reads_only: bool = False) -> Session:
        """A fresh session; the caller closes it (``reads_only``: see :func:`reads_only`)."""
        if reads_only:
            return self._factory(execution_options={READS_ONLY: True})
        return self._factory()

    def map_pages(self, tables: Iterable[Table]) -> int:
        """SQLite: read these tables and their indexes once through a pooled connection, so
        that its memory map of the database file holds their pages; the number of tables read.

        Each connection maps the file for itself, and the first read of each page in a map
        costs a page fault: in a new worker, a results page whose cards it never read took
        0.2-0.6 ms more for that (measured at 100,000 materials, where reading these tables
        takes about 80 ms). Nothing on other databases, nor when the file is larger than
        the map."""
        path = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or not path or path == ":memory:":
            return 0
        if Path(path).stat().st_size > MMAP_SIZE:
            return 0
        tables = list(tables)
        with self.engine.connect().execution_options(**{READS_ONLY: True}) as connection:
            quoted = connection.dialect.identifier_preparer.quote
            for table in tables:
                name = quoted(table.name)
                for _row in connection.exec_driver_sql(f"SELECT * FROM {name}"):
                    pass
                for index in table.indexes:  # a count over an index reads all its pages
                    by = quoted(str(index.name))
                    connection.exec_driver_sql(f"SELECT count(*) FROM {name} INDEXED BY {by}")
        return len(tables)

    def ping(self) -> None:
        """Raise if the database does not answer."""
        with self.new_session() as s:
            s.execute(text("SELECT 1"))


#: Execution option of sessions that only read: on SQLite their transactions begin DEFERRED.
READS_ONLY = "hub_reads_only"


def _begin_sqlite(conn: Connection) -> None:
    reading = conn.get_execution_options().get(READS_ONLY)
    conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


#: How much of an SQLite database file each connection maps into memory.
MMAP_SIZE = 256 * 1024 * 1024


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Reads straight from the file's pages in memory, not copied through read() calls into
    # each connection's small cache: a results page looks up its cards at random places.
    cursor.execute(f"PRAGMA mmap_size={MMAP_SIZE}")
    cursor.close()


def init_app(app: Flask, database: Database) -> None:
    """Attach ``database`` to ``app`` and close the request's session at teardown."""
    app.extensions["hub.db"] = database

    def _close_session(_exc: BaseException | None) -> None:
        close_request_session()

    # A request may run inside an app context that outlives it (tests, CLI): close at both ends.
    app.teardown_request(_close_session)
    app.teardown_appcontext(_close_session)
    if not event.contains(Session, "after_commit", _remember_commit):
        event.listen(Session, "after_flush", _remember_write)
        event.listen(Session, "after_commit", _remember_commit)
        event.listen(Session, "after_rollback", _forget_write)


def _remember_write(s: Session, _context: Any) -> None:
    s.info["hub.wrote"] = True


def _forget_write(s: Session) -> None:
    s.info.pop("hub.wrote", None)


def _remember_commit(s: Session) -> None:
    if s.info.pop("hub.wrote", False) and has_app_context() and g.get("db_session") is s:
        g.hub_committed = True


def request_committed() -> bool:
    """Whether the current request's session has committed something (a lost connection
    afterwards cannot mean that nothing was saved)."""
    return bool(g.get("hub_committed", False))


def close_request_session() -> None:
    """End the current request's session (its transaction and its connection), if it has one.

    At teardown the answer is already made: a connection that broke meanwhile (a database
    restarted) is logged, never turned into an error page in place of that answer."""
    s = g.pop("db_session", None)
    if s is None:
        return
    try:
        s.close()
    except SQLAlchemyError:
        log.warning("the request's database session did not close cleanly", exc_info=True)


def connection_dropped(exc: BaseException) -> bool:
    """Whether ``exc`` says the request's database connection was lost on the way (a backend
    terminated, the server restarted), rather than that the statement was wrong.

    SQLAlchemy marks such errors (``connection_invalidated``) and discards the connection;
    PostgreSQL's "connection exception" (08) and "operator intervention" (57P) classes are
    counted too, whichever layer raised them."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, _PSYCOPG_OPERATIONAL):
        return False
    state = getattr(orig, "sqlstate", None)
    return state is None or state.startswith(("08", "57P"))


try:  # PostgreSQL's driver is an optional dependency
    from psycopg import OperationalError as _PsycopgOperationalError

    _PSYCOPG_OPERATIONAL: tuple[type[BaseException], ...] = (_PsycopgOperationalError,)
except ImportError:  # pragma: no cover - installed without the postgres extra
    _PSYCOPG_OPERATIONAL = ()


def database(app: Flask | None = None) -> Database:
    """The database of ``app`` (by default the current app's)."""
    db: Database = (app or current_app).extensions["hub.db"]
    return db


def session() -> Session:
    """The session of the current request (or CLI command), created on first use."""
    if "db_session" not in g:
        g.db_session = database().new_session(reads_only=g.get("hub_reads_only", False))
    s: Session = g.db_session
    return s


def reads_only() -> None:
    """Declare, before anything reads the database, that the current request only reads
    (search): on SQLite its transactions then begin DEFERRED, so it neither waits for a
    writer's lock nor holds one (searches went on waiting behind any write, up to the
    busy timeout). Its session must write nothing."""
    g.hub_reads_only = True


def end_read_transaction() -> None:
    """End the request's transaction before a long wait on something else (the index).

    On SQLite a transaction begins IMMEDIATE, holding the write lock until it ends, and a
    request's session keeps its transaction to the end of the request: concurrent searches
    queued behind each other (4 clients at 100,000 materials: p95 1.2 s). Loaded objects
    stay usable (sessions do not expire them on commit); the next query begins anew.
    Only for requests that have written nothing yet.

    A request that declared :func:`reads_only` keeps its transaction: it began DEFERRED and
    holds no write lock (in WAL mode readers and the writer do not wait for each other; on
    PostgreSQL a read takes no lock a writer waits for), and ending it to begin another for
    the cards cost 0.5-0.8 ms of every search (measured at 100,000 materials).
    """
    if "db_session" in g and not g.get("hub_reads_only", False):
        g.db_session.commit()
