"""``oop_recovery``: the onset-tolerance matching rules at their boundaries, recovery ratings, bad input."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from helpers.testers import MetricTester

from proceval.errors import InputValidationError
from proceval.scores.oop_recovery import oop_recovery_scores
from proceval.scores.pqs import JudgeItem

INT, SIL = "$interrupt$", "$silent$"
score = partial(oop_recovery_scores, interrupt_tag=INT, silent_tag=SIL)
CHUNKS = [[0.0, 8.0], [4.0, 12.0], [8.0, 16.0], [12.0, 20.0]]  # decided at 8, 12, 16, 20 s


def _interrupt_at(k: int, n: int = 4, text: str = "Wait, add the water first.") -> list[str]:
    return [f"{INT} {text}" if j == k else SIL for j in range(n)]


@pytest.mark.parametrize(
    ("onset", "decision_time", "chunk_overlap"),
    [
        (14.0, True, True),  # window [12, 16]: the decision time 16 is on its closed edge
        (18.0, True, True),  # window [16, 20]: the other edge
        (13.9, False, True),  # window [11.9, 15.9]: 16 is outside, the chunk [8, 16] overlaps it
        (18.1, False, False),  # window [16.1, 20.1]: the chunk ends at 16
        (5.0, False, False),  # window [3, 7]: the chunk starts at 8
        (22.0, False, False),
    ],
)
def test_matching_rules_at_the_edges(onset: float, decision_time: bool, chunk_overlap: bool) -> None:
    """Only chunk 2 ([8, 16] s, decided at 16 s) interrupts."""
    for matching, want in (("decision_time", decision_time), ("chunk_overlap", chunk_overlap)):
        out = score([_interrupt_at(2)], [[onset]], intervals=[CHUNKS], matching=matching)
        assert out["oop_detection_recall"] == float(want), matching


def test_silent_timely_points_do_not_detect() -> None:
    out = score([[SIL] * 4], [[15.0]], intervals=[CHUNKS])
    assert out["oop_detection_recall"] == 0.0 and out["num_undetectable"] == 0


def test_undetectable_deviations_stay_in_the_denominator() -> None:
    out = score([_interrupt_at(0)], [[7.0, 30.0]], intervals=[CHUNKS])  # nothing ends near 30 s
    assert out["oop_detection_recall"] == 0.5
    assert (out["num_oop_instances"], out["num_detected"], out["num_undetectable"]) == (2, 1, 1)


def test_tolerance_is_an_option() -> None:
    out = score([_interrupt_at(2)], [[12.5]], intervals=[CHUNKS], onset_tolerance_s=3.5)
    assert out["oop_detection_recall"] == 1.0 and "tol:3.5" in out["signature"]
    assert score([_interrupt_at(2)], [[12.5]], intervals=[CHUNKS])["oop_detection_recall"] == 0.0


def test_pooled_over_sessions_and_per_type() -> None:
    refs = {
        "a": [{"onset_s": 15.0, "recovery": "r1", "type": "omission"}],
        "b": [{"onset_s": 9.0, "recovery": "r2", "type": "ordering"}, {"onset_s": 19.0, "type": "omission"}],
        "c": [],
    }
    preds = {"a": _interrupt_at(2), "b": _interrupt_at(3), "c": [SIL] * 4}
    out = score(preds, refs, intervals={k: CHUNKS for k in refs})
    assert out["oop_detection_recall"] == 2 / 3 and out["num_sessions"] == 3
    assert out["per_type"]["omission"] == {
        "oop_detection_recall": 1.0,
        "num_oop_instances": 2,
        "num_detected": 2,
    }
    assert out["per_type"]["ordering"]["num_detected"] == 0
    assert math.isnan(out["per_session"]["c"]["oop_detection_recall"])
    assert math.isnan(out["recovery_quality"]) and "rt:none" in out["signature"]


def test_no_deviation_at_all_is_nan() -> None:
    out = score([[SIL] * 4], [[]], intervals=[CHUNKS])
    assert math.isnan(out["oop_detection_recall"]) and out["num_oop_instances"] == 0


# ----------------------------------------------------------------------------------------- recovery
def test_recovery_uses_the_earliest_timely_interrupt_and_is_on_the_raw_scale() -> None:
    preds = [[f"{INT} too early", f"{INT} first timely", f"{INT} second timely", SIL]]
    items: list[JudgeItem] = []

    def judge(batch):
        items.extend(batch)
        return [[5, 4, 4, 3]]

    refs = [[{"onset_s": 14.0, "recovery": "Add water first.", "type": "omission"}]]
    out = score(preds, refs, intervals=[CHUNKS], judge=judge, contexts=["Task: coffee"])
    # window [12, 16]: decisions at 12 s (index 1) and 16 s (index 2) are timely; 8 s is not
    assert items == [JudgeItem("#0", 0, "Add water first.", "first timely", "Task: coffee")]
    assert out["recovery_quality"] == 4.0 and out["mean_conciseness"] == 3.0
    score(
        preds,
        [[{"onset_s": 9.0, "recovery": "r", "type": ""}]],
        intervals=[CHUNKS],
        judge=judge,
        matching="chunk_overlap",
    )
    assert items[-1].model == "too early"  # window [7, 11] overlaps [0, 8], the earliest chunk


def test_recovery_ratings_given_by_the_user() -> None:
    refs = [[{"onset_s": 15.0, "recovery": "x", "type": ""}, {"onset_s": 30.0, "recovery": "y", "type": ""}]]
    out = score(
        [_interrupt_at(2)],
        refs,
        intervals=[CHUNKS],
        ratings={("#0", 0): [5, 5, 4, 4], ("#0", 1): [1, 1, 1, 1]},
    )
    assert out["recovery_quality"] == 4.5 and out["num_rated"] == 1 and out["num_unused_ratings"] == 1
    with pytest.raises(
        InputValidationError, match=r"rating for every detected deviation, but session '#0', deviation 0"
    ):
        score([_interrupt_at(2)], refs, intervals=[CHUNKS], ratings={("#0", 1): [1, 1, 1, 1]})
    with pytest.raises(
        InputValidationError, match=r"four integers in \[1, 5\].*deviation 0, but got \[5, 5, 4, 9\]"
    ):
        score([_interrupt_at(2)], refs, intervals=[CHUNKS], ratings={("#0", 0): [5, 5, 4, 9]})


def test_judge_failures_skip_or_raise() -> None:
    refs = [[15.0, 19.0]]
    preds = [[SIL, SIL, f"{INT} a", f"{INT} b"]]
    replies = ['{"relevance": 4, "specificity": 4, "actionability": 4, "conciseness": 4}', "no json here"]
    out = score(preds, refs, intervals=[CHUNKS], judge=lambda items: replies)
    assert out["num_judge_failures"] == 1 and out["num_rated"] == 1 and out["recovery_quality"] == 4.0
    with pytest.raises(InputValidationError, match=r"judge reply with integer ratings 1-5.*deviation 1"):
        score(preds, refs, intervals=[CHUNKS], judge=lambda items: replies, judge_failure="error")


# ----------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("preds", "refs", "kwargs", "match"),
    [
        (
            [[SIL] * 3],
            [[10.0]],
            {"intervals": [CHUNKS]},
            r"one answer per decision point \(4 intervals\), but got 3",
        ),
        (
            [[SIL] * 4],
            [[{"onset_s": "x"}]],
            {"intervals": [CHUNKS]},
            r"deviation 0 of session '#0' to have a finite `onset_s`",
        ),
        ([[SIL] * 4], [[math.nan]], {"intervals": [CHUNKS]}, r"finite `onset_s`"),
        ([[SIL] * 4], [[10.0]], {"intervals": [[[0, 8], [4, 2], [8, 16], [12, 20]]]}, r"start_s <= end_s"),
        ([[SIL] * 4], [[10.0]], {"intervals": None}, r"`intervals` to hold one entry per session"),
        (
            [[SIL]],
            [[5.0]],
            {"intervals": [[["1", 4.0]]]},
            r"intervals of session '#0' to be \[start_s, end_s\] pairs of finite numbers, but got \['1', 4.0\] "
            r"at interval 0",
        ),
        ([[SIL]], [[5.0]], {"intervals": [[[True, 4.0]]]}, r"but got \[True, 4.0\] at interval 0"),
        ([[SIL]], [[5.0]], {"intervals": [[[0.0, None]]]}, r"but got \[0.0, None\] at interval 0"),
        ([[SIL]], [[5.0]], {"intervals": [np.array([[False, True]])]}, r"at interval 0"),
        ([[SIL]], [[5.0]], {"intervals": [[[0.0, 4.0, 9.0]]]}, r"at interval 0"),
        ([[SIL]], [[5.0]], {"intervals": [[[0.0, math.inf]]]}, r"but got \[0.0, inf\] at interval 0"),
        ([[SIL]], [[5.0]], {"intervals": [[[0, 10**400]]]}, r"too large for a float"),
        ([[SIL]], [[5.0]], {"intervals": ["0-4"]}, r"but got str '0-4'"),
        (
            [[SIL] * 4],
            [[10.0]],
            {"intervals": [CHUNKS], "onset_tolerance_s": -1},
            r"`onset_tolerance_s` to be a finite number of seconds >= 0",
        ),
        ([[SIL] * 4], [[10.0]], {"intervals": [CHUNKS], "matching": "nearest"}, r"`matching` to be one of"),
        ({"a": [SIL] * 4}, {"a": [10.0], "b": []}, {"intervals": {"a": CHUNKS, "b": []}}, r"missing: 'b'"),
        (
            [[SIL] * 4],
            [[10.0]],
            {"intervals": [CHUNKS], "ratings": {("#0", 0): [1] * 4}, "judge": print},
            r"both",
        ),
    ],
)
def test_bad_input(preds, refs, kwargs, match) -> None:
    with pytest.raises(InputValidationError, match=match):
        score(preds, refs, **kwargs)


def test_bootstrap_and_signature() -> None:
    refs = [[15.0]] * 4 + [[9.0]] * 4
    preds = [_interrupt_at(2)] * 8
    out = score(preds, refs, intervals=[CHUNKS] * 8, bootstrap=50, seed=4, paired_predictions=[[SIL] * 4] * 8)
    assert out["oop_detection_recall"] == 0.5
    low, high = out["ci"]["oop_detection_recall"]
    assert 0.0 <= low <= 0.5 <= high <= 1.0
    assert out["paired"]["oop_detection_recall"]["delta"] == 0.5
    head = out["signature"].rsplit("|v:", 1)[0]
    assert (
        head
        == "oop_recovery|tol:2|match:decision_time|jfail:skip|tags:$interrupt$,$silent$|rt:none|bs:50|ci:0.95|rs:4|paired:yes"
    )


class TestOopModule(MetricTester):
    metric = "oop_recovery"

    def test_module_equals_library(self) -> None:
        refs = [
            [{"onset_s": 15.0, "recovery": "a", "type": "omission"}],
            [{"onset_s": 9.0, "recovery": "b", "type": "ordering"}],
            [],
        ]
        preds = [_interrupt_at(2), _interrupt_at(0), [SIL] * 4]
        self.run_metric_test(preds, refs, batch_size=2, intervals=[CHUNKS] * 3)


def test_card_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import doctest
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(repo)
    card = (repo / "metrics" / "oop_recovery" / "README.md").read_text()
    block = re.search(r"## Examples\n\n```python\n(.*?)```", card, re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "oop-card", "README.md", 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0 and test.examples
