"""Keeping the search index in step with the database (the database is the truth).

- Every flush that changes a material, its versions or grants, or a school's standing writes
  an ``IndexChange`` row in the same transaction (``track_changes``), so nothing is forgotten.
- ``catch_up`` applies the changes an index copy has not seen yet, in order, and the index
  records how far it came; after a crash it simply goes on from there.
- ``rebuild`` builds a new index from all materials and swaps it in; ``check`` compares.

The documents carry the policy module's access tokens; the search filters by the person's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeGuard

from sqlalchemy import event, func, inspect, or_, select, text
from sqlalchemy.orm import Session, selectinload, undefer

from search_index import IndexedMaterial, SearchIndex, rebuild_url

from .. import policy
from ..models import (
    AudienceGrant,
    Decision,
    IndexChange,
    Material,
    MaterialVersion,
    Outcome,
    School,
    Submission,
    VersionState,
    utcnow,
)
from . import harvest_log, markdown, mesh, metadata
from .review_state import NONE, review_states

log = logging.getLogger("hub.indexing")
BATCH = 500
#: Materials read from the database at a time when rebuilding.
REBUILD_BATCH = 2_000
#: Processes a rebuild indexes in (see search_index.bulk): two where there are two cores.
REBUILD_PROCS = min(2, os.cpu_count() or 1)
# School columns whose change alters what other people may find.
SCHOOL_FIELDS = {"status", "region", "income_group", "ceiling_audience", "ceiling_rights", "name"}


# Writing the outbox ----------------------------------------------------------------------


def _changed_material_ids(session: Session) -> set[int]:
    ids: set[int] = set()
    school_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Material) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, (MaterialVersion, AudienceGrant)) and obj.material_id is not None:
            ids.add(obj.material_id)
        elif _review_standing_changed(obj):  # the "Review" facet; LOM's annotation changes
            ids.add(obj.material_id)
            harvest_log.redate(session, [obj.material_id])
        elif isinstance(obj, School) and obj in session.dirty:
            state = inspect(obj)  # which columns changed in this flush
            if any(state.attrs[name].history.has_changes() for name in SCHOOL_FIELDS):
                school_ids.add(obj.id)
    if school_ids:
        with session.no_autoflush:
            ids.update(
                session.scalars(select(Material.id).where(Material.school_id.in_(school_ids)))
            )
    return ids


def _review_standing_changed(obj: object) -> TypeGuard[Decision | Submission]:
    """Whether ``obj`` is a peer review's acceptance, or a submission whose school vetted a
    version: what changes a material's standing in peer review (``review_state``)."""
    if isinstance(obj, Decision):
        return obj.material_id is not None and obj.outcome is Outcome.ACCEPT
    if isinstance(obj, Submission) and obj.material_id is not None:
        return inspect(obj).attrs["vetted_version_id"].history.has_changes()
    return False


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get("hub.no_outbox"):
        return
    ids = _changed_material_ids(session)
    for material_id in sorted(ids):
        session.add(IndexChange(material_id=material_id))
    if ids:
        session.info["hub.outbox_written"] = True
    if any(isinstance(obj, IndexChange) for obj in session.new):
        _serialise_outbox_writers(session)


def _serialise_outbox_writers(session: Session) -> None:
    """Make outbox rows become visible in position order, whatever the database.

    Readers (index copies, the card cache) take "position N seen" to mean that no row
    before N can still appear. SQLite gives that: one writer at a time. On PostgreSQL two
    transactions could take positions 10 and 11 and commit 11 first, so that a reader
    passes 10 before it exists and never applies it. Holding a lock that only outbox
    writers take, from before their rows get positions until they commit, rules that out;
    reads are not blocked.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE index_change IN SHARE ROW EXCLUSIVE MODE")


def _after_flush(session: Session, _context: Any) -> None:
    # New materials have an id only after the flush: queue them now (in the same transaction).
    if session.info.get("hub.no_outbox"):
        return
    new_ids = {obj.id for obj in session.new if isinstance(obj, Material)}
    pending = session.info.setdefault("hub.new_materials", set())
    pending.update(i for i in new_ids if i is not None)


def _before_commit(session: Session) -> None:
    pending = session.info.pop("hub.new_materials", set())
    if pending:
        session.add_all(IndexChange(material_id=i) for i in sorted(pending))
        session.flush()
        session.info["hub.outbox_written"] = True


def track_changes() -> None:
    """Listen on every session (once): changes that matter to search write the outbox."""
    if event.contains(Session, "before_flush", _before_flush):
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    # After the outbox's listeners: the harvest log follows the rows they write.
    harvest_log.track()


def queue_all(session: Session, material_ids: Iterable[int]) -> None:
    """Queue materials for re-indexing (time windows passing, manual repairs)."""
    session.add_all(IndexChange(material_id=i) for i in sorted(set(material_ids)))


# Documents -------------------------------------------------------------------------------


def _facet_values(version: MaterialVersion) -> dict[str, Any]:
    """The values of each facet the metadata table feeds (``metadata.FIELDS``): a list, or
    one value when its field holds one; several fields may feed one facet (audience)."""
    values: dict[str, Any] = {}
    for field in metadata.FIELDS:
        if field.facet is None:
            continue
        stored = field.stored(version)
        if field.many:
            values.setdefault(field.facet, []).extend(stored)
        else:
            values[field.facet] = stored[0] if stored else ""
    return values


def document_for(
    version: MaterialVersion,
    facts: policy.MaterialFacts,
    now: dt.datetime,
    review: Iterable[str] = (),
) -> IndexedMaterial | None:
    """The index document of a material's current published version (None: keep it out);
    ``review``: its standing in peer review (``ReviewState.standings``)."""
    tokens = policy.access_tokens(facts, now)
    if not tokens:
        return None
    material = version.material
    standing = sorted(review)
    facets = _facet_values(version)
    facets["language"] = version.language or "und"
    if material.kind.value == "module":  # the index files a module under the type "module"
        facets["resource_type"] = "module"
    return IndexedMaterial(
        id=str(material.id),
        fingerprint=fingerprint(version, material, standing),
        title=version.title,
        summary=markdown.plain(version.summary),
        topics=mesh.topic_names(version),  # descriptors by name: search matches names
        body=version.extracted_text or "",
        **facets,
        school=str(material.school_id),
        school_name=material.school.name,
        review=standing,
        published=version.published_at or version.created_at,
        popularity=material.popularity,
        access_tokens=sorted(tokens),
    )


def fingerprint(version: MaterialVersion, material: Material, review: Iterable[str] = ()) -> str:
    """What changes when the document must change: version, grants, standing, windows,
    peer review."""
    school = material.school
    grants = ";".join(
        f"{g.id}:{g.kind.value}:{','.join(g.values)}:{g.can_view}{g.can_download}"
        f"{g.can_adapt}:{g.expires_at}"
        for g in material.grants
    )
    return "|".join(
        str(x)
        for x in (
            version.id,
            version.updated_at.isoformat(),
            material.teachers_only,
            material.available_from,
            material.available_until,
            material.popularity,
            school.status.value,
            school.ceiling_audience,
            ",".join(school.ceiling_rights),
            grants,
            ",".join(review),
        )
    )


def _findable_versions() -> Any:
    return (
        select(MaterialVersion)
        .join(Material, Material.id == MaterialVersion.material_id)
        .where(MaterialVersion.state == VersionState.PUBLISHED, Material.retired_at.is_(None))
    )


def _current_versions(session: Session, material_ids: Iterable[int]) -> list[MaterialVersion]:
    query = (
        _findable_versions()
        .where(MaterialVersion.material_id.in_(list(material_ids)))
        .options(
            selectinload(MaterialVersion.material).selectinload(Material.grants),
            selectinload(MaterialVersion.material).selectinload(Material.school),
            undefer(MaterialVersion.extracted_text),
        )
        .order_by(MaterialVersion.material_id)
    )
    return list(session.scalars(query))


def documents(
    session: Session, material_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> Iterator[IndexedMaterial]:
    """Documents of the given materials (all when None) that anyone may find right now.

    Read in chunks of ``REBUILD_BATCH`` (``BATCH`` for given ids), so that a rebuild holds
    one chunk of rows in memory at a time, not the whole catalogue.
    """
    now = now or utcnow()
    if material_ids is None:
        ids = list(
            session.scalars(
                _findable_versions()
                .with_only_columns(MaterialVersion.material_id)
                .distinct()
                .order_by(MaterialVersion.material_id)
            )
        )
        size = REBUILD_BATCH
    else:
        ids = sorted(set(material_ids))
        size = BATCH
    for start in range(0, len(ids), size):
        versions = _current_versions(session, ids[start : start + size])
        facts = policy.facts_for_versions(session, versions)
        reviews = review_states(session, (v.material_id for v in versions))
        for version in versions:
            standing = reviews.get(version.material_id, NONE).standings
            doc = document_for(version, facts[version.id], now, standing)
            if doc is not None:
                yield doc


# Applying the outbox ---------------------------------------------------------------------


def catch_up(
    session: Session, index: SearchIndex, *, lock_timeout: float = 10.0, limit: int | None = None
) -> int:
    """Apply the outbox rows the index has not seen, in order; return how many were applied."""
    applied = 0
    if not _turn_to_write(session, index, lock_timeout):
        return 0
    while limit is None or applied < limit:
        rows = session.execute(
            select(IndexChange.id, IndexChange.material_id)
            .where(IndexChange.id > index.position)
            .order_by(IndexChange.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        ids = {material_id for _, material_id in rows}
        docs = list(documents(session, ids))
        found = {int(d.id) for d in docs}
        if not index.apply(
            docs,
            [str(i) for i in sorted(ids - found)],
            position=rows[-1][0],
            lock_timeout=lock_timeout,
        ):
            break  # another writer holds this copy: it will apply them
        applied += len(rows)
    return applied


#: How often a host waiting for its turn to write a shared index asks again (seconds).
TURN_POLL_S = 0.05


def turn_key(index: SearchIndex) -> int:
    """The PostgreSQL advisory lock key of the turn to write ``index`` (``pg_locks`` shows
    which host holds it)."""
    digest = hashlib.blake2b(index.location.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _turn_to_write(session: Session, index: SearchIndex, timeout: float) -> bool:
    """Whether this host may write ``index`` now. Hosts writing one shared index (Typesense)
    take turns, by a PostgreSQL advisory lock named after the index and held until the
    session's transaction ends: else a slow host could write a material's older document
    after a faster one wrote the newer one and recorded a later position, and the index
    would keep the older one. False when the turn did not come within ``timeout`` (the host
    holding it goes on to the rows committed meanwhile; so does the next round of any
    follower). A local copy (Whoosh) has its own lock, and SQLite
    means one host."""
    connection = session.connection()
    if not index.shared or connection.dialect.name != "postgresql":
        return True
    key = turn_key(index)
    deadline = time.monotonic() + timeout
    while not connection.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}):
        if time.monotonic() >= deadline:
            return False
        time.sleep(TURN_POLL_S)
    return True


def rebuild(
    session: Session,
    url: str,
    progress: Callable[[int, int | None], None] | None = None,
    *,
    procs: int = REBUILD_PROCS,
) -> SearchIndex:
    """Build a new index of every findable material at ``url`` (a search URL or a Whoosh
    folder) and swap it in; searches go on meanwhile."""
    position = session.scalar(select(func.max(IndexChange.id))) or 0
    total = (
        session.scalar(
            select(func.count())
            .select_from(MaterialVersion)
            .join(Material, Material.id == MaterialVersion.material_id)
            .where(MaterialVersion.state == VersionState.PUBLISHED, Material.retired_at.is_(None))
        )
        or 0
    )
    return rebuild_url(
        url, documents(session), position=position, total=total, progress=progress, procs=procs
    )


def expected_fingerprints(session: Session) -> dict[str, str]:
    """What the index should hold: material id -> fingerprint."""
    return {doc.id: doc.fingerprint for doc in documents(session)}


def requeue_time_windows(session: Session, since: dt.datetime, until: dt.datetime) -> int:
    """Queue materials whose availability or a grant's end passed between ``since`` and
    ``until`` (the index cannot see time pass by itself)."""
    ids = set(
        session.scalars(
            select(Material.id).where(
                or_(
                    Material.available_from.between(since, until),
                    Material.available_until.between(since, until),
                )
            )
        )
    )
    ids.update(
        session.scalars(
            select(AudienceGrant.material_id).where(AudienceGrant.expires_at.between(since, until))
        )
    )
    queue_all(session, ids)
    return len(ids)
