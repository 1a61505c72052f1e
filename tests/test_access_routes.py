"""Every route declares who may open it, and the declaration is enforced."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from hub.models import Role
from hub.web.access import ACCESS_ATTRIBUTE
from tests.conftest import sign_in
from tests.factories import ConsortiumAdminFactory, PersonFactory


def _rules(app: Flask) -> list[tuple[Rule, object]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        rules.append((rule, getattr(view, ACCESS_ATTRIBUTE, None)))
    return rules


def _url(rule: Rule) -> str:
    """A URL for ``rule`` with harmless values; the access check runs before any lookup."""
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        items = getattr(converter, "items", None)
        values[name] = sorted(items)[0] if items else 1
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def test_every_route_declares_its_access(app: Flask) -> None:
    undeclared = [str(rule) for rule, access in _rules(app) if access is None]
    assert undeclared == [], "routes without @public or @requires(...)"


def test_visitors_are_sent_to_sign_in_from_every_protected_route(
    app: Flask, client: FlaskClient
) -> None:
    for rule, access in _rules(app):
        if access == "public":
            continue
        method = "GET" if "GET" in rule.methods else "POST"  # type: ignore[attr-defined]
        response = client.open(_url(rule), method=method, headers={"Accept": "text/html"})
        if str(rule).startswith("/api/"):
            assert response.status_code == 401, rule  # programs are told, not redirected
        else:
            assert response.status_code == 302, rule
            assert "/sign-in" in response.headers["Location"], rule
        api = client.open(_url(rule), method=method, headers={"Accept": "application/json"})
        assert api.status_code == 401, rule


@pytest.mark.parametrize(
    "role", [Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN, Role.CONSORTIUM_ADMIN]
)
def test_people_without_the_role_get_403_on_every_role_limited_route(
    app: Flask, client: FlaskClient, role: Role
) -> None:
    person = ConsortiumAdminFactory() if role is Role.CONSORTIUM_ADMIN else PersonFactory(role=role)
    sign_in(client, person)
    for rule, access in _rules(app):
        if not isinstance(access, tuple) or role in access:
            continue
        method = "GET" if "GET" in rule.methods else "POST"  # type: ignore[attr-defined]
        response = client.open(_url(rule), method=method)
        assert response.status_code == 403, (rule, role)
        if response.is_json:
            assert response.get_json()["error"] == "Your role does not give access to this page."
        else:
            assert b"Not for your role" in response.data


def test_student_opening_an_admin_page_sees_a_designed_403(client: FlaskClient) -> None:
    sign_in(client, PersonFactory(role=Role.STUDENT))
    response = client.get("/consortium/")
    assert response.status_code == 403
    assert b"Your role does not give access to this page." in response.data
    assert b"<main" in response.data
