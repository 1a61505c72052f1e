"""LTI 1.3 launches from a school's platform: the OIDC login, the checked id_token, the person
it names, what opens, and every refusal. The platform is real HTTP on 127.0.0.1 (its key set
is fetched by the hub); the hub is the Flask test client."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import LtiAccount, LtiPlatform, Person, Role, School, UsageEvent
from hub.services import lti
from tests.factories import (
    PASSWORD,
    PUBLIC_DOWNLOAD,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_material,
)
from tests.lti.conftest import launch, post_launch, start_login
from tests.lti.platform import INSTRUCTOR, Platform, new_key


@pytest.fixture()
def material_id(session: Session, school: School, registered: LtiPlatform) -> int:
    """A public material of the platform's school, once the platform is registered (committed:
    the launch reads it through the test client)."""
    material = make_material(session, school, grants=PUBLIC_DOWNLOAD)
    session.commit()
    return material.id


# What a launch does -------------------------------------------------------------------------------


def test_a_launch_opens_its_material_for_a_new_student_of_the_platforms_school(
    client: FlaskClient, session: Session, platform: Platform, school: School, material_id: int
) -> None:
    answer = launch(client, platform, material=material_id)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/materials/{material_id}")
    person = session.scalars(select(Person).where(Person.email == "amina@moodle.example.org")).one()
    assert (person.school_id, person.role, person.name) == (school.id, Role.STUDENT, "Amina Diallo")
    page = client.get(f"/materials/{material_id}").get_data(as_text=True)
    assert "Amina Diallo" in page  # signed in


def test_an_instructor_arrives_as_a_teacher(
    client: FlaskClient, session: Session, platform: Platform, material_id: int
) -> None:
    launch(
        client,
        platform,
        material=material_id,
        roles=(INSTRUCTOR,),
        sub="teacher-9",
        email="t9@x.org",
    )
    assert (
        session.scalars(select(Person).where(Person.email == "t9@x.org")).one().role is Role.TEACHER
    )


def test_a_second_launch_is_the_same_person(
    client: FlaskClient, session: Session, platform: Platform, material_id: int
) -> None:
    launch(client, platform, material=material_id)
    launch(client, platform, material=material_id, email="changed@moodle.example.org")
    assert len(session.scalars(select(LtiAccount)).all()) == 1
    assert (
        session.scalar(select(Person).where(Person.email == "changed@moodle.example.org")) is None
    )


def test_a_launch_without_an_email_still_makes_one_person(
    client: FlaskClient, session: Session, platform: Platform, school: School, material_id: int
) -> None:
    assert launch(client, platform, material=material_id, email=None).status_code == 302
    account = session.scalars(select(LtiAccount)).one()
    assert account.person.email.startswith("lti-") and account.person.school_id == school.id


def test_a_launch_links_the_schools_person_with_the_same_email(
    client: FlaskClient, session: Session, platform: Platform, school: School, material_id: int
) -> None:
    teacher = TeacherFactory(school=school, email="amina@moodle.example.org")
    session.commit()
    launch(client, platform, material=material_id)
    assert session.scalars(select(LtiAccount)).one().person_id == teacher.id


def test_an_email_of_another_schools_person_is_refused(
    client: FlaskClient, session: Session, platform: Platform, school: School, material_id: int
) -> None:
    StudentFactory(email="amina@moodle.example.org")  # of another school
    session.commit()
    answer = launch(client, platform, material=material_id)
    assert answer.status_code == 403
    assert "another school" in answer.get_data(as_text=True)
    assert session.scalars(select(LtiAccount)).all() == []


def test_a_deactivated_person_cannot_launch(
    client: FlaskClient, session: Session, platform: Platform, school: School, material_id: int
) -> None:
    StudentFactory(school=school, email="amina@moodle.example.org", active=False)
    session.commit()
    assert launch(client, platform, material=material_id).status_code == 403


def test_a_launch_never_makes_a_school_admin(
    client: FlaskClient, session: Session, platform: Platform, material_id: int
) -> None:
    admin_roles = (
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
    )
    launch(client, platform, material=material_id, roles=admin_roles)
    assert session.scalars(select(LtiAccount)).one().person.role is Role.STUDENT


def test_a_launch_counts_as_a_use_by_the_persons_school(
    client: FlaskClient,
    session: Session,
    platform: Platform,
    registered: LtiPlatform,
    school: School,
) -> None:
    owner = SchoolFactory()
    material = make_material(session, owner, grants=PUBLIC_DOWNLOAD)
    session.commit()
    launch(client, platform, material=material.id)
    event = session.scalars(select(UsageEvent)).one()
    assert (event.kind, event.school_id, event.country) == ("launch", school.id, "SN")


def test_a_hidden_material_is_the_hubs_not_found_page_in_the_frame(
    client: FlaskClient, session: Session, platform: Platform, registered: LtiPlatform
) -> None:
    hidden = make_material(session, SchoolFactory(), title="Canary of another school")
    session.commit()
    answer = launch(client, platform, material=hidden.id)
    assert answer.status_code == 404
    assert "Canary" not in answer.get_data(as_text=True)
    assert session.scalars(select(UsageEvent)).all() == []


def test_the_not_found_page_is_in_the_persons_language(
    client: FlaskClient, session: Session, platform: Platform, registered: LtiPlatform
) -> None:
    hidden = make_material(session, SchoolFactory())
    session.commit()
    nonce = start_login(client, platform)
    token = platform.id_token(platform.claims(nonce=nonce, material=hidden.id))
    answer = post_launch(client, token, **{"Accept-Language": "fr"})
    assert answer.status_code == 404 and "Introuvable" in answer.get_data(as_text=True)


# Framing ---------------------------------------------------------------------------------------


def test_after_a_launch_only_that_platform_may_frame_the_hub(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    launch(client, platform, material=material_id)
    answer = client.get(f"/materials/{material_id}", headers={"Sec-Fetch-Dest": "iframe"})
    policy = answer.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {platform.url}" in policy
    assert "X-Frame-Options" not in answer.headers
    assert 'class="site-header' not in answer.get_data(as_text=True)


def _session_cookie(answer: Any) -> str:
    return next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_over_https_a_launched_session_is_sent_in_the_platforms_frame(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    client.lti_base = "https://hub.test"  # type: ignore[attr-defined]
    nonce = start_login(client, platform, target_link_uri="https://hub.test/lti/launch")
    token = platform.id_token(platform.claims(nonce=nonce, material=material_id))
    cookie = _session_cookie(post_launch(client, token))
    assert "SameSite=None" in cookie and "Secure" in cookie


def test_a_session_signed_in_on_the_hub_stays_same_site(
    client: FlaskClient, session: Session, school: School
) -> None:
    person = TeacherFactory(school=school)
    form = {"email": person.email, "password": PASSWORD}
    answer = client.post("/sign-in", data=form, base_url="https://hub.test")
    assert "SameSite=Lax" in _session_cookie(answer)


def test_without_a_launch_no_one_may_frame_the_hub(client: FlaskClient, session: Session) -> None:
    answer = client.get("/", headers={"Sec-Fetch-Dest": "iframe"})
    assert answer.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert answer.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_the_same_page_in_a_tab_of_its_own_has_the_site_header(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    launch(client, platform, material=material_id)
    answer = client.get(f"/materials/{material_id}", headers={"Sec-Fetch-Dest": "document"})
    assert 'class="site-header' in answer.get_data(as_text=True)


# Refusals --------------------------------------------------------------------------------------


def _refused_launch(client: FlaskClient, platform: Platform, token_for: Any) -> Any:
    nonce = start_login(client, platform)
    answer = post_launch(client, token_for(nonce))
    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
    assert "could not be checked" in answer.get_data(as_text=True)
    return answer


def _refused_with(
    client: FlaskClient, platform: Platform, material_id: int, **changed: str
) -> None:
    """A launch whose claims differ from the registration's in ``changed`` is refused."""
    _refused_launch(
        client,
        platform,
        lambda nonce: platform.id_token(
            {**platform.claims(nonce=nonce, material=material_id), **changed}
        ),
    )


def _login(client: FlaskClient, **args: str) -> int:
    """The status of a login initiation with ``args`` (and a login hint)."""
    return client.get("/lti/login", query_string={"login_hint": "x", **args}).status_code


def test_an_unknown_issuer_is_refused_at_login(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    assert (
        _login(
            client, iss="https://elsewhere.example", target_link_uri="http://hub.test/lti/launch"
        )
        == 400
    )


def test_a_login_for_another_sites_target_is_refused(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    assert _login(client, iss=platform.issuer, target_link_uri="https://evil.example/launch") == 400


def test_a_token_of_another_issuer_is_refused(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    _refused_with(client, platform, material_id, iss="https://other.example")


def test_a_token_for_another_audience_is_refused(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    _refused_with(client, platform, material_id, aud="another-tool")


def test_an_unregistered_deployment_is_refused(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    _refused_with(
        client, platform, material_id, **{lti.DEPLOYMENT_CLAIM: "deployment-of-someone-else"}
    )


def test_an_expired_token_is_refused(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    def expired(nonce: str) -> str:
        claims = platform.claims(nonce=nonce, material=material_id)
        claims.update(iat=int(time.time()) - 3600, exp=int(time.time()) - 1800)
        return platform.id_token(claims)

    _refused_launch(client, platform, expired)


def test_a_token_signed_with_another_key_is_refused(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    other_key, _kid = new_key()
    _refused_launch(
        client,
        platform,
        lambda nonce: platform.id_token(
            platform.claims(nonce=nonce, material=material_id), key=other_key
        ),
    )


def test_a_nonce_the_hub_did_not_give_is_refused(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    _refused_launch(
        client,
        platform,
        lambda nonce: platform.id_token(platform.claims(nonce="made-up", material=material_id)),
    )


def test_a_replayed_launch_is_refused(
    client: FlaskClient, session: Session, platform: Platform, material_id: int
) -> None:
    nonce = start_login(client, platform)
    token = platform.id_token(platform.claims(nonce=nonce, material=material_id))
    assert post_launch(client, token).status_code == 302
    assert post_launch(client, token).status_code == 400


def test_a_launch_without_the_logins_state_is_refused(
    client: FlaskClient, platform: Platform, material_id: int
) -> None:
    nonce = start_login(client, platform)
    token = platform.id_token(platform.claims(nonce=nonce, material=material_id))
    answer = client.post("/lti/launch", data={"id_token": token, "state": "state-forged"})
    assert answer.status_code == 400


def test_a_removed_platforms_launches_stop(
    client: FlaskClient,
    session: Session,
    platform: Platform,
    registered: LtiPlatform,
    material_id: int,
) -> None:
    admin = session.scalars(select(Person).where(Person.role == Role.SCHOOL_ADMIN)).one()
    lti.remove_platform(session, admin, registered.id)
    session.commit()
    assert _login(client, iss=platform.issuer, target_link_uri="http://hub.test/lti/launch") == 400


# The tool's keys ---------------------------------------------------------------------------------


def test_the_tool_publishes_its_key_set(client: FlaskClient, session: Session) -> None:
    keys = client.get("/lti/jwks").get_json()["keys"]
    assert len(keys) == 1
    assert {keys[0]["kty"], keys[0]["alg"], keys[0]["use"]} == {"RSA", "RS256", "sig"}
    assert "d" not in keys[0]  # the public half only
    assert client.get("/lti/jwks").get_json()["keys"] == keys  # made once
