"""``guidance_judge``: the paper's four-dimension rubric on true-positive interrupts.

Hand-made ratings give exact means; a counting fake judge proves only the true positives are judged; two
judges behind :mod:`proceval.judges.fake_server` run end to end through ``evaluate_config`` on the
Pro2Bench sample release; malformed replies and out-of-range ratings are counted, never scored or raised.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from proceval.benchmarks.pro2bench.scoring import guidance_judge_module_scores
from proceval.errors import InputValidationError
from proceval.evaluation.runner import evaluate_config
from proceval.judges.fake_server import FakeJudgeServer, fake_ratings
from proceval.scores.guidance_judge import guidance_judge_scores
from proceval.scores.pqs import pqs_scores

INT, SIL = "$interrupt$", "$silent$"
DIMS = ("relevance", "specificity", "actionability", "conciseness")
SCALES = {d: (1, 5) for d in DIMS}


def _scores(preds, refs, **kw):
    return guidance_judge_scores(preds, refs, interrupt_tag=INT, silent_tag=SIL, **kw)


# Session a: TP at 0 and 2, FP at 3, FN at 4. Session b: TP at 1, TN at 0.
PREDS = {
    "a": [f"{INT} Add salt.", SIL, f"{INT} Stir.", f"{INT} Wait.", SIL],
    "b": [SIL, f"{INT} Boil water."],
}
REFS = {
    "a": [f"{INT} Add the salt.", SIL, f"{INT} Stir it.", SIL, f"{INT} Serve."],
    "b": [SIL, f"{INT} Boil the water."],
}
TPS = {("a", 0), ("a", 2), ("b", 1)}


def test_hand_made_ratings_give_exact_means() -> None:
    ratings = {("a", 0): [5, 4, 5, 4], ("a", 2): [3, 2, 3, 4], ("b", 1): [1, 3, 4, 2]}
    out = _scores(PREDS, REFS, ratings=ratings, tasks={"a": "cook", "b": "tea"}, domains={"a": "k", "b": "k"})
    assert (out["mean_relevance"], out["mean_specificity"]) == (3.0, 3.0)
    assert (out["mean_actionability"], out["mean_conciseness"]) == (4.0, 10 / 3)
    assert out["mean_overall"] == pytest.approx((3 + 3 + 4 + 10 / 3) / 4, abs=1e-15)
    assert (out["num_true_positives"], out["num_judged"], out["num_unparseable"], out["num_failed"]) == (
        3,
        3,
        0,
        0,
    )
    assert (
        out["per_task"]["tea"]["mean_relevance"] == 1.0 and out["per_task"]["cook"]["mean_specificity"] == 3.0
    )
    assert out["per_domain"]["k"]["num_true_positives"] == 3
    assert out["per_session"]["a"]["mean_conciseness"] == 4.0
    assert out["per_judge"] == {} and out["krippendorff_alpha"] == {}
    assert out["signature"].startswith("guidance_judge|len:error|tags:$interrupt$,$silent$|rt:given|")
    # the same dimension means as pqs reports from the same ratings (one shared rating step)
    pqs = pqs_scores(PREDS, REFS, interrupt_tag=INT, silent_tag=SIL, ratings=ratings)
    assert all(out[f"mean_{d}"] == pqs[f"mean_{d}"] for d in DIMS)


def test_only_true_positives_are_judged() -> None:
    calls: list[list] = []

    def judge(items):
        calls.append(list(items))
        return [[4, 4, 4, 4] for _ in items]

    out = _scores(PREDS, REFS, judge=judge, contexts={"a": "ctx a", "b": "ctx b"})
    assert len(calls) == 1
    assert {(it.session_id, it.index) for it in calls[0]} == TPS and len(calls[0]) == len(TPS)
    first = next(it for it in calls[0] if (it.session_id, it.index) == ("a", 2))
    assert (first.golden, first.model, first.context) == ("Stir it.", "Stir.", "ctx a")
    assert out["mean_overall"] == 4.0 and out["num_judged"] == 3
    calls.clear()
    silent = {k: [SIL] * len(v) for k, v in PREDS.items()}
    none = _scores(silent, REFS, judge=judge)
    assert calls == [] and none["num_true_positives"] == 0 and math.isnan(none["mean_overall"])


def test_bad_replies_are_counted_not_scored() -> None:
    replies = iter(["no json here", [6, 4, 4, 4], None])

    def judge(items):
        return [next(replies) for _ in items]

    out = _scores(PREDS, REFS, judge=judge)
    assert (out["num_true_positives"], out["num_judged"], out["num_unparseable"], out["num_failed"]) == (
        3,
        0,
        2,
        1,
    )
    assert math.isnan(out["mean_relevance"])


def test_malformed_and_out_of_range_replies_from_a_server_are_counted() -> None:
    from proceval.judges import OpenAICompatibleBackend

    def reply(messages):
        text = messages[-1]["content"] if len(messages) == 1 else messages[0]["content"]
        if "Stir." in text:
            return "relevance: great"  # malformed (also on the format retry)
        if "Boil water." in text:
            return json.dumps({"relevance": 7, "specificity": 3, "actionability": 3, "conciseness": 3})
        return json.dumps({"relevance": 4, "specificity": 2, "actionability": 5, "conciseness": 3})

    with FakeJudgeServer(reply=reply) as server:
        judge = OpenAICompatibleBackend("fake", server.url, api_key_env=None)
        out = guidance_judge_module_scores(list(PREDS.values()), list(REFS.values()), judge=judge)
    assert (out["num_true_positives"], out["num_judged"], out["num_unparseable"], out["num_failed"]) == (
        3,
        1,
        2,
        0,
    )
    assert (out["mean_relevance"], out["mean_specificity"], out["mean_overall"]) == (4.0, 2.0, 3.5)
    assert out["per_judge"]["fake"]["num_unparseable"] == 2 and out["judge_runs"]


def test_errors_and_bootstrap() -> None:
    with pytest.raises(InputValidationError, match=r"Expected `ratings` or `judge`"):
        _scores(PREDS, REFS)
    with pytest.raises(InputValidationError, match=r"either `ratings` or `judge`"):
        _scores(PREDS, REFS, ratings={}, judge=lambda items: [])
    with pytest.raises(InputValidationError, match=r"session 'a', decision point 2 has none"):
        _scores(PREDS, REFS, ratings={("a", 0): [4, 4, 4, 4]})
    r4 = {k: [4, 4, 4, 4] for k in TPS}
    out = _scores(PREDS, REFS, ratings=r4, bootstrap=20, seed=1, paired_predictions=PREDS, paired_ratings=r4)
    assert out["ci"]["mean_overall"] == [4.0, 4.0] and "bs:20" in out["signature"]
    assert out["paired"]


# ----------------------------------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from proceval.sample import write_sample

    root = tmp_path_factory.mktemp("gj") / "sample"
    write_sample(root, seed=0, benchmarks=["pro2bench"], videos=False)
    return root / "egoproactive"


def _reversed(messages):
    """The second judge: 6 - the first judge's rating on every dimension (so item means are exactly 3)."""
    return json.dumps({d: 6 - v for d, v in fake_ratings(messages, SCALES).items()})


def test_two_judges_end_to_end(release: Path, tmp_path: Path) -> None:
    path = next((release / "egoproactive").glob("wearable_ai_2026_egoproactive_val_*.jsonl"))
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    preds = {}
    for r in rows:  # every third decision flipped, utterances reworded
        preds[r["video_path"]] = [
            f"{INT} next please" if a.startswith(INT) != (j % 3 == 2) else SIL
            for j, a in enumerate(r["answers"])
        ]
    n_tp = sum(
        a.startswith(INT) and g.startswith(INT)
        for r in rows
        for a, g in zip(preds[r["video_path"]], r["answers"])
    )
    assert n_tp > 0
    with FakeJudgeServer(SCALES) as a, FakeJudgeServer(reply=_reversed) as b:
        options = {
            "judge_model": "judge-a,judge-b",
            "judge_endpoint": f"{a.url},{b.url}",
            "judge_revision": "r1,r2",
            "judge_cache": str(tmp_path / "j.sqlite"),
        }
        res = evaluate_config(
            "guidance_judge", release, "egoproactive", preds, options=options, cache_dir=tmp_path / "c"
        )
    out = res["scores"]
    assert out["num_true_positives"] == out["num_judged"] == n_tp
    assert (out["num_unparseable"], out["num_failed"]) == (0, 0)
    assert all(out[f"mean_{d}"] == 3.0 for d in DIMS) and out["mean_overall"] == 3.0
    pa, pb = out["per_judge"]["judge-a@r1"], out["per_judge"]["judge-b@r2"]
    assert all(pa[f"mean_{d}"] + pb[f"mean_{d}"] == pytest.approx(6.0) for d in DIMS)
    assert set(out["krippendorff_alpha"]) == set(DIMS)
    assert all(v is None or -2.0 <= v <= 1.0 for v in out["krippendorff_alpha"].values())
    assert out["per_task"] and out["per_domain"]
    sig = res["signature"]
    assert (
        "|rt:judge|judge:judge-a@r1,judge-b@r2|tmpl:" in sig
        and "|temp:0|" in sig
        and "|cfg:egoproactive|" in sig
    )
