"""Facet counts and filters (the exhaustive model check is in test_access.py)."""

from __future__ import annotations

from search_index import FACETS, MaterialIndex
from tests.search_index.factories import PUBLIC, ids, make_material


def test_every_facet_is_reported(index: MaterialIndex) -> None:
    index.apply([make_material()], [])
    results = index.search("", person_tokens=PUBLIC)
    assert list(results.facets) == list(FACETS)
    assert results.facets["licence"] == [("CC-BY-4.0", 1)]


def test_facets_count_only_materials_the_person_may_see(index: MaterialIndex) -> None:
    index.apply(
        [
            make_material(title="Malaria", level="clinical", access_tokens=["public"]),
            make_material(title="Malaria", level="cpd", access_tokens=["school:x"]),
            make_material(title="Malaria", level="cpd", access_tokens=["school:x", "public"]),
        ],
        [],
    )
    assert index.search("malaria", person_tokens=PUBLIC).facets["level"] == [
        ("clinical", 1),
        ("cpd", 1),
    ]
    assert index.search("malaria", person_tokens=["school:x"]).facets["level"] == [("cpd", 2)]


def test_facets_count_only_materials_matching_the_query(index: MaterialIndex) -> None:
    index.apply(
        [
            make_material(title="Malaria", school="a"),
            make_material(title="Dengue", school="b"),
        ],
        [],
    )
    assert index.search("malaria", person_tokens=PUBLIC).facets["school"] == [("a", 1)]


def test_facets_sorted_by_count_then_value(index: MaterialIndex) -> None:
    index.apply(
        [make_material(countries=[c]) for c in ["UG", "KE", "KE", "BR", "AR", "BR"]],
        [],
    )
    assert index.search("", person_tokens=PUBLIC).facets["countries"] == [
        ("BR", 2),
        ("KE", 2),
        ("AR", 1),
        ("UG", 1),
    ]


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


def test_a_facets_own_filter_does_not_narrow_its_counts(index: MaterialIndex) -> None:
    # Disjunctive faceting: with French chosen, the language facet still offers the others.
    index.apply(
        [
            make_material(language="fr", level="clinical"),
            make_material(language="fr", level="cpd"),
            make_material(language="en", level="clinical"),
        ],
        [],
    )
    results = index.search("", person_tokens=PUBLIC, filters={"language": ["fr"]})
    assert results.total == 2
    assert results.facets["language"] == [("fr", 2), ("en", 1)]
    assert results.facets["level"] == [("clinical", 1), ("cpd", 1)]


def test_selected_values_are_listed_even_when_nothing_matches(index: MaterialIndex) -> None:
    index.apply([make_material(language="en")], [])
    results = index.search("", person_tokens=PUBLIC, filters={"language": ["xx"]})
    assert results.total == 0
    assert results.facets["language"] == [("en", 1), ("xx", 0)]


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
