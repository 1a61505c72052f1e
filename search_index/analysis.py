"""Text analysis: a stemmer per language Whoosh can stem, a neutral form for the others.

A word's *term* is: lower-cased, stemmed with its material's language (when Whoosh has a
stemmer for it), accents folded (``anémie`` and ``anemie`` are the same term, so a person
without the right keyboard still finds what they look for). Stemming happens before
folding because the stemmers are written for correctly accented words. Materials in a
language Whoosh cannot stem are indexed by their neutral terms (lower-cased, folded), so
every language is findable.

All languages share one field (see :mod:`search_index.schema`): a query word is turned
into its term for every language present and the *distinct* terms are searched. Most words
have one to three distinct terms across fifteen stemmers, where a field per language made
Whoosh union a posting list per language (measured: about 2x slower queries). The cost is
some cross-language matching: German ``Kinder`` (term ``kind``) also finds English "kind".
Searching across languages is the default anyway; the ``languages`` filter narrows.

No analyzer drops stop words when indexing: a word that is a stop word in one language may
matter in another ("who", "die", "son"), and phrases keep their exact positions. Queries
instead make stop words optional (they rank, they do not exclude); see :mod:`.querying`.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import Stemmer
import whoosh.lang
from whoosh.analysis import Analyzer, Token
from whoosh.formats import Positions
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

#: Languages (ISO 639-1) for which Whoosh has a stemmer.
STEM_LANGUAGES: tuple[str, ...] = tuple(
    lang for lang in whoosh.lang.languages if whoosh.lang.has_stemmer(lang)
)

# BCP 47 primary subtags that Whoosh knows under another code.
_LANGUAGE_ALIASES = {"nb": "no", "nn": "no"}

# Whoosh's default word pattern: letters/digits, keeping "3.5" and "e.g" in one token.
WORD_RE = re.compile(r"\w+(?:\.?\w+)*")

#: Separates the header (the material's languages) from the text in a field value.
LANGS_END = "\x1d"
#: Separates a material's parts (title, topics, summary, body) in a field value.
PART_SEPARATOR = "\x1e"
#: Weights of title, topics, summary and body words in the ``text`` field.
PART_WEIGHTS: tuple[float, ...] = (4.0, 3.0, 2.0, 1.0)
# Positions skipped between parts and languages, so a quoted phrase never spans them.
_GAP = 100
_CACHE_LIMIT = 500_000

#: A value's postings (see :meth:`MaterialAnalyzer.postings`): its distinct terms, the
#: position of each (an int when the term occurs once, else the list of its positions),
#: the weight of each, and the number of words.
Postings = tuple[list[str], list[Any], list[float], int]


# Whoosh's language codes -> Snowball algorithm names.
_SNOWBALL = {
    "ar": "arabic", "da": "danish", "nl": "dutch", "en": "english", "fi": "finnish",
    "fr": "french", "de": "german", "hu": "hungarian", "it": "italian", "no": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "es": "spanish", "sv": "swedish",
}  # fmt: skip


def snowball_stemmer(lang: str) -> Callable[[str], str] | None:
    """The Snowball stemmer of ``lang`` (a Whoosh language code), or None.

    PyStemmer's: the Snowball algorithms compiled to C, about ten times faster than
    Whoosh's pure-Python ports (a rebuild stems every distinct word of the corpus once
    per process), and more recent (Whoosh's German, Dutch, Russian and Arabic ports
    predate fixes to those algorithms; the others agree word for word).
    """
    name = _SNOWBALL.get(lang)
    if name is None:
        return None
    # A PyStemmer object must not be used by two threads at once: one per thread.
    local = threading.local()

    def stem(word: str) -> str:
        stemmer = getattr(local, "stemmer", None)
        if stemmer is None:
            stemmer = local.stemmer = Stemmer.Stemmer(name)
        return str(stemmer.stemWord(word))

    return stem


class Terms:
    """Word -> term for one language (None: neutral), with a cache shared process-wide."""

    _instances: dict[str | None, Terms] = {}

    def __init__(self, lang: str | None) -> None:
        self.lang = lang
        stem = snowball_stemmer(lang) if lang else None
        fold = accent_map
        if stem is None:
            self._normalize: Callable[[str], str] = lambda w: w.lower().translate(fold)
        else:
            self._normalize = lambda w: stem(w.lower()).translate(fold)
        self._cache: dict[str, str] = {}

    @classmethod
    def of(cls, lang: str | None) -> Terms:
        """The shared instance for ``lang``."""
        found = cls._instances.get(lang)
        if found is None:
            found = cls._instances[lang] = cls(lang)
        return found

    def term(self, word: str) -> str:
        """The index term of one word."""
        cache = self._cache
        term = cache.get(word)
        if term is None:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            term = cache[word] = self._normalize(word)
        return term

    def terms(self, text: str) -> list[str]:
        """The terms of every word of ``text``, in order."""
        term = self.term
        return [term(word) for word in WORD_RE.findall(text)]


def material_value(langs: list[str], parts: list[str]) -> str:
    """A text field's value: the material's stemming languages, then its parts."""
    return ",".join(langs) + LANGS_END + PART_SEPARATOR.join(parts)


def _split(value: str) -> tuple[list[str | None], list[str]]:
    header, _, text = value.partition(LANGS_END)
    langs: list[str | None] = [lang for lang in header.split(",") if lang] or [None]
    return langs, text.split(PART_SEPARATOR)


class MaterialAnalyzer(Analyzer):
    """The analyzer of the text fields: a :func:`material_value` in, terms out.

    Each part is analysed with each of the material's languages (or neutrally). With
    ``weighted``, a word's weight depends on its part (:data:`PART_WEIGHTS`): a title word
    counts as four occurrences, as BM25F would weigh a title field, which ranks a title
    match over topics over summary over body.

    Whoosh's own analyzers are chains of generators passing a Token per word through each
    filter, with a pure-Python stemming cache; profiling a rebuild showed that machinery
    costing more than the stemming. :meth:`postings` (used by :class:`FastPositions` when
    indexing) does the same work in one loop, and ``__call__`` serves everything else.
    """

    def __init__(self, weighted: bool) -> None:
        self.weighted = weighted

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MaterialAnalyzer) and other.weighted == self.weighted

    def __hash__(self) -> int:
        return hash((MaterialAnalyzer, self.weighted))

    def __repr__(self) -> str:
        return f"MaterialAnalyzer(weighted={self.weighted})"

    def _weights(self, count: int) -> tuple[float, ...]:
        return PART_WEIGHTS if self.weighted else (1.0,) * count

    def postings(self, value: str) -> Postings:
        """Each distinct term of ``value`` with its positions and weight (see
        :data:`Postings`), in order of first occurrence.

        Indexing's hot loop (every word of every material), so written for CPython: terms
        and positions of the whole value go into flat lists, and the dicts that group them
        are built by C code (``dict(zip(...))``, ``Counter``). Only a term occurring more
        than once costs a Python step per occurrence.
        """
        langs, parts = _split(value)
        part_weights = self._weights(len(parts))
        words: list[str] = []
        positions: list[int] = []
        weights: list[float] = []
        pos = 0
        for lang in langs:
            terms = Terms.of(lang)
            cached = terms._cache.get
            term_of = terms.term
            for weight, part in zip(part_weights, parts, strict=False):
                found = [cached(word) or term_of(word) for word in WORD_RE.findall(part)]
                count = len(found)
                words += found
                positions += range(pos, pos + count)
                if self.weighted:
                    weights += itertools.repeat(weight, count)
                pos += count + _GAP
        count = len(words)
        last = dict(zip(words, positions, strict=True))
        if len(last) == count:  # every term once (dict order: first occurrence)
            return words, positions, weights if self.weighted else [1.0] * count, count
        # Some terms occur more than once: gather their positions (and weights).
        repeated: dict[str, list[int]] = {term: [] for term, n in Counter(words).items() if n > 1}
        sums: dict[str, float] = {}
        if self.weighted:
            for term, position, weight in zip(words, positions, weights, strict=True):
                group = repeated.get(term)
                if group is not None:
                    group.append(position)
                    sums[term] = sums.get(term, 0.0) + weight
        else:
            for term, position in zip(words, positions, strict=True):
                group = repeated.get(term)
                if group is not None:
                    group.append(position)
        term_positions: list[Any] = list(map(repeated.get, last, last.values()))
        if self.weighted:
            singles = dict(zip(words, weights, strict=True)).values()
            term_weights = list(map(sums.get, last, singles))
        else:
            term_weights = [float(len(p)) if p.__class__ is list else 1.0 for p in term_positions]
        return list(last), term_positions, term_weights, count

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
        if LANGS_END in value:
            langs, parts = _split(value)
        else:  # a query string: neutral terms
            langs, parts = [None], [value]
        pos = start_pos
        for lang in langs:
            term = Terms.of(lang).term
            for weight, part in zip(self._weights(len(parts)), parts, strict=False):
                for match in WORD_RE.finditer(part):
                    token.text = term(match.group())
                    token.boost = weight
                    token.stopped = False
                    if keeporiginal:
                        token.original = match.group()
                    if positions:
                        token.pos = pos
                    if chars:  # offsets within the part
                        token.startchar = start_char + match.start()
                        token.endchar = start_char + match.end()
                    pos += 1
                    yield token
                pos += _GAP


class FastPositions(Positions):
    """Whoosh's ``Positions`` format (same bytes on disk), indexing through
    :meth:`MaterialAnalyzer.postings` instead of a stream of Token objects."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        postings = getattr(analyzer, "postings", None)
        if postings is None or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        encode = self.encode
        terms, positions, weights, _ = postings(value)
        for term, found, weight in zip(terms, positions, weights, strict=True):
            poslist = found if found.__class__ is list else [found]
            yield term, len(poslist), weight * boost, encode(poslist)

    def index_lists(
        self, value: str, analyzer: Any
    ) -> tuple[list[str], list[float], list[bytes], int]:
        """The distinct terms of ``value``, their weights (with the field boost) and
        encoded positions, and the number of words: what :meth:`word_values` yields, as
        parallel lists (for :class:`search_index.bulk.BulkSegmentWriter`)."""
        terms, positions, weights, count = analyzer.postings(value)
        boost = self.field_boost
        if boost != 1.0:
            weights = [weight * boost for weight in weights]
        encode = self.encode
        single = _SINGLE_POSITIONS
        # A single position is an int (its encoding made once), several a list.
        try:
            values = [single[p] if p.__class__ is int else encode(p) for p in positions]
        except IndexError:
            top = max(p if p.__class__ is int else 0 for p in positions)
            single.extend(encode([p]) for p in range(len(single), 2 * top + 1))
            values = [single[p] if p.__class__ is int else encode(p) for p in positions]
        return terms, weights, values, count


# Encoded single-position values, by position (most postings have one position).
_SINGLE_POSITIONS: list[bytes] = []


def primary_language(tag: str) -> str:
    """The lower-case primary subtag of a BCP 47 tag (``"pt-BR"`` -> ``"pt"``)."""
    primary = re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()
    return _LANGUAGE_ALIASES.get(primary, primary)


def stem_language(tag: str) -> str | None:
    """The stemming language for a BCP 47 tag, or None when Whoosh has no stemmer for it."""
    lang = primary_language(tag)
    lang = whoosh.lang.aliases.get(lang, lang) if len(lang) == 3 else lang
    return lang if lang in STEM_LANGUAGES else None


def stemming_languages(tags: Iterable[str]) -> tuple[tuple[str, ...], bool]:
    """The stemming languages of the language ``tags`` present in an index, and whether
    some material is indexed neutrally (a tag without a stemmer, or no stemmer at all)."""
    langs: set[str] = set()
    neutral = False
    for tag in tags:
        lang = stem_language(tag)
        if lang:
            langs.add(lang)
        else:
            neutral = True
    return tuple(sorted(langs)), neutral or not langs


def neutral_terms(text: str) -> list[str]:
    """The neutral terms of ``text``, in order."""
    return Terms.of(None).terms(text)


def _all_stop_words() -> frozenset[str]:
    words: set[str] = set()
    for lang in whoosh.lang.languages:
        if whoosh.lang.has_stopwords(lang):
            words.update(neutral_terms(" ".join(stopwords_for_language(lang))))
    return frozenset(words)


#: Folded stop words of every language Whoosh knows them for (optional in queries).
STOP_WORDS: frozenset[str] = _all_stop_words()
