"""Snippets: the parts of a hit where the search words occur, as escaped HTML with ``<mark>``.

Whoosh's highlighter re-analyses one stored field with that field's analyzer; here a text
part was indexed with each of its material's languages (and stored apart from the others),
so each word of the stored part is marked when any of those languages turns it into a term
the query looked for.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from search_index.analysis import WORD_RE, Terms

FRAGMENT_CHARS = 180
MAX_FRAGMENTS = 2
ELLIPSIS = "\u2026"


def _match_spans(
    text: str, part: str, langs: Sequence[str], terms: Mapping[str, set[str]]
) -> list[tuple[int, int]]:
    wanted = set(terms.get("text", ()))
    if part in ("title", "topics"):
        wanted |= terms.get(part, set())
    if not wanted:
        return []
    analysers = [Terms.of(lang) for lang in langs] or [Terms.of(None)]
    spans = []
    for match in WORD_RE.finditer(text):
        word = match.group()
        if any(analyser.term(word) in wanted for analyser in analysers):
            spans.append(match.span())
    return spans


def _mark(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out = []
    pos = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def _windows(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Up to MAX_FRAGMENTS non-overlapping windows holding the most matches."""
    candidates = []
    for i, (s, _) in enumerate(spans):
        start = max(0, s - FRAGMENT_CHARS // 4)
        end = min(len(text), start + FRAGMENT_CHARS)
        count = sum(1 for s2, e2 in spans[i:] if e2 <= end)
        candidates.append((-count, start, end))
    chosen: list[tuple[int, int]] = []
    for _, start, end in sorted(candidates):
        if all(end <= a or start >= b for a, b in chosen):
            chosen.append((start, end))
        if len(chosen) == MAX_FRAGMENTS:
            break
    # Snap to word boundaries so no word is cut in half.
    snapped = []
    for start, end in sorted(chosen):
        if start > 0:
            space = text.rfind(" ", 0, start + 1)
            start = space + 1 if space >= 0 and start - space < 20 else start
        if end < len(text):
            space = text.find(" ", end)
            end = space if 0 <= space - end < 20 else end
        snapped.append((start, end))
    return snapped


def snippet(
    text: str, part: str, langs: Sequence[str], terms: Mapping[str, set[str]], *, whole: bool
) -> str | None:
    """HTML for ``text`` with matches marked, or None when no search word occurs in it.

    ``whole``: mark the whole text (titles); otherwise cut fragments around the matches.
    """
    if not text or not terms:
        return None
    spans = _match_spans(text, part, langs, terms)
    if not spans:
        return None
    if whole:
        return _mark(text, 0, len(text), spans)
    pieces = []
    for start, end in _windows(text, spans):
        piece = _mark(text, start, end, spans)
        pieces.append(
            (ELLIPSIS if start > 0 else "") + piece + (ELLIPSIS if end < len(text) else "")
        )
    return " ".join(pieces)


#: The parts of a hit that get snippets: name, and whether the whole part is marked.
PARTS: tuple[tuple[str, bool], ...] = (("title", True), ("summary", False), ("body", False))


def highlights(
    texts: Mapping[str, str], langs: Sequence[str], terms: Mapping[str, set[str]]
) -> dict[str, str]:
    """A hit's snippets (see :attr:`search_index.Hit.highlights`) from its stored ``texts``
    (part name -> text) and the query's ``terms``: only the parts where a word occurs."""
    found: dict[str, str] = {}
    for part, whole in PARTS:
        html = snippet(texts.get(part, ""), part, langs, terms, whole=whole)
        if html:
            found[part] = html
    return found
