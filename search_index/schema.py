"""The Whoosh schema and the mapping of an :class:`IndexedMaterial` onto it.

Text parts (title, topics, summary, body) are indexed

* in ``<part>_<lang>`` with the stemming analyzer of each of the material's languages
  that Whoosh can stem (``title_en``, ``body_fr`` ...), so "vaccines" finds "vaccine";
* in ``<part>`` with the neutral analyzer (no stemming, accents folded) when none of the
  material's languages has a stemmer, so every language is findable.

A query word is analysed by each field's own analyzer, so it meets a material's text however
that text was analysed; indexing stemmed materials a second time in neutral fields would add
nothing a query could find, and would double the number of terms -- Whoosh's cost per
distinct term dominates indexing time and size (measured: about 2x slower, 1.6x bigger).
All text fields keep positions, for quoted phrases.
The ``spell`` field holds the unstemmed words of titles and topics: the vocabulary that
"did you mean" suggestions are drawn from.

Field boosts rank a match in the title over topics over summary over body.
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

from search_index.analysis import NEUTRAL_ANALYZER, STEM_ANALYZERS, STEM_LANGUAGES, stem_language
from search_index.documents import FACETS, IndexedMaterial

#: Bump when the schema or the analysis changes: older index folders are then refused
#: with a message asking for ``hub index rebuild``.
SCHEMA_VERSION = 1

TEXT_PARTS: tuple[str, ...] = ("title", "topics", "summary", "body")
PART_BOOSTS: dict[str, float] = {"title": 4.0, "topics": 3.0, "summary": 2.0, "body": 1.0}

ACCESS_FIELD = "access"
PUBLISHED_FIELD = "published"
POPULARITY_FIELD = "popularity"
SPELL_FIELD = "spell"
KEY_FIELD = "key"
FACETS_FIELD = "facets"

#: Snippets are cut from at most this much of the body; the rest is searchable only.
STORED_BODY_CHARS = 10_000

# Facet values may contain spaces or commas, so values are joined with the ASCII unit
# separator, which no value contains (it is stripped from values), and split on it again.
_SEP = "\x1f"
_VALUE_RE = re.compile(r"[^\x1f]+")


def stem_field(part: str, lang: str) -> str:
    """Name of the stemmed text field of ``part`` in ``lang`` (``title_en``)."""
    return f"{part}_{lang}"


def build_schema() -> Schema:
    """A new Whoosh schema for materials (see the module docstring)."""
    fields: dict[str, Any] = {
        "id": ID(unique=True, stored=True),
        # "id\x1ffingerprint" per document, read by check() without unpickling stored text.
        KEY_FIELD: COLUMN(VarBytesColumn()),
        # Raw text kept for snippets and the languages to re-analyse it with.
        "stored_title": STORED(),
        "stored_summary": STORED(),
        "stored_body": STORED(),
        "stored_langs": STORED(),
        ACCESS_FIELD: IDLIST(expression=_VALUE_RE),
        # Sort keys only: column-only fields (no terms; a NUMERIC field would index four
        # range-query terms per value, which nothing here needs).
        PUBLISHED_FIELD: COLUMN(NumericColumn("q", default=0)),
        POPULARITY_FIELD: COLUMN(NumericColumn("q", default=0)),
    }
    fields[FACETS_FIELD] = IDLIST(expression=_VALUE_RE)
    fields[SPELL_FIELD] = TEXT(analyzer=NEUTRAL_ANALYZER, phrase=False)
    for part in TEXT_PARTS:
        boost = PART_BOOSTS[part]
        fields[part] = TEXT(analyzer=NEUTRAL_ANALYZER, phrase=True, field_boost=boost)
        for lang in STEM_LANGUAGES:
            fields[stem_field(part, lang)] = TEXT(
                analyzer=STEM_ANALYZERS[lang], phrase=True, field_boost=boost
            )
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


def _values(values: list[str] | tuple[str, ...] | str) -> str:
    return _SEP.join(_clean(values))


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


def to_fields(doc: IndexedMaterial) -> dict[str, Any]:
    """The keyword arguments of ``writer.add_document`` for one material."""
    texts = {
        "title": doc.title,
        "topics": "\n".join(doc.topics),
        "summary": doc.summary,
        "body": doc.body,
    }
    langs = material_languages(doc)
    fields: dict[str, Any] = {
        "id": doc.id,
        KEY_FIELD: f"{doc.id}{_SEP}{doc.fingerprint}".encode(),
        "stored_title": doc.title,
        "stored_summary": doc.summary,
        "stored_body": doc.body[:STORED_BODY_CHARS],
        "stored_langs": langs,
        ACCESS_FIELD: _values(doc.access_tokens),
        PUBLISHED_FIELD: timestamp(doc.published),
        POPULARITY_FIELD: int(doc.popularity),
    }
    languages = [doc.language, *doc.languages]
    facet_values: dict[str, list[str] | str] = {
        "language": doc.language,
        "languages": languages,
        "regions": doc.regions,
        "countries": doc.countries,
        "who_regions": doc.who_regions,
        "income": doc.income,
        "financing": doc.financing,
        "setting": doc.setting,
        "resources": doc.resources,
        "level": doc.level,
        "resource_type": doc.resource_type,
        "audience": doc.audience,
        "licence": doc.licence,
        "school": doc.school,
    }
    fields[FACETS_FIELD] = _SEP.join(
        facet_term(facet, value)
        for facet in FACETS
        for value in _clean(facet_values[facet])
    )
    for part, text in texts.items():
        if not text:
            continue
        if langs:
            for lang in langs:
                fields[stem_field(part, lang)] = text
        else:
            fields[part] = text
    fields[SPELL_FIELD] = "\n".join([doc.title, *doc.topics])
    return fields
