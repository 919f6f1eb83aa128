"""The `tas` evaluate module: same numbers via add_batch, one compute and the library function."""

from __future__ import annotations

import doctest
import re
from functools import partial
from pathlib import Path

import evaluate
import numpy as np
import pytest
from helpers.testers import MetricTester
from test_score_tas import REFERENCE_CONVENTIONS, _reference_tas

from proceval.scores.tas import TAS_CONVENTIONS, tas_scores

METRIC_DIR = Path(__file__).resolve().parents[1] / "metrics" / "tas"
SCORE_KEYS = (
    "accuracy",
    "accuracy_all_frames",
    "accuracy_foreground",
    "edit",
    "f1_at_10",
    "f1_at_25",
    "f1_at_50",
)


def _videos(seed=0, n=6):
    rng = np.random.default_rng(seed)
    refs, preds = [], []
    for _ in range(n):
        ref = np.repeat(rng.integers(0, 5, 15), rng.integers(1, 12, 15))
        pred = np.where(rng.random(ref.size) < 0.2, rng.integers(0, 5, ref.size), ref)
        refs.append(ref.tolist())
        preds.append(np.roll(pred, 2).tolist())
    return preds, refs


@pytest.mark.parametrize("videos", [_videos(0), _videos(1)], ids=["seed0", "seed1"])
class TestTasModule(MetricTester):
    metric = "tas"
    atol = 1e-12

    @pytest.mark.parametrize("convention", TAS_CONVENTIONS)
    def test_add_batch_equals_compute_equals_library_and_reference(self, videos, convention):
        preds, refs = videos
        ids = [f"v{i}" for i in range(len(refs))]
        reference = partial(_reference_tas, **REFERENCE_CONVENTIONS[convention])
        out = self.run_metric_test(
            preds, refs, batch_size=4, reference=reference, convention=convention, ids=ids
        )
        assert set(SCORE_KEYS) <= set(out)
        assert list(out["per_video"]) == ids

    def test_bootstrap_and_paired_through_module(self, videos):
        preds, refs = videos
        self.run_bootstrap_test(preds, refs, bootstrap=50, seed=2)
        self.run_bootstrap_test(preds, refs, bootstrap=50, seed=2, paired_predictions=refs)


def test_options_and_names_are_forwarded():
    # a fresh module: evaluate keeps the feature alternative (ints or strings) its first input selected
    metric = evaluate.load(str(METRIC_DIR))
    names = ["NULL", "CUT", "WELD"]
    preds = [["CUT", "CUT", "CUT", "WELD"]]
    refs = [["CUT", "NULL", "CUT", "WELD"]]
    out = metric.compute(
        predictions=preds,
        references=refs,
        label_names=names,
        ignore_labels=["NULL"],
        aggregate="per_video",
        overlaps=[0.5, 0.75],
        background_mode="mask_gt_frames",
    )
    lib = tas_scores(
        preds,
        refs,
        label_names=names,
        ignore_labels=["NULL"],
        aggregate="per_video",
        overlaps=[0.5, 0.75],
        background_mode="mask_gt_frames",
    )
    assert out["f1_at_75"] == lib["f1_at_75"] == 1.0
    assert out["edit"] == 1.0


def test_card_examples_run(monkeypatch):
    monkeypatch.chdir(METRIC_DIR.parents[1])
    card = (METRIC_DIR / "README.md").read_text()
    block = re.search(r"## Examples\n\n```python\n(.*?)```", card, re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "tas-card", str(METRIC_DIR / "README.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 3 and result.failed == 0
