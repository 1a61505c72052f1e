"""Personal access tokens: made, listed and revoked on the account page and by school admins;
only a digest is stored; expired, revoked and deactivated people's tokens do not authenticate."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import ApiToken, utcnow
from hub.services import tokens
from tests.conftest import csrf_token, sign_in
from tests.factories import SchoolAdminFactory, SchoolFactory, TeacherFactory


def test_a_token_is_made_on_the_account_page_and_its_secret_shown_once(
    client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    sign_in(client, teacher)
    page = client.post(
        "/account/tokens",
        data={"name": "Library sync", "scopes": ["read", "write"], "expires_in_days": "30"},
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    [token] = session.scalars(select(ApiToken).where(ApiToken.person_id == teacher.id)).all()
    secret = html.split('id="new-secret" class="secret" type="text" readonly value="')[1].split(
        '"'
    )[0]
    assert secret.startswith("hub_") and len(secret) > 40
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (token.hint, token.name) and token.scopes == ["read", "write"]
    again = client.get("/account").get_data(as_text=True)
    assert "Library sync" in again and secret not in again and token.hint in again


def test_a_new_token_with_every_mistake_says_all_of_them(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, TeacherFactory())
    page = client.post(
        "/account/tokens", data={"name": " ", "scopes": ["root"], "expires_in_days": "9999"}
    )
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Name the token" in html and "Choose read, or read and write." in html
    assert "Choose when it expires" in html
    assert session.scalars(select(ApiToken)).all() == []


def test_the_token_forms_need_their_csrf_token(csrf_app: Flask, session: Session) -> None:
    client = csrf_app.test_client()
    teacher = TeacherFactory()
    page = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={
            "email": teacher.email,
            "password": "correct horse battery",
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    refused = client.post("/account/tokens", data={"name": "x", "expires_in_days": "30"})
    assert refused.status_code == 400
    form = client.get("/account").get_data(as_text=True)
    made = client.post(
        "/account/tokens",
        data={"name": "x", "expires_in_days": "30", "csrf_token": csrf_token(form)},
    )
    assert made.status_code == 200 and "new-secret" in made.get_data(as_text=True)


def test_authenticate_says_why_a_token_does_not_work(app: Flask, session: Session) -> None:
    teacher = TeacherFactory()
    with app.test_request_context():
        issued = tokens.create(session, teacher, "t", ["read"], 7)
        assert tokens.authenticate(session, issued.secret).person is teacher
        for secret, reason in (("hub_nope", "unknown"), ("Bearer x", "unknown")):
            with pytest.raises(tokens.Unauthenticated) as refused:
                tokens.authenticate(session, secret)
            assert refused.value.reason == reason
        later = utcnow() + dt.timedelta(days=8)
        with pytest.raises(tokens.Unauthenticated) as refused:
            tokens.authenticate(session, issued.secret, now=later)
        assert refused.value.reason == "expired"
        teacher.active = False
        with pytest.raises(tokens.Unauthenticated) as refused:
            tokens.authenticate(session, issued.secret)
        assert refused.value.reason == "inactive"
        teacher.active = True
        tokens.revoke(session, teacher, issued.token.id)
        with pytest.raises(tokens.Unauthenticated) as refused:
            tokens.authenticate(session, issued.secret)
        assert refused.value.reason == "revoked"


def test_a_school_admin_sees_and_revokes_the_school_tokens_only(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    school = SchoolFactory()
    admin, teacher = SchoolAdminFactory(school=school), TeacherFactory(school=school)
    stranger = TeacherFactory()
    with app.test_request_context():
        ours = tokens.create(session, teacher, "Ours sync", ["read"], 30).token
        theirs = tokens.create(session, stranger, "Theirs sync", ["read"], 30).token
    session.commit()
    sign_in(client, admin)
    page = client.get("/school/people").get_data(as_text=True)
    assert "Ours sync" in page and "Theirs sync" not in page
    assert client.post(f"/school/tokens/{theirs.id}/revoke").status_code == 404
    done = client.post(f"/school/tokens/{ours.id}/revoke")
    assert done.status_code == 302
    session.refresh(ours)
    session.refresh(theirs)
    assert ours.revoked_at is not None and ours.revoked_by_id == admin.id
    assert theirs.revoked_at is None


def test_a_person_revokes_their_own_token_and_no_one_else_s(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    me, other = TeacherFactory(), TeacherFactory()
    with app.test_request_context():
        mine = tokens.create(session, me, "mine", ["read"], 30).token
        not_mine = tokens.create(session, other, "other", ["read"], 30).token
    session.commit()
    sign_in(client, me)
    assert client.post(f"/account/tokens/{not_mine.id}/revoke").status_code == 404
    assert client.post(f"/account/tokens/{mine.id}/revoke").status_code == 302
    session.refresh(mine)
    assert mine.revoked_at is not None


def test_a_token_s_last_use_is_recorded_by_reads_and_writes(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    teacher = TeacherFactory()
    with app.test_request_context():
        issued = tokens.create(session, teacher, "sync", ["read", "write"], 30)
    session.commit()
    assert issued.token.last_used_at is None
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"})
    assert answer.status_code == 200
    session.refresh(issued.token)
    first = issued.token.last_used_at
    assert first is not None
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"})
    session.refresh(issued.token)
    assert issued.token.last_used_at == first  # at most once a minute
