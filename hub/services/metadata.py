"""The metadata of a material: one table of its fields, and what a teacher fills in checked
against it.

Every fact about a field lives in its row of ``FIELDS``: its name, its vocabulary (the codes
it may hold and their words), whether it holds one value or many, how the edit form asks for
it, its label, and the search facet its values feed. The form, its parsing, the checks, the
material page's "About" list, the compare page and the search page's facets are all drawn
from this table; ``FACETS`` gives each facet of the search library its title.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..models import ConsentScope, MaterialKind, MaterialVersion, PatientData
from ..models.base import Choice
from . import geography, mesh, vocabularies
from .errors import InvalidInput, ServiceError
from .languages import display_name, normalize_language, picker_options


class Entry(enum.StrEnum):
    """How the edit form asks for a field."""

    TEXT = "text"  # one line
    MARKDOWN = "markdown"  # a text area of Markdown
    NUMBER = "number"  # one decimal number
    SELECT = "select"  # one of a list
    CHECKBOXES = "checkboxes"  # any of a list
    COMMA_LIST = "comma-list"  # several values in one line, separated by commas
    LINES = "lines"  # several values, one per line


class Section(Choice):
    """The part of the edit form a field belongs to (its title is the section's words)."""

    DESCRIPTION = "description", _l("Description")
    WHERE = "where", _l("Where and for whom it was written")
    PATIENTS = "patients", _l("Patients")


class _Subregions(Mapping[str, str]):
    """The UN M49 sub-regions as a vocabulary: code -> name in the interface language, in the
    order of their English names (read from the geography table when used)."""

    def __getitem__(self, code: str) -> str:
        if code not in geography.subregions():
            raise KeyError(code)
        return geography.subregion_display_name(code)

    def __iter__(self) -> Iterator[str]:
        names = geography.subregions()
        return iter(sorted(names, key=names.__getitem__))

    def __len__(self) -> int:
        return len(geography.subregions())


def _country(text: str) -> str:
    return geography.find_country(text).iso2


@dataclass(frozen=True)
class MetadataField:
    """One metadata field of a material version (a column of ``MaterialVersion``).

    ``vocabulary`` maps the codes it may hold to their words; a field without one either
    takes free text or is read with ``normalize`` (language tags, countries), worded with
    ``lookup``. ``facet`` is the search library's facet its values feed (see ``FACETS``).
    """

    name: str
    label: Any  # lazy words: the About list, the compare page, and the form unless form_label
    entry: Entry
    section: Section
    vocabulary: Mapping[str, Any] | None = None
    what: Any = None  # how a refusal names one value: "'X' is not a known <what>"
    normalize: Callable[[str], str] | None = None
    lookup: Callable[[str], str] | None = None
    facet: str | None = None
    form_label: Any = None
    hint: Any = None
    placeholder: Any = None
    choose: Any = None  # a select's empty choice, in words (None: it has none)
    options: Callable[[], list[tuple[str, str]]] | None = (
        None  # a select's choices without vocabulary
    )
    default: str = ""
    limit: int = 0  # characters of a text, or of each value of a list
    most: int = 0  # values of a list
    wide: bool = False  # the whole width of its section, not a column
    modules_only: bool = False

    @property
    def many(self) -> bool:
        """Whether the field holds a list of values rather than one."""
        return self.entry in (Entry.CHECKBOXES, Entry.COMMA_LIST, Entry.LINES)

    @property
    def asked_as(self) -> Any:
        """The field's label on the edit form."""
        return self.form_label or self.label

    def choices(self) -> list[tuple[str, str]]:
        """(code, words) of a select or checkboxes, in the interface language."""
        if self.options is not None:
            return self.options()
        return [(code, str(words)) for code, words in (self.vocabulary or {}).items()]

    def knows(self, code: str) -> bool:
        """Whether ``code`` is one of the field's codes (a field without codes knows all)."""
        return self.vocabulary is None or code in self.vocabulary

    def words(self, code: str) -> str:
        """One stored value in words, in the interface language (an unknown code as itself)."""
        if self.vocabulary is not None:
            return str(self.vocabulary.get(code, code))
        return self.lookup(code) if self.lookup is not None else code

    def stored(self, version: MaterialVersion) -> list[str]:
        """The version's values of this field as codes (or text): a list even for one value."""
        value = getattr(version, self.name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        if isinstance(value, float):
            return [f"{value:g}"]
        return [str(getattr(value, "value", value))]

    def in_words(self, version: MaterialVersion) -> list[str]:
        """The version's values of this field in words (empty when it has none)."""
        return [self.words(code) for code in self.stored(version)]


FIELDS: tuple[MetadataField, ...] = (
    MetadataField("title", _l("Title"), Entry.TEXT, Section.DESCRIPTION, limit=300, wide=True),
    MetadataField(
        "summary",
        _l("Summary"),
        Entry.MARKDOWN,
        Section.DESCRIPTION,
        hint=_l("Markdown: **bold**, *italic*, lists, links. Shown to everyone who can see it."),
        limit=20_000,
        wide=True,
    ),
    MetadataField(
        "language",
        _l("Language"),
        Entry.SELECT,
        Section.DESCRIPTION,
        normalize=normalize_language,
        lookup=display_name,
        facet="language",
        choose=_l("Choose…"),
        options=picker_options,
    ),
    MetadataField(
        "other_languages",
        _l("Also in (bilingual)"),
        Entry.COMMA_LIST,
        Section.DESCRIPTION,
        normalize=normalize_language,
        lookup=display_name,
        facet="languages",
        placeholder=_l("e.g. en, sw"),
    ),
    MetadataField(
        "level",
        _l("Level"),
        Entry.SELECT,
        Section.DESCRIPTION,
        vocabularies.LEVELS,
        _l("educational level"),
        facet="level",
        choose=_l("Choose…"),
    ),
    MetadataField(
        "resource_type",
        _l("Type of resource"),
        Entry.SELECT,
        Section.DESCRIPTION,
        vocabularies.RESOURCE_TYPES,
        _l("resource type"),
        facet="resource_type",
        choose=_l("Choose…"),
    ),
    MetadataField(
        "licence",
        _l("Licence"),
        Entry.SELECT,
        Section.DESCRIPTION,
        vocabularies.LICENCE_NAMES,
        _l("licence"),
        facet="licence",
    ),
    MetadataField("specialty", _l("Specialty"), Entry.TEXT, Section.DESCRIPTION, limit=120),
    MetadataField(
        "topics",
        _l("Topics"),
        Entry.LINES,
        Section.DESCRIPTION,
        # A MeSH descriptor is stored as its id, anything else as a free term (services/mesh).
        normalize=mesh.stored_form,
        lookup=mesh.words,
        form_label=_l("Topics (MeSH descriptors or free terms, one per line)"),
        limit=120,
        most=30,
        wide=True,  # room for the descriptor picker's suggestions
    ),
    MetadataField(
        "authors",
        _l("Authors"),
        Entry.LINES,
        Section.DESCRIPTION,
        form_label=_l("Authors (one per line)"),
        limit=200,
        most=50,
    ),
    MetadataField(
        "tags",
        _l("Free tags"),
        Entry.LINES,
        Section.DESCRIPTION,
        form_label=_l("Free tags (e.g. a national programme)"),
        limit=60,
        most=20,
    ),
    MetadataField(
        "objectives",
        _l("Learning objectives"),
        Entry.LINES,
        Section.DESCRIPTION,
        form_label=_l("Learning objectives (one per line)"),
        limit=300,
        most=30,
        modules_only=True,
    ),
    MetadataField(
        "estimated_hours",
        _l("Estimated hours"),
        Entry.NUMBER,
        Section.DESCRIPTION,
        modules_only=True,
    ),
    MetadataField(
        "countries",
        _l("Countries"),
        Entry.COMMA_LIST,
        Section.WHERE,
        normalize=_country,
        lookup=geography.country_display_name,
        facet="countries",
        form_label=_l("Countries (names or codes, comma-separated)"),
        wide=True,
    ),
    MetadataField(
        "regions",
        _l("Regions"),
        Entry.CHECKBOXES,
        Section.WHERE,
        _Subregions(),
        _l("UN M49 region code"),
        facet="regions",
        form_label=_l("UN regions"),
    ),
    MetadataField(
        "who_regions",
        _l("WHO regions"),
        Entry.CHECKBOXES,
        Section.WHERE,
        vocabularies.WHO_REGIONS,
        _l("WHO region"),
        facet="who_regions",
    ),
    MetadataField(
        "income",
        _l("Income setting"),
        Entry.CHECKBOXES,
        Section.WHERE,
        vocabularies.INCOME_GROUPS,
        _l("income group"),
        facet="income",
        form_label=_l("Income setting (World Bank)"),
    ),
    MetadataField(
        "financing",
        _l("Health system"),
        Entry.CHECKBOXES,
        Section.WHERE,
        vocabularies.FINANCING,
        _l("financing type"),
        facet="financing",
        form_label=_l("Health-system financing"),
    ),
    MetadataField(
        "setting",
        _l("Care setting"),
        Entry.CHECKBOXES,
        Section.WHERE,
        vocabularies.SETTINGS,
        _l("setting"),
        facet="setting",
    ),
    MetadataField(
        "resources",
        _l("Resources"),
        Entry.CHECKBOXES,
        Section.WHERE,
        vocabularies.RESOURCE_LEVELS,
        _l("resource level"),
        facet="resources",
        form_label=_l("Resource level"),
    ),
    MetadataField(
        "educational_context",
        _l("Educational context"),
        Entry.CHECKBOXES,
        Section.WHERE,
        vocabularies.EDUCATIONAL_CONTEXTS,
        _l("educational context"),
        facet="audience",
    ),
    MetadataField(
        "professions",
        _l("Professions"),
        Entry.CHECKBOXES,
        Section.WHERE,
        vocabularies.PROFESSIONS,
        _l("profession"),
        facet="audience",
    ),
    MetadataField(
        "patient_data",
        _l("Does it show patients?"),
        Entry.SELECT,
        Section.PATIENTS,
        vocabularies.PATIENT_DATA,
        _l("patient data"),
        default="none",
    ),
    MetadataField(
        "consent_scope",
        _l("Consent reaches"),
        Entry.SELECT,
        Section.PATIENTS,
        vocabularies.CONSENT_SCOPES,
        _l("consent scope"),
        choose=_l("(not consented)"),
    ),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}
#: Shown elsewhere on the material page than in its "About" list: as its heading, its text,
#: and (a module's) above its items.
SHOWN_APART = frozenset({"title", "summary", "objectives", "estimated_hours"})


@dataclass(frozen=True)
class Facet:
    """A facet of the search library (``search_index.FACETS``), as the search page shows it.

    Its values come from the fields whose ``facet`` names it (``school``: the owner school,
    worded by the caller; ``review``: the material's peer review, ``services.review_state``);
    ``more_words`` words values no field holds.
    """

    name: str
    title: Any
    shown: bool = True  # a group of checkboxes on the search page (else only a filter)
    more_words: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fields(self) -> tuple[MetadataField, ...]:
        """The metadata fields whose values this facet holds."""
        return tuple(f for f in FIELDS if f.facet == self.name)

    def words(self, value: str) -> str:
        """One value of the facet in words, in the interface language."""
        if value in self.more_words:
            return str(self.more_words[value])
        for source in self.fields:
            if source.knows(value):
                return source.words(value)
        return value


#: In the order the search page lists them.
FACETS: tuple[Facet, ...] = (
    Facet("language", _l("Language")),
    Facet("regions", _l("Written for (UN region)")),
    Facet("income", _l("Income setting")),
    Facet("setting", _l("Care setting")),
    Facet("resources", _l("Resources")),
    Facet("level", _l("Level")),
    # The index files a module under the type "module".
    Facet("resource_type", _l("Type"), more_words={"module": _l("Module")}),
    Facet("licence", _l("Licence")),
    Facet("school", _l("School")),
    Facet("financing", _l("Health system")),
    Facet("who_regions", _l("WHO region")),
    Facet("audience", _l("Audience")),
    # A material's standing in peer review (services.review_state): no field of a version.
    Facet("review", _l("Review"), more_words=vocabularies.REVIEW_STANDINGS),
    Facet("languages", _l("Also in"), shown=False),
    Facet("countries", _l("Country"), shown=False),
)
FACET_BY_NAME = {f.name: f for f in FACETS}


def form_fields(kind: MaterialKind) -> list[tuple[Any, list[MetadataField]]]:
    """The edit form of a material or module: (section title, its fields) in order."""
    shown = [f for f in FIELDS if kind is MaterialKind.MODULE or not f.modules_only]
    return [(section.words, [f for f in shown if f.section is section]) for section in Section]


def about(version: MaterialVersion) -> list[tuple[MetadataField, list[str]]]:
    """The "About" list of a material page: each field with a value, and its values in words."""
    facts = [(f, f.in_words(version)) for f in FIELDS if f.name not in SHOWN_APART]
    return [(f, words) for f, words in facts if words]


# What a teacher fills in ----------------------------------------------------------------------


class MetadataErrors(ServiceError):
    """Several fields are wrong at once; ``errors`` maps each field to its message."""

    status = 400

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = dict(errors)


class Metadata:
    """What a teacher fills in, as submitted (validated by ``apply_metadata``): for each field
    of ``FIELDS`` an attribute holding its text, or a list of texts for a field of many."""

    def __init__(self, **values: str | list[str]) -> None:
        unknown = values.keys() - FIELD_BY_NAME.keys()
        if unknown:  # a caller's mistake: names that are no field of the table
            raise TypeError(sorted(unknown))
        for f in FIELDS:
            given = values.get(f.name, [] if f.many else f.default)
            self.__dict__[f.name] = list(given) if f.many else given

    def __getattr__(self, name: str) -> Any:  # the fields are set in __init__
        raise AttributeError(name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Metadata) and vars(self) == vars(other)

    def __repr__(self) -> str:
        return f"Metadata({vars(self)!r})"

    @classmethod
    def of(cls, version: MaterialVersion) -> Metadata:
        """The metadata of an existing version, for a form: codes, and the lines a person
        types (a MeSH descriptor by its name, which is read back as the descriptor)."""
        values: dict[str, str | list[str]] = {}
        for f in FIELDS:
            stored = f.stored(version)
            if f.entry is Entry.LINES and f.lookup is not None:
                stored = [f.lookup(v) for v in stored]
            values[f.name] = stored if f.many else (stored[0] if stored else "")
        return cls(**values)


_TAG_RE = re.compile(r"<[^>]*>")


def plain_text(value: str, limit: int) -> str:
    """A one-line text without markup (titles, names): tags removed, whitespace folded."""
    text = _TAG_RE.sub("", value)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit]


def _clean_list(values: Iterable[str], limit: int, width: int) -> list[str]:
    cleaned = [plain_text(v, width) for v in values]
    return list(dict.fromkeys(v for v in cleaned if v))[:limit]


def _hours(text: str) -> float | None:
    if not text.strip():
        return None
    try:
        hours = float(text.replace(",", "."))
    except ValueError:
        hours = -1
    if not 0 < hours <= 1000:
        raise InvalidInput(
            _("Estimated hours must be a number between 0 and 1000."), field="estimated_hours"
        )
    return hours


def _checked(f: MetadataField, given: Any) -> Any:
    """One field's submitted value as it is stored, or ``InvalidInput`` naming the problem."""
    if f.normalize is not None:
        values = given if f.many else [given]
        if f.limit:
            values = [plain_text(v, f.limit) for v in values]
        found = list(dict.fromkeys(f.normalize(v) for v in values if v.strip()))
        if f.most:
            found = found[: f.most]
        return found if f.many else (found[0] if found else "")
    if f.vocabulary is not None:
        if f.many:
            return vocabularies.check_many(f.vocabulary, given, f.name, f.what)
        given = given or f.default
        return vocabularies.check_one(f.vocabulary, given, f.name, f.what) if given else ""
    if f.entry is Entry.LINES:
        return _clean_list(given, f.most, f.limit)
    if f.entry is Entry.NUMBER:
        return _hours(given)
    if f.entry is Entry.MARKDOWN:
        return given.strip()[: f.limit]
    return plain_text(given, f.limit)


def apply_metadata(version: MaterialVersion, data: Metadata) -> None:
    """Validate ``data`` and write it to the draft ``version``; every problem is reported at once.

    Only codes are checked here; completeness is checked when publishing.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for f in FIELDS:
        try:
            values[f.name] = _checked(f, getattr(data, f.name))
        except InvalidInput as exc:
            errors[f.name] = exc.message
    consented = values.get("patient_data") == "consented"
    if consented and not values.get("consent_scope"):
        errors["consent_scope"] = _("Say how far the patients' consent reaches.")
    if errors:
        raise MetadataErrors(errors)
    values["other_languages"] = [t for t in values["other_languages"] if t != values["language"]]
    values["patient_data"] = PatientData(values["patient_data"])
    scope = values["consent_scope"]
    values["consent_scope"] = ConsentScope(scope) if consented and scope else None
    for name, value in values.items():
        setattr(version, name, value)
