"""The search box language, parsed by hand into Whoosh queries.

Whoosh's own query parser accepts far more than a search box needs (ranges, boosts, fuzzy
terms, any field name) and reports trouble as exceptions from deep inside Whoosh. This
parser understands a small language and refuses everything else with a :class:`QueryError`
whose message says what to change:

* words: every word must occur (in any text part, in any language: each word is analysed
  by each field's own analyzer, so ``vaccines`` meets English ``vaccine`` and French
  ``vaccins`` meets ``vaccin``). A word that is a stop word in some language (``the``,
  ``les``, ``who``) is optional when the query has other words: it ranks, it does not
  exclude;
* ``"quoted phrases"``: the words in this order (stemmed like words);
* ``word*``: words starting with at least 3 letters (a prefix matching more than
  :data:`MAX_PREFIX_TERMS` different index terms is refused: add letters); a lone ``*``
  means everything;
* ``OR`` between clauses, ``NOT``/``-`` before a clause, ``AND``/``+`` (the default), and
  ``( ... )`` to group. Operators must be written in capitals; lower-case ``and``/``or``
  are words;
* ``title:`` and ``topic:``/``topics:`` before a word or a phrase restrict it to the title
  or the topics. Any other ``name:value`` is not a field: both sides are searched as plain
  words (``dosage:malaria``, ``http://...`` are text, not mistakes).

Refused, with a message: an unclosed quotation mark, unbalanced parentheses, an operator
without a clause on each side (``AND OR``, ``NOT`` at the end), a field prefix with nothing
after it, ``ab*`` (too short), text with no letters or digits, more than
:data:`MAX_QUERY_CHARS` characters, :data:`MAX_CLAUSES` clauses or
:data:`MAX_DEPTH` nested parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from whoosh import query as wq

from search_index.analysis import STOP_WORDS, Terms, neutral_terms
from search_index.errors import QueryError
from search_index.whoosh_internals import AndMaybe

MAX_QUERY_CHARS = 500
MAX_CLAUSES = 32
MAX_DEPTH = 8
MAX_PREFIX_TERMS = 128
MIN_PREFIX_CHARS = 3

#: What a person may write before a colon, and the text fields it selects.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "topic": ("topics",),
    "topics": ("topics",),
}
DEFAULT_PARTS: tuple[str, ...] = ("text",)


# --- The syntax tree -------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A word (``prefix``: it ended in ``*``) in the given text parts."""

    text: str
    parts: tuple[str, ...] = DEFAULT_PARTS
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Quoted words, in order, in the given text parts."""

    text: str
    parts: tuple[str, ...] = DEFAULT_PARTS


@dataclass(frozen=True)
class MatchAll:
    """A lone ``*``: every material."""


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class AndNode:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class OrNode:
    nodes: tuple[Node, ...]


Node = Word | Phrase | MatchAll | Not | AndNode | OrNode


# --- Lexing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # WORD PHRASE LPAREN RPAREN AND OR NOT PLUS
    text: str = ""
    field: str | None = None  # the field prefix written before a WORD or PHRASE


_FIELD_RE = re.compile(r"([A-Za-z_]+):(.*)", re.DOTALL)
_SPACE_RE = re.compile(r"[\s\x00-\x1f\x7f]+")


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if _SPACE_RE.match(ch):
            i += 1
            continue
        if ch == "(":
            toks.append(_Tok("LPAREN"))
            i += 1
            continue
        if ch == ")":
            toks.append(_Tok("RPAREN"))
            i += 1
            continue
        if ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError(_UNCLOSED_QUOTE, "unclosed-quote")
            toks.append(_Tok("PHRASE", text[i + 1 : end]))
            i = end + 1
            continue
        if ch in "-+" and i + 1 < n and not _SPACE_RE.match(text[i + 1]):
            # "-word" excludes, "+word" requires (the default); "a-b" is handled as a word.
            toks.append(_Tok("NOT" if ch == "-" else "PLUS"))
            i += 1
            continue
        # A bare run up to the next space, quote or parenthesis.
        j = i
        while j < n and text[j] not in '"()' and not _SPACE_RE.match(text[j]):
            j += 1
        raw = text[i:j]
        i = j
        if raw in ("AND", "&&"):
            toks.append(_Tok("AND"))
        elif raw in ("OR", "||"):
            toks.append(_Tok("OR"))
        elif raw == "NOT":
            toks.append(_Tok("NOT"))
        else:
            match = _FIELD_RE.fullmatch(raw)
            name = match.group(1).lower() if match else None
            if match and name in FIELD_ALIASES:
                rest = match.group(2)
                if rest:
                    toks.append(_Tok("WORD", rest, field=name))
                elif i < n and text[i] == '"':
                    end = text.find('"', i + 1)
                    if end < 0:
                        raise QueryError(_UNCLOSED_QUOTE, "unclosed-quote")
                    toks.append(_Tok("PHRASE", text[i + 1 : end], field=name))
                    i = end + 1
                else:
                    raise QueryError(
                        f'"{match.group(1)}:" must be followed directly by a word or a quoted '
                        f'phrase, as in {name}:anaemia or {name}:"heart failure".',
                        "field-needs-word",
                        field=match.group(1),
                        name=name,
                    )
            elif match:
                # Not a field we know: "dosage:malaria" is two words, not a mistake.
                toks.append(_Tok("WORD", match.group(1)))
                if match.group(2):
                    toks.append(_Tok("WORD", match.group(2)))
            else:
                toks.append(_Tok("WORD", raw))
    return toks


# --- Parsing ---------------------------------------------------------------------------


_UNCLOSED_QUOTE = 'A quotation mark (") is not closed: add the closing one, or remove it.'
_OR_NEEDS_WORDS = '"OR" needs a search word on each side, as in "malaria OR dengue".'
_AND_NEEDS_WORDS = '"AND" needs a search word on each side, as in "malaria AND children".'
_EMPTY_PARENS = "There is nothing between the parentheses: remove them."
_UNCLOSED_PAREN = "An opening parenthesis is not closed: add a ) or remove the (."
_STRAY_PAREN = "A closing parenthesis has no opening one: remove it, or add a ( before."


class _Parser:
    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.pos = 0
        self.clauses = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Node | None:
        if not self.toks:
            return None
        node = self.parse_or(0)
        tok = self.peek()
        if tok is not None:
            if tok.kind == "RPAREN":
                raise QueryError(_STRAY_PAREN, "stray-paren")
            raise QueryError(f"Unexpected {tok.kind} in the search.")  # pragma: no cover
        return node

    def parse_or(self, depth: int) -> Node:
        nodes = [self.parse_and(depth)]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            if (nxt := self.peek()) is None or nxt.kind in ("OR", "AND", "RPAREN"):
                raise QueryError(_OR_NEEDS_WORDS, "or-needs-words")
            nodes.append(self.parse_and(depth))
        return nodes[0] if len(nodes) == 1 else OrNode(tuple(nodes))

    def parse_and(self, depth: int) -> Node:
        nodes: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind not in ("OR", "RPAREN"):
            if tok.kind == "AND":
                self.take()
                nxt = self.peek()
                if not nodes or nxt is None or nxt.kind in ("OR", "AND", "RPAREN"):
                    raise QueryError(_AND_NEEDS_WORDS, "and-needs-words")
                continue
            nodes.append(self.parse_unary(depth))
        if not nodes:
            tok = self.peek()
            if tok is None:  # only reachable inside "(": the input ended
                raise QueryError(_UNCLOSED_PAREN, "unclosed-paren")
            if tok.kind == "RPAREN":
                if depth == 0:
                    raise QueryError(_STRAY_PAREN, "stray-paren")
                raise QueryError(_EMPTY_PARENS, "empty-parens")
            raise QueryError(_OR_NEEDS_WORDS, "or-needs-words")
        return nodes[0] if len(nodes) == 1 else AndNode(tuple(nodes))

    def parse_unary(self, depth: int) -> Node:
        tok = self.take()
        if tok.kind in ("NOT", "PLUS"):
            nxt = self.peek()
            if nxt is None or nxt.kind in ("OR", "AND", "RPAREN"):
                word = "NOT" if tok.kind == "NOT" else "+"
                example = f"malaria {word}{' ' if word == 'NOT' else ''}vaccine"
                raise QueryError(
                    f'"{word}" needs a search word right after it, as in "{example}".',
                    "needs-word-after",
                    word=word,
                    example=example,
                )
            inner = self.parse_unary(depth)
            return Not(inner) if tok.kind == "NOT" else inner
        if tok.kind == "LPAREN":
            if depth + 1 > MAX_DEPTH:
                raise QueryError(
                    f"Too many nested parentheses (at most {MAX_DEPTH}).",
                    "too-deep",
                    most=MAX_DEPTH,
                )
            if (nxt := self.peek()) is not None and nxt.kind == "RPAREN":
                raise QueryError(_EMPTY_PARENS, "empty-parens")
            node = self.parse_or(depth + 1)
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise QueryError(_UNCLOSED_PAREN, "unclosed-paren")
            self.take()
            return node
        if tok.kind == "RPAREN":  # pragma: no cover - parse_and stops before RPAREN
            raise QueryError(_STRAY_PAREN, "stray-paren")
        if tok.kind == "AND":  # pragma: no cover - handled by the callers
            raise QueryError(_AND_NEEDS_WORDS, "and-needs-words")
        if tok.kind == "OR":  # pragma: no cover - handled by the callers
            raise QueryError(_OR_NEEDS_WORDS, "or-needs-words")
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise QueryError(
                f"The search has too many words (at most {MAX_CLAUSES}): shorten it.",
                "too-many-words",
                most=MAX_CLAUSES,
            )
        parts = FIELD_ALIASES[tok.field] if tok.field else DEFAULT_PARTS
        if tok.kind == "PHRASE":
            if not neutral_terms(tok.text):
                raise QueryError(
                    "A quoted phrase has no letters or digits in it: put words between the "
                    "quotation marks.",
                    "phrase-without-letters",
                )
            return Phrase(tok.text, parts)
        return _word(tok.text, parts)


def _word(raw: str, parts: tuple[str, ...]) -> Node:
    stripped = raw.rstrip("*")
    if raw.endswith("*"):
        if not stripped.strip("*"):
            return MatchAll()
        letters = "".join(neutral_terms(stripped))
        if len(letters) < MIN_PREFIX_CHARS:
            raise QueryError(
                f'"{raw}": put at least {MIN_PREFIX_CHARS} letters before the *, as in cardio*.',
                "prefix-too-short",
                word=raw,
                least=MIN_PREFIX_CHARS,
            )
        return Word(stripped, parts, prefix=True)
    return Word(raw, parts)


def parse(text: str) -> Node | None:
    """Parse search-box text. None means "no search words": browse everything visible.

    Raises :class:`QueryError` with a message for a person when the text cannot be used.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"The search is too long ({len(text)} characters; at most {MAX_QUERY_CHARS}): "
            "shorten it.",
            "too-long",
            length=len(text),
            most=MAX_QUERY_CHARS,
        )
    node = _Parser(_lex(text)).parse()
    if node is None:
        return None
    node = _drop_empty(node)
    if node is None:
        raise QueryError("The search has no letters or digits to look for.", "no-letters")
    if isinstance(node, OrNode) and any(isinstance(n, MatchAll) for n in node.nodes):
        return MatchAll()  # "malaria OR *" is everything
    if _only_negative(node):
        # "-malaria" alone: everything except; an explicit MatchAll makes that literal.
        node = AndNode((MatchAll(), node))
    return node


def _drop_empty(node: Node) -> Node | None:
    """Remove words that have nothing searchable (only punctuation, like "&" or "?")."""
    if isinstance(node, Word):
        return node if neutral_terms(node.text) else None
    if isinstance(node, Not):
        inner = _drop_empty(node.node)
        return Not(inner) if inner is not None else None
    if isinstance(node, AndNode | OrNode):
        kept = tuple(n for n in (_drop_empty(n) for n in node.nodes) if n is not None)
        if not kept:
            return None
        if len(kept) == 1:
            return kept[0]
        return type(node)(kept)
    return node


def _only_negative(node: Node) -> bool:
    if isinstance(node, Not):
        return True
    if isinstance(node, AndNode):
        return all(isinstance(n, Not) for n in node.nodes)
    return False


# --- Compiling to Whoosh ---------------------------------------------------------------


def variants(text: str, languages: Iterable[str], has_neutral: bool) -> list[list[str]]:
    """The distinct term sequences of ``text`` analysed in each of ``languages`` (and
    neutrally when ``has_neutral`` or there are none): how a word of the search box finds
    the materials of every language of an index, on either engine."""
    analysers = [Terms.of(lang) for lang in languages]
    if has_neutral or not analysers:
        analysers.append(Terms.of(None))
    found: dict[tuple[str, ...], None] = {}
    for analyser in analysers:
        terms = tuple(analyser.terms(text))
        if terms:
            found.setdefault(terms, None)
    return [list(terms) for terms in found]


@dataclass
class Compiler:
    """Turns a syntax tree into a Whoosh query for one reader.

    ``languages``: the stemming languages present in the index; ``has_neutral``: whether
    some material is indexed neutrally. A word becomes its distinct terms over those.
    ``expand_prefix(field, prefix)`` lists index terms starting with ``prefix``.
    ``terms`` collects, per field, the terms of the positive (not negated) words, for
    highlighting.
    """

    languages: tuple[str, ...]
    expand_prefix: Callable[[str, str], Iterable[str]]
    has_neutral: bool = True
    terms: dict[str, set[str]] = field(default_factory=dict)

    def variants(self, text: str) -> list[list[str]]:
        """The distinct term sequences of ``text`` over the index's languages."""
        return variants(text, self.languages, self.has_neutral)

    def compile(self, node: Node, positive: bool = True) -> wq.Query:
        if isinstance(node, MatchAll):
            return wq.Every()
        if isinstance(node, Not):
            return wq.Not(self.compile(node.node, positive=False))
        if isinstance(node, OrNode):
            return wq.Or([self.compile(n, positive) for n in node.nodes])
        if isinstance(node, AndNode):
            return self._and(node.nodes, positive)
        if isinstance(node, Phrase):
            return self._phrase(node, positive)
        return self._word(node, positive)

    def _and(self, nodes: tuple[Node, ...], positive: bool) -> wq.Query:
        required: list[wq.Query] = []
        optional: list[wq.Query] = []
        has_content = any(not is_stop(n) and not isinstance(n, Not | MatchAll) for n in nodes)
        for n in nodes:
            q = self.compile(n, positive)
            (optional if has_content and is_stop(n) else required).append(q)
        base: wq.Query = required[0] if len(required) == 1 else wq.And(required)
        if optional:
            # Stop words rank (AndMaybe adds their score) but do not exclude.
            return AndMaybe(base, wq.Or(optional))
        return base

    def _note(self, fieldname: str, terms: Iterable[str], positive: bool) -> None:
        if positive:
            self.terms.setdefault(fieldname, set()).update(terms)

    def _word(self, node: Word, positive: bool) -> wq.Query:
        alternatives: list[wq.Query] = []
        variants = self.variants(node.text)
        for fieldname in node.parts:
            if node.prefix:
                # A prefix is part of a word: stemming it means nothing, and stems start
                # like their words, so the neutral form finds stemmed terms too.
                for *head, last in [neutral_terms(node.text)]:
                    expanded = list(
                        _take(self.expand_prefix(fieldname, last), MAX_PREFIX_TERMS + 1)
                    )
                    if len(expanded) > MAX_PREFIX_TERMS:
                        raise QueryError(
                            f'"{node.text}*" matches too many different words: '
                            "add a few letters before the *.",
                            "prefix-too-broad",
                            word=f"{node.text}*",
                        )
                    if not expanded:
                        continue
                    self._note(fieldname, [*head, *expanded], positive)
                    prefix_q: wq.Query = wq.Or([wq.Term(fieldname, t) for t in expanded])
                    if head:
                        prefix_q = wq.And([*(wq.Term(fieldname, t) for t in head), prefix_q])
                    alternatives.append(prefix_q)
                continue
            alternatives += [self._variant(fieldname, terms, positive) for terms in variants]
        return _any(alternatives)

    def _phrase(self, node: Phrase, positive: bool) -> wq.Query:
        variants = self.variants(node.text)
        return _any(
            [self._variant(field, terms, positive) for field in node.parts for terms in variants]
        )

    def _variant(self, fieldname: str, terms: list[str], positive: bool) -> wq.Query:
        """One variant of a word or phrase in one field: its term, or its terms as a phrase
        ("covid-19" is two terms in the index)."""
        self._note(fieldname, terms, positive)
        if len(terms) == 1:
            return wq.Term(fieldname, terms[0])
        return wq.Phrase(fieldname, terms)


def _any(alternatives: list[wq.Query]) -> wq.Query:
    if not alternatives:
        return wq.NullQuery
    return alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)


def _take(items: Iterable[str], limit: int) -> Iterator[str]:
    for n, item in enumerate(items):
        if n >= limit:
            return
        yield item


def is_stop(node: Node) -> bool:
    """True for a plain word that is a stop word in some language (optional among others)."""
    if isinstance(node, Word) and not node.prefix:
        terms = neutral_terms(node.text)
        return len(terms) == 1 and terms[0] in STOP_WORDS
    return False


def positive_words(node: Node | None) -> list[str]:
    """The plain (not negated, not prefix) words of a query, in order: for suggestions."""
    words: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Word) and not n.prefix:
            words.append(n.text)
        elif isinstance(n, AndNode | OrNode):
            for child in n.nodes:
                walk(child)

    if node is not None:
        walk(node)
    return words
