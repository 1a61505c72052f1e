"""Errors raised by :mod:`search_index`.

Every failure the library can foresee is one of these, so that callers (the hub's web
views, its CLI, the outbox follower) can catch :class:`SearchIndexError` and show the
message: each message is written for a person, not for a developer.
Whoosh's own exceptions (``LockError``, ``IndexError``, ``QueryParserError`` ...) are
translated at the boundary and never escape.
"""

from __future__ import annotations


class SearchIndexError(Exception):
    """Base class of every error this library raises on purpose."""


class QueryError(SearchIndexError, ValueError):
    """The search text cannot be understood; the message says what to change (in English).

    ``code`` names the problem and ``params`` its particulars, so that an application can
    say the same in its reader's language. The hub answers these with HTTP 400 and shows
    the message next to the search box.
    """

    def __init__(self, message: str, code: str = "unreadable", **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class IndexBusy(SearchIndexError):
    """Another writer (or another rebuild) holds the index copy's lock.

    Only one writer per index copy may run at a time; the hub's outbox follower is
    expected to retry later. Nothing was written.
    """


class IndexUnavailable(SearchIndexError):
    """The index folder cannot be used (missing, unreadable, or not an index).

    The message names the folder and says how to repair it (``hub index rebuild``).
    """


class IndexCorrupt(IndexUnavailable):
    """The index folder exists but its files are damaged or from an incompatible version."""
