"""Pro2Bench / EgoProactive configs built from the sample release (labels only): rows against the files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from proceval.benchmarks.pro2bench import egoproactive_jsonl, sample_release_dir
from proceval.benchmarks.pro2bench.release import SOURCES, instances_file
from proceval.datasets.load import load_config
from proceval.errors import ReleaseFormatError
from proceval.registry import get_benchmark
from proceval.sample import write_sample

CONFIGS = ["egoproactive", "egoproactive_decisions", *(f"pro2bench_{s}" for s in SOURCES)]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pro2bench_sample") / "out"
    write_sample(out, seed=0, benchmarks=["pro2bench"], videos=False)
    return out


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pro2bench_cache")


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def test_declaration() -> None:
    bench = get_benchmark("pro2bench")
    assert bench.config_names() == CONFIGS
    assert bench.homepage == "https://huggingface.co/datasets/facebook/wearable-ai"
    assert bench.license == "cc-by-nc-4.0" and "2606.04970" in bench.citation
    assert [bench.get_config(c).splits for c in CONFIGS] == [
        ("validation",),
        ("validation",),
        ("test",),
        ("train", "test"),
        ("train", "test"),
        ("train", "test"),
        ("test",),
        ("train", "test"),
    ]


def test_sessions_are_the_challenge_rows(root: Path, cache: Path) -> None:
    ds = load_config("pro2bench", root, "egoproactive", split="validation", cache_dir=cache)
    rows = _rows(egoproactive_jsonl(root))
    assert ds.num_rows == len(rows) == 4
    for got, row in zip(ds, rows, strict=True):
        assert {k: got[k] for k in row} == row
        assert got["video_id"] == row["video_path"][: -len(".mp4")] and got["release_warnings"] == []


def test_decision_windows_are_the_intervals(root: Path, cache: Path) -> None:
    ds = load_config("pro2bench", root, "egoproactive_decisions", split="validation", cache_dir=cache)
    rows = _rows(egoproactive_jsonl(root))
    assert ds.num_rows == sum(len(r["video_intervals"]) for r in rows)
    assert ds.features["label"].names == ["silent", "interrupt"]
    by_session: dict[str, list[dict]] = {}
    for d in ds:
        by_session.setdefault(d["session_id"], []).append(d)
    for row in rows:
        sid = row["video_path"][: -len(".mp4")]
        got = sorted(by_session[sid], key=lambda d: d["interval_index"])
        assert [[d["start_s"], d["end_s"]] for d in got] == row["video_intervals"]
        assert [d["answer"] for d in got] == row["answers"]
        assert [d["dialog"] for d in got] == row["dialog"]
        assert [d["label"] for d in got] == [int(a.startswith("$interrupt$")) for a in row["answers"]]
        assert [d["utterance"] for d in got] == [
            a.removeprefix("$interrupt$").removeprefix("$silent$") for a in row["answers"]
        ]
        assert {d["decision_id"] for d in got} == {f"{sid}/{j}" for j in range(len(got))}
        assert {(d["query"], d["task"], d["duration_s"], d["video_path"]) for d in got} == {
            (row["query"], row["task"], row["duration_in_sec"], row["video_path"])
        }


@pytest.mark.parametrize("source", SOURCES)
def test_pro2bench_sources(root: Path, cache: Path, source: str) -> None:
    release = sample_release_dir(root)
    file_rows = _rows(instances_file(release, source))
    dsd = load_config("pro2bench", root, f"pro2bench_{source}", cache_dir=cache)
    assert {k: v.num_rows for k, v in dsd.items()} == {
        s: sum(r.get("split", "test") == s for r in file_rows) for s in dsd
    }
    got = [r for split in dsd for r in dsd[split]]
    assert {r["source"] for r in got} == {source}
    rich = [r for r in got if r["oop"] is not None]
    plain = [r for r in got if r["oop"] is None]
    assert rich and plain  # the sample has rows with and without proceval's fields
    assert all(
        r["plan"] == [] and r["step_complete_cues"] == [] and r["deviation_type"] is None for r in plain
    )
    assert all(p["status"] in ("completed", "current", "next") for r in rich for p in r["plan"])
    assert any(r["plan"] for r in rich)
    for r in got:
        assert r["decision_id"] == f"{r['session_id']}/{r['interval_index']}"
        assert r["end_s"] > r["start_s"] >= 0
        assert r["answer"] == ("$interrupt$" + r["utterance"] if r["label"] == 1 else "$silent$")
    oop = [r for r in got if r["oop"]]
    if source == "egoproactive":
        assert oop and {r["deviation_type"] for r in oop} == {"omission"}
        assert all(r["deviation_onset_s"] is not None and r["recovery_utterance"] for r in oop)
    else:
        assert not oop


def test_egoproactive_source_derived_from_the_challenge_file(root: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    shutil.copytree(sample_release_dir(root), release)
    instances_file(release, "egoproactive").unlink()
    derived = load_config(
        "pro2bench", release, "pro2bench_egoproactive", split="test", cache_dir=tmp_path / "c"
    )
    decisions = load_config(
        "pro2bench", release, "egoproactive_decisions", split="validation", cache_dir=tmp_path / "c"
    )
    assert derived["decision_id"] == decisions["decision_id"]
    assert derived["label"] == decisions["label"] and derived["start_s"] == decisions["start_s"]
    assert derived["goal"] == decisions["query"]
    assert set(derived["video_path"]) == {f"egoproactive/val/{v}" for v in decisions["video_path"]}
    assert set(derived["oop"]) == {None} and all(p == [] for p in derived["plan"])


def test_missing_source_file_and_bad_split_name_the_file(root: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    shutil.copytree(sample_release_dir(root), release)
    instances_file(release, "ego4d").unlink()
    with pytest.raises(
        ReleaseFormatError, match=r"pro2bench/ego4d/instances.jsonl: no pro2bench/ego4d/instances.jsonl"
    ):
        load_config("pro2bench", release, "pro2bench_ego4d", cache_dir=tmp_path / "c")
    path = instances_file(release, "holoassist")
    rows = _rows(path)
    rows[3]["split"] = "train"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(
        ReleaseFormatError,
        match=r"instances.jsonl:4: row 'holoassist_sample_0000': expected `split` to be one of \('test',\)",
    ):
        load_config("pro2bench", release, "pro2bench_holoassist", cache_dir=tmp_path / "c")


def test_missing_videos_are_a_row_status(root: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    shutil.copytree(sample_release_dir(root), release)
    video = release / "egoproactive" / "val" / "egoproactive_sample_0001.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"not decoded here")
    with pytest.warns(UserWarning, match="have no video"):
        ds = load_config(
            "pro2bench", release, "egoproactive", split="validation", videos_dir=release,
            cache_dir=tmp_path / "c", decode_video=False,
        )  # fmt: skip
    assert ds["video_status"] == ["missing", "ok", "missing", "missing"]
    assert [v and v["path"] for v in ds["video"]] == [None, str(video.resolve()), None, None]
    # the val/ folder itself is accepted as the videos folder too
    flat = load_config(
        "pro2bench", release, "egoproactive", split="validation", videos_dir=video.parent,
        cache_dir=tmp_path / "c", decode_video=False,
    )  # fmt: skip
    assert flat["video_status"][1] == "ok"
