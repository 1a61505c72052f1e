"""IMS Common Cartridge 1.3: a module (or one material) out of the hub as one file, and a
course exported from an LMS (Moodle, Canvas…) into the hub as drafts and a draft module.

**Export** (``plan_export``, then ``write_cartridge``): a zip with ``imsmanifest.xml`` in the
Common Cartridge 1.3 binding of IMS Content Packaging (namespace ``CP_NS``, schema
``IMS Common Cartridge``, version ``1.3.0``): the module's LOM in the manifest's metadata
(CC's manifest LOM profile, ``LOM_MANIFEST_NS``), one organisation (a root item, a folder
item named after the module, then one item per material in the module's order, with its
title), and one resource per material with its LOM (``lom.lom`` of the hub, in CC's resource
LOM profile, ``LOM_RESOURCE_NS``; the Healthcare LOM extension stays in the hub's own LOM
records, as the profile's schema knows only IEEE LOM). Each material travels as a
``Carrier``: an IMS web link to its page in the hub (``imswl_xmlv1p3``, a small XML file in
``links/``), or its files themselves (``webcontent``, under ``files/m<id>v<number>/``) where
the reader may download it and its licence lets copies travel (a Creative Commons licence;
the consortium's terms do not); otherwise it falls back to a web link, and the plan says why.
Only what the catalogue lets the reader view is in the plan: a module's hidden items are not
there at all (``Catalogue.module_items``), nor named in any LOM record (``Catalogue.relations``).

**Import** (``read_cartridge``, ``stage_files``, ``create_drafts``): what a cartridge holds is
read without touching the database, within ``Limits`` (the upload's size, the number of zip
members, what they expand to and their compression ratio — the zip-bomb limits of
``extraction`` —, the depth of the organisation and of paths, and time); paths that leave the
cartridge and XML with a document type declaration (entities) refuse the whole cartridge
(``BadCartridge``, a 400 in words). Files are sniffed as any upload is (``files.sniff``):
what the hub does not accept is listed, never dropped silently, and so are the parts the hub
has no place for (quizzes, discussions, assignments, tool links). Then the files are stored
(no transaction held while streaming), and ``create_drafts`` writes the drafts, their
files, and a draft module in the cartridge's order, in the caller's one transaction.
A web link to a material page of this hub becomes that material in the module (when the
teacher may view it); a link elsewhere is kept in the module's summary; a web page (an LMS's
page or wiki page, which the hub takes from no one bare) comes in with the files it uses as
one ZIP package.
"""

from __future__ import annotations

import abc
import contextlib
import copy
import enum
import posixpath
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, BinaryIO, cast
from urllib.parse import parse_qs, quote, unquote, urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from lxml import etree
from sqlalchemy.orm import Session

from content_store import ContentStore, ContentStoreError, content_disposition

from .. import policy
from ..models import (
    STAFF,
    File,
    MaterialKind,
    MaterialVersion,
    MembershipStatus,
    Person,
    School,
)
from ..models.base import Choice as FixedChoice
from . import audit, files, lom, markdown, modules, publishing
from .catalogue import Catalogue
from .errors import InvalidInput, NotFound, ServiceError
from .extraction import MAX_RATIO, RATIO_FREE_BYTES
from .metadata import Metadata, MetadataErrors, apply_metadata
from .review_state import review_states
from .store_check import blob_is_recorded
from .vocabularies import RESOURCE_TYPES, licence_short_name, licence_url

CP_NS = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
LOM_MANIFEST_NS = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest"
LOM_RESOURCE_NS = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/resource"
WEB_LINK_NS = "http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3"
XSI_NS = lom.XSI_NS
CC_SCHEMA = "IMS Common Cartridge"
CC_VERSION = "1.3.0"
_PROFILE = "http://www.imsglobal.org/profile/cc/ccv1p3"
MANIFEST_LOCATIONS = " ".join(
    (
        f"{CP_NS} {_PROFILE}/ccv1p3_imscp_v1p2_v1p0.xsd",
        f"{LOM_MANIFEST_NS} {_PROFILE}/LOM/ccv1p3_lommanifest_v1p0.xsd",
        f"{LOM_RESOURCE_NS} {_PROFILE}/LOM/ccv1p3_lomresource_v1p0.xsd",
    )
)
WEB_LINK_LOCATION = f"{WEB_LINK_NS} {_PROFILE}/ccv1p3_imswl_v1p3.xsd"
# IMS basic LTI links in a cartridge (IMS CC 1.3, "cartridge_basiclti_link").
LTI_CC_NS = "http://www.imsglobal.org/xsd/imslticc_v1p0"
BLTI_NS = "http://www.imsglobal.org/xsd/imsbasiclti_v1p0"
LTICM_NS = "http://www.imsglobal.org/xsd/imslticm_v1p0"
LTICP_NS = "http://www.imsglobal.org/xsd/imslticp_v1p0"
MANIFEST = "imsmanifest.xml"
_CHUNK = 1024 * 1024


class Choice(FixedChoice):
    """What the reader asks the export to carry (the export page's choice)."""

    LINKS = "links", _l("Links only")  # web links to the hub only
    # The files themselves where the rights and the licence allow.
    FILES = "files", _l("Files where allowed")
    # LTI links, opened inside the course (the school registered its platform).
    LTI = "lti", _l("Links that open inside the course (LTI)")


class Carrier(FixedChoice):
    """How one material travels in a cartridge: the value is the resource type of CC 1.3."""

    WEB_LINK = "imswl_xmlv1p3", _l("a web link to its page in the hub")
    FILES = "webcontent", _l("its files")
    LTI_LINK = "imsbasiclti_xmlv1p3", _l("a link that opens it inside the course (LTI)")


class BadCartridge(InvalidInput):
    """The upload is not a cartridge the hub can read safely; the message says why."""


class ImportRefused(ServiceError):
    """The person may not import cartridges (not staff of an active member school)."""

    status = 403


# Export -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedItem:
    """One material of an export: how it travels and, when it travels as a link although
    files were asked for, why (in words)."""

    version: MaterialVersion
    carrier: Carrier
    files: tuple[File, ...] = ()
    why: str = ""

    @property
    def key(self) -> str:
        """Its name in the cartridge: ``m<material id>v<version number>``."""
        return f"m{self.version.material_id}v{self.version.number}"


@dataclass(frozen=True)
class ExportPlan:
    """What an export will hold: the module (or the single material), its items in order,
    the reader's choice, and the LOM records of all of them (by version id)."""

    root: MaterialVersion
    items: list[PlannedItem]
    choice: Choice
    records: dict[int, lom.Record]
    lti_launch_url: str = ""

    @property
    def filename(self) -> str:
        """The download's name: the title, ``.imscc``."""
        title = re.sub(r"[\\/:*?\"<>|\s]+", " ", self.root.title).strip()[:100]
        return f"{title or 'cartridge'}.imscc"

    @property
    def disposition(self) -> str:
        """The ``Content-Disposition`` of the download (RFC 6266, any title)."""
        return content_disposition(self.filename, "attachment")

    @property
    def with_files(self) -> list[PlannedItem]:
        """The items whose files travel (each a download of the material)."""
        return [i for i in self.items if i.carrier is Carrier.FILES]


def copies_allowed(licence: str) -> bool:
    """Whether a material's licence lets copies of its files leave the hub: every Creative
    Commons licence and CC0 do (ND forbids changes, not copies); the consortium's terms do
    not (members only, no use outside)."""
    return licence in policy.CREATIVE_COMMONS


def plan_export(
    catalogue: Catalogue,
    version: MaterialVersion,
    choice: Choice,
    site: lom.Site,
    store: ContentStore | None = None,
    lti_launch_url: str | None = None,
) -> ExportPlan:
    """What exporting ``version`` (a module, or a single material) for the catalogue's viewer
    holds. The caller got ``version`` from the same catalogue (the viewer may view it);
    a module's items are only those the viewer may view. With ``store``, a file whose blob
    cannot be found makes its material travel as a link. LTI links need the hub's launch
    address (``lti_launch_url``: given when the viewer's school registered a platform);
    without it they are web links."""
    if version.is_module:
        versions = [item.item_version for item in catalogue.module_items(version)]
    else:
        versions = [version]
    relations = catalogue.relations([version, *[v for v in versions if v.id != version.id]])
    reviews = review_states(catalogue.session, (v.material_id for v in (version, *versions)))
    records = {
        v.id: lom.Record(
            v, relations[v.id], site, of_version=True, review=reviews.get(v.material_id)
        )
        for v in (version, *versions)
    }
    if choice is Choice.LTI and lti_launch_url is None:
        choice = Choice.LINKS
    items = [_planned(catalogue, v, choice, store) for v in versions]
    return ExportPlan(version, items, choice, records, lti_launch_url or "")


def _planned(
    catalogue: Catalogue, version: MaterialVersion, choice: Choice, store: ContentStore | None
) -> PlannedItem:
    link = Carrier.WEB_LINK
    if choice is Choice.LINKS:
        return PlannedItem(version, link)
    if choice is Choice.LTI:
        return PlannedItem(version, Carrier.LTI_LINK)
    if not version.files:
        return PlannedItem(version, link, why=_("It has no files."))
    if not catalogue.decide(version, "download"):
        return PlannedItem(
            version, link, why=_("You may read it in the hub, but not download its files.")
        )
    if not copies_allowed(version.licence):
        return PlannedItem(
            version,
            link,
            why=_(
                "Its licence (%(licence)s) does not let copies leave the hub.",
                licence=licence_short_name(version.licence),
            ),
        )
    if store is not None and not all(store.exists(f.sha256) for f in version.files):
        return PlannedItem(version, link, why=_("Its files cannot be read just now."))
    return PlannedItem(version, Carrier.FILES, tuple(version.files))


def _cp(tag: str) -> str:
    return f"{{{CP_NS}}}{tag}"


def _in(namespace: str, element: etree._Element) -> etree._Element:
    """A copy of a LOM record (``lom.lom``) in another namespace (CC's LOM profiles): the
    Healthcare LOM extension and the schema location left out."""
    moved = copy.deepcopy(element)
    for extension in moved.findall(f"{{{lom.HX_NS}}}healthcareMetadata"):
        moved.remove(extension)
    moved.attrib.pop(f"{{{XSI_NS}}}schemaLocation", None)
    for schema in list(moved.iter(f"{{{lom.LOM_NS}}}metadataSchema")):
        parent = schema.getparent()
        if schema.text != "LOMv1.0" and parent is not None:  # the Healthcare LOM left out
            parent.remove(schema)
    for node in moved.iter():
        if isinstance(node.tag, str) and node.tag.startswith(f"{{{lom.LOM_NS}}}"):
            node.tag = f"{{{namespace}}}{etree.QName(node).localname}"
    etree.cleanup_namespaces(moved, top_nsmap={"lom": namespace})
    return moved


# What the manifest's LOM profile keeps of the module's record: its general description
# and its rights.
_MANIFEST_GENERAL = ("title", "language", "description", "keyword")


def _manifest_lom(record: lom.Record) -> etree._Element:
    full = _in(LOM_MANIFEST_NS, lom.lom(record))
    kept = etree.Element(f"{{{LOM_MANIFEST_NS}}}lom", nsmap={"lomimscc": LOM_MANIFEST_NS})
    general = full.find(f"{{{LOM_MANIFEST_NS}}}general")
    if general is not None:
        for child in list(general):
            if etree.QName(child).localname not in _MANIFEST_GENERAL:
                general.remove(child)
        kept.append(general)
    rights = full.find(f"{{{LOM_MANIFEST_NS}}}rights")
    if rights is not None:
        kept.append(rights)
    return kept


def manifest(plan: ExportPlan) -> etree._Element:
    """The ``imsmanifest.xml`` of an export."""
    root = etree.Element(
        _cp("manifest"),
        nsmap={None: CP_NS, "lomimscc": LOM_MANIFEST_NS, "lom": LOM_RESOURCE_NS, "xsi": XSI_NS},
    )
    root.set("identifier", f"hub-m{plan.root.material_id}v{plan.root.number}")
    root.set(f"{{{XSI_NS}}}schemaLocation", MANIFEST_LOCATIONS)
    metadata = etree.SubElement(root, _cp("metadata"))
    etree.SubElement(metadata, _cp("schema")).text = CC_SCHEMA
    etree.SubElement(metadata, _cp("schemaversion")).text = CC_VERSION
    metadata.append(_manifest_lom(plan.records[plan.root.id]))
    organization = etree.SubElement(
        etree.SubElement(root, _cp("organizations")),
        _cp("organization"),
        identifier="ORGANIZATION",
        structure="rooted-hierarchy",
    )
    # LMSs make a section (Moodle) or a module (Canvas) of each item below the root.
    folder = etree.SubElement(
        etree.SubElement(organization, _cp("item"), identifier="ROOT"),
        _cp("item"),
        identifier="MODULE",
    )
    etree.SubElement(folder, _cp("title")).text = plan.root.title
    resources = etree.SubElement(root, _cp("resources"))
    for item in plan.items:
        entry = etree.SubElement(
            folder, _cp("item"), identifier=f"ITEM_{item.key}", identifierref=f"RES_{item.key}"
        )
        etree.SubElement(entry, _cp("title")).text = item.version.title
        _WRITERS[item.carrier].resource(resources, item, plan)
    return root


def _resource(
    parent: etree._Element, item: PlannedItem, plan: ExportPlan, hrefs: list[str]
) -> etree._Element:
    """A ``<resource>`` of the item's carrier with its LOM and files (metadata first, as
    IMS CP orders them)."""
    resource = etree.SubElement(
        parent, _cp("resource"), identifier=f"RES_{item.key}", type=item.carrier.value
    )
    if item.carrier is Carrier.FILES:
        resource.set("href", hrefs[0])
    etree.SubElement(resource, _cp("metadata")).append(
        _in(LOM_RESOURCE_NS, lom.lom(plan.records[item.version.id]))
    )
    for href in hrefs:
        etree.SubElement(resource, _cp("file"), href=href)
    return resource


@dataclass(frozen=True)
class _Part:
    """One member of the zip: its name and its bytes, or the blob to stream into it."""

    name: str
    data: bytes = b""
    sha256: str = ""
    size: int = 0
    compress: bool = True


class _Writer(abc.ABC):
    """How one carrier is written: its resource in the manifest and its members in the zip."""

    @abc.abstractmethod
    def resource(self, parent: etree._Element, item: PlannedItem, plan: ExportPlan) -> None:
        """Add the item's ``<resource>`` to the manifest's resources."""

    @abc.abstractmethod
    def parts(self, item: PlannedItem, plan: ExportPlan) -> Iterator[_Part]:
        """The item's members of the zip."""


class _WebLinkWriter(_Writer):
    """An IMS web link (``imswl_xmlv1p3``) to the version's page in the hub."""

    @staticmethod
    def path(item: PlannedItem) -> str:
        return f"links/{item.key}.xml"

    def resource(self, parent: etree._Element, item: PlannedItem, plan: ExportPlan) -> None:
        _resource(parent, item, plan, [self.path(item)])

    def parts(self, item: PlannedItem, plan: ExportPlan) -> Iterator[_Part]:
        link = etree.Element(f"{{{WEB_LINK_NS}}}webLink", nsmap={None: WEB_LINK_NS, "xsi": XSI_NS})
        link.set(f"{{{XSI_NS}}}schemaLocation", WEB_LINK_LOCATION)
        etree.SubElement(link, f"{{{WEB_LINK_NS}}}title").text = item.version.title
        etree.SubElement(
            link,
            f"{{{WEB_LINK_NS}}}url",
            href=plan.records[item.version.id].site.version_url(item.version),
            target="_blank",
        )
        yield _Part(self.path(item), lom.serialize(link))


# Media that are compressed already: stored as they are (deflating a video costs minutes).
_STORED = (
    "video/",
    "audio/",
    "image/",
    "application/zip",
    "application/vnd.openxmlformats",
    "application/vnd.oasis",
)


class _FilesWriter(_Writer):
    """The material's files (``webcontent``) under ``files/<key>/``, the first one the
    resource's launch file."""

    @staticmethod
    def names(item: PlannedItem) -> list[tuple[str, File]]:
        """(member name, file): names made unique within the item's folder."""
        taken: set[str] = set()
        named = []
        for record in item.files:
            name = files.sanitize_filename(record.filename)
            stem, dot, ext = name.rpartition(".")
            number = 1
            while name.lower() in taken:
                number += 1
                name = f"{stem} ({number}).{ext}" if dot else f"{ext} ({number})"
            taken.add(name.lower())
            named.append((f"files/{item.key}/{name}", record))
        return named

    def resource(self, parent: etree._Element, item: PlannedItem, plan: ExportPlan) -> None:
        # Hrefs are URI references: a name's spaces and other letters are percent-encoded.
        _resource(parent, item, plan, [quote(name) for name, _f in self.names(item)])

    def parts(self, item: PlannedItem, plan: ExportPlan) -> Iterator[_Part]:
        for name, record in self.names(item):
            compress = not record.media_type.startswith(_STORED)
            yield _Part(name, sha256=record.sha256, size=record.size, compress=compress)


class _LtiLinkWriter(_Writer):
    """An IMS basic LTI link (``imsbasiclti_xmlv1p3``) to the hub's launch address, naming
    the material in a custom parameter as the hub's deep-linking answers do; a platform that
    has the hub registered launches it inside the course."""

    @staticmethod
    def path(item: PlannedItem) -> str:
        return f"lti/{item.key}.xml"

    def resource(self, parent: etree._Element, item: PlannedItem, plan: ExportPlan) -> None:
        _resource(parent, item, plan, [self.path(item)])

    def parts(self, item: PlannedItem, plan: ExportPlan) -> Iterator[_Part]:
        def blti(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
            child = etree.SubElement(parent, f"{{{BLTI_NS}}}{tag}")
            child.text = text
            return child

        link = etree.Element(
            f"{{{LTI_CC_NS}}}cartridge_basiclti_link",
            nsmap={None: LTI_CC_NS, "blti": BLTI_NS, "lticm": LTICM_NS, "lticp": LTICP_NS},
        )
        blti(link, "title", item.version.title)
        blti(link, "description", markdown.plain(item.version.summary)[:1000])
        custom = blti(link, "custom")
        property_ = etree.SubElement(custom, f"{{{LTICM_NS}}}property", name="material")
        property_.text = str(item.version.material_id)
        blti(link, "launch_url", plan.lti_launch_url)
        if plan.lti_launch_url.startswith("https://"):
            blti(link, "secure_launch_url", plan.lti_launch_url)
        vendor = blti(link, "vendor")
        etree.SubElement(vendor, f"{{{LTICP_NS}}}code").text = "consortium-hub"
        etree.SubElement(vendor, f"{{{LTICP_NS}}}name").text = "Consortium Hub"
        yield _Part(self.path(item), lom.serialize(link))


_WRITERS: dict[Carrier, _Writer] = {
    Carrier.WEB_LINK: _WebLinkWriter(),
    Carrier.FILES: _FilesWriter(),
    Carrier.LTI_LINK: _LtiLinkWriter(),
}


def write_cartridge(plan: ExportPlan, store: ContentStore) -> Iterator[bytes]:
    """The cartridge's bytes as they are written: the manifest, then each item's members
    (files streamed from the content store, never whole in memory). The manifest and the
    links are made at once (they read the plan's records); the stream reads no database."""
    head = lom.serialize(manifest(plan))
    parts = [part for item in plan.items for part in _WRITERS[item.carrier].parts(item, plan)]
    return _zipped(head, parts, store)


def _zipped(head: bytes, parts: list[_Part], store: ContentStore) -> Iterator[bytes]:
    sink = lom.ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, head)
        yield sink.taken()
        for part in parts:
            if not part.sha256:
                archive.writestr(part.name, part.data)
                yield sink.taken()
                continue
            info = zipfile.ZipInfo(part.name, date_time=time.gmtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED if part.compress else zipfile.ZIP_STORED
            info.file_size = part.size  # lets zipfile choose ZIP64 for large files
            with store.open(part.sha256) as source, archive.open(info, "w") as member:
                while chunk := source.read(_CHUNK):
                    member.write(chunk)
                    yield sink.taken()
    yield sink.taken()


# Import: reading a cartridge ------------------------------------------------------------------

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much of a cartridge the hub agrees to read."""

    cartridge_bytes: int = 2048 * MiB  # the upload itself (and HUB_MAX_UPLOAD_MB)
    unpacked_bytes: int = 4096 * MiB  # what all its members may expand to
    member_bytes: int = 2048 * MiB  # one file
    members: int = 5000  # entries in the zip
    files: int = 1000  # files imported
    manifest_bytes: int = 16 * MiB  # the manifest and any other XML read
    depth: int = 20  # nesting of the organisation's items, and folders of a path
    seconds: float = 300.0  # reading and storing


LIMITS = Limits()


class Found(enum.StrEnum):
    """What an item of the cartridge becomes in the hub."""

    FILES = "files"  # a new draft material with these files
    HUB = "hub"  # a material of this hub already (a web link to its page)
    LINK = "link"  # a web link elsewhere, kept in the module's summary


@dataclass(frozen=True)
class Described:
    """What a LOM record of the cartridge says (empty where it says nothing)."""

    title: str = ""
    description: str = ""
    language: str = ""
    keywords: tuple[str, ...] = ()
    licence: str = ""
    resource_type: str = ""


@dataclass(frozen=True)
class FoundFile:
    """A file of the cartridge that the hub accepts."""

    path: str  # the zip member
    name: str  # as it will be called
    size: int
    media_type: str
    # A web page: the page (``path``) and the files it uses, stored as one ZIP package (the
    # hub takes no bare web page: see ``files.sniff``).
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refusal:
    """Something of the cartridge left out, and why, in words."""

    title: str
    why: str
    resource_type: str = ""


@dataclass(frozen=True)
class FoundItem:
    """One item of the cartridge's organisation that the hub imports."""

    title: str
    resource_type: str
    found: Found
    files: tuple[FoundFile, ...] = ()
    refused: tuple[Refusal, ...] = ()  # files of it left out
    url: str = ""
    hub_material: int | None = None  # Found.HUB: the material id and version number
    hub_number: int | None = None
    about: Described = field(default_factory=Described)


@dataclass(frozen=True)
class Cartridge:
    """What a cartridge holds, as the hub will import it."""

    title: str
    about: Described
    items: tuple[FoundItem, ...]
    skipped: tuple[Refusal, ...]

    @property
    def files(self) -> list[FoundFile]:
        """Every file that will be stored."""
        return [f for item in self.items for f in item.files]


# Resource types the hub imports nothing of, by the start of their name, in words.
UNSUPPORTED = (
    ("imsqti_", _l("quiz or assessment (QTI)")),
    ("imsdt_", _l("discussion")),
    ("assignment_", _l("assignment")),
    ("imsbasiclti_", _l("LTI tool link")),
    ("imslticc_", _l("LTI tool link")),
    ("associatedcontent/", _l("files of another part (a quiz, discussion or assignment)")),
)
_WEB_LINK = re.compile(r"^imswl_xmlv1p\d$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_MATERIAL_PATH = re.compile(r"^/materials/(\d{1,12})/?$")


def type_in_words(resource_type: str) -> str:
    """A resource type of a cartridge in words."""
    if resource_type == "webcontent":
        return _("files")
    if _WEB_LINK.match(resource_type):
        return _("web link")
    for start, words in UNSUPPORTED:
        if resource_type.startswith(start):
            return str(words)
    return resource_type or _("(no type)")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if _local(c) == name]


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    if element is None:
        return None
    return next((c for c in element if _local(c) == name), None)


def _text(element: etree._Element | None) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip() if element is not None else ""


class _Deadline:
    """The time a reading may take; every step checks it."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.seconds = seconds

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise BadCartridge(
                _(
                    "Reading the cartridge took longer than %(seconds)d seconds; it was "
                    "stopped. Nothing was imported.",
                    seconds=int(self.seconds),
                )
            )


class _Package:
    """The cartridge's zip, with its members' names checked and their reading bounded."""

    def __init__(self, source: IO[bytes], limits: Limits, deadline: _Deadline) -> None:
        self.limits = limits
        self.deadline = deadline
        self.budget = limits.unpacked_bytes
        try:
            self.zip = zipfile.ZipFile(source)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise BadCartridge(
                _("This is not a Common Cartridge: it is not a zip file (.imscc or .zip).")
            ) from None
        if len(infos) > limits.members:
            raise BadCartridge(
                _(
                    "The cartridge holds %(count)d files; the hub reads at most %(most)d.",
                    count=len(infos),
                    most=limits.members,
                )
            )
        for info in infos:
            _check_member_name(info.filename, limits)
        if sum(i.file_size for i in infos) > limits.unpacked_bytes:
            raise _bomb(limits.unpacked_bytes)
        self.infos = {i.filename: i for i in infos if not i.is_dir()}

    def has(self, name: str) -> bool:
        return name in self.infos

    def size(self, name: str) -> int:
        return self.infos[name].file_size

    def open(self, name: str, limit: int) -> _Member:
        """A member to read, refused when its directory entry says it is too large or
        compressed like a bomb (its reading is counted too, in case the entry lies)."""
        info = self.infos[name]
        limit = min(limit, self.budget)
        if info.file_size > limit or (
            info.file_size > RATIO_FREE_BYTES
            and info.file_size > MAX_RATIO * max(1, info.compress_size)
        ):
            raise _bomb(limit)
        if info.flag_bits & 0x1:
            raise BadCartridge(_("The cartridge is encrypted; the hub cannot read it."))
        return _Member(self, self.zip.open(info), limit)

    def read(self, name: str, limit: int) -> bytes:
        with self.open(name, limit) as member:
            return member.read()


def _bomb(limit: int) -> BadCartridge:
    return BadCartridge(
        _(
            "The cartridge would expand to more than %(size)s (refused as a possible zip "
            "bomb). Nothing was imported.",
            size=files.size_in_words(limit),
        )
    )


def _unsafe(name: str) -> BadCartridge:
    return BadCartridge(
        _(
            "The cartridge names a file outside itself (%(name)s): refused, nothing was imported.",
            name=name[:200],
        )
    )


def _check_member_name(name: str, limits: Limits) -> None:
    """Refuse a member whose name would leave the cartridge if it were unpacked."""
    parts = name.split("/")
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or ".." in parts
        or re.match(r"^[a-zA-Z]:", name)
    ):
        raise _unsafe(name)
    if len(parts) > limits.depth + 1:
        raise BadCartridge(
            _(
                "The cartridge's folders are nested deeper than %(depth)d levels.",
                depth=limits.depth,
            )
        )


class _Member:
    """A zip member read in chunks, counted against its limit and the cartridge's budget,
    and against the deadline."""

    def __init__(self, package: _Package, stream: IO[bytes], limit: int) -> None:
        self.package = package
        self.stream = stream
        self.limit = limit
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        self.package.deadline.check()
        try:
            data = self.stream.read(_CHUNK if size is None or size < 0 else size)
            if size is None or size < 0:
                parts = [data]
                while data:
                    self._count(data)
                    data = self.stream.read(_CHUNK)
                    parts.append(data)
                return b"".join(parts)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise BadCartridge(_("The cartridge is damaged; the hub cannot read it.")) from exc
        except RuntimeError as exc:  # zipfile's word for an encrypted member
            raise BadCartridge(_("The cartridge is encrypted; the hub cannot read it.")) from exc
        self._count(data)
        return data

    def _count(self, data: bytes) -> None:
        self.read_bytes += len(data)
        self.package.budget -= len(data)
        if self.read_bytes > self.limit or self.package.budget < 0:
            raise _bomb(self.limit)

    def __enter__(self) -> _Member:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stream.close()


def parse_xml(data: bytes, what: str) -> etree._Element:
    """An XML document of the cartridge, parsed without network, DTD or entity expansion; a
    document type declaration (the carrier of entity attacks) is refused outright."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise BadCartridge(
            _("The cartridge's %(part)s is not well-formed XML.", part=what)
        ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise BadCartridge(
            _(
                "The cartridge's %(part)s declares a DTD or entities, which the hub refuses.",
                part=what,
            )
        )
    return root


def _resolve(base: str, href: str) -> str | None:
    """The zip member a manifest's ``href`` names (relative to ``base``); None for an
    address on the web (not a file of the cartridge). A path that leaves the cartridge
    refuses the whole cartridge."""
    href = href.strip()
    if _SCHEME.match(href):
        return None
    if not href or href.startswith("/") or "\\" in href or "\x00" in href:
        raise _unsafe(href)
    path = posixpath.normpath(posixpath.join(base, href))
    if path == ".." or path.startswith(("../", "/")):
        raise _unsafe(href)
    return path


def _xml_base(element: etree._Element) -> str:
    return element.get("{http://www.w3.org/XML/1998/namespace}base", "").strip()


def _described(metadata: etree._Element | None) -> Described:
    """What a LOM record (in any of LOM's namespaces, CC's profiles among them) says of the
    title, description, language, keywords, licence and type of resource."""
    record = (
        None if metadata is None else next((e for e in metadata.iter() if _local(e) == "lom"), None)
    )
    if record is None:
        return Described()
    general = _child(record, "general")

    def first_string(parent: etree._Element | None, name: str) -> str:
        return _text(_child(_child(parent, name), "string"))

    rights = " ".join(_text(e) for e in record.iter() if _local(e) in ("rights", "license"))
    licence = next(
        (code for code in policy.LICENCES if (url := licence_url(code)) and url in rights), ""
    )
    kind = _child(_child(record, "educational"), "learningResourceType")
    return Described(
        title=first_string(general, "title"),
        description=first_string(general, "description"),
        language=_text(_child(general, "language")),
        keywords=tuple(
            text
            for keyword in (_children(general, "keyword") if general is not None else [])
            if (text := _text(_child(keyword, "string")))
        ),
        licence=licence,
        resource_type=_OUR_TYPES.get(_text(_child(kind, "value")), ""),
    )


# LOM's (and Healthcare LOM's) learning resource types back to ours, and ours as they are.
_OUR_TYPES = {
    **{theirs: ours for ours, theirs in lom.LOM_RESOURCE_TYPES.items()},
    **{theirs: ours for ours, theirs in lom.HEALTHCARE_RESOURCE_TYPES.items()},
    **{code: code for code in RESOURCE_TYPES},
}


@dataclass
class _Reading:
    """One reading of a cartridge: the zip, its limits, where the web links point, and the
    manifest's resources (by identifier, with the base of their hrefs)."""

    package: _Package
    limits: Limits
    site_host: str
    resources: dict[str, tuple[etree._Element, str]] = field(default_factory=dict)


def read_cartridge(
    source: IO[bytes], *, site_host: str, limits: Limits = LIMITS, name: str = ""
) -> Cartridge:
    """What the cartridge in ``source`` (a seekable file) holds and how the hub would import
    it: ``BadCartridge`` (in words) when it cannot be read safely or holds nothing to import.
    ``site_host`` is this hub's host (web links to its material pages are its materials);
    ``name`` is the upload's file name (the title when the cartridge gives none)."""
    reading = _Reading(_Package(source, limits, _Deadline(limits.seconds)), limits, site_host)
    package = reading.package
    if not package.has(MANIFEST):
        raise BadCartridge(
            _("This is not a Common Cartridge: it has no imsmanifest.xml at its top.")
        )
    root = parse_xml(package.read(MANIFEST, limits.manifest_bytes), MANIFEST)
    if _local(root) != "manifest":
        raise BadCartridge(_("This is not a Common Cartridge: its manifest is not one."))
    resources = reading.resources = _resources(root)
    outline = _outline(root, limits) or [
        ("", identifier) for identifier in resources
    ]  # no organisation: every resource, in the manifest's order
    items: list[FoundItem] = []
    skipped: list[Refusal] = []
    seen: set[str] = set()
    for title, identifier in outline:
        if identifier in seen:
            continue
        seen.add(identifier)
        found = resources.get(identifier)
        if found is None:
            skipped.append(
                Refusal(title or identifier, _("The manifest names a part it does not hold."))
            )
            continue
        resource, base = found
        _add(reading, resource, base, title, items, skipped)
    skipped += _outside_outline(resources, seen)
    about = _described(_child(root, "metadata"))
    organisation = _child(_child(root, "organizations"), "organization")
    title = about.title or _text(_child(organisation, "title")) or _stem(name)
    cartridge = Cartridge(title or _("Imported course"), about, tuple(items), tuple(skipped))
    _check_counts(cartridge, limits)
    return cartridge


def _stem(name: str) -> str:
    return files.sanitize_filename(name).rsplit(".", 1)[0] if name else ""


def _resources(root: etree._Element) -> dict[str, tuple[etree._Element, str]]:
    """The manifest's resources by identifier, each with the base of its hrefs."""
    found: dict[str, tuple[etree._Element, str]] = {}
    for group in _children(root, "resources"):
        for resource in _children(group, "resource"):
            identifier = resource.get("identifier", "")
            base = posixpath.join(_xml_base(group), _xml_base(resource))
            found.setdefault(identifier, (resource, base))
    return found


def _outline(root: etree._Element, limits: Limits) -> list[tuple[str, str]]:
    """(title, resource identifier) of the first organisation's items, depth first, in
    order; folders give their items. Deeper than ``limits.depth`` refuses the cartridge."""
    organisation = _child(_child(root, "organizations"), "organization")
    if organisation is None:
        return []
    outline: list[tuple[str, str]] = []
    stack = [(item, 1) for item in reversed(_children(organisation, "item"))]
    while stack:
        item, depth = stack.pop()
        if depth > limits.depth:
            raise BadCartridge(
                _(
                    "The cartridge's outline is nested deeper than %(depth)d levels.",
                    depth=limits.depth,
                )
            )
        reference = item.get("identifierref", "").strip()
        if reference:
            outline.append((_text(_child(item, "title")), reference))
        stack += [(child, depth + 1) for child in reversed(_children(item, "item"))]
    return outline


def _outside_outline(
    resources: dict[str, tuple[etree._Element, str]], seen: set[str]
) -> list[Refusal]:
    """Resources no item of the outline names, except those another resource depends on
    (shared files of a part that is listed itself)."""
    needed = {
        dependency.get("identifierref", "")
        for resource, _base in resources.values()
        for dependency in _children(resource, "dependency")
    }
    return [
        Refusal(
            _described(_child(resource, "metadata")).title or identifier,
            _("It is not in the course's outline."),
            resource.get("type", ""),
        )
        for identifier, (resource, _base) in resources.items()
        if identifier not in seen and identifier not in needed
    ]


def _add(
    reading: _Reading,
    resource: etree._Element,
    base: str,
    title: str,
    items: list[FoundItem],
    skipped: list[Refusal],
) -> None:
    """Read one resource of the outline into ``items`` or, with the reason, ``skipped``."""
    kind = resource.get("type", "").strip()
    about = _described(_child(resource, "metadata"))
    title = title or about.title
    if kind == "webcontent":
        found: FoundItem | Refusal = _files_item(reading, resource, base, title, about)
    elif _WEB_LINK.match(kind):
        found = _link_item(reading, resource, base, title, about)
    else:
        words = next((w for start, w in UNSUPPORTED if kind.startswith(start)), None)
        why = (
            _("The hub has no place for this kind of part; it was not imported.")
            if words is not None
            else _("The hub does not know this kind of part (%(type)s).", type=kind or "?")
        )
        found = Refusal(title or resource.get("identifier", ""), why, kind)
    (skipped if isinstance(found, Refusal) else items).append(found)  # type: ignore[arg-type]


def _member(package: _Package, path: str) -> str | None:
    """The member an href names: as written, else percent-decoded (hrefs are URIs)."""
    for candidate in (path, unquote(path)):
        if package.has(candidate):
            return candidate
    return None


def _files_item(
    reading: _Reading, resource: etree._Element, base: str, title: str, about: Described
) -> FoundItem | Refusal:
    """A ``webcontent`` resource: its files (the launch file first) that the hub accepts, or
    a web page with the files it uses as one ZIP package; and what it leaves out, with why."""
    members, refused = _members_of(reading, resource, base)
    title = title or (posixpath.basename(members[0]) if members else "")
    found: list[FoundFile | Refusal]
    if members and members[0].lower().endswith(_PAGES):
        found = [_web_page(reading, resource, members, title)]
    else:
        found = [_accepted(reading, member) for member in members]
    accepted = [f for f in found if isinstance(f, FoundFile)]
    refused += [f for f in found if isinstance(f, Refusal)]
    kind = resource.get("type", "")
    title = title or resource.get("identifier", "")
    if not accepted:
        why = refused[0].why if refused else _("It holds no file.")
        return Refusal(title, why, kind)
    return FoundItem(title, kind, Found.FILES, tuple(accepted), tuple(refused), about=about)


_PAGES = (".html", ".htm", ".xhtml")


def _members_of(
    reading: _Reading, resource: etree._Element, base: str
) -> tuple[list[str], list[Refusal]]:
    """The zip members a resource's hrefs name (its launch file first), and those missing."""
    hrefs = [resource.get("href", "")] + [f.get("href", "") for f in _children(resource, "file")]
    members: list[str] = []
    missing: dict[str, Refusal] = {}
    for href in (h for h in hrefs if h.strip()):
        path = _resolve(base, href)
        member = _member(reading.package, path) if path is not None else None
        if member is None:
            name = files.sanitize_filename(unquote(href))
            missing.setdefault(name, Refusal(name, _("It is not in the cartridge.")))
        elif member not in members:
            members.append(member)
    return members, list(missing.values())


def _web_page(
    reading: _Reading, resource: etree._Element, members: list[str], title: str
) -> FoundFile | Refusal:
    """A web page (an LMS's page or wiki page) with its files and those of the resources it
    depends on, to be kept as one ZIP package."""
    used = list(members)
    for dependency in _children(resource, "dependency"):
        found = reading.resources.get(dependency.get("identifierref", ""))
        if found is not None:
            used += _members_of(reading, *found)[0]
    used = list(dict.fromkeys(used))
    name = files.sanitize_filename(f"{title or _stem(members[0])}.zip")
    size = sum(reading.package.size(m) for m in used)
    limit = reading.limits.member_bytes
    if size > limit:
        return _too_large(name, limit)
    return FoundFile(members[0], name, size, "application/zip", tuple(used))


def _too_large(name: str, limit: int) -> Refusal:
    return Refusal(
        name,
        _("It is larger than the hub accepts (%(size)s at most).", size=files.size_in_words(limit)),
    )


def _accepted(reading: _Reading, member: str) -> FoundFile | Refusal:
    """A file of the cartridge as the hub would store it, or why it is left out: the hub
    accepts what any upload may be (the content decides, see ``files.sniff``)."""
    name = files.sanitize_filename(member)
    size = reading.package.size(member)
    limit = reading.limits.member_bytes
    if size > limit:
        return _too_large(name, limit)
    with reading.package.open(member, limit) as stream:
        head = stream.read(files.SNIFF_BYTES)
    if not head:
        return Refusal(name, _("It is empty."))
    try:
        media_type = files.sniff(head, name)
    except files.UnsupportedFile as exc:
        return Refusal(name, exc.message)
    return FoundFile(member, name, size, media_type)


def _link_item(
    reading: _Reading, resource: etree._Element, base: str, title: str, about: Described
) -> FoundItem | Refusal:
    """An IMS web link: a material of this hub when it points at one's page, else a link."""
    kind = resource.get("type", "")
    file = next(iter(_children(resource, "file")), None)
    path = _resolve(base, file.get("href", "")) if file is not None else None
    member = _member(reading.package, path) if path is not None else None
    if member is None:
        return Refusal(title or resource.get("identifier", ""), _("Its link is missing."), kind)
    link = parse_xml(reading.package.read(member, reading.limits.manifest_bytes), member)
    title = title or _text(_child(link, "title"))
    url_element = _child(link, "url")
    url = (url_element.get("href", "") if url_element is not None else "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Refusal(title or url, _("Its link is not a web address."), kind)
    title = title or url
    page = _MATERIAL_PATH.match(parts.path)
    if page is not None and parts.hostname == reading.site_host:
        number = parse_qs(parts.query).get("v", [""])[0]
        return FoundItem(
            title, kind, Found.HUB, url=url, about=about, hub_material=int(page.group(1)),
            hub_number=int(number) if number.isdigit() and len(number) < 10 else None,
        )  # fmt: skip
    return FoundItem(title, kind, Found.LINK, url=url, about=about)


def _check_counts(cartridge: Cartridge, limits: Limits) -> None:
    """Refuse what no module could hold, and a cartridge with nothing to import."""
    in_module = [i for i in cartridge.items if i.found is not Found.LINK]
    if len(in_module) > modules.MAX_ITEMS:
        raise BadCartridge(
            _(
                "The cartridge's outline holds %(count)d materials; a module holds at most "
                "%(most)d.",
                count=len(in_module),
                most=modules.MAX_ITEMS,
            )
        )
    if len(cartridge.files) > limits.files:
        raise BadCartridge(
            _(
                "The cartridge holds %(count)d files to import; the hub imports at most "
                "%(most)d at once.",
                count=len(cartridge.files),
                most=limits.files,
            )
        )
    if not cartridge.items:
        raise BadCartridge(
            _("The cartridge holds nothing the hub can import (no files and no web links).")
        )


# Import: storing and creating ---------------------------------------------------------------


@contextlib.contextmanager
def opened(store: ContentStore, sha256: str) -> Iterator[IO[bytes]]:
    """A stored cartridge as a seekable file (zip needs one): the blob's own file on a local
    store, else a temporary copy."""
    try:
        path = store.path(sha256)
    except ContentStoreError:
        path = None  # not there: reading it below says so in words
    if path is not None:
        with open(path, "rb") as local:
            yield local
        return
    with tempfile.TemporaryFile() as spool:
        try:
            with store.open(sha256) as blob:
                shutil.copyfileobj(blob, spool, _CHUNK)
        except ContentStoreError as exc:
            raise BadCartridge(
                _("The uploaded cartridge cannot be read just now. Upload it again.")
            ) from exc
        spool.seek(0)
        yield spool


def stage_files(
    store: ContentStore, source: IO[bytes], cartridge: Cartridge, limits: Limits = LIMITS
) -> dict[str, files.StoredUpload]:
    """Store the files ``read_cartridge`` found (by zip member), streaming each from the zip
    within the limits; touches no database (the caller holds no transaction meanwhile)."""
    package = _Package(source, limits, _Deadline(limits.seconds))
    stored: dict[str, files.StoredUpload] = {}
    for found in cartridge.files:
        if found.path in stored:
            continue
        if found.members:
            stored[found.path] = _store_web_page(store, package, found, limits)
            continue
        with package.open(found.path, limits.member_bytes) as member:
            stored[found.path] = files.store_upload(
                store, cast(BinaryIO, member), found.name, max_bytes=limits.member_bytes
            )
    return stored


def _store_web_page(
    store: ContentStore, package: _Package, page: FoundFile, limits: Limits
) -> files.StoredUpload:
    """A web page and the files it uses, zipped (as they lie relative to each other, the
    page first) and stored as one ZIP package."""
    root = posixpath.commonpath([posixpath.dirname(m) for m in page.members]) or "."
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in page.members:
                with (
                    package.open(name, limits.member_bytes) as member,
                    archive.open(posixpath.relpath(name, root), "w") as copy_of,
                ):
                    shutil.copyfileobj(cast(IO[bytes], member), copy_of, _CHUNK)
        spool.seek(0)
        return files.store_upload(store, spool, page.name, max_bytes=limits.member_bytes)


def check_importer(session: Session, person: Person) -> School:
    """The importer's school: only its teachers and admins, while it is an active member,
    bring cartridges in."""
    school = session.get(School, person.school_id) if person.school_id else None
    if person.role not in STAFF or school is None:
        raise NotFound(_("There is nothing here."))
    if school.status is not MembershipStatus.ACTIVE:
        raise ImportRefused(
            _("Only teachers and admins of an active member school can import cartridges.")
        )
    return school


def discard(session: Session, store: ContentStore, sha256: str) -> None:
    """Remove an uploaded cartridge that was refused, unless a record names its blob."""
    if not blob_is_recorded(session, sha256):
        with contextlib.suppress(ContentStoreError):
            store.delete(sha256)


@dataclass(frozen=True)
class Imported:
    """What an import made: the draft module, how many new drafts and links it holds."""

    module_id: int
    drafts: int
    materials: int  # materials of the hub the module holds
    links: int  # links kept in its summary


def create_drafts(
    session: Session,
    catalogue: Catalogue,
    teacher: Person,
    cartridge: Cartridge,
    stored: dict[str, files.StoredUpload],
    upload: File | None = None,
) -> Imported:
    """The drafts of an import, in the caller's one transaction: a draft material for each
    item with files (the stored files recorded and attached, its LOM's metadata applied), and
    a draft module of them in the cartridge's order; ``upload`` (the cartridge itself, a
    file of the school's) is removed from the school's files."""
    check_importer(session, teacher)
    item_ids: list[int] = []
    links: list[FoundItem] = []
    drafts = 0
    for item in cartridge.items:
        if item.found is Found.FILES:
            item_ids.append(_draft_of(session, teacher, item, stored).id)
            drafts += 1
            continue
        version = _hub_version(catalogue, item) if item.found is Found.HUB else None
        if version is None:
            links.append(item)
        elif version.id not in item_ids:
            item_ids.append(version.id)
    module = publishing.create_draft(session, teacher, MaterialKind.MODULE, cartridge.title)
    draft = module.latest
    _describe(draft, cartridge.about, cartridge.title, _links_in_words(links))
    modules.set_module_items(session, teacher, draft, item_ids, [])
    if upload is not None:
        files.remove_upload(session, teacher, upload.id)
    audit.record(session, teacher, "cartridge.imported", module, drafts=drafts, items=len(item_ids))
    return Imported(module.id, drafts, len(item_ids) - drafts, len(links))


def _draft_of(
    session: Session, teacher: Person, item: FoundItem, stored: dict[str, files.StoredUpload]
) -> MaterialVersion:
    material = publishing.create_draft(session, teacher, MaterialKind.MATERIAL, item.title)
    version = material.latest
    _describe(version, item.about, item.title)
    records = [files.record_upload(session, teacher, stored[f.path]) for f in item.files]
    publishing.attach_files(session, teacher, version, [r.id for r in records])
    return version


def _hub_version(catalogue: Catalogue, item: FoundItem) -> MaterialVersion | None:
    """The hub's material a web link names, if the importer may view it and a module may
    hold it (a module holds no module)."""
    assert item.hub_material is not None
    try:
        version = catalogue.version(item.hub_material, item.hub_number, "view")
    except NotFound:
        return None
    return version if version.material.kind is MaterialKind.MATERIAL else None


def _links_in_words(links: Iterable[FoundItem]) -> str:
    """Web links of the cartridge as a Markdown list for the module's summary."""
    lines = []
    for link in links:
        title = re.sub(r"([\\\[\]])", r"\\\1", link.title)
        lines.append(f"- [{title}](<{quote(link.url, safe=_URL_SAFE)}>)")
    if not lines:
        return ""
    return _("Links from the cartridge:") + "\n\n" + "\n".join(lines)


_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def _describe(version: MaterialVersion, about: Described, title: str, more: str = "") -> None:
    """Fill a new draft's metadata with what the cartridge says of it; a value the hub
    cannot take (an unknown language, say) is left for the teacher to fill in."""
    values = vars(Metadata.of(version)).copy()
    given = {
        "title": title or about.title,
        "summary": "\n\n".join(t for t in (about.description, more) if t),
        "language": about.language,
        "topics": list(about.keywords),
        "licence": about.licence,
        "resource_type": about.resource_type,
    }
    values.update({name: value for name, value in given.items() if value})
    try:
        apply_metadata(version, Metadata(**values))
    except MetadataErrors as exc:
        kept = vars(Metadata.of(version))
        values.update({name: kept[name] for name in exc.errors})
        apply_metadata(version, Metadata(**values))
