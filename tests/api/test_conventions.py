"""The API's conventions: bearer tokens only and within their scope, problem documents for
every error, entity tags, If-Match, cursors with Link headers, rate limits, no CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import ApiToken, File, MaterialKind, MembershipStatus
from hub.services import tokens
from hub.services.accounts import secret_digest
from tests import factories
from tests.api.conftest import Api, expire
from tests.conftest import make_app, sign_in
from tests.factories import SchoolFactory, TeacherFactory, make_material

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body: dict[str, Any] = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def test_the_openapi_document_is_3_1_and_the_reference_is_served_from_here(
    client: FlaskClient,
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/search" in document["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/materials/{material_id}" in html and 'id="problem-invalid"' in html
    # Nothing from another site: no script or style from a CDN.
    assert not re.search(r'(src|href)="https?://(?!hub\.test)', html)


def test_unknown_addresses_and_methods_are_problems(api_as: Callable[..., Api]) -> None:
    api = api_as(None)
    _problem(api.get("nowhere"), 404)
    refused = api.call("DELETE", "search")
    assert "GET" in refused.headers["Allow"]
    _problem(refused, 405)


def test_writes_need_a_token_and_sessions_do_not_count(
    client: FlaskClient, api_as: Callable[..., Api]
) -> None:
    teacher = TeacherFactory()
    sign_in(client, teacher)  # a session cookie: the API ignores it
    body = _problem(client.post("/api/v1/materials", json={"title": "x"}), 401)
    assert body["type"].endswith("#problem-unauthenticated")
    assert _problem(client.get("/api/v1/me"), 401)
    wrong = client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert 'error="invalid_request"' in wrong.headers["WWW-Authenticate"]
    _problem(wrong, 401)


def test_unknown_expired_and_revoked_tokens_are_401_with_the_reason(
    api_as: Callable[..., Api], session: Session, client: FlaskClient
) -> None:
    teacher = TeacherFactory()
    unknown = Api(client, "hub_not-a-token").get("me")
    assert 'error="invalid_token"' in unknown.headers["WWW-Authenticate"]
    _problem(unknown, 401)
    api = api_as(teacher)
    assert api.get("me").status_code == 200
    expire(session, api.secret or "")
    expired = api.get("me")
    assert 'error_description="expired"' in expired.headers["WWW-Authenticate"]
    _problem(expired, 401)
    fresh = api_as(teacher)
    token_id = fresh.get("me").get_json()["token"]["name"]
    assert token_id == "tests"
    sign_in(client, teacher)
    token = session.query(ApiToken).filter_by(digest=secret_digest(fresh.secret or "")).one()
    client.post(f"/account/tokens/{token.id}/revoke")
    revoked = fresh.get("me")
    assert 'error_description="revoked"' in revoked.headers["WWW-Authenticate"]
    _problem(revoked, 401)


def test_a_read_only_token_cannot_write(api_as: Callable[..., Api], session: Session) -> None:
    teacher = TeacherFactory()
    reader = api_as(teacher, ("read",))
    assert reader.get("me").status_code == 200
    refused = reader.post("materials", json={"title": "Mine"})
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    body = _problem(refused, 403)
    assert body["type"].endswith("#problem-insufficient-scope")
    material = make_material(session, teacher.school, published=False)
    session.commit()
    for method, path, kwargs in (
        ("PATCH", f"materials/{material.id}/draft", {"json": {"revision": 1}}),
        ("POST", f"materials/{material.id}/publish", {}),
        ("POST", f"materials/{material.id}/retire", {}),
        ("POST", "files?filename=a.txt", {"data": b"hello"}),
    ):
        _problem(reader.call(method, path, **kwargs), 403)


def test_malformed_json_unknown_fields_and_wrong_types_say_every_field(
    api_as: Callable[..., Api],
) -> None:
    api = api_as(TeacherFactory())
    broken = api.post("materials", data=b"{not json", headers={"Content-Type": "application/json"})
    body = _problem(broken, 400)
    assert "body" in body["errors"]
    wrong = api.post("access-requests", json={"material_id": "seven", "rights": "all", "bogus": 1})
    body = _problem(wrong, 422)
    assert set(body["errors"]) == {"material_id", "rights", "bogus"}
    assert body["type"].endswith("#problem-invalid")
    unknown_query = api.get("materials", query_string={"colour": "red"})
    assert "colour" in _problem(unknown_query, 422)["errors"]


def test_a_stale_revision_is_409_and_a_stale_if_match_is_412(
    api_as: Callable[..., Api], session: Session
) -> None:
    teacher = TeacherFactory()
    api = api_as(teacher)
    made = api.post("materials", json={"title": "Sepsis bundle"})
    assert made.status_code == 201, made.get_data(as_text=True)
    material_id = made.get_json()["id"]
    assert made.headers["Location"].endswith(f"/api/v1/materials/{material_id}")
    first = api.get(f"materials/{material_id}")
    etag = first.headers["ETag"]
    revision = first.get_json()["version"]["revision"]
    saved = api.patch(
        f"materials/{material_id}/draft",
        json={"revision": revision, "summary": "Hour-one bundle."},
        headers={"If-Match": etag},
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json()["version"]["summary"] == "Hour-one bundle."
    assert saved.get_json()["version"]["title"] == "Sepsis bundle"  # kept
    assert saved.headers["ETag"] != etag
    stale = api.patch(
        f"materials/{material_id}/draft",
        json={"revision": revision, "summary": "Overwrite"},
        headers={"If-Match": etag},
    )
    assert _problem(stale, 412)["type"].endswith("#problem-stale")
    conflict = api.patch(
        f"materials/{material_id}/draft", json={"revision": revision, "summary": "Overwrite"}
    )
    _problem(conflict, 409)
    assert api.get(f"materials/{material_id}").get_json()["version"]["summary"] == (
        "Hour-one bundle."
    )


def test_reads_carry_an_etag_and_answer_304(api_as: Callable[..., Api], session: Session) -> None:
    material = make_material(session, grants=[("public", [], "view")])
    session.commit()
    api = api_as(None)
    first = api.get(f"materials/{material.id}")
    assert first.status_code == 200 and first.headers["ETag"]
    again = api.get(f"materials/{material.id}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_lists_are_paged_by_cursor_with_link_headers(
    api_as: Callable[..., Api], session: Session
) -> None:
    school = SchoolFactory()
    made = {
        make_material(session, school, title=f"Paged {i}", grants=[("public", [], "view")]).id
        for i in range(5)
    }
    session.commit()
    api = api_as(None)
    seen: list[int] = []
    url = f"/api/v1/materials?limit=2&school={school.id}"
    pages = 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        seen += [item["material_id"] for item in response.get_json()["items"]]
        pages += 1
        link = response.headers.get("Link", "")
        found = re.match(r'<([^>]+)>; rel="next"', link)
        url = found.group(1) if found else ""
    assert sorted(seen) == sorted(made) and pages == 3
    _problem(api.get("materials", query_string={"cursor": "garbage"}), 400)


def test_hidden_materials_are_404_exactly_like_missing_ones(
    api_as: Callable[..., Api], session: Session
) -> None:
    home = SchoolFactory()
    ours = make_material(session, home, title="Our exam bank", grants=[])
    session.commit()
    other = api_as(TeacherFactory())  # a teacher of another school
    hidden = other.get(f"materials/{ours.id}")
    missing = other.get("materials/2147483000")
    assert _problem(hidden, 404) == _problem(missing, 404)
    for path in (
        f"materials/{ours.id}/versions",
        f"materials/{ours.id}/versions/1",
        f"materials/{ours.id}/versions/1/files",
        f"materials/{ours.id}/lineage",
        f"materials/{ours.id}/grants",
    ):
        assert _problem(other.get(path), 404)["detail"] == _problem(hidden, 404)["detail"]
    assert "Our exam bank" not in other.get("materials").get_data(as_text=True)
    own = api_as(TeacherFactory(school=home))
    assert own.get(f"materials/{ours.id}").get_json()["version"]["title"] == "Our exam bank"


def test_the_api_needs_no_csrf_token(csrf_app: Flask, session: Session) -> None:
    teacher = TeacherFactory()
    with csrf_app.test_request_context():
        secret = tokens.create(session, teacher, "ci", ["read", "write"], 7).secret
    session.commit()
    client = csrf_app.test_client()
    made = client.post(
        "/api/v1/materials",
        json={"title": "No CSRF here", "kind": MaterialKind.MATERIAL.value},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert made.status_code == 201, made.get_data(as_text=True)


@contextmanager
def _app_with(
    app_config: dict[str, Any], connection: Any, **settings: Any
) -> Iterator[tuple[Flask, Session]]:
    """An app of its own with ``settings`` (read when it is made), and a session for it."""
    app_config.update(settings)
    application = make_app(app_config, connection)
    session = application.extensions["hub.db"].new_session()
    factories.bind(session)
    try:
        yield application, session
    finally:
        factories.bind(None)
        session.close()


def _secret(application: Flask, session: Session, scopes: list[str]) -> str:
    """A new teacher's token with ``scopes``."""
    with application.test_request_context():
        secret = tokens.create(session, TeacherFactory(), "a", scopes, 7).secret
    session.commit()
    return secret


def test_each_token_is_rate_limited_with_headers(
    app_config: dict[str, Any], connection: Any
) -> None:
    limited = {"RATELIMIT_ENABLED": True, "HUB_API_RATE_LIMIT": "3 per minute"}
    with _app_with(app_config, connection, **limited) as (application, session):
        first = _secret(application, session, ["read"])
        second = _secret(application, session, ["read"])
        client = application.test_client()
        answers = [
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"}) for _ in range(4)
        ]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[0].headers["X-RateLimit-Limit"] == "3"
        assert answers[0].headers["RateLimit-Policy"] == "3;w=60"
        assert "remaining=2" in answers[0].headers["RateLimit"]
        assert "Retry-After" in _problem(answers[3], 429)["detail"]
        assert answers[3].headers["Retry-After"]
        other_token = client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"})
        assert other_token.status_code == 200  # counted per token


def test_an_upload_over_the_limit_is_413_and_saves_nothing(
    app_config: dict[str, Any], connection: Any
) -> None:
    with _app_with(app_config, connection, HUB_MAX_UPLOAD_MB="1") as (application, session):
        secret = _secret(application, session, ["read", "write"])
        too_big = application.test_client().post(
            "/api/v1/files?filename=big.txt",
            data=b"a" * (2 * 1024 * 1024),
            headers={"Authorization": f"Bearer {secret}"},
        )
        _problem(too_big, 413)
        assert session.scalars(select(File)).all() == []


def test_tokens_authenticate_no_further_than_signing_in(
    api_as: Callable[..., Api], session: Session
) -> None:
    """A deactivated person's token stops; a suspended school's person still signs in, and
    the policy shows them their own school's materials and public ones only."""
    suspended = SchoolFactory(status=MembershipStatus.SUSPENDED)
    shared = make_material(session, title="Consortium only", grants=[("consortium", [], "view")])
    public = make_material(session, title="Open to all", grants=[("public", [], "view")])
    ours = make_material(session, suspended, title="Ours", grants=[])
    session.commit()
    teacher = TeacherFactory(school=suspended)
    api = api_as(teacher)
    me = api.get("me").get_json()
    assert me["school_active"] is False
    assert api.get(f"materials/{shared.id}").status_code == 404
    assert api.get(f"materials/{public.id}").status_code == 200
    assert api.get(f"materials/{ours.id}").status_code == 200
    teacher.active = False
    session.commit()
    gone = api.get("me")
    assert 'error_description="inactive"' in gone.headers["WWW-Authenticate"]
    _problem(gone, 401)
