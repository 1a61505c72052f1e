"""OAI-PMH 2.0 (http://www.openarchives.org/OAI/openarchivesprotocol.html), written on lxml.

Every record comes through the one door: ``Catalogue.harvest`` lists, in (datestamp, id)
order, what the reader may discover and, as deleted, what they could once discover and no
longer may (``services/harvest_log.py``); ``Catalogue.relations`` gives what each record
names. A visitor harvests public materials; a person (a school's systems, with its token)
harvests what that person may discover.

Why not the ``oaipmh`` package (pyoai's maintained fork): its server builds each answer as one
tree in memory and pages by an offset in a plain, unsigned token without expiry; the hub
wants answers streamed record by record, keyset paging on (datestamp, id) that stays right
while materials change, tokens signed with the app's secret that expire and survive a
restart, and ``completeListSize``/``cursor``. The protocol is small; it is written here.

Resumption tokens are signed (itsdangerous, salted) and carry the request's arguments, the
last record's (datestamp, id), the cursor, the list's size, the reader and the frozen
``until``: nothing is kept on the server, so a token outlives a restart and works on any
worker, and expires after ``TOKEN_LIFETIME``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from lxml import etree
from sqlalchemy.orm import Session

from ..models import MaterialVersion, utcnow
from . import harvest_log, lom, schools
from .catalogue import Catalogue, Harvested, HarvestScope
from .errors import NotFound
from .languages import COMMON_TAGS, language_name
from .metadata import FIELD_BY_NAME
from .review_state import review_states

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_ID_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
#: Records (or headers) in one answer of ListRecords / ListIdentifiers.
PAGE_SIZE = 100
TOKEN_LIFETIME = dt.timedelta(hours=24)
_SALT = "hub.oai.resumption"

#: The metadata formats: prefix -> (schema, namespace, how a record is written).
FORMATS: dict[str, tuple[str, str, Callable[[lom.Record], etree._Element]]] = {
    "oai_dc": (lom.OAI_DC_SCHEMA, lom.OAI_DC_NS, lom.dublin_core),
    "lom": (lom.LOM_SCHEMA, lom.LOM_NS, lom.lom),
}
VERBS = {
    # verb: (required, optional, exclusive)
    "Identify": ((), (), None),
    "ListMetadataFormats": ((), ("identifier",), None),
    "ListSets": ((), (), "resumptionToken"),
    "GetRecord": (("identifier", "metadataPrefix"), (), None),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
}
#: The kinds of set and the metadata field each selects on (``school``: the owner school;
#: ``type:module`` selects modules).
SET_KINDS = {
    "school": None,
    "language": "language",
    "level": "level",
    "type": "resource_type",
    "region": "regions",
}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class OaiError(Exception):
    """An OAI-PMH error condition: its code (``badArgument``, …) and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Repository:
    """What Identify says and what records name: the site, the admin's address, the secret
    that signs resumption tokens, and the page size (small in tests)."""

    site: lom.Site
    admin_email: str
    secret: str
    name: str = "Consortium Hub"
    page_size: int = PAGE_SIZE

    @property
    def base_url(self) -> str:
        return f"{self.site.base_url}/oai"


@dataclass
class Answer:
    """An OAI-PMH response: its body, written as it is read (``chunks``)."""

    chunks: Iterator[bytes]
    status: int = 200


# Dates ----------------------------------------------------------------------------------------


def stamp(when: dt.datetime) -> str:
    """A datestamp at the repository's granularity (seconds, UTC)."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date_argument(name: str, value: str) -> tuple[dt.datetime, dt.timedelta]:
    """A ``from``/``until`` value and its granularity's step (a day or a second)."""
    try:
        if _DAY.match(value):
            day = dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.UTC)
            return day, dt.timedelta(days=1)
        if _SECOND.match(value):
            moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            return moment, dt.timedelta(seconds=1)
    except ValueError:
        pass
    raise OaiError(
        "badArgument",
        f"'{name}' must be a date (YYYY-MM-DD) or a time in UTC ({GRANULARITY}), not '{value}'.",
    )


# Arguments -------------------------------------------------------------------------------------


def _arguments(given: Mapping[str, Sequence[str]]) -> tuple[str, dict[str, str]]:
    """The verb and its arguments, checked against the protocol (badVerb, badArgument)."""
    verbs = given.get("verb", [])
    if len(verbs) != 1 or verbs[0] not in VERBS:
        shown = "', '".join(verbs)
        raise OaiError(
            "badVerb",
            "The verb is missing, repeated or unknown"
            + (f" ('{shown}')" if verbs else "")
            + f"; it is one of: {', '.join(VERBS)}.",
        )
    verb = verbs[0]
    required, optional, exclusive = VERBS[verb]
    args: dict[str, str] = {}
    for name, values in given.items():
        if name == "verb":
            continue
        if name not in (*required, *optional, exclusive):
            raise OaiError("badArgument", f"{verb} takes no argument '{name}'.")
        if len(values) != 1:
            raise OaiError("badArgument", f"The argument '{name}' is repeated.")
        args[name] = values[0]
    if exclusive is not None and exclusive in args:
        if len(args) > 1:
            raise OaiError("badArgument", f"'{exclusive}' is an exclusive argument of {verb}.")
        return verb, args
    missing = [name for name in required if name not in args]
    if missing:
        raise OaiError("badArgument", f"{verb} needs the argument '{missing[0]}'.")
    return verb, args


def _format(prefix: str) -> str:
    if prefix not in FORMATS:
        raise OaiError(
            "cannotDisseminateFormat",
            f"The metadata format '{prefix}' is not offered; the formats are {', '.join(FORMATS)}.",
        )
    return prefix


def _material_id(repository: Repository, identifier: str) -> int:
    prefix = f"oai:{repository.site.host}:material/"
    number = identifier[len(prefix) :] if identifier.startswith(prefix) else ""
    if not (number.isascii() and number.isdigit() and 0 < int(number) < 2**31):
        raise OaiError("idDoesNotExist", f"'{identifier}' is not an identifier of this repository.")
    return int(number)


def _scope(args: Mapping[str, str], now: dt.datetime) -> HarvestScope:
    """The harvest a ListRecords/ListIdentifiers request asks for: its window and set."""
    since = until = None
    if "from" in args:
        since, since_step = _date_argument("from", args["from"])
    if "until" in args:
        last, step = _date_argument("until", args["until"])
        until = last + step  # ``until`` is inclusive at its granularity
    if since is not None and until is not None:
        if since_step != step:
            raise OaiError("badArgument", "'from' and 'until' must have the same granularity.")
        if since >= until:
            raise OaiError("badArgument", "'from' is later than 'until'.")
    # Without ``until`` the list ends with the second of its first answer (its responseDate).
    end = now + dt.timedelta(seconds=1)
    scope = HarvestScope(since=since, until=until if until is not None else end)
    if "set" in args:
        scope = _with_set(scope, args["set"])
    return scope


def _with_set(scope: HarvestScope, spec: str) -> HarvestScope:
    kind, _colon, value = spec.partition(":")
    if kind not in SET_KINDS or not value or len(value) > 60:
        raise OaiError(
            "badArgument",
            f"'{spec}' is not a set of this repository; sets are "
            + ", ".join(f"{k}:<value>" for k in SET_KINDS)
            + " (ListSets lists them).",
        )
    if kind == "school":
        if not (value.isascii() and value.isdigit() and 0 < int(value) < 2**31):
            raise OaiError("badArgument", f"'{spec}': a school set is school:<number>.")
        return _replace(scope, school_id=int(value))
    return _replace(scope, **{"resource_type" if kind == "type" else kind: value})


def _replace(scope: HarvestScope, **changes: Any) -> HarvestScope:
    return dataclasses.replace(scope, **changes)


# Resumption tokens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where a list stands: its request, the last record given, how many were given, how
    many there are, who reads it, and the ``until`` frozen at its first answer."""

    verb: str
    args: dict[str, str]
    until: str
    after: tuple[str, int] | None = None
    cursor: int = 0
    size: int = 0
    reader: int | None = None


def _serializer(repository: Repository) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(repository.secret, salt=_SALT)


def _token(repository: Repository, position: Position) -> str:
    return str(
        _serializer(repository).dumps(
            {
                "v": position.verb,
                "a": position.args,
                "u": position.until,
                "p": list(position.after) if position.after else None,
                "c": position.cursor,
                "n": position.size,
                "r": position.reader,
            }
        )
    )


def _resume(repository: Repository, verb: str, token: str, reader: int | None) -> Position:
    """The position a token carries; badResumptionToken if it is not ours, for another
    verb or reader, or expired."""
    try:
        data = _serializer(repository).loads(token, max_age=int(TOKEN_LIFETIME.total_seconds()))
        after = data["p"]
        position = Position(
            verb=data["v"],
            args=dict(data["a"]),
            until=data["u"],
            after=(str(after[0]), int(after[1])) if after else None,
            cursor=int(data["c"]),
            size=int(data["n"]),
            reader=data["r"],
        )
    except SignatureExpired:
        raise OaiError(
            "badResumptionToken", "This resumption token has expired: start the list again."
        ) from None
    except (BadSignature, KeyError, TypeError, ValueError, IndexError):
        raise OaiError("badResumptionToken", "This resumption token is not valid.") from None
    if position.verb != verb or position.reader != reader:
        raise OaiError("badResumptionToken", "This resumption token belongs to another list.")
    return position


# Writing -----------------------------------------------------------------------------------------


def _oai(tag: str) -> str:
    return f"{{{OAI_NS}}}{tag}"


def _element(tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.Element(_oai(tag), attributes, nsmap={None: OAI_NS})
    if text is not None:
        element.text = text
    return element


def _child(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _oai(tag))
    if text is not None:
        element.text = text
    return element


def _document(
    repository: Repository,
    request_attributes: Mapping[str, str],
    now: dt.datetime,
    verb: str | None,
    body: Iterable[etree._Element],
) -> Iterator[bytes]:
    """The response, written element by element: the envelope, then each element of ``body``
    as it comes (a record is built only when it is written)."""
    buffer = io.BytesIO()

    def taken() -> bytes:
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return data

    with etree.xmlfile(buffer, encoding="UTF-8") as xf:
        xf.write_declaration()
        schema = f"{OAI_NS} {OAI_SCHEMA}"
        with xf.element(
            _oai("OAI-PMH"),
            {f"{{{lom.XSI_NS}}}schemaLocation": schema},
            nsmap={None: OAI_NS, "xsi": lom.XSI_NS},
        ):
            xf.write(_element("responseDate", stamp(now)))
            xf.write(_element("request", repository.base_url, **request_attributes))
            if verb is None:
                for element in body:
                    xf.write(element)
            else:
                with xf.element(_oai(verb)):
                    for element in body:
                        xf.write(element)
                        yield taken()
    yield taken()


def _error(code: str, message: str) -> etree._Element:
    return _element("error", message, code=code)


# Records -------------------------------------------------------------------------------------


def set_specs(version: MaterialVersion) -> list[str]:
    """The sets a version's record belongs to."""
    kind = "module" if version.is_module else version.resource_type
    specs = [f"school:{version.material.school_id}", f"language:{version.language}"]
    specs += [f"level:{version.level}"] if version.level else []
    specs += [f"type:{kind}"] if kind else []
    specs += [f"region:{code}" for code in version.regions]
    return specs


def _header(repository: Repository, found: Harvested) -> etree._Element:
    header = _element("header", **({"status": "deleted"} if found.deleted else {}))
    _child(header, "identifier", repository.site.oai_identifier(found.material_id))
    _child(header, "datestamp", stamp(found.datestamp))
    if found.version is not None:
        for spec in set_specs(found.version):
            _child(header, "setSpec", spec)
    return header


class _Records:
    """The records of one answer: versions' relations read in bulk, each record written
    when the response reaches it."""

    def __init__(
        self, catalogue: Catalogue, repository: Repository, found: Sequence[Harvested]
    ) -> None:
        self.repository = repository
        self.found = found
        live = [f.version for f in found if f.version is not None]
        self.relations = catalogue.relations(live)
        self.reviews = review_states(catalogue.session, (v.material_id for v in live))

    def record(self, found: Harvested, prefix: str) -> etree._Element:
        record = _element("record")
        record.append(_header(self.repository, found))
        if found.version is not None:
            version = found.version
            facts = lom.Record(
                version,
                self.relations[version.id],
                self.repository.site,
                review=self.reviews.get(version.material_id),
            )
            _child(record, "metadata").append(FORMATS[prefix][2](facts))
        return record


# The verbs ---------------------------------------------------------------------------------------


def answer(
    session: Session,
    catalogue: Catalogue,
    repository: Repository,
    given: Mapping[str, Sequence[str]],
    *,
    reader: int | None = None,
    now: dt.datetime | None = None,
) -> Answer:
    """The answer to one OAI-PMH request (``given``: its arguments, each with its values)
    for the catalogue's viewer (``reader``: their person id, which tokens are bound to).
    What the answer needs of the database is read before it is returned; its body is then
    written as it is sent."""
    now = (now or utcnow()).replace(microsecond=0)
    try:
        verb, args = _arguments(given)
        body = _VERBS[verb](_Request(session, catalogue, repository, args, reader, now))
    except OaiError as exc:
        # badVerb and badArgument answers echo no arguments (the protocol's rule).
        echoed = {} if exc.code in ("badVerb", "badArgument") else _echo(given)
        return Answer(_document(repository, echoed, now, None, [_error(exc.code, exc.message)]))
    return Answer(_document(repository, {"verb": verb, **args}, now, verb, body))


def _echo(given: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {name: values[0] for name, values in given.items() if len(values) == 1}


_Body = Iterable[etree._Element]


@dataclass(frozen=True)
class _Request:
    """One request to a verb: for whom (the catalogue's viewer; ``reader``, their person id,
    which tokens are bound to), with which arguments, and when."""

    session: Session
    catalogue: Catalogue
    repository: Repository
    args: Mapping[str, str]
    reader: int | None
    now: dt.datetime


def _identify(request: _Request) -> _Body:
    earliest = harvest_log.earliest_datestamp(request.session) or request.now
    elements = [
        _element("repositoryName", request.repository.name),
        _element("baseURL", request.repository.base_url),
        _element("protocolVersion", "2.0"),
        _element("adminEmail", request.repository.admin_email),
        _element("earliestDatestamp", stamp(earliest)),
        _element("deletedRecord", "persistent"),
        _element("granularity", GRANULARITY),
    ]
    description = _element("description")
    identifier = etree.SubElement(
        description, f"{{{OAI_ID_NS}}}oai-identifier", nsmap={None: OAI_ID_NS}
    )
    identifier.set(f"{{{lom.XSI_NS}}}schemaLocation", f"{OAI_ID_NS} {OAI_ID_SCHEMA}")
    for tag, text in (
        ("scheme", "oai"),
        ("repositoryIdentifier", request.repository.site.host),
        ("delimiter", ":"),
        ("sampleIdentifier", request.repository.site.oai_identifier(1)),
    ):
        etree.SubElement(identifier, f"{{{OAI_ID_NS}}}{tag}").text = text
    return [*elements, description]


def _list_metadata_formats(request: _Request) -> _Body:
    if "identifier" in request.args:
        found = _harvested(request)
        if found.deleted:  # a deleted record has no metadata in any format
            raise OaiError("noMetadataFormats", "This record is deleted: it has no metadata.")
    formats = []
    for prefix, (schema, namespace, _write) in FORMATS.items():
        element = _element("metadataFormat")
        _child(element, "metadataPrefix", prefix)
        _child(element, "schema", schema)
        _child(element, "metadataNamespace", namespace)
        formats.append(element)
    return formats


def _harvested(request: _Request) -> Harvested:
    """The record the request names (``identifier``)."""
    identifier = request.args["identifier"]
    try:
        return request.catalogue.harvested(_material_id(request.repository, identifier))
    except NotFound:
        raise OaiError(
            "idDoesNotExist", f"'{identifier}' is not an identifier of this repository."
        ) from None


def _list_sets(request: _Request) -> _Body:
    if "resumptionToken" in request.args:  # every set fits in one answer: no token was ever given
        raise OaiError("badResumptionToken", "ListSets gives no resumption tokens.")
    with force_locale(lom.WORDS_LANGUAGE):
        return [_set(spec, name, about) for spec, name, about in sets(request.session)]


def sets(session: Session) -> list[tuple[str, str, str]]:
    """Every set: (setSpec, setName, description), in English."""
    found: list[tuple[str, str, str]] = []
    for school in schools.active_schools(session):
        found.append((f"school:{school.id}", school.name, f"Materials published by {school.name}."))
    for tag in COMMON_TAGS:
        name = language_name(tag, "en")
        found.append((f"language:{tag}", name, f"Materials written in {name}."))
    for kind, field_name in SET_KINDS.items():
        if field_name is None or field_name == "language":
            continue
        f = FIELD_BY_NAME[field_name]
        label = str(f.label)
        for code, words in f.choices():
            found.append((f"{kind}:{code}", words, f"{label}: {words}."))
        if kind == "type":
            found.append(("type:module", "Module", f"{label}: modules (ordered course units)."))
    return found


def _set(spec: str, name: str, about: str) -> etree._Element:
    element = _element("set")
    _child(element, "setSpec", spec)
    _child(element, "setName", name)
    description = _child(element, "setDescription")
    dc = etree.SubElement(description, f"{{{lom.OAI_DC_NS}}}dc", nsmap=lom.DC_NSMAP)
    dc.set(f"{{{lom.XSI_NS}}}schemaLocation", f"{lom.OAI_DC_NS} {lom.OAI_DC_SCHEMA}")
    etree.SubElement(dc, f"{{{lom.DC_NS}}}description").text = about
    return element


def _get_record(request: _Request) -> _Body:
    prefix = _format(request.args["metadataPrefix"])
    found = _harvested(request)
    records = _Records(request.catalogue, request.repository, [found])
    return _page(request.repository, [found], records, prefix, None)


def _list(request: _Request, *, verb: str) -> _Body:
    catalogue, repository = request.catalogue, request.repository
    if "resumptionToken" in request.args:
        position = _resume(repository, verb, request.args["resumptionToken"], request.reader)
        # The list's end was fixed by its first answer: what changes meanwhile is for the
        # next harvest (from this one's responseDate).
        scope = _replace(
            _scope(position.args, request.now), until=dt.datetime.fromisoformat(position.until)
        )
        after = (
            (dt.datetime.fromisoformat(position.after[0]), position.after[1])
            if position.after
            else None
        )
    else:
        _format(request.args["metadataPrefix"])
        scope = _scope(request.args, request.now)
        assert scope.until is not None
        size = sum(1 for _ in catalogue.harvest(scope, load=False))
        if size == 0:
            raise OaiError("noRecordsMatch", "No record matches these arguments.")
        position = Position(
            verb, dict(request.args), scope.until.isoformat(), size=size, reader=request.reader
        )
        after = None
    prefix = position.args["metadataPrefix"]
    page = list(itertools.islice(catalogue.harvest(scope, after), repository.page_size + 1))
    more = len(page) > repository.page_size
    page = page[: repository.page_size]
    records = _Records(catalogue, repository, page) if verb == "ListRecords" else None
    cursor = position.cursor + len(page)
    token: etree._Element | None = None
    if more:
        last = page[-1]
        following = Position(
            verb,
            position.args,
            position.until,
            (last.datestamp.isoformat(), last.material_id),
            cursor,
            position.size,
            request.reader,
        )
        token = _element(
            "resumptionToken",
            _token(repository, following),
            expirationDate=stamp(request.now + TOKEN_LIFETIME),
            completeListSize=str(max(position.size, cursor)),
            cursor=str(position.cursor),
        )
    elif position.cursor:  # the last answer of a resumed list: an empty token ends it
        token = _element(
            "resumptionToken",
            completeListSize=str(max(position.size, cursor)),
            cursor=str(position.cursor),
        )
    return _page(repository, page, records, prefix, token)


def _page(
    repository: Repository,
    page: Sequence[Harvested],
    records: _Records | None,
    prefix: str,
    token: etree._Element | None,
) -> Iterator[etree._Element]:
    with force_locale(lom.WORDS_LANGUAGE):
        for found in page:
            yield records.record(found, prefix) if records else _header(repository, found)
    if token is not None:
        yield token


def _list_records(request: _Request) -> _Body:
    return _list(request, verb="ListRecords")


def _list_identifiers(request: _Request) -> _Body:
    return _list(request, verb="ListIdentifiers")


_VERBS: dict[str, Callable[[_Request], _Body]] = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": _list_identifiers,
    "ListRecords": _list_records,
}
