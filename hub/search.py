"""The app's copy of the search index, kept up to date after every commit that changed it."""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from search_index import (
    FACETS,
    SORTS,
    Hit,
    IndexUnavailable,
    MaterialIndex,
    QueryError,
    SearchIndex,
    SearchIndexError,
    open_index_url,
)

from . import db
from .services import indexing
from .services.discovery import CardCache

# What pages need of the search library comes through here (hub.web imports it from hub only).
__all__ = [
    "FACETS", "SORTS", "Hit", "IndexUnavailable", "MaterialIndex", "QueryError", "SearchIndex",
    "SearchIndexError", "card_cache", "catch_up_now", "index", "index_for", "init_app",
    "search_url", "shutdown",
]  # fmt: skip

log = logging.getLogger("hub.search")
#: How long a catch-up after a request waits for another writer of the index copy.
REQUEST_LOCK_TIMEOUT_S = 0.5
_open_lock = threading.Lock()


def search_url(app: Flask) -> str:
    """Where the app's index is (``HUB_SEARCH_URL``; Whoosh in ``HUB_INDEX_PATH`` by default)."""
    return str(app.config.get("HUB_SEARCH_URL") or f"whoosh://{app.config['HUB_INDEX_PATH']}")


def index_for(app: Flask) -> SearchIndex:
    """This process's index copy (opened once: a Whoosh searcher costs 60-300 ms to open)."""
    index: SearchIndex | None = app.extensions.get("hub.index")
    if index is None:
        with _open_lock:
            index = app.extensions.get("hub.index")
            if index is None:
                index = open_index_url(search_url(app))
                app.extensions["hub.index"] = index
                _apps_with_index.add(app)
    return index


# A forked worker opens its own index copy: open files would share their read offsets with
# the parent's (which may be following the outbox, as `hub serve` does).
_apps_with_index: weakref.WeakSet[Flask] = weakref.WeakSet()


def _forget_indexes() -> None:
    for app in list(_apps_with_index):
        app.extensions.pop("hub.index", None)


os.register_at_fork(after_in_child=_forget_indexes)


def index() -> SearchIndex:
    """The current app's index copy."""
    return index_for(current_app._get_current_object())  # type: ignore[attr-defined]


def card_cache() -> CardCache:
    """This process's cache of result cards (kept valid by the outbox, see ``discovery``)."""
    cache: CardCache = current_app.extensions["hub.cards"]
    return cache


def _after_commit(session: Session) -> None:
    if session.info.pop("hub.outbox_written", False) and has_app_context():
        g.hub_index_dirty = True


def init_app(app: Flask) -> None:
    """Apply the outbox right after a request's commit, as a job (best effort; the follower
    does the rest)."""
    indexing.track_changes()
    app.extensions["hub.cards"] = CardCache()
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)

    @app.teardown_request
    def _catch_up(_exc: BaseException | None) -> None:
        if not g.pop("hub_index_dirty", False):
            return
        # The request's own session ends first: on SQLite a read after its commit began a
        # new transaction holding the write lock, which the catch-up's connection would
        # wait on for the whole busy timeout (teardowns run in reverse order of registration).
        db.close_request_session()
        # In this process, not as a job: the index copy may be this host's own (Whoosh), and
        # the person who made the change finds it on their next page, whatever the queue holds.
        catch_up_now(app)


def catch_up_now(app: Flask, lock_timeout: float = REQUEST_LOCK_TIMEOUT_S) -> int:
    """Apply pending changes to this process's copy; never lets an error reach a person."""
    session = db.database(app).new_session()
    try:
        return indexing.catch_up(session, index_for(app), lock_timeout=lock_timeout)
    except (SearchIndexError, OSError, SQLAlchemyError):
        # Another writer, a full disk, a busy or lost database...: `hub index follow` catches
        # up; the person's answer is already made and searches go on.
        log.exception("could not update the search index now; the follower will")
        return 0
    finally:
        session.close()


def shutdown(app: Flask) -> Any:
    """Close the index copy (tests, CLI)."""
    index: SearchIndex | None = app.extensions.pop("hub.index", None)
    if index is not None:
        index.close()
