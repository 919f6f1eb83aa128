"""The IMPACT datasets builder and ``load_impact``: Arrow cache, source forms, lazy video."""

from __future__ import annotations

import tarfile
from pathlib import Path

import datasets
import pytest
from impact_mini_release import (
    CAS,
    bundle_ids,
    frame_labels,
    n_frames,
    shared_videos,
    write_mini_release,
)

from proceval.benchmarks.impact.load import load_impact
from proceval.benchmarks.impact.release import resolve_dataset_dir
from proceval.datasets.builder import BenchmarkBuilder, builder_class
from proceval.datasets.spec import list_configs
from proceval.errors import ReleaseFormatError


@pytest.fixture(scope="session")
def mini_videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_videos(tmp_path_factory)


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    return write_mini_release(tmp_path / "release")


def test_builder_configs_come_from_registry() -> None:
    builder = builder_class("impact")
    assert builder is builder_class("impact")  # made once per declaration
    assert [c.name for c in builder.BUILDER_CONFIGS] == [s.name for s in list_configs("impact")]
    config = builder.builder_configs["tas_bl_s3"]
    assert (config.benchmark, config.task, config.protocol, config.decode_video, config.data_version) == (
        "impact",
        "tas_bl",
        "s3",
        True,
        None,  # derived from the release's content when a builder is made
    )


def test_load_impact_mini_and_second_load_from_cache(mini: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    dsd = load_impact(mini.parent, "tas_s_s1", cache_dir=cache)
    assert isinstance(dsd, datasets.DatasetDict)
    assert {k: v.num_rows for k, v in dsd.items()} == {"train": 5, "validation": 5, "test": 5}
    test = dsd["test"]
    assert test.features["labels"].feature.names == list(CAS)
    assert test["video_id"] == bundle_ids(1, "test")
    row = test[0]
    assert [CAS[i] for i in row["labels"]] == frame_labels(CAS, 2, "front")
    assert row["segments"][0] == {"label": 0, "start_frame": 0, "end_frame": 3}
    assert all(Path(f["filename"]).is_relative_to(cache) for f in test.cache_files)
    # Unchanged release: the second load comes from the Arrow cache alone (no example is generated).
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(BenchmarkBuilder, "_generate_examples", _no_generation)
        again = load_impact(mini, "tas_s_s1", split="test", cache_dir=cache)
    assert again["labels"] == test["labels"] and again.cache_files == test.cache_files
    # An edited ground-truth file changes the data version: a new cache, never the stale table.
    gt = mini / "TAS/groundTruth_CAS" / f"{row['video_id']}.txt"
    lines = gt.read_text().splitlines()
    edited_label = next(n for n in CAS if n != lines[0])
    gt.write_text("\n".join([edited_label, *lines[1:]]) + "\n")
    edited = load_impact(mini, "tas_s_s1", split="test", cache_dir=cache)
    assert edited.cache_files != test.cache_files
    assert CAS[edited[0]["labels"][0]] == edited_label and edited[0]["labels"][1:] == row["labels"][1:]
    assert edited[1]["labels"] == test[1]["labels"]


def _no_generation(self, *args, **kwargs):
    raise AssertionError("examples were generated although the cache holds them")


def test_source_forms(mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = mini.parent
    assert resolve_dataset_dir(top) == mini.resolve()
    assert resolve_dataset_dir(mini) == mini.resolve()
    archive = tmp_path / "mini-release.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(top, arcname="impact-release")
    monkeypatch.setenv("PROCEVAL_CACHE", str(tmp_path / "pcache"))
    unpacked = resolve_dataset_dir(archive)
    assert unpacked.is_relative_to(tmp_path / "pcache") and (unpacked / "TAS/mapping_CAS.txt").is_file()
    ds = load_impact(archive, "ppr_r_s4", split="test", cache_dir=tmp_path / "cache")
    assert ds["video_id"] == bundle_ids(4, "test")
    with pytest.raises(ReleaseFormatError, match="release not found"):
        resolve_dataset_dir(tmp_path / "nowhere")
    with pytest.raises(ReleaseFormatError, match="expected the release folder"):
        resolve_dataset_dir(tmp_path / "cache")


def test_unknown_config_lists_known(mini: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tas_s_s9"):
        load_impact(mini, "tas_s_s9", cache_dir=tmp_path / "cache")


@pytest.mark.video
def test_load_with_videos_decodes_frames(mini: Path, tmp_path: Path, mini_videos: Path) -> None:
    pytest.importorskip("torchcodec")
    videos = mini_videos
    ds = load_impact(mini, "tas_s_s1", split="test", videos_dir=videos, cache_dir=tmp_path / "cache")
    assert ds.features["video"] == datasets.Video()
    decoder = ds[0]["video"]
    frame = decoder.get_frame_at(3).data  # (C, H, W) uint8
    assert tuple(frame.shape) == (3, 24, 32)
    assert abs(float(frame.float().mean()) - 24.0) < 6.0  # flat grey 8*3, after lossy coding
    ego_row = ds[4]
    assert ego_row["is_ego"] and ego_row["video"].metadata.num_frames == n_frames("ego")
    raw = load_impact(
        mini, "cv_ta_s1", split="test", videos_dir=videos, cache_dir=tmp_path / "cache", decode_video=False
    )
    first = raw[0]["video"]
    assert Path(first["path"]).is_absolute() and first["path"].endswith(f"{raw[0]['video_id']}.mp4")


def test_missing_video_names_id_and_paths(mini: Path, tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    vid = bundle_ids(1, "train")[0]  # all splits are prepared, train first
    with pytest.raises(ReleaseFormatError, match=f"no video file for '{vid}'") as exc:
        load_impact(mini, "tas_s_s1", split="test", videos_dir=videos, cache_dir=tmp_path / "cache")
    assert str(videos.resolve() / f"{vid}.mp4") in str(exc.value)
    assert str(videos.resolve() / "front" / f"{vid}.mp4") in str(exc.value)


def test_real_release_second_load_from_cache(impact_release: Path, tmp_path: Path) -> None:
    ds = load_impact(impact_release, "tas_s_s2", split="test", cache_dir=tmp_path / "cache")
    assert ds.num_rows == 36 and set(ds["view"]) <= {"front", "left", "right", "top"}
    again = load_impact(impact_release / "dataset", "tas_s_s2", split="test", cache_dir=tmp_path / "cache")
    assert again.cache_files == ds.cache_files and again["num_frames"] == ds["num_frames"]
