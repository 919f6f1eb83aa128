"""Hub export: Parquet + README YAML + eval.yaml that stock ``datasets.load_dataset`` reads; CLI; push."""

from __future__ import annotations

import warnings
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
import yaml
from impact_mini_release import (
    CAS,
    FAS,
    TRIALS,
    VIEWS,
    bundle_ids,
    frame_labels,
    shared_videos,
    video_id,
    write_mini_release,
)

from proceval.benchmarks.impact.metadata import ImpactQuirkWarning
from proceval.cli import main
from proceval.datasets.spec import get_config, list_configs
from proceval.hub.export import export_hub_repo
from proceval.hub.layout import ExportReport


@pytest.fixture(scope="session")
def mini_videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_videos(tmp_path_factory)


MY_TASKS = ("tas_s", "tas_bl", "tas_br", "ppr_l", "ppr_r", "cv_ta", "cv_smr", "cv_smc")
MY_CONFIGS = [s.name for s in list_configs("impact") if s.task in MY_TASKS]
BUNDLE_PART = {"train": "train", "validation": "val", "test": "test"}


def read_card(out: Path) -> tuple[dict, str]:
    text = (out / "README.md").read_text()
    assert text.startswith("---\n")
    front, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(front), body


def load_every_config(out: Path, cache: Path) -> dict[str, datasets.DatasetDict]:
    meta, _body = read_card(out)
    loaded = {}
    for entry in meta["configs"]:
        loaded[entry["config_name"]] = datasets.load_dataset(
            str(out), entry["config_name"], cache_dir=str(cache)
        )
    return loaded


@pytest.fixture(scope="module")
def mini_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, ExportReport]:
    root = tmp_path_factory.mktemp("mini")
    ds = write_mini_release(root)
    out = root / "repo"
    report = export_hub_repo("impact", root / "impact-release", out, configs=MY_CONFIGS, progress=False)
    return ds, out, report


def test_layout_card_and_eval_yaml(mini_export) -> None:
    _ds, out, report = mini_export
    assert len(MY_CONFIGS) == 32
    meta, body = read_card(out)
    assert meta["license"] == "cc-by-nc-sa-4.0" and meta["pretty_name"] == "IMPACT"
    assert [c["config_name"] for c in meta["configs"]] == MY_CONFIGS
    for entry in meta["configs"]:
        spec = get_config("impact", entry["config_name"])
        assert entry["data_files"] == [
            {"split": s, "path": f"{spec.task}/{spec.protocol}/{s}-00000-of-00001.parquet"}
            for s in ("train", "validation", "test")
        ]
        for item in entry["data_files"]:
            assert (out / item["path"]).is_file()
    for heading in ("## Configs", "## Split facts", "## Release quirks", "## Citation", "inclusive"):
        assert heading in body
    assert "5,383" in body and "5,379" in body
    assert "| `video` |" not in body  # no videos folder given
    assert any("not named after the video id" in w for w in report.warnings)
    ev = yaml.safe_load((out / "eval.yaml").read_text())
    assert ev["evaluation_framework"] == "proceval" and ev["name"] == "IMPACT"
    assert [t["id"] for t in ev["tasks"]] == MY_CONFIGS
    assert all(t["split"] == "test" and t["config"] == t["id"] for t in ev["tasks"])
    metric = {t["id"]: t["metric"] for t in ev["tasks"]}
    assert (metric["tas_bl_s2"], metric["ppr_r_s1"], metric["cv_smc_s4"]) == ("tas", "ppr", "cv_smc")
    # Tasks, metrics and headline keys (first = the ranking key, with its direction) come from the registry.
    by_id = {t["id"]: t for t in ev["tasks"]}
    assert by_id["tas_bl_s2"]["task"] == "tas_bl"
    assert by_id["tas_bl_s2"]["headline"][0] == {"key": "f1_at_50", "higher_is_better": True}
    assert {"key": "local:overall_median_rank", "higher_is_better": False} in by_id["cv_ta_s1"]["headline"]
    # The Parquet schema carries the datasets features (typed labels) for script-free loading.
    schema = pq.read_schema(out / "tas_bl/s1/test-00000-of-00001.parquet")
    features = datasets.Features.from_arrow_schema(schema)
    assert features["labels"].feature.names == list(FAS)


def test_counts_equal_bundle_lines(mini_export) -> None:
    ds, _out, report = mini_export
    for name in MY_CONFIGS:
        spec = get_config("impact", name)
        n = int(spec.protocol[1:])
        splits_dir = spec.extra["splits_dir"]
        for split, count in report.counts[name].items():
            lines = (ds / splits_dir / f"{BUNDLE_PART[split]}.split{n}.bundle").read_text().split()
            if spec.extra["family"] == "frame":
                assert count == len(lines) == len(bundle_ids(n, BUNDLE_PART[split]))
            else:  # segment-level: 4 segments per video, every view of the bundle's trials
                trials = {v[:13] for v in lines}
                assert count == 4 * len(VIEWS) * len(trials)


def test_every_yaml_config_loads_with_stock_load_dataset(mini_export, tmp_path: Path) -> None:
    _ds, out, report = mini_export
    loaded = load_every_config(out, tmp_path / "hf")
    assert set(loaded) == set(MY_CONFIGS)
    for name, dsd in loaded.items():
        assert {k: v.num_rows for k, v in dsd.items()} == report.counts[name]
    test = loaded["tas_s_s2"]["test"]
    assert test.features["labels"].feature.names == list(CAS)
    assert test["video_id"] == bundle_ids(2, "test")
    assert [CAS[i] for i in test[1]["labels"]] == frame_labels(CAS, 2, "left")
    cv = loaded["cv_smr_s1"]["train"]
    assert cv.features["label"].names == [n.lower() for n in CAS]
    assert cv[1]["verb"] == "step" and cv[1]["start_frame"] == 2 and cv[1]["end_frame"] == 5


@pytest.mark.video
def test_export_with_videos_decodes(tmp_path: Path, mini_videos: Path) -> None:
    pytest.importorskip("torchcodec")
    ds = write_mini_release(tmp_path / "rel")
    videos = mini_videos
    out = tmp_path / "repo"
    export_hub_repo("impact", ds, out, configs=["tas_s_s1", "cv_ta_s4"], videos_dir=videos, progress=False)
    assert "| `video` | Video |" in read_card(out)[1]
    loaded = datasets.load_dataset(str(out), "tas_s_s1", split="test", cache_dir=str(tmp_path / "hf"))
    assert loaded.features["video"] == datasets.Video()
    frame = loaded[0]["video"].get_frame_at(0).data
    assert tuple(frame.shape) == (3, 24, 32)
    raw = loaded.cast_column("video", datasets.Video(decode=False))
    top = next(r for r in raw if r["view"] == "top")
    name = f"{video_id(TRIALS[2], 'top')}.mp4"
    assert top["video"]["path"] == str((out / "data" / "videos" / "top" / name).resolve())
    assert Path(top["video"]["path"]).read_bytes() == (videos / "top" / name).read_bytes()
    cv = datasets.load_dataset(str(out), "cv_ta_s4", split="test", cache_dir=str(tmp_path / "hf"))
    assert cv[0]["video"].metadata.num_frames == 12


def test_cli_build_prints_counts_and_pushes(tmp_path: Path, monkeypatch, capsys) -> None:
    write_mini_release(tmp_path / "rel")
    pushed = []
    import proceval.hub.publish as publish_mod

    monkeypatch.setattr(publish_mod, "push_folder", lambda out, repo: pushed.append((Path(out), repo)))
    out = tmp_path / "repo"
    code = main(
        [
            "build",
            "impact",
            "--source",
            str(tmp_path / "rel"),
            "--out",
            str(out),
            "--configs",
            "tas_s_s1,cv_smc_s2",
            "--push",
            "org/name",
            "--no-progress",
        ]
    )
    assert code == 0
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    assert lines[0].split() == ["config", "train", "validation", "test"]
    assert lines[1].split() == ["tas_s_s1", "5", "5", "5"]
    assert lines[2].split() == ["cv_smc_s2", "20", "20", "20"]
    assert "not named after the video id" in printed.err
    assert pushed == [(out, "org/name")]
    meta, _ = read_card(out)
    assert [c["config_name"] for c in meta["configs"]] == ["tas_s_s1", "cv_smc_s2"]


def test_cli_errors(tmp_path: Path, capsys) -> None:
    write_mini_release(tmp_path / "rel")
    code = main(
        [
            "build",
            "impact",
            "--source",
            str(tmp_path / "rel"),
            "--out",
            str(tmp_path / "o"),
            "--configs",
            "tas_s_s9",
        ]
    )
    assert code == 1 and "tas_s_s9" in capsys.readouterr().err
    (tmp_path / "rel/impact-release/dataset/PPR/mapping_PPR.txt").write_text("0 NORMAL\nbroken\n")
    code = main(
        [
            "build",
            "impact",
            "--source",
            str(tmp_path / "rel"),
            "--out",
            str(tmp_path / "o"),
            "--configs",
            "ppr_l_s1",
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "mapping_PPR.txt:2:" in err


def test_embedded_sample_release_builds(tmp_path: Path) -> None:
    from proceval.sample import write_sample

    write_sample(tmp_path / "sample", videos=False)
    ds = tmp_path / "sample/impact/impact-release/dataset"
    out = tmp_path / "repo"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactQuirkWarning)
        report = export_hub_repo("impact", ds, out, configs=MY_CONFIGS, progress=False)
    for name in MY_CONFIGS:
        spec = get_config("impact", name)
        n = int(spec.protocol[1:])
        for split, count in report.counts[name].items():
            lines = (
                (ds / spec.extra["splits_dir"] / f"{BUNDLE_PART[split]}.split{n}.bundle").read_text().split()
            )
            if spec.extra["family"] == "frame":
                assert count == len(lines), (name, split)
            else:
                assert count > 0
    dsd = datasets.load_dataset(str(out), "tas_s_s4", cache_dir=str(tmp_path / "hf"))
    assert all(dsd["test"]["is_ego"])


def test_real_release_subset_exports_and_loads(impact_release: Path, tmp_path: Path) -> None:
    names = ["tas_s_s1", "cv_smc_s2"]
    out = tmp_path / "repo"
    report = export_hub_repo("impact", impact_release, out, configs=names, progress=False)
    assert report.counts["tas_s_s1"] == {"train": 448, "validation": 56, "test": 56}
    assert report.counts["cv_smc_s2"]["test"] == 1746
    loaded = load_every_config(out, tmp_path / "hf")
    for name in names:
        assert {k: v.num_rows for k, v in loaded[name].items()} == report.counts[name]
    row = loaded["tas_s_s1"]["test"][0]
    names_ = loaded["tas_s_s1"]["test"].features["labels"].feature.names
    txt = (impact_release / "dataset/TAS/groundTruth_CAS" / f"{row['video_id']}.txt").read_text().splitlines()
    assert [names_[i] for i in row["labels"]] == txt


def test_real_release_every_config_exports_and_loads(impact_release: Path, tmp_path: Path) -> None:
    """The issue's check, on the real release: every config in the README YAML loads with stock datasets (~35 s)."""
    out = tmp_path / "repo"
    report = export_hub_repo("impact", impact_release, out, progress=False)
    loaded = load_every_config(out, tmp_path / "hf")
    assert set(loaded) == {s.name for s in list_configs("impact")}
    for name, dsd in loaded.items():
        assert {k: v.num_rows for k, v in dsd.items()} == report.counts[name]
    assert report.counts["tas_s_s4"]["test"] == 112


def test_dataset_script_builds_what_proceval_build_builds(tmp_path: Path) -> None:
    """``dataset_scripts/impact/build.py`` is a thin command line over the code ``proceval build`` runs."""
    import subprocess
    import sys

    write_mini_release(tmp_path / "rel")
    script = Path(__file__).resolve().parents[1] / "dataset_scripts/impact/build.py"
    args = ["--source", str(tmp_path / "rel"), "--configs", "tas_s_s1,cv_smc_s2", "--no-progress"]
    done = subprocess.run(
        [sys.executable, str(script), *args, "--out", str(tmp_path / "script")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].split() == ["tas_s_s1", "5", "5", "5"]
    assert main(["build", "impact", *args, "--out", str(tmp_path / "cli")]) == 0
    for rel in (
        "README.md",
        "eval.yaml",
        "tas_s/s1/test-00000-of-00001.parquet",
        "cv_smc/s2/train-00000-of-00001.parquet",
    ):
        assert (tmp_path / "script" / rel).read_bytes() == (tmp_path / "cli" / rel).read_bytes(), rel
    bad = subprocess.run(
        [sys.executable, str(script), *args[:2], "--configs", "tas_s_s9", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1 and "tas_s_s9" in bad.stderr
