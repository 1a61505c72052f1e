"""The values that cross the library's boundary: what the hub indexes and what a search returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

#: Facet fields, in the order a search page would show them. Every search returns counts
#: for each of them, and ``filters`` accepts exactly these names.
#: ``language`` is the material's primary language, ``languages`` every language it is in
#: (the facet to narrow to the languages a person reads). ``review`` is the material's standing
#: in peer review (the hub's words, e.g. "peer-reviewed").
FACETS: tuple[str, ...] = (
    "language",
    "languages",
    "regions",
    "countries",
    "who_regions",
    "income",
    "financing",
    "setting",
    "resources",
    "level",
    "resource_type",
    "audience",
    "licence",
    "school",
    "review",
)

SORTS: tuple[str, ...] = ("relevance", "newest", "most_used")


@dataclass(frozen=True, kw_only=True)
class IndexedMaterial:
    """One searchable material, as the hub hands it to the index.

    ``id`` is unique in the index: applying a material with an id already indexed replaces
    it. ``fingerprint`` is opaque to the library (the hub puts the published version id and
    its update time there) and only serves :meth:`MaterialIndex.check` to tell stale copies.
    ``access_tokens`` come from the hub's policy module; a person finds the material iff
    they hold at least one of them. Facet values are matched exactly (case-sensitive).
    """

    id: str
    fingerprint: str
    title: str
    language: str
    school: str
    published: datetime
    summary: str = ""
    topics: list[str] = field(default_factory=list)
    body: str = ""
    languages: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    who_regions: list[str] = field(default_factory=list)
    income: list[str] = field(default_factory=list)
    financing: list[str] = field(default_factory=list)
    setting: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    level: str = ""
    resource_type: str = ""
    audience: list[str] = field(default_factory=list)
    licence: str = ""
    school_name: str = ""
    review: list[str] = field(default_factory=list)
    popularity: int = 0
    access_tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.id or not self.id.strip() or any(ord(c) < 32 for c in self.id):
            raise ValueError(
                f"IndexedMaterial.id must be non-empty, without control characters: {self.id!r}"
            )
        if self.published.tzinfo is None or self.published.utcoffset() is None:
            raise ValueError(
                f"IndexedMaterial.published must be timezone-aware (material {self.id!r})"
            )
        # Normalise to UTC once, so that "newest" compares like with like.
        object.__setattr__(self, "published", self.published.astimezone(UTC))


@dataclass(frozen=True)
class Hit:
    """One search hit: the material's id, its score and HTML snippets.

    ``highlights`` maps ``"title"``, ``"summary"`` and ``"body"`` (only the parts where a
    search word occurs) to HTML: the text is escaped and each match is wrapped in
    ``<mark>...</mark>``, so the hub can mark it safe as it is.
    ``score`` is the relevance score (0.0 when browsing without search words).
    """

    id: str
    score: float
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Results:
    """One page of results, the number of matches, facet counts and a spelling suggestion.

    ``facets`` has an entry for every name in :data:`FACETS`: a list of ``(value, count)``
    sorted by count (descending), then value. Counts only ever cover materials the person
    may see. ``suggestion`` is a corrected search text when the search found few or no
    materials and a correction finds some.
    """

    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """Number of pages of ``page_size`` hits (at least 1)."""
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class CheckReport:
    """What :meth:`MaterialIndex.check` found, each list sorted.

    ``missing``: expected but not indexed; ``stale``: indexed with another fingerprint;
    ``extra``: indexed but not expected (should have been deleted).
    """

    missing: list[str]
    stale: list[str]
    extra: list[str]

    @property
    def ok(self) -> bool:
        """True when the index holds exactly the expected materials, all up to date."""
        return not (self.missing or self.stale or self.extra)
