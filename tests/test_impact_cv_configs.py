"""Cross-view IMPACT configs (cv_ta, cv_smr, cv_smc x s1..s4): trial-level splits, JSON round trip, errors."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from impact_mini_release import CAS, TRIALS, VIEWS, bundle_ids, frame_labels, video_id, write_mini_release

from proceval.benchmarks.impact.configs.cv import verb_noun
from proceval.benchmarks.impact.metadata import ImpactQuirkWarning
from proceval.datasets.features import resolve_features
from proceval.datasets.spec import get_config
from proceval.errors import ReleaseFormatError

CV_CONFIGS = [f"{t}_s{n}" for t in ("cv_ta", "cv_smr", "cv_smc") for n in (1, 2, 3, 4)]
BUNDLE_PART = {"train": "train", "validation": "val", "test": "test"}


def _bundle_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_bytes().decode().splitlines() if line.strip()]


def _generate(dataset_dir: Path, name: str, split: str) -> list[tuple[str, dict]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactQuirkWarning)
        return list(get_config("impact", name).generate(dataset_dir, split))


@pytest.fixture(scope="module")
def real_cv(impact_dataset_dir: Path) -> dict[tuple[int, str], list[dict]]:
    # The three CV task families share the examples of a protocol; generate each protocol once.
    return {
        (n, split): [ex for _k, ex in _generate(impact_dataset_dir, f"cv_ta_s{n}", split)]
        for n in (1, 2, 3, 4)
        for split in ("train", "validation", "test")
    }


def test_verb_noun_rule() -> None:
    assert verb_noun("screw_on_anti_vibration_handle") == ("screw", "on_anti_vibration_handle")
    assert verb_noun("store_tool") == ("store", "tool")
    assert verb_noun("null") == (None, None)


def test_families_share_examples(impact_dataset_dir: Path) -> None:
    a = _generate(impact_dataset_dir, "cv_smr_s2", "test")
    b = _generate(impact_dataset_dir, "cv_smc_s2", "test")
    assert a == b and len(a) > 0


def test_in_bundle_videos_equal_bundle_lines(impact_dataset_dir: Path, real_cv) -> None:
    for (n, split), examples in real_cv.items():
        bundle = _bundle_lines(impact_dataset_dir / f"CV/splits_CAS/{BUNDLE_PART[split]}.split{n}.bundle")
        listed = list(dict.fromkeys(ex["video_id"] for ex in examples if ex["in_bundle"]))
        assert sorted(listed) == sorted(bundle), (n, split)
        # Trial-level expansion: every view of every bundle trial, nothing else.
        trials = {"_".join(v.split("_")[:2]) for v in bundle}
        videos = {ex["video_id"] for ex in examples}
        assert {ex["trial_id"] for ex in examples} == trials
        assert len(videos) == 5 * len(trials)
    assert len({ex["video_id"] for ex in real_cv[(1, "test")] if ex["in_bundle"]}) == 56
    assert len({ex["trial_id"] for ex in real_cv[(1, "test")]}) == 47
    assert {ex["video_id"] for ex in real_cv[(4, "test")] if ex["in_bundle"]} == {
        ex["video_id"] for ex in real_cv[(4, "test")] if ex["is_ego"]
    }


def test_segments_round_trip_to_json(impact_dataset_dir: Path, real_cv) -> None:
    names = resolve_features(get_config("impact", "cv_ta_s1"), impact_dataset_dir)["label"].names
    root = impact_dataset_dir / "CV/annotations_CAS"
    files = {}
    for path in root.rglob("*.json"):
        doc = json.loads(path.read_text())
        files[doc["video_id"]] = (path, doc)
    assert len(files) == 560
    covered: set[str] = set()
    for split in ("train", "validation", "test"):
        by_video: dict[str, list[dict]] = {}
        for ex in real_cv[(3, split)]:
            by_video.setdefault(ex["video_id"], []).append(ex)
        covered |= set(by_video)
        for vid, examples in by_video.items():
            path, doc = files[vid]
            assert len(examples) == len(doc["segments"])
            for i, (ex, seg) in enumerate(zip(examples, doc["segments"], strict=True)):
                assert ex["segment_index"] == i
                assert names[ex["label"]] == seg["label"]
                assert (ex["start_frame"], ex["end_frame"]) == (seg["f_start"], seg["f_end"])
                assert ex["has_anomaly"] == seg["has_anomaly"] and ex["meta_activity"] == seg["meta_activity"]
                assert ex["is_null"] == (seg["label"] == "null")
                if seg["label"] != "null":
                    verb, noun = seg["label"].split("_", 1)
                    assert (ex["verb"], ex["noun"]) == (verb, noun)
                assert ex["num_frames"] == doc["view_end"] - doc["view_start"] + 1
                expected_view = path.parent.name if path.parent.parent == root else path.parent.parent.name
                assert ex["view"] == expected_view
    assert covered == set(files)
    # S1 trial-level splits share trials: some videos are in both train and test, as in the official code.
    train = {ex["video_id"] for ex in real_cv[(1, "train")]}
    test = {ex["video_id"] for ex in real_cv[(1, "test")]}
    assert train & test


def test_subjects_from_folders(impact_dataset_dir: Path, real_cv) -> None:
    root = impact_dataset_dir / "CV/annotations_CAS"
    subject = {p.stem[:13]: p.parent.name for p in root.glob("front/subject*/*.json")}
    for examples in real_cv.values():
        for ex in examples:
            assert ex["subject"] == subject[ex["trial_id"]]


# --------------------------------------------------------------------------- mini release


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    return write_mini_release(tmp_path)


def test_mini_release_examples(mini: Path) -> None:
    for n in (1, 2, 3, 4):
        for split in ("train", "validation", "test"):
            examples = [ex for _k, ex in _generate(mini, f"cv_smc_s{n}", split)]
            listed = bundle_ids(n, BUNDLE_PART[split])
            trials = list(dict.fromkeys(v[:13] for v in listed))
            expected_videos = [video_id(t, v) for t in trials for v in VIEWS]
            assert list(dict.fromkeys(ex["video_id"] for ex in examples)) == expected_videos
            assert {ex["video_id"] for ex in examples if ex["in_bundle"]} == set(listed)
    keys = [k for k, _ex in _generate(mini, "cv_ta_s1", "train")]
    assert keys[:4] == [f"{video_id(TRIALS[0], 'front')}/{i}" for i in range(4)]
    first = _generate(mini, "cv_ta_s1", "train")[1][1]
    # trial 0, front: NULL x2, STEP_ALPHA x4, STEP_BETA x5, NULL x1 -> second segment is frames 2..5.
    assert frame_labels(CAS, 0, "front")[2:6] == ["STEP_ALPHA"] * 4
    assert (first["start_frame"], first["end_frame"], first["label"]) == (2, 5, 1)
    assert (first["verb"], first["noun"], first["is_null"], first["has_anomaly"]) == (
        "step",
        "alpha",
        False,
        True,
    )
    ego = [ex for _k, ex in _generate(mini, "cv_ta_s1", "train") if ex["is_ego"]]
    assert ego and all(
        ex["video_id"] == video_id(TRIALS[0], "ego") and ex["subject"] == "subject01" for ex in ego
    )


def test_ego_file_naming_warns(mini: Path) -> None:
    with pytest.warns(ImpactQuirkWarning, match="not named after the video id"):
        list(get_config("impact", "cv_ta_s1").generate(mini, "train"))


def _edit_cv(mini: Path, view: str, edit) -> Path:
    path = next((mini / "CV/annotations_CAS" / view).rglob("*.json"))
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    return path


def test_error_unknown_cv_label(mini: Path) -> None:
    path = _edit_cv(mini, "left", lambda d: d["segments"][2].update(label="step_gamma"))
    with pytest.raises(ReleaseFormatError, match="segment 2: unknown label 'step_gamma'") as exc:
        _generate(mini, "cv_ta_s1", "train")
    assert Path(exc.value.path) == path and str(path) in str(exc.value)


def test_error_reversed_segment(mini: Path) -> None:
    path = _edit_cv(mini, "top", lambda d: d["segments"][1].update(f_start=9, f_end=3))
    with pytest.raises(ReleaseFormatError, match="segment 1: expected view_start <= f_start") as exc:
        _generate(mini, "cv_smr_s2", "test")
    assert Path(exc.value.path) == path


def test_error_invalid_json_names_line(mini: Path) -> None:
    path = next((mini / "CV/annotations_CAS/right").rglob("*.json"))
    path.write_text('{\n"video_id": "x",\n  oops\n}')
    with pytest.raises(ReleaseFormatError, match="invalid JSON") as exc:
        _generate(mini, "cv_ta_s3", "test")
    assert Path(exc.value.path) == path and exc.value.line == 3


def test_error_bundle_id_without_cv_annotation(mini: Path) -> None:
    vid = video_id(TRIALS[2], "left")
    path = next((mini / "CV/annotations_CAS/left").rglob(f"{vid}.json"))
    path.unlink()
    with pytest.raises(ReleaseFormatError, match=f"video id '{vid}' has no annotation") as exc:
        _generate(mini, "cv_ta_s1", "test")
    bundle = mini / "CV/splits_CAS/test.split1.bundle"
    assert Path(exc.value.path) == bundle and exc.value.line == 2 and f"{bundle}:2:" in str(exc.value)


def test_error_missing_cv_folder(mini: Path) -> None:
    import shutil

    shutil.rmtree(mini / "CV/annotations_CAS")
    with pytest.raises(ReleaseFormatError, match="folder not found"):
        _generate(mini, "cv_ta_s1", "test")


# ------------------------------------------------------------ one segment type: rows and files agree


def test_segments_from_config_rows_equal_segments_from_the_files(
    sample_release: Path, tmp_path: Path
) -> None:
    """The adapters build CV protocols from dataset rows; the files give the same segments, in the same
    (official record) order, hence the same protocols."""
    from proceval.benchmarks.impact.cv_protocols import build_cv_smr_protocol, build_cv_ta_protocol
    from proceval.benchmarks.impact.cv_segments import (
        CvSegment,
        cv_segments,
        cv_segments_from_rows,
        load_cv_annotations,
        split_trials,
    )
    from proceval.benchmarks.impact.formats.cv import find_cv_files, read_cv_annotation
    from proceval.benchmarks.impact.load import load_impact

    release = sample_release / "impact" / "impact-release"
    dataset_dir = release / "dataset" if (release / "dataset").is_dir() else release
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactQuirkWarning)
        ds = load_impact(release, "cv_ta_s1", split="test", cache_dir=tmp_path)
    rows = cv_segments_from_rows(ds)
    files = cv_segments(
        load_cv_annotations(dataset_dir / "CV" / "annotations_CAS"),
        split_trials(dataset_dir / "CV" / "splits_CAS", "test", 1),
    )

    def key(s: CvSegment) -> tuple:
        return (s.uid, s.video_id, s.trial_id, s.view, s.segment_index, s.label, s.start_frame, s.end_frame)

    assert rows and [key(s) for s in rows] == [key(s) for s in files]
    assert all(isinstance(s, CvSegment) for s in rows)
    for name in ("local", "global"):
        assert build_cv_ta_protocol(rows, name).queries == build_cv_ta_protocol(files, name).queries
    smr_rows, smr_files = build_cv_smr_protocol(rows), build_cv_smr_protocol(files)
    assert [key(s) for s in smr_rows.gallery] == [key(s) for s in smr_files.gallery]
    # the annotation reader yields the same type, with the file's anomaly flag and meta activity
    path, subject = next(iter(find_cv_files(dataset_dir).values()))
    names = [str(n).lower() for n in ds.features["label"].names]
    ann = read_cv_annotation(path, names, subject)
    by_uid = {s.uid: s for s in rows}
    for seg in ann.segments:
        assert isinstance(seg, CvSegment) and seg.uid == f"{ann.video_id}:{seg.segment_index}"
        if seg.uid in by_uid:
            assert key(by_uid[seg.uid]) == key(seg)
            assert (by_uid[seg.uid].has_anomaly, by_uid[seg.uid].meta_activity) == (
                seg.has_anomaly,
                seg.meta_activity,
            )
