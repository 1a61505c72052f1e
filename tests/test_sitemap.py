"""The sitemap of public materials (streamed, with the day of each current version) and the
robots.txt that points to it."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.models import utcnow
from hub.services.catalogue import BROWSE_CHUNK, Catalogue
from tests.factories import PUBLIC_VIEW, SchoolFactory, make_material, publish_new_version, revise

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _urls(client: FlaskClient) -> dict[str, str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.is_streamed
    root = ElementTree.fromstring(response.get_data())
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return {
        url.findtext("s:loc", namespaces=NS) or "": url.findtext("s:lastmod", namespaces=NS) or ""
        for url in root.findall("s:url", NS)
    }


def test_the_sitemap_lists_public_materials_with_their_last_change(
    client: FlaskClient, session: Session
) -> None:
    school = SchoolFactory()
    public = make_material(session, school, title="Open", grants=PUBLIC_VIEW)
    revise(session, public, published_at=dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC))
    updated = make_material(session, school, title="Updated", grants=PUBLIC_VIEW)
    newer = publish_new_version(session, updated, "Updated, v2")
    members = make_material(session, school, title="Members", grants=[("consortium", [], "view")])
    draft = make_material(session, school, title="Draft", published=False, grants=PUBLIC_VIEW)
    retired = make_material(session, school, title="Retired", grants=PUBLIC_VIEW)
    retired.retired_at = utcnow()
    session.commit()
    urls = _urls(client)
    assert urls == {
        f"http://hub.test/materials/{public.id}": "2026-03-04",
        f"http://hub.test/materials/{updated.id}": newer.published_at.date().isoformat(),
    }
    for hidden in (members, draft, retired):
        assert f"http://hub.test/materials/{hidden.id}" not in urls


def test_the_sitemap_reads_the_catalogue_a_chunk_at_a_time(session: Session) -> None:
    """More public materials than one chunk of the door's reading: all listed, newest first,
    and a limit stops the reading."""
    school = SchoolFactory()
    made = [
        make_material(session, school, title=f"Open {n}", grants=PUBLIC_VIEW)
        for n in range(BROWSE_CHUNK + 30)
    ]
    hidden = make_material(session, school, title="Members", grants=[("consortium", [], "view")])
    session.commit()
    visitor = Catalogue.of(session, None)
    listed = list(visitor.addresses())
    assert {x.material_id for x in listed} == {m.id for m in made}
    assert hidden.id not in {x.material_id for x in listed}
    assert [x.published_at for x in listed] == sorted(
        (x.published_at for x in listed), reverse=True
    )
    assert len(list(visitor.addresses(limit=10))) == 10


def test_robots_txt_points_to_the_sitemap_and_keeps_private_places_out(
    client: FlaskClient,
) -> None:
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "Sitemap: http://hub.test/sitemap.xml" in lines
    assert "Disallow: /feeds/private/" in lines
    assert "Disallow: /account" in lines
