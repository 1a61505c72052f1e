"""Result cards: what search and the home page's shelves show of the materials they found.

The index finds materials; the database, through the policy, has the last word on each
(the index may lag a moment behind a change). A results page reads, for its twenty hits,
only the columns a card shows and the policy reads, in two queries and without ORM
objects: this is on the path of every search, where loading full versions, their
materials, schools and grants cost more than a third of the time the hub adds to the
index's answer.

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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from .. import policy
from ..models import (
    AudienceGrant,
    IndexChange,
    Material,
    MaterialVersion,
    Person,
    School,
    VersionState,
)
from ..models.queries import IdListSelect


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


# The same SQL on every database; on the DB-API cursor, since every search reads it (Core's
# execution of a max() cost ten times what SQLite does: 0.12 against 0.012 ms).
_OUTBOX_HEAD = f"SELECT max({IndexChange.id.key}) FROM {IndexChange.__tablename__}"


def outbox_head(session: Session) -> int:
    """The newest outbox position (0 for an empty outbox)."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(_OUTBOX_HEAD)
        row = cursor.fetchone()
    finally:
        cursor.close()
    return int(row[0] or 0) if row else 0


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


#: The tables a results page reads: the signed-in person, the cards and their grants.
RESULTS_PAGE_TABLES: tuple[Table, ...] = tuple(
    cast(Table, model.__table__)
    for model in (Person, School, Material, MaterialVersion, AudienceGrant)
)

# Run on the DB-API cursor (see IdListSelect): a results page reads them for every search
# whose cards the cache does not hold.
_CURRENT_VERSIONS = IdListSelect(
    lambda ids: (
        select(*policy.FACT_COLUMNS, *_CARD_COLUMNS)
        .join(Material, Material.id == MaterialVersion.material_id)
        .join(School, School.id == Material.school_id)
        .where(
            MaterialVersion.material_id.in_(ids),
            MaterialVersion.state == VersionState.PUBLISHED,
        )
        # Oldest first: the last row of a material is its current version.
        .order_by(MaterialVersion.id)
    )
)
_GRANTS = IdListSelect(
    lambda ids: select(*policy.GRANT_COLUMNS).where(AudienceGrant.material_id.in_(ids))
)


def _read_entries(session: Session, material_ids: Sequence[int]) -> dict[int, CardEntry]:
    """The entry of each material, from the database (None where none is published)."""
    connection = session.connection()
    width = len(policy.FACT_COLUMNS)
    current = {row[width]: row for row in _CURRENT_VERSIONS.rows(connection, material_ids)}
    grants: dict[int, list[policy.Grant]] = defaultdict(list)
    for material_id, *columns in _GRANTS.rows(connection, list(current)):
        grants[material_id].append(policy.grant_from_columns(*columns))
    entries: dict[int, CardEntry] = dict.fromkeys(material_ids)
    for material_id, row in current.items():
        facts = policy.facts_from_columns(
            row[:width], grants=grants[material_id], current_id=row[0]
        )
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
