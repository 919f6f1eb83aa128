"""Foundation modules: atomic io, CRLF-safe reading, bootstrap, signatures, IMPACT naming, bundles."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from proceval.benchmarks.impact.formats.bundles import bundle_path, read_bundle
from proceval.benchmarks.impact.formats.frame_labels import read_frame_labels
from proceval.benchmarks.impact.formats.labelmaps import read_label_map
from proceval.benchmarks.impact.formats.naming import canonical_video_id, parse_video_id, trial_of
from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.io import atomic_write_json, atomic_write_text, iter_lines, read_json, read_jsonl
from proceval.scores._checks import check_same_length, check_unique_ids, match_by_id, to_label_ids
from proceval.scores.bootstrap import bootstrap_ci, paired_bootstrap, with_uncertainty
from proceval.scores.signature import make_signature
from proceval.segments import label_runs


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "r.json"
    atomic_write_json(target, {"a": 1})
    atomic_write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["r.json"]
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    assert target.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_atomic_write_failure_keeps_old_content(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    atomic_write_text(target, "old")

    with pytest.raises(TypeError):
        atomic_write_json(target, {"x": object()})
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["r.json"]


def test_iter_lines_strips_crlf_and_numbers_lines(tmp_path: Path) -> None:
    p = tmp_path / "b.bundle"
    p.write_bytes(b"a\r\nb\r\n\r\nc")
    assert list(iter_lines(p)) == [(1, "a"), (2, "b"), (4, "c")]


def test_read_json_error_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text('{\n"a": 1,\n}')
    with pytest.raises(ReleaseFormatError, match=r"x\.json:3: invalid JSON"):
        read_json(p)
    with pytest.raises(ReleaseFormatError, match="file not found"):
        read_json(tmp_path / "missing.json")


def test_read_jsonl_rejects_non_object(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    p.write_text('{"a": 1}\n[1, 2]\n')
    with pytest.raises(ReleaseFormatError, match=r"x\.jsonl:2: expected a JSON object"):
        read_jsonl(p)


@pytest.mark.parametrize(
    ("name", "trial", "view", "canonical"),
    [
        ("20250407_1345_color_front_clipped", "20250407_1345", "front", "20250407_1345_color_front_clipped"),
        (
            "20250407_1345_color_ego_sync_clipped",
            "20250407_1345",
            "ego",
            "20250407_1345_color_ego_sync_clipped",
        ),
        ("20250407_1345_color_ego_sync", "20250407_1345", "ego", "20250407_1345_color_ego_sync_clipped"),
        ("20250407_1345_color_ego", "20250407_1345", "ego", "20250407_1345_color_ego_sync_clipped"),
        ("20250407_1345_color", "20250407_1345", "front", "20250407_1345_color_front_clipped"),
    ],
)
def test_naming_variants(name: str, trial: str, view: str, canonical: str) -> None:
    parsed = parse_video_id(name)
    assert (parsed.trial, parsed.view) == (trial, view)
    assert canonical_video_id(name) == canonical
    assert trial_of(name) == trial
    assert parsed.fps == (25.0 if view == "ego" else 30.0)


def test_naming_rejects_foreign_ids() -> None:
    with pytest.raises(ValueError, match="AL07EJ17_Disassembly_A_001"):
        parse_video_id("AL07EJ17_Disassembly_A_001")


def test_bundle_reading_and_duplicates(tmp_path: Path) -> None:
    p = bundle_path(tmp_path, "validation", 2)
    assert p.name == "val.split2.bundle"
    p.write_bytes(b"v1\r\nv2\r\n")
    assert read_bundle(p) == ["v1", "v2"]
    p.write_bytes(b"v1\r\nv2\r\nv1\r\n")
    with pytest.raises(
        ReleaseFormatError, match=r"val\.split2\.bundle:3: video id 'v1' repeats \(first on line 1\)"
    ):
        read_bundle(p)


def test_label_map_and_frame_labels(tmp_path: Path) -> None:
    m = tmp_path / "mapping.txt"
    m.write_text("0 NULL\n1 STEP_A\n2 STEP_B\n")
    names = read_label_map(m)
    assert names == ["NULL", "STEP_A", "STEP_B"]
    gt = tmp_path / "v.txt"
    gt.write_text("NULL\nSTEP_A\nSTEP_A\nSTEP_B\n")
    ids = read_frame_labels(gt, {n: i for i, n in enumerate(names)})
    assert ids.tolist() == [0, 1, 1, 2]
    gt.write_text("NULL\nSTEP_C\n")
    with pytest.raises(ReleaseFormatError, match=r"v\.txt:2: unknown label 'STEP_C'"):
        read_frame_labels(gt, {n: i for i, n in enumerate(names)})
    m.write_text("0 NULL\n2 STEP_B\n")
    with pytest.raises(ReleaseFormatError, match=r"mapping\.txt:2: expected id 1"):
        read_label_map(m)


def test_label_runs_exclusive_ends() -> None:
    s = label_runs(np.array([5, 5, 1, 1, 1, 5]))
    assert s.labels.tolist() == [5, 1, 5]
    assert s.starts.tolist() == [0, 2, 5]
    assert s.ends.tolist() == [2, 5, 6]
    assert label_runs([]).labels.size == 0


def test_checks() -> None:
    assert to_label_ids(["NULL", "step_a"], {"NULL": 0, "STEP_A": 1}, "v").tolist() == [0, 1]
    with pytest.raises(InputValidationError, match=r"Unknown label 'X' at frame 1 of 'v'"):
        to_label_ids(["NULL", "X"], {"NULL": 0}, "v")
    with pytest.raises(
        InputValidationError, match=r"'v' to have as many frames as its reference \(3\), but got 2"
    ):
        check_same_length([1, 2], [1, 2, 3], "v")
    with pytest.raises(InputValidationError, match="'a' appears more than once"):
        check_unique_ids(["a", "b", "a"], "video_ids")
    assert [k for k, _, _ in match_by_id({"b": 1, "a": 2}, {"a": 0, "b": 0})] == ["a", "b"]
    with pytest.raises(InputValidationError, match="1 are missing: 'c'"):
        match_by_id({"a": 1}, {"a": 0, "c": 0})
    with pytest.raises(InputValidationError, match="1 have no reference: 'z'"):
        match_by_id({"a": 1, "z": 2}, {"a": 0})


def _mean(units: list[float]) -> dict[str, float]:
    return {"mean": float(np.mean(units))}


def test_bootstrap_ci_is_seeded_and_brackets_estimate() -> None:
    rng = np.random.default_rng(0)
    units = rng.normal(0.5, 0.1, size=200).tolist()
    a = bootstrap_ci(units, _mean, n_resamples=300, seed=3)
    b = bootstrap_ci(units, _mean, n_resamples=300, seed=3)
    assert a == b
    low, high = a["mean"]
    assert low < float(np.mean(units)) < high
    # standard error of the mean is 0.1/sqrt(200) ~ 0.007: a 95 % interval is about +-0.014 wide
    assert 0.01 < high - low < 0.05


def test_paired_bootstrap_detects_real_difference_and_not_noise() -> None:
    rng = np.random.default_rng(1)
    base = rng.uniform(size=100)
    better = (base + 0.2).tolist()
    res = paired_bootstrap(better, base.tolist(), _mean, n_resamples=500, seed=0)["mean"]
    assert res["delta"] == pytest.approx(0.2)
    assert res["ci_low"] > 0 and res["p_value"] < 0.01
    same = paired_bootstrap(base.tolist(), base.tolist(), _mean, n_resamples=200, seed=0)["mean"]
    assert same["delta"] == 0 and same["p_value"] == 1.0
    with pytest.raises(InputValidationError, match="100 units for system A and 3 for system B"):
        paired_bootstrap(base.tolist(), [1.0, 2.0, 3.0], _mean)


def test_with_uncertainty_adds_requested_parts() -> None:
    units = [0.0, 1.0, 1.0, 1.0]
    res = with_uncertainty({"mean": 0.75}, units, _mean, bootstrap=50, seed=0, paired_units=[1.0] * 4)
    assert set(res) == {"mean", "ci", "ci_level", "paired"}
    assert res["paired"]["mean"]["delta"] == pytest.approx(-0.25)
    assert with_uncertainty({"mean": 0.75}, units, _mean) == {"mean": 0.75}
    with pytest.raises(InputValidationError, match="`n_resamples`"):
        bootstrap_ci(units, _mean, n_resamples=0)


def test_signature_format_is_pinned() -> None:
    from proceval import __version__

    sig = make_signature(
        "tas",
        {"ignore_labels": [0], "aggregate": "pooled", "exact": True, "thr": (0.1, 0.25), "skip": None},
        {"ignore_labels": "ign", "aggregate": "agg"},
    )
    assert sig == f"tas|ign:0|agg:pooled|exact:yes|thr:0.1,0.25|v:{__version__}"


def test_cached_per_file_version_rereads_changed_files(tmp_path: Path) -> None:
    from proceval.io import cached_per_file_version

    calls: list[str] = []

    @cached_per_file_version(maxsize=4)
    def reader(path: str, suffix: str) -> str:
        calls.append(path)
        return Path(path).read_text() + suffix

    p = tmp_path / "f.txt"
    p.write_text("a")
    assert reader(p, "!") == "a!" and reader(p, "!") == "a!"
    assert len(calls) == 1
    p.write_text("bb")  # new size, new version
    assert reader(p, "!") == "bb!"
    assert len(calls) == 2
    with pytest.raises(ReleaseFormatError, match=r"missing\.txt: file not found"):
        reader(tmp_path / "missing.txt", "!")


def test_column_stats_resample_by_take_as_the_unit_objects_do() -> None:
    """Columns are resampled with `take`; scores and intervals equal those of the unit objects."""
    from proceval.scores.bootstrap import ColumnStats
    from proceval.scores.cv_smr import _cv_smr_compute, _cv_smr_update
    from proceval.scores.cv_ta import CVTAStats, _cv_ta_compute

    rng = np.random.default_rng(4)
    ta = CVTAStats(
        ["a->b", "b->a", "c->a"], rng.integers(0, 3, 60), rng.random(60) < 0.8, rng.integers(1, 9, 60)
    )
    ta_b = CVTAStats(ta.pair_names, ta.codes, ta.evaluated, np.maximum(1, ta.ranks - 1))
    assert isinstance(ta, ColumnStats) and isinstance(ta.take(np.array([0, 0, 5])), CVTAStats)
    assert list(ta.take(np.array([3, 3, 1]))) == [ta[3], ta[3], ta[1]]
    assert ta[-1] == ta.row(59) and ta[1:3] == [ta[1], ta[2]]
    assert bootstrap_ci(ta, _cv_ta_compute, n_resamples=50, seed=2) == bootstrap_ci(
        list(ta), _cv_ta_compute, n_resamples=50, seed=2
    )
    assert paired_bootstrap(ta, ta_b, _cv_ta_compute, n_resamples=50) == paired_bootstrap(
        list(ta), list(ta_b), _cv_ta_compute, n_resamples=50
    )
    scores = [rng.random(int(rng.integers(0, 12))) for _ in range(40)]
    views = ["ego", "front", "top", "left"] * 10
    smr = _cv_smr_update(scores, [s < 0.3 for s in scores], views, range(40))
    no_top = np.array([i for i, v in enumerate(views) if v != "top"] * 2)  # a resample without one view
    got = _cv_smr_compute(smr.take(no_top))
    assert got == _cv_smr_compute(list(smr.take(no_top)))
    assert set(got["per_query_view_map"]) == {"ego", "front", "left"}
