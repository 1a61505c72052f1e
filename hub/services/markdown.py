"""Markdown to safe HTML: markdown-it-py renders, nh3 (ammonia) keeps only harmless markup."""

from __future__ import annotations

import functools
import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h2", "h3",
    "h4", "hr", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
}  # fmt: skip


@functools.cache
def _parser() -> MarkdownIt:
    # "js-default": no raw HTML and safe link schemes; nh3 cleans whatever remains.
    return MarkdownIt("js-default").enable("table")


def render(source: str) -> str:
    """Safe HTML for a Markdown summary; scripts, styles and event handlers never survive."""
    html = _parser().render(source or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


#: Inline tokens whose content is words a reader sees.
_WORDS = {"text", "code_inline"}
_BREAKS = {"softbreak", "hardbreak"}
#: Block tokens that are words themselves (code).
_BLOCK_WORDS = {"code_block", "fence"}


def plain(source: str) -> str:
    """The words of a Markdown text without its marks (``**``, ``#``, links' addresses): what
    search indexes and highlights, so that snippets never show raw Markdown.

    Read from the parser's tokens, not from rendered HTML: every material's summary passes
    here when the index is rebuilt, and rendering then stripping the HTML cost a twentieth of
    a rebuild. (The parser keeps no raw HTML, so there are no tags to strip.)"""
    words: list[str] = []
    for token in _parser().parse(source or ""):
        if token.type in _BLOCK_WORDS:
            words.append(token.content)
        for child in token.children or ():
            if child.type in _WORDS:
                words.append(child.content)
            elif child.type in _BREAKS:
                words.append(" ")
        words.append(" ")
    return re.sub(r"\s+", " ", "".join(words)).strip()
