"""atr_{l,r}_s1..s4 on the real release: counts equal manifest lines, labels equal the JSONL, errors."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from proceval.benchmarks.impact.metadata import ImpactQuirkWarning
from proceval.datasets.spec import get_config
from proceval.errors import ReleaseFormatError
from proceval.registry import get_benchmark


def metric_of(config: str) -> str:
    """The metric that scores ``config`` (from the registry's task declarations)."""
    return get_benchmark("impact").task_of_config(config).metric


SPLIT_FILES = {"train": "train", "validation": "val", "test": "test"}
CONFIGS = [(hand, n) for hand in ("L", "R") for n in (1, 2, 3, 4)]


def _manifest(dataset_dir: Path, hand: str, split: str, n: int) -> list[dict]:
    path = dataset_dir / "ATR" / f"atr_segments_{hand}" / f"{SPLIT_FILES[split]}.split{n}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _generate(dataset_dir: Path, name: str, split: str) -> list[tuple[str, dict]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactQuirkWarning)
        return list(get_config("impact", name).generate(dataset_dir, split))


@pytest.fixture(scope="module")
def atr_examples(impact_dataset_dir: Path) -> dict[tuple[str, int, str], list[tuple[str, dict]]]:
    """Every config and split, generated once."""
    return {
        (hand, n, split): _generate(impact_dataset_dir, f"atr_{hand.lower()}_s{n}", split)
        for hand, n in CONFIGS
        for split in SPLIT_FILES
    }


@pytest.mark.parametrize(("hand", "n"), CONFIGS, ids=[f"atr_{h.lower()}_s{n}" for h, n in CONFIGS])
def test_examples_equal_manifest_lines(impact_dataset_dir: Path, atr_examples, hand: str, n: int) -> None:
    name = f"atr_{hand.lower()}_s{n}"
    for split in SPLIT_FILES:
        raw = _manifest(impact_dataset_dir, hand, split, n)
        examples = atr_examples[(hand, n, split)]
        assert len(examples) == len(raw), (name, split)
        for (key, ex), rec in zip(examples, raw, strict=True):
            assert key == ex["sample_id"] == rec["sample_id"]
            assert ex["labels"] == rec["labels"] and ex["label_ids"] == rec["label_indices"]
            assert (ex["start_frame"], ex["end_frame"], ex["num_frames"]) == (
                rec["start_frame"],
                rec["end_frame"],
                rec["num_frames"],
            )
            assert ex["has_label"] == any(rec["labels"])
            assert ex["hand"] == rec["entity"] == {"L": "left", "R": "right"}[hand]
            assert ex["video_id"] == rec["video_id"] and ex["view"] in rec["video_id"]
            assert ex["source_action_labels"] == rec["source_action_labels"]


def test_all_zero_records_kept_and_flagged(impact_dataset_dir: Path, atr_examples) -> None:
    total_zero = 0
    for hand, n in CONFIGS:
        for split in SPLIT_FILES:
            raw_zero = sum(1 for r in _manifest(impact_dataset_dir, hand, split, n) if not any(r["labels"]))
            examples = atr_examples[(hand, n, split)]
            flagged = [ex for _, ex in examples if not ex["has_label"]]
            assert len(flagged) == raw_zero
            assert all(ex["labels"] == [0] * 6 and ex["label_ids"] == [] for ex in flagged)
            total_zero += raw_zero
    assert total_zero == 124


def test_manifest_videos_are_in_bundles(impact_dataset_dir: Path, atr_examples) -> None:
    """Every manifest video is in its ATR bundle; some bundle videos have no records (no anomalies)."""
    for hand, n in CONFIGS:
        for split in SPLIT_FILES:
            bundle = set(
                (impact_dataset_dir / "ATR" / f"splits_FAS_{hand}" / f"{SPLIT_FILES[split]}.split{n}.bundle")
                .read_text()
                .split()
            )
            videos = {
                ex["video_id"] for _, ex in _generate(impact_dataset_dir, f"atr_{hand.lower()}_s{n}", split)
            }
            assert videos <= bundle
    test_l1 = {ex["video_id"] for _, ex in atr_examples[("L", 1, "test")]}
    assert len(test_l1) == 47  # of 56 bundle videos


def test_view_field_quirk_warned(impact_dataset_dir: Path) -> None:
    raw = _manifest(impact_dataset_dir, "L", "validation", 1)
    wrong = sum(1 for r in raw if "_ego_" in r["video_id"] and r["view"] == "Top")
    assert wrong > 0
    with pytest.warns(ImpactQuirkWarning) as record:
        examples = list(get_config("impact", "atr_l_s1").generate(impact_dataset_dir, "validation"))
    messages = [str(w.message) for w in record]
    assert any(f"{wrong} x 'Top' for 'ego'" in m for m in messages)
    assert any("all-zero labels; kept with has_label=False" in m for m in messages)
    assert all(ex["view"] == "ego" for _, ex in examples if "_ego_" in ex["video_id"])


def test_spec_metadata_and_features(impact_dataset_dir: Path, atr_examples) -> None:
    spec = get_config("impact", "atr_r_s2")
    assert spec.media == "clip" and metric_of(spec.name) == "atr"
    feats = spec.extra["features_fn"](impact_dataset_dir)
    assert (
        feats["label_ids"].feature.names[0] == "ERROR_TEMPORAL"
        and feats["label_ids"].feature.num_classes == 6
    )
    for _, ex in atr_examples[("R", 2, "test")][:50]:
        feats.encode_example(ex)


# ---------------------------------------------------------------------------------------------
# errors on a small copy


def _mini_release(src: Path, dst: Path, lines: list[str], bundle: list[str]) -> Path:
    atr = dst / "ATR"
    (atr / "atr_segments_L").mkdir(parents=True)
    (atr / "splits_FAS_L").mkdir()
    shutil.copy(src / "ATR" / "mapping_ATR.txt", atr)
    (atr / "atr_segments_L" / "test.split1.jsonl").write_text("\n".join(lines) + "\n")
    (atr / "splits_FAS_L" / "test.split1.bundle").write_text("\r\n".join(bundle) + "\r\n")
    return dst


def test_video_not_in_bundle(impact_dataset_dir: Path, tmp_path: Path) -> None:
    lines = (impact_dataset_dir / "ATR/atr_segments_L/test.split1.jsonl").read_text().splitlines()[:3]
    first = json.loads(lines[0])["video_id"]
    others = {json.loads(x)["video_id"] for x in lines[1:]} - {first}
    rel = _mini_release(impact_dataset_dir, tmp_path, lines, sorted(others))
    with pytest.raises(
        ReleaseFormatError, match=rf"test.split1.jsonl:1: video id '{first}' is not in the bundle"
    ):
        list(get_config("impact", "atr_l_s1").generate(rel, "test"))


def test_malformed_line_names_file_and_line(impact_dataset_dir: Path, tmp_path: Path) -> None:
    lines = (impact_dataset_dir / "ATR/atr_segments_L/test.split1.jsonl").read_text().splitlines()[:3]
    bundle = sorted({json.loads(x)["video_id"] for x in lines})
    bad = json.loads(lines[2])
    bad["labels"] = [0, 1, 0, 0, 0, 0, 0]
    rel = _mini_release(impact_dataset_dir, tmp_path, [*lines[:2], json.dumps(bad)], bundle)
    with pytest.raises(ReleaseFormatError, match=r"test.split1.jsonl:3: `labels`: expected 6"):
        list(get_config("impact", "atr_l_s1").generate(rel, "test"))
    rel2 = _mini_release(impact_dataset_dir, tmp_path / "b", [lines[0], lines[1][:-5]], bundle)
    with pytest.raises(ReleaseFormatError, match=r"test.split1.jsonl:2: invalid JSON line"):
        list(get_config("impact", "atr_l_s1").generate(rel2, "test"))


def test_missing_manifest(impact_dataset_dir: Path, tmp_path: Path) -> None:
    lines = (impact_dataset_dir / "ATR/atr_segments_L/test.split1.jsonl").read_text().splitlines()[:1]
    rel = _mini_release(impact_dataset_dir, tmp_path, lines, [json.loads(lines[0])["video_id"]])
    with pytest.raises(ReleaseFormatError, match=r"val.split1.bundle: file not found"):
        list(get_config("impact", "atr_l_s1").generate(rel, "validation"))
