"""ProcObject-10K configs from the sample release: rows, features, per-row video status, Hub export, CLI."""

from __future__ import annotations

import importlib.util
import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import datasets
import pytest
import yaml

from proceval.benchmarks.procobject.formats import ProcObjectReleaseWarning
from proceval.benchmarks.procobject.schema import CONFIG_NAMES, QA_TYPE_CONFIGS, REASONING_CONFIGS
from proceval.cli import main
from proceval.datasets.load import load_config
from proceval.datasets.media import MissingVideoWarning
from proceval.hub.export import export_hub_repo
from proceval.registry import get_benchmark
from proceval.sample import write_sample

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A label-only ProcObject sample (seed 0); returns the sample root."""
    out = tmp_path_factory.mktemp("po") / "sample"
    write_sample(out, seed=0, benchmarks=["procobject"], videos=False)
    return out


def raw_records(sample: Path) -> dict[str, list[dict[str, Any]]]:
    data = sample / "procobject/data"
    test = json.loads((data / "testing.json").read_text("utf-8"))
    return {
        "train": json.loads((data / "training.json").read_text("utf-8")),
        "test": [r for rows in test.values() for r in rows],
    }


def keep(config: str, rec: dict[str, Any]) -> bool:
    if config == "all":
        return True
    if config in REASONING_CONFIGS:
        return rec["reasoning"] == REASONING_CONFIGS[config]
    return rec["qa_type"] == QA_TYPE_CONFIGS[config]


def fake_videos(
    sample: Path, root: Path, *, skip_corpus: str | None = None, authors_layout: bool = False
) -> Path:
    """Empty files where the sample's source videos go (existence is all the status needs)."""
    for rows in raw_records(sample).values():
        for r in rows:
            corpus, rest = r["video_path"].split("/", 1)
            if corpus == skip_corpus:
                continue
            path = root / corpus / "videos" / rest if authors_layout else root / r["video_path"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
    return root


def test_benchmark_declaration() -> None:
    bench = get_benchmark("procobject")
    assert bench.config_names() == list(CONFIG_NAMES)
    assert CONFIG_NAMES == (
        "all",
        "needle",
        "multihop",
        "precondition_grounding",
        "object_state_evolution",
        "counterfactual_reasoning",
        "mistake_recognition",
        "readiness_assessment",
    )
    assert all(spec.splits == ("train", "test") for spec in bench.configs())
    assert bench.license == "cc-by-nc-4.0" and "guo2026procobject" in bench.citation
    assert bench.homepage.startswith("https://") and bench.card is not None


@pytest.mark.parametrize("config", CONFIG_NAMES)
def test_rows_are_the_release_records(sample: Path, tmp_path: Path, config: str) -> None:
    dsd = load_config("procobject", sample, config, cache_dir=tmp_path / "cache")
    raw = raw_records(sample)
    for split in ("train", "test"):
        expected = [r for r in raw[split] if keep(config, r)]
        ds = dsd[split]
        assert expected and len(ds) == len(expected)
        for row, rec in zip(ds, expected, strict=True):
            assert {k: row[k] for k in rec} == rec  # every released field, as released
            assert row["clip_duration_s"] == pytest.approx(rec["clip_end"] - rec["clip_start"], abs=1e-6)
            assert row["video_id"] == rec["video_path"].removesuffix(".mp4")


def test_features(sample: Path, tmp_path: Path) -> None:
    ds = load_config("procobject", sample, "all", split="test", cache_dir=tmp_path / "cache")
    f = ds.features
    assert f["id"] == datasets.Value("int64")
    assert f["clip_start"] == f["clip_end"] == f["clip_duration_s"] == datasets.Value("float64")
    assert f["evidence"] == datasets.List(datasets.List(datasets.Value("float64"), length=2))
    assert "video" not in f and "video_status" not in f  # labels only without videos_dir


def test_list_shaped_testing_json_loads_the_same_rows(sample: Path, tmp_path: Path) -> None:
    copy = tmp_path / "rel"
    shutil.copytree(sample / "procobject/data", copy / "data")
    test = json.loads((copy / "data/testing.json").read_text("utf-8"))
    (copy / "data/testing.json").write_text(json.dumps([r for rows in test.values() for r in rows]), "utf-8")
    as_list = load_config("procobject", copy, "all", split="test", cache_dir=tmp_path / "cache")
    as_dict = load_config("procobject", sample, "all", split="test", cache_dir=tmp_path / "cache")
    assert as_list.to_list() == as_dict.to_list()
    assert as_list.cache_files != as_dict.cache_files  # another file content: another data version


def test_spans_past_the_clip_warn_with_the_count(sample: Path, tmp_path: Path) -> None:
    copy = tmp_path / "rel"
    shutil.copytree(sample / "procobject/data", copy / "data")
    train = json.loads((copy / "data/training.json").read_text("utf-8"))
    rec = train[0]
    duration = rec["clip_end"] - rec["clip_start"]
    rec["evidence"] = [[0.0, duration + 3.0]]
    (copy / "data/training.json").write_text(json.dumps(train), "utf-8")
    with pytest.warns(
        ProcObjectReleaseWarning,
        match=rf"1 evidence spans of 1 records end after their clip.*ids {rec['id']}\)",
    ):
        ds = load_config("procobject", copy, "all", split="train", cache_dir=tmp_path / "cache")
    assert ds[0]["evidence"] == [[0.0, pytest.approx(duration)]]


def test_a_malformed_release_stops_the_build_naming_file_and_id(sample: Path, tmp_path: Path) -> None:
    copy = tmp_path / "rel"
    shutil.copytree(sample / "procobject/data", copy / "data")
    test = json.loads((copy / "data/testing.json").read_text("utf-8"))
    bad = test["Multi-hop Reasoning"][1]
    bad["evidence"][0] = [bad["evidence"][0][1], bad["evidence"][0][0]]
    (copy / "data/testing.json").write_text(json.dumps(test), "utf-8")
    with pytest.raises(Exception, match=rf"testing\.json: id {bad['id']}: .*reversed"):
        load_config("procobject", copy, "needle", split="test", cache_dir=tmp_path / "cache")


# ---- videos: per-row status ------------------------------------------------------------------------


def test_missing_videos_are_a_row_status(sample: Path, tmp_path: Path) -> None:
    videos = fake_videos(sample, tmp_path / "videos", skip_corpus="COIN")
    cache = tmp_path / "cache"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = load_config(
            "procobject", sample, "all", split="test", videos_dir=videos, cache_dir=cache, decode_video=False
        )
    messages = sorted(str(w.message) for w in caught if w.category is MissingVideoWarning)
    assert [m.split(" have no video")[0] for m in messages] == [
        "procobject/all (test): 6 of 24 examples (1 video files)",
        "procobject/all (train): 6 of 24 examples (1 video files)",
    ]
    assert ds.features["video_status"] == datasets.Value("string")
    for row in ds:
        if row["source"] == "COIN":
            assert row["video_status"] == "missing" and row["video"] is None
        else:
            assert row["video_status"] == "ok"
            assert row["video"]["path"] == str((videos / row["video_path"]).resolve())
    # The cache follows the videos folder's listing: a downloaded video turns its rows to "ok".
    fake_videos(sample, videos)
    again = load_config(
        "procobject", sample, "all", split="test", videos_dir=videos, cache_dir=cache, decode_video=False
    )
    assert set(again["video_status"]) == {"ok"} and again.cache_files != ds.cache_files


def test_the_authors_videos_layout_is_found(sample: Path, tmp_path: Path) -> None:
    videos = fake_videos(sample, tmp_path / "videos", authors_layout=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingVideoWarning)
        ds = load_config(
            "procobject",
            sample,
            "needle",
            split="train",
            videos_dir=videos,
            cache_dir=tmp_path / "c",
            decode_video=False,
        )
    for row in ds:
        corpus, rest = row["video_path"].split("/", 1)
        assert row["video_status"] == "ok" and row["video"]["path"] == str(
            (videos / corpus / "videos" / rest).resolve()
        )


def test_only_with_video(sample: Path, tmp_path: Path) -> None:
    from proceval.benchmarks.procobject.media import only_with_video
    from proceval.errors import InputValidationError

    videos = fake_videos(sample, tmp_path / "videos", skip_corpus="EgoPER")
    with pytest.warns(MissingVideoWarning):
        ds = load_config(
            "procobject",
            sample,
            "all",
            split="train",
            videos_dir=videos,
            cache_dir=tmp_path / "c",
            decode_video=False,
        )
    kept = only_with_video(ds)
    assert len(kept) == sum(s != "EgoPER" for s in ds["source"]) and "EgoPER" not in kept["source"]
    with pytest.raises(InputValidationError, match="video_status"):
        only_with_video(ds.remove_columns(["video", "video_status"]))


# ---- Hub export, CLI, build script -------------------------------------------------------------------


def test_export_loads_with_stock_datasets(sample: Path, tmp_path: Path) -> None:
    videos = fake_videos(sample, tmp_path / "videos", skip_corpus="HoloAssist")
    out = tmp_path / "repo"
    report = export_hub_repo("procobject", sample / "procobject", out, videos_dir=videos, progress=False)
    raw = raw_records(sample)
    assert report.counts == {
        c: {s: sum(keep(c, r) for r in raw[s]) for s in ("train", "test")} for c in CONFIG_NAMES
    }
    assert "data/all-test.parquet" in report.files
    assert any("HoloAssist" in w and "video_status='missing'" in w for w in report.warnings)
    text = (out / "README.md").read_text("utf-8")
    front = yaml.safe_load(text[4:].split("\n---\n", 1)[0])
    assert front["license"] == "cc-by-nc-4.0" and front["pretty_name"] == "ProcObject-10K"
    assert [c["config_name"] for c in front["configs"]] == list(CONFIG_NAMES)
    assert "| `all` | 24 | - | 24 |" in text
    assert "`train` (training.json, list shape): 24 QA pairs" in text
    assert "`test` (testing.json, dict shape): 24 QA pairs" in text
    assert "| `video_status` | string |" in text and "@inproceedings{guo2026procobject" in text
    dsd = datasets.load_dataset(str(out), "all", cache_dir=str(tmp_path / "hf"))
    assert {k: v.num_rows for k, v in dsd.items()} == report.counts["all"]
    test = dsd["test"].cast_column("video", datasets.Video(decode=False))
    assert test.features["evidence"] == datasets.List(datasets.List(datasets.Value("float64"), length=2))
    for row, rec in zip(test, raw["test"], strict=True):
        assert {k: row[k] for k in rec} == rec
        assert row["video_status"] == ("missing" if rec["source"] == "HoloAssist" else "ok")
        assert (row["video"] is None) == (rec["source"] == "HoloAssist")


def test_cli_and_build_script(sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    code = main(
        [
            "build",
            "procobject",
            "--source",
            str(sample),
            "--out",
            str(out),
            "--configs",
            "all,needle",
            "--no-progress",
        ]
    )
    printed = capsys.readouterr().out.splitlines()
    assert (
        code == 0
        and printed[1].split() == ["all", "24", "-", "24"]
        and printed[2].split() == ["needle", "12", "-", "12"]
    )
    spec = importlib.util.spec_from_file_location("po_build", ROOT / "dataset_scripts/procobject/build.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out2 = tmp_path / "script"
    assert (
        script.main(["--source", str(sample / "procobject/data"), "--out", str(out2), "--no-progress"]) == 0
    )
    capsys.readouterr()
    assert (out2 / "readiness_assessment/test-00000-of-00001.parquet").is_file()
    ds = datasets.load_dataset(str(out2), "multihop", split="test", cache_dir=str(tmp_path / "hf"))
    assert set(ds["reasoning"]) == {"Multi-hop Reasoning"}
    assert (
        script.main(["--source", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x"), "--no-progress"])
        == 1
    )
    assert "release not found" in capsys.readouterr().err


def test_sample_size_is_fixed(tmp_path: Path) -> None:
    from proceval.errors import InputValidationError

    with pytest.raises(InputValidationError, match=r"`n_units` \(source videos per corpus\) to be 2"):
        write_sample(tmp_path / "s", seed=0, benchmarks=["procobject"], sizes={"procobject": 3}, videos=False)
    assert not (tmp_path / "s").exists()


def test_sample_is_deterministic(sample: Path, tmp_path: Path) -> None:
    write_sample(tmp_path / "again", seed=0, benchmarks=["procobject"], videos=False)
    write_sample(tmp_path / "other", seed=1, benchmarks=["procobject"], videos=False)
    for name in ("training.json", "testing.json"):
        first = (sample / "procobject/data" / name).read_bytes()
        assert (tmp_path / "again/procobject/data" / name).read_bytes() == first
        assert (tmp_path / "other/procobject/data" / name).read_bytes() != first
