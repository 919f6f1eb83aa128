"""``pqs`` (Proactive Quality Score): hand-computed cases, rating sources, judge calls and failures.

``_reference_pqs`` writes the paper's definition (§3.3.3) plainly: per decision point 1 for TN,
``(mean of the four ratings - 1) / 4`` for TP, 0 for FP / FN, averaged over all decision points.
"""

from __future__ import annotations

import json
import math
from functools import partial

import numpy as np
import pytest
from helpers.testers import MetricTester

from proceval.benchmarks.pro2bench.rubrics import GUIDANCE_PROMPT, GUIDANCE_RUBRIC, GuidanceJudge
from proceval.benchmarks.pro2bench.scoring import pqs_module_scores
from proceval.errors import InputValidationError
from proceval.scores.pqs import JudgeItem, check_rating, parse_rating_reply, pqs_scores

INT, SIL = "$interrupt$", "$silent$"
score = partial(pqs_scores, interrupt_tag=INT, silent_tag=SIL)
R5 = {"relevance": 5, "specificity": 5, "actionability": 5, "conciseness": 5}


def _reference_pqs(pred: list[list[str]], gold: list[list[str]], ratings: dict) -> float:
    total, n = 0.0, 0
    for i, (p, g) in enumerate(zip(pred, gold, strict=True)):
        for j, (a, b) in enumerate(zip(p, g, strict=True)):
            pi, gi = a.lstrip().startswith(INT), b.lstrip().startswith(INT)
            n += 1
            if pi and gi:
                total += (sum(ratings[(f"#{i}", j)]) / 4 - 1) / 4
            elif not pi and not gi:
                total += 1.0
    return total / n


REFS = [[f"{INT} Add the salt.", SIL, f"{INT} Stir.", SIL]]
PREDS = [[f"{INT} Add salt.", SIL, SIL, f"{INT} Stir."]]  # TP, TN, FN, FP


def test_hand_computed_case() -> None:
    out = score(PREDS, REFS, ratings={("#0", 0): [5, 4, 5, 4]})
    assert out["pqs"] == (0.875 + 1.0) / 4
    assert (out["tp"], out["fp"], out["tn"], out["fn"]) == (1, 1, 1, 1)
    assert out["gmean_f1"] == 0.5 and out["mean_content_score"] == 0.875
    assert (out["mean_relevance"], out["mean_specificity"]) == (5.0, 4.0)
    assert out["num_rated"] == 1 and out["num_judge_calls"] == 0


def test_always_silent_scores_the_silent_base_rate_and_gmean_zero() -> None:
    gold = [[f"{INT} a", SIL, SIL, f"{INT} b", SIL], [SIL, f"{INT} c", SIL]]
    out = score([[SIL] * 5, [SIL] * 3], gold)  # no true positive: no rating needed
    assert out["pqs"] == 5 / 8  # TN / N
    assert out["gmean_f1"] == 0.0 and out["interrupt_f1"] == 0.0
    assert math.isnan(out["mean_content_score"]) and out["num_rated"] == 0


def test_perfect_timing_with_perfect_content_is_one() -> None:
    out = score(REFS, REFS, ratings={("#0", 0): R5, ("#0", 2): R5})
    assert out["pqs"] == 1.0 and out["gmean_f1"] == 1.0


def test_lowest_ratings_score_a_true_positive_zero() -> None:
    out = score(REFS, REFS, ratings={("#0", 0): [1, 1, 1, 1], ("#0", 2): [1, 1, 1, 1]})
    assert out["pqs"] == 0.5  # the two TNs only


@pytest.mark.parametrize("seed", [0, 1])
def test_seeded_against_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pool = [f"{INT} x", SIL, "", f"  {INT}"]
    gold = [[pool[k] for k in rng.integers(0, 4, size=int(rng.integers(1, 9)))] for _ in range(12)]
    pred = [[pool[k] for k in rng.integers(0, 4, size=len(g))] for g in gold]
    ratings = {
        (f"#{i}", j): [int(v) for v in rng.integers(1, 6, size=4)]
        for i, g in enumerate(gold)
        for j in range(len(g))
        if g[j].lstrip().startswith(INT) and pred[i][j].lstrip().startswith(INT)
    }
    out = score(pred, gold, ratings=ratings)
    assert out["pqs"] == pytest.approx(_reference_pqs(pred, gold, ratings), abs=1e-12)


# ----------------------------------------------------------------------------------------- rating forms
def test_rating_forms_agree() -> None:
    flat = score(PREDS, REFS, ratings={("#0", 0): [5, 4, 5, 4]})
    per_session = score(PREDS, REFS, ratings=[[[5, 4, 5, 4], None, None, None]])
    as_mapping = score(
        {"s": PREDS[0]},
        {"s": REFS[0]},
        ratings={"s": [{"relevance": 5, "specificity": 4, "actionability": 5, "conciseness": 4}, None]},
    )
    assert flat["pqs"] == per_session["pqs"] == as_mapping["pqs"] == 0.46875


def test_unused_ratings_are_counted() -> None:
    out = score(PREDS, REFS, ratings={("#0", 0): R5, ("#0", 1): R5, ("#0", 3): R5})
    assert out["num_unused_ratings"] == 2 and out["num_rated"] == 1


@pytest.mark.parametrize(
    ("ratings", "match"),
    [
        ({}, r"Expected `ratings` or `judge`"),
        ({("#0", 1): R5}, r"rating for every true positive, but session '#0', decision point 0 has none"),
        ({("#0", 0): [5, 4, 6, 4]}, r"four integers in \[1, 5\].*decision point 0, but got \[5, 4, 6, 4\]"),
        ({("#0", 0): [5, 4, 4.5, 4]}, r"four integers in \[1, 5\]"),
        ({("#0", 0): [5, 4, "4", 4]}, r"four integers in \[1, 5\]"),
        ({("#0", 0): [5, 4, True, 4]}, r"four integers in \[1, 5\]"),
        ({("#0", 0): [0, 4, 4, 4]}, r"four integers in \[1, 5\]"),
        ({("#0", 0): [4, 4, 4]}, r"four integers in \[1, 5\]"),
        ({("#0", 0): {"relevance": 4, "specificity": 4, "actionability": 4}}, r"four integers in \[1, 5\]"),
        ({("zz", 0): R5}, r"`ratings` keys to name known sessions, but got 'zz'"),
    ],
)
def test_bad_ratings(ratings, match) -> None:
    with pytest.raises(InputValidationError, match=match):
        score(PREDS, REFS, ratings=ratings or None)


def test_integral_float_ratings_are_accepted() -> None:
    assert check_rating([4.0, 3, 5, 2]) == (4, 3, 5, 2)


# ----------------------------------------------------------------------------------------- judges
class RecordingJudge:
    """A judge callable that records what it was asked and replies from a list."""

    def __init__(self, replies):
        self.replies = replies
        self.calls: list[list[JudgeItem]] = []

    def __call__(self, items):
        self.calls.append(list(items))
        return self.replies(items) if callable(self.replies) else self.replies


def test_judge_is_called_on_true_positives_only() -> None:
    gold = {"a": [f"{INT} Add the salt.", SIL, f"{INT} Stir."], "b": [SIL, f"{INT} Fold it."]}
    pred = {"a": [f"  {INT} Add salt. ", f"{INT} extra", SIL], "b": [SIL, f"{INT}Fold."]}
    judge = RecordingJudge(lambda items: [R5 for _ in items])
    out = score(pred, gold, judge=judge, contexts={"a": "Task: soup", "b": "Task: paper"})
    assert len(judge.calls) == 1
    assert judge.calls[0] == [
        JudgeItem("a", 0, "Add the salt.", "Add salt.", "Task: soup"),
        JudgeItem("b", 1, "Fold it.", "Fold.", "Task: paper"),
    ]
    assert out["num_judge_calls"] == 2 and out["num_judge_failures"] == 0
    assert out["pqs"] == (2 + 1) / 5  # TP a0 and b1 (g = 1), TN b0; a1 is a FP, a2 a FN
    assert "rt:callable" in out["signature"]


@pytest.mark.parametrize(
    "bad_reply",
    [
        "I would rate it 4.",  # not JSON
        '{"relevance": 6, "specificity": 3, "actionability": 3, "conciseness": 3}',  # outside 1-5
        '{"relevance": 4, "specificity": 3, "actionability": 3}',  # a dimension missing
        '{"relevance": "4", "specificity": 3, "actionability": 3, "conciseness": 3}',  # a string
        None,  # a failed call
        RuntimeError("timeout"),
    ],
)
def test_judge_failures_are_counted_and_score_zero(bad_reply) -> None:
    good = '```json\n{"relevance": 5, "specificity": 5, "actionability": 5, "conciseness": 5, "reasoning": "ok"}\n```'
    judge = RecordingJudge([good, bad_reply])
    out = score(REFS, REFS, judge=judge)
    assert out["num_judge_calls"] == 2 and out["num_judge_failures"] == 1 and out["num_rated"] == 1
    assert out["pqs"] == (1 + 0 + 1 + 1) / 4
    with pytest.raises(InputValidationError, match=r"judge reply with integer ratings 1-5.*decision point 2"):
        score(REFS, REFS, judge=RecordingJudge([good, bad_reply]), judge_failure="error")


def test_judge_reply_means_over_judges_are_accepted() -> None:
    out = score(REFS, REFS, judge=RecordingJudge([[4.5, 4.5, 4.5, 4.5], R5]))
    assert out["pqs"] == (0.875 + 1 + 1 + 1) / 4


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"judge": RecordingJudge([R5]), "ratings": {("#0", 0): R5}},
            r"either `ratings` or `judge`, but got both",
        ),
        ({"judge": RecordingJudge([R5])}, r"one reply per item \(2\), but got 1"),
        ({"judge": "gpt"}, r"`judge` to be callable"),
        ({"judge_failure": "skip", "ratings": {}}, r"`judge_failure` to be one of 'zero' or 'error'"),
        ({"paired_ratings": {}}, r"`paired_ratings` only with `paired_predictions`"),
    ],
)
def test_bad_judge_arguments(kwargs, match) -> None:
    with pytest.raises(InputValidationError, match=match):
        score(REFS, REFS, **kwargs)


def test_parse_rating_reply() -> None:
    assert parse_rating_reply(
        'Sure! {"relevance": 2, "specificity": 3, "actionability": 4, "conciseness": 5}'
    ) == (
        2,
        3,
        4,
        5,
    )
    assert parse_rating_reply("{not json}") is None


# ----------------------------------------------------------------------------------------- groups, bootstrap
def test_per_task_and_truncate() -> None:
    gold = [[f"{INT} a", SIL], [SIL, SIL, SIL]]
    pred = [[f"{INT} a", SIL, SIL], [SIL]]
    with pytest.raises(InputValidationError, match=r"session '#0'"):
        score(pred, gold, ratings={("#0", 0): R5})
    out = score(pred, gold, ratings={("#0", 0): R5}, length_mismatch="truncate", tasks=["A", "B"])
    assert out["skipped_chunks"] == 3 and out["num_decision_points"] == 3 and out["pqs"] == 1.0
    assert out["per_task"]["A"]["pqs"] == 1.0 and out["per_task"]["B"]["num_decision_points"] == 1


def test_bootstrap_and_paired_with_ratings() -> None:
    gold = [[f"{INT} a", SIL, SIL, f"{INT} b"]] * 5
    pred = [[f"{INT} a", SIL, f"{INT} x", f"{INT} b"]] * 5
    ratings = {(f"#{i}", j): [3, 3, 3, 3] for i in range(5) for j in (0, 3)}
    silent = [[SIL] * 4] * 5
    out = score(pred, gold, ratings=ratings, bootstrap=40, seed=1, paired_predictions=silent)
    assert out["pqs"] == (0.5 + 1 + 0 + 0.5) / 4
    assert out["ci"]["pqs"] == [0.5, 0.5]  # every session is the same
    assert out["paired"]["pqs"]["delta"] == 0.5 - 0.5 and out["paired"]["gmean_f1"]["b"] == 0.0


# ----------------------------------------------------------------------------------------- judge backends
def test_rubric_is_the_papers_prompt() -> None:
    assert GUIDANCE_RUBRIC.dimension_names() == ("relevance", "specificity", "actionability", "conciseness")
    assert GUIDANCE_PROMPT.startswith("You are a STRICT evaluator of procedural AI assistant responses.")
    assert (
        "{golden}" in GUIDANCE_PROMPT and "{model}" in GUIDANCE_PROMPT and "{task_context}" in GUIDANCE_PROMPT
    )
    assert GUIDANCE_PROMPT.endswith('"reasoning": "one sentence explaining the main weakness"}')


def test_judge_backend_is_asked_on_true_positives_only(tmp_path) -> None:
    from proceval.judges import OpenAICompatibleBackend
    from proceval.judges.fake_server import FakeJudgeServer, fake_ratings
    from proceval.judges.rubric import render

    dims = {d: (1, 5) for d in GUIDANCE_RUBRIC.dimension_names()}
    gold = {"a": [f"{INT} Add the salt.", SIL, f"{INT} Stir."], "b": [SIL, f"{INT} Fold it."]}
    pred = {"a": [f"{INT} Add salt.", f"{INT} extra", SIL], "b": [SIL, f"{INT} Fold."]}
    contexts = {"a": "Task: soup", "b": "Task: paper"}
    with FakeJudgeServer(dims) as server:
        backend = OpenAICompatibleBackend("fake-judge", server.url, api_key_env=None)
        judge = GuidanceJudge(backend, cache=tmp_path / "judge.sqlite")
        out = pqs_module_scores(pred, gold, judge=judge, contexts=contexts)
        assert server.total_requests() == 2  # the two true positives
        again = pqs_module_scores(
            pred, gold, judge=GuidanceJudge(backend, cache=tmp_path / "judge.sqlite"), contexts=contexts
        )
        assert server.total_requests() == 2  # replayed from the cache
    want = []
    for sid, j, model in (("a", 0, "Add salt."), ("b", 1, "Fold.")):
        fields = {"golden": gold[sid][j][len(INT) :].strip(), "model": model, "task_context": contexts[sid]}
        ratings = fake_ratings(render(GUIDANCE_RUBRIC, fields), dims)
        want.append((sum(ratings.values()) / 4 - 1) / 4)
    assert out["pqs"] == pytest.approx((sum(want) + 1) / 5)
    assert out["num_judge_calls"] == 2 and out["judge_runs"][0]["num_calls"] == 2
    assert (
        "rt:judge|judge:fake-judge|tmpl:" in out["signature"]
        and "unparse:retry_then_exclude" in out["signature"]
    )
    assert again["judge_runs"][0]["num_cached"] == 2


def test_bare_backend_is_wrapped_with_the_guidance_rubric() -> None:
    from proceval.judges import PrecomputedBackend

    stored = {"#0/0": {"relevance": 3, "specificity": 3, "actionability": 3, "conciseness": 3}}
    out = pqs_module_scores(PREDS, REFS, judge=PrecomputedBackend(stored, model="human"))
    assert out["pqs"] == (0.5 + 1) / 4 and "judge:human" in out["signature"]


def test_failed_judge_items_are_judge_failures() -> None:
    from proceval.judges import PrecomputedBackend

    stored = {
        "#0/0": {"relevance": 9, "specificity": 3, "actionability": 3, "conciseness": 3}
    }  # off the scale
    out = pqs_module_scores(PREDS, REFS, judge=PrecomputedBackend(stored, model="human"))
    assert out["num_judge_failures"] == 1 and out["pqs"] == 1 / 4
    assert out["judge_runs"][0]["num_unparseable"] == 1


# ----------------------------------------------------------------------------------------- evaluate module
class TestPqsModule(MetricTester):
    metric = "pqs"

    def test_module_equals_library(self) -> None:
        gold = [[f"{INT} a", SIL, SIL, f"{INT} b"], [SIL, f"{INT} c"], [SIL, SIL]]
        pred = [[f"{INT} a", SIL, f"{INT} x", SIL], [SIL, f"{INT} c"], [f"{INT} y", SIL]]
        ratings = [[[4, 4, 3, 5], None, None, None], [None, [2, 2, 2, 2]], [None, None]]
        self.run_metric_test(pred, gold, batch_size=2, ratings=ratings)
        self.run_bootstrap_test(pred, gold, bootstrap=20, seed=3, ratings=ratings)


def test_card_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import doctest
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(repo)
    card = (repo / "metrics" / "pqs" / "README.md").read_text()
    block = re.search(r"## Examples\n\n```python\n(.*?)```", card, re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "pqs-card", "README.md", 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0 and test.examples


def test_ratings_json_roundtrip() -> None:
    """Ratings as they come out of a JSON submission (lists, null) score the same."""
    ratings = json.loads(json.dumps([[[5, 4, 5, 4], None, None, None]]))
    assert score(PREDS, REFS, ratings=ratings)["pqs"] == 0.46875
