"""Result cards: what search and the home page's shelves show of the materials they found.

The index finds materials; the database, through the policy, has the last word on each
(the index may lag a moment behind a change). A results page reads, for its twenty hits,
only the columns a card shows and the policy reads, in two Core queries and without ORM
objects: loading full versions, their materials, schools and grants cost more than a
third of the time the hub adds to the index's answer.

A :class:`CardCache` keeps what those two queries read (the policy's facts of each
material's current version, and its card) between requests, and asks the database on every
use whether it still holds: every change that can alter a material's facts or card writes
an outbox row in the change's own transaction (``services.indexing``), so a cached entry is
good exactly until an outbox row for its material appears. Each use reads the outbox's
head (one indexed ``max``); when it moved, the materials named since are dropped. The
policy's decision itself is never cached: it depends on the viewer and on the time.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from search_index import Hit, IndexUnavailable, QueryError, Results, SearchIndexError

from .. import policy
from ..models import (
    IndexChange,
    Material,
    MaterialVersion,
    School,
    VersionState,
)
from ..models.base import is_id


@dataclass(frozen=True)
class MaterialCard:
    """The current published version of a material, as a result card shows it.

    Its attributes carry the names of :class:`MaterialVersion`'s, so the templates'
    badges serve both. Frozen and hashable (tuples, not lists): pages remember markup
    drawn from a card by the card itself.
    """

    material_id: int
    version_id: int
    number: int
    title: str
    language: str
    other_languages: tuple[str, ...]
    level: str
    resource_type: str
    regions: tuple[str, ...]
    setting: tuple[str, ...]
    resources: tuple[str, ...]
    licence: str
    school_name: str


#: A material's current published version: the facts the policy decides on, and its card.
#: None: the material has no published version (or no longer exists).
CardEntry = tuple[policy.MaterialFacts, MaterialCard] | None

_CARD_COLUMNS = (
    MaterialVersion.material_id,
    MaterialVersion.number,
    MaterialVersion.title,
    MaterialVersion.language,
    MaterialVersion.other_languages,
    MaterialVersion.level,
    MaterialVersion.resource_type,
    MaterialVersion.regions,
    MaterialVersion.setting,
    MaterialVersion.resources,
    School.name,
)  # with the licence, which the facts read too


def outbox_head(session: Session) -> int:
    """The newest outbox position (0 for an empty outbox)."""
    return session.scalar(select(func.max(IndexChange.id))) or 0


class CardCache:
    """Cards and policy facts of materials, kept while the outbox says they still hold.

    One per process (the app keeps it), shared by its threads. At most ``size`` materials
    are kept; the oldest go first. Writers of the outbox must commit in position order
    (SQLite serialises writers; on PostgreSQL ``services.indexing`` locks the outbox), so
    that a position, once seen, has no earlier change still to appear.
    """

    #: A jump of more outbox rows than this empties the cache instead of reading them.
    MAX_CHANGES_READ = 5_000

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._entries: dict[int, CardEntry] = {}
        self._school_names: dict[int, str] = {}
        self._position: int | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def at_head(self, session: Session) -> CardSnapshot:
        """Bring the cache up to the outbox's head and return it as of that position.

        Entries are stored only for the position they were read at (see :meth:`store`):
        a thread that read before a change cannot put its older copy back afterwards.
        """
        head = outbox_head(session)
        with self._lock:
            if head == self._position:
                return CardSnapshot(self, head)
            if self._position is None or head < self._position:
                # First use, or a database put back to an earlier state: nothing is known.
                self._clear()
            elif head - self._position > self.MAX_CHANGES_READ:
                self._clear()
            else:
                changed = session.scalars(
                    select(IndexChange.material_id)
                    .where(IndexChange.id > self._position, IndexChange.id <= head)
                    .distinct()
                )
                for material_id in changed:
                    self._entries.pop(material_id, None)
                # A school's name changes with an outbox row for each of its materials;
                # names are few and cheap to read again.
                self._school_names.clear()
            self._position = head
            return CardSnapshot(self, head)

    def _clear(self) -> None:
        self._entries.clear()
        self._school_names.clear()

    def known(self, material_ids: Iterable[int]) -> dict[int, CardEntry]:
        """The entries held for these materials (those not held are left out)."""
        entries = self._entries
        return {i: entries[i] for i in material_ids if i in entries}

    def store(self, position: int, entries: dict[int, CardEntry]) -> None:
        """Keep entries read at ``position``, unless the cache has moved on since."""
        with self._lock:
            if position != self._position:
                return
            self._entries.update(entries)
            overflow = len(self._entries) - self.size
            if overflow > 0:
                for material_id in list(itertools.islice(self._entries, overflow)):
                    del self._entries[material_id]

    def known_names(self, school_ids: Iterable[int]) -> dict[int, str]:
        """The names held for these schools (those not held are left out)."""
        names = self._school_names
        return {i: names[i] for i in school_ids if i in names}

    def store_names(self, position: int, names: dict[int, str]) -> None:
        """Keep school names read at ``position``, unless the cache has moved on since."""
        with self._lock:
            if position == self._position:
                self._school_names.update(names)


@dataclass(frozen=True)
class CardSnapshot:
    """The cache as of one outbox position, for one request (see :meth:`CardCache.at_head`).

    Take it when the request reads the viewer, and use it after the index has answered:
    what the cache holds is then as new as the database was at that moment, or newer.
    """

    cache: CardCache
    position: int

    def entries(self, session: Session, material_ids: Sequence[int]) -> dict[int, CardEntry]:
        """The entry of each material: from the cache, the rest read and kept."""
        entries = self.cache.known(material_ids)
        missing = [i for i in material_ids if i not in entries]
        if missing:
            read = _read_entries(session, missing)
            self.cache.store(self.position, read)
            entries.update(read)
        return entries

    def school_names(self, session: Session, ids: Iterable[int]) -> dict[int, str]:
        """School id -> name for these schools."""
        wanted = set(ids)
        names = self.cache.known_names(wanted)
        missing = wanted - names.keys()
        if missing:
            found: dict[int, str] = {
                school_id: name
                for school_id, name in session.execute(
                    select(School.id, School.name).where(School.id.in_(missing))
                )
            }
            names.update(found)
            self.cache.store_names(self.position, found)
        return names


def _current_versions(material_ids: Sequence[int]) -> Select[*tuple[Any, ...]]:
    """The policy's facts and the card of each material's published versions, oldest first:
    the last row of a material is its current version."""
    return (
        select(*policy.FACT_COLUMNS, *_CARD_COLUMNS)
        .join(Material, Material.id == MaterialVersion.material_id)
        .join(School, School.id == Material.school_id)
        .where(
            MaterialVersion.material_id.in_(material_ids),
            MaterialVersion.state == VersionState.PUBLISHED,
        )
        .order_by(MaterialVersion.id)
    )


def _read_entries(session: Session, material_ids: Sequence[int]) -> dict[int, CardEntry]:
    """The entry of each material, from the database (None where none is published)."""
    width = len(policy.FACT_COLUMNS)
    rows = session.execute(_current_versions(material_ids)).all()
    entries: dict[int, CardEntry] = dict.fromkeys(material_ids)
    for row, facts in zip(rows, policy.published_facts(session, rows), strict=True):
        material_id = facts.material_id
        # The card's columns, in the order of _CARD_COLUMNS; the licence is a fact's.
        (
            _, number, title, language, other_languages, level, resource_type,
            regions, setting, resources, school_name,
        ) = row[width:]  # fmt: skip
        card = MaterialCard(
            material_id=material_id,
            version_id=row[0],
            number=number,
            title=title,
            language=language,
            other_languages=tuple(other_languages),
            level=level,
            resource_type=resource_type,
            regions=tuple(regions),
            setting=tuple(setting),
            resources=tuple(resources),
            licence=facts.licence,
            school_name=school_name,
        )
        entries[material_id] = (facts, card)
    return entries


def discoverable_cards(
    session: Session,
    viewer: policy.Viewer,
    material_ids: Sequence[int],
    cached: CardSnapshot | None = None,
) -> list[MaterialCard | None]:
    """The card of each material's current version, or None where the viewer may not
    discover it (or it has no published version), in the order of ``material_ids``.

    With ``cached`` (a snapshot of the process's :class:`CardCache`), what it holds is not
    read again."""
    if not material_ids:
        return []
    ids = list(dict.fromkeys(material_ids))
    entries = _read_entries(session, ids) if cached is None else cached.entries(session, ids)
    cards: dict[int, MaterialCard] = {}
    for material_id, entry in entries.items():
        if entry is not None and policy.decide(viewer, entry[0], "discover"):
            cards[material_id] = entry[1]
    return [cards.get(i) for i in material_ids]


# The search page ---------------------------------------------------------------------------

#: A facet group shows its values with the most hits (and those chosen) and folds the rest
#: under "Show N more"; it lists at most FACET_VALUES_LISTED values in all.
FACET_VALUES_FIRST = 5
FACET_VALUES_LISTED = 60


@dataclass(frozen=True)
class SearchQuery:
    """What a person asked the search page for."""

    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class FoundCard:
    """A result card with the index's highlights: the title and a snippet, HTML where the
    search words are marked (the index escapes them), None where nothing was marked."""

    card: MaterialCard
    title: Markup | None
    snippet: Markup | None


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet group, with how many of the person's results have it."""

    value: str
    count: int
    chosen: bool


@dataclass(frozen=True)
class FacetGroup:
    """A facet's values: those with the most hits and those chosen (``first``, in the
    index's order, so that unticking never needs "Show more"), and the rest (``more``)."""

    facet: str
    first: list[FacetValue]
    more: list[FacetValue]


@dataclass(frozen=True)
class SearchPage:
    """What the search page shows. ``error``: the search cannot be run as written;
    ``unavailable``: the index cannot answer just now (both: no results)."""

    query: SearchQuery
    cards: list[FoundCard] = field(default_factory=list)
    facets: dict[str, FacetGroup] = field(default_factory=dict)
    school_names: dict[str, str] = field(default_factory=dict)
    total: int = 0
    pages: int = 1
    suggestion: str | None = None
    error: QueryError | None = None
    unavailable: bool = False

    @property
    def answered(self) -> bool:
        """Whether the index answered (results to show, perhaps none)."""
        return self.error is None and not self.unavailable


#: The index's search (``search_index.MaterialIndex.search`` or a stand-in for it).
Searcher = Callable[..., Results]


def search_page(
    session: Session,
    viewer: policy.Viewer,
    query: SearchQuery,
    *,
    search: Searcher,
    cached: CardSnapshot,
) -> SearchPage:
    """Search for ``viewer`` and read the page's cards and facets.

    ``search`` is the index's search (it filters by the viewer's tokens); the policy then
    decides each card again, from the database as of ``cached`` (the process's card cache,
    taken when the viewer was read). Facet counts are the index's, which only ever counts
    what the viewer may see."""
    try:
        results = search(
            query.text,
            person_tokens=policy.viewer_tokens(viewer),
            filters=query.filters,
            sort=query.sort,
            page=query.page,
            page_size=query.page_size,
        )
    except QueryError as exc:
        return SearchPage(query, error=exc)
    except (IndexUnavailable, SearchIndexError, OSError):
        return SearchPage(query, unavailable=True)
    decided = discoverable_cards(session, viewer, [int(h.id) for h in results.hits], cached)
    cards = [
        FoundCard(card, _marked(hit, "title"), _marked(hit, "summary") or _marked(hit, "body"))
        for hit, card in zip(results.hits, decided, strict=True)
        if card is not None
    ]
    facets = {
        facet: _facet_group(facet, values, query.filters.get(facet, []))
        for facet, values in results.facets.items()
        if values
    }
    # Names of the schools a facet value or a filter shows, not of every school.
    schools = facets.get("school")
    shown = {v.value for v in schools.first + schools.more} if schools else set()
    shown.update(query.filters.get("school", []))
    school_ids = [int(v) for v in shown if is_id(v)]
    names = {str(k): v for k, v in cached.school_names(session, school_ids).items()}
    return SearchPage(
        query,
        cards=cards,
        facets=facets,
        school_names=names,
        total=results.total,
        pages=results.pages,
        suggestion=results.suggestion,
    )


def _marked(hit: Hit, part: str) -> Markup | None:
    html = hit.highlights.get(part)
    return Markup(html) if html else None  # noqa: S704 - the index escapes the text it marks


def _facet_group(facet: str, values: list[tuple[str, int]], chosen: list[str]) -> FacetGroup:
    """A facet's values, the long tail folded (at most FACET_VALUES_LISTED, and those chosen)."""
    listed = values[:FACET_VALUES_LISTED] + [
        (value, count) for value, count in values[FACET_VALUES_LISTED:] if value in chosen
    ]
    every = [FacetValue(value, count, value in chosen) for value, count in listed]
    first = [v for i, v in enumerate(every) if i < FACET_VALUES_FIRST or v.chosen]
    more = [v for i, v in enumerate(every) if i >= FACET_VALUES_FIRST and not v.chosen]
    if len(more) == 1:  # "Show 1 more" would take as much room as the value itself
        return FacetGroup(facet, every, [])
    return FacetGroup(facet, first, more)
