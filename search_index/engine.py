"""The interface every search engine of the library offers, and choosing one by URL.

Two engines implement :class:`SearchIndex`: Whoosh in a local folder
(:class:`search_index.MaterialIndex`, the default) and a Typesense collection
(:class:`search_index.typesense_engine.TypesenseIndex`, for several hosts). The same
contract tests (``tests/search_index/test_contract.py``) run on both; where an engine
cannot do what the other does, the contract says so (see :data:`REFUSED_BY_ENGINE`).

URLs::

    whoosh:///absolute/path/to/folder          (a bare path means the same)
    typesense://key@host:port,host:port/collection
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Self
from urllib.parse import unquote, urlsplit

from search_index.documents import CheckReport, IndexedMaterial, Results
from search_index.searching import Request, check_request

ProgressFn = Callable[[int, int | None], None]

#: Default lock wait of :meth:`SearchIndex.apply` (seconds).
DEFAULT_LOCK_TIMEOUT = 10.0

#: Search-box constructs an engine refuses with a :class:`~search_index.QueryError` (its
#: ``code``), by URL scheme. Everything else of :mod:`search_index.querying` maps.
REFUSED_BY_ENGINE: dict[str, frozenset[str]] = {
    "whoosh": frozenset(),
    # Typesense 0.24's filters match whole terms only, and its prefix search covers only
    # the last word of its own query: "cardio*" cannot be combined with the rest.
    "typesense": frozenset({"prefix-unsupported"}),
}


class SearchIndex(ABC):
    """A materials index: what the hub searches and keeps up to date, whatever the engine.

    Open one with :func:`open_index_url` (or :func:`search_index.open_index` for a Whoosh
    folder); build a new one with :func:`rebuild_url`. Also a context manager.
    """

    #: The URL scheme of the engine (``"whoosh"``, ``"typesense"``).
    engine: str = ""
    #: Whether several hosts write this one index. Their writes must then take turns outside
    #: the engine (the hub does it in the database it shares): a local copy has its own lock.
    shared: bool = False

    def search(
        self,
        query_text: str,
        *,
        person_tokens: Collection[str],
        filters: Mapping[str, Collection[str]] | None = None,
        sort: str = "relevance",
        page: int = 1,
        page_size: int = 20,
        facets: bool = True,
        highlights: bool = True,
    ) -> Results:
        """Search the materials a person may see.

        ``person_tokens``: the person's access tokens (from the hub's policy module). A
        material is found only if it holds at least one of them; no tokens, no results.
        ``query_text``: search-box text (see :mod:`search_index.querying`); empty (or a
        lone ``*``) browses everything the person may see.
        ``filters``: facet name (one of :data:`FACETS`) to accepted values; a material must
        have one of the values of every filtered facet. ``sort``: ``"relevance"`` (when
        browsing: newest first), ``"newest"`` or ``"most_used"``; ties by relevance.

        Facet counts cover the materials the person may see that match the query and the
        filters of the *other* facets (disjunctive faceting: choosing ``fr`` under
        language still shows how many there are in ``es``). A filtered facet's selected
        values are listed even at count 0, so they can be shown and removed.

        ``facets=False`` skips the counts (``Results.facets`` is then empty) and
        ``highlights=False`` the snippets, for callers that do not show them.

        Raises :class:`QueryError` (message for a person) for text, filters, sort or paging
        that cannot be used.
        """
        request = check_request(query_text, person_tokens, filters, sort, page, page_size)
        return self._search(request, facets=facets, highlights=highlights)

    @abstractmethod
    def _search(self, request: Request, *, facets: bool, highlights: bool) -> Results:
        """Answer a checked request: the engine's part of :meth:`search`."""

    @abstractmethod
    def apply(
        self,
        upserts: Iterable[IndexedMaterial],
        deletes: Iterable[str],
        *,
        position: int | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> bool:
        """Add or replace ``upserts`` and remove ``deletes``; with ``position``, record it
        and skip a batch not beyond the recorded one (returns False)."""

    @property
    @abstractmethod
    def position(self) -> int:
        """The outbox position recorded by the last apply or rebuild (0 when new)."""

    @abstractmethod
    def fingerprints(self) -> dict[str, str]:
        """Every indexed material's id and fingerprint."""

    @abstractmethod
    def refresh(self, *, wait: bool = True) -> bool:
        """Pick up changes made elsewhere; True when something was reopened."""

    @abstractmethod
    def warm(self) -> None:
        """Prepare caches ahead of the first search (a no-op where there are none)."""

    @abstractmethod
    def doc_count(self) -> int:
        """Number of materials in the index."""

    @abstractmethod
    def close(self) -> None:
        """Release what the index object holds; it cannot be used afterwards."""

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the index is, for messages (a folder, or a URL without its key)."""

    def check(self, expected: Mapping[str, str]) -> CheckReport:
        """Compare the index with ``expected`` (id -> fingerprint, from the database)."""
        actual = self.fingerprints()
        return CheckReport(
            missing=sorted(k for k in expected if k not in actual),
            stale=sorted(k for k, v in expected.items() if k in actual and actual[k] != v),
            extra=sorted(k for k in actual if k not in expected),
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def scheme_of(url: str | os.PathLike[str]) -> str:
    """The engine a URL names: ``"whoosh"`` (also for a bare path) or ``"typesense"``."""
    text = os.fspath(url)
    scheme = urlsplit(text).scheme.lower() if "://" in text else ""
    if scheme in ("", "whoosh", "file"):
        return "whoosh"
    if scheme == "typesense":
        return "typesense"
    raise ValueError(
        f"Unknown search engine in {text!r}: use whoosh:///folder or "
        "typesense://key@host:port/collection."
    )


def whoosh_path(url: str | os.PathLike[str]) -> Path:
    """The folder of a ``whoosh:///folder`` URL (or of a bare path; ``whoosh://folder`` is
    a relative one)."""
    text = os.fspath(url)
    return Path(unquote(text.split("://", 1)[1]) if "://" in text else text)


def check_url(url: str) -> None:
    """Raise ValueError, saying what is wrong, when ``url`` names no usable index."""
    if scheme_of(url) == "typesense":
        from search_index.typesense_engine import Address

        Address.parse(url)
    elif "://" in url and not url.split("://", 1)[1]:
        raise ValueError(f"No folder in the search URL {url!r}: use whoosh:///folder.")


def describe_url(url: str) -> str:
    """``url`` for messages: a Whoosh folder, or a Typesense URL without its key."""
    if scheme_of(url) == "typesense":
        from search_index.typesense_engine import Address

        return str(Address.parse(url))
    return str(whoosh_path(url))


def open_index_url(url: str | os.PathLike[str]) -> SearchIndex:
    """Open the index a URL names, creating an empty one if missing (see the module doc).

    Raises :class:`~search_index.IndexUnavailable` when the engine cannot be reached or
    used, with what to repair.
    """
    if scheme_of(url) == "typesense":
        from search_index.typesense_engine import open_typesense

        return open_typesense(os.fspath(url))
    from search_index.index import open_index

    return open_index(whoosh_path(url))


def rebuild_url(
    url: str | os.PathLike[str],
    documents: Iterable[IndexedMaterial],
    *,
    position: int,
    total: int | None = None,
    progress: ProgressFn | None = None,
    procs: int = 1,
) -> SearchIndex:
    """Build a new index of ``documents`` at ``url`` and swap it in while searches go on
    (a new Whoosh generation, or a new Typesense collection behind the alias); see
    :func:`search_index.rebuild` for ``position``, ``progress`` and ``procs``."""
    if scheme_of(url) == "typesense":
        from search_index.typesense_engine import rebuild_typesense

        return rebuild_typesense(
            os.fspath(url), documents, position=position, total=total, progress=progress
        )
    from search_index.index import rebuild

    return rebuild(
        whoosh_path(url), documents, position=position, total=total, progress=progress,
        procs=procs,
    )  # fmt: skip
