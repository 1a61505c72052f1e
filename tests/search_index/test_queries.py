"""Search-box text: what is refused (with a message), and that nothing else ever escapes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search_index import MaterialIndex, QueryError, open_index
from search_index.querying import MAX_QUERY_CHARS, parse
from tests.search_index.factories import PUBLIC, ids, make_material

MALFORMED = [
    ('"heart failure', "quotation mark"),
    ('heart "failure', "quotation mark"),
    ('title:"heart', "quotation mark"),
    ("(((", "parenthesis"),
    ("(malaria", "parenthesis"),
    ("malaria)", "parenthesis"),
    ("(malaria))", "parenthesis"),
    ("()", "nothing between"),
    ("malaria ()", "nothing between"),
    ("AND OR", "AND"),
    ("AND malaria", "AND"),
    ("malaria AND", "AND"),
    ("malaria AND OR dengue", "AND"),
    ("OR", "OR"),
    ("OR malaria", "OR"),
    ("malaria OR", "OR"),
    ("malaria OR OR dengue", "OR"),
    ("(OR)", "OR"),
    ("NOT", "NOT"),
    ("malaria NOT", "NOT"),
    ("malaria NOT )", "NOT"),
    ("title:", "title:"),
    ("title: malaria", "title:"),
    ("topic:", "topic:"),
    ("ab*", "at least 3 letters"),
    ("a*", "at least 3 letters"),
    ("??", "no letters or digits"),
    ("&& ||", "AND"),
    ('""', "no letters or digits"),
    ('" "', "no letters or digits"),
    ("(" * 9 + "malaria" + ")" * 9, "nested"),
    ("x" * (MAX_QUERY_CHARS + 1), "too long"),
    (" ".join(f"w{n}" for n in range(40)), "too many words"),
]


@pytest.mark.parametrize(("text", "hint"), MALFORMED)
def test_malformed_query_is_refused_with_a_message(
    index: MaterialIndex, text: str, hint: str
) -> None:
    with pytest.raises(QueryError) as caught:
        index.search(text, person_tokens=PUBLIC)
    message = str(caught.value)
    assert hint.lower() in message.lower()
    assert message.endswith(".") and len(message) < 200


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MaterialIndex]:
    index = open_index(tmp_path_factory.mktemp("library"))
    index.apply(
        [
            make_material(
                id="malaria",
                title="Malaria in children",
                topics=["heart failure"],
                body="Cardiology for adults with heart failure. A COVID-19 overview. What is "
                "sepsis? A 1:2 dilution of β-blockers, see http://example.org/x.",
            ),
            make_material(id="dengue", title="Dengue fever", body="children and adults"),
            make_material(id="ru", title="Малярия и лечение", language="ru"),
            make_material(id="hidden", title="Malaria dengue", access_tokens=["school:x"]),
        ],
        [],
    )
    yield index
    index.close()


EVERYTHING = {"malaria", "dengue", "ru"}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("", EVERYTHING),
        ("   ", EVERYTHING),
        ("*", EVERYTHING),
        ("malaria", {"malaria"}),
        ("Malaria AND children", {"malaria"}),
        ("malaria OR dengue", {"malaria", "dengue"}),
        ("malaria -dengue", {"malaria"}),
        ("dengue NOT malaria", {"dengue"}),
        ("+malaria", {"malaria"}),
        ("(malaria OR dengue) children", {"malaria", "dengue"}),
        ('"heart failure" adults', {"malaria"}),
        ('"failure heart"', set()),
        ("title:malaria", {"malaria"}),
        ("title:children", {"malaria"}),
        ("title:adults", set()),
        ('topic:"heart failure"', {"malaria"}),
        ("cardio*", {"malaria"}),
        ("covid-19", {"malaria"}),
        ("COVID-19: overview", {"malaria"}),
        ("nosuchfield:malaria", set()),
        ("http://example.org/x", {"malaria"}),
        ("what is sepsis?", {"malaria"}),
        ("1:2 dilution", {"malaria"}),
        ("β-blockers", {"malaria"}),
        ("малярия", {"ru"}),
        ("الملاريا", set()),
        ("疟疾", set()),
        ("a" * MAX_QUERY_CHARS, set()),
    ],
)
def test_acceptable_query_finds_what_it_says(
    library: MaterialIndex, text: str, found: set[str]
) -> None:
    results = library.search(text, person_tokens=PUBLIC)
    assert set(ids(results)) == found
    assert results.total == len(found)


def test_unknown_field_is_searched_as_words(index: MaterialIndex) -> None:
    index.apply([make_material(id="x", title="Dosage of malaria drugs")], [])
    assert [h.id for h in index.search("dosage:malaria", person_tokens=PUBLIC).hits] == ["x"]


@pytest.mark.parametrize(
    ("filters", "sort", "page", "page_size"),
    [
        ({"colour": ["red"]}, "relevance", 1, 20),
        ({}, "alphabetical", 1, 20),
        ({}, "relevance", 0, 20),
        ({}, "relevance", 1, 0),
        ({}, "relevance", 1, 1000),
        ({}, "relevance", 10_000, 20),
    ],
)
def test_bad_filters_sort_or_paging_are_query_errors(
    index: MaterialIndex, filters: dict[str, list[str]], sort: str, page: int, page_size: int
) -> None:
    with pytest.raises(QueryError):
        index.search(
            "malaria",
            person_tokens=PUBLIC,
            filters=filters,
            sort=sort,
            page=page,
            page_size=page_size,
        )


_ALPHABET = st.sampled_from(
    list('abcé "()*-+:?!&|\\/.,;\t\n\x00') + ["AND", "OR", "NOT", "title:", "text:", "ab*"]
)


@pytest.fixture(scope="module")
def fuzz_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MaterialIndex]:
    # One index for all examples: the property is about parsing and searching, not data.
    index = open_index(tmp_path_factory.mktemp("fuzz"))
    index.apply(
        [
            make_material(id="abc", title="abc malaria", body="title text and or not"),
            make_material(id="anemie", title="Anémie", language="fr", summary="abé abc"),
            make_material(id="chanjo", title="Chanjo", language="sw"),
        ],
        [],
    )
    yield index
    index.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(
        st.text(max_size=80),
        st.lists(_ALPHABET, max_size=25).map("".join),
        st.lists(_ALPHABET, max_size=12).map(" ".join),
    )
)
def test_any_text_gives_results_or_a_query_error(fuzz_index: MaterialIndex, text: str) -> None:
    try:
        results = fuzz_index.search(text, person_tokens=PUBLIC)
    except QueryError as exc:
        assert str(exc)
    else:
        # Only the three public materials, each at most once, and as many as counted.
        assert len(set(ids(results))) == len(results.hits) == min(results.total, 20)
        assert set(ids(results)) <= {"abc", "anemie", "chanjo"}


@given(st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_parser_alone_raises_only_query_errors(text: str) -> None:
    with contextlib.suppress(QueryError):
        parse(text)


def test_a_prefix_matching_too_many_words_is_refused(index: MaterialIndex) -> None:
    index.apply([make_material(title=f"zeta{n:03d}") for n in range(130)], [])
    assert index.search("zeta12*", person_tokens=PUBLIC).total == 10
    with pytest.raises(QueryError, match="too many different words"):
        index.search("zeta*", person_tokens=PUBLIC)
