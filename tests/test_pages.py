"""The layout, error pages, health check and navigation by role."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.models import MembershipStatus, Role
from tests.conftest import sign_in
from tests.factories import ConsortiumAdminFactory, PersonFactory, SchoolFactory


def test_home_lists_active_member_schools_only(client: FlaskClient) -> None:
    SchoolFactory(name="Makerere Test School", country="UG")
    SchoolFactory(name="Applicant School", status=MembershipStatus.APPLIED)
    page = client.get("/").get_data(as_text=True)
    assert "Makerere Test School" in page
    assert "Uganda" in page
    assert "Applicant School" not in page


def test_pages_have_landmarks_and_a_skip_link(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    for landmark in (
        "<header",
        '<nav aria-label="Main"',
        '<main id="content"',
        "<footer",
        'href="#content"',
        '<html lang="en"',
        'name="viewport"',
    ):
        assert landmark in page


def test_unknown_address_is_a_designed_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not found" in response.data and b"<main" in response.data


def test_api_clients_get_json_errors(client: FlaskClient) -> None:
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_an_unexpected_error_is_a_designed_500(app: Flask, client: FlaskClient) -> None:
    from hub.web.access import public

    @public
    def broken() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    response = client.get("/broken-for-test")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data
    assert b"boom" not in response.data


def test_healthz_reports_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_gone(app_config: dict, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hub import create_app

    app_config["HUB_DATABASE_URL"] = f"sqlite:///{tmp_path}/missing-dir/x/db.sqlite3"
    response = create_app(app_config).test_client().get("/healthz")
    assert response.status_code == 503


def test_navigation_follows_the_role(client: FlaskClient, session: Session) -> None:
    student = PersonFactory(role=Role.STUDENT)
    sign_in(client, student)
    page = client.get("/").get_data(as_text=True)
    assert "My school" not in page and "Consortium</a>" not in page
    client.post("/sign-out")
    sign_in(client, PersonFactory(role=Role.SCHOOL_ADMIN))
    assert "My school" in client.get("/").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, ConsortiumAdminFactory())
    assert "Consortium</a>" in client.get("/").get_data(as_text=True)


def test_a_school_admin_sees_only_their_own_school_people(
    client: FlaskClient, session: Session
) -> None:
    admin = PersonFactory(role=Role.SCHOOL_ADMIN, name="Admin A")
    PersonFactory(school=admin.school, name="Colleague A")
    PersonFactory(name="Stranger B")
    sign_in(client, admin)
    page = client.get("/school/people").get_data(as_text=True)
    assert "Colleague A" in page
    assert "Stranger B" not in page


def test_security_headers_are_set(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_home_by_role(app: Flask, client: FlaskClient, session: Session) -> None:
    from hub.search import catch_up_now, shutdown
    from tests.factories import make_material

    school = SchoolFactory(country="KE", languages=["sw", "en"])
    other = SchoolFactory(country="UG")
    make_material(
        session,
        other,
        title="Kiswahili lecture",
        language="sw",
        grants=[("consortium", [], "view")],
    )
    make_material(session, title="Open course", grants=[("public", [], "view")])
    session.commit()
    catch_up_now(app)
    visitor = client.get("/").get_data(as_text=True)
    assert "Open to everyone" in visitor and "Open course" in visitor
    assert "Kiswahili lecture" not in visitor
    student = PersonFactory(role=Role.STUDENT, school=school)
    sign_in(client, student)
    page = client.get("/").get_data(as_text=True)
    assert "New in your languages" in page and "Kiswahili lecture" in page
    assert "Adopted by other schools" not in page
    client.post("/sign-out")
    sign_in(client, PersonFactory(role=Role.SCHOOL_ADMIN, school=school))
    admin_page = client.get("/").get_data(as_text=True)
    assert "at a glance" in admin_page and "Adopted by other schools" in admin_page
    shutdown(app)


def test_home_offers_to_continue_a_started_module(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    from hub.models import MaterialKind, VersionState
    from hub.search import shutdown
    from hub.services import modules, publishing
    from tests.factories import TeacherFactory, make_material

    teacher = TeacherFactory()
    school = teacher.school
    steps = [make_material(session, school, title=f"Step {i}") for i in range(2)]
    module = publishing.create_draft(session, teacher, MaterialKind.MODULE).latest
    module.title = "Sepsis module"
    modules.set_module_items(session, teacher, module, [m.published.id for m in steps], [])
    module.state = VersionState.PUBLISHED
    student = PersonFactory(role=Role.STUDENT, school=school)
    modules.set_item_done(session, student, module, module.items[0].id, True)
    session.commit()
    sign_in(client, student)
    page = client.get("/").get_data(as_text=True)
    assert "Continue where you left off" in page and "1 of 2 done" in page
    shutdown(app)
