"""af_l_s1 (derived protocol): the derivation on hand-made sequences, counts from raw TAS-S files, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from proceval.benchmarks.impact.configs.af_l import Step, forecast_instances, step_sequence
from proceval.datasets.spec import get_config
from proceval.errors import ReleaseFormatError
from proceval.registry import get_benchmark


def metric_of(config: str) -> str:
    """The metric that scores ``config`` (from the registry's task declarations)."""
    return get_benchmark("impact").task_of_config(config).metric


SPLIT_FILES = {"train": "train", "validation": "val", "test": "test"}


def _reference_steps(names: list[str]) -> list[tuple[str, int, int]]:
    """Plain derivation: non-NULL runs, same-label neighbours (after NULL removal) merged; inclusive ends."""
    runs: list[list] = []
    for i, name in enumerate(names):
        if runs and runs[-1][0] == name:
            runs[-1][2] = i
        else:
            runs.append([name, i, i])
    steps: list[list] = []
    for name, start, end in runs:
        if name == "NULL":
            continue
        if steps and steps[-1][0] == name:
            steps[-1][2] = end
        else:
            steps.append([name, start, end])
    return [tuple(s) for s in steps]


def test_step_sequence_hand_made() -> None:
    labels = [0, 0, 4, 4, 4, 0, 4, 7, 7, 0, 0, 2, 4]
    assert step_sequence(labels) == [Step(4, 2, 6), Step(7, 7, 8), Step(2, 11, 11), Step(4, 12, 12)]
    assert [s.label for s in step_sequence(labels, merge_repeats=False)] == [4, 4, 7, 2, 4]
    assert step_sequence([0, 0, 0]) == []
    assert step_sequence([]) == []


def test_forecast_instances_hand_made() -> None:
    steps = [Step(k, 10 * k, 10 * k + 5) for k in range(9)]  # 9 steps → 9 - 2 - 5 + 1 = 3 instances
    out = forecast_instances(steps)
    assert [i for i, _, _ in out] == [1, 2, 3]
    _, observed, future = out[-1]
    assert [s.label for s in observed] == [2, 3] and [s.label for s in future] == [4, 5, 6, 7, 8]
    assert forecast_instances(steps[:6]) == []  # fewer than M + Z steps
    assert len(forecast_instances(steps[:7])) == 1
    assert [len(o) for _, o, _ in forecast_instances(steps, m=3, z=2)] == [3] * 5
    with pytest.raises(ValueError, match="`m` and `z`"):
        forecast_instances(steps, m=0)


@pytest.fixture(scope="module")
def afl_examples(impact_dataset_dir: Path) -> dict[str, list[tuple[str, dict]]]:
    spec = get_config("impact", "af_l_s1")
    return {split: list(spec.generate(impact_dataset_dir, split)) for split in SPLIT_FILES}


def test_counts_from_raw_tas_files(impact_dataset_dir: Path, afl_examples) -> None:
    tas = impact_dataset_dir / "TAS"
    for split, examples in afl_examples.items():
        bundle = (tas / "splits_CAS" / f"{SPLIT_FILES[split]}.split1.bundle").read_text().split()
        exo = [v for v in bundle if "_ego_" not in v]
        expected = 0
        for v in exo:
            names = (tas / "groundTruth_CAS" / f"{v}.txt").read_text().split()
            expected += max(0, len(_reference_steps(names)) - 6)
        assert len(examples) == expected > 0, split
        assert {ex["video_id"] for _, ex in examples} <= set(exo)
        assert not any(ex["is_ego"] for _, ex in examples)
        assert len({k for k, _ in examples}) == len(examples)


def test_instances_match_reference_on_test_split(impact_dataset_dir: Path, afl_examples) -> None:
    names = (impact_dataset_dir / "TAS" / "mapping_CAS.txt").read_text().split("\n")
    id_of = {line.split(maxsplit=1)[1].strip(): int(line.split()[0]) for line in names if line.strip()}
    by_video: dict[str, list[dict]] = {}
    for _, ex in afl_examples["test"]:
        by_video.setdefault(ex["video_id"], []).append(ex)
    for vid, exs in by_video.items():
        frames = (impact_dataset_dir / "TAS" / "groundTruth_CAS" / f"{vid}.txt").read_text().split()
        steps = [(id_of[n], s, e) for n, s, e in _reference_steps(frames)]
        assert [ex["instance_index"] for ex in exs] == list(range(1, len(steps) - 5))
        for ex in exs:
            i = ex["instance_index"]
            assert (
                list(
                    zip(
                        ex["observed_steps"],
                        ex["observed_start_frames"],
                        ex["observed_end_frames"],
                        strict=True,
                    )
                )
                == steps[i - 1 : i + 1]
            )
            assert (
                list(zip(ex["future_steps"], ex["future_start_frames"], ex["future_end_frames"], strict=True))
                == steps[i + 1 : i + 6]
            )
            assert ex["end_frame"] == ex["observation_end_frame"] == steps[i][2]
            assert ex["start_frame"] == steps[i - 1][1] and ex["num_steps"] == len(steps)
            assert ex["future_start_frames"][0] > ex["end_frame"]
            assert 0 not in ex["observed_steps"] + ex["future_steps"]


def test_spec_metadata_and_features(impact_dataset_dir: Path, afl_examples) -> None:
    spec = get_config("impact", "af_l_s1")
    assert spec.derived and spec.media == "clip" and metric_of(spec.name) == "af_l"
    assert "DERIVED PROTOCOL" in spec.description and "merged" in spec.description
    feats = spec.extra["features_fn"](impact_dataset_dir)
    assert feats["future_steps"].feature.num_classes == 26
    for _, ex in afl_examples["test"][:50]:
        feats.encode_example(ex)


def _mini_release(src: Path, dst: Path, bundle: list[str]) -> Path:
    tas = dst / "TAS"
    (tas / "groundTruth_CAS").mkdir(parents=True)
    (tas / "splits_CAS").mkdir()
    shutil.copy(src / "TAS" / "mapping_CAS.txt", tas)
    for v in bundle:
        gt = src / "TAS" / "groundTruth_CAS" / f"{v}.txt"
        if gt.is_file():
            shutil.copy(gt, tas / "groundTruth_CAS")
    (tas / "splits_CAS" / "test.split1.bundle").write_text("\r\n".join(bundle) + "\r\n")
    return dst


def test_bundle_id_without_labels(impact_dataset_dir: Path, tmp_path: Path) -> None:
    rel = _mini_release(
        impact_dataset_dir, tmp_path, ["20250407_1345_color_front_clipped", "20250407_1999_color_top_clipped"]
    )
    with pytest.raises(
        ReleaseFormatError, match=r"test.split1.bundle:2: video id '20250407_1999_color_top_clipped'"
    ):
        list(get_config("impact", "af_l_s1").generate(rel, "test"))


def test_unknown_label_names_file_and_line(impact_dataset_dir: Path, tmp_path: Path) -> None:
    rel = _mini_release(impact_dataset_dir, tmp_path, ["20250407_1345_color_front_clipped"])
    gt = rel / "TAS" / "groundTruth_CAS" / "20250407_1345_color_front_clipped.txt"
    lines = gt.read_text().split("\n")
    lines[9] = "NOT_A_STEP"
    gt.write_text("\n".join(lines))
    with pytest.raises(ReleaseFormatError, match=r"20250407_1345_color_front_clipped.txt:10: .*NOT_A_STEP"):
        list(get_config("impact", "af_l_s1").generate(rel, "test"))
