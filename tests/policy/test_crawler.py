"""Crawler leak test: personas walk the running app and never meet what ``decide`` hides.

Each persona (a visitor, a student, a teacher, the admin of every school, a consortium admin)
starts at ``/`` (and the sitemap, robots.txt, the public feed and their own private feed) and
follows every link and GET form (and the links of feeds and the sitemap), breadth first, up to
``crawler.PAGES_PER_PERSONA`` pages (see ``tests/policy/crawler.py``). A title, summary, file
name or link of a material hidden from that persona in any body or header fails the test, as
does a file served without the right (``download`` for the original, ``view`` for renderings).

Each persona also harvests ``/oai`` (``crawler.crawl_oai``, with its token; a visitor
without one): ListRecords in ``lom`` and ``oai_dc`` and ListIdentifiers followed to their last
page, and hidden materials asked for by identifier and as ``lom.xml``; a search's LOM zip is
read file by file. With the OAI walk the demo took 39 s (927 pages, 124 of them ``/oai``).

Each person who takes part in peer review (teachers, school admins, the consortium admin) also
walks its pages (``crawler.crawl_reviews``): their Reviews, the board, the editors, their account
(reviews given, certificates, whose PDF text is read) and notifications, and the submissions of
some materials hidden from them by address; students and visitors ask for those only. Every
random consortium has submissions at every stage of the route, edited and partly reviewed by the
teacher persona, some of whose materials stopped being shared afterwards: its walk must reach
``REVIEW_PAGES``. With peer review, the 12 consortia took 158 s instead of 138 s (8,759 pages
instead of 7,922; a consortium of 8 personas now has 40 walks instead of 32) and the
demo 1,234 pages instead of 1,181, measured back to back on the shared 2-core machine.

``HUB_CRAWL_CONSORTIA`` sets how many random consortia are walked (12 by default), in up to
four tests of their own (``PARTS``) that pytest-xdist runs side by side; the demo consortium is
walked too. Run with ``-s`` to see the figures of every run.

Measured on the 2-core machine with SQLite: 12 consortia, 276 personas, 6,428 pages (every
persona walks the pages, the API and ``/oai``), 4.5-10 s a consortium while other work shared
the machine; the demo, 11 personas, 440 pages in 21-24 s (8-9 s of it loading the demo). Every
consortium plants every sharing rule (``crawler.random_consortium``): 12 keep the whole crawl
near its budget (``crawler.PAGES_PER_PERSONA``): with 20 the crawl took 147 s of the suite's
570 s of worker time. ``HUB_CRAWL_CONSORTIA=40`` walks more, e.g. before a release.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, given, seed, settings
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hub.models import Person
from hub.search import catch_up_now, shutdown
from hub.services import feeds, tokens
from tests import factories
from tests.conftest import make_app
from tests.lti.platform import Platform
from tests.policy.crawler import (
    DEMO_PAGES_PER_PERSONA,
    PAGES_PER_PERSONA,
    REVIEW_ENDPOINTS,
    ROUTES,
    Catalogue,
    ConsortiumSpec,
    Finding,
    FormField,
    Frontier,
    PageParser,
    Persona,
    Sight,
    Walk,
    build_consortium,
    consortium_specs,
    crawl,
    crawl_api,
    crawl_lti,
    crawl_oai,
    crawl_reviews,
    demo_personas,
    form_queries,
    publish_one_second_apart,
    random_consortium,
    register_platforms,
    site_url,
    summarise,
)

CONSORTIA = int(os.environ.get("HUB_CRAWL_CONSORTIA", "12"))
#: The peer review pages the walk of a consortium with submissions must reach (the teacher
#: persona's Reviews, submissions, rubric, board and certificate; the consortium admin's
#: editors): a walk that never reaches them could not find a leak there. They are the review
#: walk's own pages, less the account and notifications every walk passes through.
REVIEW_PAGES = frozenset(e for e in REVIEW_ENDPOINTS if e.startswith("review."))
# The consortia are walked as this many tests (each its own share, from its own seed), so that
# pytest-xdist spreads them over its workers instead of one worker walking them all.
PARTS = max(1, min(4, CONSORTIA))


@pytest.fixture()
def new_app(
    app_config: dict[str, Any], connection: Connection, tmp_path: Any
) -> Callable[[str], Flask]:
    """A new app on the test's connection with its own instance folder (search index, blobs,
    card cache): examples are rolled back, and ids come back in the next one, so nothing of
    an earlier example may survive in an index or a cache."""

    def make(name: str) -> Flask:
        # Small harvest pages, so that the walk follows resumption tokens to the end.
        config = {**app_config, "HUB_INSTANCE_PATH": str(tmp_path / name), "OAI_PAGE_SIZE": 5}
        return make_app(config, connection)

    return make


@contextmanager
def _session(app: Flask) -> Iterator[Session]:
    """A session of ``app`` that the factories write through."""
    session = app.extensions["hub.db"].new_session()
    factories.bind(session)
    try:
        yield session
    finally:
        factories.bind(None)
        session.close()


def _walk_all(
    app: Flask, session: Session, personas: list[Persona], *, planted: bool, pages: int
) -> list[Walk]:
    """Every persona's walk, against the catalogue as the database holds it now; a signed-in
    persona starts at their own private feed too."""
    catalogue = Catalogue.read(session)
    walks = []
    platform = Platform()
    try:
        register_platforms(session, platform)
        session.commit()
        for p in personas:
            feed, token = _secrets(app, session, p.person)
            sight = Sight.of(session, p.person, catalogue, planted=planted)
            starts = [f"/feeds/private/{feed}.atom"] if feed else []
            walks.append(crawl(app, p, sight, pages=pages, starts=starts))
            walks.append(crawl_api(app, p, sight, token))
            walks.append(crawl_oai(app, p, sight, token))
            walks.append(crawl_lti(app, p, sight, platform))
            walks.append(crawl_reviews(app, p, sight))
    finally:
        platform.close()
    return walks


def _secrets(app: Flask, session: Session, person: Person | None) -> tuple[str | None, str | None]:
    """The secret of a private feed address of ``person`` and of a read token for the API's
    walk (None for a visitor: neither)."""
    if person is None:
        return None, None
    feed = feeds.new_address(session, person)
    with app.test_request_context():
        token = tokens.create(session, person, "crawler", ["read"], 7).secret
    session.commit()
    return feed, token


def _figures(walks: list[Walk]) -> str:
    """The figures of some walks in one line."""
    pages = sum(w.pages for w in walks)
    canaries = sum(w.canaries for w in walks)
    hidden = sum(w.hidden for w in walks)
    findings = sum(len(w.findings) for w in walks)
    return (
        f"{len(walks)} personas, {pages} pages ({sum(w.seconds for w in walks):.1f} s in the app), "
        f"{canaries} string and {hidden} id canaries over the personas, {findings} findings"
    )


def _by_endpoint(walks: list[Walk]) -> str:
    """How many pages of each endpoint the walks fetched, most first."""
    counts: Counter[str] = sum((w.endpoints for w in walks), Counter())
    return "pages by endpoint: " + ", ".join(f"{e} {n}" for e, n in counts.most_common())


@pytest.mark.slow
@pytest.mark.parametrize("part", range(PARTS))
def test_no_persona_meets_a_canary_in_random_consortia(
    part: int, new_app: Callable[[str], Flask], connection: Connection
) -> None:
    """Random consortia (``HUB_CRAWL_CONSORTIA`` in all, this part's share), every persona of
    each: no leak."""
    runs: list[tuple[ConsortiumSpec, list[Walk], float]] = []
    unreached: list[str] = []
    started = time.perf_counter()

    # Findings are gathered, not raised, so that every consortium is walked and nothing is
    # shrunk (an example costs seconds): the test fails once, at the end, with all of them.
    @seed(part)
    @settings(
        max_examples=CONSORTIA // PARTS + (part < CONSORTIA % PARTS),
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(spec=consortium_specs(offset=part))
    def walk_one(spec: ConsortiumSpec) -> None:
        t0 = time.perf_counter()
        # Each example in a savepoint rolled back afterwards; a new app per example.
        savepoint = connection.begin_nested()
        app = new_app(f"consortium-{len(runs)}")
        try:
            with _session(app) as session:
                consortium = build_consortium(session, app, spec, password=factories.PASSWORD)
                session.commit()
                catch_up_now(app)
                walks = _walk_all(
                    app, session, consortium.personas, planted=True, pages=PAGES_PER_PERSONA
                )
        finally:
            shutdown(app)
            savepoint.rollback()
        runs.append((spec, walks, time.perf_counter() - t0))
        reached = {e for w in walks for e in w.endpoints}
        if spec.submissions and (missing := REVIEW_PAGES - reached):
            unreached.append(f"consortium {len(runs)} (seed {spec.seed}): {sorted(missing)}")
        print(
            f"part {part}, consortium {len(runs)}: {len(spec.schools)} schools "
            f"({', '.join(s.status.value for s in spec.schools)}), {len(spec.materials)} "
            f"materials: {_figures(walks)} in {runs[-1][2]:.1f} s"
        )

    walk_one()
    walks = [w for _, ws, _ in runs for w in ws]
    findings: list[Finding] = [f for w in walks for f in w.findings]
    figures = f"{len(runs)} consortia: {_figures(walks)} in {time.perf_counter() - started:.1f} s"
    print(figures)
    print(_by_endpoint(walks))
    assert runs, "hypothesis walked no consortium"
    assert not findings, f"{figures}\n{summarise(findings)}"
    assert not unreached, "review pages the walk never reached: " + "; ".join(unreached)


@pytest.mark.slow
def test_no_persona_meets_a_hidden_demo_material(new_app: Callable[[str], Flask]) -> None:
    """The demo consortium: no persona meets a demo material hidden from them."""
    from hub.services.demo import DEMO_PASSWORD, load_demo
    from hub.services.demo_materials import load_demo_materials
    from hub.storage import store_for

    started = time.perf_counter()
    app = new_app("demo")
    # The demo's 300 materials in harvest pages of 100: every list walked to its end.
    app.config["OAI_PAGE_SIZE"] = 100
    try:
        with _session(app) as session:
            load_demo(session)
            session.commit()
            load_demo_materials(session, store_for(app))
            publish_one_second_apart(session)
            session.commit()
            catch_up_now(app, lock_timeout=30)
            loaded = time.perf_counter() - started
            personas = demo_personas(session, DEMO_PASSWORD)
            walks = _walk_all(app, session, personas, planted=False, pages=DEMO_PAGES_PER_PERSONA)
    finally:
        shutdown(app)
    findings = [f for w in walks for f in w.findings]
    figures = (
        f"demo: {_figures(walks)} in {time.perf_counter() - started:.1f} s (loading {loaded:.1f} s)"
    )
    print(figures)
    print(_by_endpoint(walks))
    assert not findings, f"{figures}\n{summarise(findings)}"


# The crawler's own parts --------------------------------------------------------------------


def test_the_parser_finds_links_and_get_forms_only() -> None:
    """Links of every followed kind; GET forms with their controls, and the ways to send them."""
    parser = PageParser()
    parser.feed(
        '<a href="/browse?page=2">next</a><img src="/m/1.png"><link href="/static/hub.css">'
        '<video src="/v.webm"><source src="/a.ogg"></video>'
        '<form method="post" action="/sign-out"><input name="csrf_token" value="x"></form>'
        '<form action="/search"><input name="q" value="a&amp;b"><input type="submit">'
        '<select name="sort"><option value="relevance">Best</option><option selected>newest'
        "</option></select>"
        '<input type="checkbox" name="language" value="fr">'
        '<input type="checkbox" name="level" value="clinical" checked></form>'
    )
    assert parser.links == ["/browse?page=2", "/m/1.png", "/static/hub.css", "/v.webm", "/a.ogg"]
    [form] = parser.forms
    assert form.action == "/search"
    assert form.fields[1] == FormField("sort", "newest", options=["relevance", "newest"])
    assert form_queries(form) == [
        [("q", "a&b"), ("sort", "newest"), ("level", "clinical")],
        [("q", "a&b"), ("sort", "relevance"), ("level", "clinical")],
        [("q", "a&b"), ("sort", "newest"), ("language", "fr"), ("level", "clinical")],
    ]


def test_only_same_site_pages_are_followed() -> None:
    """Relative and absolute links of the site are followed; other sites, assets, sign-out not."""
    assert site_url("/materials/3", "v/2/files/9/x.pdf?inline=1") == (
        "/materials/v/2/files/9/x.pdf?inline=1"
    )
    assert site_url("/browse", "http://hub.test/search?q=#top") == "/search?q="
    assert site_url("/", "https://creativecommons.org/licenses/by/4.0/") is None
    assert site_url("/", "/static/hub.css") is None
    assert site_url("/", "/sign-out") is None


def test_a_walk_among_some_endpoints_queues_only_their_pages(app: Flask) -> None:
    """The review walk keeps to its pages: others found on them are not queued."""
    frontier = Frontier(app.url_map.bind("hub.test"), REVIEW_ENDPOINTS)
    for url in ("/reviews", "/browse", "/account", "/search?q=x", "/reviews/board"):
        frontier.add(url)
    assert [frontier.pop() for _ in range(4)] == ["/reviews", "/account", "/reviews/board", None]


def test_every_random_consortium_takes_submissions_along_the_whole_route() -> None:
    """Each consortium has a submission at every stage, one accepted with the teacher persona's
    signed review and narrowed afterwards, and the others' materials shared when submitted
    (``submittable`` asks it) and owned by other schools than the teacher persona's, but one."""
    for seed_ in range(20):
        spec = random_consortium(seed_)
        assert {s.route for s in spec.submissions} == set(ROUTES)
        assert any(
            s.route == "accepted" and s.signed and s.afterwards == "narrowed"
            for s in spec.submissions
        )
        owners = [spec.materials[s.material].owner for s in spec.submissions]
        assert owners.count(spec.teacher_school) == 1
        for s in spec.submissions:
            material = spec.materials[s.material]
            assert material.grants and not material.retired and material.window == "open"
