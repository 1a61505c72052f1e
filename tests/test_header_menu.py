"""The header keeps the everyday links in the bar and groups a school admin's links to run
the school in one menu that works without JavaScript (a <details> disclosure)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from hub.models import Role
from hub.web.frame import navigation_links
from tests.conftest import sign_in
from tests.factories import SchoolAdminFactory, TeacherFactory

ADMIN_PAGES = ("/school/", "/school/people", "/school/sharing", "/school/report")


def _header(html: str) -> str:
    return html.split("<header", 1)[1].split("</header>", 1)[0]


def _menu(header: str) -> str:
    return header.split("<details>", 1)[1].split("</details>", 1)[0]


def test_a_school_admins_school_links_are_in_one_menu(
    app: Flask, client: Any, session: Session
) -> None:
    sign_in(client, SchoolAdminFactory())
    header = _header(client.get("/").get_data(as_text=True))
    assert header.count("<details>") == 1
    menu = _menu(header)
    assert '<summary class="nav-summary">Administration</summary>' in menu
    for address in ADMIN_PAGES:
        assert f'href="{address}"' in menu
    bar = header.replace(menu, "")
    assert 'href="/materials/mine"' in bar and 'href="/my-list"' in bar


def test_the_menu_is_marked_when_the_page_is_one_of_its_links(
    app: Flask, client: Any, session: Session
) -> None:
    sign_in(client, SchoolAdminFactory())
    header = _header(client.get("/school/people").get_data(as_text=True))
    assert '<summary class="nav-summary current">' in header
    assert '<a href="/school/people" aria-current="page">' in _menu(header)


def test_a_teacher_has_no_menu_and_keeps_requests_and_files_in_the_bar(
    app: Flask, client: Any, session: Session
) -> None:
    sign_in(client, TeacherFactory())
    header = _header(client.get("/").get_data(as_text=True))
    assert "<details>" not in header
    assert 'href="/requests"' in header and 'href="/files"' in header


def test_no_link_is_in_the_bar_and_the_menu_at_once(app: Flask) -> None:
    with app.test_request_context():
        for role in (None, *Role):
            nav = navigation_links("fr", role)
            endpoints = [e for e, _label in [*nav.links, *nav.menu, *nav.trailing]]
            assert len(endpoints) == len(set(endpoints))
