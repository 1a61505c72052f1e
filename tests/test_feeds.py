"""Atom feeds, read with feedparser: new and updated public materials, per school, per search
(the search page's own search, as a visitor), and each person's private feed at an address of
their own that a new address revokes. Hidden materials never appear."""

from __future__ import annotations

import re
from typing import Any

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import FeedToken, Material, MembershipStatus, Person, utcnow
from hub.search import catch_up_now
from tests.conftest import csrf_token, sign_in
from tests.factories import (
    CONSORTIUM_VIEW,
    PUBLIC_DOWNLOAD,
    SchoolFactory,
    TeacherFactory,
    make_material,
    publish_new_version,
    revise,
)

pytestmark = pytest.mark.usefixtures("closes_index")


def _feed(client: FlaskClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def _titles(parsed: Any) -> list[str]:
    return [e.title for e in parsed.entries]


def _catalogue(session: Session) -> dict[str, Material]:
    """A school's materials: public, consortium-only, a draft, a retired one; another
    school's public one."""
    school = SchoolFactory(name="Kamuzu University")
    other = SchoolFactory(name="Universidad de Cuenca")
    found = {
        "public": make_material(
            session, school, title="Open malaria lecture", grants=PUBLIC_DOWNLOAD
        ),
        "members": make_material(session, school, title="Members malaria", grants=CONSORTIUM_VIEW),
        "draft": make_material(session, school, title="Draft malaria", published=False),
        "retired": make_material(session, school, title="Retired malaria", grants=PUBLIC_DOWNLOAD),
        "other": make_material(session, other, title="Open dengue lecture", grants=PUBLIC_DOWNLOAD),
    }
    found["retired"].retired_at = utcnow()
    revise(
        session,
        found["public"],
        authors=["Chisomo Banda"],
        topics=["D008288", "Village clinics"],
        summary="Diagnosis *and* treatment.",
    )
    session.flush()
    return found


def test_the_public_feed_lists_new_and_updated_public_materials_only(
    client: FlaskClient, session: Session
) -> None:
    found = _catalogue(session)
    publish_new_version(session, found["other"], "Open dengue lecture, 2nd edition")
    session.commit()
    parsed = _feed(client, "/feeds/public.atom")
    assert _titles(parsed) == ["Open dengue lecture, 2nd edition", "Open malaria lecture"]
    assert parsed.feed.title == "New and updated materials — Consortium Hub"
    assert parsed.feed.id == "http://hub.test/feeds/public.atom"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links == {"alternate": "http://hub.test/browse", "self": parsed.feed.id}
    updated, entry = parsed.entries
    material = found["public"]
    assert entry.id == f"http://hub.test/materials/{material.id}"
    assert entry.link == f"http://hub.test/materials/{material.id}?v=1"
    assert entry.summary == "Diagnosis and treatment."
    assert [a.name for a in entry.authors] == ["Chisomo Banda"]
    assert [(t.term, t.scheme, t.label) for t in entry.tags] == [
        ("D008288", "https://id.nlm.nih.gov/mesh/", "Malaria"),
        ("Village clinics", None, "Village clinics"),
    ]
    assert entry.rights == "https://creativecommons.org/licenses/by/4.0/"
    assert "published" in entry  # a first version is new...
    assert updated.link.endswith("?v=2") and "published" not in updated  # ...a second, updated


def test_a_school_feed_holds_that_schools_public_materials(
    client: FlaskClient, session: Session
) -> None:
    found = _catalogue(session)
    applicant = SchoolFactory(status=MembershipStatus.APPLIED)
    session.commit()
    school_id = found["public"].school_id
    parsed = _feed(client, f"/schools/{school_id}/feed.atom")
    assert _titles(parsed) == ["Open malaria lecture"]
    assert parsed.feed.title == "Materials of Kamuzu University"
    assert client.get(f"/schools/{applicant.id}/feed.atom").status_code == 404
    assert client.get("/schools/999999/feed.atom").status_code == 404


def test_a_search_feed_is_the_search_as_a_visitor_sees_it(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    found = _catalogue(session)
    teacher = TeacherFactory(school=found["members"].school)
    session.commit()
    catch_up_now(app)
    sign_in(client, teacher)  # a feed reader does not sign in: the feed is a visitor's
    parsed = _feed(client, "/search.atom?q=malaria")
    assert _titles(parsed) == ["Open malaria lecture"]
    assert parsed.feed.title == "Search: malaria"
    assert parsed.feed.id == "http://hub.test/search.atom?q=malaria"
    school = found["other"].school_id
    assert _titles(_feed(client, f"/search.atom?school={school}")) == ["Open dengue lecture"]
    bad = client.get('/search.atom?q="malaria')
    assert bad.status_code == 400 and bad.mimetype == "text/plain"
    assert "quotation mark" in bad.get_data(as_text=True)


def test_pages_name_their_feeds(app: Flask, client: FlaskClient, session: Session) -> None:
    found = _catalogue(session)
    session.commit()
    catch_up_now(app)
    school = found["public"].school_id
    page = client.get(f"/search?q=malaria&school={school}&page=1").get_data(as_text=True)
    links = re.findall(r'<link rel="alternate" type="application/atom\+xml" [^>]*>', page)
    assert f'href="/search.atom?q=malaria&amp;school={school}"' in links[0]
    assert f'href="/schools/{school}/feed.atom"' in links[1]
    assert "Follow this search (Atom feed)" in page
    assert 'href="/feeds/public.atom"' in client.get("/").get_data(as_text=True)
    assert 'href="/feeds/public.atom"' in client.get("/browse").get_data(as_text=True)


def _signed_in_teacher(client: FlaskClient, session: Session) -> Person:
    teacher = TeacherFactory()
    session.commit()
    sign_in(client, teacher)
    return teacher


def _make_address(client: FlaskClient) -> str:
    page = client.get("/account").get_data(as_text=True)
    response = client.post("/account/feed", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 200
    found = re.search(r'id="feed-address" class="feed-address" value="([^"]+)"', response.text)
    assert found, "the new address is shown"
    return found.group(1).removeprefix("http://hub.test")


def test_a_private_feed_lists_what_its_person_may_see_and_nothing_hidden(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    found = _catalogue(session)
    teacher = TeacherFactory(school=SchoolFactory(name="Aga Khan University"))
    session.commit()
    sign_in(client, teacher)
    address = _make_address(client)
    reader = app.test_client()  # no session: the address is the key
    response = reader.get(address)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    parsed = _feed(reader, address)
    assert set(_titles(parsed)) == {
        "Open malaria lecture",
        "Members malaria",
        "Open dengue lecture",
    }
    assert parsed.feed.title == f"Materials {teacher.name} may see — Consortium Hub"
    assert "self" not in {link.rel for link in parsed.feed.links}  # the address is a secret
    assert found["draft"].versions[0].title not in response.get_data(as_text=True)


def test_a_new_address_revokes_the_old_and_only_a_digest_is_kept(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    _signed_in_teacher(client, session)
    first = _make_address(client)
    second = _make_address(client)
    reader = app.test_client()
    assert reader.get(first).status_code == 404
    assert reader.get(second).status_code == 200
    secret = second.removeprefix("/feeds/private/").removesuffix(".atom")
    digests = session.scalars(select(FeedToken.digest)).all()
    assert len(digests) == 2 and secret not in digests
    page = client.get("/account").get_data(as_text=True)
    assert "You made a feed address on" in page and secret not in page
    client.post("/account/feed/revoke", data={"csrf_token": csrf_token(page)})
    assert reader.get(second).status_code == 404


def test_a_deactivated_persons_feed_and_unknown_addresses_answer_404(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    teacher = _signed_in_teacher(client, session)
    address = _make_address(client)
    teacher.active = False
    session.commit()
    reader = app.test_client()
    assert reader.get(address).status_code == 404
    assert reader.get("/feeds/private/not-a-secret.atom").status_code == 404
    assert reader.get("/feeds/private/" + "x" * 300 + ".atom").status_code == 404


def test_making_an_address_needs_a_signed_in_person(client: FlaskClient) -> None:
    response = client.post("/account/feed")
    assert response.status_code in (302, 400)
    assert client.get("/feeds/public.atom").status_code == 200
