"""The card cache: result cards and their policy facts are kept between searches exactly
as long as the outbox says nothing changed for their material."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hub import policy
from hub.models import (
    AudienceGrant,
    IndexChange,
    Material,
    MembershipStatus,
    utcnow,
)
from hub.services.discovery import CardCache, discoverable_cards, outbox_head
from tests.factories import (
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_material,
    publish_new_version,
)

ANONYMOUS = policy.Viewer()


def _cards(
    session: Session, viewer: policy.Viewer, ids: list[int], cache: CardCache
) -> list[str | None]:
    snapshot = cache.at_head(session)
    return [c and c.title for c in discoverable_cards(session, viewer, ids, snapshot)]


def _fresh(session: Session, viewer: policy.Viewer, ids: list[int]) -> list[str | None]:
    return [c and c.title for c in discoverable_cards(session, viewer, ids)]


def test_a_card_is_read_once_then_served_from_the_cache(session: Session) -> None:
    material = make_material(session, title="Cached", grants=[("public", [], "view")])
    cache = CardCache()
    assert _cards(session, ANONYMOUS, [material.id], cache) == ["Cached"]
    assert len(cache) == 1
    # Behind the outbox's back (no ORM events): the cache does not see it, which proves
    # the second answer came from the cache and not from the database.
    session.execute(
        text("UPDATE material_version SET title = 'Changed quietly' WHERE material_id = :id"),
        {"id": material.id},
    )
    assert _cards(session, ANONYMOUS, [material.id], cache) == ["Cached"]


def test_a_change_to_the_material_drops_its_cached_card(session: Session) -> None:
    material = make_material(session, title="Public for now", grants=[("public", [], "view")])
    other = make_material(session, title="Untouched", grants=[("public", [], "view")])
    cache = CardCache()
    ids = [material.id, other.id]
    assert _cards(session, ANONYMOUS, ids, cache) == ["Public for now", "Untouched"]
    for grant in list(material.grants):
        session.delete(grant)
    session.flush()  # writes the outbox row in the same transaction
    assert _cards(session, ANONYMOUS, ids, cache) == [None, "Untouched"]


def _retire(session: Session, material: Material) -> None:
    material.retired_at = utcnow()


def _suspend_school(session: Session, material: Material) -> None:
    material.school.status = MembershipStatus.SUSPENDED


def _lower_ceiling(session: Session, material: Material) -> None:
    material.school.ceiling_audience = "schools"
    material.school.ceiling_rights = ["view"]


def _rename_school(session: Session, material: Material) -> None:
    material.school.name = "Renamed School of Medicine"


def _teachers_only(session: Session, material: Material) -> None:
    material.teachers_only = True


def _embargo(session: Session, material: Material) -> None:
    material.available_from = utcnow() + dt.timedelta(days=30)


def _regrant_to_a_region(session: Session, material: Material) -> None:
    for grant in list(material.grants):
        session.delete(grant)
    session.add(
        AudienceGrant(
            material_id=material.id,
            kind="regions",
            values=["014"],
            can_view=True,
            can_download=False,
            can_adapt=False,
        )
    )


def _publish_a_new_version(session: Session, material: Material) -> None:
    publish_new_version(session, material, "Second edition", language="fr")


CHANGES: list[Callable[[Session, Material], None]] = [
    _retire,
    _suspend_school,
    _lower_ceiling,
    _rename_school,
    _teachers_only,
    _embargo,
    _regrant_to_a_region,
    _publish_a_new_version,
]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__.strip("_") for c in CHANGES])
def test_cached_cards_agree_with_a_fresh_read_after_each_kind_of_change(
    session: Session, change: Callable[[Session, Material], None]
) -> None:
    owner = SchoolFactory(country="KE")
    material = make_material(
        session,
        owner,
        title="Shared widely",
        grants=[("consortium", [], "view"), ("public", [], "view")],
    )
    viewers = [
        ANONYMOUS,
        policy.viewer_for(session, StudentFactory(school=SchoolFactory(country="UG"))),
        policy.viewer_for(session, TeacherFactory(school=SchoolFactory(country="SE"))),
        policy.viewer_for(session, TeacherFactory(school=owner)),
    ]
    cache = CardCache()
    for viewer in viewers:
        _cards(session, viewer, [material.id], cache)
    change(session, material)
    session.flush()
    session.expire_all()
    for viewer in viewers:
        cached = cache.at_head(session)
        with_cache = discoverable_cards(session, viewer, [material.id], cached)
        assert with_cache == discoverable_cards(session, viewer, [material.id])


def test_an_entry_read_before_a_change_is_not_kept_after_it(session: Session) -> None:
    material = make_material(session, title="Before", grants=[("public", [], "view")])
    cache = CardCache()
    early = cache.at_head(session)  # a request takes its snapshot, then waits for the index
    material.retired_at = utcnow()  # meanwhile a change commits...
    session.flush()
    cache.at_head(session)  # ...and another request brings the cache up to it
    session.expire_all()
    # The first request reads the material now and must not keep what it read for later.
    early.entries(session, [material.id])
    assert len(cache) == 0
    assert _cards(session, ANONYMOUS, [material.id], cache) == [None]


def test_the_cache_holds_at_most_its_size(session: Session) -> None:
    ids = [make_material(session, grants=[("public", [], "view")]).id for _ in range(5)]
    cache = CardCache(size=3)
    _cards(session, ANONYMOUS, ids, cache)
    assert len(cache) == 3
    assert _cards(session, ANONYMOUS, ids, cache) == _fresh(session, ANONYMOUS, ids)


def test_school_names_follow_a_rename(session: Session) -> None:
    school = SchoolFactory(name="Old Name School of Medicine")
    make_material(session, school, grants=[("public", [], "view")])
    cache = CardCache()
    assert cache.at_head(session).school_names(session, [school.id]) == {
        school.id: "Old Name School of Medicine"
    }
    school.name = "New Name School of Medicine"
    session.flush()
    assert cache.at_head(session).school_names(session, [school.id]) == {
        school.id: "New Name School of Medicine"
    }


def test_a_viewer_read_without_adoptions_discovers_only(session: Session) -> None:
    material = make_material(session, grants=[("consortium", [], "view")])
    student = StudentFactory()
    version = material.published
    assert version is not None
    facts = policy.facts_for(session, version)
    light = policy.viewer_for(session, student, adoptions=False)
    full = policy.viewer_for(session, student)
    assert policy.decide(light, facts, "discover") == policy.decide(full, facts, "discover")
    with pytest.raises(ValueError, match="without its adoptions"):
        policy.decide(light, facts, "view")


def test_the_outbox_head_is_the_newest_position(session: Session) -> None:
    newest = select(func.max(IndexChange.id))
    assert outbox_head(session) == (session.scalar(newest) or 0)
    make_material(session, grants=[("public", [], "view")])
    session.flush()
    assert outbox_head(session) == session.scalar(newest) > 0
