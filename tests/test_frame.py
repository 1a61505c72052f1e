"""The page frame: the header's links, who is signed in, and the forms every page carries."""

from __future__ import annotations

from typing import Any

from flask import Flask
from markupsafe import escape
from sqlalchemy.orm import Session

from tests.conftest import csrf_token, sign_in
from tests.factories import PASSWORD, PersonFactory, SchoolAdminFactory, StudentFactory


def _signed_in(app: Flask) -> Any:
    client = app.test_client()
    person = PersonFactory()
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def test_a_token_given_again_is_accepted(csrf_app: Flask, session: Session) -> None:
    client = _signed_in(csrf_app)
    client.get("/search")
    token = csrf_token(client.get("/account").get_data(as_text=True))
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302


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


def _header(html: str) -> str:
    return html[html.index('<header class="site-header">') : html.index("</header>")]


def test_the_header_shows_a_rename_at_the_next_page(
    app: Flask, client: Any, session: Session
) -> None:
    person = PersonFactory(name="Amina Diallo")
    sign_in(client, person)
    assert "Amina Diallo" in _header(client.get("/search").get_data(as_text=True))
    person.name = "Amina Diallo-Sow"
    person.school.name = "École de Médecine de Dakar"
    session.flush()
    header = _header(client.get("/search").get_data(as_text=True))
    assert "Amina Diallo-Sow" in header
    assert "École de Médecine de Dakar" in header


def test_the_header_follows_the_role(app: Flask, client: Any, session: Session) -> None:
    sign_in(client, StudentFactory())
    assert 'href="/school/sharing"' not in _header(client.get("/search").get_data(as_text=True))
    client.post("/sign-out")
    sign_in(client, SchoolAdminFactory())
    assert 'href="/school/sharing"' in _header(client.get("/search").get_data(as_text=True))


def test_the_language_form_returns_to_this_page(app: Flask, client: Any, session: Session) -> None:
    sign_in(client, PersonFactory())
    for address in ("/search?q=malaria&page=2", "/search?q=sepsis", "/"):
        header = _header(client.get(address).get_data(as_text=True))
        assert f'name="next" value="{escape(address)}"' in header


def test_the_current_page_is_marked_in_the_navigation(
    app: Flask, client: Any, session: Session
) -> None:
    sign_in(client, PersonFactory())
    search = _header(client.get("/search").get_data(as_text=True))
    home = _header(client.get("/").get_data(as_text=True))
    assert '<a href="/search" aria-current="page">' in search
    assert '<a href="/" aria-current="page">' not in search
    assert '<a href="/" aria-current="page">' in home


def test_a_name_is_shown_as_written_never_as_markup(
    app: Flask, client: Any, session: Session
) -> None:
    sign_in(client, PersonFactory(name="<hub-next> <hub-csrf-token>"))
    header = _header(client.get("/search?q=x").get_data(as_text=True))
    assert "&lt;hub-next&gt; &lt;hub-csrf-token&gt;" in header
    assert header.count('name="next" value="/search?q=x"') == 1


def test_the_header_speaks_the_page_language(app: Flask, client: Any, session: Session) -> None:
    sign_in(client, PersonFactory())
    english = _header(client.get("/search").get_data(as_text=True))
    french = _header(
        client.get("/search", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    )
    assert "Sign out" in english
    assert "Sign out" not in french
    assert 'lang="fr" selected' in french
