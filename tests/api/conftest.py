"""Fixtures of the API's tests: tokens for people, and a client that sends them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hub.models import ApiToken, Person, utcnow
from hub.services import tokens
from hub.services.accounts import secret_digest


class Api:
    """A test client of ``/api/v1`` that sends one person's token (or none)."""

    def __init__(self, client: FlaskClient, secret: str | None) -> None:
        self.client = client
        self.secret = secret

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        found = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return {**found, **(extra or {})}

    def call(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        headers = self.headers(kwargs.pop("headers", None))
        url = path if path.startswith("/") else "/api/v1/" + path
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("DELETE", path, **kwargs)


@pytest.fixture()
def make_token(app: Flask, session: Session) -> Callable[..., str]:
    """A token's secret for a person (committed, so the app's requests find it)."""

    def make(person: Person, scopes: tuple[str, ...] = ("read", "write"), days: int = 30) -> str:
        with app.test_request_context():
            issued = tokens.create(session, person, "tests", scopes, days)
        session.commit()
        return issued.secret

    return make


@pytest.fixture()
def api_as(client: FlaskClient, make_token: Callable[..., str]) -> Callable[..., Api]:
    """A client of the API as a person (None: a visitor, without a token)."""

    def make(person: Person | None, scopes: tuple[str, ...] = ("read", "write")) -> Api:
        return Api(client, make_token(person, scopes) if person is not None else None)

    return make


@pytest.fixture(autouse=True)
def _close_index(closes_index: None) -> None:
    """Every test here closes the app's search index after it (``tests/conftest.py``)."""


def expire(session: Session, secret: str) -> None:
    """Make a token expired."""
    token = session.query(ApiToken).filter_by(digest=secret_digest(secret)).one()
    token.expires_at = utcnow() - dt.timedelta(seconds=1)
    session.commit()
