"""The LTI tests' platform (real HTTP on 127.0.0.1), its registration for a school, and the
steps of a launch as the platform and the browser make them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.models import LtiPlatform, School
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
def _close_index(closes_index: None) -> None:
    """Every test here closes the app's search index after it (``tests/conftest.py``)."""


def start_login(client: FlaskClient, platform: Platform, **changes: str) -> str:
    """The platform starts the OIDC login (see ``Platform.start_login``): the nonce."""
    return platform.start_login(client, **changes)


def post_launch(client: FlaskClient, token: str, **headers: str) -> Any:
    """The browser posts the platform's signed launch to the hub."""
    return Platform.post_launch(client, token, **headers)


def launch(client: FlaskClient, platform: Platform, **claims: Any) -> Any:
    """A whole launch: login, the platform's signed id_token, the post to the hub."""
    return platform.launch(client, **claims)
