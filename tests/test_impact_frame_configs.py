"""Frame-level IMPACT configs (tas_s, tas_bl, tas_br, ppr_l, ppr_r x s1..s4): counts, round trip, errors."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from impact_mini_release import CAS, FAMILIES, TRIALS, bundle_ids, frame_labels, video_id, write_mini_release

from proceval.benchmarks.impact.configs.frame_tasks import FRAME_TASKS
from proceval.benchmarks.impact.metadata import ImpactQuirkWarning
from proceval.datasets.features import resolve_features
from proceval.datasets.spec import get_config, list_configs
from proceval.errors import ReleaseFormatError

FRAME_CONFIGS = [f"{t.task}_s{n}" for t in FRAME_TASKS for n in (1, 2, 3, 4)]
BUNDLE_PART = {"train": "train", "validation": "val", "test": "test"}


def _bundle_lines(path: Path) -> list[str]:
    # Plain reference reader: CRLF or LF, blank lines ignored.
    return [line.strip() for line in path.read_bytes().decode().splitlines() if line.strip()]


def _segments_to_frames(segments: list[dict]) -> list[int]:
    out: list[int] = []
    for seg in segments:
        assert seg["start_frame"] == len(out)
        out += [seg["label"]] * (seg["end_frame"] - seg["start_frame"] + 1)
    return out


@pytest.fixture(scope="module")
def real_frame_examples(impact_dataset_dir: Path) -> dict[str, dict[str, list[dict]]]:
    """Every example of every frame config and split of the real release (built once)."""
    out: dict[str, dict[str, list[dict]]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactQuirkWarning)
        for name in FRAME_CONFIGS:
            spec = get_config("impact", name)
            out[name] = {s: [ex for _k, ex in spec.generate(impact_dataset_dir, s)] for s in spec.splits}
    return out


def test_registry_has_every_frame_config() -> None:
    names = {c.name for c in list_configs("impact")}
    assert set(FRAME_CONFIGS) <= names
    assert len(FRAME_CONFIGS) == 20


# --------------------------------------------------------------------------- real release


def test_counts_equal_bundle_lines(impact_dataset_dir: Path, real_frame_examples) -> None:
    for task in FRAME_TASKS:
        for n in (1, 2, 3, 4):
            name = f"{task.task}_s{n}"
            for split, examples in real_frame_examples[name].items():
                bundle = impact_dataset_dir / task.splits_dir / f"{BUNDLE_PART[split]}.split{n}.bundle"
                ids = _bundle_lines(bundle)
                assert [ex["video_id"] for ex in examples] == ids, (name, split)


def test_known_split_facts(real_frame_examples) -> None:
    assert len(real_frame_examples["tas_s_s1"]["test"]) == 56
    s4 = real_frame_examples["tas_s_s4"]["test"]
    assert len(s4) == 112 and all(ex["is_ego"] and ex["view"] == "ego" and ex["fps"] == 25.0 for ex in s4)
    assert not any(ex["is_ego"] for ex in real_frame_examples["ppr_r_s4"]["train"])
    # S2 test subject differs between the CAS and FAS bundle families.
    assert {ex["subject"] for ex in real_frame_examples["tas_s_s2"]["test"]} == {"subject17"}
    assert {ex["subject"] for ex in real_frame_examples["tas_bl_s2"]["test"]} == {"subject19"}
    assert len(real_frame_examples["tas_bl_s2"]["test"]) == 40


def test_metadata(real_frame_examples) -> None:
    examples = [ex for split in real_frame_examples["tas_s_s1"].values() for ex in split]
    assert len(examples) == 560
    assert all(ex["subject"] and ex["subject"].startswith("subject") for ex in examples)
    assert len({ex["subject"] for ex in examples}) == 13
    no_model = {ex["trial_id"] for ex in examples if ex["grinder_model"] is None}
    assert len(no_model) == 20
    assert {ex["grinder_model"] for ex in examples} == {"CG15-125BL", None}
    assert all((ex["fps"] == 25.0) == ex["is_ego"] for ex in examples)
    assert all(ex["trial_id"] == "_".join(ex["video_id"].split("_")[:2]) for ex in examples)


def test_labels_round_trip_tas_s_s1_test(impact_dataset_dir: Path, real_frame_examples) -> None:
    names = resolve_features(get_config("impact", "tas_s_s1"), impact_dataset_dir)["labels"].feature.names
    for ex in real_frame_examples["tas_s_s1"]["test"]:
        txt = (impact_dataset_dir / "TAS/groundTruth_CAS" / f"{ex['video_id']}.txt").read_text().splitlines()
        assert [names[i] for i in ex["labels"]] == txt
        assert ex["num_frames"] == len(txt)
        assert _segments_to_frames(ex["segments"]) == list(ex["labels"])


def test_labels_round_trip_sample_of_every_config(impact_dataset_dir: Path, real_frame_examples) -> None:
    rng = np.random.default_rng(0)
    for task in FRAME_TASKS:
        spec = get_config("impact", f"{task.task}_s1")
        names = resolve_features(spec, impact_dataset_dir)["labels"].feature.names
        mapping = (impact_dataset_dir / task.mapping).read_text().splitlines()
        assert list(names) == [line.split(" ", 1)[1] for line in mapping]
        for n in (1, 2, 3, 4):
            for split, examples in real_frame_examples[f"{task.task}_s{n}"].items():
                for i in rng.choice(len(examples), size=min(3, len(examples)), replace=False):
                    ex = examples[int(i)]
                    path = impact_dataset_dir / task.label_dir / f"{ex['video_id']}.txt"
                    assert [names[j] for j in ex["labels"]] == path.read_text().splitlines(), (
                        task.task,
                        split,
                    )
                    assert _segments_to_frames(ex["segments"]) == list(ex["labels"])


def test_length_quirk_kept_per_file_with_warning(impact_dataset_dir: Path) -> None:
    vid = "20250407_1405_color_ego_sync_clipped"
    lengths = {}
    for name in ("tas_s_s4", "tas_bl_s4", "ppr_r_s4"):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            examples = {
                ex["video_id"]: ex
                for _k, ex in get_config("impact", name).generate(impact_dataset_dir, "test")
            }
        lengths[name] = examples[vid]["num_frames"]
        quirks = [str(w.message) for w in record if issubclass(w.category, ImpactQuirkWarning)]
        if name == "tas_s_s4":
            assert not any(vid in m for m in quirks)
        else:
            assert any(vid in m and "5379" in m and "5383" in m for m in quirks)
    assert lengths == {"tas_s_s4": 5383, "tas_bl_s4": 5379, "ppr_r_s4": 5379}


# --------------------------------------------------------------------------- mini release


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    return write_mini_release(tmp_path)


def test_mini_release_counts_and_labels(mini: Path) -> None:
    for task in FRAME_TASKS:
        names = FAMILIES[task.label_dir][1]
        for n in (1, 2, 3, 4):
            spec = get_config("impact", f"{task.task}_s{n}")
            for split in spec.splits:
                examples = [ex for _k, ex in spec.generate(mini, split)]
                assert [ex["video_id"] for ex in examples] == bundle_ids(n, BUNDLE_PART[split])
                for ex in examples:
                    t = TRIALS.index(ex["trial_id"])
                    assert [names[i] for i in ex["labels"]] == frame_labels(names, t, ex["view"])
    ex = next(iter(get_config("impact", "tas_s_s1").generate(mini, "train")))[1]
    assert ex["video_id"] == video_id(TRIALS[0], "front")
    assert ex["subject"] == "subject01" and ex["grinder_model"] == "MODEL-A" and ex["workflow"] == "assemble"
    t0 = frame_labels(CAS, 0, "front")  # a=2, b=6: NULL x2, ALPHA x4, BETA x5, NULL x1
    assert t0 == ["NULL"] * 2 + ["STEP_ALPHA"] * 4 + ["STEP_BETA"] * 5 + ["NULL"]
    assert ex["segments"] == [
        {"label": 0, "start_frame": 0, "end_frame": 1},
        {"label": 1, "start_frame": 2, "end_frame": 5},
        {"label": 2, "start_frame": 6, "end_frame": 10},
        {"label": 0, "start_frame": 11, "end_frame": 11},
    ]
    last = list(get_config("impact", "tas_s_s1").generate(mini, "test"))[-1][1]
    assert last["grinder_model"] is None and last["subject"] == "subject02"


def _run(mini: Path, name: str, split: str = "train") -> list:
    return list(get_config("impact", name).generate(mini, split))


def _expect(exc: pytest.ExceptionInfo, path: Path, line: int | None) -> None:
    assert Path(exc.value.path) == path
    assert exc.value.line == line
    assert str(path) in str(exc.value)
    if line is not None:
        assert f":{line}:" in str(exc.value)


def test_error_missing_bundle(mini: Path) -> None:
    path = mini / "TAS/splits_CAS/train.split2.bundle"
    path.unlink()
    with pytest.raises(ReleaseFormatError, match="file not found") as exc:
        _run(mini, "tas_s_s2")
    _expect(exc, path, None)


def test_error_missing_mapping(mini: Path) -> None:
    path = mini / "PPR/mapping_PPR.txt"
    path.unlink()
    with pytest.raises(ReleaseFormatError, match="file not found") as exc:
        _run(mini, "ppr_l_s1")
    _expect(exc, path, None)


def test_error_bundle_id_without_annotation(mini: Path) -> None:
    gt = mini / "TAS/groundTruth_FAS_L" / f"{video_id(TRIALS[0], 'right')}.txt"
    gt.unlink()
    with pytest.raises(ReleaseFormatError, match="has no annotation") as exc:
        _run(mini, "tas_bl_s1")
    _expect(exc, mini / "TAS/splits_FAS_L/train.split1.bundle", 3)


def test_error_malformed_bundle_line(mini: Path) -> None:
    path = mini / "PPR/splits_PPR_R/test.split3.bundle"
    path.write_bytes(path.read_bytes() + b"not-a-video\r\n")
    with pytest.raises(ReleaseFormatError, match="expected a video id") as exc:
        _run(mini, "ppr_r_s3", "test")
    _expect(exc, path, 6)


def test_error_unknown_label(mini: Path) -> None:
    path = mini / "TAS/groundTruth_CAS" / f"{video_id(TRIALS[0], 'left')}.txt"
    lines = path.read_text().splitlines()
    lines[6] = "STEP_GAMMA"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReleaseFormatError, match="unknown label 'STEP_GAMMA'") as exc:
        _run(mini, "tas_s_s1")
    _expect(exc, path, 7)


def test_error_blank_frame_line(mini: Path) -> None:
    path = mini / "TAS/groundTruth_FAS_R" / f"{video_id(TRIALS[0], 'top')}.txt"
    lines = path.read_text().splitlines()
    lines[3] = ""
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReleaseFormatError, match="blank line") as exc:
        _run(mini, "tas_br_s2")
    _expect(exc, path, 4)


def test_error_malformed_mapping_line(mini: Path) -> None:
    path = mini / "TAS/mapping_FAS.txt"
    path.write_text("0 NULL\nPICK_UP_PART\n2 HOLD_PART\n")
    with pytest.raises(ReleaseFormatError, match="expected '<id> <NAME>'") as exc:
        resolve_features(get_config("impact", "tas_bl_s1"), mini)
    _expect(exc, path, 2)


def test_crlf_frame_file_reads_the_same(mini: Path) -> None:
    path = mini / "TAS/groundTruth_CAS" / f"{video_id(TRIALS[0], 'front')}.txt"
    before = _run(mini, "tas_s_s1")[0][1]["labels"].tolist()
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert _run(mini, "tas_s_s1")[0][1]["labels"].tolist() == before
