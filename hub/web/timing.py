"""Server-Timing: how long a request's parts took, for operators (the browser's network
panel) and benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import perf_counter
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class ServerTiming:
    """The parts of one request, each measured with :meth:`part` (or :meth:`calls`, for a
    function called within another part). A part's time leaves out the parts measured
    within it, so the parts add up to no more than the whole request."""

    def __init__(self) -> None:
        self.started = perf_counter()
        self._parts: dict[str, tuple[float, str]] = {}
        self._within = [0.0]  # per part being measured: the time of the parts within it

    @contextmanager
    def part(self, name: str, words: str) -> Iterator[None]:
        """Measure the block as part ``name`` (``words``: what it is, for people)."""
        self._within.append(0.0)
        start = perf_counter()
        try:
            yield
        finally:
            took = perf_counter() - start
            within = self._within.pop()
            self._within[-1] += took
            before = self._parts.get(name, (0.0, words))[0]
            self._parts[name] = (before + took - within, words)

    def calls(self, name: str, words: str, function: Callable[P, T]) -> Callable[P, T]:
        """``function``, each call measured as part ``name``."""

        def measured(*args: P.args, **kwargs: P.kwargs) -> T:
            with self.part(name, words):
                return function(*args, **kwargs)

        return measured

    def header(self, lead: str, rest: tuple[str, str]) -> str:
        """The ``Server-Timing`` value: part ``lead`` first, then the rest of the request
        so far (``rest``: its name and words), then every other part."""
        total = perf_counter() - self.started
        lead_time, lead_words = self._parts.get(lead, (0.0, lead))
        entries = [(lead, lead_time, lead_words), (rest[0], total - lead_time, rest[1])]
        entries += [(n, t, w) for n, (t, w) in self._parts.items() if n != lead]
        return ", ".join(f'{n};dur={t * 1000:.2f};desc="{w}"' for n, t, w in entries)
