"""``proceval build pro2bench`` / ``dataset_scripts/pro2bench/build.py``: a repo stock ``datasets`` loads."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import datasets
import pytest
import yaml

from proceval.benchmarks.pro2bench import sample_release_dir, write_sample_release
from proceval.benchmarks.pro2bench.release import PRO2BENCH_DIR
from proceval.cli import main
from proceval.datasets.load import load_config
from proceval.sample import render_videos

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-session sample release; only the EgoProactive (H.265) videos are rendered."""
    root = tmp_path_factory.mktemp("pro2bench_export")
    jobs = write_sample_release(root, seed=0, n_sessions=2)
    render_videos(root, [j for j in jobs if j.codec == "libx265"], seed=0)
    return sample_release_dir(root)


@pytest.fixture(scope="module")
def repo(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("repo") / "pro2bench-hf"
    code = main(
        [
            "build",
            "pro2bench",
            "--source",
            str(release),
            "--out",
            str(out),
            "--videos",
            str(release),
            "--no-progress",
        ]
    )
    assert code == 0
    return out


def _script():
    spec = importlib.util.spec_from_file_location("p2b_build", ROOT / "dataset_scripts/pro2bench/build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stock_load_of_decisions_with_h265_video(repo: Path, release: Path, tmp_path: Path) -> None:
    ds = datasets.load_dataset(
        str(repo), "egoproactive_decisions", split="validation", cache_dir=str(tmp_path / "hf")
    )
    ours = load_config(
        "pro2bench", release, "egoproactive_decisions", split="validation", videos_dir=release,
        cache_dir=tmp_path / "c", decode_video=False,
    )  # fmt: skip
    assert ds.num_rows == ours.num_rows > 0
    assert ds.features["label"].names == ["silent", "interrupt"]
    plain = ds.cast_column("video", datasets.Video(decode=False))
    for a, b in zip(plain, ours, strict=True):  # the repository holds the videos: same bytes, its own path
        rel = Path(b["video"]["path"]).relative_to(release.resolve()).as_posix()
        assert a["video"]["path"] == str((repo / "data" / "videos" / rel).resolve())
        assert {**a, "video": None} == {**b, "video": None}
    row = ds[3]  # stock decoding: a torchcodec VideoDecoder of the session's H.265 file
    assert row["video"].metadata.codec == "hevc"
    frames = row["video"].get_frames_played_in_range(row["start_s"], row["end_s"])
    pts = frames.pts_seconds.numpy()
    assert len(pts) == round((row["end_s"] - row["start_s"]) * 15)
    assert pts.min() >= row["start_s"] - 1e-6 and pts.max() < row["end_s"]


def test_every_config_loads_and_the_card_says_which_fields_are_ours(repo: Path, tmp_path: Path) -> None:
    text = (repo / "README.md").read_text()
    front = yaml.safe_load(text[4:].split("\n---\n", 1)[0])
    assert front["license"] == "cc-by-nc-4.0"
    names = [c["config_name"] for c in front["configs"]]
    assert (
        names[:3] == ["egoproactive", "egoproactive_decisions", "pro2bench_egoproactive"] and len(names) == 8
    )
    assert "## Which fields are proceval's" in text and "`deviation_onset_s`" in text
    assert "| `plan` |" in text and "proceval's schema" in text and "release_warnings" in text
    for name in ("egoproactive", "pro2bench_ego4d"):
        dsd = datasets.load_dataset(str(repo), name, cache_dir=str(tmp_path / "hf"))
        assert all(v.num_rows > 0 for v in dsd.values())
    ego4d = dsd["test"]
    assert set(ego4d["video_status"]) == {"missing"} and set(ego4d["video"]) == {None}  # not rendered here
    assert (repo / "eval.yaml").is_file()


def test_the_script_builds_what_the_public_release_has(release: Path, tmp_path: Path, capsys) -> None:
    public = tmp_path / "wearable-ai"
    shutil.copytree(release, public)
    shutil.rmtree(public / PRO2BENCH_DIR)
    out = tmp_path / "script"
    assert _script().main(["--source", str(public / "egoproactive"), "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed[1:4]] == [
        "egoproactive",
        "egoproactive_decisions",
        "pro2bench_egoproactive",
    ]
    derived = datasets.load_dataset(
        str(out), "pro2bench_egoproactive", split="test", cache_dir=str(tmp_path / "hf")
    )
    assert derived.num_rows > 0 and set(derived["oop"]) == {None}
    # every config, as `proceval build` asks by default, stops at the first source without files
    assert (
        main(["build", "pro2bench", "--source", str(public), "--out", str(tmp_path / "all"), "--no-progress"])
        == 1
    )
    err = capsys.readouterr().err
    assert "pro2bench/ego4d/instances.jsonl" in err and "--configs" in err
