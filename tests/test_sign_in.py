"""Signing in and out, throttling, sessions and CSRF."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import Type
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.services import accounts
from tests.conftest import SHIPPED_HASHER, csrf_token, make_app, sign_in
from tests.factories import PASSWORD, PersonFactory, SchoolAdminFactory


def test_a_person_signs_in_with_email_and_password(client: FlaskClient) -> None:
    person = PersonFactory(email="ana@example.org", name="Ana Silva")
    response = sign_in(client, person)
    assert response.status_code == 302
    home = client.get("/")
    assert b"Ana Silva" in home.data
    assert b"Sign out" in home.data


def test_the_hub_keeps_passwords_as_argon2id_at_its_recommended_cost() -> None:
    """The suite signs in with cheap hashes (``cheap_passwords`` in conftest); the hub itself
    hashes at RFC 9106's cost for servers short of memory, or more."""
    assert SHIPPED_HASHER.type is Type.ID
    assert SHIPPED_HASHER.time_cost >= 3
    assert SHIPPED_HASHER.memory_cost >= 64 * 1024


def test_a_hash_cheaper_than_the_hubs_is_upgraded_at_the_next_sign_in(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = PersonFactory()
    assert SHIPPED_HASHER.check_needs_rehash(person.password_hash)
    monkeypatch.setattr(accounts, "_hasher", SHIPPED_HASHER)
    assert sign_in(client, person).status_code == 302
    session.refresh(person)
    assert not SHIPPED_HASHER.check_needs_rehash(person.password_hash)
    assert SHIPPED_HASHER.verify(person.password_hash, PASSWORD)


def test_email_is_matched_whatever_its_case(client: FlaskClient) -> None:
    PersonFactory(email="kwame@example.org")
    response = client.post("/sign-in", data={"email": "  Kwame@EXAMPLE.org ", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client: FlaskClient) -> None:
    person = PersonFactory()
    wrong = client.post("/sign-in", data={"email": person.email, "password": "not the password"})
    unknown = client.post("/sign-in", data={"email": "nobody@example.org", "password": "whatever1"})
    assert wrong.status_code == unknown.status_code == 401
    message = b"That email and password do not match an active account."
    assert message in wrong.data and message in unknown.data


def test_malformed_email_is_a_clear_400_not_a_crash(client: FlaskClient) -> None:
    response = client.post("/sign-in", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert b"Enter your email." in response.data


def test_a_deactivated_person_cannot_sign_in(client: FlaskClient) -> None:
    person = PersonFactory(active=False)
    assert sign_in(client, person).status_code == 401


def test_sign_out_ends_the_session(client: FlaskClient) -> None:
    sign_in(client, PersonFactory())
    client.post("/sign-out")
    assert client.get("/account").status_code == 302


def test_next_only_redirects_within_the_hub(client: FlaskClient) -> None:
    person = PersonFactory()
    ok = client.post("/sign-in?next=/account", data={"email": person.email, "password": PASSWORD})
    assert ok.headers["Location"].endswith("/account")
    client.post("/sign-out")
    evil = client.post(
        "/sign-in?next=//evil.example.com/x", data={"email": person.email, "password": PASSWORD}
    )
    assert "evil" not in evil.headers["Location"]


def test_session_cookie_is_httponly_and_samesite(client: FlaskClient) -> None:
    response = sign_in(client, PersonFactory())
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and "session=" in v)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.fixture()
def throttled_app(app_config: dict[str, Any], connection: Any) -> Any:
    app_config["RATELIMIT_ENABLED"] = True
    application = make_app(app_config, connection)
    yield application


def test_sign_in_is_throttled_per_account(throttled_app: Flask, session: Session) -> None:
    person = PersonFactory()
    client = throttled_app.test_client()
    statuses = [
        client.post("/sign-in", data={"email": person.email, "password": "wrong guess"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    final = client.post("/sign-in", data={"email": person.email, "password": PASSWORD})
    assert final.status_code == 429
    assert b"Too many attempts" in final.data


def test_a_form_without_csrf_token_is_refused_with_a_message(
    csrf_app: Flask, session: Session
) -> None:
    person = PersonFactory()
    client = csrf_app.test_client()
    response = client.post("/sign-in", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 400
    assert b"This form has expired" in response.data


def test_a_form_with_its_csrf_token_is_accepted(csrf_app: Flask, session: Session) -> None:
    person = PersonFactory()
    client = csrf_app.test_client()
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_changing_the_password_signs_out_other_sessions(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    person = SchoolAdminFactory()
    other_device = app.test_client()
    sign_in(other_device, person)
    sign_in(client, person)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302
    session.expire_all()
    assert accounts.authenticate(session, person.email, "a brand new password") is not None


def test_change_password_needs_the_current_one(client: FlaskClient) -> None:
    sign_in(client, PersonFactory())
    response = client.post(
        "/account/password",
        data={
            "current_password": "not it at all",
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert response.status_code == 400
    assert b"The current password is not right." in response.data
