"""The `grounding` evaluate module: add_batch, one compute, the library function and the plain reference agree."""

from __future__ import annotations

import doctest
import re
from functools import partial
from pathlib import Path

import evaluate
import pytest
from helpers.testers import MetricTester
from test_score_grounding import _random_questions, _reference_official_grounding

from proceval.scores.grounding import grounding_scores

METRIC_DIR = Path(__file__).resolve().parents[1] / "metrics" / "grounding"


def _float_spans(questions):
    return [[[float(s), float(e)] for s, e in q] for q in questions]


@pytest.mark.parametrize("seed", [0, 1], ids=["seed0", "seed1"])
class TestGroundingModule(MetricTester):
    metric = "grounding"
    atol = 1e-12

    @pytest.mark.parametrize(
        ("kwargs", "ref_kwargs"),
        [
            ({}, {}),
            (
                {"span_mode": "integer_inclusive", "merge": False, "empty_prediction": "skip"},
                {"inclusive": True, "merge": False, "skip": True},
            ),
        ],
        ids=["toolkit", "multihop_egoqa"],
    )
    def test_add_batch_equals_compute_equals_library_and_reference(self, seed, kwargs, ref_kwargs):
        preds, refs = _random_questions(seed, n=25, integer=bool(kwargs))
        preds, refs = _float_spans(preds), _float_spans(refs)
        ids = [f"q{i}" for i in range(len(refs))]
        qa_types = ["a" if i % 2 else "b" for i in range(len(refs))]
        out = self.run_metric_test(
            preds,
            refs,
            batch_size=7,
            reference=partial(_reference_official_grounding, **ref_kwargs),
            ids=ids,
            qa_types=qa_types,
            **kwargs,
        )
        assert out["per_question"]["id"] == ids and set(out["per_qa_type"]) == {"a", "b"}

    def test_bootstrap_and_paired_through_module(self, seed):
        preds, refs = _random_questions(seed, n=20)
        preds, refs = _float_spans(preds), _float_spans(refs)
        self.run_bootstrap_test(preds, refs, bootstrap=30)
        self.run_bootstrap_test(refs, refs, bootstrap=30, paired_predictions=preds)


def test_text_predictions_through_the_module():
    metric = evaluate.load(str(METRIC_DIR))  # a fresh module: the text alternative of the features
    preds = ['{"answer": "a", "evidence": [[0, 2]]}', "12-14s", "I am not sure."]
    refs = [[[0.0, 2.0]], [[12.0, 13.0]], [[1.0, 2.0]]]
    out = metric.compute(predictions=preds, references=refs)
    lib = grounding_scores(preds, refs)
    assert out["mean_iou"] == lib["mean_iou"] == pytest.approx(0.5)
    assert out["num_unparseable_predictions"] == 1


def test_card_examples_run(monkeypatch):
    monkeypatch.chdir(METRIC_DIR.parents[1])
    card = (METRIC_DIR / "README.md").read_text()
    block = re.search(r"## Examples\n\n```python\n(.*?)```", card, re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "grounding-card", str(METRIC_DIR / "README.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 4 and result.failed == 0
