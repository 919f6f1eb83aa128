"""AF-S mean top-k recall: hand-computed cases, conventions, error table, plain reference, real release."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from proceval.benchmarks.impact.formats.bundles import read_bundle
from proceval.benchmarks.impact.formats.naming import canonical_video_id
from proceval.errors import InputValidationError
from proceval.scores.af_s import af_s_scores, derive_verb_noun_rankings


def _reference_mean_topk_recall(scores, targets, k, ignore, classes=None):
    """EK-100 ``mean_topk_recall`` written plainly: classes present in GT, per-class top-k accuracy, mean."""
    rows = [(s, t) for s, t in zip(scores, targets, strict=True) if t != ignore]
    present = sorted({t for _, t in rows})
    if classes is not None:
        present = [c for c in present if c in set(classes)]
    recalls = []
    for c in present:
        hits = total = 0
        for s, t in rows:
            if t != c:
                continue
            order = sorted(range(len(s)), key=lambda j: (-s[j], j))
            hits += t in order[:k]
            total += 1
        recalls.append(hits / total)
    return sum(recalls) / len(recalls) if recalls else math.nan


def test_hand_computed_per_hand_and_overall():
    # class ids 0..3, k = 2
    scores = np.array(
        [
            [0.1, 0.6, 0.2, 0.1],  # t=1 hit@1            left
            [0.5, 0.1, 0.4, 0.0],  # t=2 hit@2 (rank 1)   left
            [0.0, 0.1, 0.2, 0.7],  # t=0 miss             right
            [0.7, 0.1, 0.1, 0.1],  # t=0 hit@1            right
            [0.0, 0.0, 0.0, 1.0],  # t=-100 ignored        left
        ]
    )
    targets = [1, 2, 0, 0, -100]
    hands = ["left", "left", "right", "R", "l"]
    out = af_s_scores(scores, targets, hands, k=2)
    # overall: class 0 recall 1/2, class 1 1, class 2 1 -> 2.5 / 3
    assert out["overall_action_mean_top2_recall"] == pytest.approx(2.5 / 3)
    assert out["left_action_mean_top2_recall"] == 1.0
    assert out["right_action_mean_top2_recall"] == 0.5
    # top-1: class 0 1/2, class 1 1, class 2 0 -> 1.5 / 3
    assert out["overall_action_mean_class_recall"] == pytest.approx(0.5)
    assert out["overall_action_top1_accuracy"] == pytest.approx(2 / 4)
    assert out["overall_action_top2_accuracy"] == pytest.approx(3 / 4)
    assert out["overall_action_num_instances"] == 4 and out["left_action_num_instances"] == 2
    assert out["overall_action_num_classes"] == 3
    assert out["per_class_action_top2_recall"] == {0: 0.5, 1: 1.0, 2: 1.0}
    assert out["num_instances"] == 5
    assert out["signature"].startswith(
        "af_s|fmt:scores|k:2|tasks:action|ign:action=-100,verb=-1,noun=-1|avg:present"
    )


def test_null_action_scored_but_null_verb_ignored():
    scores = np.array([[0.9, 0.1], [0.1, 0.9]])
    out = af_s_scores(
        scores,
        [0, 1],
        ["left", "left"],
        k=1,
        verb_predictions=np.array([[0.9, 0.1], [0.9, 0.1]]),
        verb_references=[-1, 1],
    )
    assert out["overall_action_num_classes"] == 2 and out["overall_action_mean_top1_recall"] == 1.0
    assert out["overall_verb_num_instances"] == 1 and out["overall_verb_mean_top1_recall"] == 0.0


def test_hit_counts_accumulated_over_the_set_not_averaged_per_hand():
    # class 0: left 1/1 hit, right 0/3 hits -> overall recall 1/4 (not the mean of 1 and 0)
    scores = np.array([[1.0, 0.0]] + [[0.0, 1.0]] * 3)
    out = af_s_scores(scores, [0, 0, 0, 0], ["left", "right", "right", "right"], k=1)
    assert out["overall_action_mean_top1_recall"] == pytest.approx(0.25)


def test_ties_break_to_lower_class_id():
    scores = np.zeros((2, 4))
    out = af_s_scores(scores, [1, 2], ["left", "left"], k=2)
    # ranking 0,1,2,3: class 1 at rank 1 (hit), class 2 at rank 2 (miss)
    assert out["overall_action_mean_top2_recall"] == 0.5


def test_ranked_ids_dedup_and_truncation():
    ranked = [[3, 3, 3, 3, 3, 1], [5, 4, 3, 2, 1, 0]]
    out = af_s_scores(ranked, [1, 0], ["left", "right"], prediction_format="ranked_ids", k=5)
    # row 0 de-duplicates to [3, 1] -> hit; row 1 cut to [5, 4, 3, 2, 1] -> miss
    assert out["left_action_mean_top5_recall"] == 1.0 and out["right_action_mean_top5_recall"] == 0.0
    assert out["overall_action_top1_accuracy"] == 0.0
    empty = af_s_scores([[]], [2], ["left"], prediction_format="ranked_ids")
    assert empty["overall_action_mean_top5_recall"] == 0.0


def test_derived_verb_noun_from_action_lists():
    amap = {0: (-1, -1), 1: (0, 0), 2: (0, 1), 3: (1, 2)}
    v, n = derive_verb_noun_rankings(np.array([[2, 1, 0, 3, -1]]), amap)
    assert v.tolist() == [[0, 1, -1, -1, -1]] and n.tolist() == [[1, 0, 2, -1, -1]]
    ranked = [[0, 2], [3, 0]]
    out = af_s_scores(
        ranked,
        [2, 1],
        ["left", "right"],
        prediction_format="ranked_ids",
        k=1,
        verb_references=[0, 0],
        noun_references=[1, -1],
        action_to_verb_noun=amap,
    )
    # k=1 keeps the top action only: row 0 -> action 0 (null) -> no verb / noun; row 1 -> action 3 -> verb 1
    assert out["overall_verb_mean_top1_recall"] == 0.0 and out["overall_noun_num_instances"] == 1
    out5 = af_s_scores(
        ranked,
        [2, 1],
        ["left", "right"],
        prediction_format="ranked_ids",
        k=5,
        verb_references=[0, 0],
        noun_references=[1, -1],
        action_to_verb_noun=amap,
    )
    assert out5["overall_verb_mean_top5_recall"] == 0.5  # row 0 derives verb [0], row 1 derives [1]
    assert out5["overall_noun_mean_top5_recall"] == 1.0
    assert "derived:verb,noun" in out5["signature"]
    # derived from scores: the top-k actions by score
    scores = np.array([[0.1, 0.2, 0.9, 0.0], [0.0, 0.0, 0.0, 1.0]])
    out_s = af_s_scores(scores, [2, 3], ["l", "r"], k=1, verb_references=[0, 1], action_to_verb_noun=amap)
    assert out_s["overall_verb_mean_top1_recall"] == 1.0


def test_classes_subset_many_shot_variant():
    scores = np.eye(3)[[0, 1, 0]]
    out = af_s_scores(scores, [0, 1, 2], ["left"] * 3, k=1, classes={"action": [1, 2, 7]})
    assert out["overall_action_num_classes"] == 2 and out["overall_action_mean_top1_recall"] == 0.5
    assert out["overall_action_top1_accuracy"] == pytest.approx(2 / 3)  # accuracy not restricted
    assert "cls:action=3#" in out["signature"]


def test_empty_pool_policy():
    out = af_s_scores(np.eye(2), [0, 1], ["left", "left"], k=1)
    assert math.isnan(out["right_action_mean_top1_recall"]) and out["right_action_num_instances"] == 0
    with pytest.raises(InputValidationError, match="right pool"):
        af_s_scores(np.eye(2), [0, 1], ["left", "left"], k=1, empty_pool="error")


def test_mapping_inputs_match_by_id():
    preds = {"b": [0.0, 1.0], "a": [1.0, 0.0]}
    refs = {"a": 0, "b": 0}
    hands = {"b": "right", "a": "left"}
    out = af_s_scores(preds, refs, hands, k=1)
    assert out["left_action_mean_top1_recall"] == 1.0 and out["right_action_mean_top1_recall"] == 0.0
    with pytest.raises(InputValidationError, match="'b' has none"):
        af_s_scores(preds, refs, {"a": "left"}, k=1)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([], [], []), {}, "at least one anticipation instance"),
        (([[0.1, 0.2]], [0, 1], ["left", "left"]), {}, "as many predictions as references"),
        (([[0.1, 0.2]], [0], ["middle"]), {}, "'left' or 'right'"),
        (([[0.1, 0.2]], [0], ["left", "left"]), {}, "one entry per instance"),
        (([[0.1, 0.2]], [2], ["left"]), {}, "below the number of scored classes"),
        (([[0.1, 0.2]], [-1], ["left"]), {}, "ignore index -100"),
        (([[0.1, 0.2]], [0.5], ["left"]), {}, "integer action target"),
        (([[0.1, math.nan]], [0], ["left"]), {}, "finite"),
        (([[0.1, 0.2], [0.1]], [0, 0], ["left", "left"]), {}, "1-D score vector of length 2"),
        (([[1, -3]], [0], ["left"]), {"prediction_format": "ranked_ids"}, "class ids >= 0"),
        (
            ([[1, 9]], [0], ["left"]),
            {"prediction_format": "ranked_ids", "num_classes": {"action": 5}},
            "below 5",
        ),
        (([[0.1, 0.2]], [0], ["left"]), {"k": 0}, "`k`"),
        (([[0.1, 0.2]], [0], ["left"]), {"prediction_format": "logits"}, "prediction_format"),
        (([[0.1, 0.2]], [0], ["left"]), {"empty_pool": "zero"}, "empty_pool"),
        (([[0.1, 0.2]], [0], ["left"]), {"classes": {"verbs": [1]}}, "the key 'verbs'"),
        (([[0.1, 0.2]], [0], ["left"]), {"verb_references": [1]}, "action_to_verb_noun"),
        (([[0.1, 0.2]], [0], ["left"]), {"verb_predictions": [[0.1]]}, "no `verb_references`"),
        (
            ([[0.1, 0.2]], [0], ["left"]),
            {"verb_references": [0], "action_to_verb_noun": {0: (0, 0)}},
            "but 1",
        ),
        (([[0.1, 0.2]] * 2, [0, 0], ["left"] * 2), {"ids": ["x", "x"]}, "unique ids"),
        (({"a": [0.1]}, {"b": 0}, {"b": "left"}), {}, "missing"),
        (
            ([[0.1, 0.2]], [0], ["left"]),
            {"num_classes": {"action": 3}},
            r"for 0 to be a 1-D score vector of length 3 .*shape \(2,\)",
        ),
    ],
)
def test_errors(args, kwargs, match):
    with pytest.raises(InputValidationError, match=match):
        af_s_scores(*args, **kwargs)


@pytest.mark.parametrize("k", [1, 5])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_reference_on_random(seed, k):
    rng = np.random.default_rng(seed)
    n, c = 300, 12
    scores = rng.normal(size=(n, c))
    targets = rng.integers(0, c, size=n)
    targets[rng.random(n) < 0.1] = -100
    hands = rng.choice(["left", "right"], size=n)
    out = af_s_scores(scores, targets.tolist(), hands.tolist(), k=k)
    for pool in ("overall", "left", "right"):
        sel = [i for i in range(n) if pool == "overall" or hands[i] == pool]
        ref = _reference_mean_topk_recall(scores[sel].tolist(), targets[sel].tolist(), k, -100)
        assert out[f"{pool}_action_mean_top{k}_recall"] == pytest.approx(ref, abs=1e-12)
    sub = [0, 3, 5, 11]
    many = af_s_scores(scores, targets.tolist(), hands.tolist(), k=k, classes={"action": sub})
    ref = _reference_mean_topk_recall(scores.tolist(), targets.tolist(), k, -100, classes=sub)
    assert many[f"overall_action_mean_top{k}_recall"] == pytest.approx(ref, abs=1e-12)
    # ranked-id input built from the same scores gives the same numbers
    ranked = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    out_r = af_s_scores(ranked, targets.tolist(), hands.tolist(), k=k, prediction_format="ranked_ids")
    assert out_r[f"overall_action_mean_top{k}_recall"] == pytest.approx(
        out[f"overall_action_mean_top{k}_recall"]
    )


def test_bootstrap_and_paired():
    rng = np.random.default_rng(4)
    n, c = 200, 6
    targets = rng.integers(0, c, size=n)
    hands = rng.choice(["left", "right"], size=n).tolist()
    good = np.eye(c)[targets] + rng.random((n, c)) * 0.9
    bad = rng.random((n, c))
    out = af_s_scores(good, targets.tolist(), hands, k=1, bootstrap=100, seed=3, paired_predictions=bad)
    low, high = out["ci"]["overall_action_mean_top1_recall"]
    assert low <= out["overall_action_mean_top1_recall"] <= high
    paired = out["paired"]["overall_action_mean_top1_recall"]
    assert paired["delta"] > 0 and paired["ci_low"] > 0
    assert paired["a"] == out["overall_action_mean_top1_recall"]


# -------------------------------------------------------------------------------------- real release


def _afs_test_samples(dataset_dir: Path, target_fps: float = 4.0, tau_a: float = 1.0) -> list[dict]:
    """One sample per hand segment of the S1 test videos (null included), dropped when t1 <= 0."""
    ann = dataset_dir / "AF-S" / "Annotation"
    wanted = set(read_bundle(ann / "splits" / "test.split1.bundle"))
    samples = []
    for folder in ("Front", "Left", "Right", "Top", "ego_valid"):
        for path in sorted((ann / folder).glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            vid = canonical_video_id(data["video_id"])  # ego: "_ego_sync" -> "_ego_sync_clipped"
            if vid not in wanted:
                continue
            fps = float(data["meta_data"]["fps"])
            for seg in data["segments"]:
                t1 = round(seg["start_frame"] * target_fps / fps) - round(tau_a * target_fps)
                if t1 <= 0:
                    continue
                samples.append(
                    {
                        "id": f"{vid}|{seg['entity']}|{seg['start_frame']}",
                        "video_id": vid,
                        "hand": seg["entity"],
                        "action": seg["action_label"],
                        "verb": seg["verb"],
                        "noun": seg["noun"],
                    }
                )
    return samples


def test_real_s1_oracle_and_random(impact_dataset_dir):
    samples = _afs_test_samples(impact_dataset_dir)
    videos = {s["video_id"] for s in samples}
    assert len(videos) == 56 and any("_ego_sync_clipped" in v for v in videos)
    action = np.array([s["action"] for s in samples])
    verb = np.array([s["verb"] for s in samples])
    noun = np.array([s["noun"] for s in samples])
    hands = [s["hand"] for s in samples]
    amap = {int(a): (int(v), int(n)) for a, v, n in zip(action, verb, noun, strict=True)}
    oracle = np.eye(138)[action]
    out = af_s_scores(
        oracle,
        action.tolist(),
        hands,
        verb_references=verb.tolist(),
        noun_references=noun.tolist(),
        action_to_verb_noun=amap,
        ids=[s["id"] for s in samples],
    )
    for pool in ("overall", "left", "right"):
        for task in ("action", "verb", "noun"):
            assert out[f"{pool}_{task}_mean_top5_recall"] == 1.0
    assert out["overall_action_num_instances"] == len(samples)  # null (0) actions are scored
    assert out["overall_verb_num_instances"] == int((verb >= 0).sum())

    rng = np.random.default_rng(2026)
    logits = rng.normal(size=(len(samples), 138))
    verb_logits = rng.normal(size=(len(samples), 22))
    out = af_s_scores(
        logits, action.tolist(), hands, verb_predictions=verb_logits, verb_references=verb.tolist()
    )
    for pool in ("overall", "left", "right"):
        sel = [i for i, h in enumerate(hands) if pool == "overall" or h == pool]
        ref_a = _reference_mean_topk_recall(logits[sel].tolist(), action[sel].tolist(), 5, -100)
        ref_v = _reference_mean_topk_recall(verb_logits[sel].tolist(), verb[sel].tolist(), 5, -1)
        assert out[f"{pool}_action_mean_top5_recall"] == pytest.approx(ref_a, abs=1e-12)
        assert out[f"{pool}_verb_mean_top5_recall"] == pytest.approx(ref_v, abs=1e-12)
    assert 0.0 < out["overall_action_mean_top5_recall"] < 0.2


# ------------------------------------------------------------------ options: validated, listed, signed


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"prediction_format": "logits"}, "prediction_format"),
        ({"k": 0}, "k"),
        ({"k": True}, "k"),
        ({"classes": {"verbs": [1]}}, "classes"),
        ({"classes": {"action": [-1]}}, r"classes\['action'\]"),
        ({"classes": [1, 2]}, "classes"),
        ({"empty_pool": "zero"}, "empty_pool"),
    ],
)
def test_invalid_option_names_the_argument(kwargs: dict, name: str) -> None:
    from proceval.scores.af_s import AfSOptions

    with pytest.raises(InputValidationError, match=rf"Expected argument `{name}` to .*, but got"):
        AfSOptions(**kwargs)
    with pytest.raises(InputValidationError, match=rf"`{name}`"):
        af_s_scores([[0.1, 0.2]], [0], ["left"], **kwargs)


def test_options_from_mapping_lists_the_allowed_keys() -> None:
    from proceval.scores.af_s import AfSOptions

    with pytest.raises(
        InputValidationError,
        match="allowed: prediction_format, k, classes, empty_pool, action_to_verb_noun",
    ):
        AfSOptions.from_mapping({"bogus": 1})


def test_options_that_change_the_number_change_the_signature() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random((40, 6))
    targets = rng.integers(0, 6, 40).tolist()
    hands = ["left", "right"] * 20
    amap = {a: (a % 3, a % 2) for a in range(6)}
    signatures = set()
    for k in (1, 5):
        for classes in (None, {"action": [0, 1, 2]}, {"action": [3, 4]}):
            for a2vn in (None, amap, {a: (a % 2, a % 3) for a in range(6)}):
                for bootstrap in (0, 10):
                    kwargs = {"k": k, "classes": classes, "action_to_verb_noun": a2vn, "bootstrap": bootstrap}
                    if a2vn is not None:
                        kwargs["verb_references"] = [amap[t][0] for t in targets]
                    signatures.add(af_s_scores(scores, targets, hands, **kwargs)["signature"])
    assert len(signatures) == 2 * 3 * 3 * 2
    ranked = np.argsort(-scores, axis=1)[:, :5].tolist()
    assert (
        "fmt:ranked_ids" in af_s_scores(ranked, targets, hands, prediction_format="ranked_ids")["signature"]
    )
    # empty_pool changes no number: it is not signed
    nan = af_s_scores(scores, targets, hands, empty_pool="nan")["signature"]
    assert nan == af_s_scores(scores, targets, hands, empty_pool="error")["signature"]
