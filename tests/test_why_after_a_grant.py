"""After an access request is granted, "Why can I see this?" names the new right, until when,
and which school gave it."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub import policy, reasons
from hub.services import access_requests
from tests.conftest import sign_in
from tests.factories import SchoolAdminFactory, SchoolFactory, TeacherFactory, make_material

UNTIL = dt.datetime(2031, 3, 1, tzinfo=dt.UTC)


def _why(client: FlaskClient, material_id: int) -> str:
    page = client.get(f"/materials/{material_id}").get_data(as_text=True)
    return page.split("Why can I see this?", 1)[1].split("</section>", 1)[0]


def test_the_material_page_names_the_granted_right_its_end_and_its_giver(
    client: FlaskClient, session: Session
) -> None:
    owner = SchoolFactory(name="Makerere University School of Medicine")
    material = make_material(session, owner, grants=[("consortium", [], "view")])
    teacher = TeacherFactory()
    request = access_requests.request_access(session, teacher, material, ["download"], "")
    admin = SchoolAdminFactory(school=owner)
    access_requests.grant_request(session, admin, request.id, ["view", "download"], UNTIL)
    session.commit()
    sign_in(client, teacher)
    assert (
        "Your school was granted view and download until Mar 1, 2031 by "
        "Makerere University School of Medicine." in _why(client, material.id)
    )


def test_a_school_named_without_an_end_is_said_without_one(app: Flask) -> None:
    facts = policy.MaterialFacts(
        material_id=1, version_id=1, owner_school_id=1, owner_active=True,
        state="published", is_current=True, owner_name="Makerere",
        grants=(
            policy.Grant(kind="consortium"),
            policy.Grant(kind="schools", values=frozenset({"7"}),
                         rights=frozenset({"view", "adapt"})),
        ),
    )  # fmt: skip
    viewer = policy.Viewer(school_id=7, role="teacher", school_active=True, adopted_versions=())
    decision = policy.decide(viewer, facts, "view")
    with app.test_request_context():
        assert reasons.words(decision) == "Your school was granted view and adapt by Makerere."


def test_other_schools_still_read_how_it_is_shared(client: FlaskClient, session: Session) -> None:
    owner = SchoolFactory()
    material = make_material(session, owner, grants=[("consortium", [], "view")])
    request = access_requests.request_access(session, TeacherFactory(), material, ["download"], "")
    access_requests.grant_request(
        session, SchoolAdminFactory(school=owner), request.id, ["view", "download"], UNTIL
    )
    session.commit()
    sign_in(client, TeacherFactory())
    assert "shared with every member school" in _why(client, material.id)
