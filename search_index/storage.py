"""The index folder's layout: generations, the ``current`` pointer, the state file, locks.

::

    <path>/
      current -> gen-000003       relative symlink: the generation searches and writes use
      gen-000002/                 the previous generation, kept until the next rebuild
      gen-000003/
        MAIN_*.toc, MAIN_*.seg    Whoosh's files (and its MAIN_WRITELOCK)
        state.json                {"schema_version": 3, "position": 1234}
      .layout.lock                serialises creating the first generation and rebuilds

A rebuild writes a complete new ``gen-NNNNNN`` folder, then points ``current`` at it with
one ``rename(2)`` of a fresh symlink over the old one: a reader resolves ``current``
either before or after the swap, never half-way. Readers that still have the previous
generation open keep reading it (their files stay open); the next rebuild deletes it.
Generations older than that are deleted right after the swap: on Linux, deleting files
that a process still has open only unlinks their names, and the data stays readable until
they are closed.

``state.json`` is replaced atomically (write a temporary file, fsync, rename), after
Whoosh's commit, so a crash between the two leaves the older position: the outbox
follower then re-applies a few entries, which is harmless because upserts replace by id.

Changes the follower commits to the old generation while a rebuild runs are dropped with
it. Nothing is lost: the new generation records the position the rebuild was given (read
before the documents were), and a follower reads ``position`` from whatever ``current``
points at, so it re-applies every entry after that position.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from search_index.errors import IndexBusy, IndexCorrupt, IndexUnavailable

CURRENT = "current"
STATE_FILE = "state.json"
LAYOUT_LOCK = ".layout.lock"
_GEN_RE = re.compile(r"gen-(\d{6})")

REBUILD_HINT = "run `hub index rebuild` to build it again from the database"


def unavailable(path: Path, why: str) -> IndexUnavailable:
    """An :class:`IndexUnavailable` naming the folder and the repair."""
    return IndexUnavailable(f"The search index in {path} cannot be used: {why}; {REBUILD_HINT}.")


def corrupt(path: Path, why: str) -> IndexCorrupt:
    """An :class:`IndexCorrupt` naming the folder and the repair."""
    return IndexCorrupt(f"The search index in {path} is damaged: {why}; {REBUILD_HINT}.")


def generation_number(name: str) -> int | None:
    match = _GEN_RE.fullmatch(name)
    return int(match.group(1)) if match else None


def generation_name(number: int) -> str:
    return f"gen-{number:06d}"


def generations(root: Path) -> list[Path]:
    """Generation folders under ``root``, oldest first."""
    found = []
    for entry in os.scandir(root):
        number = generation_number(entry.name)
        if number is not None and entry.is_dir(follow_symlinks=False):
            found.append((number, Path(entry.path)))
    return [path for _, path in sorted(found)]


def current_generation(root: Path) -> Path | None:
    """The folder ``current`` points to, or None when there is no ``current`` yet."""
    try:
        target = os.readlink(root / CURRENT)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            raise corrupt(root, f"{root / CURRENT} is not a symbolic link") from exc
        raise unavailable(root, f"cannot read {root / CURRENT} ({exc.strerror})") from exc
    if "/" in target or generation_number(target) is None:
        raise corrupt(root, f"{root / CURRENT} points to {target!r}, not to a generation")
    return root / target


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def point_current_at(root: Path, generation: Path) -> None:
    """Atomically make ``current`` point at ``generation`` (a sibling folder)."""
    tmp = root / f".{CURRENT}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(generation.name, tmp)
    os.replace(tmp, root / CURRENT)
    fsync_dir(root)


def read_state(generation: Path) -> dict[str, Any]:
    """The generation's state (``schema_version``, ``position``)."""
    try:
        with open(generation / STATE_FILE, encoding="utf-8") as fh:
            state = json.load(fh)
    except FileNotFoundError as exc:
        raise corrupt(generation.parent, f"{generation / STATE_FILE} is missing") from exc
    except (OSError, ValueError) as exc:
        raise corrupt(generation.parent, f"{generation / STATE_FILE} is unreadable") from exc
    if not isinstance(state, dict) or not isinstance(state.get("position"), int):
        raise corrupt(generation.parent, f"{generation / STATE_FILE} has no position")
    return state


def write_state(generation: Path, state: dict[str, Any]) -> None:
    """Replace the generation's state file atomically and durably."""
    tmp = generation / f".{STATE_FILE}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(state, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, generation / STATE_FILE)
    fsync_dir(generation)


@contextlib.contextmanager
def layout_lock(root: Path, *, timeout: float = 0.0, what: str = "") -> Iterator[None]:
    """Hold the folder's layout lock (an ``flock``: released if the process dies),
    waiting up to ``timeout`` seconds for it, else raise :class:`IndexBusy`."""
    fd = os.open(root / LAYOUT_LOCK, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"The search index in {root} is busy: "
                        f"{what or 'another process holds it'}. Try again when it has finished."
                    ) from exc
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def remove_old_generations(root: Path, keep: set[Path]) -> None:
    """Delete generation folders other than ``keep`` (see the module docstring for why
    this is safe for processes that still have them open)."""
    for generation in generations(root):
        if generation not in keep:
            shutil.rmtree(generation, ignore_errors=True)
