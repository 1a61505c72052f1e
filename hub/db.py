"""The database engine and the per-request session.

Services take a ``Session`` argument; only the web layer and the CLI reach for ``session()``.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .models import READS_ONLY
from .services.errors import ServiceError

log = logging.getLogger(__name__)
T = TypeVar("T")

# The database's errors, as the web layer's handlers name them (hub.web imports no SQLAlchemy):
# any error of the database layer, and one its driver raised.
DatabaseError = SQLAlchemyError
DriverError = DBAPIError


# A forked process (gunicorn's workers, forked from a master whose index follower already
# talks to the database) must not use the connections it inherited: the parent uses the same
# sockets, and two processes speaking on one connection corrupt it for both. The child forgets
# them without closing them (SQLAlchemy's advice for os.fork) and opens its own.
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _forget_inherited_connections() -> None:
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


class Database:
    """Owns the engine and hands out sessions bound to it (or to a test's connection)."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            # Threads of the dev server share the file; SQLite enforces FKs only when asked.
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            # The connection used last comes back first: its memory map of the file already
            # holds the pages recent requests read (see MMAP_SIZE).
            kwargs["pool_use_lifo"] = True
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        _engines.add(self.engine)
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
        """A fresh session; the caller closes it (``reads_only``: see :data:`READS_ONLY`)."""
        if reads_only:
            return self._factory(execution_options={READS_ONLY: True}, info={READS_ONLY: True})
        return self._factory()

    def ping(self) -> None:
        """Raise if the database does not answer."""
        with self.new_session() as s:
            s.execute(text("SELECT 1"))


# Sessions that only read (every GET and HEAD request's, marked READS_ONLY): on SQLite their
# transactions begin DEFERRED, so they neither wait for a writer's lock nor hold one; a flush
# that would write through one raises WriteWhileReading.

#: Requests that only read (what they write on purpose goes through write_after_read).
READ_METHODS = frozenset({"GET", "HEAD"})


class WriteWhileReading(RuntimeError):
    """A session that only reads was about to write: a bug, never a person's mistake."""


def _refuse_writes(s: Session, _context: Any, _instances: Any) -> None:
    if not s.info.get(READS_ONLY):
        return
    if s.new or s.deleted or any(s.is_modified(o) for o in s.dirty):
        raise WriteWhileReading(
            "a GET or HEAD request's session only reads; a write it makes on purpose goes "
            "through hub.db.write_after_read"
        )


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
        event.listen(Session, "before_flush", _refuse_writes)
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
    """The session of the current request (or CLI command), created on first use.

    A GET or HEAD request's session only reads (:data:`READS_ONLY`): searches and pages
    neither wait behind a writer nor make one wait, and a write slipped into one fails
    loudly. What such a request writes on purpose goes through :func:`write_after_read`."""
    if "db_session" not in g:
        reading = has_request_context() and request.method in READ_METHODS
        g.db_session = database().new_session(reads_only=reading)
    s: Session = g.db_session
    return s


def committed(action: Callable[[], T]) -> T:
    """Run ``action`` (a service call) in the request's transaction and commit it; a refusal
    (``ServiceError``) rolls back everything, so nothing is saved half-way, and is raised on
    for the view to answer (a page, a flash, a problem document)."""
    s = session()
    try:
        result = action()
        s.commit()
    except ServiceError:
        s.rollback()
        raise
    return result


def write_after_read(action: Callable[[], T]) -> T:
    """Run ``action``, a write a reading request makes on purpose (counting a preview or a
    download, remembering a reader's place in a module, a page rendered once), in a
    transaction of its own that may write; ``action`` commits it (``perform`` does).

    The request's reading transaction ends first (it wrote nothing), and the next read
    begins a reading one again. In a request that may write anyway, ``action`` just runs."""
    s = session()
    if not s.info.get(READS_ONLY):
        return action()
    s.commit()
    s.info[READS_ONLY] = False
    try:
        # On SQLite the writing transaction begins IMMEDIATE: it waits for the write lock.
        s.connection(execution_options={READS_ONLY: False})
        return action()
    finally:
        if s.in_transaction():
            s.rollback()  # the action raised before its commit
        s.info[READS_ONLY] = True


def end_read_transaction() -> None:
    """End the request's transaction before a long wait on something else (the index).

    On SQLite a transaction begins IMMEDIATE, holding the write lock until it ends, and a
    request's session keeps its transaction to the end of the request: concurrent searches
    queued behind each other (4 clients at 100,000 materials: p95 1.2 s). Loaded objects
    stay usable (sessions do not expire them on commit); the next query begins anew.
    Only for requests that have written nothing yet.

    A request that only reads (:data:`READS_ONLY`) keeps its transaction: it began DEFERRED and
    holds no write lock (in WAL mode readers and the writer do not wait for each other; on
    PostgreSQL a read takes no lock a writer waits for), and ending it to begin another for
    the cards cost 0.5-0.8 ms of every search (measured at 100,000 materials).
    """
    if "db_session" in g and not g.db_session.info.get(READS_ONLY):
        g.db_session.commit()
