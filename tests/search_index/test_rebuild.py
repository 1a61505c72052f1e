"""Rebuilding into a new generation and swapping it in; checking the index against the truth."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh.query import Every

from search_index import IndexBusy, IndexedMaterial, MaterialIndex, open_index, rebuild
from search_index.storage import layout_lock
from tests.search_index.factories import PUBLIC, ids, make_material


def generations(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.name.startswith("gen-"))


def test_rebuild_creates_the_folder_and_records_the_position(index_path: Path) -> None:
    progress: list[tuple[int, int | None]] = []
    docs = [make_material(id=f"d{n}", title="Malaria") for n in range(2500)]
    with rebuild(
        index_path,
        iter(docs),
        position=42,
        total=2500,
        progress=lambda d, t: progress.append((d, t)),
    ) as index:
        assert index.position == 42
        assert index.search("malaria", person_tokens=PUBLIC).total == 2500
    assert progress == [(1000, 2500), (2000, 2500), (2500, 2500)]
    assert os.readlink(index_path / "current") == "gen-000001"


def test_rebuild_swaps_while_an_open_index_keeps_answering(index_path: Path) -> None:
    live = open_index(index_path)
    live.apply([make_material(id="old", title="Malaria")], [], position=5)
    gate = threading.Event()
    answers: list[list[str]] = []

    def documents() -> Iterator[IndexedMaterial]:
        yield make_material(id="new", title="Malaria")
        # Mid-rebuild, the open index still answers from the current generation.
        answers.append(ids(live.search("malaria", person_tokens=PUBLIC)))
        gate.set()

    rebuilt = rebuild(index_path, documents(), position=9)
    assert gate.is_set()
    assert answers == [["old"]]
    # Its next search picks up the new generation.
    assert ids(live.search("malaria", person_tokens=PUBLIC)) == ["new"]
    assert live.position == 9
    live.close()
    rebuilt.close()


def test_searcher_holding_an_old_generation_survives_its_deletion(index_path: Path) -> None:
    live = open_index(index_path)
    live.apply([make_material(id="a", title="Malaria")], [])
    with live._views.using() as view:  # a search in progress on generation 1 ...
        rebuild(index_path, [make_material(id="b", title="Malaria")], position=1).close()
        rebuild(index_path, [make_material(id="c", title="Malaria")], position=2).close()
        # ... whose folder two rebuilds have deleted: its open files still answer.
        assert generations(index_path) == ["gen-000002", "gen-000003"]
        assert len(view.searcher.search(Every())) == 1
    # The next search moves on to the current generation.
    assert ids(live.search("malaria", person_tokens=PUBLIC)) == ["c"]
    live.close()


def test_rebuild_keeps_only_the_current_and_previous_generation(index_path: Path) -> None:
    for position in range(1, 5):
        rebuild(index_path, [make_material()], position=position).close()
    assert generations(index_path) == ["gen-000003", "gen-000004"]


def test_failed_rebuild_leaves_the_current_generation_alone(index_path: Path) -> None:
    with open_index(index_path) as index:
        index.apply([make_material(id="kept")], [], position=3)

    def broken() -> Iterator[IndexedMaterial]:
        yield make_material()
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        rebuild(index_path, broken(), position=10)
    assert generations(index_path) == ["gen-000001"]
    with open_index(index_path) as index:
        assert ids(index.search("", person_tokens=PUBLIC)) == ["kept"]
        assert index.position == 3


def test_duplicate_ids_in_a_rebuild_are_refused(index_path: Path) -> None:
    with pytest.raises(ValueError, match="twice"):
        rebuild(index_path, [make_material(id="x"), make_material(id="x")], position=1)


def test_two_rebuilds_at_once_the_second_is_busy(index_path: Path) -> None:
    index_path.mkdir()
    with layout_lock(index_path), pytest.raises(IndexBusy, match="rebuild"):
        rebuild(index_path, [make_material()], position=1)


def test_rebuild_with_two_processes(index_path: Path) -> None:
    docs = [make_material(id=f"d{n}", title="Malaria" if n % 2 else "Dengue") for n in range(300)]
    with rebuild(index_path, docs, position=1, procs=2) as index:
        assert index.search("malaria", person_tokens=PUBLIC).total == 150
        assert len(index.fingerprints()) == 300


def test_check_reports_missing_stale_and_extra(index: MaterialIndex) -> None:
    index.apply(
        [
            make_material(id="ok", fingerprint="v1"),
            make_material(id="stale", fingerprint="v1"),
            make_material(id="extra", fingerprint="v1"),
        ],
        [],
    )
    report = index.check({"ok": "v1", "stale": "v2", "missing": "v1"})
    assert report.missing == ["missing"]
    assert report.stale == ["stale"]
    assert report.extra == ["extra"]
    assert not report.ok
    assert index.check({"ok": "v1", "stale": "v1", "extra": "v1"}).ok


def test_fingerprints_reflect_updates_and_deletes(index: MaterialIndex) -> None:
    index.apply([make_material(id="a", fingerprint="1"), make_material(id="b")], [])
    index.apply([make_material(id="a", fingerprint="2")], ["b"])
    assert index.fingerprints() == {"a": "2"}


def test_opening_an_empty_folder_during_its_first_rebuild_is_busy(
    index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("search_index.writing.OPEN_WAIT", 0.2)
    index_path.mkdir()
    with layout_lock(index_path), pytest.raises(IndexBusy, match="first build"):
        open_index(index_path)
