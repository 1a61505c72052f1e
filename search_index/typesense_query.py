"""The search-box language (:mod:`search_index.querying`) as a Typesense filter.

Typesense 0.24 has no stemming, and its query text (``q``) cannot say OR, group, or look
for one of several forms of a word. So the library analyses text itself, exactly as for
Whoosh (:mod:`search_index.analysis`: the Snowball stemmer of each of a material's
languages, accents folded), and gives Typesense the *terms*:

* ``<part>_terms`` (``string[]``): the distinct terms of the text (``text``: every part;
  ``title``; ``topics``), matched exactly by ``filter_by``;
* ``<part>_pairs`` (``string[]``): each two adjacent terms, ``"heart failure"``: a quoted
  phrase of n terms must have its n-1 pairs (a phrase never spans two parts).

A query becomes one boolean ``filter_by`` expression (``&&``, ``||``, parentheses;
``:!=`` for NOT, pushed down to the words by De Morgan's laws), so words, phrases, OR,
NOT, AND, groups and ``title:``/``topic:`` match the same materials as on Whoosh. Word
beginnings (``cardio*``) are refused (code ``prefix-unsupported``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from search_index.errors import QueryError
from search_index.querying import (
    AndNode,
    MatchAll,
    Node,
    Not,
    OrNode,
    Phrase,
    Word,
    is_stop,
    variants,
)

#: A filter: an expression, or a constant (True: everything, False: nothing).
Filter = str | bool


def quote(value: str) -> str:
    """A filter value in backquotes (commas, spaces and operators stay literal)."""
    if "`" in value:
        raise QueryError(
            f"A filter value cannot contain a backquote (`): {value!r}.", "backquote-in-value"
        )
    return f"`{value}`"


def any_of(field_name: str, values: list[str]) -> str:
    """``field`` holds one of ``values``."""
    return f"{field_name}:=[{','.join(quote(v) for v in values)}]"


def none_of(field_name: str, values: list[str]) -> str:
    """``field`` holds none of ``values``."""
    return f"{field_name}:!=[{','.join(quote(v) for v in values)}]"


def both(parts: list[Filter]) -> Filter:
    """All of ``parts``."""
    return _joined(parts, "&&", absorbing=False)


def either(parts: list[Filter]) -> Filter:
    """Any of ``parts``."""
    return _joined(parts, "||", absorbing=True)


def _joined(parts: list[Filter], operator: str, *, absorbing: bool) -> Filter:
    """``parts`` joined by ``operator``: the constant ``absorbing`` decides the whole
    (False for AND, True for OR), the other one drops out."""
    if any(p is absorbing for p in parts):
        return absorbing
    kept = [p for p in parts if p is not (not absorbing)]
    if not kept:
        return not absorbing
    return kept[0] if len(kept) == 1 else "(" + f" {operator} ".join(str(p) for p in kept) + ")"


def pairs(terms: list[str]) -> list[str]:
    """Adjacent term pairs (the ``_pairs`` fields' values)."""
    return [f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False)]


@dataclass
class FilterCompiler:
    """Turns a syntax tree into a filter, for an index holding ``languages`` (and neutral
    materials when ``has_neutral``). ``terms`` collects, per text part, the terms of the
    positive words (for highlighting, as :class:`search_index.querying.Compiler` does)."""

    languages: tuple[str, ...]
    has_neutral: bool = True
    terms: dict[str, set[str]] = field(default_factory=dict)
    #: The positive words and phrases, and whether each is a stop word (for ranking).
    ranked: list[tuple[str, bool]] = field(default_factory=list)

    def rank_texts(self) -> list[str]:
        """What relevance ranks by: the positive words and phrases, without stop words
        unless there is nothing else (they only rank on Whoosh, and little)."""
        content = [text for text, stop in self.ranked if not stop]
        return content or [text for text, _ in self.ranked]

    def variants(self, text: str) -> list[list[str]]:
        """The distinct term sequences of ``text`` over the index's languages."""
        return variants(text, self.languages, self.has_neutral)

    def compile(self, node: Node, positive: bool = True) -> Filter:
        """The filter of ``node`` (negated when not ``positive``)."""
        if isinstance(node, MatchAll):
            return positive
        if isinstance(node, Not):
            return self.compile(node.node, not positive)
        if isinstance(node, AndNode | OrNode):
            has_content = any(
                not is_stop(n) and not isinstance(n, Not | MatchAll) for n in node.nodes
            )
            # Stop words among other words only rank (as on Whoosh): noted, not required.
            parts = []
            for n in node.nodes:
                compiled = self.compile(n, positive)
                if not (isinstance(node, AndNode) and has_content and is_stop(n)):
                    parts.append(compiled)
            conjunctive = isinstance(node, AndNode) == positive
            return both(parts) if conjunctive else either(parts)
        if isinstance(node, Word) and node.prefix:
            raise QueryError(
                f'"{node.text}*": word beginnings cannot be searched here; write the whole word.',
                "prefix-unsupported",
                word=f"{node.text}*",
            )
        return self._text(node, positive)

    def _text(self, node: Word | Phrase, positive: bool) -> Filter:
        if positive:
            self.ranked.append((node.text, is_stop(node)))
        singles: dict[str, list[str]] = {}
        phrases: list[Filter] = []
        for part in node.parts:
            for terms in self.variants(node.text):
                if positive:
                    self.terms.setdefault(part, set()).update(terms)
                if len(terms) == 1:
                    singles.setdefault(part, []).append(terms[0])
                else:
                    # A phrase ("covid-19" is two terms too): every adjacent pair.
                    wanted = pairs(terms)
                    if positive:
                        phrases.append(both([any_of(f"{part}_pairs", [p]) for p in wanted]))
                    else:
                        phrases.append(either([none_of(f"{part}_pairs", [p]) for p in wanted]))
        if positive:
            words: list[Filter] = [any_of(f"{p}_terms", t) for p, t in singles.items()]
            return either([*words, *phrases])
        return both([*(none_of(f"{p}_terms", t) for p, t in singles.items()), *phrases])
