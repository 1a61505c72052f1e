"""What harvesters could see of each material, kept as it changes (``HarvestRecord``).

OAI-PMH asks two things that the current state of the catalogue cannot answer alone:

- *when did this record last change?* (the datestamp that ``from`` and ``until`` select on);
- *was this material ever discoverable by this reader?* A material that a reader could once
  harvest and no longer may discover (retired, unshared, made teachers-only, its embargo or a
  grant ended) must be answered as ``deleted`` to that reader, so that their copy goes. A
  material that reader could never discover must stay unknown to them: answering it as
  deleted would tell them that it exists.

Why a record per material rather than a tombstone written by ``retire``: a material leaves a
reader's view in many ways (a grant removed or expired, the school's ceiling lowered, its
membership suspended, a window passing), and all of them already write the search outbox
(``indexing.track_changes``; time windows through ``indexing.requeue_time_windows``). So at
every commit that wrote the outbox, the materials it names get their access tokens computed
by the policy (``access_tokens``, the same form the search index filters by); when the tokens
or the published version changed, the record's datestamp becomes now, and the tokens are
added to ``exposed``, which never shrinks. A reader "could once discover" a material exactly
when ``exposed`` shares a token with ``viewer_tokens(reader)``: the policy's own rule, applied
to the material's history instead of its present.

Records from before this log (the migration's, or materials bulk-loaded without the ORM) have
no tokens yet: their exposure is read from their current grants as if they were not retired
(``exposure``), until their next change records the real one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import event, func, insert, select, update
from sqlalchemy.orm import Session

from .. import policy
from ..models import HarvestRecord, IndexChange, Material, MaterialVersion, School, VersionState
from ..models import utcnow as _utcnow

_PENDING = "hub.harvest_pending"
_REDATE = "hub.harvest_redate"
#: Materials whose records one query reads and writes at a time.
CHUNK = 500


def exposure(facts: policy.MaterialFacts, exposed: Sequence[str] | None) -> frozenset[str]:
    """The tokens a material ever had: the recorded ones, or, for a record from before the
    log, the tokens of its current facts as if it were not retired (what it had until then)."""
    if exposed is not None:
        return frozenset(exposed)
    return policy.access_tokens(dataclasses.replace(facts, retired=False))


def _collect(session: Session, _context: Any, _instances: Any) -> None:
    # Registered after the outbox's own before_flush: it has added its rows by now. On
    # PostgreSQL the outbox's writers hold a lock until they commit (see indexing), so two
    # transactions never write the same record at once.
    if session.info.get("hub.no_outbox"):
        return
    ids = {obj.material_id for obj in session.new if isinstance(obj, IndexChange)}
    if ids:
        session.info.setdefault(_PENDING, set()).update(ids)


def redate(session: Session, material_ids: Iterable[int]) -> None:
    """Date the records of these materials anew at this commit though their tokens and
    version stay: what their records say changed (a peer review accepted, a vetting)."""
    session.info.setdefault(_REDATE, set()).update(material_ids)


def _before_commit(session: Session) -> None:
    if session.info.get("hub.no_outbox"):
        return
    # The commit flushes what is pending only after this listener: flush it now, so that
    # the outbox rows it writes are followed too (a clean session does not flush).
    session.flush()
    ids = session.info.pop(_PENDING, set())
    redated = session.info.pop(_REDATE, set())
    if ids or redated:
        record_changes(session, ids | redated, redate=redated)


def track() -> None:
    """Listen on every session (once), after the outbox's listeners (see the module doc)."""
    if event.contains(Session, "before_flush", _collect):
        return
    event.listen(Session, "before_flush", _collect)
    event.listen(Session, "before_commit", _before_commit)


def _current_facts(session: Session, material_ids: Sequence[int]) -> list[policy.MaterialFacts]:
    rows = session.execute(
        select(*policy.FACT_COLUMNS)
        .join(Material, Material.id == MaterialVersion.material_id)
        .join(School, School.id == Material.school_id)
        .where(
            MaterialVersion.material_id.in_(material_ids),
            MaterialVersion.state == VersionState.PUBLISHED,
        )
    ).all()
    return policy.published_facts(session, rows)


def record_changes(
    session: Session,
    material_ids: Iterable[int],
    now: dt.datetime | None = None,
    redate: Iterable[int] = (),
) -> int:
    """Bring the records of these materials up to date with their present (see the module
    doc); returns how many records changed (those in ``redate`` change whatever else does).
    Written with plain statements: no ORM object becomes dirty, so the outbox is not written
    again."""
    forced = set(redate)
    now = now or _utcnow()
    ids = sorted(set(material_ids))
    changed = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        known = {
            row.material_id: row
            for row in session.execute(
                select(
                    HarvestRecord.material_id,
                    HarvestRecord.version_id,
                    HarvestRecord.tokens,
                    HarvestRecord.exposed,
                ).where(HarvestRecord.material_id.in_(chunk))
            )
        }
        for facts in _current_facts(session, chunk):
            tokens = sorted(policy.access_tokens(facts, now))
            old = known.get(facts.material_id)
            if old is None:
                session.execute(
                    insert(HarvestRecord).values(
                        material_id=facts.material_id,
                        datestamp=now,
                        version_id=facts.version_id,
                        tokens=tokens,
                        exposed=tokens,
                    )
                )
            elif (
                old.version_id != facts.version_id
                or old.tokens != tokens
                or facts.material_id in forced
            ):
                ever = exposure(facts, old.exposed) | set(tokens)
                session.execute(
                    update(HarvestRecord)
                    .where(HarvestRecord.material_id == facts.material_id)
                    .values(
                        datestamp=now,
                        version_id=facts.version_id,
                        tokens=tokens,
                        exposed=sorted(ever),
                    )
                )
            else:
                continue
            changed += 1
    return changed


def record_missing(session: Session) -> int:
    """A record, dated by its publication, for every published material that has none
    (materials written without the ORM, as a benchmark's bulk load does); returns how many.
    Their tokens stay unknown until their next change (see ``exposure``)."""
    have = select(HarvestRecord.material_id)
    rows = session.execute(
        select(
            MaterialVersion.material_id,
            MaterialVersion.id,
            MaterialVersion.published_at,
            MaterialVersion.created_at,
        ).where(
            MaterialVersion.state == VersionState.PUBLISHED,
            MaterialVersion.material_id.not_in(have),
        )
    ).all()
    for start in range(0, len(rows), CHUNK):
        session.execute(
            insert(HarvestRecord),
            [
                {
                    "material_id": material_id,
                    "datestamp": published or created,
                    "version_id": version_id,
                    "tokens": None,
                    "exposed": None,
                }
                for material_id, version_id, published, created in rows[start : start + CHUNK]
            ],
        )
    return len(rows)


def earliest_datestamp(session: Session) -> dt.datetime | None:
    """The oldest datestamp of any record (what Identify announces), None with none."""
    return session.scalar(select(func.min(HarvestRecord.datestamp)))
