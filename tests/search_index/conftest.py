"""Fixtures for the search_index library tests: a fresh index folder and a material factory.

These tests need no database and no Flask app; each index lives in pytest's ``tmp_path``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from search_index import IndexedMaterial, MaterialIndex, open_index
from tests.search_index.factories import make_material


@pytest.fixture()
def material() -> Callable[..., IndexedMaterial]:
    return make_material


@pytest.fixture()
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture()
def index(index_path: Path) -> Iterator[MaterialIndex]:
    ix = open_index(index_path)
    yield ix
    ix.close()
