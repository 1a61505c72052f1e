"""Finding a school: the consortium's schools list and the members directory search by name,
country (name or code) and status, as a GET form, a page at a time."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hub.models import MembershipStatus
from hub.services.schools import SchoolSearch, find_schools
from tests.conftest import sign_in
from tests.factories import ConsortiumAdminFactory, SchoolFactory, StudentFactory


@pytest.fixture()
def schools(app: Flask, session: Session) -> None:
    SchoolFactory(name="Université Cheikh Anta Diop", country="SN")
    SchoolFactory(name="University of Nairobi", country="KE")
    SchoolFactory(name="Moi University", country="KE", status=MembershipStatus.SUSPENDED)
    SchoolFactory(name="Universidade Federal de Minas Gerais", country="BR")
    session.commit()


def names(session: Session, **search: Any) -> list[str]:
    with_app = find_schools(session, SchoolSearch(**search))
    return [s.name for s in with_app.schools]


def test_a_school_is_found_by_part_of_its_name(app: Flask, session: Session, schools: None) -> None:
    with app.test_request_context():
        assert names(session, text="nairobi") == ["University of Nairobi"]


def test_a_school_is_found_by_its_countrys_name_or_code(
    app: Flask, session: Session, schools: None
) -> None:
    with app.test_request_context():
        assert names(session, text="Senegal") == ["Université Cheikh Anta Diop"]
        assert names(session, text="ke") == ["Moi University", "University of Nairobi"]
        assert names(session, text="BRA") == ["Universidade Federal de Minas Gerais"]


def test_a_country_is_found_by_its_name_in_the_interface_language(
    app: Flask, session: Session, schools: None
) -> None:
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert names(session, text="Brésil") == ["Universidade Federal de Minas Gerais"]


def test_schools_are_found_by_status(app: Flask, session: Session, schools: None) -> None:
    with app.test_request_context():
        assert names(session, text="ke", status=MembershipStatus.SUSPENDED) == ["Moi University"]


def test_a_long_list_comes_a_page_at_a_time(app: Flask, session: Session, schools: None) -> None:
    with app.test_request_context():
        first = find_schools(session, SchoolSearch(text="univ"), page=1, per_page=3)
        last = find_schools(session, SchoolSearch(text="univ"), page=9, per_page=3)
    assert (first.total, first.pages, len(first.schools)) == (4, 2, 3)
    assert (last.page, len(last.schools)) == (2, 1)


@pytest.mark.parametrize("address", ["/consortium/", "/directory"])
def test_the_consortium_admin_searches_by_country_and_status(
    client: Any, session: Session, schools: None, address: str
) -> None:
    sign_in(client, ConsortiumAdminFactory())
    page = client.get(f"{address}?q=Kenya&status=suspended").get_data(as_text=True)
    table = page.split("<tbody>", 1)[1]
    assert "Moi University" in table and "University of Nairobi" not in table
    assert 'value="Kenya"' in page and '<option value="suspended" selected>' in page


@pytest.mark.parametrize("query", ["status=nonsense", "page=-4", "page=abc", "q=%25_%25"])
def test_a_search_that_names_nothing_is_no_error(
    client: Any, session: Session, schools: None, query: str
) -> None:
    sign_in(client, ConsortiumAdminFactory())
    assert client.get(f"/consortium/?{query}").status_code == 200
    assert client.get(f"/directory?{query}&income=XYZ").status_code == 200


def test_members_search_the_directory_among_active_schools_only(
    client: Any, session: Session, schools: None
) -> None:
    sign_in(client, StudentFactory())
    page = client.get("/directory?q=KE&status=suspended").get_data(as_text=True)
    table = page.split("<tbody>", 1)[1]
    assert "University of Nairobi" in table and "Moi University" not in table
    assert 'id="f-status"' not in page
