"""``markdown.plain``: the words of a summary as a reader sees them, for the index."""

from __future__ import annotations

import html
import re

import nh3
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.services import markdown

MARKS = st.sampled_from(
    ["**", "*", "_", "`", "# ", "## ", "> ", "- ", "1. ", "[", "](http://x.org/a)", "![alt", "\n",
     "\n\n", "    ", "```\n", "<b>", "&amp;", "&lt;", "|", "---", " ", "\\\\"]
)  # fmt: skip
WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)


def _rendered_then_stripped(source: str) -> str:
    """The words as the rendered HTML shows them, tags stripped: what ``plain`` must give."""
    text = nh3.clean(markdown._parser().render(source), tags=set())
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def test_marks_and_addresses_are_not_words() -> None:
    source = "# Sepsis\n\n**Early** signs: see [the bundle](http://who.int/x) and `qSOFA`."
    assert markdown.plain(source) == "Sepsis Early signs: see the bundle and qSOFA."


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(MARKS, WORDS), max_size=30).map("".join))
def test_plain_words_are_the_rendered_pages_words(source: str) -> None:
    assert markdown.plain(source).split() == _rendered_then_stripped(source).split()
