"""A material's metadata as IEEE LOM (with MedBiquitous Healthcare LOM) and as Dublin Core.

**IEEE LOM** is written in the IEEE 1484.12.3 XML binding (namespace
``http://ltsc.ieee.org/xsd/LOM``) of the IEEE 1484.12.1-2002 data model: the categories
``general``, ``lifeCycle``, ``metaMetadata``, ``technical``, ``educational``, ``rights``,
``relation`` and ``classification``, whose vocabulary values are
``<source>LOMv1.0</source><value>…</value>`` pairs and whose texts are
``<string language="…">`` lang-strings (element names as listed in ILIAS's "The Structure of
LOM", Services/MetaData/docs/lom_structure.md, which follows the binding). Where LOMv1.0 has
no value for our code, the value comes from the Healthcare LOM vocabulary (source
``HEALTHCARE_LOMv1``) or from the hub's own vocabulary (source ``hub``), as the binding's
custom vocabularies allow.

**MedBiquitous Healthcare LOM** (ANSI/MEDBIQ LO.10.1; schema ``lomv2/healthcare/
healthcaremetadata.xsd`` and ``healthcarevocabularies.xsd`` of the MedBiquitous schema
repository; namespace ``http://ns.medbiq.org/lom/extend/v1/``, prefix ``hx``) adds
``hx:healthcareMetadata`` after the LOM categories: ``hx:healthcareEducation`` with
``hx:expirationDate``, ``hx:targetAudience`` (``hx:profession``, ``hx:disciplineOrSpecialty``,
each a lang-string with ``source`` and ``id`` attributes) and ``dcterms:license``; its
``contextValues`` ("undergraduate professional education", …, "patient education") fill
``educational/context`` with source ``HEALTHCARE_LOMv1``. Its medical-asset elements
(magnification, specimen type, …) stay out: the hub records none of those facts.

**Dublin Core** is ``oai_dc`` (``http://www.openarchives.org/OAI/2.0/oai_dc/``) with the
fifteen elements of ``http://purl.org/dc/elements/1.1/`` that we have facts for.

The values come from the metadata table (``metadata.FIELDS``): each field's stored codes and
its words (in English, the records' language for words of our vocabularies). ``PLACES`` says
where each field of the table goes; a test checks that it names every field.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import force_locale
from lxml import etree

from ..models import MaterialVersion, VersionState
from . import markdown, mesh
from .catalogue import Relations
from .metadata import FIELD_BY_NAME
from .review_state import ReviewState
from .vocabularies import licence_url

LOM_NS = "http://ltsc.ieee.org/xsd/LOM"
HX_NS = "http://ns.medbiq.org/lom/extend/v1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
LOM_SCHEMA = "http://ltsc.ieee.org/xsd/lomv1.0/lom.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
LOM_NSMAP = {None: LOM_NS, "hx": HX_NS, "dcterms": DCTERMS_NS, "xsi": XSI_NS}
DC_NSMAP = {"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}

LOM_VOCAB = "LOMv1.0"
HEALTHCARE_VOCAB = "HEALTHCARE_LOMv1"
HUB_VOCAB = "hub"
#: The language of the words of our vocabularies in the records.
WORDS_LANGUAGE = "en"
#: Who annotates a record with its peer review (LOM 8.1 entity): the hub's consortium.
REVIEWER_ENTITY = "Consortium Hub"

#: Where each field of ``metadata.FIELDS`` goes in LOM (Dublin Core in brackets); a test
#: checks that every field of the table has its place, so a new field is placed on purpose.
PLACES = {
    "title": "general/title (dc:title)",
    "summary": "general/description (dc:description)",
    "language": "general/language, educational/language (dc:language)",
    "other_languages": "general/language (dc:language)",
    "level": "educational/context; classification purpose 'educational level'",
    "resource_type": "educational/learningResourceType (dc:type)",
    "licence": "rights; hx:healthcareEducation/dcterms:license (dc:rights)",
    "specialty": "hx:targetAudience/hx:disciplineOrSpecialty (dc:subject)",
    "topics": "general/keyword; classification 'discipline' taxonPath MeSH (dc:subject)",
    "authors": "lifeCycle/contribute role author, vCard (dc:creator)",
    "tags": "general/keyword (dc:subject)",
    "objectives": "classification purpose 'educational objective'",
    "estimated_hours": "educational/typicalLearningTime (modules)",
    "countries": "general/coverage (dc:coverage)",
    "regions": "general/coverage; classification 'idea' taxonPath UN M49 (dc:coverage)",
    "who_regions": "general/coverage; classification 'idea' taxonPath (dc:coverage)",
    "income": "classification 'idea' taxonPath World Bank income groups",
    "financing": "classification 'idea' taxonPath health-system financing",
    "setting": "classification 'idea' taxonPath care settings",
    "resources": "classification 'idea' taxonPath resource levels",
    "educational_context": "educational/context, source HEALTHCARE_LOMv1",
    "professions": "hx:targetAudience/hx:profession",
    "patient_data": "not exported: a sharing fact, not a description of the material",
    "consent_scope": "not exported: a sharing fact, not a description of the material",
}
# A material's peer review (not a field of the table) goes to annotation (LOM 8): entity,
# date and description.
#: The taxonomies of the health-system context (classification purpose ``idea``): the
#: field and the name of its source.
CONTEXT_TAXONOMIES = (
    ("regions", "UN M49"),
    ("who_regions", "WHO regions"),
    ("income", "World Bank income groups"),
    ("financing", "Health-system financing (Böhm et al. 2013)"),
    ("setting", "Care settings"),
    ("resources", "Resource levels"),
)
#: Our resource types in LOMv1.0's learningResourceType, where it has the value.
LOM_RESOURCE_TYPES = {
    "lecture": "lecture",
    "slides": "slide",
    "simulation": "simulation",
    "question-bank": "exam",
    "case": "problem statement",
    "guideline": "narrative text",
}
#: … and in Healthcare LOM's (learningResourceTypeValues), where LOMv1.0 has none.
HEALTHCARE_RESOURCE_TYPES = {
    "video": "video",
    "virtual-patient": "virtual patient",
    "scorm-package": "SCORM package",
}
#: Our educational contexts in Healthcare LOM's contextValues.
HEALTHCARE_CONTEXTS = {
    "undergraduate-professional": ("undergraduate professional education",),
    "graduate-professional": ("graduate professional education",),
    "cpd": ("continuing professional development",),
    "patient-caregiver": ("patient education", "caregiver education"),
}
#: Our levels in LOMv1.0's educational context.
LOM_CONTEXTS = {
    "preclinical": "higher education",
    "clinical": "higher education",
    "postgraduate": "higher education",
    "cpd": "training",
}


@dataclass(frozen=True)
class Site:
    """Where the hub answers: the addresses that records name."""

    base_url: str  # "https://hub.example.org", without a trailing slash

    @property
    def host(self) -> str:
        """The host name, the namespace of OAI identifiers."""
        return urlsplit(self.base_url).hostname or "localhost"

    def material_url(self, material_id: int, number: int | None = None) -> str:
        """The page of a material, or of one version of it."""
        url = f"{self.base_url}/materials/{material_id}"
        return url if number is None else f"{url}?v={number}"

    def version_url(self, version: MaterialVersion) -> str:
        """The stable address of one version."""
        return self.material_url(version.material_id, version.number)

    def lom_url(self, material_id: int, number: int | None = None) -> str:
        """The address of the LOM record of a material, or of one version of it."""
        url = f"{self.base_url}/materials/{material_id}"
        return f"{url}/lom.xml" if number is None else f"{url}/v/{number}/lom.xml"

    def oai_identifier(self, material_id: int) -> str:
        """The OAI identifier of a material's record: ``oai:<host>:material/<id>``."""
        return f"oai:{self.host}:material/{material_id}"


@dataclass(frozen=True)
class Record:
    """What a metadata record is made of: the version, what it relates to (as far as the
    reader may view), and whether it describes this version (a version's ``lom.xml``) or
    the material through its current version (harvesting, the material's ``lom.xml``);
    ``review``: the material's standing in peer review (``review_state.review_states``),
    written as an annotation."""

    version: MaterialVersion
    relations: Relations
    site: Site
    of_version: bool = False
    review: ReviewState | None = None

    @property
    def url(self) -> str:
        """The address the record is about."""
        version = self.version
        return self.site.version_url(version) if self.of_version else (
            self.site.material_url(version.material_id)
        )  # fmt: skip


def topic_terms(version: MaterialVersion) -> list[tuple[str | None, str]]:
    """The version's topics as (MeSH descriptor id, or None for a free term; name)."""
    return [(topic.id, topic.name) for topic in mesh.topics_of(version)]


def words(field: str, version: MaterialVersion) -> list[tuple[str, str]]:
    """(code, words) of one field of the metadata table, for this version: in English within
    ``lom`` and ``dublin_core``, which word their records in English."""
    f = FIELD_BY_NAME[field]
    return [(code, f.words(code)) for code in f.stored(version)]


def vcard(name: str, *, organisation: str = "", url: str = "", country: str = "") -> str:
    """A vCard 3.0 (RFC 2426) of a person or an organisation, as LOM's ``entity`` holds it."""

    def text(value: str) -> str:  # RFC 2426 escapes backslash, comma, semicolon, newline
        value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
        return value.replace("\n", "\\n")

    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{text(name)}"]
    lines.append(f"N:{text(name)};;;;" if not organisation else "N:;;;;")
    if organisation:
        lines.append(f"ORG:{text(organisation)}")
    if country:
        lines.append(f"ADR;TYPE=WORK:;;;;;;{text(country)}")
    if url:
        lines.append(f"URL:{url}")
    lines.append("END:VCARD")
    return "\n".join(lines)


def _date(value: dt.datetime | None) -> str:
    return (value or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(hours: float) -> str:
    """Hours as an ISO 8601 duration ("PT1H30M"), as LOM's typicalLearningTime holds it."""
    minutes = round(hours * 60)
    whole, rest = divmod(minutes, 60)
    return "PT" + (f"{whole}H" if whole else "") + (f"{rest}M" if rest or not whole else "")


# IEEE LOM ---------------------------------------------------------------------------------


def _lom(tag: str) -> str:
    return f"{{{LOM_NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _lom(tag))
    if text is not None:
        element.text = text
    return element


def _langstring(parent: etree._Element, tag: str, text: str, language: str) -> etree._Element:
    element = _sub(parent, tag)
    string = _sub(element, "string", text)
    if language:
        string.set("language", language)
    return element


def _vocab(parent: etree._Element, tag: str, value: str, source: str = LOM_VOCAB) -> None:
    element = _sub(parent, tag)
    _sub(element, "source", source)
    _sub(element, "value", value)


def _identifier(parent: etree._Element, catalog: str, entry: str) -> None:
    element = _sub(parent, "identifier")
    _sub(element, "catalog", catalog)
    _sub(element, "entry", entry)


def lom(record: Record) -> etree._Element:
    """The IEEE LOM record (``<lom>``), extended with Healthcare LOM."""
    with force_locale(WORDS_LANGUAGE):
        return _lom_record(record)


def _lom_record(record: Record) -> etree._Element:
    root = etree.Element(_lom("lom"), nsmap=LOM_NSMAP)
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{LOM_NS} {LOM_SCHEMA}")
    _general(root, record)
    _life_cycle(root, record)
    _meta_metadata(root, record)
    _technical(root, record)
    _educational(root, record)
    _rights(root, record)
    for kind, resource, description, language in _relations(record):
        relation = _sub(root, "relation")
        _vocab(relation, "kind", kind)
        target = _sub(relation, "resource")
        _identifier(target, "URI", resource)
        if description:
            _langstring(target, "description", description, language)
    _annotation(root, record)
    _classification(root, record)
    _healthcare(root, record)
    return root


def _general(root: etree._Element, record: Record) -> None:
    version = record.version
    general = _sub(root, "general")
    _identifier(general, "URI", record.url)
    if not record.of_version:
        _identifier(general, "oai", record.site.oai_identifier(version.material_id))
    _langstring(general, "title", version.title, version.language)
    for language in version.all_languages:
        _sub(general, "language", language)
    summary = markdown.plain(version.summary)
    if summary:
        _langstring(general, "description", summary, version.language)
    for _id, term in topic_terms(version):
        _langstring(general, "keyword", term, version.language)
    for tag in version.tags:
        _langstring(general, "keyword", tag, version.language)
    for field in ("countries", "regions", "who_regions"):
        for _code, name in words(field, version):
            _langstring(general, "coverage", name, WORDS_LANGUAGE)
    module = version.is_module
    _vocab(general, "structure", "linear" if module else "atomic")
    _vocab(general, "aggregationLevel", "2" if module else "1")


def _life_cycle(root: etree._Element, record: Record) -> None:
    version = record.version
    life = _sub(root, "lifeCycle")
    _langstring(life, "version", str(version.number), "x-none")
    status = "final" if version.number == 1 else "revised"
    _vocab(life, "status", "draft" if version.state is VersionState.DRAFT else status)
    when = _date(version.published_at)
    for author in version.authors:
        contribute = _sub(life, "contribute")
        _vocab(contribute, "role", "author")
        _sub(contribute, "entity", vcard(author))
        _sub(_sub(contribute, "date"), "dateTime", when)
    school = version.material.school
    contribute = _sub(life, "contribute")
    _vocab(contribute, "role", "publisher")
    _sub(
        contribute,
        "entity",
        vcard(school.name, organisation=school.name, url=school.website or "",
              country=school.country),
    )  # fmt: skip
    _sub(_sub(contribute, "date"), "dateTime", when)


def _meta_metadata(root: etree._Element, record: Record) -> None:
    meta = _sub(root, "metaMetadata")
    number = record.version.number if record.of_version else None
    _identifier(meta, "URI", record.site.lom_url(record.version.material_id, number))
    _sub(meta, "metadataSchema", "LOMv1.0")
    _sub(meta, "metadataSchema", "Healthcare LOM v1")
    _sub(meta, "language", WORDS_LANGUAGE)


def _technical(root: etree._Element, record: Record) -> None:
    """The files' media types and sizes, and where the material is read."""
    files = record.version.files
    technical = _sub(root, "technical")
    for media_type in sorted({f.media_type for f in files if f.media_type}):
        _sub(technical, "format", media_type)
    if files:
        _sub(technical, "size", str(sum(f.size for f in files)))
    _sub(technical, "location", record.url)


def _educational(root: etree._Element, record: Record) -> None:
    version = record.version
    educational = _sub(root, "educational")
    kind = version.resource_type
    if kind in LOM_RESOURCE_TYPES:
        _vocab(educational, "learningResourceType", LOM_RESOURCE_TYPES[kind])
    elif kind in HEALTHCARE_RESOURCE_TYPES:
        _vocab(educational, "learningResourceType", HEALTHCARE_RESOURCE_TYPES[kind],
               HEALTHCARE_VOCAB)  # fmt: skip
    elif kind:
        _vocab(educational, "learningResourceType", kind, HUB_VOCAB)
    roles = ("teacher",) if version.material.teachers_only else ("learner", "teacher")
    for role in roles:
        _vocab(educational, "intendedEndUserRole", role)
    if version.level in LOM_CONTEXTS:
        _vocab(educational, "context", LOM_CONTEXTS[version.level])
    for code in version.educational_context:
        for value in HEALTHCARE_CONTEXTS.get(code, ()):
            _vocab(educational, "context", value, HEALTHCARE_VOCAB)
    if version.estimated_hours:
        learning_time = _sub(educational, "typicalLearningTime")
        _sub(learning_time, "duration", duration(version.estimated_hours))
    _sub(educational, "language", version.language)


def _rights(root: etree._Element, record: Record) -> None:
    version = record.version
    rights = _sub(root, "rights")
    _vocab(rights, "cost", "no")
    _vocab(rights, "copyrightAndOtherRestrictions", "no" if version.licence == "CC0-1.0" else "yes")
    (_code, name), *_ = words("licence", version) or [("", version.licence)]
    url = licence_url(version.licence)
    _langstring(rights, "description", f"{name}: {url}" if url else name, WORDS_LANGUAGE)


def _relations(record: Record) -> Iterator[tuple[str, str, str, str]]:
    """(LOMv1.0 kind, address, description, its language) of every relation of the record:
    a relation's words, or the related material's title in its own language."""
    version, related, site = record.version, record.relations, record.site
    en = WORDS_LANGUAGE
    if record.of_version:
        yield "isversionof", site.material_url(version.material_id), "", en
    else:
        for other in related.versions:
            yield "hasversion", site.version_url(other), f"Version {other.number}", en
    if related.adapted_from is not None:
        yield "isbasedon", site.version_url(related.adapted_from), "Adapted from", en
    for adaptation in related.adaptations:
        yield "isbasisfor", site.version_url(adaptation), "Adaptation", en
    # LOMv1.0 has no translation kind: a translation is based on its original.
    if related.translation_of is not None:
        original = related.translation_of
        yield "isbasedon", site.version_url(original), f"Translation of ({original.language})", en
    for translation in related.translations:
        yield "isbasisfor", site.version_url(translation), (
            f"Translation ({translation.language})"
        ), en  # fmt: skip
    for item in related.items:
        yield "haspart", site.version_url(item), item.title, item.language
    for module in related.modules:
        yield "ispartof", site.version_url(module), module.title, module.language


def _annotation(root: etree._Element, record: Record) -> None:
    """LOM 8 ``annotation`` (entity, date, description): the peer review, "Peer reviewed
    (version 3), accepted on 2027-03-01", dated by its acceptance."""
    review = record.review
    if review is None or review.reviewed_version is None or review.reviewed_at is None:
        return
    annotation = _sub(root, "annotation")
    site = record.site
    _sub(
        annotation,
        "entity",
        vcard(REVIEWER_ENTITY, organisation=REVIEWER_ENTITY, url=site.base_url),
    )
    _sub(_sub(annotation, "date"), "dateTime", _date(review.reviewed_at))
    text = (
        f"Peer reviewed (version {review.reviewed_version}), accepted on "
        f"{review.reviewed_at.date().isoformat()}"
    )
    _langstring(annotation, "description", text, WORDS_LANGUAGE)


def _classification(root: etree._Element, record: Record) -> None:
    version = record.version
    terms = topic_terms(version)
    if terms:
        classification = _sub(root, "classification")
        _vocab(classification, "purpose", "discipline")
        for descriptor, term in terms:
            path = _sub(classification, "taxonPath")
            _langstring(path, "source", "MeSH", "en")
            taxon = _sub(path, "taxon")
            if descriptor:
                _sub(taxon, "id", descriptor)
            _langstring(taxon, "entry", term, version.language)
    if version.level:
        classification = _sub(root, "classification")
        _vocab(classification, "purpose", "educational level")
        _taxon_paths(classification, "level", "Educational levels", version)
    contexts = [(f, source) for f, source in CONTEXT_TAXONOMIES if getattr(version, f)]
    if contexts:
        classification = _sub(root, "classification")
        _vocab(classification, "purpose", "idea")
        for field, source in contexts:
            _taxon_paths(classification, field, source, version)
        _langstring(classification, "description", "Health-system context", WORDS_LANGUAGE)
    if version.objectives:
        classification = _sub(root, "classification")
        _vocab(classification, "purpose", "educational objective")
        for objective in version.objectives:
            _langstring(classification, "keyword", objective, version.language)


def _taxon_paths(
    classification: etree._Element, field: str, source: str, version: MaterialVersion
) -> None:
    for code, name in words(field, version):
        path = _sub(classification, "taxonPath")
        _langstring(path, "source", source, WORDS_LANGUAGE)
        taxon = _sub(path, "taxon")
        _sub(taxon, "id", code)
        _langstring(taxon, "entry", name, WORDS_LANGUAGE)


def _hx(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{HX_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _healthcare(root: etree._Element, record: Record) -> None:
    """``hx:healthcareMetadata``: the healthcare education facts we have, in the schema's
    order (expirationDate, targetAudience, license)."""
    version = record.version
    professions = words("professions", version)
    url = licence_url(version.licence)
    until = version.material.available_until
    if not (professions or version.specialty or url or until):
        return
    education = _hx(_hx(root, "healthcareMetadata"), "healthcareEducation")
    if until is not None:
        _hx(education, "expirationDate", until.date().isoformat())
    if professions or version.specialty:
        audience = _hx(education, "targetAudience")
        for code, name in professions:
            profession = _hx(audience, "profession")
            profession.set("source", HUB_VOCAB)
            profession.set("id", code)
            _sub(profession, "string", name).set("language", WORDS_LANGUAGE)
        if version.specialty:
            specialty = _hx(audience, "disciplineOrSpecialty")
            _sub(specialty, "string", version.specialty).set("language", version.language)
    if url:
        etree.SubElement(education, f"{{{DCTERMS_NS}}}license").text = url


# Dublin Core --------------------------------------------------------------------------------


def dublin_core(record: Record) -> etree._Element:
    """The ``oai_dc:dc`` record: the same facts as the LOM record, in simple Dublin Core."""
    with force_locale(WORDS_LANGUAGE):
        return _dc_record(record)


def _dc_record(record: Record) -> etree._Element:
    version = record.version
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap=DC_NSMAP)
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")

    def dc(tag: str, values: Iterable[str]) -> None:
        for value in values:
            if value:
                etree.SubElement(root, f"{{{DC_NS}}}{tag}").text = value

    dc("title", [version.title])
    dc("creator", version.authors)
    dc("subject", [term for _id, term in topic_terms(version)])
    dc("subject", [f"MeSH:{d}" for d, _term in topic_terms(version) if d])
    dc("subject", [version.specialty, *version.tags])
    dc("description", [markdown.plain(version.summary)])
    dc("publisher", [version.material.school.name])
    dc("date", [(version.published_at or version.created_at).date().isoformat()])
    dc("type", ["InteractiveResource" if version.is_module else ""])
    dc("type", [name for _code, name in words("resource_type", version)])
    dc("format", sorted({f.media_type for f in version.files if f.media_type}))
    dc("identifier", [record.url])
    dc("language", version.all_languages)
    dc("relation", [url for _kind, url, _text, _language in _relations(record)])
    for field in ("countries", "regions", "who_regions"):
        dc("coverage", [name for _code, name in words(field, version)])
    url = licence_url(version.licence)
    dc("rights", [url or "", *(name for _code, name in words("licence", version))])
    return root


class ZipSink:
    """A write-only stream that hands on what was written (a zip file written as it goes:
    ``zipfile`` writes data descriptors to a stream it cannot seek)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def taken(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def zipped(records: Iterable[Record]) -> Iterator[bytes]:
    """A zip of the LOM records, one file per material, written record by record."""
    sink = ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            name = f"material-{record.version.material_id}-lom.xml"
            with archive.open(name, "w") as member:
                member.write(serialize(lom(record)))
            yield sink.taken()
    yield sink.taken()


def serialize(element: etree._Element) -> bytes:
    """An element as a UTF-8 XML document."""
    return bytes(etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True))
