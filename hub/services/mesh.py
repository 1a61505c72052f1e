"""Topics: MeSH descriptors (Medical Subject Headings, U.S. National Library of Medicine), and
free terms where no descriptor fits.

The descriptors come from ``hub/data/mesh.csv`` (about 30,000, each with its NLM id; English
names only, as the source package ships them; see ``scripts/refresh_mesh.py``), read once per
process when first asked for.

A version's ``topics`` stay a list of strings: a descriptor is stored as its id ("D008288"),
a free term as its text. ``topics_of`` reads them back as ``Topic``s (id or None, and the name
to show); every surface that shows or exports topics (the material page, search, JSON-LD,
feeds, LOM and ``oai_dc``) goes through it. What a teacher types is read by ``stored_form``:
a descriptor's id or its name (any case) becomes the descriptor, anything else stays a free term.
"""

from __future__ import annotations

import bisect
import csv
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

#: Where a descriptor's id leads: the NLM's page (and linked data) of that descriptor.
MESH_URI = "https://id.nlm.nih.gov/mesh/"
#: Descriptor ids: "D" and 6 or 9 digits.
DESCRIPTOR_ID = re.compile(r"^D\d{6}(?:\d{3})?$")
_WORD = re.compile(r"\w+")
SUGGESTIONS = 10
#: Fewer letters than this suggest nothing: one letter starts thousands of names.
SHORTEST = 2


@dataclass(frozen=True)
class Topic:
    """One topic of a material: a MeSH descriptor (``id`` set) or a free term (``id`` None)."""

    id: str | None
    name: str

    @property
    def free(self) -> bool:
        """Whether it is a free term rather than a descriptor."""
        return self.id is None

    @property
    def uri(self) -> str | None:
        """The descriptor's address at the NLM (None for a free term)."""
        return None if self.id is None else MESH_URI + self.id

    @property
    def stored(self) -> str:
        """How a version stores it: the descriptor's id, or the free term's text."""
        return self.id or self.name


def _key(name: str) -> str:
    """A name as compared: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


class Vocabulary:
    """The descriptors, by id and by name, with an index of the words of their names."""

    def __init__(self, descriptors: Iterable[tuple[str, str]]) -> None:
        self.descriptors: list[Topic] = [Topic(i, n) for i, n in descriptors]
        self.by_id = {d.id: d for d in self.descriptors if d.id is not None}
        self.by_name = {_key(d.name): d for d in self.descriptors}
        self._keys = [_key(d.name) for d in self.descriptors]
        # Every word of every name with its descriptor's position, sorted: the descriptors
        # with a word starting with some letters are one range of this list (bisect).
        self._words = sorted(
            (word, i) for i, key in enumerate(self._keys) for word in set(_WORD.findall(key))
        )

    def _starting(self, prefix: str) -> set[int]:
        """The descriptors (positions) with a word of their name starting with ``prefix``."""
        start = bisect.bisect_left(self._words, (prefix, -1))
        found: set[int] = set()
        for word, i in self._words[start:]:
            if not word.startswith(prefix):
                break
            found.add(i)
        return found

    def suggest(
        self, text: str, limit: int = SUGGESTIONS, preferred: frozenset[str] = frozenset()
    ) -> list[Topic]:
        """Descriptors for what a person is typing, best first: the id itself, the name
        itself, names that start with the text, then names with a word starting with each
        word typed; within each, the ``preferred`` ids (those the hub's materials use) first,
        then shorter names."""
        query = _key(text)
        if len(query) < SHORTEST:
            return []
        if DESCRIPTOR_ID.match(query.upper()):
            found = self.by_id.get(query.upper())
            return [found] if found else []
        words = _WORD.findall(query)
        if not words:
            return []
        candidates = self._starting(words[0])
        for word in words[1:]:
            candidates &= self._starting(word)
            if not candidates:
                return []

        def rank(i: int) -> tuple[int, bool, int, str]:
            key = self._keys[i]
            place = 0 if key == query else 1 if key.startswith(query) else 2
            return place, self.descriptors[i].id not in preferred, len(key), key

        return [self.descriptors[i] for i in sorted(candidates, key=rank)[:limit]]


@functools.cache
def vocabulary() -> Vocabulary:
    """The descriptors, read from the hub's data file the first time they are needed."""
    text = resources.files("hub").joinpath("data/mesh.csv").read_text(encoding="utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return Vocabulary((row["id"], row["name"]) for row in csv.DictReader(lines))


def descriptor(descriptor_id: str) -> Topic | None:
    """The descriptor with this id ("D008288"), if there is one."""
    return vocabulary().by_id.get(descriptor_id.strip().upper())


def named(name: str) -> Topic | None:
    """The descriptor with this name, in any case ("malaria" -> Malaria), if there is one."""
    return vocabulary().by_name.get(_key(name))


def suggest(text: str, limit: int = SUGGESTIONS, preferred: Iterable[str] = ()) -> list[Topic]:
    """Descriptors for what a person is typing, best first (``Vocabulary.suggest``); the
    ``preferred`` ids (in use in the hub) first among equals."""
    return vocabulary().suggest(text[:200], limit, frozenset(preferred))


def read(text: str) -> Topic:
    """A stored or typed topic: the descriptor its id or name names, else a free term."""
    text = " ".join(text.split())
    if DESCRIPTOR_ID.match(text.upper()):
        found = descriptor(text)
        if found is not None:
            return found
    return named(text) or Topic(None, text)


def read_all(texts: Iterable[str]) -> list[Topic]:
    """Stored or typed topics, each read (``read``): what a form shows of what was typed."""
    return [read(t) for t in texts if t.strip()]


def stored_form(text: str) -> str:
    """What a version stores for a typed topic: a descriptor's id, or the free term."""
    return read(text).stored


def words(stored: str) -> str:
    """A stored topic in words: a descriptor's name, or the free term itself."""
    return read(stored).name


class HasTopics(Protocol):
    """Anything with stored topics (a material version)."""

    @property
    def topics(self) -> Sequence[str]: ...


def topics_of(version: HasTopics) -> list[Topic]:
    """A version's topics, in order: descriptors (id and name) and free terms (no id).

    The one reading of stored topics for every surface that shows or exports them."""
    return read_all(version.topics or [])


def topic_names(version: HasTopics) -> list[str]:
    """The names of a version's topics (what search indexes and people read)."""
    return [t.name for t in topics_of(version)]
