"""Access requests between schools, and the usage report of a school's materials."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import policy
from hub.models import AccessRequest, RequestStatus, UsageEvent, utcnow
from hub.services import access_requests, lineage, usage
from hub.services.errors import Conflict, InvalidInput, NotFound
from tests.conftest import sign_in
from tests.factories import (
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_material,
)


def test_a_granted_request_becomes_a_grant_that_expires(session: Session) -> None:
    material = make_material(session, grants=[("consortium", [], "view")])
    teacher = TeacherFactory()
    admin = SchoolAdminFactory(school=material.school)
    request = access_requests.request_access(session, teacher, material, ["download"], "Please")
    assert not policy.allowed(session, teacher, material.published, "download")
    until = utcnow() + dt.timedelta(days=30)
    access_requests.grant_request(session, admin, request.id, ["view", "download"], until)
    assert request.status is RequestStatus.GRANTED
    assert policy.allowed(session, teacher, material.published, "download")
    later = utcnow() + dt.timedelta(days=31)
    viewer = policy.viewer_for(session, teacher)
    assert not policy.decide(
        viewer, policy.facts_for(session, material.published), "download", later
    )


def test_asking_twice_is_refused(session: Session) -> None:
    material = make_material(session, grants=[("consortium", [], "view")])
    teacher = TeacherFactory()
    access_requests.request_access(session, teacher, material, ["download"], "")
    with pytest.raises(Conflict, match="asked already"):
        access_requests.request_access(
            session, TeacherFactory(school=teacher.school), material, ["download"], ""
        )


def test_a_hidden_material_cannot_be_requested(session: Session) -> None:
    with pytest.raises(NotFound):
        access_requests.request_access(
            session, TeacherFactory(), make_material(session), ["download"], ""
        )


def test_an_admin_cannot_decide_on_another_schools_material(session: Session) -> None:
    material = make_material(session, grants=[("consortium", [], "view")])
    request = access_requests.request_access(session, TeacherFactory(), material, ["download"], "")
    with pytest.raises(NotFound):
        access_requests.grant_request(session, SchoolAdminFactory(), request.id, ["download"], None)
    with pytest.raises(NotFound):
        access_requests.decline_request(session, SchoolAdminFactory(), request.id, "no")


def test_declining_needs_a_reason_and_the_requester_sees_it(
    client: FlaskClient, session: Session
) -> None:
    material = make_material(session, title="Anatomy atlas", grants=[("consortium", [], "view")])
    teacher = TeacherFactory()
    admin = SchoolAdminFactory(school=material.school)
    request = access_requests.request_access(session, teacher, material, ["adapt"], "")
    with pytest.raises(InvalidInput, match="Say why"):
        access_requests.decline_request(session, admin, request.id, " ")
    access_requests.decline_request(session, admin, request.id, "Licensed from a publisher")
    session.flush()
    sign_in(client, teacher)
    page = client.get("/requests").get_data(as_text=True)
    assert "Anatomy atlas" in page and "Licensed from a publisher" in page


def test_the_request_flow_through_the_pages(client: FlaskClient, session: Session) -> None:
    material = make_material(session, grants=[("consortium", [], "view")])
    teacher = TeacherFactory()
    admin = SchoolAdminFactory(school=material.school)
    sign_in(client, teacher)
    assert "Request access" in client.get(f"/materials/{material.id}").get_data(as_text=True)
    client.post(
        f"/materials/{material.id}/request-access",
        data={"rights": ["download"], "message": "For our clerkship"},
    )
    client.post("/sign-out")
    sign_in(client, admin)
    assert "For our clerkship" in client.get("/requests").get_data(as_text=True)
    request = session.scalar(select(AccessRequest))
    assert request is not None
    assert (
        client.post(
            f"/requests/{request.id}/grant", data={"rights": ["view", "download"]}
        ).status_code
        == 302
    )
    session.expire_all()
    assert request.status is RequestStatus.GRANTED


def test_downloads_previews_and_adoptions_are_recorded_and_reported(
    client: FlaskClient, session: Session
) -> None:
    material = make_material(session, grants=[("consortium", [], "view,download")])
    owner_admin = SchoolAdminFactory(school=material.school)
    reader = StudentFactory(school=SchoolFactory(country="BR"))
    adopter = TeacherFactory(school=SchoolFactory(country="KE"))
    lineage.adopt(session, adopter, material.published)
    session.flush()
    file_id = material.published.files[0].id
    usage.record(session, "download", material.published, reader)
    session.flush()
    kinds = sorted(e.kind for e in session.scalars(select(UsageEvent)))
    assert kinds == ["adoption", "download"]
    sign_in(client, owner_admin)
    page = client.get("/school/report").get_data(as_text=True)
    assert "Brazil" in page and "Kenya" in page and "uses of our materials by others" in page
    assert file_id


def test_a_use_counts_once_per_person_and_material_within_thirty_seconds(
    session: Session,
) -> None:
    material = make_material(session, grants=[("consortium", [], "view,download")])
    reader = StudentFactory()
    for _ in range(3):
        usage.record(session, "download", material.published, reader)
        session.flush()
    usage.record(session, "preview", material.published, reader)
    session.flush()
    counted = sorted(
        e.kind for e in session.scalars(select(UsageEvent).where(UsageEvent.person_id == reader.id))
    )
    assert counted == ["download", "preview"]


def test_embedded_players_and_page_images_count_no_use(
    client: FlaskClient, session: Session
) -> None:
    material = make_material(session, grants=[("consortium", [], "view")])
    reader = TeacherFactory()
    session.commit()
    sign_in(client, reader)
    file_id = material.published.files[0].id
    client.get(f"/materials/{material.id}")
    client.get(f"/materials/{material.id}/v/1/files/{file_id}/stream")
    client.get(f"/materials/{material.id}/v/1/files/{file_id}/pages/1.png")
    kinds = session.scalars(select(UsageEvent.kind).where(UsageEvent.person_id == reader.id))
    assert list(kinds) == ["view"]  # the page itself, not what it embeds


def test_the_usage_dashboard_has_no_inline_styles(client: FlaskClient, session: Session) -> None:
    material = make_material(session, grants=[("consortium", [], "view,download")])
    usage.record(session, "download", material.published, StudentFactory())
    session.commit()
    sign_in(client, SchoolAdminFactory(school=material.school))
    page = client.get("/school/report").get_data(as_text=True)
    assert 'id="countries"' in page and "< 5" in page
    assert "style=" not in page


def test_adapting_a_no_derivatives_material_names_the_licence_and_is_not_offered(
    client: FlaskClient, session: Session
) -> None:
    material = make_material(session, licence="CC-BY-ND-4.0", grants=[("consortium", [], "view")])
    teacher = TeacherFactory()
    session.commit()
    sign_in(client, teacher)
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert "CC-BY-ND-4.0, allows no derivatives" in page
    assert 'name="rights" value="adapt"' not in page
    with pytest.raises(InvalidInput, match="allows no derivatives"):
        access_requests.request_access(session, teacher, material, ["adapt"], "")
