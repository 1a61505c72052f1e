"""The one door to the catalogue: every surface reads materials through a ``Catalogue``.

A page, an API handler, a feed or an export never selects materials, versions, modules, module
items, lineage or files itself. It makes a ``Catalogue`` for its viewer (``Catalogue.of`` for a
signed-in person or a visitor; ``Catalogue(session, policy.viewer_as(...))`` for a school
admin's view-as) and asks it. The catalogue reads in bulk (a fixed number of queries, whatever
the number of rows), asks ``policy.decide`` about every version it returns, and returns only
what the policy allows. What it does not return does not exist for that viewer: lookups of
hidden things raise ``NotFound``, which surfaces answer as 404.

Search finds through the index, filtered by the same policy's tokens; its cards come through
``discoverable_cards`` (``services/discovery.py``), which decides each card the same way.
Harvesting (OAI-PMH) reads through ``harvest``, ``harvested`` and ``relations``: what the
viewer may discover, and, as deleted, what they could once discover (``harvest_log``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, event, func, or_, select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from .. import policy, reasons
from ..models import (
    READS_ONLY,
    STAFF,
    AccessRequest,
    Adoption,
    Bookmark,
    File,
    HarvestRecord,
    ItemProgress,
    Material,
    MaterialKind,
    MaterialVersion,
    ModuleItem,
    Person,
    PlaceInModule,
    School,
    VersionFile,
    VersionState,
)
from . import harvest_log
from .discovery import CardSnapshot, MaterialCard, discoverable_cards
from .errors import Conflict, NotFound

# What the door has read in a transaction that only reads (every GET's), kept in its session's
# ``info`` under this key: viewers by person and policy facts by version. Nothing such a
# transaction reads can change under it, so a page asks as often as its parts need and reads
# once; the memo goes with the transaction (below), so a request answered again on a new
# connection, or a write made after reading, starts afresh.
_MEMO = "hub.catalogue"


@dataclass
class _Memo:
    viewers: dict[int | None, policy.Viewer] = field(default_factory=dict)  # by person id
    facts: dict[int, policy.MaterialFacts] = field(default_factory=dict)  # by version id


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, _transaction: object) -> None:
    session.info.pop(_MEMO, None)


def _memo(session: Session) -> _Memo | None:
    """The memo of ``session``'s transaction, or None where it may write (nothing is kept)."""
    if not session.info.get(READS_ONLY):
        return None
    memo: _Memo = session.info.setdefault(_MEMO, _Memo())
    return memo


#: Loading a material with what the policy's facts and a page read of it (its versions,
#: grants and school), in three queries for any number of materials.
WITH_FACTS = (
    selectinload(Material.versions),
    selectinload(Material.grants),
    joinedload(Material.school),
)

# Browsing reads the catalogue newest first in chunks of at most this many versions, asking the
# policy about each chunk, until the page is full (``Catalogue._discoverable``).
BROWSE_CHUNK = 200


def hidden() -> NotFound:
    """The one answer for anything the viewer may not see: it does not exist for them."""
    return NotFound(_("There is no such material, or it is not shared with you."))


def require(
    session: Session, person: Person, version: MaterialVersion, action: policy.Action
) -> None:
    """Refuse, before a change, what the person may not do: why, in words, when they may see
    the material (``Conflict``); ``hidden()`` when they may not even see it."""
    decision = policy.allowed(session, person, version, action)
    if not decision:
        if policy.allowed(session, person, version, "view"):
            raise Conflict(reasons.words(decision))
        raise hidden()


@dataclass(frozen=True)
class Listed:
    """A current published version in a listing: what its address and date need."""

    version_id: int
    material_id: int
    number: int
    published_at: dt.datetime


@dataclass(frozen=True)
class Lineage:
    """What a material comes from and what came of it, as far as the viewer may see."""

    adapted_from: MaterialVersion | None
    adaptations: list[MaterialVersion]
    translations: list[MaterialVersion]


@dataclass(frozen=True)
class FileUse:
    """A version of one of the school's materials that attaches a file."""

    version: MaterialVersion

    @property
    def state(self) -> str:
        """``draft``, ``published``, ``superseded`` or ``retired`` (a retired material's)."""
        if self.version.material.retired_at is not None and self.version.state is not (
            VersionState.DRAFT
        ):
            return "retired"
        return self.version.state.value


@dataclass(frozen=True)
class ModulePlace:
    """Where an item stands in a module, as the viewer sees the module: only the items they
    may view are counted and named (a hidden item is skipped, never hinted at)."""

    module: MaterialVersion
    items: list[ModuleItem]
    index: int  # of the item in ``items``

    @property
    def number(self) -> int:
        """The item's number in the module, from 1."""
        return self.index + 1

    @property
    def total(self) -> int:
        """How many items of the module the viewer may view."""
        return len(self.items)

    @property
    def previous(self) -> ModuleItem | None:
        """The item before, if any."""
        return self.items[self.index - 1] if self.index > 0 else None

    @property
    def next(self) -> ModuleItem | None:
        """The item after, if any."""
        return self.items[self.index + 1] if self.index + 1 < len(self.items) else None


@dataclass(frozen=True)
class HarvestScope:
    """Which records a harvest asks for: a datestamp window (``since`` inclusive, ``until``
    exclusive) and at most one set (an owner school, a language, a level, a resource type
    or ``module``, a UN M49 region the material was written for)."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    school_id: int | None = None
    language: str | None = None
    level: str | None = None
    resource_type: str | None = None
    region: str | None = None
    material_id: int | None = None  # one record (GetRecord)


@dataclass(frozen=True)
class Harvested:
    """One material as a harvester sees it: its current published version (``version_id``,
    and the version itself unless the harvest only counts), or none when it is deleted for
    this viewer (they could once discover it and no longer may)."""

    material_id: int
    datestamp: dt.datetime
    version_id: int | None
    version: MaterialVersion | None = None

    @property
    def deleted(self) -> bool:
        return self.version_id is None


@dataclass(frozen=True)
class Relations:
    """What a version relates to, as far as the viewer may view: what metadata records
    (LOM, Dublin Core) name beside the material itself."""

    versions: list[MaterialVersion]  # the material's versions the viewer may view
    adapted_from: MaterialVersion | None
    adaptations: list[MaterialVersion]
    translation_of: MaterialVersion | None  # the original this material translates
    translations: list[MaterialVersion]  # its other translations and the original's
    items: list[MaterialVersion]  # a module's items
    modules: list[MaterialVersion]  # modules that hold it


#: Harvesting reads the catalogue in datestamp order in chunks of this many materials (a
#: page's worth of records, most of them found in the first chunk); counting reads larger
#: chunks, since it loads no version.
HARVEST_CHUNK = 200
COUNT_CHUNK = 2000
#: What metadata records need of the versions they relate to (their address and words),
#: and what the policy reads of them: related versions load no more.
RELATED_COLUMNS = (
    MaterialVersion.id,
    MaterialVersion.material_id,
    MaterialVersion.number,
    MaterialVersion.state,
    MaterialVersion.title,
    MaterialVersion.language,
    MaterialVersion.licence,
    MaterialVersion.patient_data,
    MaterialVersion.consent_scope,
    MaterialVersion.published_at,
)
#: Loading materials for relations: their versions (those columns only), grants and school.
WITH_RELATED = (
    selectinload(Material.versions).load_only(*RELATED_COLUMNS),
    selectinload(Material.grants),
    joinedload(Material.school),
)


class Catalogue:
    """The catalogue as one viewer may see it."""

    def __init__(
        self, session: Session, viewer: policy.Viewer, now: dt.datetime | None = None
    ) -> None:
        self.session = session
        self.viewer = viewer
        self.now = now

    @classmethod
    def of(cls, session: Session, person: Person | None) -> Catalogue:
        """The catalogue of a signed-in person, or of a visitor (``None``)."""
        memo = _memo(session)
        if memo is None:
            return cls(session, policy.viewer_for(session, person))
        key = person.id if person is not None and person.is_authenticated else None
        if key not in memo.viewers:
            memo.viewers[key] = policy.viewer_for(session, person)
        return cls(session, memo.viewers[key])

    def _facts(self, versions: Sequence[MaterialVersion]) -> dict[int, policy.MaterialFacts]:
        """The policy's facts of ``versions`` by version id, read in bulk (once a transaction
        where it only reads)."""
        memo = _memo(self.session)
        if memo is None:
            return policy.facts_for_versions(self.session, versions)
        missing = [v for v in versions if v.id not in memo.facts]
        memo.facts.update(policy.facts_for_versions(self.session, missing))
        return {v.id: memo.facts[v.id] for v in versions}

    def _own_staff(self, school_id: int) -> bool:
        """Whether the viewer is a teacher or admin of the school (its own staff)."""
        return self.viewer.school_id == school_id and self.viewer.role in STAFF

    # Deciding ------------------------------------------------------------------------------

    def decide(self, version: MaterialVersion, action: policy.Action) -> policy.Decision:
        """The policy's answer for this viewer, one version and one action."""
        return self._decide(self._facts([version])[version.id], action)

    def _decide(self, facts: policy.MaterialFacts, action: policy.Action) -> policy.Decision:
        return policy.decide(self.viewer, facts, action, self.now)

    def manages(self, material: Material) -> bool:
        """Whether the viewer manages ``material`` (the policy's ``manage``: its own school's
        staff), e.g. to answer the error reports others make in it."""
        return bool(self.decide(material.versions[-1], "manage"))

    def decisions(self, version: MaterialVersion) -> dict[str, policy.Decision]:
        """Every action's decision for one version (what a material page offers)."""
        facts = self._facts([version])[version.id]
        return {a: policy.decide(self.viewer, facts, a, self.now) for a in policy.ACTIONS}

    def allowed(
        self, versions: Iterable[MaterialVersion], action: policy.Action = "view"
    ) -> list[MaterialVersion]:
        """The versions the viewer may ``action``, in their order (facts read in bulk)."""
        listed = list(versions)
        facts = self._facts(listed)
        return [v for v in listed if policy.decide(self.viewer, facts[v.id], action, self.now)]

    # One material ---------------------------------------------------------------------------

    def version(
        self, material_id: int, number: int | None = None, action: policy.Action = "view"
    ) -> MaterialVersion:
        """The version asked for, if the viewer may ``action`` it; otherwise ``NotFound``.

        Without ``number``: the draft for the owner school's staff, else the published version.
        """
        material = self.session.get(Material, material_id, options=WITH_FACTS)
        if material is None or not material.versions:
            raise hidden()
        for each in material.versions:
            # Loading a material's versions does not set each version's material: without
            # this, once ``material`` is out of scope the page's ``version.material`` reads
            # it again (the session keeps loaded objects only while something refers to them).
            set_committed_value(each, "material", material)
        if number is None:
            own_staff = self._own_staff(material.school_id)
            version = (
                (material.draft if own_staff else None) or material.published or material.latest
            )
        else:
            found = next((v for v in material.versions if v.number == number), None)
            if found is None:
                raise NotFound(_("There is no such version."))
            version = found
        self._facts(material.versions)  # the page's history asks about them all: read at once
        if not self.decide(version, action):
            raise hidden()
        return version

    def versions_of(self, material: Material) -> list[MaterialVersion]:
        """The versions of ``material`` the viewer may view (its history, as they see it)."""
        return self.allowed(material.versions, "view")

    def file(
        self, material_id: int, number: int, file_id: int, action: policy.Action
    ) -> tuple[MaterialVersion, File]:
        """A file of a version, if the viewer may ``action`` the version (``view`` to read it
        on screen, ``download`` for the original); otherwise ``NotFound``."""
        version = self.version(material_id, number, "view")
        record = next((f for f in version.files if f.id == file_id), None)
        if record is None:
            raise hidden()
        if action != "view" and not self.decide(version, action):
            raise hidden()
        return version, record

    def module_items(self, version: MaterialVersion) -> list[ModuleItem]:
        """The items of a module version whose material the viewer may view (none for a
        version of any other kind, without asking the database)."""
        if not version.is_module:
            return []
        items = self.session.scalars(
            select(ModuleItem)
            .where(ModuleItem.module_version_id == version.id)
            .order_by(ModuleItem.position)
            .options(
                joinedload(ModuleItem.item_version)
                .joinedload(MaterialVersion.material)
                .options(*WITH_FACTS)
            )
        ).all()
        shown = {v.id for v in self.allowed([i.item_version for i in items], "view")}
        return [i for i in items if i.item_version_id in shown]

    def module_place(
        self, module_id: int, number: int | None, item: MaterialVersion
    ) -> ModulePlace | None:
        """Where ``item`` stands in module ``module_id`` (version ``number``, else the one
        the viewer is shown); None when the viewer may not view that module, it is not a
        module, or it does not hold the item: the page then shows the item on its own."""
        try:
            module = self.version(module_id, number, "view")
        except NotFound:
            return None
        if not module.is_module:
            return None
        items = self.module_items(module)
        # A module holds a material once; the reader may have opened another of its versions.
        index = next(
            (i for i, it in enumerate(items) if it.item_version.material_id == item.material_id),
            None,
        )
        return None if index is None else ModulePlace(module, items, index)

    def last_opened(
        self, person: Person, modules: Sequence[MaterialVersion]
    ) -> dict[int, ModuleItem]:
        """For each of ``modules`` (by version id), the item the person last opened from it,
        if they may still view that item."""
        opened = set(
            self.session.scalars(
                select(PlaceInModule.module_item_id).where(
                    PlaceInModule.person_id == person.id,
                    PlaceInModule.module_version_id.in_([m.id for m in modules]),
                )
            )
        )
        candidates = [item for module in modules for item in module.items if item.id in opened]
        shown = {v.id for v in self.allowed([i.item_version for i in candidates], "view")}
        return {i.module_version_id: i for i in candidates if i.item_version_id in shown}

    def lineage(self, material: Material) -> Lineage:
        """The original it was adapted from, its adaptations and its translations (both ways),
        each only if the viewer may view it (a hidden one is not even hinted at)."""
        root = material.translation_of_id or material.id
        own_versions = [v.id for v in material.versions]
        related = self.session.scalars(
            select(Material)
            .where(
                or_(
                    Material.translation_of_id == root,
                    Material.id == root,
                    Material.adapted_from_version_id.in_(own_versions),
                ),
                Material.id != material.id,
            )
            .order_by(Material.id)
            .options(*WITH_FACTS)
        ).all()
        translated = [m for m in related if root in (m.id, m.translation_of_id)]
        adapted = [m for m in related if m.adapted_from_version_id in own_versions]
        published = {m.id: m.published for m in (*translated, *adapted) if m.published is not None}
        # The original with its material and what the policy asks of it (the page names its
        # school), read at once rather than attribute by attribute.
        source = (
            self.session.get(
                MaterialVersion,
                material.adapted_from_version_id,
                options=[joinedload(MaterialVersion.material).options(*WITH_FACTS)],
            )
            if material.adapted_from_version_id is not None
            else None
        )
        visible = {
            v.id
            for v in self.allowed(
                [*published.values(), *([source] if source is not None else [])], "view"
            )
        }

        def shown(found: Sequence[Material]) -> list[MaterialVersion]:
            return [v for m in found if (v := published.get(m.id)) is not None and v.id in visible]

        return Lineage(
            adapted_from=source if source is not None and source.id in visible else None,
            adaptations=shown(adapted),
            translations=shown(translated),
        )

    # Listings -------------------------------------------------------------------------------

    def cards(
        self, material_ids: Sequence[int], cached: CardSnapshot | None = None
    ) -> list[MaterialCard | None]:
        """Search results' cards, in order: None where the viewer may not discover the
        material (the index filtered by the policy's tokens; the policy decides each card)."""
        return discoverable_cards(self.session, self.viewer, material_ids, cached)

    def listing(
        self,
        *,
        text: str = "",
        limit: int = 1000,
        offset: int = 0,
        exclude: set[int] | None = None,
        owner_school_id: int | None = None,
        kind: MaterialKind | None = None,
    ) -> list[MaterialVersion]:
        """Current published versions the viewer may discover, newest first.

        Reads newest first in chunks and asks the policy about each chunk, stopping as soon
        as the page is full, so that a page costs a few chunks rather than the whole catalogue.
        ``owner_school_id`` keeps one school's materials (a view-as of one's own school).
        """
        wanted = offset + limit
        visible: list[int] = []
        for chunk in self._discoverable(
            self._published(text=text, owner_school_id=owner_school_id, kind=kind),
            exclude,
            first=2 * wanted,
        ):
            visible += [listed.version_id for listed in chunk]
            if len(visible) >= wanted:
                break
        return self._versions(visible[offset:wanted])

    def addresses(
        self, *, owner_school_id: int | None = None, limit: int | None = None
    ) -> Iterator[Listed]:
        """Every current published version the viewer may discover, newest first, one at a
        time (a sitemap of any size): read and decided a chunk at a time, no ORM objects."""
        given = 0
        for chunk in self._discoverable(self._published(owner_school_id=owner_school_id)):
            for listed in chunk:
                if limit is not None and given >= limit:
                    return
                given += 1
                yield listed

    @staticmethod
    def _published(
        *,
        text: str = "",
        owner_school_id: int | None = None,
        kind: MaterialKind | None = None,
    ) -> Select[*tuple[Any, ...]]:
        """Current published versions of materials not retired, newest first, a chunk at a
        time: the policy's fact columns, then the number and the publication time."""
        # The policy decides on the facts' columns alone (no JSON metadata to decode); only
        # the versions of a page itself are loaded whole.
        query: Select[*tuple[Any, ...]] = (
            select(*policy.FACT_COLUMNS, MaterialVersion.number, MaterialVersion.published_at)
            .join(Material, Material.id == MaterialVersion.material_id)
            .join(School, School.id == Material.school_id)
            .where(MaterialVersion.state == VersionState.PUBLISHED, Material.retired_at.is_(None))
            .order_by(MaterialVersion.published_at.desc(), MaterialVersion.id.desc())
        )
        if text:
            query = query.where(MaterialVersion.title.ilike(f"%{text}%"))
        if owner_school_id is not None:
            query = query.where(Material.school_id == owner_school_id)
        if kind is not None:
            query = query.where(Material.kind == kind)
        return query

    def _discoverable(
        self,
        query: Select[*tuple[Any, ...]],
        exclude: set[int] | None = None,
        *,
        first: int = BROWSE_CHUNK,
    ) -> Iterator[list[Listed]]:
        """The rows of ``query`` (``_published``) the viewer may discover, chunk by chunk,
        until the query has no more; materials in ``exclude`` are left out.

        The first chunk has ``first`` rows (a page's worth, with room for what the viewer
        may not see), the next ones four times more each, up to ``BROWSE_CHUNK``: a page
        that most of the catalogue fills costs one small read, one that little of it fills
        a few large ones."""
        size = min(max(first, 1), BROWSE_CHUNK)
        chunk = query.limit(size)
        while True:
            rows = self.session.execute(chunk).all()
            candidates = [r for r in rows if not exclude or r[5] not in exclude]  # material id
            facts = policy.published_facts(self.session, candidates)
            shown = {f.version_id for f in facts if self._decide(f, "discover")}
            yield [Listed(r[0], r[5], r[-2], r[-1]) for r in candidates if r[0] in shown]
            if len(rows) < size:
                return
            last_id, last_published = rows[-1][0], rows[-1][-1]
            size = min(size * 4, BROWSE_CHUNK)
            # Keyset paging: the next chunk starts after the last row of this one.
            chunk = query.where(
                or_(
                    MaterialVersion.published_at < last_published,
                    and_(
                        MaterialVersion.published_at == last_published,
                        MaterialVersion.id < last_id,
                    ),
                )
            ).limit(size)

    def _versions(self, ids: Sequence[int], *, files: bool = False) -> list[MaterialVersion]:
        """These versions, in this order, with their materials and schools (pages show them)
        and, with ``files``, their files (metadata records list their formats)."""
        query = (
            select(MaterialVersion)
            .where(MaterialVersion.id.in_(ids))
            .options(joinedload(MaterialVersion.material).joinedload(Material.school))
        )
        if files:
            query = query.options(
                selectinload(MaterialVersion.attachments).joinedload(VersionFile.file)
            )
        found = {v.id: v for v in self.session.scalars(query)}
        return [found[i] for i in ids]

    def topics_in_use(self, limit: int = 400, newest: int = 500) -> list[str]:
        """Topics (descriptor ids and free terms) of the ``newest`` materials the viewer may
        discover, most used first: what a draft's topics field suggests. A hidden material's
        terms are never among them."""
        # Only the topics column of what the door lets through: this answers as a person types.
        ids = [listed.version_id for listed in self.addresses(limit=newest)]
        topics = self.session.scalars(
            select(MaterialVersion.topics).where(MaterialVersion.id.in_(ids))
        )
        counts = Counter(topic for found in topics for topic in found or ())
        return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]

    def card_versions(self, cards: Sequence[MaterialCard]) -> list[MaterialVersion]:
        """The versions of search cards (which the policy decided already), in their order,
        with their files: what exports of a search describe."""
        return self._versions([card.version_id for card in cards], files=True)

    def school_materials(self, school_id: int) -> list[Material]:
        """Every material of a school (drafts and retired ones too), newest first, for its
        own teachers and admins; nobody else gets any from here."""
        if not self._own_staff(school_id):
            return []
        return list(
            self.session.scalars(
                select(Material)
                .where(Material.school_id == school_id)
                .order_by(Material.id.desc())
                .options(selectinload(Material.versions))
            )
        )

    def file_uses(self, school_id: int, file_ids: Iterable[int]) -> dict[int, list[FileUse]]:
        """For each of the school's files, the versions of its materials that attach it (by
        material, then version), for its own teachers and admins; nobody else gets any.

        One query for all the files, whatever their number."""
        ids = list(file_ids)
        if not ids or not self._own_staff(school_id):
            return {}
        rows = self.session.execute(
            select(VersionFile.file_id, MaterialVersion)
            .join(MaterialVersion, MaterialVersion.id == VersionFile.version_id)
            .join(Material, Material.id == MaterialVersion.material_id)
            .where(VersionFile.file_id.in_(ids), Material.school_id == school_id)
            .order_by(Material.id.desc(), MaterialVersion.number.desc())
            .options(joinedload(MaterialVersion.material))
        ).all()
        shown = {v.id for v in self.allowed([version for _id, version in rows], "view")}
        uses: dict[int, list[FileUse]] = {}
        for file_id, version in rows:
            if version.id in shown:
                uses.setdefault(file_id, []).append(FileUse(version))
        return uses

    def school_modules(self, school_id: int) -> list[MaterialVersion]:
        """The published modules of a school that the viewer may discover."""
        return self.listing(owner_school_id=school_id, kind=MaterialKind.MODULE, limit=50)

    def bookmarked(self, person: Person) -> list[MaterialVersion]:
        """The person's list: the version of each bookmarked material they may still view."""
        material_ids = list(
            self.session.scalars(
                select(Bookmark.material_id)
                .where(Bookmark.person_id == person.id)
                .order_by(Bookmark.created_at.desc())
            )
        )
        shown = self.shown_versions(material_ids)
        return [shown[i] for i in material_ids if i in shown]

    def started_modules(self, person: Person) -> list[MaterialVersion]:
        """Module versions the person opened an item from or ticked an item of, that they may
        still view, the one they were in last first."""
        ticked = self.session.execute(
            select(ModuleItem.module_version_id, func.max(ItemProgress.completed_at))
            .join(ItemProgress, ItemProgress.module_item_id == ModuleItem.id)
            .where(ItemProgress.person_id == person.id)
            .group_by(ModuleItem.module_version_id)
        ).all()
        opened = self.session.execute(
            select(PlaceInModule.module_version_id, PlaceInModule.opened_at).where(
                PlaceInModule.person_id == person.id
            )
        ).all()
        last: dict[int, dt.datetime] = {}
        for version_id, at in [*ticked, *opened]:
            last[version_id] = max(at, last.get(version_id, at))
        started = self.session.scalars(
            select(MaterialVersion).where(MaterialVersion.id.in_(list(last)))
        ).all()
        return sorted(self.allowed(started, "view"), key=lambda v: last[v.id], reverse=True)

    def shown_versions(self, material_ids: Iterable[int]) -> dict[int, MaterialVersion]:
        """For each material, the version the viewer sees of it: the current published one,
        else one their school adopted; materials they may not view are left out."""
        ids = list(dict.fromkeys(material_ids))
        if not ids:
            return {}
        versions = self.session.scalars(
            select(MaterialVersion)
            .where(
                MaterialVersion.material_id.in_(ids),
                MaterialVersion.state != VersionState.DRAFT,
            )
            .order_by(MaterialVersion.number.desc())
        ).all()
        shown: dict[int, MaterialVersion] = {}
        for version in self.allowed(versions, "view"):
            shown.setdefault(version.material_id, version)
        return shown

    def requests_titles(self, requests: Iterable[AccessRequest]) -> dict[int, MaterialVersion]:
        """The version to name each access request's material by, where the viewer may view
        it (a request for a material that is no longer shared is shown without its title)."""
        return self.shown_versions(r.material_id for r in requests)

    def adoptions(self, school_id: int) -> list[Adoption]:
        """The school's current adoptions, newest first, whose version the viewer may view,
        for the school's own teachers and admins; nobody else gets any."""
        if not self._own_staff(school_id):
            return []
        found = self.session.scalars(
            select(Adoption)
            .where(Adoption.school_id == school_id, Adoption.ended_at.is_(None))
            .order_by(Adoption.adopted_at.desc(), Adoption.id.desc())
            .options(joinedload(Adoption.version))
        ).all()
        shown = {v.id for v in self.allowed([a.version for a in found], "view")}
        return [a for a in found if a.version_id in shown]

    def adopted_elsewhere(self, school: School, limit: int = 6) -> list[tuple[Adoption, str]]:
        """Recent adoptions of the school's materials by other schools: (adoption, school's
        name), for the school's own teachers and admins."""
        if not self._own_staff(school.id):
            return []
        rows = self.session.execute(
            select(Adoption, School.name)
            .join(Material, Material.id == Adoption.material_id)
            .join(School, School.id == Adoption.school_id)
            .where(
                Material.school_id == school.id,
                Adoption.school_id != school.id,
                Adoption.ended_at.is_(None),
            )
            .order_by(Adoption.adopted_at.desc())
            .limit(limit)
            .options(
                joinedload(Adoption.version)
                .joinedload(MaterialVersion.material)
                .options(*WITH_FACTS)
            )
        ).all()
        shown = {v.id for v in self.allowed([a.version for a, _name in rows], "view")}
        return [(a, name) for a, name in rows if a.version_id in shown]

    # Harvesting -----------------------------------------------------------------------------

    def harvest(
        self,
        scope: HarvestScope,
        after: tuple[dt.datetime, int] | None = None,
        *,
        load: bool = True,
    ) -> Iterator[Harvested]:
        """Every record of ``scope`` the viewer may harvest, in (datestamp, material id)
        order, from just after ``after``: materials they may discover, with their current
        published version (``load=False``: without it, to count), and materials they could
        once discover and no longer may, as deleted (see ``services/harvest_log.py``).

        Reads ``HARVEST_CHUNK`` materials at a time (the policy's facts only, as listings
        do) and yields as it goes, so that a harvest of the whole catalogue holds one chunk.
        """
        query = (
            select(*policy.FACT_COLUMNS, HarvestRecord.datestamp, HarvestRecord.exposed,
                   MaterialVersion.regions)
            .select_from(HarvestRecord)
            .join(
                MaterialVersion,
                and_(
                    MaterialVersion.material_id == HarvestRecord.material_id,
                    MaterialVersion.state == VersionState.PUBLISHED,
                ),
            )
            .join(Material, Material.id == HarvestRecord.material_id)
            .join(School, School.id == Material.school_id)
            .order_by(HarvestRecord.datestamp, HarvestRecord.material_id)
            .limit(chunk_size := HARVEST_CHUNK if load else COUNT_CHUNK)
        )  # fmt: skip
        query = _in_scope(query, scope)
        tokens = policy.viewer_tokens(self.viewer)
        width = len(policy.FACT_COLUMNS)
        while True:
            chunk = query
            if after is not None:
                stamp, material_id = after
                # Keyset paging: the next chunk starts after the last record read.
                chunk = query.where(
                    or_(
                        HarvestRecord.datestamp > stamp,
                        and_(
                            HarvestRecord.datestamp == stamp,
                            HarvestRecord.material_id > material_id,
                        ),
                    )
                )
            rows = self.session.execute(chunk).all()
            if not rows:
                return
            facts = policy.published_facts(self.session, rows)
            found: list[tuple[int, dt.datetime, int | None]] = []
            for row, fact in zip(rows, facts, strict=True):
                stamp, exposed, regions = row[width:]
                if scope.region is not None and scope.region not in (regions or []):
                    continue
                if self._decide(fact, "discover"):
                    found.append((fact.material_id, stamp, fact.version_id))
                elif harvest_log.exposure(fact, exposed) & tokens:
                    found.append((fact.material_id, stamp, None))
            versions = (
                {
                    v.id: v
                    for v in self._versions([i for _m, _s, i in found if i is not None], files=True)
                }
                if load
                else {}
            )
            for material_id, stamp, version_id in found:
                shown = versions.get(version_id) if version_id is not None else None
                yield Harvested(material_id, stamp, version_id, shown)
            if len(rows) < chunk_size:
                return
            after = (rows[-1][width], rows[-1][_MATERIAL_ID])

    def harvested(self, material_id: int) -> Harvested:
        """One material as the viewer may harvest it (``harvest`` for one id); ``NotFound``
        when it is not a record for them (never published, or never theirs to discover)."""
        found = next(self.harvest(HarvestScope(material_id=material_id)), None)
        if found is None:
            raise hidden()
        return found

    def _lineage_of(self, materials: Iterable[Material]) -> dict[int, Material]:
        """The materials related to these by translation (both ways, from the same root) or
        adapted from one of their versions, by id (the policy not asked yet)."""
        materials = list(materials)
        roots = {m.translation_of_id or m.id for m in materials}
        own_versions = {v.id for m in materials for v in m.versions}
        return {
            m.id: m
            for m in self.session.scalars(
                select(Material)
                .where(
                    or_(
                        Material.translation_of_id.in_(roots),
                        Material.id.in_(roots),
                        Material.adapted_from_version_id.in_(own_versions),
                    )
                )
                .options(*WITH_RELATED)
            )
        }

    def _module_links(
        self, versions: Sequence[MaterialVersion], material_ids: set[int]
    ) -> tuple[list[Any], list[Any], dict[int, MaterialVersion]]:
        """The items of these versions (module version, item version), the modules holding
        these materials (material, module version), and those versions by id (the policy not
        asked yet)."""
        item_rows = list(
            self.session.execute(
                select(ModuleItem.module_version_id, ModuleItem.item_version_id)
                .where(ModuleItem.module_version_id.in_([v.id for v in versions]))
                .order_by(ModuleItem.position)
            ).all()
        )
        holder_rows = list(
            self.session.execute(
                select(MaterialVersion.material_id, ModuleItem.module_version_id)
                .join(ModuleItem, ModuleItem.item_version_id == MaterialVersion.id)
                .where(MaterialVersion.material_id.in_(material_ids))
            ).all()
        )
        extra_ids = {i for _m, i in item_rows} | {mv for _m, mv in holder_rows}
        extra = {
            v.id: v
            for v in self.session.scalars(
                select(MaterialVersion)
                .where(MaterialVersion.id.in_(extra_ids))
                .options(
                    load_only(*RELATED_COLUMNS),
                    joinedload(MaterialVersion.material).options(*WITH_RELATED),
                )
            )
        }
        return item_rows, holder_rows, extra

    def relations(self, versions: Sequence[MaterialVersion]) -> dict[int, Relations]:
        """For each version (by id), what it relates to that the viewer may view: its
        material's versions, adaptation and translation lineage both ways, a module's items
        and the modules that hold it. A fixed number of queries for any number of versions."""
        if not versions:
            return {}
        material_ids = {v.material_id for v in versions}
        materials = {
            m.id: m
            for m in self.session.scalars(
                select(Material).where(Material.id.in_(material_ids)).options(*WITH_RELATED)
            )
        }
        related = self._lineage_of(materials.values())
        sources = [m.adapted_from for m in materials.values() if m.adapted_from is not None]
        item_rows, holder_rows, extra = self._module_links(versions, material_ids)
        # Holding modules count in their current published version only.
        holders = [v for v in extra.values() if v.state is VersionState.PUBLISHED]
        candidates = [
            *(
                v
                for m in materials.values()
                for v in m.versions
                if v.state is not VersionState.DRAFT
            ),
            *(m.published for m in related.values() if m.published is not None),
            *sources,
            *extra.values(),
        ]
        visible = {v.id for v in self.allowed(list({v.id: v for v in candidates}.values()))}

        def shown(found: Iterable[MaterialVersion | None]) -> list[MaterialVersion]:
            return [v for v in found if v is not None and v.id in visible]

        # Indexed once, so that a page of records costs one pass over what it relates to.
        adapted_by: dict[int, list[Material]] = {}
        translated: dict[int, list[Material]] = {}
        for m in sorted(related.values(), key=lambda m: m.id):
            if m.adapted_from_version_id is not None:
                adapted_by.setdefault(m.adapted_from_version_id, []).append(m)
            translated.setdefault(m.translation_of_id or m.id, []).append(m)
        items: dict[int, list[int]] = {}
        for module_version_id, item_id in item_rows:
            items.setdefault(module_version_id, []).append(item_id)
        held: dict[int, list[int]] = {}
        for material_id, module_version_id in holder_rows:
            held.setdefault(material_id, []).append(module_version_id)
        holder_ids = {v.id for v in holders}

        result: dict[int, Relations] = {}
        for version in versions:
            material = materials[version.material_id]
            root = material.translation_of_id or material.id
            original = related.get(material.translation_of_id or -1)
            result[version.id] = Relations(
                versions=shown(v for v in material.versions if v.state is not VersionState.DRAFT),
                adapted_from=next(iter(shown([material.adapted_from])), None),
                adaptations=shown(
                    m.published for v in material.versions for m in adapted_by.get(v.id, [])
                ),
                translation_of=next(iter(shown([original.published if original else None])), None),
                translations=shown(
                    m.published
                    for m in translated.get(root, [])
                    if m.id not in (material.id, material.translation_of_id)
                ),
                items=shown(extra.get(i) for i in items.get(version.id, [])),
                modules=shown(
                    extra.get(mv) for mv in held.get(version.material_id, []) if mv in holder_ids
                ),
            )
        return result


_MATERIAL_ID = next(i for i, c in enumerate(policy.FACT_COLUMNS) if c is Material.id)


def _in_scope(query: Any, scope: HarvestScope) -> Any:
    """``query`` narrowed to the scope's window and set (the region is checked per row: it
    is a list in a JSON column)."""
    if scope.material_id is not None:
        query = query.where(HarvestRecord.material_id == scope.material_id)
    if scope.since is not None:
        query = query.where(HarvestRecord.datestamp >= scope.since)
    if scope.until is not None:
        query = query.where(HarvestRecord.datestamp < scope.until)
    if scope.school_id is not None:
        query = query.where(Material.school_id == scope.school_id)
    if scope.language is not None:
        query = query.where(MaterialVersion.language == scope.language)
    if scope.level is not None:
        query = query.where(MaterialVersion.level == scope.level)
    if scope.resource_type == "module":
        query = query.where(Material.kind == MaterialKind.MODULE)
    elif scope.resource_type is not None:
        query = query.where(MaterialVersion.resource_type == scope.resource_type)
    return query
