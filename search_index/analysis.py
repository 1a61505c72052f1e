"""Text analysis: one stemming analyzer per language Whoosh can stem, and a neutral one.

Every analyzer lower-cases and folds accents (``anémie`` and ``anemie`` are the same
term), so a person without the right keyboard still finds what they look for. The neutral
analyzer does not stem: it makes materials in languages Whoosh cannot stem findable by
their exact (folded) words.

No analyzer drops stop words when indexing: a word that is a stop word in one language may
matter in another ("who", "die", "son"), and phrases keep their exact positions. Queries
instead make stop words optional (they rank, they do not exclude); see :mod:`.querying`.

Analyzer instances are module-level singletons, so their word-to-term caches serve indexing
and querying alike; Whoosh pickles only their language into each index's schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import whoosh.lang
from whoosh.analysis import Analyzer, Token
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

#: Languages (ISO 639-1) for which Whoosh has a stemmer; each gets its own text fields.
STEM_LANGUAGES: tuple[str, ...] = tuple(
    lang for lang in whoosh.lang.languages if whoosh.lang.has_stemmer(lang)
)

# BCP 47 primary subtags that Whoosh knows under another code.
_LANGUAGE_ALIASES = {"nb": "no", "nn": "no"}

# Whoosh's default word pattern: letters/digits, keeping "3.5" and "e.g" in one token.
WORD_RE = re.compile(r"\w+(?:\.?\w+)*")


class WordAnalyzer(Analyzer):  # type: ignore[misc]
    """Words, lower-cased, stemmed for ``lang`` (when given), accents folded.

    Equivalent to Whoosh's ``RegexTokenizer | LowercaseFilter | StemFilter | CharsetFilter``
    but in one loop with one cache from the word as written to its term: profiling a
    rebuild showed the generator chain and Whoosh's pure-Python stemming cache costing
    most of the indexing time. Stemming happens before folding because the stemmers are
    written for correctly accented words; folding their output still lets an unaccented
    query meet an accented text.
    """

    _CACHE_LIMIT = 500_000

    def __init__(self, lang: str | None = None) -> None:
        self.lang = lang
        self._setup()

    def _setup(self) -> None:
        stem = stemmer_for_language(self.lang) if self.lang else None
        fold = accent_map
        if stem is None:
            self._normalize: Callable[[str], str] = lambda w: w.lower().translate(fold)
        else:
            self._normalize = lambda w: stem(w.lower()).translate(fold)
        self._cache: dict[str, str] = {}

    # Whoosh pickles the schema into the index: keep only the language.
    def __getstate__(self) -> dict[str, Any]:
        return {"lang": self.lang}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.lang = state["lang"]
        self._setup()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.lang == self.lang  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.lang))

    def __repr__(self) -> str:
        return f"WordAnalyzer({self.lang!r})"

    def term(self, word: str) -> str:
        """The index term of one word."""
        cache = self._cache
        term = cache.get(word)
        if term is None:
            if len(cache) >= self._CACHE_LIMIT:
                cache.clear()
            term = cache[word] = self._normalize(word)
        return term

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        # One Token object, re-yielded (the Whoosh protocol: consumers copy what they keep).
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        cache = self._cache
        term_of = self.term
        pos = start_pos
        for match in WORD_RE.finditer(value):
            word = match.group()
            term = cache.get(word)
            token.text = term if term is not None else term_of(word)
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


NEUTRAL_ANALYZER = WordAnalyzer(None)
STEM_ANALYZERS: dict[str, WordAnalyzer] = {lang: WordAnalyzer(lang) for lang in STEM_LANGUAGES}


def _all_stop_words() -> frozenset[str]:
    words: set[str] = set()
    for lang in whoosh.lang.languages:
        if whoosh.lang.has_stopwords(lang):
            words.update(neutral_terms(" ".join(stopwords_for_language(lang))))
    return frozenset(words)


def primary_language(tag: str) -> str:
    """The lower-case primary subtag of a BCP 47 tag (``"pt-BR"`` -> ``"pt"``)."""
    primary = re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()
    return _LANGUAGE_ALIASES.get(primary, primary)


def stem_language(tag: str) -> str | None:
    """The stemming language for a BCP 47 tag, or None when Whoosh has no stemmer for it."""
    lang = primary_language(tag)
    lang = whoosh.lang.aliases.get(lang, lang) if len(lang) == 3 else lang
    return lang if lang in STEM_ANALYZERS else None


def neutral_terms(text: str) -> list[str]:
    """The neutral analyzer's terms for ``text``, in order."""
    term = NEUTRAL_ANALYZER.term
    return [term(word) for word in WORD_RE.findall(text)]


def stem_terms(lang: str, text: str) -> list[str]:
    """The terms the stemming analyzer of ``lang`` makes of ``text``."""
    term = STEM_ANALYZERS[lang].term
    return [term(word) for word in WORD_RE.findall(text)]


#: Folded stop words of every language Whoosh knows them for (optional in queries).
STOP_WORDS: frozenset[str] = _all_stop_words()


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, word)`` for every word of ``text``, as the analyzers tokenise it."""
    for match in WORD_RE.finditer(text):
        yield match.start(), match.end(), match.group()
