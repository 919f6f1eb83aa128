"""evaluate wrappers of AF-S, AF-L and ATR: same numbers via add_batch, one compute and the library."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from helpers.testers import MetricTester, assert_same_scores, load_metric
from test_score_af_l import _reference_ego4d_edit_distance

from proceval.scores.af_l import af_l_scores
from proceval.scores.af_s import af_s_scores
from proceval.scores.atr import atr_scores

REPO = Path(__file__).resolve().parents[1]


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


class TestAfSModule(MetricTester):
    metric = "af_s"

    def test_batches_compute_and_library_agree(self):
        preds, refs, (a_scores, v_scores, action, verb, _noun, hands) = _afs_inputs()
        lib = self.run_metric_test(preds, refs, batch_size=25)
        assert_same_scores(
            lib,
            af_s_scores(
                a_scores, action.tolist(), hands, verb_predictions=v_scores, verb_references=verb.tolist()
            ),
            atol=1e-12,
        )
        assert "overall_noun_mean_top5_recall" not in lib  # noun neither predicted nor derivable

    def test_ids_bootstrap_and_paired_through_module(self):
        preds, refs, _ = _afs_inputs(seed=1, n=30)
        other, _, _ = _afs_inputs(seed=2, n=30)
        ids = [f"i{j}" for j in range(30)]
        out = self.run_bootstrap_test(preds, refs, ids=ids, bootstrap=50, seed=4)
        assert "overall_action_mean_top5_recall" in out["ci"] and "bs:50" in out["signature"]
        self.run_bootstrap_test(preds, refs, ids=ids, bootstrap=50, seed=4, paired_predictions=other)
        with pytest.raises(ValueError, match="unique ids"):
            self.module.compute(predictions=preds, references=refs, ids=["x"] * 30)


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
    out = load_metric("af_s").compute(
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
    assert_same_scores(out, lib, atol=1e-12)
    assert out["overall_verb_mean_top5_recall"] == 1.0 and out["right_action_mean_top5_recall"] == 0.0


# ------------------------------------------------------------------------------------------- AF-L


def _afl_inputs(seed: int = 2, n: int = 23):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 6, size=(n, 5, 5)).tolist(), rng.integers(0, 6, size=(n, 5)).tolist()


def _reference_af_l(preds, refs):
    # the module takes [N][K][Z]; the Ego4D reference loops over [N, Z, K]
    return _reference_ego4d_edit_distance(np.swapaxes(np.array(preds), 1, 2), np.array(refs))


class TestAfLModule(MetricTester):
    metric = "af_l"
    atol = 1e-12

    def test_batches_compute_library_and_reference_agree(self):
        preds, refs = _afl_inputs()
        lib = self.run_metric_test(preds, refs, batch_size=10, reference=_reference_af_l)
        assert_same_scores(lib, af_l_scores(np.array(preds), np.array(refs)), atol=1e-12)

    def test_bootstrap_and_paired_through_module(self):
        preds, refs = _afl_inputs(4)
        other, _ = _afl_inputs(5)
        self.run_bootstrap_test(preds, refs, bootstrap=50, seed=1)
        self.run_bootstrap_test(preds, refs, bootstrap=50, seed=1, paired_predictions=other)


def test_af_l_label_names():
    vocab = ["NULL", "A", "B", "C"]
    out = load_metric("af_l").compute(
        predictions=[[["A", "B"], ["C", "C"]]], references=[["A", "B"]], label_names=vocab
    )
    assert out["aued"] == 0.0


# -------------------------------------------------------------------------------------------- ATR


def _atr_inputs(seed: int = 3, n: int = 50):
    rng = np.random.default_rng(seed)
    scores = rng.random((n, 6))
    labels = (rng.random((n, 6)) < 0.3).astype(int)
    labels[:, 3] = 0  # a class without positives
    return scores.tolist(), labels.tolist()


class TestAtrModule(MetricTester):
    metric = "atr"

    def test_batches_compute_and_library_agree(self):
        scores, labels = _atr_inputs()
        lib = self.run_metric_test(scores, labels, batch_size=20)
        assert_same_scores(lib, atr_scores(np.array(scores), np.array(labels)), atol=1e-12)
        assert lib["excluded_classes"] == ["ERROR_WRONG_PART"] and lib["num_classes_evaluated"] == 5

    def test_bootstrap_and_paired_through_module(self):
        scores, labels = _atr_inputs(6)
        other, _ = _atr_inputs(7)
        self.run_bootstrap_test(scores, labels, bootstrap=50, seed=2)
        self.run_bootstrap_test(scores, labels, bootstrap=50, seed=2, paired_predictions=other)


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

    module = load_metric("af_s")
    compute = keywords(module._compute, ("self", "predictions", "references"))
    assert compute == keywords(af_s_module_scores, ("predictions", "references"))
    source = (Path(__file__).resolve().parents[1] / "metrics" / "af_s" / "af_s.py").read_text()
    assert source.count("from proceval") == 1 and "return af_s_module_scores(" in source
