"""Factories for search_index tests: materials with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from search_index import IndexedMaterial, Results

PUBLIC = ["public"]

_ids = itertools.count(1)


def make_material(**overrides: Any) -> IndexedMaterial:
    """A public English material with the given fields replaced (unique id by default)."""
    n = next(_ids)
    fields: dict[str, Any] = {
        "id": f"m{n}",
        "fingerprint": f"v1-{n}",
        "title": f"Material {n}",
        "summary": "",
        "topics": [],
        "body": "",
        "language": "en",
        "languages": [],
        "regions": ["014"],
        "countries": ["KE"],
        "who_regions": ["AFR"],
        "income": ["LMC"],
        "financing": [],
        "setting": ["primary-care"],
        "resources": ["limited-resource"],
        "level": "clinical",
        "resource_type": "lecture",
        "audience": ["medicine"],
        "licence": "CC-BY-4.0",
        "school": "s1",
        "school_name": "School One",
        "published": datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=n % 365),
        "popularity": 0,
        "access_tokens": ["public"],
    }
    fields.update(overrides)
    if "languages" not in overrides:
        fields["languages"] = [fields["language"]]
    return IndexedMaterial(**fields)


def ids(results: Results) -> list[str]:
    """The ids of the hits, in order."""
    return [hit.id for hit in results.hits]
