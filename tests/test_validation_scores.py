"""Score-level bad inputs (issue 9): one AF-L layout, out-of-range labels, ragged arrays, messages.

Each case was silently scored, raised a numpy / Python exception, or blamed the wrong id or frame
before. Every error must be an ``InputValidationError`` naming the id and the position (frame, step,
candidate), saying what was expected and what was got, with long ids shortened.
"""

from __future__ import annotations

from pathlib import Path

import evaluate
import numpy as np
import pytest

from proceval.errors import InputValidationError
from proceval.scores._checks import format_id, ragged_position, to_label_ids
from proceval.scores.af_l import af_l_scores
from proceval.scores.af_s import af_s_scores
from proceval.scores.asr import asr_scores
from proceval.scores.cv_smc import cv_smc_levels_scores, cv_smc_scores
from proceval.scores.tas import tas_scores

REPO = Path(__file__).resolve().parents[1]
VOCAB = ["a_b", "c_d", "e_f"]

# ------------------------------------------------------------------------------------ AF-L: one layout

# K = Z = 5: one instance whose candidate 0 is the truth and candidates 1-4 repeat step 6.
TRUTH = [1, 2, 3, 4, 5]
CANDIDATES_KZ = [TRUTH] + [[6] * 5 for _ in range(4)]  # [K][Z]
CANDIDATES_ZK = np.asarray(CANDIDATES_KZ).T.tolist()  # the same candidates as [Z][K]


def test_af_l_layouts_give_different_numbers_at_k_equals_z() -> None:
    kz = af_l_scores([CANDIDATES_KZ], [TRUTH], num_classes=7)
    assert kz["ed_at_5"] == 0.0 and kz["aued"] == 0.0
    # read as [Z][K], candidate k is column k, e.g. [1, 6, 6, 6, 6]: 4 substitutions at z = 5
    misread = af_l_scores([CANDIDATES_KZ], [TRUTH], num_classes=7, layout="zk")
    assert misread["ed_at_5"] == pytest.approx(0.8)
    # the transposed input with the explicit option is the same prediction
    zk = af_l_scores([CANDIDATES_ZK], [TRUTH], num_classes=7, layout="zk")
    assert {k: v for k, v in zk.items() if k != "signature"} == {
        k: v for k, v in kz.items() if k != "signature"
    }
    assert "|lay:kz|" in kz["signature"] and "|lay:zk|" in zk["signature"]
    arr = np.asarray([CANDIDATES_KZ])  # [N, K, Z] arrays follow the same layout
    assert af_l_scores(arr, [TRUTH], num_classes=7)["ed_at_5"] == 0.0


def test_af_l_module_takes_k_by_z() -> None:
    metric = evaluate.load(str(REPO / "metrics" / "af_l"))
    out = metric.compute(predictions=[CANDIDATES_KZ], references=[TRUTH], num_classes=7)
    assert out["ed_at_5"] == 0.0 and "|lay:kz|" in out["signature"]
    out = metric.compute(predictions=[CANDIDATES_ZK], references=[TRUTH], num_classes=7, layout="zk")
    assert out["ed_at_5"] == 0.0 and "|lay:zk|" in out["signature"]


def test_af_l_wrong_layout_with_k_not_z_says_how_to_fix() -> None:
    cands = [[1, 2, 3], [4, 4, 4]]  # K = 2 candidates of Z = 3 steps, given as [Z][K]
    with pytest.raises(
        InputValidationError, match=r"for 'x' to forecast as many steps as its reference \(3\).*layout='zk'"
    ):
        af_l_scores({"x": np.asarray(cands).T.tolist()}, {"x": [1, 2, 3]})


# --------------------------------------------------------------------------------- out-of-range labels


@pytest.mark.parametrize("bad", [999, 2**63 - 1])
def test_tas_prediction_id_above_every_reference_id(bad: int) -> None:
    with pytest.raises(
        InputValidationError, match=rf"ids in \[0, 3\).*prediction for 'v'.*got {bad} at frame 1"
    ):
        tas_scores({"v": [1, bad, 1]}, {"v": [1, 1, 2]})


def test_tas_label_map_size_allows_classes_the_references_lack() -> None:
    out = tas_scores({"v": [1, 3, 1]}, {"v": [1, 1, 2]}, num_classes=4)
    assert out["accuracy"] == pytest.approx(1 / 3)
    with pytest.raises(
        InputValidationError, match=r"ids in \[0, 4\) in the prediction for 'v'.*4 at frame 2"
    ):
        tas_scores({"v": [1, 3, 4]}, {"v": [1, 1, 2]}, num_classes=4)
    with pytest.raises(InputValidationError, match=r"ids in \[0, 3\) in the prediction.*-1 at frame 0"):
        tas_scores([[-1, 1, 1]], [[1, 1, 2]], label_names=["NULL", "A", "B"])
    with pytest.raises(InputValidationError, match="`num_classes` to equal the 3 names"):
        tas_scores([[1]], [[1]], label_names=["NULL", "A", "B"], num_classes=5)
    with pytest.raises(InputValidationError, match="`num_classes` to be a positive integer"):
        tas_scores([[1]], [[1]], num_classes=0)


@pytest.mark.parametrize(
    ("pred", "match"),
    [
        ([1.0, float("nan"), 1.0], r"non-integer value nan at frame 1"),
        ([1.0, 1.0, 1.5], r"non-integer value 1.5 at frame 2"),
        ([1.0, float("inf"), 1.0], r"non-integer value inf at frame 1"),
        (np.array([1, 2**64 - 1, 1], dtype=np.uint64), r"fit in 64 bits .* at frame 1"),
        ([1, 2**70, 1], r"fit in 64 bits for 'v', but got 1180591620717411303424 at frame 1"),
        ([1, None, 1], r"label id or name at frame 1 of 'v', but got None"),
        ([True, False, True], r"but got booleans"),
        ([1, [2], 1], r"ragged: \[1\] is a sequence where \[0\] is a single value"),
    ],
)
def test_tas_bad_prediction_values_name_the_frame(pred, match: str) -> None:
    with pytest.raises(InputValidationError, match=match):
        tas_scores({"v": pred}, {"v": [1, 1, 2]})


def test_tas_module_nan_and_float_reach_the_validation() -> None:
    metric = evaluate.load(str(REPO / "metrics" / "tas"))
    with pytest.raises(InputValidationError, match="non-integer value nan at frame 1"):
        metric.compute(predictions=[[1, float("nan"), 1]], references=[[1, 1, 2]])
    with pytest.raises(InputValidationError, match=r"ids in \[0, 3\).*999 at frame 1"):
        metric.compute(predictions=[[1, 999, 1]], references=[[1, 1, 2]])


@pytest.mark.parametrize("bad", [-1, 9999])
def test_af_l_step_ids_outside_the_vocabulary(bad: int) -> None:
    cands = [[1, 2], [2, bad]]
    with pytest.raises(
        InputValidationError, match=rf"\[0, 3\).*for 'x', but got {bad} at candidate 1, step 1"
    ):
        af_l_scores({"x": cands}, {"x": [1, 2]})
    with pytest.raises(
        InputValidationError, match=rf"\[0, 4\) \(the step vocabulary\).*got {bad} at candidate 1"
    ):
        af_l_scores({"x": cands}, {"x": [1, 2]}, label_names=["NULL", "A", "B", "C"])
    with pytest.raises(InputValidationError, match=r"`paired_predictions` for 'x'.*candidate 1, step 1"):
        af_l_scores({"x": [[1, 2], [2, 2]]}, {"x": [1, 2]}, paired_predictions={"x": cands})
    with pytest.raises(
        InputValidationError, match=r"step ids in \[0, inf\) in the reference of 'x'.*-1 at step 0"
    ):
        af_l_scores({"x": [[1, 2]]}, {"x": [-1, 2]})


def test_af_l_mixed_names_and_ids_name_candidate_and_step() -> None:
    with pytest.raises(InputValidationError, match=r"got 2 at candidate 1, step 1"):
        af_l_scores({"x": [["A", "B"], ["A", 2]]}, {"x": ["A", "B"]}, label_names=["NULL", "A", "B"])


@pytest.mark.parametrize("bad", [-1, 9999, True])
def test_cv_smc_ids_outside_the_vocabulary(bad) -> None:
    with pytest.raises(InputValidationError, match=r"for 's1'"):
        cv_smc_scores({"s1": bad, "s2": 1}, {"s1": "e_f", "s2": "c_d"}, vocabulary=VOCAB)


def test_af_s_reference_outside_the_vocabulary_in_ranked_mode() -> None:
    with pytest.raises(
        InputValidationError, match=r"action targets to be class ids in \[0, 3\).*'b' has 9999"
    ):
        af_s_scores(
            {"a": [0, 1], "b": [1, 2]},
            {"a": 0, "b": 9999},
            {"a": "left", "b": "left"},
            prediction_format="ranked_ids",
            num_classes={"action": 3},
        )
    with pytest.raises(InputValidationError, match=r"integer action target for 'b', but got nan"):
        af_s_scores(
            {"a": [0.1, 0.9], "b": [0.5, 0.5]}, {"a": 0, "b": float("nan")}, {"a": "left", "b": "left"}
        )


# ------------------------------------------------------------------------------------------ ragged arrays


def test_asr_ragged_prediction_names_the_video_and_the_shape() -> None:
    ref = {"v": np.zeros((2, 3), dtype=int)}
    with pytest.raises(
        InputValidationError,
        match=r"prediction for 'v' to be a \[components, frames\] state array of shape \(2, 3\).*"
        r"\[1\] has 2 entries where 3 were expected",
    ):
        asr_scores({"v": [[0, 0, 1], [0, 1]]}, ref)
    with pytest.raises(InputValidationError, match=r"\[0\]\[1\] has 2 entries where 3 were expected"):
        asr_scores({"v": [[[0, 1, 0], [1, 0], [0, 0, 1]], [[0] * 3] * 3]}, ref)


def test_af_l_ragged_candidates_name_the_instance() -> None:
    with pytest.raises(
        InputValidationError, match=r"prediction for 'x' to be \[K\]\[Z\].*Z = 2.*\[1\] has 1 entries where 2"
    ):
        af_l_scores({"x": [[1, 2], [2]]}, {"x": [1, 2]})
    with pytest.raises(InputValidationError, match=r"prediction for 1 .*ragged"):
        af_l_scores([[[1, 2]], [[1, 2], [1]]], [[1, 2], [1, 2]])


def test_af_s_ragged_or_non_numeric_score_vector() -> None:
    with pytest.raises(InputValidationError, match=r"`predictions` for 'b' to be .*ragged"):
        af_s_scores({"a": [0.1, 0.9], "b": [0.1, [0.9]]}, {"a": 0, "b": 1}, {"a": "left", "b": "left"})
    with pytest.raises(InputValidationError, match=r"`predictions` for 'b' to be a 1-D vector of numbers"):
        af_s_scores({"a": [0.1, 0.9], "b": ["x", "y"]}, {"a": 0, "b": 1}, {"a": "left", "b": "left"})


def test_ragged_position_uses_the_expected_shape() -> None:
    assert ragged_position([[1, 2, 3], [1, 2]], (2, 3)) == "[1] has 2 entries where 3 were expected"
    assert ragged_position([[1, 2], [1, 2, 3]], (2, 3)) == "[0] has 2 entries where 3 were expected"
    assert ragged_position([[1], [1, 2], [1, 2]]) == "[0] has 1 entries where 2 were expected"
    assert ragged_position([[1, 2], [3, 4]]) is None


# ------------------------------------------------------------------------------------ messages and ids


@pytest.mark.parametrize(
    ("pred", "match"),
    [
        ([1, 1, "B", 1], r"label ids throughout the sequence of 'v' \(frame 0 is an id.*got 'B' at frame 2"),
        (
            ["A", "A", 2, "A"],
            r"label names throughout the sequence of 'v' \(frame 0 is a name.*got 2 at frame 2",
        ),
    ],
)
def test_mixed_label_lists_blame_the_first_offending_frame(pred, match: str) -> None:
    with pytest.raises(InputValidationError, match=match):
        tas_scores({"v": pred}, {"v": [1, 1, 2, 2]}, label_names=["NULL", "A", "B"])


def test_af_s_blames_the_odd_instance_with_expected_and_actual_in_place() -> None:
    preds = {"a": [0.1, 0.9], "b": [0.1, 0.2, 0.7], "c": [0.3, 0.3, 0.4]}
    refs, hands = {"a": 0, "b": 1, "c": 2}, {"a": "left", "b": "left", "c": "right"}
    with pytest.raises(
        InputValidationError, match=r"for 'a' to be a 1-D score vector of length 3 .*shape \(2,\)"
    ):
        af_s_scores(preds, refs, hands)
    with pytest.raises(
        InputValidationError, match=r"for 'a' to be a 1-D score vector of length 3 .*shape \(2,\)"
    ):
        af_s_scores(preds, refs, hands, num_classes={"action": 3})


def test_af_l_blames_the_odd_instance_with_expected_and_actual_in_place() -> None:
    preds = {"a": [[1, 2]], "b": [[1, 2], [2, 2]], "c": [[1, 1], [2, 2]]}
    refs = {"a": [1, 2], "b": [1, 2], "c": [1, 2]}
    with pytest.raises(
        InputValidationError, match=r"K >= 1 of candidate futures \(K = 2 for most\), but 'a' has 1"
    ):
        af_l_scores(preds, refs)
    with pytest.raises(
        InputValidationError, match=r"Z >= 1 of future steps \(Z = 2 for most\), but 'b' has 3"
    ):
        af_l_scores(preds, {**refs, "b": [1, 2, 3]})


def test_cv_smc_extra_ids_are_unknown_predictions_not_missing_references() -> None:
    refs = {"s1": "a_b", "s2": "c_d"}
    with pytest.raises(
        InputValidationError, match=r"1 are unknown ids \(no reference segment\): 'zz'"
    ) as info:
        cv_smc_scores({**refs, "zz": "a_b"}, refs, vocabulary=VOCAB)
    assert "missing" not in str(info.value)
    with pytest.raises(InputValidationError, match=r"1 reference ids have no prediction: 's2'"):
        cv_smc_levels_scores({"s1": "a_b"}, refs, vocabulary=VOCAB)
    with pytest.raises(InputValidationError, match=r"`paired_predictions`.*unknown ids.*'zz'"):
        cv_smc_scores(refs, refs, vocabulary=VOCAB, paired_predictions={**refs, "zz": "a_b"})


BIG = "x" * 2_000_000


@pytest.mark.parametrize(
    "call",
    [
        lambda: tas_scores({BIG: [1, 2]}, {BIG: [1, 2, 3]}),
        lambda: tas_scores({BIG: [1, 9]}, {BIG: [1, 2]}),
        lambda: tas_scores({BIG: [1], "v": [1]}, {"v": [1]}),
        lambda: af_l_scores({BIG: [[1, 9]]}, {BIG: [1, 2]}),
        lambda: af_l_scores({BIG: [[1, 2], [1]]}, {BIG: [1, 2]}),
        lambda: cv_smc_scores({BIG: "a_b", "s": "a_b"}, {"s": "a_b"}, vocabulary=VOCAB),
        lambda: cv_smc_scores({BIG: "q_q"}, {BIG: "a_b"}, vocabulary=VOCAB),
        lambda: af_s_scores({BIG: [0.5, 0.5]}, {BIG: 5}, {BIG: "left"}),
        lambda: af_s_scores({BIG: [0.5, 0.5]}, {BIG: 0}, {BIG: "middle"}),
        lambda: asr_scores({BIG: [[0, 1], [0]]}, {BIG: np.zeros((2, 2), dtype=int)}),
        lambda: asr_scores({BIG: np.full((2, 2), 5)}, {BIG: np.zeros((2, 2), dtype=int)}),
    ],
)
def test_long_ids_are_shortened_in_messages(call) -> None:
    with pytest.raises(InputValidationError) as info:
        call()
    message = str(info.value)
    assert len(message) < 1000 and "(2000002 chars)" in message


def test_format_id_and_to_label_ids_positions() -> None:
    assert format_id("v1") == "'v1'" and format_id(3) == "3"
    assert format_id("y" * 100) == "'" + "y" * 59 + "... (102 chars)"
    with pytest.raises(InputValidationError, match=r"Unknown label 'Q' at step 1 of 'i'"):
        to_label_ids(["A", "Q"], {"A": 0}, "i", position="step")


# ----------------------------------------------------------------------------- through the IMPACT runner


@pytest.fixture(scope="module")
def release(sample_release: Path) -> Path:
    return sample_release / "impact" / "impact-release"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("arrow-cache")


def test_runner_af_l_reads_k_by_z_and_zk_only_when_asked(release: Path, cache: Path) -> None:
    from proceval.benchmarks.impact.load import load_impact
    from proceval.evaluation.runner import evaluate_config

    ds = load_impact(release, "af_l_s1", split="test", cache_dir=cache)
    futures = {
        f"{v}:{i}": list(f) for v, i, f in zip(ds["video_id"], ds["instance_index"], ds["future_steps"])
    }
    assert {len(f) for f in futures.values()} == {5}
    other = {uid: [(s + 1) % 5 + 1 for s in fut] for uid, fut in futures.items()}  # never the truth
    kz = {uid: [fut] + [other[uid]] * 4 for uid, fut in futures.items()}  # K = Z = 5
    out = evaluate_config("af_l", release, "af_l_s1", kz, cache_dir=cache)
    assert out["scores"]["ed_at_5"] == 0.0 and "|lay:kz|" in out["signature"]
    zk = {uid: np.asarray(c).T.tolist() for uid, c in kz.items()}
    out_zk = evaluate_config("af_l", release, "af_l_s1", zk, options={"layout": "zk"}, cache_dir=cache)
    assert out_zk["scores"]["ed_at_5"] == 0.0 and "|lay:zk|" in out_zk["signature"]
    misread = evaluate_config("af_l", release, "af_l_s1", zk, cache_dir=cache)
    assert misread["scores"]["ed_at_5"] > 0.5  # the same file without the option: a different number
    uid = next(iter(kz))
    with pytest.raises(InputValidationError, match=rf"for '{uid}', but got 9999 at candidate 0, step 0"):
        evaluate_config("af_l", release, "af_l_s1", {**kz, uid: [[9999] * 5] * 5}, cache_dir=cache)


@pytest.mark.parametrize("bad", [-1, 9999])
def test_runner_cv_smc_refuses_ids_outside_the_label_map(release: Path, cache: Path, bad: int) -> None:
    from proceval.benchmarks.impact.adapters import cv_segment_labels
    from proceval.benchmarks.impact.load import load_impact
    from proceval.evaluation.runner import evaluate_config

    refs = cv_segment_labels(load_impact(release, "cv_smc_s1", split="test", cache_dir=cache))
    uid = next(iter(refs))
    preds = {**refs, uid: bad}
    with pytest.raises(InputValidationError, match=rf"id in \[0, \d+\) for '{uid}', but got {bad}"):
        evaluate_config("cv_smc", release, "cv_smc_s1", preds, cache_dir=cache)


def test_runner_tas_accepts_every_label_of_the_map_and_refuses_others(release: Path, cache: Path) -> None:
    from proceval.benchmarks.impact.load import load_impact
    from proceval.evaluation.runner import evaluate_config

    ds = load_impact(release, "tas_s_s1", split="test", cache_dir=cache)
    n_labels = len(ds.features["labels"].feature.names)
    preds = {vid: [n_labels - 1] * len(lbl) for vid, lbl in zip(ds["video_id"], ds["labels"])}
    out = evaluate_config("tas", release, "tas_s_s1", preds, cache_dir=cache)  # the map's last id is valid
    assert 0.0 <= out["scores"]["accuracy"] <= 1.0
    vid = next(iter(preds))
    preds[vid] = [n_labels, *preds[vid][1:]]
    with pytest.raises(
        InputValidationError, match=rf"ids in \[0, {n_labels}\).*for '{vid}', but got {n_labels}"
    ):
        evaluate_config("tas", release, "tas_s_s1", preds, cache_dir=cache)


@pytest.mark.parametrize(
    "call",
    [
        lambda: tas_scores(5, [[1]]),
        lambda: tas_scores([[1]], None),
        lambda: af_l_scores(3.5, [[1, 2]]),
        lambda: asr_scores([np.zeros((1, 2), dtype=int)], True),
    ],
)
def test_scalar_inputs_are_named(call) -> None:
    with pytest.raises(InputValidationError, match=r"Expected `(predictions|references)` to be a list"):
        call()


@pytest.mark.parametrize(
    ("ranked", "match"),
    [
        ([1, float("nan")], "contains nan"),
        ([1, float("inf")], "contains inf"),
        ([1, 2**70], "contains 1180591620717411303424"),
        ([1, [2, [3]]], "ragged"),
    ],
)
def test_af_s_ranked_ids_bad_values(ranked, match: str) -> None:
    with pytest.raises(InputValidationError, match=rf"`predictions` for 'a'.*{match}"):
        af_s_scores({"a": ranked}, {"a": 1}, {"a": "left"}, prediction_format="ranked_ids")
