"""Result cards: the database, through the policy, has the last word on every search hit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hub import policy
from hub.models import MembershipStatus, utcnow
from hub.services.discovery import discoverable_cards
from tests.factories import SchoolFactory, StudentFactory, make_material, publish_new_version

ANONYMOUS = policy.Viewer()


def _viewer(session: Session, school_country: str = "KE") -> policy.Viewer:
    return policy.viewer_for(session, StudentFactory(school=SchoolFactory(country=school_country)))


def test_a_card_shows_the_current_version_and_its_school(session: Session) -> None:
    school = SchoolFactory(name="Makerere School of Medicine")
    material = make_material(session, school, title="Malaria v1", grants=[("public", [], "view")])
    publish_new_version(session, material, "Malaria v2")
    [card] = discoverable_cards(session, ANONYMOUS, [material.id])
    assert card is not None
    assert (card.title, card.number, card.school_name) == ("Malaria v2", 2, school.name)


def test_cards_leave_out_what_the_viewer_may_not_discover(session: Session) -> None:
    public = make_material(session, title="Open", grants=[("public", [], "view")])
    members = make_material(session, title="Members", grants=[("consortium", [], "view")])
    draft = make_material(session, title="Draft", published=False, grants=[("public", [], "view")])
    ids = [members.id, draft.id, public.id]
    assert [c and c.title for c in discoverable_cards(session, ANONYMOUS, ids)] == [
        None,
        None,
        "Open",
    ]
    member = _viewer(session)
    assert [c and c.title for c in discoverable_cards(session, member, ids)] == [
        "Members",
        None,
        "Open",
    ]


def test_a_hit_the_index_still_holds_is_dropped_once_its_school_is_suspended(
    session: Session,
) -> None:
    owner = SchoolFactory()
    material = make_material(session, owner, grants=[("consortium", [], "view")])
    member = _viewer(session)
    assert discoverable_cards(session, member, [material.id]) != [None]
    owner.status = MembershipStatus.SUSPENDED
    session.flush()
    assert discoverable_cards(session, member, [material.id]) == [None]


def test_cards_agree_with_the_policy_on_loaded_versions(session: Session) -> None:
    # The card query reads the policy's facts as plain columns; the rest of the hub reads
    # them from loaded objects. Both must lead the policy to the same answer.
    suspended = SchoolFactory(status=MembershipStatus.SUSPENDED)
    capped = SchoolFactory(ceiling_audience="consortium", ceiling_rights=["view"])
    materials = [
        make_material(session, grants=[("public", [], "view,download")]),
        make_material(session, suspended, grants=[("regions", ["014"], "view,adapt")]),
        make_material(session, capped, teachers_only=True, grants=[("income", ["LIC"], "view")]),
        make_material(session, licence="LicenseRef-Consortium"),
    ]
    materials[3].retired_at = utcnow()
    materials[3].available_until = utcnow() + dt.timedelta(days=3)
    session.flush()
    viewers = [ANONYMOUS, _viewer(session), _viewer(session, "SE")]
    for material in materials:
        version = material.published
        assert version is not None
        [from_objects] = policy.facts_for_versions(session, [version]).values()
        for viewer in viewers:
            card = discoverable_cards(session, viewer, [material.id])[0]
            assert (card is not None) == policy.decide(viewer, from_objects, "discover").allowed
