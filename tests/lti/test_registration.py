"""A school admin registers their school's platform: by hand on the platforms page (which
shows the hub's addresses to paste), or by LTI Dynamic Registration (the platform gives one
address; the admin confirms). Each registration belongs to one school."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import LtiPlatform, School
from tests.conftest import sign_in
from tests.factories import SchoolAdminFactory, TeacherFactory
from tests.lti.platform import Platform


def _admin(client: FlaskClient, school: School) -> None:
    sign_in(client, SchoolAdminFactory(school=school))


def _registration_offer(platform: Platform, token: str) -> dict[str, str]:
    """What the platform gives the admin to start a dynamic registration: the address of its
    configuration and a registration token."""
    return {
        "openid_configuration": platform.url + "/.well-known/openid-configuration",
        "registration_token": token,
    }


def test_the_platforms_page_shows_the_hubs_addresses_to_paste(
    client: FlaskClient, session: Session, school: School
) -> None:
    _admin(client, school)
    page = client.get("/school/platforms").get_data(as_text=True)
    for address in ("/lti/login", "/lti/launch", "/lti/jwks", "/lti/register"):
        assert f"http://hub.test{address}" in page


def test_an_admin_registers_a_platform_by_hand(
    client: FlaskClient, session: Session, school: School, platform: Platform
) -> None:
    _admin(client, school)
    answer = client.post("/school/platforms", data=platform.registration_form())
    assert answer.status_code == 302
    registered = session.scalars(select(LtiPlatform)).one()
    assert (registered.school_id, registered.issuer, registered.deployment_ids) == (
        school.id,
        platform.issuer,
        ["deployment-1"],
    )
    assert "Test Moodle" in client.get("/school/platforms").get_data(as_text=True)


def test_a_wrong_address_is_said_and_the_form_kept(
    client: FlaskClient, session: Session, school: School, platform: Platform
) -> None:
    _admin(client, school)
    form = {**platform.registration_form(), "key_set_url": "moodle certs"}
    answer = client.post("/school/platforms", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "must be a web address" in page and platform.issuer in page
    assert session.scalars(select(LtiPlatform)).all() == []


def test_the_same_platform_twice_is_refused(
    client: FlaskClient, session: Session, school: School, platform: Platform
) -> None:
    _admin(client, school)
    client.post("/school/platforms", data=platform.registration_form())
    answer = client.post("/school/platforms", data=platform.registration_form("Again"))
    assert answer.status_code == 409
    assert len(session.scalars(select(LtiPlatform)).all()) == 1


def test_a_teacher_cannot_register_a_platform(
    client: FlaskClient, session: Session, school: School, platform: Platform
) -> None:
    sign_in(client, TeacherFactory(school=school))
    assert client.post("/school/platforms", data=platform.registration_form()).status_code == 403
    assert client.get("/school/platforms").status_code == 403


def test_an_admin_removes_only_their_schools_platform(
    client: FlaskClient,
    session: Session,
    school: School,
    platform: Platform,
    registered: LtiPlatform,
) -> None:
    other = SchoolAdminFactory()
    session.commit()
    sign_in(client, other)
    assert client.post(f"/school/platforms/{registered.id}/remove").status_code == 404
    client.post("/sign-out")
    _admin(client, school)
    assert client.post(f"/school/platforms/{registered.id}/remove").status_code == 302
    assert session.scalars(select(LtiPlatform)).all() == []


def test_dynamic_registration_registers_the_platform_for_the_admins_school(
    client: FlaskClient, session: Session, school: School, platform: Platform
) -> None:
    _admin(client, school)
    args = _registration_offer(platform, platform.registration_token)
    confirm = client.get("/lti/register", query_string=args)
    assert confirm.status_code == 200 and school.name in confirm.get_data(as_text=True)
    done = client.post("/lti/register", data=args)
    assert done.status_code == 200 and "lti-close.js" in done.get_data(as_text=True)
    registered = session.scalars(select(LtiPlatform)).one()
    assert (registered.school_id, registered.client_id, registered.deployment_ids) == (
        school.id,
        platform.client_id,
        [platform.deployment_id],
    )
    sent = platform.registrations[0]
    assert sent["initiate_login_uri"] == "http://hub.test/lti/login"
    assert sent["jwks_uri"] == "http://hub.test/lti/jwks"
    assert sent["redirect_uris"] == ["http://hub.test/lti/launch"]


def test_dynamic_registration_refused_by_the_platform_says_so_and_registers_nothing(
    client: FlaskClient, session: Session, school: School, platform: Platform
) -> None:
    _admin(client, school)
    args = _registration_offer(platform, "stale-token")
    answer = client.post("/lti/register", data=args)
    assert answer.status_code == 400
    assert "did not accept" in answer.get_data(as_text=True)
    assert session.scalars(select(LtiPlatform)).all() == []


def test_a_configuration_naming_another_issuer_is_refused(
    client: FlaskClient, session: Session, school: School, platform: Platform
) -> None:
    _admin(client, school)
    # The configuration is fetched from one place but claims to be another platform.
    port = platform.url.rsplit(":", 1)[1]
    configuration = f"http://localhost:{port}/.well-known/openid-configuration"
    answer = client.post("/lti/register", data={"openid_configuration": configuration})
    assert answer.status_code == 400
    assert "names another issuer" in answer.get_data(as_text=True)
    assert session.scalars(select(LtiPlatform)).all() == []
