"""What only the Typesense engine has: its URL, its collections behind the alias, and its
failures (the shared behaviour is in test_contract.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from search_index import (
    FACETS,
    IndexCorrupt,
    IndexUnavailable,
    QueryError,
    open_index_url,
    rebuild_url,
)
from search_index.typesense_engine import (
    FACET_COPY,
    Address,
    TypesenseIndex,
    collection_schema,
    rank_text,
)
from search_index.typesense_node import API_KEY, free_port
from tests.search_index.conftest import drop_typesense
from tests.search_index.factories import PUBLIC, ids, make_material


@pytest.fixture()
def url(typesense_port: int) -> Iterator[str]:
    address = f"typesense://{API_KEY}@127.0.0.1:{typesense_port}/only{time.time_ns()}"
    yield address
    drop_typesense(address)


def _collections(index: TypesenseIndex) -> set[str]:
    """The built collections of the index (``<alias>_<nanoseconds>``)."""
    prefix = f"{index.address.collection}_"
    names = [c["name"] for c in index._client.collections.retrieve()]
    return {n for n in names if n.startswith(prefix) and n[len(prefix) :].isdigit()}


def test_the_url_names_every_node_and_messages_leave_the_key_out() -> None:
    address = Address.parse("typesense://s3cret@ts1:8108,ts2,10.0.0.3:9000/materials")
    assert address.nodes == (("ts1", 8108), ("ts2", 8108), ("10.0.0.3", 9000))
    assert (address.api_key, address.collection) == ("s3cret", "materials")
    assert "s3cret" not in str(address)


@pytest.mark.parametrize(
    "bad", ["typesense://host:8108/materials", "typesense://key@/materials", "typesense://k@h:1/"]
)
def test_an_incomplete_url_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="typesense://key@host:port"):
        Address.parse(bad)


def test_an_unreachable_engine_is_unavailable_with_the_url_but_not_the_key() -> None:
    with pytest.raises(IndexUnavailable) as failed:
        open_index_url(f"typesense://s3cret@127.0.0.1:{free_port()}/materials")
    assert "typesense://127.0.0.1:" in str(failed.value)
    assert "s3cret" not in str(failed.value)


def test_a_collection_of_another_version_asks_for_a_rebuild(url: str) -> None:
    index = open_index_url(url)
    assert isinstance(index, TypesenseIndex)
    index._client.collections[index.meta].documents.upsert(
        {"id": index.current(), "position": 0, "schema_version": "0:older"}
    )
    with pytest.raises(IndexCorrupt, match="hub index rebuild"):
        open_index_url(url)


def test_a_rebuild_swaps_the_alias_and_drops_the_previous_collection(url: str) -> None:
    index = open_index_url(url)
    assert isinstance(index, TypesenseIndex)
    first = index.current()
    rebuild_url(url, [make_material(id="a")], position=4)
    assert index.current() != first
    assert _collections(index) == {index.current()}


def test_a_rebuild_moves_the_facet_copy_with_the_collection(url: str) -> None:
    index = open_index_url(url)
    assert isinstance(index, TypesenseIndex)
    rebuild_url(url, [make_material(id="a")], position=4)
    current = index.current()
    names = {c["name"] for c in index._client.collections.retrieve()}
    assert {n for n in names if n.startswith(f"{index.address.collection}_")} == {
        current, current + FACET_COPY, index.meta,
    }  # fmt: skip
    copy = index._client.aliases[index.facet_alias].retrieve()["collection_name"]
    assert copy == current + FACET_COPY


def test_a_rebuild_drops_what_a_stopped_rebuild_left_a_day_ago(url: str) -> None:
    index = open_index_url(url)
    assert isinstance(index, TypesenseIndex)
    base = index.address.collection
    day_old, recent = f"{base}_{time.time_ns() - 25 * 3600 * 10**9}", f"{base}_{time.time_ns()}"
    for name in (day_old, recent):
        index._client.collections.create({"name": name, "fields": [{"name": "x", "type": "int32"}]})
    rebuild_url(url, [], position=1)
    assert _collections(index) == {index.current(), recent}


def test_filter_values_cannot_widen_the_access_filter(url: str) -> None:
    index = open_index_url(url)
    index.apply([make_material(id="closed", level="x", access_tokens=["school:x"])], [])
    sneaky = "x` || access:!=[`none"
    with pytest.raises(QueryError):
        index.search("", person_tokens=PUBLIC, filters={"level": [sneaky]})
    literal = index.search("", person_tokens=PUBLIC, filters={"level": ["x || y"]})
    assert literal.total == 0
    assert ids(index.search("x OR closed", person_tokens=PUBLIC)) == []


def test_every_facet_is_a_faceted_field_of_the_collection() -> None:
    fields = {f["name"]: f for f in collection_schema("c")["fields"]}
    assert all(fields[f]["facet"] and fields[f]["type"] == "string[]" for f in FACETS)


def test_rank_fields_hold_each_words_forms_in_every_language_once() -> None:
    forms = rank_text("Vaccines, vaccines").split()
    assert "vaccin" in forms  # the English (and French) stem
    assert "vaccines" in forms  # the neutral form
    assert len(forms) == len(set(forms))


def test_one_ranked_search_orders_words_matched_through_each_languages_form(url: str) -> None:
    index = open_index_url(url)
    index.apply(
        [
            make_material(id="en-title", title="Vaccines",
                          published=datetime(2020, 1, 1, tzinfo=UTC)),
            make_material(id="fr-body", language="fr", title="Enfants", body="Les vaccins",
                          published=datetime(2025, 1, 1, tzinfo=UTC)),
        ],
        [],
    )  # fmt: skip
    assert ids(index.search("vaccins", person_tokens=PUBLIC)) == ["en-title", "fr-body"]


def test_a_page_the_ranking_cannot_reach_is_newest_first(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = open_index_url(url)
    index.apply(
        [
            make_material(id="older", title="Malaria in children",
                          published=datetime(2020, 1, 1, tzinfo=UTC)),
            make_material(id="newer", title="Severe malaria",
                          published=datetime(2025, 1, 1, tzinfo=UTC)),
        ],
        [],
    )  # fmt: skip
    ranking = TypesenseIndex._ranking

    def reaching_nothing(*args: object, **kwargs: object) -> dict[str, object] | None:
        ranked = ranking(*args, **kwargs)  # type: ignore[arg-type]
        return None if ranked is None else {**ranked, "q": "zzzz", "drop_tokens_threshold": 0}

    monkeypatch.setattr(TypesenseIndex, "_ranking", reaching_nothing)
    found = index.search("malaria", person_tokens=PUBLIC)
    assert found.total == 2
    assert ids(found) == ["newer", "older"]
    assert "<mark>" in found.hits[0].highlights["title"]
