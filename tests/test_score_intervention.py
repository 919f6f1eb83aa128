"""``intervention`` scores against a plain re-implementation of the EgoProactive challenge scorer.

``_reference_official_intervention`` is written from the scorer's rules (spec §1.3; the starter kit's
``run_evaluation.py`` proactive path): a response interrupts iff ``lstrip()`` of it starts with
``$interrupt$``; sessions matched by list order; each session compared position by position over
``min(len(gold), len(pred))`` with ``|len(gold) - len(pred)|`` added to ``skipped_chunks``; counts pooled over
all chunks; P/R/F1 per class with 0/0 = 0; macro = mean, G-mean = sqrt of the product; ``per_task``
with the same formulas; every value rounded to 4 decimals. The pinned tables reuse the starter kit's
own test cases (its ``tests/test_run_evaluation_proactive.py`` values).
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import partial

import numpy as np
import pytest
from helpers.testers import MetricTester, assert_same_scores

from proceval.benchmarks.pro2bench.scoring import intervention_module_scores
from proceval.errors import InputValidationError
from proceval.scores.intervention import binary_decision_scores, intervention_scores

INT, SIL = "$interrupt$", "$silent$"
TAGS = {"interrupt_tag": INT, "silent_tag": SIL}
score = partial(intervention_scores, **TAGS)


def _reference_official_intervention(golden: list[dict], preds: list[dict]) -> dict:
    """The official proactive scorer's numbers, written plainly (rounded to 4 decimals as it prints)."""
    if len(golden) != len(preds):
        raise ValueError("golden and predictions differ in length")

    def tag(response):
        return "interrupt" if response.lstrip().startswith("$interrupt$") else "silent"

    def metrics(c):
        tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]
        ip = tp / (tp + fp) if tp + fp > 0 else 0.0
        ir = tp / (tp + fn) if tp + fn > 0 else 0.0
        if1 = 2 * ip * ir / (ip + ir) if ip + ir > 0 else 0.0
        sp = tn / (tn + fn) if tn + fn > 0 else 0.0
        sr = tn / (tn + fp) if tn + fp > 0 else 0.0
        sf1 = 2 * sp * sr / (sp + sr) if sp + sr > 0 else 0.0
        out = {
            "macro_f1": (if1 + sf1) / 2,
            "gmean_f1": math.sqrt(if1 * sf1),
            "interrupt_precision": ip,
            "interrupt_recall": ir,
            "interrupt_f1": if1,
            "silent_precision": sp,
            "silent_recall": sr,
            "silent_f1": sf1,
        }
        return {**{k: round(v, 4) for k, v in out.items()}, **c, "support": tp + fp + tn + fn}

    total = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
    per_task = defaultdict(lambda: {"tp": 0, "fp": 0, "tn": 0, "fn": 0})
    skipped = 0
    for g, p in zip(golden, preds):
        gold, pred = g["answers"], p.get("answers", [])
        skipped += abs(len(gold) - len(pred))
        task = str(g.get("task", "unknown"))
        per_task[task]  # a session adds its task even when no chunk is scored (defaultdict)
        for j in range(min(len(gold), len(pred))):
            key = {("interrupt", "interrupt"): "tp", ("silent", "interrupt"): "fp"}.get(
                (tag(gold[j]), tag(pred[j])), "tn" if tag(gold[j]) == "silent" else "fn"
            )
            total[key] += 1
            per_task[task][key] += 1
    return {
        "overall": metrics(total),
        "per_task": {t: metrics(c) for t, c in sorted(per_task.items())},
        "skipped_chunks": skipped,
    }


def _official_rows(gold: list[list[str]], pred: list[list[str]], tasks: list[str]):
    golden = [
        {"video_path": f"v{i}.mp4", "task": t, "answers": g} for i, (g, t) in enumerate(zip(gold, tasks))
    ]
    preds = [{"video_path": f"v{i}.mp4", "answers": p} for i, p in enumerate(pred)]
    return golden, preds


def _assert_matches_official(out: dict, ref: dict) -> None:
    for key, value in ref["overall"].items():
        if key == "support":
            assert out["num_decision_points"] == value
        elif isinstance(value, int):
            assert out[key] == value, key
        else:
            assert round(out[key], 4) == value, key
    assert set(out["per_task"]) == set(ref["per_task"])
    for task, want in ref["per_task"].items():
        for key, value in want.items():
            got = out["per_task"][task]["num_decision_points" if key == "support" else key]
            assert (round(got, 4) if isinstance(got, float) else got) == value, (task, key)
    assert out["skipped_chunks"] == ref["skipped_chunks"]


# ----------------------------------------------------------------------------------------- tag parsing
@pytest.mark.parametrize(
    ("answer", "interrupts", "invalid"),
    [
        ("$interrupt$ Add salt now.", True, False),
        ("$interrupt$Add salt now.", True, False),
        ("$interrupt$", True, False),  # no utterance: still an interrupt
        ("   $interrupt$ hello", True, False),  # leading whitespace
        ("\n\t$interrupt$ hello", True, False),
        ("\u3000$interrupt$ hi", True, False),  # str.lstrip strips Unicode whitespace too
        ("$silent$", False, False),
        ("\n\t$silent$", False, False),
        ("$silent$ because the step is not done", False, False),
        ("", False, True),  # empty: silent, reported
        ("Sure, $interrupt$ hi", False, True),  # text before the tag
        ("Sure, here is the answer", False, True),
        ("$INTERRUPT$ hi", False, True),  # case matters
        ("interrupt", False, True),
    ],
)
def test_tag_parsing_is_the_official_rule(answer: str, interrupts: bool, invalid: bool) -> None:
    out = score([[answer]], [["$interrupt$ gold"]])
    assert (out["tp"], out["fn"]) == ((1, 0) if interrupts else (0, 1))
    assert out["num_invalid_predictions"] == int(invalid)
    ref = _reference_official_intervention(*_official_rows([["$interrupt$ gold"]], [[answer]], ["t"]))
    _assert_matches_official(score([[answer]], [["$interrupt$ gold"]], tasks=["t"]), ref)


def test_gold_answers_follow_the_same_rule_and_are_reported() -> None:
    out = score([[SIL, SIL, INT]], [["", "  $interrupt$ x", "Sure, $interrupt$"]])
    assert (out["tp"], out["fp"], out["tn"], out["fn"]) == (0, 1, 1, 1)
    assert out["num_invalid_references"] == 2


# ----------------------------------------------------------------------------------------- pinned values
@pytest.mark.parametrize(
    ("counts", "want"),
    [
        ((7, 3, 5, 3), {"interrupt_f1": 0.7, "silent_f1": 0.625, "macro_f1": 0.6625, "gmean_f1": 0.6614}),
        ((10, 0, 0, 0), {"interrupt_f1": 1.0, "silent_f1": 0.0, "macro_f1": 0.5, "gmean_f1": 0.0}),
        ((5, 0, 5, 0), {"interrupt_f1": 1.0, "silent_f1": 1.0, "macro_f1": 1.0, "gmean_f1": 1.0}),
        ((0, 5, 0, 5), {"interrupt_f1": 0.0, "silent_f1": 0.0, "macro_f1": 0.0, "gmean_f1": 0.0}),
        ((9, 1, 1, 1), {"interrupt_f1": 0.9, "silent_f1": 0.5, "macro_f1": 0.7, "gmean_f1": 0.6708}),
        ((0, 0, 0, 0), {"interrupt_f1": 0.0, "silent_f1": 0.0, "macro_f1": 0.0, "gmean_f1": 0.0}),
        (
            (0, 0, 4, 0),
            {"interrupt_precision": 0.0, "interrupt_recall": 0.0, "silent_f1": 1.0, "gmean_f1": 0.0},
        ),
    ],
    ids=["mixed", "all_interrupt", "perfect", "all_wrong", "asymmetric", "empty", "no_interrupts"],
)
def test_binary_scores_pinned(counts: tuple[int, int, int, int], want: dict) -> None:
    got = binary_decision_scores(*counts)
    for key, value in want.items():
        assert round(got[key], 4) == value, key


def test_known_mixed_sessions_per_task() -> None:
    """The starter kit's 5-session case: tp=7, fp=3, tn=5, fn=3; Cooking macro 0.5, Crafts 1.0."""
    cooking_gold = [f"{INT} a", SIL, f"{INT} b", SIL]
    cooking_pred = [f"{INT} a", SIL, SIL, f"{INT} x"]
    crafts = [f"{INT} a", f"{INT} b", SIL]
    gold = [cooking_gold] * 3 + [crafts] * 2
    pred = [cooking_pred] * 3 + [crafts] * 2
    tasks = ["Cooking"] * 3 + ["Crafts"] * 2
    out = score(pred, gold, tasks=tasks, domains=["Food"] * 3 + ["Arts"] * 2)
    assert (out["tp"], out["fp"], out["tn"], out["fn"], out["num_decision_points"]) == (7, 3, 5, 3, 18)
    assert round(out["macro_f1"], 4) == round((0.7 + 0.625) / 2, 4)
    assert out["per_task"]["Cooking"]["num_decision_points"] == 12
    assert out["per_task"]["Cooking"]["macro_f1"] == 0.5
    assert out["per_task"]["Crafts"]["macro_f1"] == 1.0
    assert (
        out["per_domain"]["Food"]["macro_f1"] == 0.5 and out["per_domain"]["Arts"]["num_decision_points"] == 6
    )
    _assert_matches_official(out, _reference_official_intervention(*_official_rows(gold, pred, tasks)))


def test_always_silent_collapses_gmean() -> None:
    out = score([[SIL, SIL, SIL]], [[f"{INT} x", SIL, SIL]])
    assert out["interrupt_recall"] == 0.0 and out["interrupt_f1"] == 0.0 and out["gmean_f1"] == 0.0
    assert out["silent_f1"] == 0.8 and out["macro_f1"] == 0.4


# ----------------------------------------------------------------------------------------- lengths
def test_length_mismatch_is_an_error_by_default() -> None:
    with pytest.raises(InputValidationError, match=r"session 'b'.*\(3\), but got 2.*truncate"):
        score({"a": [SIL], "b": [INT, SIL]}, {"a": [SIL], "b": [INT, SIL, SIL]})


@pytest.mark.parametrize(
    ("pred", "gold", "support", "skipped"),
    [
        ([f"{INT} x", SIL], [f"{INT} x", SIL, SIL], 2, 1),  # prediction short (the starter kit's case)
        ([f"{INT} x", SIL, INT, INT], [f"{INT} x", SIL], 2, 2),  # prediction long: counted too
        ([], [f"{INT} x", SIL], 0, 2),  # nothing predicted
    ],
)
def test_truncate_reproduces_the_official_scorer(pred, gold, support, skipped) -> None:
    out = score([pred], [gold], length_mismatch="truncate", tasks=["X"])
    assert out["num_decision_points"] == support and out["skipped_chunks"] == skipped
    assert out["per_session"]["#0"]["skipped_chunks"] == skipped
    _assert_matches_official(out, _reference_official_intervention(*_official_rows([gold], [pred], ["X"])))
    assert "len:truncate" in out["signature"]


# ----------------------------------------------------------------------------------------- seeded vs reference
def _random_answers(rng: np.random.Generator, n: int) -> list[str]:
    pool = [
        f"{INT} step",
        INT,
        SIL,
        "",
        "  $interrupt$ x",
        "\n$silent$",
        "Sure, $interrupt$",
        "nonsense",
        "$silent$ no",
    ]
    return [pool[k] for k in rng.integers(0, len(pool), size=n)]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("length_mismatch", ["error", "truncate"])
def test_seeded_sessions_equal_the_official_scorer(seed: int, length_mismatch: str) -> None:
    rng = np.random.default_rng(seed)
    n_sessions = 40
    gold = [_random_answers(rng, int(rng.integers(1, 25))) for _ in range(n_sessions)]
    if length_mismatch == "error":
        pred = [_random_answers(rng, len(g)) for g in gold]
    else:
        pred = [_random_answers(rng, max(0, len(g) + int(rng.integers(-3, 4)))) for g in gold]
    tasks = [f"task{int(k)}" for k in rng.integers(0, 4, size=n_sessions)]
    out = score(pred, gold, tasks=tasks, length_mismatch=length_mismatch)
    _assert_matches_official(out, _reference_official_intervention(*_official_rows(gold, pred, tasks)))


def test_mapping_and_list_inputs_agree_and_order_is_by_id() -> None:
    gold = {"a": [f"{INT} x", SIL], "b": [SIL, SIL, f"{INT} y"]}
    pred = {"b": [SIL, INT, f"{INT} y"], "a": [SIL, SIL]}  # another order: matched by id
    by_map = score(pred, gold, tasks={"a": "T1", "b": "T2"})
    by_list = score([pred["a"], pred["b"]], [gold["a"], gold["b"]], ids=["a", "b"], tasks=["T1", "T2"])
    assert_same_scores(by_map, by_list)
    assert by_map["per_session"]["b"] == {
        "tp": 1,
        "fp": 1,
        "tn": 1,
        "fn": 0,
        "skipped_chunks": 0,
        "num_invalid_predictions": 0,
    }


# ----------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("preds", "refs", "kwargs", "match"),
    [
        ({"a": [SIL]}, {"a": [SIL], "b": [SIL]}, {}, r"missing: 'b'"),
        ({"a": [SIL], "c": [SIL]}, {"a": [SIL]}, {}, r"no reference: 'c'"),
        ([[SIL]], [[SIL], [SIL]], {}, r"as many predictions as references"),
        ([[SIL], [SIL]], [[SIL], [SIL]], {"ids": ["x", "x"]}, r"unique ids.*'x'"),
        ({"a": [SIL, None]}, {"a": [SIL, SIL]}, {}, r"session 'a'.*NoneType None at decision point 1"),
        ({"a": "$silent$"}, {"a": [SIL]}, {}, r"session 'a' to be a list of answer strings"),
        (
            [[SIL]],
            [[SIL]],
            {"length_mismatch": "pad"},
            r"`length_mismatch` to be one of 'error' or 'truncate'",
        ),
        ([[SIL]], [[SIL]], {"tasks": ["a", "b"]}, r"one `tasks` entry per session \(1\), but got 2"),
        ({"a": [SIL]}, {"a": [SIL]}, {"tasks": {"b": "x"}}, r"`tasks` entry for every session, but 'a'"),
        ([[SIL]], [[SIL]], {"bootstrap": -1}, r"`bootstrap` to be a non-negative integer"),
    ],
)
def test_bad_input(preds, refs, kwargs, match) -> None:
    with pytest.raises(InputValidationError, match=match):
        score(preds, refs, **kwargs)


@pytest.mark.parametrize(
    ("tags", "match"),
    [
        ({"interrupt_tag": "", "silent_tag": SIL}, r"`interrupt_tag` to be a non-empty string"),
        ({"interrupt_tag": " $i$", "silent_tag": SIL}, r"without leading whitespace"),
        ({"interrupt_tag": "$x$", "silent_tag": "$x$y"}, r"not prefixes of each other"),
    ],
)
def test_bad_tags(tags, match) -> None:
    with pytest.raises(InputValidationError, match=match):
        intervention_scores([[SIL]], [[SIL]], **tags)


def test_other_tags_are_parameters() -> None:
    out = intervention_scores(
        [["<speak> hi", "<quiet>"]],
        [["<speak> yo", "<speak> x"]],
        interrupt_tag="<speak>",
        silent_tag="<quiet>",
    )
    assert (out["tp"], out["fn"]) == (1, 1)
    assert "tags:<speak>,<quiet>" in out["signature"]


# ----------------------------------------------------------------------------------------- bootstrap
def test_bootstrap_resamples_sessions_not_chunks() -> None:
    rng = np.random.default_rng(5)
    gold = [_random_answers(rng, int(rng.integers(1, 12))) for _ in range(15)]
    pred = [_random_answers(rng, len(g)) for g in gold]
    out = score(pred, gold, bootstrap=200, seed=3)
    # plain reference: the same session indices, counts recomputed per resample
    per_session = [score([p], [g]) for p, g in zip(pred, gold)]
    counts = np.array([[s["tp"], s["fp"], s["tn"], s["fn"]] for s in per_session])
    idx = np.random.default_rng(3).integers(0, len(gold), size=(200, len(gold)))
    values = [binary_decision_scores(*counts[row].sum(axis=0))["macro_f1"] for row in idx]
    low, high = np.quantile(values, [0.025, 0.975])
    assert out["ci"]["macro_f1"] == pytest.approx([low, high], abs=1e-12)
    assert out["signature"].endswith("|bs:200|ci:0.95|rs:3|v:" + out["signature"].rsplit("|v:", 1)[1])


def test_paired_comparison() -> None:
    gold = [[f"{INT} x", SIL, SIL, f"{INT} y"]] * 6
    good = [[f"{INT} x", SIL, SIL, f"{INT} y"]] * 6
    bad = [[SIL, SIL, SIL, SIL]] * 6
    out = score(good, gold, paired_predictions=bad, seed=1)
    assert out["paired"]["gmean_f1"]["delta"] == 1.0
    assert "paired:yes" in out["signature"] and "bs:1000" in out["signature"]


def test_signature_pinned() -> None:
    sig = intervention_module_scores([[SIL]], [[SIL]])["signature"]
    assert sig.rsplit("|v:", 1)[0] == "intervention|len:error|tags:$interrupt$,$silent$"


# ----------------------------------------------------------------------------------------- evaluate module
def _reference_scores(pred: list[list[str]], gold: list[list[str]]) -> dict:
    """The official scorer's overall numbers under the library's keys (4 decimals)."""
    ref = _reference_official_intervention(*_official_rows(gold, pred, ["t"] * len(gold)))["overall"]
    return {k: v for k, v in ref.items() if k != "support"}


class TestInterventionModule(MetricTester):
    metric = "intervention"
    atol = 5e-5 + 1e-12  # the official scorer rounds to 4 decimals

    def test_module_equals_library(self) -> None:
        rng = np.random.default_rng(7)
        gold = [_random_answers(rng, int(rng.integers(1, 10))) for _ in range(9)]
        pred = [_random_answers(rng, len(g)) for g in gold]
        self.run_metric_test(pred, gold, batch_size=4, reference=_reference_scores)

    def test_bootstrap(self) -> None:
        rng = np.random.default_rng(8)
        gold = [_random_answers(rng, int(rng.integers(1, 10))) for _ in range(9)]
        pred = [_random_answers(rng, len(g)) for g in gold]
        other = [_random_answers(rng, len(g)) for g in gold]
        self.run_bootstrap_test(pred, gold, bootstrap=30, seed=2, paired_predictions=other)


def test_card_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import doctest
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(repo)
    card = (repo / "metrics" / "intervention" / "README.md").read_text()
    block = re.search(r"## Examples\n\n```python\n(.*?)```", card, re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "intervention-card", "README.md", 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0 and test.examples
