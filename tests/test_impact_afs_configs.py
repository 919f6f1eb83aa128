"""af_s_s1 on the real release: counts from the raw JSON, windows, contralateral context, quirks, errors."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from proceval.benchmarks.impact.configs.af_s import observation_window
from proceval.benchmarks.impact.metadata import ImpactQuirkWarning
from proceval.datasets.spec import get_config
from proceval.errors import ReleaseFormatError
from proceval.registry import get_benchmark


def metric_of(config: str) -> str:
    """The metric that scores ``config`` (from the registry's task declarations)."""
    return get_benchmark("impact").task_of_config(config).metric


SPLIT_FILES = {"train": "train", "validation": "val", "test": "test"}
VIEW_FOLDERS = ("Front", "Left", "Right", "Top", "ego_valid")


def _raw_index(ann: Path) -> dict[str, Path]:
    """Bundle id → file, by a plain rule: ego files add the '_clipped' the bundles use."""
    out = {}
    for folder in VIEW_FOLDERS:
        for f in (ann / folder).glob("*.json"):
            out[f.stem if f.stem.endswith("_clipped") else f.stem + "_clipped"] = f
    return out


def _bundle(ann: Path, split: str) -> list[str]:
    text = (ann / "splits" / f"{SPLIT_FILES[split]}.split1.bundle").read_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def afs_examples(impact_dataset_dir: Path) -> dict[str, list[tuple[str, dict]]]:
    spec = get_config("impact", "af_s_s1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactQuirkWarning)
        return {split: list(spec.generate(impact_dataset_dir, split)) for split in SPLIT_FILES}


def test_counts_equal_raw_segment_counts(impact_dataset_dir: Path, afs_examples) -> None:
    ann = impact_dataset_dir / "AF-S" / "Annotation"
    index = _raw_index(ann)
    total = 0
    for split, examples in afs_examples.items():
        expected = sum(len(json.loads(index[v].read_text())["segments"]) for v in _bundle(ann, split))
        assert len(examples) == expected, split
        assert len({k for k, _ in examples}) == len(examples)
        total += expected
    assert total == 67293  # every hand segment of every file, null segments included


def test_official_protocol_flag_counts(impact_dataset_dir: Path, afs_examples) -> None:
    """Instances with t1 = start - fps <= 0 frames are the ones the official loaders drop."""
    ann = impact_dataset_dir / "AF-S" / "Annotation"
    index = _raw_index(ann)
    for split, examples in afs_examples.items():
        expected = 0
        for v in _bundle(ann, split):
            d = json.loads(index[v].read_text())
            fps = d["meta_data"]["fps"]
            expected += sum(1 for s in d["segments"] if s["start_frame"] - round(fps) <= 0)
        assert sum(not ex["in_official_protocol"] for _, ex in examples) == expected, split
        assert expected >= 2 * len(_bundle(ann, split))  # at least each hand's first segment


def test_ego_videos_kept_and_views_from_names(impact_dataset_dir: Path, afs_examples) -> None:
    ann = impact_dataset_dir / "AF-S" / "Annotation"
    for split, examples in afs_examples.items():
        videos = {ex["video_id"]: ex for _, ex in examples}
        assert set(videos) == set(_bundle(ann, split))
        ego = [v for v, ex in videos.items() if ex["is_ego"]]
        assert len(ego) == sum(1 for v in _bundle(ann, split) if "_ego_" in v) > 0
        assert all(videos[v]["view"] == "ego" and videos[v]["fps"] == 25.0 for v in ego)


def test_window_and_targets_of_one_instance(impact_dataset_dir: Path, afs_examples) -> None:
    key, ex = next((k, e) for k, e in afs_examples["test"] if e["is_ego"] and e["segment_index"] == 5)
    raw = json.loads(_raw_index(impact_dataset_dir / "AF-S" / "Annotation")[ex["video_id"]].read_text())
    seg = raw["segments"][5]
    assert key == f"{ex['video_id']}/{seg['entity']}/5"
    start = seg["start_frame"]
    assert ex["target_start_frame"] == start and ex["target_end_frame"] == seg["end_frame"]
    assert (ex["action"], ex["verb"], ex["noun"], ex["hand"]) == (
        seg["action_label"],
        seg["verb"],
        seg["noun"],
        seg["entity"],
    )
    assert (
        ex["anomaly"] == seg["anomaly_type"]
        and ["normal", "anomaly", "recovery"][ex["phase"]] == seg["phase"]
    )
    # ego: 25 fps, gap 25 frames, observation 125 frames
    assert ex["end_frame"] == max(0, start - 25) and ex["start_frame"] == max(0, start - 25 - 125)
    assert ex["target_start_s"] == pytest.approx(start / 25) and ex["obs_end_s"] == pytest.approx(
        start / 25 - 1
    )


def test_observation_window_hand_values() -> None:
    assert observation_window(200, 30.0) == {
        "start_frame": 20,
        "end_frame": 170,
        "target_start_s": pytest.approx(200 / 30),
        "obs_start_s": pytest.approx(200 / 30 - 6),
        "obs_end_s": pytest.approx(200 / 30 - 1),
        "in_official_protocol": True,
        "full_observation": True,
    }
    w = observation_window(100, 30.0)  # t1 = 70 frames: window cut at 0
    assert (w["start_frame"], w["end_frame"], w["in_official_protocol"], w["full_observation"]) == (
        0,
        70,
        True,
        False,
    )
    w = observation_window(30, 30.0)  # t1 = 0: dropped by the official loaders
    assert (w["start_frame"], w["end_frame"], w["in_official_protocol"]) == (0, 0, False)
    assert w["obs_end_s"] == pytest.approx(0.0)


def test_contralateral_context_reference(impact_dataset_dir: Path, afs_examples) -> None:
    """Other-hand segments overlapping the observed window, clipped, checked on every test instance."""
    index = _raw_index(impact_dataset_dir / "AF-S" / "Annotation")
    videos = list(dict.fromkeys(ex["video_id"] for _, ex in afs_examples["test"]))
    segs = {v: json.loads(index[v].read_text())["segments"] for v in videos}
    checked = 0
    for _, ex in afs_examples["test"]:
        if ex["video_id"] not in segs:
            continue
        lo, hi = ex["start_frame"], ex["end_frame"]
        expected = []
        if ex["in_official_protocol"]:
            for s in segs[ex["video_id"]]:
                if s["entity"] != ex["hand"] and s["start_frame"] <= hi and s["end_frame"] >= lo:
                    expected.append((s["action_label"], max(s["start_frame"], lo), min(s["end_frame"], hi)))
        got = list(
            zip(
                ex["other_hand_actions"],
                ex["other_hand_start_frames"],
                ex["other_hand_end_frames"],
                strict=True,
            )
        )
        assert got == expected
        assert all(e <= hi for _, _, e in got)  # nothing after the observation end
        checked += 1
    assert checked == len(afs_examples["test"])


def test_features_encode_with_release_vocab(impact_dataset_dir: Path, afs_examples) -> None:
    spec = get_config("impact", "af_s_s1")
    assert spec.media == "clip" and metric_of(spec.name) == "af_s"
    feats = spec.extra["features_fn"](impact_dataset_dir)
    assert feats["action"].num_classes == 138 and feats["action"].names[0] == "null"
    assert feats["verb"].num_classes == 22 and feats["noun"].num_classes == 19
    for _, ex in afs_examples["test"][:300]:
        encoded = feats.encode_example(ex)
        assert encoded["verb"] >= -1
    assert len(spec.extra["anomaly_type_names_fn"](impact_dataset_dir)) == 6


def test_quirk_warnings(impact_dataset_dir: Path) -> None:
    spec = get_config("impact", "af_s_s1")
    with pytest.warns(ImpactQuirkWarning) as record:
        list(spec.generate(impact_dataset_dir, "test"))
    messages = [str(w.message) for w in record]
    assert any("_ego_sync_clipped" in m and "kept" in m for m in messages)
    assert any("in_official_protocol=False" in m for m in messages)


# ---------------------------------------------------------------------------------------------
# errors on a small copy of the release


def _mini_release(src: Path, dst: Path, bundle_lines: list[str]) -> Path:
    ann = dst / "AF-S" / "Annotation"
    for folder in VIEW_FOLDERS:
        (ann / folder).mkdir(parents=True)
    for name in ("20250407_1345_color_front_clipped", "20250407_1354_color_front_clipped"):
        shutil.copy(src / "AF-S" / "Annotation" / "Front" / f"{name}.json", ann / "Front")
    (ann / "splits").mkdir()
    (ann / "splits" / "test.split1.bundle").write_bytes(("\r\n".join(bundle_lines) + "\r\n").encode())
    return dst


def test_bundle_id_without_annotation(impact_dataset_dir: Path, tmp_path: Path) -> None:
    rel = _mini_release(
        impact_dataset_dir,
        tmp_path,
        ["20250407_1345_color_front_clipped", "20250407_1999_color_left_clipped"],
    )
    with pytest.raises(
        ReleaseFormatError, match=r"test.split1.bundle:2: video id '20250407_1999_color_left_clipped'"
    ):
        list(get_config("impact", "af_s_s1").generate(rel, "test"))


def test_bundle_line_not_a_video_id(impact_dataset_dir: Path, tmp_path: Path) -> None:
    rel = _mini_release(impact_dataset_dir, tmp_path, ["20250407_1345_color_front_clipped", "garbage"])
    with pytest.raises(ReleaseFormatError, match=r"test.split1.bundle:2: expected an IMPACT video id"):
        list(get_config("impact", "af_s_s1").generate(rel, "test"))


def test_inconsistent_vocabulary(impact_dataset_dir: Path, tmp_path: Path) -> None:
    rel = _mini_release(
        impact_dataset_dir,
        tmp_path,
        ["20250407_1345_color_front_clipped", "20250407_1354_color_front_clipped"],
    )
    path = rel / "AF-S" / "Annotation" / "Front" / "20250407_1354_color_front_clipped.json"
    doc = json.loads(path.read_text())
    doc["verbs"][3]["name"] = "renamed"
    path.write_text(json.dumps(doc))
    with pytest.raises(
        ReleaseFormatError, match=r"1354_color_front_clipped.json: vocabulary `verbs` differs"
    ) as info:
        list(get_config("impact", "af_s_s1").generate(rel, "test"))
    assert "first difference at id 3" in str(info.value)


def test_missing_bundle(impact_dataset_dir: Path, tmp_path: Path) -> None:
    rel = _mini_release(impact_dataset_dir, tmp_path, ["20250407_1345_color_front_clipped"])
    with pytest.raises(ReleaseFormatError, match=r"train.split1.bundle: file not found"):
        list(get_config("impact", "af_s_s1").generate(rel, "train"))
