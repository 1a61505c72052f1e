"""Atom feeds of new and updated materials, the sitemap, and private feed addresses.

Every feed lists what one viewer may discover, read through the one door (``Catalogue``):
the public feeds, a school's feed and a search's feed are a visitor's (a feed reader does not
sign in); a person's private feed is theirs, reached by an address that carries a random
secret (``FeedToken``: only its digest is kept; a new address revokes the old one). A feed
lists current published versions, newest publication first: a new version of a material is
an update of its entry (the entry's id is the material's address).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape

from feedgen.feed import FeedGenerator
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import FeedToken, MaterialVersion, MembershipStatus, Person, School, utcnow
from . import audit, markdown, mesh, vocabularies
from .catalogue import Catalogue, Listed
from .citation import creators_of
from .discovery import CardSnapshot, Searcher, SearchPage, SearchQuery, search_page
from .errors import NotFound

#: Entries in a feed: the newest publications.
FEED_SIZE = 50
#: URLs in the sitemap: the protocol's limit for one file.
SITEMAP_SIZE = 50_000
#: Schools that have a feed: those admitted to the consortium at some time.
ADMITTED = (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED, MembershipStatus.WITHDRAWN)


@dataclass(frozen=True)
class FeedInfo:
    """What a feed says of itself: its permanent id, its title, and its addresses."""

    id: str
    title: str
    alternate: str  # the page the feed follows (the search, the school's materials)
    self_url: str | None  # None for a private feed: its address is a secret
    language: str


#: The address of a material page (the view makes it absolute): by material id, and the
#: stable address of one version.
MaterialAddress = Callable[[int], str]
VersionAddress = Callable[[MaterialVersion], str]


def public_entries(session: Session, school_id: int | None = None) -> list[MaterialVersion]:
    """What a visitor may discover, newest first (of one school, if given)."""
    return Catalogue.of(session, None).listing(limit=FEED_SIZE, owner_school_id=school_id)


def person_entries(session: Session, person: Person) -> list[MaterialVersion]:
    """What ``person`` may discover, newest first (their private feed)."""
    return Catalogue.of(session, person).listing(limit=FEED_SIZE)


def search_entries(
    session: Session, query: SearchQuery, *, search: Searcher, cached: CardSnapshot
) -> tuple[list[MaterialVersion], SearchPage]:
    """What a visitor's search finds (the search page's own service), as feed entries in the
    order found, with the search's answer (why it cannot run, if it cannot)."""
    visitor = Catalogue.of(session, None)
    found = search_page(session, visitor.viewer, query, search=search, cached=cached)
    ids = [f.card.material_id for f in found.cards]
    shown = visitor.shown_versions(ids)
    return [shown[i] for i in ids if i in shown], found


def admitted_school(session: Session, school_id: int) -> School:
    """A school that has a feed (one admitted to the consortium), else ``NotFound``: an
    applicant's name is nobody's business."""
    school = session.get(School, school_id)
    if school is None or school.status not in ADMITTED:
        raise NotFound(_("There is no such school."))
    return school


def atom(
    info: FeedInfo,
    entries: Sequence[MaterialVersion],
    material_address: MaterialAddress,
    version_address: VersionAddress,
) -> bytes:
    """The Atom document of ``entries`` (feedgen)."""
    feed = FeedGenerator()
    feed.id(info.id)
    feed.title(info.title)
    feed.link(href=info.alternate, rel="alternate", type="text/html")
    if info.self_url is not None:
        feed.link(href=info.self_url, rel="self", type="application/atom+xml")
    feed.language(info.language)
    feed.generator("Consortium Hub")
    newest = max((_when(v) for v in entries), default=None)
    feed.updated(newest or dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    for version in entries:
        _entry(feed, version, material_address, version_address)
    document: bytes = feed.atom_str(pretty=True)
    return document


def _when(version: MaterialVersion) -> dt.datetime:
    """When a version was published, in UTC (feedgen wants a time zone)."""
    when = version.published_at or version.created_at
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _entry(
    feed: FeedGenerator,
    version: MaterialVersion,
    material_address: MaterialAddress,
    version_address: VersionAddress,
) -> None:
    entry = feed.add_entry(order="append")
    entry.id(material_address(version.material_id))
    entry.title(version.title)
    entry.link(href=version_address(version), rel="alternate", type="text/html")
    entry.updated(_when(version))
    if version.number == 1:
        entry.published(_when(version))
    summary = markdown.plain(version.summary)
    if summary:
        entry.summary(summary)
    for name in creators_of(version):
        entry.author({"name": name})
    for topic in mesh.topics_of(version):
        # A descriptor by its id in MeSH's scheme; a free term as itself, without a scheme.
        entry.category(
            term=topic.id or topic.name,
            scheme=mesh.MESH_URI if topic.id else None,
            label=topic.name,
        )
    licence = vocabularies.licence_url(version.licence)
    if licence is not None:
        entry.rights(licence)


def sitemap(
    session: Session, material_address: MaterialAddress, limit: int = SITEMAP_SIZE
) -> Iterator[str]:
    """The sitemap of what a visitor may discover, piece by piece (streamed: never the whole
    catalogue in memory): each material's page with the day its current version came out."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    listed: Listed
    for listed in Catalogue.of(session, None).addresses(limit=limit):
        day = listed.published_at.date().isoformat()
        yield (
            f"<url><loc>{xml_escape(material_address(listed.material_id))}</loc>"
            f"<lastmod>{day}</lastmod></url>\n"
        )
    yield "</urlset>\n"


# Private feed addresses ---------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def current_address(session: Session, person: Person) -> FeedToken | None:
    """The person's private feed address in use (its secret is not kept), if any."""
    return session.scalar(
        select(FeedToken)
        .where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.id.desc())
    )


def revoke_addresses(session: Session, person: Person) -> int:
    """Revoke the person's private feed addresses; how many there were."""
    tokens = session.scalars(
        select(FeedToken).where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = utcnow()
    if tokens:
        audit.record(session, person, "feed.address_revoked", person, school_id=person.school_id)
    return len(tokens)


def new_address(session: Session, person: Person) -> str:
    """Make a new private feed address for ``person``, revoking the one before; its secret
    (shown once: only its digest is kept)."""
    revoke_addresses(session, person)
    secret = secrets.token_urlsafe(32)
    session.add(FeedToken(person_id=person.id, digest=_digest(secret)))
    audit.record(session, person, "feed.address_made", person, school_id=person.school_id)
    return secret


def person_for_secret(session: Session, secret: str) -> Person | None:
    """Whose private feed ``secret`` opens: None for an unknown or revoked secret, or a
    person who is no longer active."""
    if not secret or len(secret) > 100:
        return None
    token = session.scalar(
        select(FeedToken).where(FeedToken.digest == _digest(secret), FeedToken.revoked_at.is_(None))
    )
    if token is None or not token.person.active:
        return None
    return token.person
