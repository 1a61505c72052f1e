"""An index folder that cannot be used gives a clear error naming it and the repair."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest

from search_index import (
    IndexCorrupt,
    IndexedMaterial,
    IndexUnavailable,
    SearchIndexError,
    open_index,
)
from tests.search_index.factories import PUBLIC, make_material


def assert_refused(folder: Path, error: type[SearchIndexError], match: str | None = None) -> None:
    """Opening the index in ``folder`` fails with ``error``, naming the folder and the repair."""
    with pytest.raises(error, match=match) as caught:
        open_index(folder)
    message = str(caught.value)
    assert str(folder) in message
    assert "hub index rebuild" in message


def test_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "index"
    target.write_text("not a folder")
    assert_refused(target, IndexUnavailable)


def test_current_pointing_nowhere(index_path: Path) -> None:
    open_index(index_path).close()
    (index_path / "current").unlink()
    os.symlink("gen-000099", index_path / "current")
    assert_refused(index_path, IndexUnavailable)


def test_current_that_is_not_a_symlink(index_path: Path) -> None:
    open_index(index_path).close()
    (index_path / "current").unlink()
    (index_path / "current").mkdir()
    assert_refused(index_path, IndexCorrupt)


def test_damaged_whoosh_files(index_path: Path) -> None:
    with open_index(index_path) as index:
        index.apply([make_material()], [])
    generation = index_path / "current"
    for name in os.listdir(generation):
        if name.endswith((".toc", ".seg")):
            (generation / name).write_bytes(b"garbage")
    assert_refused(index_path, IndexCorrupt)


def test_missing_state_file(index_path: Path) -> None:
    open_index(index_path).close()
    (index_path / "current" / "state.json").unlink()
    assert_refused(index_path, IndexCorrupt)


def test_index_of_another_schema_version(index_path: Path) -> None:
    open_index(index_path).close()
    state_file = index_path / "current" / "state.json"
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps({**state, "schema_version": 0}))
    assert_refused(index_path, IndexCorrupt, match="another version")


def test_an_open_index_keeps_answering_when_its_folder_breaks(index_path: Path) -> None:
    index = open_index(index_path)
    index.apply([make_material(title="Malaria")], [])
    (index_path / "current").unlink()
    # The searcher it has open still answers; position needs the folder and says so.
    assert index.search("malaria", person_tokens=PUBLIC).total == 1
    with pytest.raises(IndexUnavailable):
        _ = index.position
    index.close()


def test_naive_published_is_refused() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone"):
        make_material(published=datetime(2024, 1, 1))


@pytest.mark.parametrize("bad", ["", " ", "a\x1fb", "line\nbreak"])
def test_empty_or_control_character_id_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        make_material(id=bad)


def test_library_use_raises_no_warnings(index_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with open_index(index_path) as index:
            index.apply([make_material(title="Anémie")], [], position=1)
            index.search('"anemie" OR malaria*', person_tokens=PUBLIC, sort="newest")
            index.check({})


def test_materials_are_plain_values() -> None:
    doc = make_material(id="x")
    assert isinstance(doc, IndexedMaterial)
    with pytest.raises(AttributeError):
        doc.title = "changed"  # type: ignore[misc]
