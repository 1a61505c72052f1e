"""The contract every search engine keeps: each test runs on Whoosh and on Typesense.

What an engine refuses of the search-box language is in ``REFUSED_BY_ENGINE`` (Typesense:
word beginnings, ``cardio*``); everything else answers the same on both.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from search_index import (
    FACETS,
    REFUSED_BY_ENGINE,
    QueryError,
    SearchIndex,
    open_index_url,
    rebuild_url,
)
from tests.search_index.factories import PUBLIC, ids, make_material


def test_a_material_is_found_only_with_one_of_its_tokens(engine: SearchIndex) -> None:
    engine.apply(
        [
            make_material(id="open", title="Malaria"),
            make_material(id="closed", title="Malaria", access_tokens=["school:x"]),
        ],
        [],
    )
    assert ids(engine.search("malaria", person_tokens=PUBLIC)) == ["open"]
    assert sorted(ids(engine.search("malaria", person_tokens=["school:x", "public"]))) == [
        "closed",
        "open",
    ]


def test_no_tokens_finds_nothing(engine: SearchIndex) -> None:
    engine.apply([make_material(title="Malaria")], [])
    results = engine.search("", person_tokens=[], filters={"level": ["clinical"]})
    assert (results.hits, results.total) == ([], 0)
    assert results.facets["level"] == [("clinical", 0)]


def test_facet_counts_cover_only_what_the_person_may_see(engine: SearchIndex) -> None:
    engine.apply(
        [
            make_material(title="Malaria", level="clinical"),
            make_material(title="Malaria", level="cpd", access_tokens=["school:x"]),
            make_material(title="Malaria", level="cpd", access_tokens=["school:x", "public"]),
        ],
        [],
    )
    public = engine.search("malaria", person_tokens=PUBLIC)
    assert list(public.facets) == list(FACETS)
    assert public.facets["level"] == [("clinical", 1), ("cpd", 1)]
    assert engine.search("malaria", person_tokens=["school:x"]).facets["level"] == [("cpd", 2)]


def test_facets_sorted_by_count_then_value(engine: SearchIndex) -> None:
    engine.apply([make_material(countries=[c]) for c in ["UG", "KE", "KE", "BR", "AR", "BR"]], [])
    assert engine.search("", person_tokens=PUBLIC).facets["countries"] == [
        ("BR", 2), ("KE", 2), ("AR", 1), ("UG", 1),
    ]  # fmt: skip


def test_filters_narrow_and_combine_across_facets(engine: SearchIndex) -> None:
    engine.apply(
        [
            make_material(id="fr-clin", language="fr", level="clinical"),
            make_material(id="fr-cpd", language="fr", level="cpd"),
            make_material(id="en-clin", language="en", level="clinical"),
            make_material(id="es-cpd", language="es", level="cpd", licence="CC BY, 4.0 (x)"),
        ],
        [],
    )
    found = engine.search("", person_tokens=PUBLIC, filters={"language": ["fr", "es"],
                                                            "level": ["cpd"]})  # fmt: skip
    assert sorted(ids(found)) == ["es-cpd", "fr-cpd"]
    odd = engine.search("", person_tokens=PUBLIC, filters={"licence": ["CC BY, 4.0 (x)"]})
    assert ids(odd) == ["es-cpd"]


def test_a_facets_own_filter_does_not_narrow_its_counts(engine: SearchIndex) -> None:
    engine.apply(
        [
            make_material(language="fr", level="clinical"),
            make_material(language="fr", level="cpd"),
            make_material(language="es", level="clinical"),
        ],
        [],
    )
    results = engine.search("", person_tokens=PUBLIC, filters={"language": ["fr"]})
    assert results.total == 2
    assert results.facets["language"] == [("fr", 2), ("es", 1)]
    assert results.facets["level"] == [("clinical", 1), ("cpd", 1)]


def test_selected_values_are_listed_even_when_nothing_matches(engine: SearchIndex) -> None:
    engine.apply([make_material(level="clinical")], [])
    results = engine.search("", person_tokens=PUBLIC, filters={"level": ["cpd"]})
    assert results.total == 0
    assert results.facets["level"] == [("clinical", 1), ("cpd", 0)]


def test_words_all_must_occur_stemmed_and_accent_folded(engine: SearchIndex) -> None:
    engine.apply(
        [
            make_material(id="en", title="Vaccines for children"),
            make_material(id="fr", title="Les vaccins de l'anémie", language="fr"),
            make_material(id="other", title="Children's growth"),
        ],
        [],
    )
    assert ids(engine.search("vaccine children", person_tokens=PUBLIC)) == ["en"]
    assert ids(engine.search("anemie", person_tokens=PUBLIC)) == ["fr"]
    assert sorted(ids(engine.search("vaccins", person_tokens=PUBLIC))) == ["en", "fr"]


def test_phrases_or_not_groups_and_fields(engine: SearchIndex) -> None:
    engine.apply(
        [
            make_material(id="hf", title="Heart failure", topics=["Cardiology"]),
            make_material(id="fh", title="Failure of the heart valve"),
            make_material(id="dg", title="Dengue", body="heart failure in dengue"),
        ],
        [],
    )

    def found(text: str) -> list[str]:
        return sorted(ids(engine.search(text, person_tokens=PUBLIC)))

    assert found('"heart failure"') == ["dg", "hf"]
    assert found("heart failure") == ["dg", "fh", "hf"]
    assert found("dengue OR valve") == ["dg", "fh"]
    assert found("heart -dengue") == ["fh", "hf"]
    assert found("heart NOT (dengue OR valve)") == ["hf"]
    assert found('title:"heart failure"') == ["hf"]
    assert found("topic:cardiology") == ["hf"]
    assert found("-heart") == []
    assert found("covid-19") == []


def test_stop_words_rank_but_do_not_exclude(engine: SearchIndex) -> None:
    engine.apply([make_material(id="m", title="Malaria")], [])
    assert ids(engine.search("the malaria", person_tokens=PUBLIC)) == ["m"]


def test_word_beginnings_find_or_are_refused_as_the_contract_says(engine: SearchIndex) -> None:
    engine.apply([make_material(id="c", title="Cardiology basics")], [])
    if "prefix-unsupported" in REFUSED_BY_ENGINE[engine.engine]:
        with pytest.raises(QueryError) as refused:
            engine.search("cardio*", person_tokens=PUBLIC)
        assert refused.value.code == "prefix-unsupported"
        assert "cardio*" in str(refused.value)
    else:
        assert ids(engine.search("cardio*", person_tokens=PUBLIC)) == ["c"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('"malaria', "unclosed-quote"),
        ("malaria OR", "or-needs-words"),
        ("(malaria", "unclosed-paren"),
        ("title:", "field-needs-word"),
        ("ma*", "prefix-too-short"),
        ("x" * 501, "too-long"),
    ],
)
def test_unusable_text_is_refused_with_the_same_message(
    engine: SearchIndex, text: str, code: str
) -> None:
    with pytest.raises(QueryError) as refused:
        engine.search(text, person_tokens=PUBLIC)
    assert refused.value.code == code


def test_unknown_filter_sort_and_bad_paging_are_refused(engine: SearchIndex) -> None:
    for kwargs in ({"filters": {"colour": ["red"]}}, {"sort": "oldest"}, {"page": 0},
                   {"page_size": 101}, {"page": 200, "page_size": 100}):  # fmt: skip
        with pytest.raises(QueryError):
            engine.search("", person_tokens=PUBLIC, **kwargs)


def test_sorting(engine: SearchIndex) -> None:
    engine.apply(
        [
            make_material(id="old-popular", title="Malaria in the title", popularity=9,
                          published=datetime(2020, 6, 1, tzinfo=UTC)),
            make_material(id="new", title="Dengue", body="malaria", popularity=1,
                          published=datetime(2025, 6, 1, tzinfo=UTC)),
            make_material(id="mid", title="Anaemia", summary="about malaria", popularity=5,
                          published=datetime(2023, 6, 1, tzinfo=UTC)),
        ],
        [],
    )  # fmt: skip

    def order(text: str, sort: str) -> list[str]:
        return ids(engine.search(text, person_tokens=PUBLIC, sort=sort))

    assert order("malaria", "relevance") == ["old-popular", "mid", "new"]
    assert order("malaria", "newest") == ["new", "mid", "old-popular"]
    assert order("malaria", "most_used") == ["old-popular", "mid", "new"]
    assert order("", "relevance") == ["new", "mid", "old-popular"]
    assert engine.search("malaria", person_tokens=PUBLIC).hits[0].score > 0
    assert engine.search("", person_tokens=PUBLIC).hits[0].score == 0.0


def test_relevance_ranks_a_title_match_first_across_languages(
    engine: SearchIndex,
) -> None:
    engine.apply(
        [
            make_material(id="en-body", title="Fevers", body="Notes on fevers: malaria, dengue.",
                          published=datetime(2025, 1, 1, tzinfo=UTC)),
            make_material(id="fr-title", language="fr", title="Le paludisme (malaria)",
                          published=datetime(2020, 1, 1, tzinfo=UTC)),
            make_material(id="es-summary", language="es", title="Fiebre",
                          summary="La malaria grave", published=datetime(2023, 1, 1, tzinfo=UTC)),
        ],
        [],
    )  # fmt: skip
    assert ids(engine.search("malaria", person_tokens=PUBLIC)) == [
        "fr-title", "es-summary", "en-body",
    ]  # fmt: skip
    either = engine.search("malaria OR fevers", person_tokens=PUBLIC, page_size=2)
    assert either.total == 3 and len(either.hits) == 2


def test_paging(engine: SearchIndex) -> None:
    engine.apply([make_material(id=f"p{n:02}", popularity=n) for n in range(25)], [])
    first = engine.search("", person_tokens=PUBLIC, sort="most_used", page_size=10)
    third = engine.search("", person_tokens=PUBLIC, sort="most_used", page=3, page_size=10)
    assert (first.total, first.pages, len(first.hits)) == (25, 3, 10)
    assert ids(first)[:2] == ["p24", "p23"]
    assert ids(third) == [f"p{n:02}" for n in range(4, -1, -1)]


def test_highlights_are_escaped_html_with_marks(engine: SearchIndex) -> None:
    engine.apply(
        [make_material(id="h", title="<b>Malaria</b> & children", summary="Treating malaria.",
                       body="Nothing here.")],
        [],
    )  # fmt: skip
    hit = engine.search("malaria", person_tokens=PUBLIC).hits[0]
    assert hit.highlights == {
        "title": "&lt;b&gt;<mark>Malaria</mark>&lt;/b&gt; &amp; children",
        "summary": "Treating <mark>malaria</mark>.",
    }
    assert engine.search("malaria", person_tokens=PUBLIC, highlights=False).hits[0].highlights == {}


def test_did_you_mean_from_what_the_person_may_see(engine: SearchIndex) -> None:
    engine.apply(
        [
            make_material(title="Malaria treatment"),
            make_material(title="Tuberculosis", access_tokens=["school:x"]),
        ],
        [],
    )
    assert engine.search("malria", person_tokens=PUBLIC).suggestion == "malaria"
    assert engine.search("tuberculosos", person_tokens=PUBLIC).suggestion is None
    assert engine.search("malaria", person_tokens=PUBLIC).suggestion is None


def test_apply_replaces_deletes_and_records_the_position(engine: SearchIndex) -> None:
    assert engine.position == 0
    assert engine.apply([make_material(id="a", title="Malaria")], [], position=5)
    assert engine.apply([make_material(id="a", title="Dengue"), make_material(id="b")],
                        ["b"], position=6)  # fmt: skip
    assert ids(engine.search("dengue", person_tokens=PUBLIC)) == ["a"]
    assert engine.search("malaria", person_tokens=PUBLIC).total == 0
    assert (engine.doc_count(), engine.position) == (1, 6)


def test_a_batch_not_beyond_the_position_is_skipped(engine: SearchIndex) -> None:
    engine.apply([make_material(id="a")], [], position=7)
    assert not engine.apply([], ["a"], position=7)
    assert engine.doc_count() == 1
    assert engine.position == 7


def test_check_compares_fingerprints(engine: SearchIndex) -> None:
    engine.apply([make_material(id="a", fingerprint="1"), make_material(id="b", fingerprint="1")],
                 [])  # fmt: skip
    report = engine.check({"a": "1", "b": "2", "c": "1"})
    assert (report.missing, report.stale, report.extra, report.ok) == (["c"], ["b"], [], False)
    assert engine.check({"a": "1", "b": "1"}).ok
    assert engine.check({"a": "1"}).extra == ["b"]


def test_rebuild_swaps_in_a_new_index_that_open_copies_see(engine_url: str) -> None:
    with open_index_url(engine_url) as before:
        before.apply([make_material(id="old", title="Malaria")], [], position=3)
        rebuilt = rebuild_url(
            engine_url, [make_material(id="new", title="Malaria", fingerprint="f")], position=9
        )
        before.refresh()
        assert ids(before.search("malaria", person_tokens=PUBLIC)) == ["new"]
        assert before.position == 9
        assert rebuilt.fingerprints() == {"new": "f"}
        rebuilt.close()


def test_a_rebuild_refuses_a_material_twice(engine_url: str) -> None:
    with open_index_url(engine_url) as index:
        index.apply([make_material(id="kept")], [])
        with pytest.raises(ValueError, match="twice"):
            rebuild_url(engine_url, [make_material(id="x"), make_material(id="x")], position=1)
        assert index.fingerprints().keys() == {"kept"}
