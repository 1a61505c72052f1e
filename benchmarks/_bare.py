"""The baseline both search benchmarks measure against: a bare Whoosh query on an index
folder the library wrote, with no access filter, no facets and no highlights.

It opens the folder's current generation with Whoosh itself (not through the library), so it
keeps working whatever the library does inside.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAGE_SIZE = 20  # what hub/web/search.py asks the library for


def _stemmers(languages: set[str]) -> list[Any]:
    """Snowball stemmers of ``languages``: the library's (PyStemmer) where it exposes them, so
    that the baseline looks up the very terms the index holds, else Whoosh's own."""
    try:
        from search_index.analysis import snowball_stemmer
    except ImportError:  # the library keeps its analysis to itself
        from whoosh.lang import stemmer_for_language

        found = []
        for lang in sorted(languages):
            with contextlib.suppress(KeyError):
                found.append(stemmer_for_language(lang))
        return found
    return [stem for lang in sorted(languages) if (stem := snowball_stemmer(lang)) is not None]


@dataclass
class Bare:
    """The baseline: a plain Whoosh query on the current generation, no access filter, no
    facets, no highlights, top 10.

    So that it finds what the library's text query finds, each query word becomes the terms
    Whoosh's own stemmers (of the corpus's languages) and accent folding make of it, kept
    where the index has them, in every full-text field: ``And(Or(Term(field, variant)...)
    per word)``. The terms are worked out once per word (as the library caches its own).
    The full-text fields are found in the index, whatever its schema: the joined ``text``
    (``text_<lang>``) fields when there are any, else every title/topics/summary/body field.
    ``search_title`` is Whoosh's ``QueryParser("title")`` as it comes, for reference only.
    """

    index_path: Path
    _terms: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import whoosh.index
        import whoosh.lang
        from whoosh.qparser import QueryParser

        current = self.index_path / "current"  # the library's swapped-in generation
        generation = current.resolve() if current.exists() else self.index_path
        self.ix = whoosh.index.open_dir(str(generation))
        self.searcher = self.ix.searcher()
        self.reader = self.searcher.reader()
        names = [n for n in self.ix.schema.names() if self.reader.field_length(n) > 0]
        joined = [n for n in names if n.split("_", 1)[0] == "text"]
        parts = ("title", "topics", "summary", "body")
        self.fields = joined or [n for n in names if n.split("_", 1)[0] in parts]
        # The languages of the corpus (from the ``languages`` facet's terms) that Whoosh can
        # stem: a word is stemmed as each of them would, as the library does.
        present = {
            (t.decode() if isinstance(t, bytes) else t).split(":", 1)[1].split("-")[0]
            for t in self.reader.lexicon("facets")
            if (t.decode() if isinstance(t, bytes) else t).startswith("languages:")
        } or set(whoosh.lang.languages)
        self.stemmers = _stemmers(present)
        self.title_parser = QueryParser("title", self.ix.schema)

    def terms(self, word: str) -> list[tuple[str, str]]:
        """(field, term) pairs of one query word that the index holds."""
        found = self._terms.get(word)
        if found is None:
            from whoosh.support.charset import accent_map

            lower = word.lower()
            variants = {lower.translate(accent_map)}
            variants.update(stem(lower).translate(accent_map) for stem in self.stemmers)
            found = self._terms[word] = [
                (f, v) for f in self.fields for v in sorted(variants)
                if self.reader.doc_frequency(f, v) > 0
            ]  # fmt: skip
        return found

    def query(self, text: str) -> Any:
        from whoosh import query as wq

        return wq.And(
            [wq.Or([wq.Term(f, t) for f, t in self.terms(word)]) for word in text.split()]
        )

    def search(self, text: str, page: int = 1) -> int:
        query = self.query(text)
        if page == 1:
            return len(self.searcher.search(query, limit=10))
        return len(self.searcher.search_page(query, page, pagelen=PAGE_SIZE))

    def matches(self, text: str) -> set[str]:
        """Ids of every material the query matches (to check it finds what the library does)."""
        results = self.searcher.search(self.query(text), limit=None)
        return {hit["id"] for hit in results}

    def search_title(self, text: str) -> int:
        return len(self.searcher.search(self.title_parser.parse(text), limit=10))

    def close(self) -> None:
        self.searcher.close()
