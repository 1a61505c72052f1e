"""The page frame's helpers: links routed once, CSRF tokens signed at most once a minute."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from sqlalchemy.orm import Session

from hub.web import frame
from tests.conftest import csrf_token, sign_in
from tests.factories import PASSWORD, PersonFactory


def _signed_in(app: Flask) -> Any:
    client = app.test_client()
    person = PersonFactory()
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def test_pages_within_a_minute_carry_the_same_token(
    csrf_app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _signed_in(csrf_app)
    # The frame's minute stands still, while signatures' clock (whole seconds) moves on:
    # a token signed anew for the second page would differ from the first.
    now = frame.monotonic()
    monkeypatch.setattr(frame, "monotonic", lambda: now)
    first = csrf_token(client.get("/search").get_data(as_text=True))
    later = int(time.time()) + 2
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _signer: later)
    second = csrf_token(client.get("/").get_data(as_text=True))
    assert first == second


def test_a_token_given_again_is_accepted(csrf_app: Flask, session: Session) -> None:
    client = _signed_in(csrf_app)
    client.get("/search")
    token = csrf_token(client.get("/account").get_data(as_text=True))
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302


def test_a_token_is_signed_anew_after_a_minute(
    csrf_app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _signed_in(csrf_app)
    first = csrf_token(client.get("/search").get_data(as_text=True))
    now = frame.monotonic()
    monkeypatch.setattr(frame, "monotonic", lambda: now + frame.TOKEN_REUSE_SECONDS + 1)
    # Signatures carry whole seconds: make sure the new one is at least a second later.
    later = int(time.time()) + 2
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _signer: later)
    second = csrf_token(client.get("/search").get_data(as_text=True))
    assert second != first
    assert client.post("/sign-out", data={"csrf_token": second}).status_code == 302


def test_two_sessions_never_share_a_token(csrf_app: Flask, session: Session) -> None:
    one, other = _signed_in(csrf_app), _signed_in(csrf_app)
    token = csrf_token(one.get("/search").get_data(as_text=True))
    assert csrf_token(other.get("/search").get_data(as_text=True)) != token
    # Another session's token is refused.
    assert other.post("/sign-out", data={"csrf_token": token}).status_code == 400


def test_frame_links_follow_the_mount_point(app: Flask, client: Any, session: Session) -> None:
    sign_in(client, PersonFactory())
    plain = client.get("/search").get_data(as_text=True)
    mounted = client.get("/search", base_url="http://hub.test/hub/").get_data(as_text=True)
    assert 'href="/static/hub.css"' in plain
    assert 'href="/hub/static/hub.css"' in mounted
    assert 'action="/hub/search"' in mounted
