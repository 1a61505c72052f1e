"""Facet counts and filters on Whoosh beyond the contract both engines keep
(test_contract.py: counts per person, order, disjunctive counts, selected values at 0);
the exhaustive model check is in test_access.py."""

from __future__ import annotations

from search_index import FACETS, MaterialIndex
from tests.search_index.factories import PUBLIC, ids, make_material


def test_every_facet_is_reported(index: MaterialIndex) -> None:
    index.apply([make_material()], [])
    results = index.search("", person_tokens=PUBLIC)
    assert list(results.facets) == list(FACETS)
    assert results.facets["licence"] == [("CC-BY-4.0", 1)]


def test_facets_count_only_materials_matching_the_query(index: MaterialIndex) -> None:
    index.apply(
        [
            make_material(title="Malaria", school="a"),
            make_material(title="Dengue", school="b"),
        ],
        [],
    )
    assert index.search("malaria", person_tokens=PUBLIC).facets["school"] == [("a", 1)]


def test_filters_narrow_and_combine_across_facets(index: MaterialIndex) -> None:
    index.apply(
        [
            make_material(id="fr-clin", language="fr", level="clinical"),
            make_material(id="fr-cpd", language="fr", level="cpd"),
            make_material(id="en-clin", language="en", level="clinical"),
            make_material(id="pt-cpd", language="pt", level="cpd"),
        ],
        [],
    )

    def search(filters: dict[str, list[str]]) -> list[str]:
        return sorted(ids(index.search("", person_tokens=PUBLIC, filters=filters)))

    assert search({"language": ["fr"]}) == ["fr-clin", "fr-cpd"]
    # Values of one facet: any of them; different facets: all of them.
    assert search({"language": ["fr", "pt"]}) == ["fr-clin", "fr-cpd", "pt-cpd"]
    assert search({"language": ["fr", "pt"], "level": ["cpd"]}) == ["fr-cpd", "pt-cpd"]
    assert search({"language": []}) == ["en-clin", "fr-clin", "fr-cpd", "pt-cpd"]


def test_deleted_materials_leave_the_counts(index: MaterialIndex) -> None:
    first = make_material(school="gone")
    index.apply([first, make_material(school="stays")], [])
    index.apply([], [first.id])
    assert index.search("", person_tokens=PUBLIC).facets["school"] == [("stays", 1)]


def test_facet_values_are_exact(index: MaterialIndex) -> None:
    index.apply(
        [make_material(setting=["district hospital", "Rural, remote"], financing=["nhs"])], []
    )
    results = index.search("", person_tokens=PUBLIC, filters={"setting": ["Rural, remote"]})
    assert results.total == 1
    assert results.facets["setting"] == [("Rural, remote", 1), ("district hospital", 1)]
    assert index.search("", person_tokens=PUBLIC, filters={"setting": ["rural"]}).total == 0


def test_facets_and_highlights_can_be_skipped(index: MaterialIndex) -> None:
    index.apply([make_material(id="a", title="Malaria")], [])
    results = index.search("malaria", person_tokens=PUBLIC, facets=False, highlights=False)
    assert results.facets == {}
    assert [(h.id, h.highlights) for h in results.hits] == [("a", {})]
    assert results.total == 1


def test_warm_prepares_without_changing_answers(index: MaterialIndex) -> None:
    index.apply([make_material(level=level) for level in ("cpd", "cpd", "clinical")], [])
    before = index.search("", person_tokens=PUBLIC)
    index.warm()
    assert index.search("", person_tokens=PUBLIC) == before
