"""Forgotten password: a signed, single-use, expiring link."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.services import accounts
from hub.services.errors import LinkInvalid
from tests.factories import PersonFactory


def _reset_link(app: Flask) -> str:
    with app.app_context():
        from hub.mail import sent_messages

        body = sent_messages()[-1].get_content()
    match = re.search(r"http://hub\.test(/reset-password/\S+)", body)
    assert match, body
    return match.group(1)


def test_a_reset_link_is_sent_and_sets_a_new_password(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    person = PersonFactory(email="ravi@example.org")
    response = client.post("/forgot-password", data={"email": "Ravi@example.org"})
    assert response.status_code == 302
    link = _reset_link(app)
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": "my new password!", "confirm": "my new password!"})
    assert done.status_code == 302
    session.expire_all()
    assert accounts.authenticate(session, person.email, "my new password!") is not None


def test_a_reset_link_works_only_once(app: Flask, client: FlaskClient, session: Session) -> None:
    PersonFactory(email="once@example.org")
    client.post("/forgot-password", data={"email": "once@example.org"})
    link = _reset_link(app)
    client.post(link, data={"password": "my new password!", "confirm": "my new password!"})
    again = client.get(link)
    assert again.status_code == 400
    assert b"already been used" in again.data


def test_unknown_email_gets_the_same_answer_and_no_mail(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/forgot-password", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert b"If that email has an account" in response.data
    with app.app_context():
        from hub.mail import sent_messages

        assert sent_messages() == []


def test_an_expired_reset_link_is_refused(session: Session) -> None:
    person = PersonFactory()
    token = accounts.make_reset_token("secret", person)
    with pytest.raises(LinkInvalid, match="expired"):
        accounts.person_for_reset(session, "secret", token, max_age=-1)


def test_a_forged_reset_link_is_refused(client: FlaskClient) -> None:
    response = client.get("/reset-password/forged.token.value")
    assert response.status_code == 400
    assert b"not valid" in response.data
