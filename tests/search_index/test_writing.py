"""Applying changes: upserts, deletes, the recorded position, one writer at a time."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest
import whoosh.index

from search_index import IndexBusy, MaterialIndex, open_index
from tests.search_index.factories import PUBLIC, ids, make_material


def all_ids(index: MaterialIndex) -> list[str]:
    return sorted(ids(index.search("", person_tokens=PUBLIC, page_size=100)))


def test_new_index_is_empty_at_position_zero(index: MaterialIndex) -> None:
    assert index.position == 0
    assert index.search("", person_tokens=PUBLIC).total == 0


def test_apply_makes_changes_searchable_and_records_the_position(index: MaterialIndex) -> None:
    assert index.apply([make_material(id="a", title="Malaria")], [], position=3)
    assert all_ids(index) == ["a"]
    assert index.position == 3


def test_position_is_a_small_file_in_the_generation(index: MaterialIndex) -> None:
    index.apply([make_material()], [], position=7)
    state = json.loads((index.path / "current" / "state.json").read_text())
    assert state["position"] == 7


def test_upsert_replaces_by_id(index: MaterialIndex) -> None:
    index.apply([make_material(id="a", title="Malaria", fingerprint="v1")], [])
    index.apply([make_material(id="a", title="Dengue", fingerprint="v2")], [])
    assert ids(index.search("dengue", person_tokens=PUBLIC)) == ["a"]
    assert index.search("malaria", person_tokens=PUBLIC).total == 0
    assert index.fingerprints() == {"a": "v2"}


def test_same_id_twice_in_one_batch_keeps_the_last(index: MaterialIndex) -> None:
    index.apply([make_material(id="a", title="Malaria"), make_material(id="a", title="Dengue")], [])
    assert all_ids(index) == ["a"]
    assert ids(index.search("dengue", person_tokens=PUBLIC)) == ["a"]


def test_delete_removes_and_unknown_ids_are_ignored(index: MaterialIndex) -> None:
    index.apply([make_material(id="a"), make_material(id="b")], [])
    index.apply([], ["a", "never-indexed"])
    assert all_ids(index) == ["b"]


def test_delete_wins_over_upsert_in_the_same_batch(index: MaterialIndex) -> None:
    index.apply([make_material(id="a")], ["a"])
    assert all_ids(index) == []


def test_reapplying_a_batch_is_harmless(index: MaterialIndex) -> None:
    batch = [make_material(id="a", title="Malaria"), make_material(id="b")]
    index.apply(batch, ["c"], position=5)
    # A crash between commit and recording the position means the follower applies the
    # batch again; without a position that must not duplicate anything.
    index.apply(batch, ["c"])
    assert all_ids(index) == ["a", "b"]
    assert index.search("malaria", person_tokens=PUBLIC).total == 1


def test_a_batch_not_beyond_the_recorded_position_is_skipped(index: MaterialIndex) -> None:
    index.apply([make_material(id="a")], [], position=5)
    assert index.apply([make_material(id="late")], [], position=5) is False
    assert index.apply([make_material(id="older")], [], position=4) is False
    assert all_ids(index) == ["a"]
    assert index.position == 5


def test_changes_by_another_process_are_seen_on_the_next_search(index_path: Path) -> None:
    reader = open_index(index_path)
    writer = open_index(index_path)  # another worker, same folder
    assert reader.search("", person_tokens=PUBLIC).total == 0
    writer.apply([make_material(id="a", title="Malaria")], [], position=1)
    assert ids(reader.search("malaria", person_tokens=PUBLIC)) == ["a"]
    assert reader.position == 1
    reader.close()
    writer.close()


def test_updates_and_deletes_by_another_writer_are_never_stale_or_doubled(
    index_path: Path,
) -> None:
    # Whoosh-Reloaded's Searcher.refresh() reuses segment readers with old deletions:
    # deleted materials stayed visible and updated ones appeared twice.
    reader = open_index(index_path)
    writer = open_index(index_path)
    writer.apply([make_material(id=f"d{n}", title="Malaria") for n in range(10)], [])
    writer.apply([make_material(id=f"e{n}", title="Malaria") for n in range(10)], [])
    assert reader.search("malaria", person_tokens=PUBLIC).total == 20
    writer.apply([make_material(id="d3", title="Malaria again")], ["e5"])
    results = reader.search("malaria", person_tokens=PUBLIC, page_size=100)
    assert results.total == 19
    assert sorted(ids(results)) == sorted(
        {f"d{n}" for n in range(10)} | {f"e{n}" for n in range(10) if n != 5}
    )
    assert reader.search("", person_tokens=PUBLIC).facets["school"] == [("s1", 19)]
    reader.close()
    writer.close()


def test_many_small_commits_merge_without_losing_or_doubling(index: MaterialIndex) -> None:
    for n in range(25):
        index.apply([make_material(id=f"d{n}"), make_material(id="same", title=f"v{n}")], [])
    assert all_ids(index) == sorted([f"d{n}" for n in range(25)] + ["same"])


def _hold_whoosh_lock(index: MaterialIndex) -> object:
    ix = whoosh.index.open_dir(str(index.path / "current"))
    return ix.writer()  # holds MAIN_WRITELOCK until cancelled


def test_a_second_writer_gets_index_busy_not_lock_error(index: MaterialIndex) -> None:
    holder = _hold_whoosh_lock(index)
    try:
        started = time.monotonic()
        with pytest.raises(IndexBusy, match="another process"):
            index.apply([make_material()], [], lock_timeout=0.3)
        assert time.monotonic() - started >= 0.3
    finally:
        holder.cancel()  # type: ignore[attr-defined]
    assert all_ids(index) == []


def test_a_second_writer_waits_for_the_first(index: MaterialIndex) -> None:
    holder = _hold_whoosh_lock(index)
    releaser = threading.Timer(0.3, holder.cancel)  # type: ignore[attr-defined]
    releaser.start()
    try:
        assert index.apply([make_material(id="a")], [], lock_timeout=5)
    finally:
        releaser.join()
    assert all_ids(index) == ["a"]


def test_concurrent_writers_in_threads_all_land(index_path: Path) -> None:
    indexes = [open_index(index_path) for _ in range(3)]
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            indexes[n].apply([make_material(id=f"t{n}")], [], lock_timeout=10)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all_ids(indexes[0]) == ["t0", "t1", "t2"]
    for ix in indexes:
        ix.close()


def test_searches_in_threads_while_writing(index: MaterialIndex) -> None:
    index.apply([make_material(id=f"base{n}", title="Malaria") for n in range(20)], [])
    stop = threading.Event()
    failures: list[BaseException] = []

    def search() -> None:
        while not stop.is_set():
            try:
                total = index.search("malaria", person_tokens=PUBLIC).total
                assert total >= 20
            except BaseException as exc:  # pragma: no cover - reported below
                failures.append(exc)
                return

    readers = [threading.Thread(target=search) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        for n in range(8):
            index.apply([make_material(id=f"new{n}", title="Malaria")], [])
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert failures == []
    assert index.search("malaria", person_tokens=PUBLIC).total == 28


def test_an_empty_batch_only_moves_the_position(index: MaterialIndex) -> None:
    index.apply([make_material(id="a")], [], position=1)
    assert index.apply([], [], position=2)
    assert index.position == 2
    assert all_ids(index) == ["a"]


def test_concurrent_searches_in_threads_get_the_same_answers(index: MaterialIndex) -> None:
    # Whoosh's readers share file positions: unserialised, two threads searching one
    # searcher read each other's blocks (truncated zlib streams, wrong hits).
    words = ["malaria", "dengue", "cholera", "measles", "typhoid", "sepsis"]
    docs = [
        make_material(
            id=f"d{n}",
            title=f"{words[n % 6]} {words[(n * 5) % 6]}",
            body=" ".join(words[(n + k) % 6] for k in range(120)),
            access_tokens=["public"] if n % 2 else ["school:x"],
        )
        for n in range(400)
    ]
    index.apply(docs, [])
    queries = [f"{a} {b}" for a in words[:3] for b in words[3:]]
    expected = {q: index.search(q, person_tokens=PUBLIC, page_size=50) for q in queries}
    failures: list[object] = []

    def run() -> None:
        for q in queries:
            try:
                got = index.search(q, person_tokens=PUBLIC, page_size=50)
                if got.total != expected[q].total or ids(got) != ids(expected[q]):
                    failures.append(q)
            except Exception as exc:  # pragma: no cover - reported below
                failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as a loaded server would
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
