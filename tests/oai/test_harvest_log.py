"""The harvest log: a record's datestamp moves when harvesters' view of it changes, and a
material is deleted for exactly the readers who could once discover it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub import policy
from hub.models import AudienceGrant, HarvestRecord, MaterialVersion, VersionState, utcnow
from hub.services import harvest_log, indexing
from hub.services.catalogue import Catalogue, HarvestScope
from tests.factories import (
    PUBLIC_VIEW,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    add_grants,
    make_material,
)
from tests.review.conftest import make_world


def harvested(session: Session, viewer: policy.Viewer) -> dict[int, bool]:
    """Material id -> deleted, as ``viewer`` harvests everything."""
    return {h.material_id: h.deleted for h in Catalogue(session, viewer).harvest(HarvestScope())}


def test_only_what_was_once_discoverable_is_deleted(session: Session) -> None:
    school = SchoolFactory()
    public = make_material(session, school, title="Public", grants=PUBLIC_VIEW)
    members = make_material(session, school, title="Members", grants=[("consortium", [], "view")])
    draft = make_material(session, school, title="Draft", grants=PUBLIC_VIEW, published=False)
    student = StudentFactory(school=SchoolFactory())
    session.commit()
    anonymous = policy.ANONYMOUS
    assert harvested(session, anonymous) == {public.id: False}
    old = utcnow() - dt.timedelta(days=1)
    session.execute(update(HarvestRecord).values(datestamp=old))
    session.commit()
    for material in (public, members):
        material.retired_at = utcnow()
    session.commit()  # nothing flushed before: the commit's own flush is followed too
    session.expire_all()
    assert all(r.datestamp > old for r in session.scalars(select(HarvestRecord))), (
        "retiring moves the datestamp"
    )
    # Both retired: the visitor learns of the public one only; a member of both.
    assert harvested(session, anonymous) == {public.id: True}
    member = policy.viewer_for(session, student)
    assert harvested(session, member) == {public.id: True, members.id: True}
    assert draft.id not in harvested(session, policy.viewer_for(session, TeacherFactory()))


def test_a_grant_that_ends_deletes_the_record_when_its_time_passes(session: Session) -> None:
    school = SchoolFactory()
    material = make_material(session, school, title="For a while", grants=PUBLIC_VIEW)
    session.commit()
    record = session.get(HarvestRecord, material.id)
    assert record is not None
    first = record.datestamp
    # The grant ends (written without the ORM, as time passing writes nothing).
    ends = utcnow() - dt.timedelta(seconds=1)
    session.execute(
        update(AudienceGrant)
        .where(AudienceGrant.material_id == material.id)
        .values(expires_at=ends)
    )
    session.commit()
    # The follower queues what a window passed (``hub index follow`` does this each round);
    # its commit brings the record up to date.
    indexing.requeue_time_windows(session, ends - dt.timedelta(seconds=5), utcnow())
    session.commit()
    session.expire_all()
    record = session.get(HarvestRecord, material.id)
    assert record is not None and record.datestamp > first
    assert "public" not in (record.tokens or []) and "public" in (record.exposed or [])
    assert harvested(session, policy.ANONYMOUS) == {material.id: True}


def test_a_new_version_moves_the_datestamp_and_nothing_else_does(session: Session) -> None:
    school = SchoolFactory()
    material = make_material(session, school, title="v1", grants=PUBLIC_VIEW)
    session.commit()
    old = utcnow() - dt.timedelta(days=1)
    session.execute(update(HarvestRecord).values(datestamp=old))
    session.commit()
    material.popularity += 5  # an adoption counts: no change for harvesters
    session.commit()
    session.expire_all()
    assert session.get(HarvestRecord, material.id).datestamp == old  # type: ignore[union-attr]
    version = session.get(MaterialVersion, material.versions[0].id)
    assert version is not None
    version.state = VersionState.SUPERSEDED
    session.add(
        MaterialVersion(
            material_id=material.id, number=2, title="v2", language="en", licence="CC-BY-4.0",
            state=VersionState.PUBLISHED, published_at=utcnow(),
        )
    )  # fmt: skip
    session.commit()
    session.expire_all()
    assert session.get(HarvestRecord, material.id).datestamp > old  # type: ignore[union-attr]


def test_records_from_before_the_log_read_their_exposure_from_their_grants(
    session: Session,
) -> None:
    school = SchoolFactory()
    public = make_material(session, school, title="Old public", grants=PUBLIC_VIEW)
    session.commit()
    # As the migration leaves them: no tokens known yet; then retired without the ORM.
    session.execute(update(HarvestRecord).values(tokens=None, exposed=None))
    session.commit()
    assert harvested(session, policy.ANONYMOUS) == {public.id: False}
    public.retired_at = utcnow()
    session.commit()
    assert harvested(session, policy.ANONYMOUS) == {public.id: True}
    session.execute(HarvestRecord.__table__.delete())
    session.commit()
    assert harvest_log.record_missing(session) == 1
    session.commit()
    assert harvested(session, policy.ANONYMOUS) == {public.id: True}


def test_widening_the_sharing_moves_the_datestamp(session: Session) -> None:
    school = SchoolFactory()
    material = make_material(session, school, title="Members first", grants=[])
    add_grants(session, material, [("consortium", [], "view")])
    session.commit()
    old = utcnow() - dt.timedelta(days=1)
    session.execute(update(HarvestRecord).values(datestamp=old))
    session.commit()
    assert harvested(session, policy.ANONYMOUS) == {}
    add_grants(session, material, PUBLIC_VIEW)  # now public: an incremental harvest must see it
    session.commit()
    session.expire_all()
    record = session.get(HarvestRecord, material.id)
    assert record is not None and record.datestamp > old
    scope = HarvestScope(since=old + dt.timedelta(hours=1))
    found = list(Catalogue(session, policy.ANONYMOUS).harvest(scope))
    assert [(h.material_id, h.deleted) for h in found] == [(material.id, False)]


def test_an_accepted_peer_review_moves_the_datestamp(session: Session) -> None:
    world = make_world(session)
    session.commit()
    old = utcnow() - dt.timedelta(days=1)
    session.execute(update(HarvestRecord).values(datestamp=old))
    session.commit()
    world.accept()  # its record now carries the review (a LOM annotation)
    session.commit()
    session.expire_all()
    record = session.get(HarvestRecord, world.material.id)
    assert record is not None and record.datestamp > old
