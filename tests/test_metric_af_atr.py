"""evaluate wrappers of AF-S, AF-L and ATR: same numbers via add_batch, one compute and the library."""

from __future__ import annotations

import math
import re
from pathlib import Path

import evaluate
import numpy as np
import pytest

from proceval.scores.af_l import af_l_scores
from proceval.scores.af_s import af_s_scores
from proceval.scores.atr import atr_scores

REPO = Path(__file__).resolve().parents[1]


def _load(name: str) -> evaluate.EvaluationModule:
    return evaluate.load(str(REPO / "metrics" / name))


def _numeric(result: dict) -> dict:
    return {k: v for k, v in result.items() if isinstance(v, (int, float)) and k != "signature"}


def _assert_same(a: dict, b: dict) -> None:
    na, nb = _numeric(a), _numeric(b)
    assert na.keys() == nb.keys()
    for key in na:
        if isinstance(na[key], float) and math.isnan(na[key]):
            assert math.isnan(nb[key]), key
        else:
            assert na[key] == pytest.approx(nb[key], abs=1e-12), key
    assert a["signature"] == b["signature"]


# ------------------------------------------------------------------------------------------- AF-S


def _afs_inputs(seed: int = 0, n: int = 60):
    rng = np.random.default_rng(seed)
    action = rng.integers(0, 8, size=n)
    action[::9] = -100
    verb = rng.integers(-1, 4, size=n)
    noun = rng.integers(-1, 5, size=n)
    hands = rng.choice(["left", "right"], size=n).tolist()
    a_scores = rng.normal(size=(n, 8))
    v_scores = rng.normal(size=(n, 4))
    preds = [
        {"action": a.tolist(), "verb": v.tolist(), "noun": []}
        for a, v in zip(a_scores, v_scores, strict=True)
    ]
    refs = [
        {"action": int(a), "verb": int(v), "noun": int(nn), "hand": h}
        for a, v, nn, h in zip(action, verb, noun, hands, strict=True)
    ]
    return preds, refs, (a_scores, v_scores, action, verb, noun, hands)


def test_af_s_batches_compute_and_library_agree():
    preds, refs, (a_scores, v_scores, action, verb, _noun, hands) = _afs_inputs()
    lib = af_s_scores(
        a_scores, action.tolist(), hands, verb_predictions=v_scores, verb_references=verb.tolist()
    )
    metric = _load("af_s")
    one = metric.compute(predictions=preds, references=refs)
    for start in range(0, len(preds), 25):
        metric.add_batch(predictions=preds[start : start + 25], references=refs[start : start + 25])
    batched = metric.compute()
    _assert_same(one, lib)
    _assert_same(batched, lib)
    assert "overall_noun_mean_top5_recall" not in one  # noun neither predicted nor derivable


def test_af_s_ranked_ids_with_derived_verb_noun():
    amap = {0: [-1, -1], 1: [0, 1], 2: [0, 2], 3: [1, 1]}
    preds = [
        {"action": [2.0, 1.0, 0.0], "verb": [], "noun": []},
        {"action": [3.0], "verb": [], "noun": []},
    ]
    refs = [
        {"action": 1, "verb": 0, "noun": 1, "hand": "left"},
        {"action": 0, "verb": -1, "noun": -1, "hand": "right"},
    ]
    out = _load("af_s").compute(
        predictions=preds, references=refs, prediction_format="ranked_ids", action_to_verb_noun=amap, k=5
    )
    lib = af_s_scores(
        [[2, 1, 0], [3]],
        [1, 0],
        ["left", "right"],
        prediction_format="ranked_ids",
        k=5,
        verb_references=[0, -1],
        noun_references=[1, -1],
        action_to_verb_noun=amap,
    )
    _assert_same(out, lib)
    assert out["overall_verb_mean_top5_recall"] == 1.0 and out["right_action_mean_top5_recall"] == 0.0


def test_af_s_ids_bootstrap_passthrough():
    preds, refs, _ = _afs_inputs(seed=1, n=30)
    ids = [f"i{j}" for j in range(30)]
    out = _load("af_s").compute(predictions=preds, references=refs, ids=ids, bootstrap=50, seed=4)
    assert "overall_action_mean_top5_recall" in out["ci"] and "bs:50" in out["signature"]
    with pytest.raises(ValueError, match="unique ids"):
        _load("af_s").compute(predictions=preds, references=refs, ids=["x"] * 30)


# ------------------------------------------------------------------------------------------- AF-L


def test_af_l_batches_compute_and_library_agree():
    rng = np.random.default_rng(2)
    preds = rng.integers(0, 6, size=(23, 5, 5))
    refs = rng.integers(0, 6, size=(23, 5))
    lib = af_l_scores(preds, refs)
    metric = _load("af_l")
    one = metric.compute(predictions=preds.tolist(), references=refs.tolist())
    for start in range(0, 23, 10):
        metric.add_batch(
            predictions=preds[start : start + 10].tolist(), references=refs[start : start + 10].tolist()
        )
    batched = metric.compute()
    _assert_same(one, lib)
    _assert_same(batched, lib)


def test_af_l_label_names():
    vocab = ["NULL", "A", "B", "C"]
    out = _load("af_l").compute(
        predictions=[[["A", "C"], ["B", "C"]]], references=[["A", "B"]], label_names=vocab
    )
    assert out["aued"] == 0.0


# -------------------------------------------------------------------------------------------- ATR


def test_atr_batches_compute_and_library_agree():
    rng = np.random.default_rng(3)
    scores = rng.random((50, 6))
    labels = (rng.random((50, 6)) < 0.3).astype(int)
    labels[:, 3] = 0  # a class without positives
    lib = atr_scores(scores, labels)
    metric = _load("atr")
    one = metric.compute(predictions=scores.tolist(), references=labels.tolist())
    for start in range(0, 50, 20):
        metric.add_batch(
            predictions=scores[start : start + 20].tolist(), references=labels[start : start + 20].tolist()
        )
    batched = metric.compute()
    _assert_same(one, lib)
    _assert_same(batched, lib)
    assert one["excluded_classes"] == ["ERROR_WRONG_PART"] and one["num_classes_evaluated"] == 5


# ------------------------------------------------------------------------------------- card examples


@pytest.mark.parametrize("name", ["af_s", "af_l", "atr"])
def test_card_examples_run(name, monkeypatch):
    import doctest

    monkeypatch.chdir(REPO)
    text = (REPO / "metrics" / name / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"^```.*$", "", text, flags=re.MULTILINE)  # fences would read as expected output
    test = doctest.DocTestParser().get_doctest(text, {}, f"{name}/README.md", str(REPO / "metrics" / name), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 3 and result.failed == 0


def test_af_s_module_compute_keywords_equal_the_library_entry_point():
    """The af_s module forwards its keywords to one library function: same names, order and defaults."""
    import inspect

    from proceval.scores.af_s import af_s_module_scores

    def keywords(fn, skip):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values() if p.name not in skip]

    module = _load("af_s")
    compute = keywords(module._compute, ("self", "predictions", "references"))
    assert compute == keywords(af_s_module_scores, ("predictions", "references"))
    source = (Path(__file__).resolve().parents[1] / "metrics" / "af_s" / "af_s.py").read_text()
    assert source.count("from proceval") == 1 and "return af_s_module_scores(" in source
