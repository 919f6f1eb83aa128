"""Exported repositories: never a stale stock load, rebuilt whole, portable with their videos.

* ``datasets`` caches a local no-script repository under its folder name and a hash of the README's
  YAML ``configs``: the export puts a content fingerprint there, so a re-export into the same folder, or
  another export with the same folder name, loads its own rows (and ``force_redownload`` works).
* ``proceval build`` writes into a temporary sibling folder and swaps it in whole: ``--configs X`` yields
  a folder describing exactly X, and a failed or killed build leaves the old folder untouched.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import datasets
import pytest
import yaml
from toy_benchmark import BENCHMARK, write_toy_release

import proceval.hub.export as export_mod
from proceval.errors import InputValidationError
from proceval.hub.build import build_hub_repo
from proceval.hub.export import export_hub_repo
from proceval.hub.staging import clean_debris
from proceval.registry import register_benchmark, unregister_benchmark


@pytest.fixture()
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROCEVAL_CACHE", str(tmp_path / "cache"))
    register_benchmark(BENCHMARK)
    try:
        yield
    finally:
        unregister_benchmark(BENCHMARK.name)


def _relabel(release: Path, item: str, label: int) -> None:
    data = json.loads((release / "items.json").read_text())
    next(x for x in data["items"] if x["id"] == item)["label"] = label
    (release / "items.json").write_text(json.dumps(data))


def _load(repo: Path, hf: Path, **kwargs) -> datasets.Dataset:
    return datasets.load_dataset(str(repo), "animals_a", split="test", cache_dir=str(hf), **kwargs)


def _card(repo: Path) -> dict:
    return yaml.safe_load((repo / "README.md").read_text()[4:].split("\n---\n", 1)[0])


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _temporaries(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".repo."))


def _dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(proc.stdout)


# ---- 6. stock load_dataset never serves the rows of another export ----------------------------------


def test_reexport_into_the_same_folder_loads_the_new_rows(toy, tmp_path: Path) -> None:
    release = write_toy_release(tmp_path / "src")
    repo, hf = tmp_path / "out" / "repo", tmp_path / "hf"
    export_hub_repo("toy", release, repo, progress=False)
    assert _load(repo, hf)["label"][:3] == [0, 1, 2]  # i06 cat, i07 dog, i08 bird
    first = _card(repo)["configs"][0]["description"]
    assert "content fingerprint" in first
    _relabel(release, "i06", 2)
    export_hub_repo("toy", release, repo, progress=False)
    assert _card(repo)["configs"][0]["description"] != first
    assert _load(repo, hf)["label"][:3] == [2, 1, 2]
    assert _load(repo, hf, download_mode="force_redownload")["label"][:3] == [2, 1, 2]


def test_same_folder_name_elsewhere_loads_its_own_rows(toy, tmp_path: Path) -> None:
    hf = tmp_path / "hf"
    a_rel = write_toy_release(tmp_path / "a-src")
    b_rel = write_toy_release(tmp_path / "b-src")
    _relabel(b_rel, "i07", 0)
    export_hub_repo("toy", a_rel, tmp_path / "a" / "repo", progress=False)
    export_hub_repo("toy", b_rel, tmp_path / "b" / "repo", progress=False)
    assert _load(tmp_path / "a" / "repo", hf)["label"] == [0, 1, 2, 0]
    assert _load(tmp_path / "b" / "repo", hf)["label"] == [0, 0, 2, 0]
    # an identical export elsewhere shares the cache and the rows (same content, same fingerprint)
    export_hub_repo("toy", a_rel, tmp_path / "c" / "repo", progress=False)
    assert _load(tmp_path / "c" / "repo", hf)["label"] == [0, 1, 2, 0]


def test_force_redownload_after_a_schema_change(toy, tmp_path: Path) -> None:
    release = write_toy_release(tmp_path / "src")
    repo, hf = tmp_path / "repo", tmp_path / "hf"
    export_hub_repo("toy", release, repo, progress=False)
    assert _load(repo, hf).features["label"].names == ["cat", "dog", "bird"]
    (release / "labels.txt").write_text("cat\ndog\nbird\nfish\n")  # the ClassLabel changes
    _relabel(release, "i06", 3)
    export_hub_repo("toy", release, repo, progress=False)
    for mode in ("force_redownload", None):
        ds = _load(repo, hf, download_mode=mode)
        assert ds.features["label"].names == ["cat", "dog", "bird", "fish"] and ds["label"][0] == 3


# ---- 7. a build replaces the folder whole, or not at all ---------------------------------------------


def test_configs_subset_yields_a_folder_of_exactly_that(toy, tmp_path: Path) -> None:
    release = write_toy_release(tmp_path / "src")
    repo = tmp_path / "repo"
    build_hub_repo("toy", release, repo, progress=False)
    assert (repo / "animals/b/test-00000-of-00001.parquet").is_file()
    report = build_hub_repo("toy", release, repo, configs=["animals_a"], progress=False)
    files = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    assert (
        files
        == sorted(report.files)
        == [
            "README.md",
            "animals/a/test-00000-of-00001.parquet",
            "animals/a/train-00000-of-00001.parquet",
            "eval.yaml",
        ]
    )
    assert [c["config_name"] for c in _card(repo)["configs"]] == ["animals_a"]
    assert [t["config"] for t in yaml.safe_load((repo / "eval.yaml").read_text())["tasks"]] == ["animals_a"]
    assert _temporaries(tmp_path) == []


def test_a_failed_rebuild_leaves_the_old_folder_untouched(
    toy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = write_toy_release(tmp_path / "src")
    repo = tmp_path / "repo"
    build_hub_repo("toy", release, repo, progress=False)
    (repo / ".git").mkdir()
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = _tree(repo)
    _relabel(release, "i06", 2)
    real = export_mod.write_parquet
    calls = []

    def crash_on_third(table, path):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt  # a Ctrl-C mid-build
        return real(table, path)

    monkeypatch.setattr(export_mod, "write_parquet", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        build_hub_repo("toy", release, repo, configs=["animals_a", "animals_b"], progress=False)
    assert _tree(repo) == before
    assert _temporaries(tmp_path) == []
    monkeypatch.setattr(export_mod, "write_parquet", real)
    build_hub_repo("toy", release, repo, configs=["animals_a"], progress=False)
    after = _tree(repo)
    assert after[".git/HEAD"] == before[".git/HEAD"]  # a Hub clone's dot entries are kept
    assert "animals/b/test-00000-of-00001.parquet" not in after
    assert after["animals/a/test-00000-of-00001.parquet"] != before["animals/a/test-00000-of-00001.parquet"]


def test_a_killed_build_is_cleaned_by_the_next(toy, tmp_path: Path) -> None:
    release = write_toy_release(tmp_path / "src")
    repo = tmp_path / "repo"
    build_hub_repo("toy", release, repo, progress=False)
    before = _tree(repo)
    dead = _dead_pid()
    # killed between its two renames: the old folder is aside, the new one complete but not in place
    os.replace(repo, tmp_path / f".repo.old-{dead}-0000")
    (tmp_path / f".repo.building-{dead}-1111" / "animals").mkdir(parents=True)
    alive = tmp_path / f".repo.building-{os.getpid()}-2222"  # a build still running: left alone
    alive.mkdir()
    cleaned = clean_debris(repo)
    assert len(cleaned) == 2 and _tree(repo) == before
    assert _temporaries(tmp_path) == [alive.name]
    alive.rmdir()
    # a stale temporary folder of a dead build is removed by the next build
    (tmp_path / f".repo.building-{dead}-3333").mkdir()
    build_hub_repo("toy", release, repo, progress=False)
    assert _temporaries(tmp_path) == []


def test_a_folder_that_is_not_an_export_is_refused(toy, tmp_path: Path) -> None:
    release = write_toy_release(tmp_path / "src")
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("\\documentclass{article}\n")
    with pytest.raises(InputValidationError, match=r"thesis\.tex"):
        build_hub_repo("toy", release, home, progress=False)
    assert (home / "thesis.tex").is_file() and sorted(p.name for p in home.iterdir()) == ["thesis.tex"]
    empty = tmp_path / "empty"
    empty.mkdir()
    build_hub_repo("toy", release, empty, progress=False)
    assert (empty / "README.md").is_file()


# ---- 8. an export with videos loads and decodes wherever it is -------------------------------------


@pytest.fixture(scope="module")
def video_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The IMPACT mini release exported with its videos (two configs); returns (repo, videos folder)."""
    from impact_mini_release import shared_videos, write_mini_release

    root = tmp_path_factory.mktemp("video_repo")
    videos = shared_videos(tmp_path_factory)
    ds = write_mini_release(root / "rel")
    repo = root / "build" / "impact-hf"
    report = export_hub_repo(
        "impact", ds, repo, configs=["tas_s_s1", "cv_ta_s4"], videos_dir=videos, progress=False
    )
    assert report.num_videos == sum(1 for _ in videos.rglob("*.mp4"))
    return repo, videos


def _first_frame_shape(ds: datasets.Dataset) -> tuple[int, ...]:
    return tuple(ds[0]["video"].get_frame_at(0).data.shape)


@pytest.mark.video
def test_videos_live_in_the_repo_with_relative_paths(video_repo: tuple[Path, Path], tmp_path: Path) -> None:
    pytest.importorskip("torchcodec")
    import pyarrow.parquet as pq

    repo, videos = video_repo
    rows = pq.read_table(repo / "data" / "tas_s_s1-test.parquet").to_pylist()
    names = [r["video_file_name"] for r in rows]
    assert all(n.startswith("videos/") and not Path(n).is_absolute() for n in names)
    for name in names:  # the same bytes as the videos folder's file, inside the repository
        inner = name.removeprefix("videos/")
        assert (repo / "data" / name).read_bytes() == (videos / inner).read_bytes()
    entry = next(c for c in _card(repo)["configs"] if c["config_name"] == "tas_s_s1")
    assert entry["data_files"][0] == {
        "split": "train",
        "path": ["data/tas_s_s1-train.parquet", "data/videos/**"],
    }
    ds = datasets.load_dataset(str(repo), "tas_s_s1", split="test", cache_dir=str(tmp_path / "hf"))
    assert isinstance(ds.features["video"], datasets.Video)
    assert ds.features["labels"].feature.names[0]  # ClassLabel names survive the videofolder loader
    raw = ds.cast_column("video", datasets.Video(decode=False))
    assert [r["video"]["path"] for r in raw] == [str((repo / "data" / n).resolve()) for n in names]
    assert _first_frame_shape(ds) == (3, 24, 32)


@pytest.mark.video
def test_a_moved_copy_decodes_from_any_directory(
    video_repo: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("torchcodec")
    repo, _videos = video_repo
    moved = tmp_path / "elsewhere" / "impact-hf"
    shutil.copytree(repo, moved)
    other = tmp_path / "cwd"
    other.mkdir()
    monkeypatch.chdir(other)
    for config in ("tas_s_s1", "cv_ta_s4"):
        ds = datasets.load_dataset(str(moved), config, split="test", cache_dir=str(tmp_path / "hf"))
        path = ds.cast_column("video", datasets.Video(decode=False))[0]["video"]["path"]
        assert path.startswith(str(moved.resolve()))
        assert _first_frame_shape(ds)[0] == 3
    # Moved again after a load with the same datasets cache: `datasets` keys a local repository's cache
    # by folder name and README, not location, so the cached rows name the previous place (a loud
    # "Could not open input file" once it is gone); force_redownload re-resolves (see docs/EXPORTS.md).
    again = tmp_path / "again" / "impact-hf"
    shutil.move(moved, again)
    stale = datasets.load_dataset(str(again), "tas_s_s1", split="test", cache_dir=str(tmp_path / "hf"))
    with pytest.raises(RuntimeError, match="Could not open input file"):
        _first_frame_shape(stale)
    fresh = datasets.load_dataset(
        str(again), "tas_s_s1", split="test", cache_dir=str(tmp_path / "hf"), download_mode="force_redownload"
    )
    assert _first_frame_shape(fresh) == (3, 24, 32)


@pytest.mark.video
def test_a_copy_served_over_http_decodes(video_repo: tuple[Path, Path], tmp_path: Path) -> None:
    pytest.importorskip("torchcodec")
    repo, _videos = video_repo
    served = tmp_path / "site"
    shutil.copytree(repo, served)
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        entry = next(c for c in _card(served)["configs"] if c["config_name"] == "tas_s_s1")
        test_file = next(f["path"][0] for f in entry["data_files"] if f["split"] == "test")
        # the YAML entry's loader parameters, with the rows' file as a URL: paths resolve against it
        ds = datasets.load_dataset(
            "videofolder",
            data_files={"test": [f"{base}/{test_file}"]},
            metadata_filenames=entry["metadata_filenames"],
            drop_labels=True,
            split="test",
            streaming=True,
            cache_dir=str(tmp_path / "hf"),
        )
        row = next(iter(ds))
        assert row["video"].metadata.path.startswith(f"{base}/data/videos/")
        assert row["video"].get_frame_at(0).data.shape[0] == 3
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_yaml_entries_pick_the_loader(tmp_path: Path) -> None:
    from proceval.hub.layout import ExportReport, yaml_config_entry

    spec = BENCHMARK.configs()[0]
    plain = ExportReport(out_dir=tmp_path)
    assert yaml_config_entry(spec, ["train", "test"], plain) == {
        "data_files": [
            {"split": "train", "path": "animals/a/train-00000-of-00001.parquet"},
            {"split": "test", "path": "animals/a/test-00000-of-00001.parquet"},
        ]
    }
    paths = {"animals_a": {"train": "data/animals_a-train.parquet", "test": "data/animals_a-test.parquet"}}
    for num, videos in ((2, ["data/videos/**"]), (1, ["data/videos/**", "data/videos/**"])):
        report = ExportReport(out_dir=tmp_path, with_videos=True, paths=paths, num_videos=num)
        entry = yaml_config_entry(spec, ["train", "test"], report)
        assert entry["metadata_filenames"] == ["animals_a-train.parquet", "animals_a-test.parquet"]
        assert entry["drop_labels"] is True
        assert entry["data_files"][1] == {"split": "test", "path": ["data/animals_a-test.parquet", *videos]}
    # no video file at all: the rows load as plain Parquet (a videofolder needs a video to be inferred)
    none = ExportReport(out_dir=tmp_path, with_videos=True, paths=paths, num_videos=0)
    assert yaml_config_entry(spec, ["test"], none) == {
        "data_files": [{"split": "test", "path": "data/animals_a-test.parquet"}]
    }


def test_a_symlinked_target_is_rebuilt_behind_the_link(toy, tmp_path: Path) -> None:
    release = write_toy_release(tmp_path / "src")
    real = tmp_path / "real" / "repo"
    build_hub_repo("toy", release, real, progress=False)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    build_hub_repo("toy", release, link, configs=["animals_b"], progress=False)
    assert link.is_symlink() and [c["config_name"] for c in _card(link)["configs"]] == ["animals_b"]
    assert _temporaries(real.parent) == []
