"""Skipping by binary search ends on the same posting as Whoosh's own skip_to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import ID, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.matching import ReadTooFar

from search_index import skipping


def _matcher(docs: list[int]) -> Any:
    """The posting list of one term present in exactly the documents ``docs``."""
    storage = RamStorage()
    ix = storage.create_index(Schema(word=ID))
    with ix.writer() as writer:
        for n in range(max(docs) + 1):
            writer.add_document(word="x" if n in docs else "y")
    matcher = ix.searcher().postings("word", "x")
    assert type(matcher).__name__ == "W3LeafMatcher"
    return matcher, ix


def _walk(skip: Callable[[Any, int], None], docs: list[int], targets: list[int]) -> list[Any]:
    matcher, ix = _matcher(docs)
    seen: list[Any] = []
    try:
        for target in targets:
            try:
                skip(matcher, target)
            except ReadTooFar:
                seen.append("too far")
                break
            seen.append(matcher.id() if matcher.is_active() else "end")
    finally:
        ix.close()
    return seen


@settings(max_examples=60, deadline=None)
@given(
    docs=st.sets(st.integers(0, 700), min_size=1, max_size=400).map(sorted),
    steps=st.lists(st.integers(0, 300), min_size=1, max_size=40),
)
def test_skip_to_ends_where_whooshs_does(docs: list[int], steps: list[int]) -> None:
    # Targets only grow, as a matcher is asked; posting lists span several 128-posting blocks.
    targets = [sum(steps[: i + 1]) for i in range(len(steps))]
    assert _walk(skipping.skip_to, docs, targets) == _walk(skipping.WHOOSH_SKIP_TO, docs, targets)


def test_the_index_uses_it() -> None:
    from whoosh.codec.whoosh3 import W3LeafMatcher

    import search_index.index  # noqa: F401 - installs it

    assert W3LeafMatcher.skip_to is skipping.skip_to
