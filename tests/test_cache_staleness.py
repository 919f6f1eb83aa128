"""The proceval caches follow the release's content: an in-place edit of a ground-truth file is re-read.

The data version (``tree_digest``), its on-disk memo (``<cache>/digests/``), the per-file reader memo
(``cached_per_file_version``) and the Arrow cache keyed by the data version must all change when a file's
bytes change, even when the edit keeps the size and restores the mtime (``os.utime``), and a file
modified within the timestamp granularity must not be memoised at all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from toy_benchmark import BENCHMARK, write_toy_release

import proceval.io as pio
from proceval.evaluation.runner import evaluate_config
from proceval.io import cached_per_file_version, tree_digest
from proceval.registry import register_benchmark, unregister_benchmark


@pytest.fixture()
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROCEVAL_CACHE", str(tmp_path / "cache"))
    # files written by the test are seconds old at most: let the memos trust them (see the last tests)
    monkeypatch.setattr(pio, "RACY_SECONDS", 0.0)
    register_benchmark(BENCHMARK)
    try:
        yield
    finally:
        unregister_benchmark(BENCHMARK.name)


def _edit_in_place_same_size(path: Path, old: bytes, new: bytes) -> None:
    """Overwrite bytes of ``path`` in place (same inode, same size) and restore its mtime."""
    st = path.stat()
    data = path.read_bytes()
    assert len(old) == len(new) and data.count(old) == 1
    with path.open("r+b") as fh:  # in place: no new inode
        fh.write(data.replace(old, new))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)


def _release(tmp_path: Path) -> Path:
    release = write_toy_release(tmp_path / "src")
    # one-line items so that a label edit keeps the size: {"id": "i06", "label": 0, ...}
    items = json.loads((release / "items.json").read_text())["items"]
    (release / "items.json").write_text(json.dumps({"items": items}))
    return release


PREDICTIONS = {"i06": "cat", "i07": "dog", "i08": "bird", "i09": "cat"}  # all right on the toy release


def test_in_place_edit_with_restored_mtime_is_rescored(toy, tmp_path: Path) -> None:
    release = _release(tmp_path)
    cache = tmp_path / "arrow"
    first = evaluate_config(
        "toy_accuracy", release, "animals_a", PREDICTIONS, benchmark="toy", cache_dir=cache
    )
    assert first["scores"]["accuracy"] == 1.0
    # memoised on disk: the second process would not re-read an unchanged tree
    assert len(list((tmp_path / "cache" / "digests").glob("*.txt"))) == 1
    items = release / "items.json"
    _edit_in_place_same_size(items, b'{"id": "i08", "label": 2', b'{"id": "i08", "label": 1')
    second = evaluate_config(
        "toy_accuracy", release, "animals_a", PREDICTIONS, benchmark="toy", cache_dir=cache
    )
    assert second["scores"]["accuracy"] == pytest.approx(3 / 4)
    assert second["data_version"] != first["data_version"]
    assert first["data_version"] in first["signature"] and second["data_version"] in second["signature"]


def test_edit_in_a_new_process_memo(toy, tmp_path: Path) -> None:
    """The on-disk memo alone (the in-process memo cleared, as in a new CLI run) does not serve the old hash."""
    release = _release(tmp_path)
    before = tree_digest(release)
    pio._tree_digest.cache_clear()
    assert tree_digest(release) == before  # served from the memo file
    _edit_in_place_same_size(release / "items.json", b'{"id": "i08", "label": 2', b'{"id": "i08", "label": 1')
    pio._tree_digest.cache_clear()
    after = tree_digest(release)
    assert after != before
    text = (release / "items.json").read_text()
    (release / "items.json").write_text(text.replace('{"id": "i08", "label": 1', '{"id": "i08", "label": 2'))
    assert tree_digest(release) == before  # content, not history: the same bytes give the same digest


def test_a_fresh_tree_is_never_memoised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCEVAL_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.txt").write_text("one\n")
    first = tree_digest(root)
    assert not (tmp_path / "cache" / "digests").exists()  # modified just now: no memo
    # an edit inside the same clock tick (same size, same mtime and ctime) is still seen
    st = (root / "a.txt").stat()
    with (root / "a.txt").open("r+b") as fh:
        fh.write(b"two\n")
    os.utime(root / "a.txt", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert tree_digest(root) != first


def test_per_file_reader_memo_follows_in_place_edits(tmp_path: Path) -> None:
    calls: list[str] = []

    @cached_per_file_version()
    def reader(path: str) -> str:
        calls.append(path)
        return Path(path).read_text()

    path = tmp_path / "gt.txt"
    path.write_text("label 2\n")
    assert reader(path) == "label 2\n" and reader(path) == "label 2\n"
    assert len(calls) == 1  # memoised
    _edit_in_place_same_size(path, b"2", b"1")
    assert reader(path) == "label 1\n"
    assert len(calls) == 2
