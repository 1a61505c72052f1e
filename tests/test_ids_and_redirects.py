"""Bad ids are 404, never a database error; redirects the request names stay on the site."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter, MapAdapter, PathConverter, Rule

from hub.models import MaterialKind, Person, Role
from hub.web.auth import safe_next as auth_safe_next
from hub.web.converters import ID_MAX, IdConverter, db_id, id_or_404
from hub.web.navigation import safe_next
from tests.conftest import sign_in
from tests.factories import (
    PASSWORD,
    ConsortiumAdminFactory,
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
    make_material,
)

BAD_IDS = ["0", "-1", "99999999999999999999", str(ID_MAX + 1), "abc"]
HUGE = "99999999999999999999"
EVIL_TARGETS = [
    "//evil.example",
    "//evil.example/path",
    "https://evil.example",
    "http://evil.example/x",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "  /\\evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "",
]
# Marks the id argument under test while a URL is built; then replaced by the bad value.
_MARK = 2_147_480_001


# Routes with ids -------------------------------------------------------------------------------


def _id_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IdConverter) for c in rule._converters.values())
    ]


def _bad_urls(rule: Rule) -> Iterator[str]:
    """URLs of ``rule`` with one id argument at a time set to each bad value (the others 1)."""
    ids = [n for n, c in rule._converters.items() if isinstance(c, IdConverter)]
    for name in ids:
        values: dict[str, object] = {}
        for arg, converter in rule._converters.items():
            items = getattr(converter, "items", None)
            if arg == name:
                values[arg] = _MARK
            elif arg in ids:
                values[arg] = 1
            else:
                values[arg] = sorted(items)[0] if items else "x.pdf"
        url = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
        assert url.count(f"/{_MARK}") == 1, url
        for bad in BAD_IDS:
            yield url.replace(f"/{_MARK}", f"/{bad}")


def _routes_elsewhere(adapter: MapAdapter, url: str, rule: Rule) -> bool:
    """Whether ``url`` is another page (by any method): a bad ``page`` in
    ``.../files/1/pages/0.png`` is the file itself under the name ``pages/0.png`` (its
    ``<path:filename>`` takes anything)."""
    for method in ("GET", "POST"):
        try:
            other, _args = adapter.match(url, method=method, return_rule=True)
        except HTTPException:
            continue
        assert other.endpoint != rule.endpoint, f"{url} matched {rule}"
        assert any(isinstance(c, PathConverter) for c in other._converters.values()), url
        return True
    return False


def _persona_clients(app: Flask, session: Session) -> dict[str, FlaskClient]:
    school = SchoolFactory()
    people: dict[str, Person] = {
        "school admin": SchoolAdminFactory(school=school),
        "teacher": TeacherFactory(school=school),
        "consortium admin": ConsortiumAdminFactory(),
    }
    make_material(session, school)  # id 1 exists somewhere, so the other ids are plausible
    clients = {"visitor": app.test_client()}
    for persona, person in people.items():
        c = app.test_client()
        assert sign_in(c, person).status_code == 302, persona
        clients[persona] = c
    return clients


def test_no_route_parses_an_id_with_the_plain_int_converter(app: Flask) -> None:
    plain = [
        str(rule)
        for rule in app.url_map.iter_rules()
        for c in rule._converters.values()
        if isinstance(c, IntegerConverter) and not isinstance(c, IdConverter)
    ]
    assert plain == [], "use <id:...> for database ids"
    assert len(_id_rules(app)) > 20


@pytest.mark.slow
def test_bad_ids_in_the_path_are_404_for_everyone(app: Flask, session: Session) -> None:
    clients = _persona_clients(app, session)
    adapter = app.url_map.bind("hub.test")
    failures = []
    for rule in _id_rules(app):
        for url in _bad_urls(rule):
            if _routes_elsewhere(adapter, url, rule):
                continue
            for method in ("GET", "POST"):
                for persona, c in clients.items():
                    response = c.open(url, method=method, headers={"Accept": "text/html"})
                    status = response.status_code
                    ok = status == 404 or (
                        persona == "visitor"
                        and status == 302
                        and "/sign-in" in response.headers["Location"]
                    )
                    if not ok:
                        failures.append(f"{method} {url!r} as {persona}: {status}")
    assert failures == []


def test_the_id_converter_takes_every_id_in_range(app: Flask) -> None:
    adapter = app.url_map.bind("hub.test")
    for good in ("1", "42", str(ID_MAX)):
        endpoint, args = adapter.match(f"/materials/{good}")
        assert endpoint == "materials.show"
        assert args == {"material_id": int(good)}
    assert app.url_map.bind("hub.test").build("materials.show", {"material_id": 7}) == (
        "/materials/7"
    )


@given(st.integers(min_value=-10, max_value=10**12) | st.sampled_from([ID_MAX, ID_MAX + 1]))
def test_the_id_pattern_is_the_range_itself(number: int) -> None:
    assert bool(re.fullmatch(IdConverter.regex, str(number))) == (1 <= number <= ID_MAX)
    assert not re.fullmatch(IdConverter.regex, f"0{number}")  # one address per id


# Ids in query strings and forms ----------------------------------------------------------------


def test_db_id_takes_only_ids_in_range() -> None:
    assert db_id("1") == 1
    assert db_id(str(ID_MAX)) == ID_MAX
    for bad in [*BAD_IDS, None, "", " 1", "+1", "1.0", "１", "٣", "²"]:
        assert db_id(bad) is None, bad


def test_id_or_404_is_none_when_absent_and_404_when_bad(app: Flask) -> None:
    assert id_or_404(None) is None
    assert id_or_404("  ") is None
    assert id_or_404(" 12 ") == 12
    for bad in BAD_IDS:
        with pytest.raises(NotFound):
            id_or_404(bad)


def test_out_of_range_query_ids_are_404(client: FlaskClient, session: Session) -> None:
    school = SchoolFactory()
    admin = SchoolAdminFactory(school=school)
    material = make_material(session, school, grants=[("public", [], "view")])
    assert sign_in(client, admin).status_code == 302
    assert client.get(f"/browse?as_school={school.id}").status_code == 200
    assert client.get(f"/materials/{material.id}?v=1").status_code == 200
    assert client.get(f"/materials/{material.id}/compare?a=1&b=1").status_code == 200
    for bad in BAD_IDS:
        urls = [
            f"/browse?as_school={bad}",
            f"/materials/{material.id}?v={bad}",
            f"/materials/{material.id}/compare?a={bad}",
            f"/materials/{material.id}/compare?a=1&b={bad}",
        ]
        for url in urls:
            assert client.get(url).status_code == 404, url
        # Not an id, but as big: a page number of the people console.
        assert client.get(f"/school/people?page={bad}").status_code == 200


def test_out_of_range_form_ids_are_404(client: FlaskClient, session: Session) -> None:
    school = SchoolFactory()
    teacher = TeacherFactory(school=school)
    draft = make_material(session, school, published=False)
    module = make_material(session, school, published=False, kind=MaterialKind.MODULE)
    assert sign_in(client, teacher).status_code == 302
    # The same forms with a good (or no) id go through, so the 404s below are the ids'.
    assert client.post(f"/materials/{draft.id}/translation").status_code == 302
    assert client.post(f"/materials/{draft.id}/files").status_code == 302
    items = client.post(f"/materials/{module.id}/items", data={"op": "add", "expected": ""})
    assert items.status_code == 302
    for bad in BAD_IDS:
        posts = [
            (f"/materials/{draft.id}/translation", {"translation_of": bad}),
            (f"/materials/{draft.id}/files", {"file_id": bad}),
            (f"/materials/{module.id}/items", {"op": "add", "item": bad, "expected": ""}),
            (f"/materials/{module.id}/items", {"op": "remove", "item": bad, "expected": ""}),
        ]
        for url, data in posts:
            assert client.post(url, data=data).status_code == 404, (url, data)


def test_an_out_of_range_school_filter_in_search_is_no_error(
    app: Flask, client: FlaskClient
) -> None:
    from hub.search import shutdown

    try:
        for bad in BAD_IDS:
            response = client.get("/search", query_string={"q": "", "school": bad})
            assert response.status_code < 500, (bad, response.get_data(as_text=True)[:300])
    finally:
        shutdown(app)


# Redirect targets the request names ------------------------------------------------------------


def _assert_on_site(response: object, page: str = "http://hub.test/") -> None:
    """The Location of ``response`` leads a browser to this site."""
    assert getattr(response, "status_code", None) in (302, 303), response
    location = response.headers["Location"]  # type: ignore[attr-defined]
    # As a browser reads it: tabs and newlines dropped, ends trimmed, "\" as "/".
    seen = location.strip(" \x00\x01\x1f").replace("\t", "").replace("\n", "")
    seen = seen.replace("\r", "").replace("\\", "/")
    resolved = urlsplit(urljoin(page, seen))
    assert (resolved.scheme, resolved.netloc) == ("http", "hub.test"), location
    assert not seen.lower().startswith(("javascript:", "data:")), location


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_sign_in_next_stays_on_the_site(client: FlaskClient, target: str) -> None:
    person = StudentFactory()
    data = {"email": person.email, "password": PASSWORD}
    response = client.post("/sign-in", query_string={"next": target}, data=data)
    _assert_on_site(response)
    assert "evil" not in response.headers["Location"]
    # Signed in already: the same ``next`` on the sign-in page.
    _assert_on_site(client.get("/sign-in", query_string={"next": target}))


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_the_language_switcher_stays_on_the_site(client: FlaskClient, target: str) -> None:
    response = client.post("/language", data={"language": "en", "next": target})
    _assert_on_site(response)
    assert "evil" not in response.headers["Location"]


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_the_bookmark_button_goes_back_only_within_the_site(
    client: FlaskClient, session: Session, target: str
) -> None:
    school = SchoolFactory()
    material = make_material(session, school)
    assert sign_in(client, TeacherFactory(school=school)).status_code == 302
    response = client.post(f"/materials/{material.id}/bookmark", data={"back": target})
    _assert_on_site(response)
    assert response.headers["Location"].endswith(f"/materials/{material.id}")


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_the_people_console_goes_back_only_within_the_site(
    client: FlaskClient, target: str
) -> None:
    school = SchoolFactory()
    admin = SchoolAdminFactory(school=school)
    student = StudentFactory(school=school)
    assert sign_in(client, admin).status_code == 302
    for url, data in [
        (f"/school/people/{student.id}/role", {"role": Role.TEACHER.value, "back": target}),
        (f"/school/people/{student.id}/deactivate", {"back": target}),
        (f"/school/people/{student.id}/reactivate", {"back": target}),
    ]:
        response = client.post(url, data=data)
        _assert_on_site(response)
        assert response.headers["Location"].endswith("/school/people"), url


def test_good_targets_are_followed(client: FlaskClient, session: Session) -> None:
    school = SchoolFactory()
    material = make_material(session, school)
    person = TeacherFactory(school=school)
    response = client.post(
        "/sign-in?next=/account?tab=1", data={"email": person.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account?tab=1"
    language = client.post("/language", data={"language": "en", "next": "/browse?q=a%20b"})
    assert language.headers["Location"] == "/browse?q=a%20b"
    bookmark = client.post(f"/materials/{material.id}/bookmark", data={"back": "/my-list"})
    assert bookmark.headers["Location"] == "/my-list"


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_safe_next_refuses_other_sites(app: Flask, target: str) -> None:
    with app.test_request_context():
        assert safe_next(target) == "/"
        assert safe_next(target, "/fallback") == "/fallback"
        assert auth_safe_next is safe_next


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=string.printable + "\\/:@\x00\x7f\u3000"),
        st.builds(lambda t: "/" + t, st.text(alphabet="/\\\t\n\r :.@%ae")),
    )
)
@example("/\\evil.example")
@example("/\t/evil.example")
@example("/./\\evil.example")
def test_safe_next_always_answers_a_path_of_this_site(app: Flask, target: str) -> None:
    with app.test_request_context():
        result = safe_next(target)
    assert result.startswith("/")
    assert not result.startswith(("//", "/\\"))
    assert not any(ch <= " " or ch in "\\\x7f" for ch in result)
    parts = urlsplit(result)
    assert parts.scheme == "" and parts.netloc == ""
