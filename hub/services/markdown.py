"""Markdown to safe HTML: markdown-it-py renders, nh3 (ammonia) keeps only harmless markup."""

from __future__ import annotations

import functools
import html
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


def plain(source: str) -> str:
    """The words of a Markdown text without its marks (``**``, ``#``, links' addresses): what
    search indexes and highlights, so that snippets never show raw Markdown."""
    words = nh3.clean(_parser().render(source or ""), tags=set())
    return re.sub(r"\s+", " ", html.unescape(words)).strip()
