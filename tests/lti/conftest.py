"""The LTI tests' platform (real HTTP on 127.0.0.1), its registration for a school, and the
steps of a launch as the platform and the browser make them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.models import LtiPlatform, School
from hub.search import shutdown
from hub.services import lti
from tests.factories import SchoolAdminFactory, SchoolFactory
from tests.lti.platform import Platform


@pytest.fixture()
def platform() -> Iterator[Platform]:
    p = Platform()
    yield p
    p.close()


@pytest.fixture()
def school(session: Session) -> School:
    return SchoolFactory(name="Université de Dakar", country="SN")


@pytest.fixture()
def registered(session: Session, platform: Platform, school: School) -> LtiPlatform:
    admin = SchoolAdminFactory(school=school)
    form = platform.registration_form()
    fields = lti.PlatformFields(**{**form, "deployment_ids": (form["deployment_ids"],)})
    registration = lti.register_platform(session, admin, fields)
    session.commit()
    return registration


@pytest.fixture(autouse=True)
def _close_index(app: Flask) -> Iterator[None]:
    yield
    shutdown(app)


def start_login(client: FlaskClient, platform: Platform, **changes: str) -> str:
    """The platform starts the OIDC login; the hub's redirect carries the nonce (returned)."""
    args = {
        "iss": platform.issuer,
        "client_id": platform.client_id,
        "login_hint": "student-1",
        "lti_message_hint": "link-1",
        "target_link_uri": "http://hub.test/lti/launch",
        **changes,
    }
    answer = client.get("/lti/login", query_string=args)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    sent = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert answer.headers["Location"].startswith(platform.url + "/auth?")
    client.application.config["_lti_state"] = sent["state"][0]
    return sent["nonce"][0]


def post_launch(client: FlaskClient, token: str, **headers: str) -> Any:
    state = client.application.config["_lti_state"]
    return client.post("/lti/launch", data={"id_token": token, "state": state}, headers=headers)


def launch(client: FlaskClient, platform: Platform, **claims: Any) -> Any:
    """A whole launch: login, the platform's signed id_token, the post to the hub."""
    nonce = start_login(client, platform)
    return post_launch(client, platform.id_token(platform.claims(nonce=nonce, **claims)))
