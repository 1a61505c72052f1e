"""The Whoosh schema and the mapping of an :class:`IndexedMaterial` onto it.

Text
    ``text`` holds a material's title, topics, summary and body, analysed with the stemmer
    of each of its languages that Whoosh can stem, or neutrally when none can (see
    :mod:`search_index.analysis`), all languages in one field. A word's weight depends on
    its part (title 4, topics 3, summary 2, body 1), which ranks a title match over topics
    over summary over body. ``title`` and ``topics`` hold those parts alone, for ``title:``
    and ``topic:`` searches. ``spell`` holds the unstemmed words of titles and topics: the
    vocabulary "did you mean" suggestions are drawn from. Text fields keep positions, for
    quoted phrases.

    Why so few fields: a query word is looked up in every field it may occur in, and Whoosh
    unions those posting lists in Python. One field per part and language (``title_en``,
    ``body_fr`` ...) made a 2-word query about 4x slower at 100,000 materials (45 ms p50,
    ~10 posting lists per word), and indexing slower (Whoosh's cost per distinct term
    dominates a commit).

Facets and access
    Facet values share one exact-value field, ``facets``, as ``<facet>:<value>`` terms (one
    field instead of fourteen: Whoosh's cost per field and document is noticeable when
    indexing); the access tokens have their own, ``access``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, IDLIST, STORED, TEXT, Schema

from search_index.analysis import (
    FastPositions,
    MaterialAnalyzer,
    material_value,
    stem_language,
)
from search_index.documents import FACETS, IndexedMaterial

#: Bump when the schema or the analysis changes: older index folders are then refused
#: with a message asking for ``hub index rebuild``.
SCHEMA_VERSION = 5

ACCESS_FIELD = "access"
FACETS_FIELD = "facets"
PUBLISHED_FIELD = "published"
POPULARITY_FIELD = "popularity"
SPELL_FIELD = "spell"
KEY_FIELD = "key"

#: Snippets are cut from at most this much of the body; the rest is searchable only.
STORED_BODY_CHARS = 10_000

# Facet values may contain spaces or commas, so values are joined with the ASCII unit
# separator, which no value contains (it is stripped from values), and split on it again.
_SEP = "\x1f"
_VALUE_RE = re.compile(r"[^\x1f]+")
_CONTROL_RE = re.compile(r"[\x1d\x1e\x1f]")

#: Text fields that queries search: everything, or one part for ``title:``/``topic:``.
TEXT_FIELDS: tuple[str, ...] = ("text", "title", "topics")


def _text(weighted: bool) -> TEXT:
    field = TEXT(analyzer=MaterialAnalyzer(weighted), phrase=True)
    field.format = FastPositions(field_boost=field.format.field_boost)
    return field


def build_schema() -> Schema:
    """A new Whoosh schema for materials (see the module docstring)."""
    fields: dict[str, Any] = {
        "id": ID(unique=True, stored=True),
        # "id\x1ffingerprint" per document, read by check() without unpickling stored text.
        KEY_FIELD: COLUMN(VarBytesColumn()),
        # Raw text kept for snippets, and the languages to re-analyse it with.
        "stored_title": STORED(),
        "stored_summary": STORED(),
        "stored_body": STORED(),
        "stored_langs": STORED(),
        ACCESS_FIELD: IDLIST(expression=_VALUE_RE),
        FACETS_FIELD: IDLIST(expression=_VALUE_RE),
        # Sort keys only: column-only fields (no terms; a NUMERIC field would index four
        # range-query terms per value, which nothing here needs).
        PUBLISHED_FIELD: COLUMN(NumericColumn("q", default=0)),
        POPULARITY_FIELD: COLUMN(NumericColumn("q", default=0)),
        SPELL_FIELD: TEXT(analyzer=MaterialAnalyzer(False), phrase=False),
        "text": _text(weighted=True),
        "title": _text(weighted=False),
        "topics": _text(weighted=False),
    }
    return Schema(**fields)


def _clean(values: list[str] | tuple[str, ...] | str) -> list[str]:
    if isinstance(values, str):
        values = [values]
    seen: dict[str, None] = {}
    for value in values:
        cleaned = value.replace(_SEP, "").strip()
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


def facet_term(facet: str, value: str) -> str:
    """The ``facets`` field term of one facet value."""
    return f"{facet}:{value}"


def material_languages(doc: IndexedMaterial) -> list[str]:
    """The stemming languages of a material: its primary language first, no duplicates."""
    langs: dict[str, None] = {}
    for tag in [doc.language, *doc.languages]:
        lang = stem_language(tag)
        if lang:
            langs.setdefault(lang, None)
    return list(langs)


def timestamp(moment: datetime) -> int:
    """Whole seconds since the epoch, the unit of the ``published`` field."""
    return int(moment.astimezone(UTC).timestamp())


def facet_values(doc: IndexedMaterial) -> dict[str, list[str]]:
    """Each facet's values for ``doc`` (cleaned, without duplicates), for every engine."""
    # Each facet is the document's attribute of that name (``languages`` with the primary one).
    values: dict[str, list[str] | str] = {facet: getattr(doc, facet) for facet in FACETS}
    values["languages"] = [doc.language, *doc.languages]
    return {facet: _clean(values[facet]) for facet in FACETS}


def to_fields(doc: IndexedMaterial) -> dict[str, Any]:
    """The keyword arguments of ``writer.add_document`` for one material."""
    title = _CONTROL_RE.sub(" ", doc.title)
    topics = _CONTROL_RE.sub(" ", "\n".join(doc.topics))
    summary = _CONTROL_RE.sub(" ", doc.summary)
    body = _CONTROL_RE.sub(" ", doc.body)
    langs = material_languages(doc)
    fields: dict[str, Any] = {
        "id": doc.id,
        KEY_FIELD: f"{doc.id}{_SEP}{doc.fingerprint}".encode(),
        "stored_title": doc.title,
        "stored_summary": doc.summary,
        "stored_body": doc.body[:STORED_BODY_CHARS],
        "stored_langs": langs,
        ACCESS_FIELD: _SEP.join(_clean(doc.access_tokens)),
        PUBLISHED_FIELD: timestamp(doc.published),
        POPULARITY_FIELD: int(doc.popularity),
        SPELL_FIELD: material_value([], [f"{title}\n{topics}"]),
    }
    fields[FACETS_FIELD] = _SEP.join(
        facet_term(facet, value)
        for facet, values in facet_values(doc).items()
        for value in values
    )
    fields["text"] = material_value(langs, [title, topics, summary, body])
    if title:
        fields["title"] = material_value(langs, [title])
    if topics:
        fields["topics"] = material_value(langs, [topics])
    return fields
