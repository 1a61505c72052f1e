"""A leak-hunting crawler over the running app, and random consortia for it to walk.

The crawler signs in as one persona, starts at ``/`` and follows every same-site link and
every GET form it finds, breadth first, up to a bound of pages. Every response is checked:

- no *canary* of a material hidden from the persona appears in a text body or a header: its
  titles, summaries, file names, or a link to ``/materials/<its id>``;
- every file the app serves is one the policy lets this persona have: the original file
  (``materials.file``) needs ``download``; anything else under a version's files (page images,
  streams) needs ``view``.

A material is *hidden* from a persona when ``policy.decide`` denies ``view`` and ``discover``
for every one of its versions. The decisions are read once, before the walk, from the same
facts the app reads (``policy.viewer_for``, ``policy.facts_for_versions``), so the walk
compares the surfaces with ``decide`` and never with the app's own listings.

The consortium half (``consortium_specs``, ``random_consortium``, ``build_consortium``) makes
small consortia from hypothesis-drawn seeds, each of which plants every rule of DESIGN.md's
"Licensing and sharing rules" at least once: suspended and withdrawn schools, every grant kind
and right, expired grants, teachers-only materials, embargoes and ends, drafts, retired
materials, patient consent, lowered ceilings, modules of hidden items, lineage to and from
hidden materials, access requests, usage rows, adoptions, bookmarks, teacher reviews and error
reports. Every title, summary, file name, review comment and report description is a unique
random string, so that finding one in a page can only mean it was shown. A report's
description (and the reason it was declined) is a canary even of a material the persona may
view, unless they reported it or are staff of the school that owns it: readers see a report's
kind and status, never what was written.

Every consortium carries peer review too (``_submission_specs``, ``_peer_review``): the teacher
persona edits and reviews submissions of the other schools at every stage of the route, and
then some of those materials stop being shared (narrowed, retired, ended, expired; schools
suspended or lowering their ceilings): the review pages, the board, letters, notifications and
the account page's reviews must then not name them. A peer review's confidential comment is a
canary to everyone but the submission's editor.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import json
import random
import re
import time
import zipfile
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter, RequestRedirect
from werkzeug.test import TestResponse

from hub import policy
from hub.models import (
    STAFF,
    AccessRequest,
    Adoption,
    AudienceGrant,
    Bookmark,
    ConsentScope,
    ErrorKind,
    ErrorReport,
    ErrorReportStatus,
    File,
    GrantKind,
    LtiPlatform,
    Material,
    MaterialKind,
    MaterialVersion,
    MembershipStatus,
    ModuleItem,
    Outcome,
    PatientData,
    Person,
    RequestStatus,
    Review,
    Role,
    School,
    Submission,
    TeacherReview,
    VersionFile,
    VersionState,
    utcnow,
)
from hub.services import feedback, review, review_people, usage
from hub.services import review_reviewing as reviewing
from hub.services.errors import ServiceError
from hub.services.files import record_bytes
from hub.services.sample_files import lecture_video, pdf_document, png_image
from hub.storage import store_for
from tests.conftest import sign_in
from tests.factories import ConsortiumAdminFactory, PersonFactory, SchoolFactory
from tests.lti.platform import INSTRUCTOR, Platform

# Bounds of one walk. Pages are the budget: the whole crawl of the random consortia and the
# demo has to stay near 90 s on a 2-core machine (see test_crawler.py for the measured figures).
PAGES_PER_PERSONA = 25
# The demo's pages are bigger (300+ materials: 30 ms a page, not 12) and more of them lead
# somewhere: fewer of its admins walk (``DEMO_ADMINS``), each further.
DEMO_PAGES_PER_PERSONA = 40
DEMO_ADMINS = 6
# A GET form is submitted as found, then once per other option of each select and once per
# unchecked checkbox (search facets), at most this many ways per form...
FORM_VARIANTS = 24
# ...and at most this many options of one select (the view-as list of member schools).
OPTIONS_PER_SELECT = 20
# Pages of one material get this many turns to another page's one (see ``Frontier``)...
MATERIAL_TURNS = 3
# ...but for the citation downloads: they say what the material page says (one turn).
ONE_TURN = frozenset({"citing.download"})
# The first findings a failure shows; the rest are counted.
SHOWN_FINDINGS = 20

SITE_HOSTS = frozenset({"", "hub.test", "localhost"})
LINK_ATTRIBUTES = {
    "a": "href",
    "img": "src",
    "video": "src",
    "audio": "src",
    "source": "src",
    "link": "href",
}
SERVED = frozenset({200, 206, 302})
# A link to a material: its path, then a separator or the end (never a bare number).
MATERIAL_LINK = re.compile(r"/materials/(\d+)(?=[/?#\"']|$)")
VERSION_FILES = re.compile(r"^/materials/(\d+)/v/(\d+)/files/")
TEXT_TYPES = (
    "text/",
    "application/json",
    "application/problem+json",
    "application/xml",
    "application/atom+xml",
    # Citation downloads: CSL-JSON, BibTeX, RIS.
    "application/vnd.citationstyles.csl+json",
    "application/x-bibtex",
    "application/x-research-info-systems",
)
#: Where a walk of the pages starts: the home page, and what crawlers and feed readers fetch
#: without a link from a page (the sitemap, robots.txt, the public feed).
STARTS = ("/", "/robots.txt", "/sitemap.xml", "/feeds/public.atom")
# Links in an Atom feed or a sitemap (followed like a page's).
XML_LINK = re.compile(r'<link [^>]*href="([^"]+)"|<loc>([^<]+)</loc>')
# The schema.org data of a page, read as data (its strings are JSON-escaped in the page).
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
# The API's walk: where it starts (every list a token can read), how many hidden materials
# it asks for by id, its budget, and the addresses it follows in answers and Link headers.
API_STARTS = (
    "/api/v1/materials",
    "/api/v1/search",
    "/api/v1/search?sort=newest",
    "/api/v1/me",
    "/api/v1/me/materials",
    "/api/v1/adoptions",
    "/api/v1/access-requests",
    "/api/v1/access-requests?direction=incoming",
    "/api/v1/usage",
    "/api/v1/schools",
)
API_PROBES = 3
# Endpoints that serve a version's original file (the download right).
ORIGINALS = frozenset({"materials.file", "api_materials.file_content"})
API_PAGES = 30
API_ADDRESS = re.compile(r'"(/api/v1/[^"\s{}]*)"')
# The harvest's walk: every list of ``/oai`` in both formats, followed to its last page by
# its resumption tokens, and some hidden materials asked for by identifier and as LOM.
OAI_STARTS = (
    "/oai?verb=ListRecords&metadataPrefix=lom",
    "/oai?verb=ListRecords&metadataPrefix=oai_dc",
    "/oai?verb=ListIdentifiers&metadataPrefix=lom",
    "/oai?verb=ListSets",
    "/oai?verb=Identify",
)
OAI_PROBES = 3
# Cartridge exports (services/cartridge.py) fetched without a link: the persona's first
# modules (the files they may take, never a hidden item) and some hidden materials (404).
EXPORT_PROBES = 3
# A cartridge member under ``files/m<id>v<number>/`` is that version's original file.
CARTRIDGE_FILE = re.compile(r"^files/m(\d+)v(\d+)/")
OAI_PAGES = 40
OAI_RESUME = re.compile(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
OAI_VERB = re.compile(r'<request[^>]* verb="(\w+)"')
API_LINK_HEADER = re.compile(r"<(/api/v1/[^>]*)>")
# Launches from the persona's school's learning platform (LTI): hidden materials launched
# (each must be the 404 page), visible ones opened in the frame and walked on from, and a
# teacher's deep-linking picker.
LTI_HIDDEN_PROBES = 3
LTI_SHOWN_PROBES = 1
LTI_PAGES = 10
FRAMED = {"Sec-Fetch-Dest": "iframe"}
# Peer review's own walk (``crawl_reviews``): each person who takes part in it starts at their
# Reviews, the board, their account (reviews given, certificates) and notifications, and follows
# links among those pages only (not the forms that submit a material or volunteer: the main walk
# has them), up to a budget; and asks for the submissions of some materials hidden from them by
# address (a page they take no part in is a 404).
REVIEW_STARTS = ("/reviews", "/reviews/board", "/reviews/editors", "/account", "/notifications")
REVIEW_ENDPOINTS = (
    "review.home",
    "review.submission",
    "review.rubric",
    "review.board",
    "review.editors",
    "review.certificate",
    "main.account",
    "notifications.",
)
REVIEW_WALK_PAGES = 16
REVIEW_PROBES = 3
# PDFs the hub writes about a material (not a material's own files, whose right is checked):
# their text is read and scanned like a page's.
PDF_TEXT = frozenset({"review.certificate"})


# Reading pages -------------------------------------------------------------------------------


@dataclass
class FormField:
    """One named control of a GET form: a fixed value, a choice, or a checkbox."""

    name: str
    value: str = ""
    options: list[str] = field(default_factory=list)  # selects and radio groups
    checkbox: bool = False
    checked: bool = True


@dataclass
class GetForm:
    """A form that submits by GET: where to, and its controls in document order."""

    action: str
    fields: list[FormField] = field(default_factory=list)


class PageParser(HTMLParser):
    """The links (``<a href>``, ``<img src>``, media sources, ``<link href>``) and GET forms
    of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[GetForm] = []
        self._form: GetForm | None = None
        self._select: FormField | None = None
        self._selected: str | None = None
        self._option: list[str] | None = None  # text of an option without a value
        self._option_selected = False
        self._radios: dict[str, FormField] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in LINK_ATTRIBUTES and a.get(LINK_ATTRIBUTES[tag]):
            self.links.append(a[LINK_ATTRIBUTES[tag]])
        if tag == "form":
            method = a.get("method", "get").strip().lower() or "get"
            # POST forms change things (sign-out among them): never submitted.
            self._form = GetForm(action=a.get("action", "")) if method == "get" else None
            self._radios = {}
        if self._form is None or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind == "checkbox":
                self._form.fields.append(
                    FormField(name, a.get("value", "on"), checkbox=True, checked="checked" in a)
                )
            elif kind == "radio":
                group = self._radios.get(name)
                if group is None:
                    group = self._radios[name] = FormField(name, value="")
                    self._form.fields.append(group)
                group.options.append(a.get("value", "on"))
                if "checked" in a:
                    group.value = a.get("value", "on")
            else:
                self._form.fields.append(FormField(name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = FormField(name)
            self._selected = None
        elif tag == "option" and self._select is not None:
            if "value" in a:
                self._add_option(a["value"], "selected" in a)
            else:
                self._option = []
                self._option_selected = "selected" in a
        elif tag == "textarea" and name:
            self._form.fields.append(FormField(name, ""))

    def _add_option(self, value: str, selected: bool) -> None:
        assert self._select is not None
        self._select.options.append(value)
        if selected and self._selected is None:
            self._selected = value

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None:
            self._add_option("".join(self._option).strip(), self._option_selected)
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            select_ = self._select
            if select_.options:
                select_.value = self._selected if self._selected is not None else select_.options[0]
                self._form.fields.append(select_)
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def form_queries(form: GetForm) -> list[list[tuple[str, str]]]:
    """The queries a person could submit with ``form``: as found, then each other option of
    each choice, then each unchecked checkbox added; at most ``FORM_VARIANTS``."""

    def submitted(overrides: Mapping[int, str], extra: int | None) -> list[tuple[str, str]]:
        pairs = []
        for i, f in enumerate(form.fields):
            if f.checkbox:
                if f.checked or i == extra:
                    pairs.append((f.name, f.value))
            elif f.options:
                value = overrides.get(i, f.value)
                if value:  # a radio group with nothing checked sends nothing
                    pairs.append((f.name, value))
            else:
                pairs.append((f.name, f.value))
        return pairs

    queries = [submitted({}, None)]
    for i, f in enumerate(form.fields):
        if f.options and not f.checkbox:
            queries += [
                submitted({i: o}, None) for o in f.options[:OPTIONS_PER_SELECT] if o != f.value
            ]
    queries += [submitted({}, i) for i, f in enumerate(form.fields) if f.checkbox and not f.checked]
    return queries[:FORM_VARIANTS]


def site_url(base: str, reference: str) -> str | None:
    """``reference`` (as found on the page at ``base``) as a same-site path with its query,
    or None for other sites, static assets and sign-out."""
    reference = reference.strip()
    # Most links are absolute paths: the page they are on does not matter (cached).
    return _site_url("" if reference.startswith("/") else base, reference)


@functools.lru_cache(maxsize=65536)
def _site_url(base: str, reference: str) -> str | None:
    absolute = urljoin("http://hub.test" + (base or "/"), reference)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc not in SITE_HOSTS:
        return None
    path = parts.path or "/"
    # Static assets show nothing of a material; signing out would end the persona's walk.
    if path.startswith("/static/") or "sign-out" in path:
        return None
    return urlunsplit(("", "", path, parts.query, ""))


def _url_key(url: str) -> str:
    """One key for the same page however its query is ordered."""
    parts = urlsplit(url)
    return parts.path + "?" + urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))


class Frontier:
    """The pages still to fetch, breadth first within each kind of page.

    The kinds take turns (first the endpoint, then the set of query names within it): a plain
    breadth-first walk of a bounded size spends its budget on whichever page has most links
    (search facets, say) and never reaches the files three clicks down. Pages of one material
    (its page, versions, files) take ``MATERIAL_TURNS`` turns to another page's one: there are
    many of them, and they are where a material's canaries and files are. So do pages of an
    endpoint that turned out to link to materials (listings: home, browse, search...).
    """

    def __init__(self, adapter: MapAdapter, only: tuple[str, ...] = ("",)) -> None:
        self.adapter = adapter
        self.only = only  # the endpoints (by prefix) worth queuing
        self.queues: dict[str, dict[tuple[str, ...], deque[str]]] = {}
        self.fetched: Counter[Any] = Counter()
        self.seen: set[str] = set()
        self.weight = {
            rule.endpoint: MATERIAL_TURNS
            for rule in adapter.map.iter_rules()
            if "material_id" in rule.arguments and rule.endpoint not in ONE_TURN
        }

    def add(self, url: str) -> None:
        """Queue ``url`` unless it was queued before."""
        key = _url_key(url)
        if key in self.seen:
            return
        self.seen.add(key)
        parts = urlsplit(url)
        names = tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))
        endpoint = endpoint_of(self.adapter, parts.path)[0]
        if not endpoint.startswith(self.only):
            return
        self.queues.setdefault(endpoint, {}).setdefault(names, deque()).append(url)

    def links_materials(self, endpoint: str) -> None:
        """Pages of ``endpoint`` link to materials: give it more turns."""
        self.weight[endpoint] = MATERIAL_TURNS

    def pop(self) -> str | None:
        """The next page: of the endpoint fetched least so far (then of its least fetched
        kind), in the order found."""
        best: tuple[float, str] | None = None
        for endpoint, kinds in self.queues.items():  # insertion order breaks ties
            turns = self.fetched[endpoint] / self.weight.get(endpoint, 1)
            if any(kinds.values()) and (best is None or turns < best[0]):
                best = (turns, endpoint)
        if best is None:
            return None
        endpoint = best[1]
        kinds = self.queues[endpoint]
        names = min((n for n, q in kinds.items() if q), key=lambda n: self.fetched[(endpoint, n)])
        self.fetched[endpoint] += 1
        self.fetched[(endpoint, names)] += 1
        return kinds[names].popleft()


def endpoint_of(adapter: MapAdapter, path: str) -> tuple[str, dict[str, Any]]:
    """The endpoint and arguments the app routes ``path`` to (GET); ``?`` when none."""
    try:
        endpoint, args = adapter.match(path, method="GET")
    except RequestRedirect:
        return "?redirect", {}
    except HTTPException:
        return "?", {}
    return str(endpoint), dict(args)


# What each persona may not see ------------------------------------------------------------------


@dataclass(frozen=True)
class Canary:
    """A string that must never reach a persona: it belongs to a material hidden from them."""

    kind: str  # title / summary / file name / review / report
    text: str
    material_id: int


@dataclass
class Catalogue:
    """Every material of the database with the policy facts of each version (read once:
    the facts do not depend on who asks)."""

    materials: dict[int, Material]
    facts: dict[tuple[int, int], policy.MaterialFacts]  # (material id, version number)
    versions: dict[tuple[int, int], MaterialVersion]
    files: dict[int, File]
    reviews: dict[int, list[str]]  # material id -> review comments
    reports: dict[int, list[ErrorReport]]  # material id -> error reports
    # material id -> the confidential comments of its peer reviews, with the editor they reach
    confidential: dict[int, list[tuple[str, int | None]]]
    submissions: dict[int, list[int]]  # material id -> its submissions for peer review

    @classmethod
    def read(cls, session: Session) -> Catalogue:
        """The catalogue as the database holds it now."""
        materials = list(
            session.scalars(
                select(Material).options(
                    selectinload(Material.versions)
                    .selectinload(MaterialVersion.attachments)
                    .selectinload(VersionFile.file),
                    selectinload(Material.grants),
                    selectinload(Material.school),
                )
            )
        )
        versions = [v for m in materials for v in m.versions]
        by_id = policy.facts_for_versions(session, versions)
        reviews: dict[int, list[str]] = {}
        for teacher_review in session.scalars(select(TeacherReview)):
            reviews.setdefault(teacher_review.material_id, []).append(teacher_review.comment)
        reports: dict[int, list[ErrorReport]] = {}
        for report in session.scalars(select(ErrorReport)):
            reports.setdefault(report.material_id, []).append(report)
        confidential: dict[int, list[tuple[str, int | None]]] = {}
        rows = session.execute(
            select(Submission.material_id, Review.confidential, Submission.editor_id).join(
                Submission, Submission.id == Review.submission_id
            )
        )
        for material_id, comment, editor_id in rows:
            confidential.setdefault(material_id, []).append((comment, editor_id))
        submissions: dict[int, list[int]] = {}
        for material_id, submission_id in session.execute(
            select(Submission.material_id, Submission.id).order_by(Submission.id)
        ):
            submissions.setdefault(material_id, []).append(submission_id)
        return cls(
            materials={m.id: m for m in materials},
            facts={(v.material_id, v.number): by_id[v.id] for v in versions},
            versions={(v.material_id, v.number): v for v in versions},
            files={f.id: f for f in session.scalars(select(File))},
            reviews=reviews,
            reports=reports,
            confidential=confidential,
            submissions=submissions,
        )

    def label(self, material_id: int) -> str:
        """A material in a message: its id and latest title."""
        material = self.materials.get(material_id)
        title = material.versions[-1].title if material and material.versions else "?"
        return f"#{material_id} {title!r}"


@dataclass
class Sight:
    """What one persona may see of a catalogue, and the canaries of what they may not."""

    viewer: policy.Viewer
    catalogue: Catalogue
    hidden: set[int]
    canaries: list[Canary]

    @classmethod
    def of(
        cls, session: Session, person: Person | None, catalogue: Catalogue, *, planted: bool
    ) -> Sight:
        """``planted``: the catalogue's strings are unique random ones (a generated
        consortium), so every title, summary and file name of a hidden material is a canary.
        Otherwise (the demo, where titles repeat across schools and adaptations quote their
        source) a hidden title is a canary only if no visible material's title or summary
        contains it."""
        viewer = policy.viewer_for(session, person)
        hidden: set[int] = set()
        for material_id, material in catalogue.materials.items():
            facts = [catalogue.facts[(material_id, v.number)] for v in material.versions]
            if not any(
                policy.decide(viewer, f, "view") or policy.decide(viewer, f, "discover")
                for f in facts
            ):
                hidden.add(material_id)
        canaries: list[Canary] = []
        if planted:
            for material_id in sorted(hidden):
                for version in catalogue.materials[material_id].versions:
                    canaries.append(Canary("title", version.title, material_id))
                    canaries.append(Canary("summary", version.summary, material_id))
                    canaries += [
                        Canary("file name", f.filename, material_id) for f in version.files
                    ]
                canaries += [
                    Canary("review", text, material_id)
                    for text in catalogue.reviews.get(material_id, [])
                ]
            canaries += _report_canaries(person, catalogue, hidden)
            canaries += [
                Canary("confidential comment", comment, material_id)
                for material_id, comments in sorted(catalogue.confidential.items())
                for comment, editor_id in comments
                if person is None or person.id != editor_id
            ]
        else:
            shown = "\n".join(
                text
                for material_id, material in catalogue.materials.items()
                if material_id not in hidden
                for v in material.versions
                for text in (v.title, v.summary)
            )
            seen: set[str] = set()
            for material_id in sorted(hidden):
                for version in catalogue.materials[material_id].versions:
                    if version.title and version.title not in shown and version.title not in seen:
                        seen.add(version.title)
                        canaries.append(Canary("title", version.title, material_id))
        return cls(viewer, catalogue, hidden, canaries)

    def scan(self, text: str, own_material: int | None) -> Iterator[tuple[str, int, str]]:
        """The canaries in ``text``: (kind, material id, what was found). A link to the
        material of the requested address itself is no news (a 404 page repeats its own
        address in the language switcher)."""
        for canary in self.canaries:
            if canary.text in text:
                yield canary.kind, canary.material_id, canary.text
        for match in MATERIAL_LINK.finditer(text):
            material_id = int(match.group(1))
            if material_id in self.hidden and material_id != own_material:
                yield "id", material_id, match.group(0)

    def may(self, material_id: int, number: int, action: policy.Action) -> bool | None:
        """Whether the viewer may do ``action`` with that version; None if there is none."""
        facts = self.catalogue.facts.get((material_id, number))
        return None if facts is None else bool(policy.decide(self.viewer, facts, action))


def _report_canaries(person: Person | None, catalogue: Catalogue, hidden: set[int]) -> list[Canary]:
    """What was written in error reports (descriptions, reasons for declining): for a hidden
    material, a canary to everyone; for one the persona may view, to all but the reporter and
    the staff of the school that owns it."""
    canaries = []
    for material_id, reports in sorted(catalogue.reports.items()):
        owner = catalogue.materials[material_id].school_id
        own_staff = person is not None and person.school_id == owner and person.role in STAFF
        for report in reports:
            if material_id not in hidden and (
                own_staff or (person is not None and person.id == report.reporter_id)
            ):
                continue
            canaries.append(Canary("report", report.description, material_id))
            if report.reason:
                canaries.append(Canary("report", report.reason, material_id))
    return canaries


# The walk ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """What one response leaked to one persona."""

    persona: str
    url: str
    status: int
    endpoint: str
    kind: str  # "file" (served without the right), or the kinds of canaries found: "id, title"
    leaks: tuple[str, ...]  # one per material, in words

    def __str__(self) -> str:
        shown = "; ".join(self.leaks[:3])
        if len(self.leaks) > 3:
            shown += f"; and {len(self.leaks) - 3} more hidden materials"
        return f"{self.persona}: GET {self.url} [{self.endpoint}] -> {self.status}: {shown}"


@dataclass
class Walk:
    """What one persona's walk fetched and found."""

    persona: str
    pages: int = 0
    canaries: int = 0
    hidden: int = 0
    findings: list[Finding] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    endpoints: Counter[str] = field(default_factory=Counter)  # pages fetched per endpoint
    seconds: float = 0.0


@dataclass
class Persona:
    """Someone who walks the app: a label for messages, and who signs in (None: a visitor)."""

    label: str
    person: Person | None
    password: str = ""


def _file_finding(
    sight: Sight, path: str, response: TestResponse, endpoint: str, args: dict[str, Any]
) -> str | None:
    """Why serving this file response to the persona is a leak, in words; None if it is not."""
    if response.status_code not in SERVED:
        return None
    if response.status_code == 302:
        location = response.headers.get("Location", "")
        if site_url(path, location) is not None:
            return None  # sent elsewhere on the site (sign in, canonical address): walked too
    catalogue = sight.catalogue
    match = VERSION_FILES.match(path)
    version: tuple[int, int] | None = None
    if "material_id" in args and "number" in args:
        version = int(args["material_id"]), int(args["number"])
    elif match is not None:
        version = int(match.group(1)), int(match.group(2))
    if version is not None:
        material_id, number = version
        need: policy.Action = "download" if endpoint in ORIGINALS else "view"
        allowed = sight.may(material_id, number, need)
        if allowed:
            return None
        what = "the original file" if endpoint in ORIGINALS else "a rendering of a file"
        label = catalogue.label(material_id)
        if allowed is None:
            return f"{endpoint} served a file of {label} v{number}, a version that does not exist"
        return f"{what} of {label} v{number} served by {endpoint} without the '{need}' right"
    if endpoint == "files.download":
        # A school's own uploads reach its teachers and admins; any other file only through
        # a version the persona may download.
        record = catalogue.files.get(int(args.get("file_id", 0)))
        viewer = sight.viewer
        if record is None:
            return "files.download served a file that has no record"
        if record.school_id == viewer.school_id and viewer.role in ("teacher", "school_admin"):
            return None
        attached = [
            key for key, v in catalogue.versions.items() if any(f.id == record.id for f in v.files)
        ]
        if any(sight.may(m, n, "download") for m, n in attached):
            return None
        of = f" (of {catalogue.label(attached[0][0])})" if attached else ""
        return f"another school's upload {record.filename!r}{of} served by files.download"
    if "material_id" in args:
        material_id = int(args["material_id"])
        material = catalogue.materials.get(material_id)
        versions = material.versions if material else []
        if any(sight.may(material_id, v.number, "view") for v in versions):
            return None
        return f"{endpoint} served a non-page response of {catalogue.label(material_id)}"
    return None


def crawl(
    app: Flask,
    persona: Persona,
    sight: Sight,
    *,
    pages: int = PAGES_PER_PERSONA,
    starts: Sequence[str] = (),
) -> Walk:
    """Walk the app as ``persona`` from ``STARTS`` and ``starts`` (the persona's private
    feed): at most ``pages`` GET requests, checking each, and one more for each start
    beyond the home page (they are not reached from it: they come on top of the budget)."""
    client: FlaskClient = app.test_client()
    if persona.person is not None:
        signed = sign_in(client, persona.person, persona.password)
        assert signed.status_code == 302, f"{persona.label} could not sign in"
    begin = [*STARTS, *starts, *export_probes(sight)]
    return _walk(app, client, persona.label, sight, begin, {}, pages + len(begin) - 1)


def export_probes(sight: Sight) -> list[str]:
    """Cartridge downloads a persona tries without a link: of the modules they may view
    (with files, so that every item and file the export carries is checked) and of some
    materials hidden from them."""
    modules = [
        material_id
        for material_id, material in sorted(sight.catalogue.materials.items())
        if material.kind is MaterialKind.MODULE
        and any(sight.may(material_id, v.number, "view") for v in material.versions)
    ]
    hidden = sorted(sight.hidden)[:EXPORT_PROBES]
    return [
        *(f"/materials/{i}/cartridge.imscc?choice=files" for i in modules[:EXPORT_PROBES]),
        *(f"/materials/{i}/cartridge.imscc" for i in hidden),
    ]


def crawl_api(
    app: Flask, persona: Persona, sight: Sight, secret: str | None, *, pages: int = API_PAGES
) -> Walk:
    """Walk the API with the persona's token (``secret``; None: a visitor without one) from
    its lists, following every ``/api/v1`` address its answers name and their ``Link``
    headers, and asking for some hidden materials by their ids: at most ``pages`` requests,
    each checked as the pages are."""
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    starts = [*API_STARTS, *(f"/api/v1/materials/{i}" for i in sorted(sight.hidden)[:API_PROBES])]
    walk = _walk(app, app.test_client(), persona.label + " [API]", sight, starts, headers, pages)
    return walk


def crawl_oai(
    app: Flask, persona: Persona, sight: Sight, secret: str | None, *, pages: int = OAI_PAGES
) -> Walk:
    """Harvest ``/oai`` with the persona's token (``secret``; None: anonymously): every list
    to its last page, and some hidden materials by identifier and as LOM records (which
    must not exist for the persona); each answer checked as the pages are."""
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    probes = sorted(sight.hidden)[:OAI_PROBES]
    starts = [
        *OAI_STARTS,
        *(
            f"/oai?verb=GetRecord&metadataPrefix=lom&identifier=oai:hub.test:material/{i}"
            for i in probes
        ),
        *(f"/materials/{i}/lom.xml" for i in probes),
    ]
    return _walk(app, app.test_client(), persona.label + " [OAI]", sight, starts, headers, pages)


def crawl_lti(app: Flask, persona: Persona, sight: Sight, platform: Platform) -> Walk:
    """Launch the hub as the persona from their school's platform (``platform``, registered
    for every school by ``register_platforms``): some hidden materials, which must each be
    the hub's 404 page, and a visible one, walked on from inside the frame; a teacher's
    deep-linking launch and its picker (the hub's search) walked too. A visitor has no
    platform: nothing to walk."""
    label = persona.label + " [LTI]"
    person = persona.person
    if person is None or person.school_id is None:
        return Walk(label, canaries=len(sight.canaries), hidden=len(sight.hidden))
    client = app.test_client()
    account = {"sub": f"crawler-{person.id}", "email": person.email, "name": person.name}
    client_id = lti_client_id(person.school_id)
    shown = sorted(set(sight.catalogue.materials) - sight.hidden)[:LTI_SHOWN_PROBES]
    hidden = sorted(sight.hidden)[:LTI_HIDDEN_PROBES]
    launches: list[tuple[str, dict[str, Any]]] = [
        ("lti.launch", {"material": m}) for m in [*hidden, *shown]
    ]
    if person.role in STAFF:
        deep_linking = {"deep_linking": True, "roles": (INSTRUCTOR,)}
        launches.append(("lti.launch (deep linking)", deep_linking))
    findings: list[Finding] = []
    starts = []
    statuses: list[tuple[str, int]] = []
    for endpoint, claims in launches:
        platform.client_id = client_id
        answer = platform.launch(client, headers=FRAMED, **account, **claims)
        body = answer.get_data()
        url = f"/lti/launch ({claims.get('material', 'deep linking')})"
        material = claims.get("material")
        args = {"material_id": material} if material is not None else {}
        findings += _check(sight, label, url, answer, body, endpoint, args)
        if material in sight.hidden and answer.status_code != 404:
            leak = f"the launch of hidden {sight.catalogue.label(material)} was not a 404"
            findings.append(Finding(label, url, answer.status_code, endpoint, "launch", (leak,)))
        statuses.append((endpoint, answer.status_code))
        if answer.status_code == 302:
            starts.append(answer.headers["Location"])
    walk = _walk(app, client, label, sight, starts, FRAMED, LTI_PAGES + len(starts))
    walk.findings += findings
    walk.pages += len(launches)
    walk.endpoints.update(f"{e} -> {s}" for e, s in statuses)
    return walk


def crawl_reviews(app: Flask, persona: Persona, sight: Sight) -> Walk:
    """Walk peer review as ``persona``: from ``REVIEW_STARTS`` among the review pages, their
    account and notifications (``REVIEW_ENDPOINTS``), at most ``REVIEW_WALK_PAGES`` pages, and
    the submission pages of ``REVIEW_PROBES`` materials hidden from them. The main walk reaches
    these pages too, but its budget spreads over the whole hub; here every submission, rubric,
    letter and certificate a person takes part in gets its turn. Students and visitors, who
    take no part, ask for the probes only (each must show nothing of the material)."""
    label = persona.label + " [reviews]"
    client: FlaskClient = app.test_client()
    person = persona.person
    if person is not None:
        signed = sign_in(client, person, persona.password)
        assert signed.status_code == 302, f"{persona.label} could not sign in"
    probes = [
        f"/reviews/submissions/{submission_id}"
        for material_id in sorted(sight.hidden)
        for submission_id in sight.catalogue.submissions.get(material_id, [])
    ][:REVIEW_PROBES]
    takes_part = person is not None and (
        person.role in STAFF or person.role is Role.CONSORTIUM_ADMIN
    )
    starts = [*(REVIEW_STARTS if takes_part else ()), *probes]
    pages = REVIEW_WALK_PAGES + len(probes) if takes_part else len(probes)
    return _walk(app, client, label, sight, starts, {}, pages, REVIEW_ENDPOINTS)


def lti_client_id(school_id: int) -> str:
    """The client id the crawler's platform has for a school's registration."""
    return f"school-{school_id}"


def register_platforms(session: Session, platform: Platform) -> None:
    """Register ``platform`` for every school, each with a client id of its own (one
    platform serving several schools, as a consortium's shared Moodle would)."""
    for school in session.scalars(select(School)):
        session.add(
            LtiPlatform(
                school_id=school.id,
                name="Crawler's Moodle",
                issuer=platform.issuer,
                client_id=lti_client_id(school.id),
                login_url=platform.url + "/auth",
                token_url=platform.url + "/token",
                key_set_url=platform.url + "/jwks",
                deployment_ids=[platform.deployment_id],
            )
        )
    session.flush()


def _walk(
    app: Flask,
    client: FlaskClient,
    label: str,
    sight: Sight,
    starts: Sequence[str],
    headers: Mapping[str, str],
    pages: int,
    only: tuple[str, ...] = ("",),
) -> Walk:
    """Fetch pages breadth first from ``starts``, following links and GET forms of HTML
    pages, API addresses in JSON answers and ``Link`` headers (to pages of the endpoints
    ``only`` names by prefix); check every answer."""
    walk = Walk(label, canaries=len(sight.canaries), hidden=len(sight.hidden))
    adapter = app.url_map.bind("hub.test")
    frontier = Frontier(adapter, only)
    for start in starts:
        frontier.add(start)
    while walk.pages < pages:
        url = frontier.pop()
        if url is None:
            break
        t0 = time.perf_counter()
        response = client.get(url, headers=dict(headers))
        body = response.get_data()
        response.close()
        walk.seconds += time.perf_counter() - t0
        walk.pages += 1
        walk.statuses[response.status_code] += 1
        path = urlsplit(url).path
        endpoint, args = endpoint_of(adapter, path)
        walk.endpoints[endpoint] += 1
        walk.findings += _check(sight, label, url, response, body, endpoint, args)
        location = response.headers.get("Location")
        if location and (target := site_url(path, location)):
            frontier.add(target)
        for link in API_LINK_HEADER.findall(response.headers.get("Link", "")):
            frontier.add(link)
        if response.is_json and response.status_code == 200:
            for link in API_ADDRESS.findall(body.decode("utf-8", "replace")):
                frontier.add(link)
        if path == "/oai" and response.status_code == 200:
            text = body.decode("utf-8", "replace")
            verb = OAI_VERB.search(text)
            for token in OAI_RESUME.findall(text):
                if verb is not None:
                    frontier.add(
                        "/oai?" + urlencode({"verb": verb.group(1), "resumptionToken": token})
                    )
        if response.mimetype == "text/html" and response.status_code == 200:
            _follow_page(frontier, url, path, endpoint, body)
        elif (response.mimetype or "").endswith("xml") and response.status_code == 200:
            for found in XML_LINK.finditer(body.decode("utf-8", "replace")):
                link = html.unescape(found.group(1) or found.group(2))
                if (target := site_url(url, link)) is not None:
                    frontier.add(target)
    return walk


def _follow_page(frontier: Frontier, url: str, path: str, endpoint: str, body: bytes) -> None:
    """Queue the links and GET forms of an HTML page."""
    parser = PageParser()
    parser.feed(body.decode("utf-8", "replace"))
    parser.close()
    for link in parser.links:
        if (target := site_url(url, link)) is not None:
            frontier.add(target)
            if MATERIAL_LINK.match(target):
                frontier.links_materials(endpoint)
    for form in parser.forms:
        action = site_url(url, form.action or path)
        if action is None:
            continue
        for query in form_queries(form):
            frontier.add(urlsplit(action).path + "?" + urlencode(query))


def _check(
    sight: Sight,
    persona: str,
    url: str,
    response: TestResponse,
    body: bytes,
    endpoint: str,
    args: dict[str, Any],
) -> list[Finding]:
    """The leaks of one response: canaries in its headers or text, a file it should not be."""
    path = urlsplit(url).path
    own = int(args["material_id"]) if "material_id" in args else None
    mimetype = response.mimetype or ""
    texts = {"header": "\n".join(f"{k}: {v}" for k, v in response.headers.items())}
    carried: list[str] = []
    if mimetype.startswith(TEXT_TYPES) or mimetype.endswith("+xml"):
        text = body.decode(response.mimetype_params.get("charset", "utf-8"), "replace")
        texts["body"] = html.unescape(text) if "html" in mimetype or "xml" in mimetype else text
        if mimetype == "text/html":
            texts["JSON-LD"] = "\n".join(
                json.dumps(json.loads(data), ensure_ascii=False) for data in JSON_LD.findall(text)
            )
    elif endpoint in PDF_TEXT and mimetype == "application/pdf" and response.status_code == 200:
        texts["body"] = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    elif mimetype == "application/zip" and response.status_code == 200:
        # A zip of metadata records (a search's LOM) or a cartridge: every file in it is read,
        # and a cartridge's files are originals (the download right).
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            texts["body"] = html.unescape(
                "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
            )
            carried = _carried_without_right(sight, archive.namelist())
    # One line per material however many of its canaries the response shows.
    seen: dict[int, tuple[list[str], list[str]]] = {}
    for where, text in texts.items():
        for kind, material_id, _what in sight.scan(text, own):
            kinds, wheres = seen.setdefault(material_id, ([], []))
            if kind not in kinds:
                kinds.append(kind)
            if where not in wheres:
                wheres.append(where)
    status = response.status_code
    findings = []
    if seen:
        leaks = tuple(
            # A report's words are canaries of visible materials too (``_report_canaries``).
            f"{', '.join(kinds)} of {'hidden ' if material_id in sight.hidden else ''}"
            f"{sight.catalogue.label(material_id)} in the {' and '.join(wheres)}"
            for material_id, (kinds, wheres) in seen.items()
        )
        found = ", ".join(sorted({k for ks, _ in seen.values() for k in ks}))
        findings.append(Finding(persona, url, status, endpoint, found, leaks))
    file_like = (
        VERSION_FILES.match(path) is not None
        or path.startswith("/files/")
        or "Content-Disposition" in response.headers
        or mimetype != "text/html"
    )
    leak = _file_finding(sight, path, response, endpoint, args) if file_like else None
    if leak is not None:
        findings.append(Finding(persona, url, status, endpoint, "file", (leak,)))
    if carried:
        findings.append(Finding(persona, url, status, endpoint, "file", tuple(carried)))
    return findings


def _carried_without_right(sight: Sight, names: Sequence[str]) -> list[str]:
    """The files a cartridge carries of versions the persona may not download, in words."""
    found = []
    for name in names:
        match = CARTRIDGE_FILE.match(name)
        if match is None:
            continue
        material_id, number = int(match.group(1)), int(match.group(2))
        if not sight.may(material_id, number, "download"):
            label = sight.catalogue.label(material_id)
            found.append(f"the cartridge carries {name!r} of {label} v{number} without 'download'")
    return found


def summarise(findings: Sequence[Finding], shown: int = SHOWN_FINDINGS) -> str:
    """At most ``shown`` findings, one a line, the different ones first (one per surface and
    kind, then one per surface and persona), and how many there are of each surface and kind."""
    picked: list[Finding] = []
    for key in (lambda f: (f.endpoint, f.kind), lambda f: (f.endpoint, f.persona)):
        groups = {key(f) for f in picked}
        for f in findings:
            if len(picked) < shown and key(f) not in groups:
                groups.add(key(f))
                picked.append(f)
    # Then the rest in the order found.
    picked += [f for f in findings if f not in picked][: shown - len(picked)]
    lines = [str(f) for f in picked]
    if len(findings) > len(picked):
        lines.append(f"... and {len(findings) - len(picked)} more")
    kinds = Counter((f.endpoint, f.kind) for f in findings)
    lines.append(
        "responses that leaked, by surface and kind: "
        + ", ".join(f"{e} [{k}] x{n}" for (e, k), n in sorted(kinds.items()))
    )
    return "\n".join(lines)


# Random consortia -----------------------------------------------------------------------------

# Countries spread over regions and income groups: three share Sub-Saharan Africa (202) and
# two Latin America (419), so region grants admit some schools and not others.
COUNTRIES = ["KE", "SE", "BR", "IN", "MW", "GB", "EG", "PE", "UG", "VN"]
INCOME_GROUPS = ["HIC", "UMC", "LMC", "LIC"]
CEILINGS = ["own_school", "schools", "regions", "income", "consortium"]
RIGHTS = ("view", "download", "adapt")
LICENCES = ["CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0", "CC-BY-NC-ND-4.0", "LicenseRef-Consortium"]
PATIENTS = [
    "none",
    "de-identified",
    "consented:own_school",
    "consented:consortium",
    "consented:public",
]
# Versions in order: what a material's history can look like.
HISTORIES: list[tuple[VersionState, ...]] = [
    (VersionState.PUBLISHED,),
    (VersionState.SUPERSEDED, VersionState.PUBLISHED),
    (VersionState.DRAFT,),
    (VersionState.PUBLISHED, VersionState.DRAFT),
]


@dataclass(frozen=True)
class SchoolSpec:
    """A school to create: where, its membership, and its ceiling (None: the widest)."""

    country: str
    status: MembershipStatus
    ceiling_audience: str | None
    ceiling_rights: tuple[str, ...]


@dataclass(frozen=True)
class GrantSpec:
    """An audience grant: kind, whom (indexes of schools, or income groups), rights, expiry."""

    kind: GrantKind
    schools: tuple[int, ...]
    incomes: tuple[str, ...]
    rights: tuple[bool, bool, bool]
    expired: bool


@dataclass(frozen=True)
class MaterialSpec:
    """A material or module to create; indexes point at schools or earlier materials."""

    owner: int
    module: bool
    history: tuple[VersionState, ...]
    grants: tuple[GrantSpec, ...]
    licence: str
    teachers_only: bool
    window: str  # open / embargoed / ended
    retired: bool
    patients: str
    translation_of: int | None
    adapted_from: int | None
    items: tuple[int, ...]
    media: str  # pdf / png / video


#: How far a submission went on the review route (``_peer_review`` takes it there).
ROUTES = ("triage", "vetting", "in_review", "accepted", "revision", "returned", "declined")
#: What became of a submitted material afterwards: still shared, narrowed to its own school,
#: retired, its window ended, its grants expired.
AFTERWARDS = ("kept", "narrowed", "retired", "ended", "expired")


@dataclass(frozen=True)
class SubmissionSpec:
    """A material submitted for peer review by a teacher of its school (``material``'s owner,
    shared with the whole consortium when submitted), how far its route went, whether the
    teacher persona signed their review, and what became of the material afterwards."""

    material: int
    route: str  # one of ROUTES
    signed: bool
    afterwards: str  # one of AFTERWARDS


@dataclass(frozen=True)
class ConsortiumSpec:
    """A whole consortium: schools, materials, who walks it, and what people did."""

    seed: int
    schools: tuple[SchoolSpec, ...]
    materials: tuple[MaterialSpec, ...]
    student_school: int
    teacher_school: int
    requests: tuple[tuple[int, int, RequestStatus], ...]  # material, asking school, status
    usage: tuple[tuple[int, int, str], ...]  # material, using school, kind
    adoptions: tuple[tuple[int, int, bool], ...]  # material, adopting school, ended
    bookmarks: tuple[int, ...]  # materials on the student's and the teacher's lists
    reviews: tuple[tuple[int, int], ...]  # material, reviewing school (its teacher)
    # material, reporting school, the reporter's role, kind, the owner school's answer
    reports: tuple[tuple[int, int, Role, ErrorKind, ErrorReportStatus], ...]
    # Peer review: what was submitted and how far it went (see ``_submission_specs``).
    submissions: tuple[SubmissionSpec, ...]


def consortium_specs(offset: int = 0) -> st.SearchStrategy[ConsortiumSpec]:
    """Consortia derived from hypothesis-drawn seeds (see ``random_consortium``), moved on by
    ``offset``: hypothesis draws 0 first whatever its own seed, so tests that each walk some
    consortia give different offsets, or every one of them walks the consortium of seed 0."""
    seeds = st.integers(min_value=0, max_value=2**32 - 1)
    return seeds.map(lambda seed: random_consortium((seed + offset) % 2**32))


def _grant(
    rng: random.Random,
    schools: int,
    kind: GrantKind | None = None,
    rights: tuple[bool, bool, bool] | None = None,
    *,
    expired: bool = False,
) -> GrantSpec:
    return GrantSpec(
        kind=kind or rng.choice(list(GrantKind)),
        schools=tuple(rng.sample(range(schools), rng.choice([1, 1, 2]))),
        incomes=tuple(rng.sample(INCOME_GROUPS, rng.choice([1, 2]))),
        rights=rights or (True, rng.random() < 0.5, rng.random() < 0.3),
        expired=expired,
    )


def random_consortium(seed: int) -> ConsortiumSpec:
    """A consortium drawn from ``seed``: 3-4 schools, and materials that plant every rule at
    least once (each with random owner, licence, media...), then a few entirely random ones.

    Planting each rule on purpose rather than waiting for chance to draw it keeps every
    consortium worth its walk: 20 of them cover every rule many times over.
    """
    rng = random.Random(seed)
    schools = _school_specs(rng)
    n = len(schools)
    student_school, teacher_school = rng.randrange(n), rng.randrange(n)
    planter = _Planter(rng, n)
    planted = _plant_every_rule(planter, student_school)
    _random_materials(planter)
    submissions = _submission_specs(rng, n, teacher_school, planter.add, planter.shared)
    count = len(planter.materials)
    other = (teacher_school + 1) % n
    visible, viewed, expired, retired = (
        planted[k] for k in ("visible", "viewed", "expired", "retired")
    )
    return ConsortiumSpec(
        seed=seed,
        schools=schools,
        materials=tuple(planter.materials),
        student_school=student_school,
        teacher_school=teacher_school,
        requests=(
            (expired, teacher_school, RequestStatus.PENDING),
            *(
                (rng.randrange(count), rng.randrange(n), rng.choice(list(RequestStatus)))
                for _ in range(2)
            ),
        ),
        usage=(
            (expired, student_school, "download"),
            (retired, teacher_school, "preview"),
            *(
                (rng.randrange(count), rng.randrange(n), rng.choice(["download", "preview"]))
                for _ in range(3)
            ),
        ),
        adoptions=(
            (retired, other, False),
            (expired, teacher_school, False),
            (rng.randrange(count), rng.randrange(n), True),
        ),
        bookmarks=tuple(sorted({expired, retired, rng.randrange(count)})),
        reviews=(
            (visible, teacher_school),
            (expired, other),
            (retired, teacher_school),
            *((rng.randrange(count), rng.randrange(n)) for _ in range(2)),
        ),
        reports=_report_specs(
            rng,
            (n, count),
            seen=(visible, student_school),
            viewed=(viewed, teacher_school),
            ended=(expired, teacher_school),
        ),
        submissions=submissions,
    )


def _school_specs(rng: random.Random) -> tuple[SchoolSpec, ...]:
    """3-4 schools: two active, the others of any standing but at least one not active; one
    at least has lowered its ceiling."""
    n = rng.choice([3, 4])
    statuses = [MembershipStatus.ACTIVE] * 2 + [
        rng.choice(
            [MembershipStatus.SUSPENDED, MembershipStatus.WITHDRAWN, MembershipStatus.ACTIVE]
        )
        for _ in range(n - 2)
    ]
    if all(s is MembershipStatus.ACTIVE for s in statuses):
        statuses[-1] = rng.choice([MembershipStatus.SUSPENDED, MembershipStatus.WITHDRAWN])
    lowered = rng.randrange(n)
    return tuple(
        SchoolSpec(
            country=rng.choice(COUNTRIES),
            status=status,
            ceiling_audience=rng.choice(CEILINGS) if i == lowered or rng.random() < 0.2 else None,
            ceiling_rights=rng.choice([RIGHTS, ("view",), ("view", "download")]),
        )
        for i, status in enumerate(statuses)
    )


#: A material published, open and shared by nothing but its grants (what a rule then varies).
OPEN: dict[str, Any] = {
    "history": (VersionState.PUBLISHED,),
    "teachers_only": False,
    "window": "open",
    "retired": False,
    "patients": "none",
}


@dataclass
class _Planter:
    """Draws the materials of a consortium of ``schools`` schools."""

    rng: random.Random
    schools: int
    materials: list[MaterialSpec] = field(default_factory=list)

    def add(self, **fixed: Any) -> int:
        """A material drawn at random but for ``fixed``; its index."""
        rng, n = self.rng, self.schools
        values: dict[str, Any] = {
            "owner": rng.randrange(n),
            "module": False,
            "history": rng.choice(HISTORIES),
            "grants": tuple(_grant(rng, n) for _ in range(rng.randrange(3))),
            "licence": rng.choice(LICENCES),
            "teachers_only": rng.random() < 0.2,
            "window": rng.choices(["open", "embargoed", "ended"], [6, 1, 1])[0],
            "retired": rng.random() < 0.1,
            "patients": rng.choices(PATIENTS, [6, 2, 1, 1, 1])[0],
            "translation_of": None,
            "adapted_from": None,
            "items": (),
            "media": rng.choice(["pdf", "pdf", "png", "video"]),
        }
        values.update(fixed)
        self.materials.append(MaterialSpec(**values))
        return len(self.materials) - 1

    def shared(
        self, kind: GrantKind = GrantKind.CONSORTIUM, view_only: bool = False
    ) -> tuple[GrantSpec]:
        """One grant of ``kind`` (only to view, or with rights drawn)."""
        return (_grant(self.rng, self.schools, kind, (True, False, False) if view_only else None),)


def _plant_every_rule(planter: _Planter, student_school: int) -> dict[str, int]:
    """A material for each sharing rule; the indices of those other parts refer to."""
    add, shared, rng = planter.add, planter.shared, planter.rng
    draft = add(history=(VersionState.DRAFT,))
    own_only = add(**OPEN, grants=())
    visible = add(
        **OPEN,
        grants=shared(rng.choice([GrantKind.PUBLIC, GrantKind.CONSORTIUM])),
        licence="CC-BY-4.0",
    )
    viewed = add(
        **OPEN,
        grants=shared(rng.choice([GrantKind.PUBLIC, GrantKind.CONSORTIUM]), view_only=True),
        licence="CC-BY-NC-4.0",
        media=rng.choice(["pdf", "video"]),
    )
    add(**OPEN, translation_of=draft, grants=shared())
    add(**OPEN, adapted_from=own_only, grants=shared(GrantKind.PUBLIC), licence="CC0-1.0")
    hidden_translation = add(
        **{**OPEN, "teachers_only": True}, translation_of=visible, grants=shared()
    )
    add(**{**OPEN, "window": "embargoed"}, adapted_from=visible, grants=shared())
    add(
        **{**OPEN, "teachers_only": True},
        module=True,
        owner=student_school,
        grants=shared(),
        items=(draft, own_only, visible),
    )
    add(
        **{**OPEN, "window": rng.choice(["embargoed", "ended"])},
        module=True,
        owner=student_school,
        grants=shared(),
        items=(viewed, hidden_translation),
    )
    add(**{**OPEN, "patients": "consented:own_school"}, grants=shared())
    add(
        **{**OPEN, "patients": "consented:consortium"},
        grants=shared(GrantKind.PUBLIC),
        licence="CC-BY-4.0",
    )
    expired = add(**OPEN, grants=(_grant(rng, planter.schools, expired=True),))
    retired = add(**{**OPEN, "retired": True}, grants=shared())
    add(**OPEN, grants=shared(GrantKind.SCHOOLS))
    add(**OPEN, grants=shared(rng.choice([GrantKind.REGIONS, GrantKind.INCOME])))
    add(**{**OPEN, "window": "ended"}, grants=shared())
    add(
        **{**OPEN, "history": (VersionState.SUPERSEDED, VersionState.PUBLISHED)},
        grants=shared(GrantKind.PUBLIC),
        licence="CC-BY-SA-4.0",
    )
    return {"visible": visible, "viewed": viewed, "expired": expired, "retired": retired}


def _random_materials(planter: _Planter) -> None:
    """Two to four materials drawn entirely at random (modules, translations, adaptations of
    earlier ones)."""
    rng = planter.rng
    for _ in range(rng.randrange(2, 5)):
        earlier = len(planter.materials)
        if rng.random() < 0.3:
            planter.add(module=True, items=tuple(rng.sample(range(earlier), rng.randrange(1, 4))))
        else:
            planter.add(
                translation_of=rng.randrange(earlier) if rng.random() < 0.3 else None,
                adapted_from=rng.randrange(earlier) if rng.random() < 0.3 else None,
            )


def _submission_specs(
    rng: random.Random, schools: int, teacher_school: int, add: Any, shared: Any
) -> tuple[SubmissionSpec, ...]:
    """Submissions, each of a material of its own (made by ``add``, shared with the whole
    consortium by ``shared``, as ``submittable`` asks): one at every stage of the route, by
    teachers of other schools than the teacher persona's (who edits them and reviews some),
    and one by the teacher persona (which no editor of another school takes: the consortium
    admins hear of it). Two are accepted with reviews, the teacher persona's review signed in
    one, whose material is narrowed to its school afterwards; one waits for a minor revision
    (reviewed, with its letter); every other material meets a fate drawn from ``AFTERWARDS``."""
    others = [i for i in range(schools) if i != teacher_school]

    def material(owner: int) -> int:
        kind = rng.choice([GrantKind.CONSORTIUM, GrantKind.PUBLIC])
        return add(
            history=(VersionState.PUBLISHED,),
            teachers_only=False,
            window="open",
            retired=False,
            patients="none",
            owner=owner,
            grants=shared(kind),
            # The public sees only what a Creative Commons licence lets it reuse.
            licence="CC-BY-4.0" if kind is GrantKind.PUBLIC else rng.choice(LICENCES),
            module=False,
            translation_of=None,
            adapted_from=None,
        )

    def fate() -> str:
        return rng.choice(AFTERWARDS)

    return (
        SubmissionSpec(material(teacher_school), "triage", False, fate()),
        SubmissionSpec(material(rng.choice(others)), "triage", False, fate()),
        SubmissionSpec(material(rng.choice(others)), "in_review", False, fate()),
        SubmissionSpec(material(rng.choice(others)), "accepted", True, "narrowed"),
        SubmissionSpec(material(rng.choice(others)), "accepted", False, fate()),
        SubmissionSpec(material(rng.choice(others)), "revision", rng.random() < 0.5, fate()),
        SubmissionSpec(material(rng.choice(others)), "returned", False, fate()),
        SubmissionSpec(material(rng.choice(others)), "declined", False, fate()),
        # Last: the school's vetting rule holds for its later submissions.
        SubmissionSpec(material(rng.choice(others)), "vetting", False, fate()),
    )


def _report_specs(
    rng: random.Random,
    sizes: tuple[int, int],
    *,
    seen: tuple[int, int],
    viewed: tuple[int, int],
    ended: tuple[int, int],
) -> tuple[tuple[int, int, Role, ErrorKind, ErrorReportStatus], ...]:
    """Error reports (each starts with a material and the reporter's school): a student's
    confirmed clinical error in a material others see, a teacher's declined consent concern
    in one read without download, a teacher's open report in one whose grant ended (hidden
    from them now), and three at random (``sizes``: how many schools and materials)."""
    schools, materials = sizes
    return (
        (*seen, Role.STUDENT, ErrorKind.CLINICAL_ACCURACY, ErrorReportStatus.CONFIRMED),
        (*viewed, Role.TEACHER, ErrorKind.CONSENT_CONCERN, ErrorReportStatus.DECLINED),
        (*ended, Role.TEACHER, ErrorKind.OUTDATED_GUIDELINE, ErrorReportStatus.OPEN),
        *(
            (
                rng.randrange(materials),
                rng.randrange(schools),
                rng.choice([Role.STUDENT, Role.TEACHER]),
                rng.choice(list(ErrorKind)),
                rng.choice(list(ErrorReportStatus)),
            )
            for _ in range(3)
        ),
    )


@dataclass
class Consortium:
    """What ``build_consortium`` made: the schools, the materials, and who walks it."""

    schools: list[School]
    materials: list[Material]
    personas: list[Persona]


def build_consortium(
    session: Session, app: Flask, spec: ConsortiumSpec, *, password: str
) -> Consortium:
    """Create ``spec`` through ``session`` (flushed, not committed) with blobs in the app's
    store; every title, summary and file name is a fresh random string."""
    token = _Canaries(random.Random(spec.seed))
    now = utcnow()
    schools, people, admin = _schools_and_people(spec)
    session.flush()
    store = store_for(app)
    materials: list[Material] = []
    for m in spec.materials:
        materials.append(_material(session, store, m, schools, materials, now, token))
    _activity(session, spec, schools, materials, people, now)
    with app.test_request_context():  # notifications name their pages' full addresses
        _feedback(session, spec, schools, materials, people, token)
        _peer_review(session, spec, schools, materials, people, admin, token)
    student = people[(spec.student_school, Role.STUDENT)]
    teacher = people[(spec.teacher_school, Role.TEACHER)]
    for m_index in spec.bookmarks:
        for person in (student, teacher):
            session.add(Bookmark(person_id=person.id, material_id=materials[m_index].id))
    session.flush()
    personas = [
        Persona("visitor", None),
        # Schools by id, as the addresses (?as_school=) name them.
        Persona(f"student of school {student.school_id}", student, password),
        Persona(f"teacher of school {teacher.school_id}", teacher, password),
        *(
            Persona(
                f"admin of school {school.id} ({school.status.value})",
                people[(i, Role.SCHOOL_ADMIN)],
                password,
            )
            for i, school in enumerate(schools)
        ),
        Persona("consortium admin", admin, password),
    ]
    return Consortium(schools, materials, personas)


@dataclass
class _Canaries:
    """Fresh random strings drawn from ``rng``, never the same twice (a canary's text)."""

    rng: random.Random
    used: set[str] = field(default_factory=set)

    def __call__(self) -> str:
        while (value := f"{self.rng.getrandbits(48):012x}") in self.used:
            pass
        self.used.add(value)
        return value


def _schools_and_people(
    spec: ConsortiumSpec,
) -> tuple[list[School], dict[tuple[int, Role], Person], Person]:
    """The schools of ``spec``, an admin, a teacher and a student of each, and a consortium
    admin."""
    schools: list[School] = []
    for s in spec.schools:
        school = cast(School, SchoolFactory(country=s.country, status=s.status))
        if s.ceiling_audience is not None:
            school.ceiling_audience = s.ceiling_audience
            school.ceiling_rights = list(s.ceiling_rights)
        schools.append(school)
    people: dict[tuple[int, Role], Person] = {}
    for i, school in enumerate(schools):
        for role in (Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT):
            people[(i, role)] = cast(Person, PersonFactory(school=school, role=role))
    return schools, people, cast(Person, ConsortiumAdminFactory())


def _material(
    session: Session,
    store: Any,
    m: MaterialSpec,
    schools: list[School],
    earlier: list[Material],
    now: dt.datetime,
    token: Callable[[], str],
) -> Material:
    """One material of the spec, with its versions (a canary title and summary each), files
    or module items, and grants."""
    owner = schools[m.owner]
    material = Material(
        school_id=owner.id,
        kind=MaterialKind.MODULE if m.module else MaterialKind.MATERIAL,
        teachers_only=m.teachers_only,
        available_from=now + dt.timedelta(days=30) if m.window == "embargoed" else None,
        available_until=now - dt.timedelta(days=1) if m.window == "ended" else None,
        retired_at=now - dt.timedelta(hours=1) if m.retired else None,
        translation_of_id=earlier[m.translation_of].id if m.translation_of is not None else None,
        adapted_from_version_id=earlier[m.adapted_from].versions[-1].id
        if m.adapted_from is not None
        else None,
    )
    session.add(material)
    session.flush()
    patients, _, scope = m.patients.partition(":")
    for number, state in enumerate(m.history, start=1):
        hexa = token()
        version = MaterialVersion(
            material_id=material.id,
            number=number,
            title=f"Canary {hexa}",
            summary=f"CanarySum{hexa}",
            language="en",
            level="clinical",
            resource_type="lecture",
            licence=m.licence,
            patient_data=PatientData(patients),
            consent_scope=ConsentScope(scope) if scope else None,
            state=state,
            published_at=now if state is not VersionState.DRAFT else None,
        )
        session.add(version)
        session.flush()
        if m.module:
            version.items = [
                ModuleItem(item_version_id=earlier[i].versions[-1].id, position=p)
                for p, i in enumerate(m.items)
            ]
        else:
            version.attachments.append(
                VersionFile(file_id=_file(session, store, owner, version, m.media).id)
            )
    for g in m.grants:
        values = {
            GrantKind.REGIONS: sorted({schools[i].region for i in g.schools}),
            GrantKind.INCOME: list(g.incomes),
            GrantKind.SCHOOLS: [str(schools[i].id) for i in g.schools],
        }.get(g.kind, [])
        session.add(
            AudienceGrant(
                material_id=material.id,
                kind=g.kind,
                values=values,
                can_view=g.rights[0],
                can_download=g.rights[1],
                can_adapt=g.rights[2],
                expires_at=now - dt.timedelta(days=2) if g.expired else None,
            )
        )
    session.flush()
    session.refresh(material)
    return material


def _activity(
    session: Session,
    spec: ConsortiumSpec,
    schools: list[School],
    materials: list[Material],
    people: dict[tuple[int, Role], Person],
    now: dt.datetime,
) -> None:
    """The spec's access requests, uses and adoptions."""
    for m_index, s_index, status in spec.requests:
        material = materials[m_index]
        if material.school_id == schools[s_index].id:
            continue  # a school does not ask itself
        session.add(
            AccessRequest(
                material_id=material.id,
                requester_id=people[(s_index, Role.TEACHER)].id,
                school_id=schools[s_index].id,
                rights=["view", "download"],
                message="For our clinical year.",
                status=status,
                decided_at=now if status is not RequestStatus.PENDING else None,
            )
        )
    for n, (m_index, s_index, kind) in enumerate(spec.usage):
        # Recorded as the hub records uses (into their month too), whether or not the student
        # may see the material today: the dashboards must not name what the reader may not.
        material = materials[m_index]
        student = people[(s_index, Role.STUDENT)]
        at = now - dt.timedelta(days=3) + dt.timedelta(minutes=n)
        usage.record(session, kind, material.versions[-1], student, now=at)
    for m_index, s_index, ended in spec.adoptions:
        material = materials[m_index]
        session.add(
            Adoption(
                version_id=material.versions[-1].id,
                material_id=material.id,
                school_id=schools[s_index].id,
                person_id=people[(s_index, Role.TEACHER)].id,
                ended_at=now if ended else None,
            )
        )


def _feedback(
    session: Session,
    spec: ConsortiumSpec,
    schools: list[School],
    materials: list[Material],
    people: dict[tuple[int, Role], Person],
    token: Any,
) -> None:
    """The spec's reviews and error reports, with canary texts. Reports go through the hub's
    service where it lets the reporter report (and answers through it where the owner's admin
    may give them), so that the notifications they send are walked too; the others are
    written as they would stand after the material stopped being shared with the reporter."""
    for m_index, s_index in spec.reviews:
        material, school = materials[m_index], schools[s_index]
        if material.school_id == school.id:
            continue  # a school does not review its own materials
        session.add(
            TeacherReview(
                material_id=material.id,
                person_id=people[(s_index, Role.TEACHER)].id,
                school_id=school.id,
                number=material.versions[-1].number,
                rating=1 + int(token(), 16) % 5,
                level="clinical",
                class_size=30,
                country=school.country,
                comment=f"CanaryReview{token()}",
            )
        )
    for m_index, s_index, role, kind, status in spec.reports:
        material, reporter = materials[m_index], people[(s_index, role)]
        description = f"CanaryReport{token()}"
        try:  # refused before it writes anything: nothing to roll back
            report = feedback.report_error(
                session, reporter, material.id, None, kind.value, description
            )
        except ServiceError:
            report = ErrorReport(
                material_id=material.id,
                number=material.versions[-1].number,
                reporter_id=reporter.id,
                school_id=reporter.school_id,
                kind=kind,
                description=description,
            )
            session.add(report)
            session.flush()
        owner_admin = people[(spec.materials[m_index].owner, Role.SCHOOL_ADMIN)]
        _answer(session, report, status, owner_admin, token)
    session.flush()


def _peer_review(
    session: Session,
    spec: ConsortiumSpec,
    schools: list[School],
    materials: list[Material],
    people: dict[tuple[int, Role], Person],
    admin: Person,
    token: Any,
) -> None:
    """The spec's submissions, taken along their route through the hub's services: the
    consortium admin appoints the teacher persona editor, who volunteers to review too (as do
    the teachers of the other schools), and edits and reviews the submissions of the other
    schools. The route runs while every school is active with its widest ceiling; then the
    schools are put back as the spec has them (suspended, withdrawn, lowered ceilings) and the
    materials meet their fate (``SubmissionSpec.afterwards``): the states that arise when a
    material stops being shared after the fact, which the review pages must then respect."""
    if not spec.submissions:
        return
    kept = [(s.status, s.ceiling_audience, list(s.ceiling_rights)) for s in schools]
    for school in schools:
        school.status, school.ceiling_audience = MembershipStatus.ACTIVE, "public"
        school.ceiling_rights = list(RIGHTS)
    session.flush()
    teacher = people[(spec.teacher_school, Role.TEACHER)]
    review_people.appoint_editor(session, admin, teacher.email, "cardiology", "en")
    offered = review_people.Expertise(topics="cardiology", languages="en", reviews_per_term="12")
    for i in range(len(schools)):
        review_people.volunteer(session, people[(i, Role.TEACHER)], offered)
    summary = review.Summary(
        objectives="Read an ECG.", audience="Clinical year.", how_used="In small groups."
    )
    for sub in spec.submissions:
        owner = spec.materials[sub.material].owner
        author = people[(owner, Role.TEACHER)]
        if sub.route == "vetting":
            review_people.set_vetting(session, people[(owner, Role.SCHOOL_ADMIN)], True, [])
        submission = review.submit(session, author, materials[sub.material].id, summary)
        if sub.route in ("triage", "vetting"):
            continue
        if sub.route == "returned":
            review.return_to_author(session, teacher, submission.id, "Which year is it for?")
            continue
        if sub.route == "declined":
            review.decline(session, teacher, submission.id, "Out of the journal's scope.")
            continue
        other = next(i for i in range(len(schools)) if i not in (owner, spec.teacher_school))
        colleague = people[(other, Role.TEACHER)]
        invited = reviewing.invite(session, teacher, submission.id, [teacher.id, colleague.id])
        mine, theirs = invited
        reviewing.respond(session, teacher, mine.id, True)
        if sub.route == "in_review":
            continue
        reviewing.respond(session, colleague, theirs.id, True)
        pairs = ((teacher, mine, sub.signed), (colleague, theirs, False))
        for reviewer, invitation, signed in pairs:
            rubric = reviewing.Rubric(
                scores={c: "4" for c in review.CRITERIA},
                comments={c: "Clear." for c in review.CRITERIA},
                to_author="Well made.",
                confidential=f"CanaryConfidential{token()}",
                recommendation=Outcome.ACCEPT.value,
                signed=signed,
            )
            reviewing.submit_review(session, reviewer, invitation.id, rubric)
        outcome = Outcome.ACCEPT if sub.route == "accepted" else Outcome.MINOR
        review.decide(session, teacher, submission.id, outcome.value, "Thank you: see the reviews.")
    for school, (status, audience, rights) in zip(schools, kept, strict=True):
        school.status, school.ceiling_audience, school.ceiling_rights = status, audience, rights
    now = utcnow()
    for sub in spec.submissions:
        _afterwards(session, materials[sub.material], sub.afterwards, now)
    session.flush()


def _afterwards(session: Session, material: Material, fate: str, now: dt.datetime) -> None:
    """What became of a submitted material (``AFTERWARDS``), written as it would stand."""
    if fate == "narrowed":
        for grant in list(material.grants):
            session.delete(grant)
        session.add(
            AudienceGrant(
                material_id=material.id,
                kind=GrantKind.SCHOOLS,
                values=[str(material.school_id)],
                can_view=True,
                can_download=True,
                can_adapt=False,
            )
        )
    elif fate == "retired":
        material.retired_at = now - dt.timedelta(hours=1)
    elif fate == "ended":
        material.available_until = now - dt.timedelta(days=1)
    elif fate == "expired":
        for grant in material.grants:
            grant.expires_at = now - dt.timedelta(days=2)


def _answer(
    session: Session, report: ErrorReport, status: ErrorReportStatus, admin: Person, token: Any
) -> None:
    """The owner school's answer to ``report``: through the service where it allows it."""
    if status is ErrorReportStatus.OPEN:
        return
    reason = f"CanaryReason{token()}" if status is ErrorReportStatus.DECLINED else ""
    fixing = feedback.fix_versions(report)
    given = feedback.Answer(status.value, str(fixing[-1]) if fixing else "", reason)
    try:  # refused before it changes anything
        feedback.answer(session, admin, report.id, given)
    except ServiceError:
        report.status, report.reason = status, reason
        report.fixed_in = report.number if status is ErrorReportStatus.FIXED else None
        session.flush()


def _file(
    session: Session, store: Any, school: School, version: MaterialVersion, media: str
) -> File:
    """A stored file for ``version`` with a canary name (its bytes hold its title, so they
    differ from every other file's)."""
    name = version.title.replace("Canary ", "canary-")
    if media == "png":
        data, media_type, name = (
            png_image(48, 32, seed=int(name[-6:], 16) % 997),
            "image/png",
            name + ".png",
        )
    elif media == "video":
        data, media_type, name = lecture_video(), "video/webm", name + ".webm"
    else:
        data = pdf_document(version.title, [version.summary])
        media_type, name = "application/pdf", name + ".pdf"
    record = record_bytes(session, store, school, data, name, media_type)
    session.flush()
    return record


def publish_one_second_apart(session: Session) -> int:
    """Give the published versions distinct publication times, one second apart in the order
    they were made; how many.

    The demo loader stamps versions with the clock, and the index keeps whole seconds: those
    made within one second tie, so which of them a "newest" shelf shows changed from run to
    run with where the second began, and the walk with it.
    """
    versions = session.scalars(
        select(MaterialVersion)
        .where(MaterialVersion.published_at.is_not(None))
        .order_by(MaterialVersion.id)
    ).all()
    start = utcnow() - dt.timedelta(seconds=len(versions) + 1)
    for i, version in enumerate(versions):
        version.published_at = start + dt.timedelta(seconds=i)
    session.flush()
    return len(versions)


def demo_personas(session: Session, password: str) -> list[Persona]:
    """Who walks the demo: a visitor, a student and a teacher of the first demo school, the
    first admins of ``DEMO_ADMINS`` schools spread over the list (and of the suspended one),
    and the consortium admin."""
    from hub.services.demo import DEMO_DOMAIN

    people = list(
        session.scalars(
            select(Person)
            .where(Person.email.endswith("@" + DEMO_DOMAIN))
            .options(selectinload(Person.school))
            .order_by(Person.id)
        )
    )
    first: dict[tuple[int | None, Role], Person] = {}
    for person in people:
        first.setdefault((person.school_id, person.role), person)
    schools = sorted({p.school_id for p in people if p.school_id is not None})
    step = max(1, len(schools) // DEMO_ADMINS)
    chosen = set(schools[::step][:DEMO_ADMINS]) | {
        p.school.id
        for p in people
        if p.school is not None and p.school.status is not MembershipStatus.ACTIVE
    }
    personas = [Persona("visitor", None)]
    for role in (Role.STUDENT, Role.TEACHER):
        person = first[(schools[0], role)]
        personas.append(Persona(f"demo {role.value} {person.email}", person, password))
    for school_id in sorted(chosen):
        person = first[(school_id, Role.SCHOOL_ADMIN)]
        status = person.school.status.value if person.school else "?"
        personas.append(Persona(f"demo admin {person.email} ({status})", person, password))
    person = first[(None, Role.CONSORTIUM_ADMIN)]
    personas.append(Persona(f"demo consortium admin {person.email}", person, password))
    return personas
