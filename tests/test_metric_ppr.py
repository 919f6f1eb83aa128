"""The `ppr` evaluate module: same numbers via add_batch, one compute and the library function."""

from __future__ import annotations

import doctest
import re
from functools import partial
from pathlib import Path

import evaluate
import numpy as np
import pytest
from helpers.testers import MetricTester
from test_score_ppr import _reference_ppr

from proceval.scores.ppr import ppr_scores

METRIC_DIR = Path(__file__).resolve().parents[1] / "metrics" / "ppr"
SCORE_KEYS = ("accuracy", "macro_f1", "f1_normal", "f1_anomaly", "f1_recovery")


def _videos(seed=0, n=7):
    rng = np.random.default_rng(seed)
    refs = [np.repeat(rng.integers(0, 3, 8), rng.integers(1, 15, 8)) for _ in range(n)]
    preds = [np.where(rng.random(r.size) < 0.3, rng.integers(0, 3, r.size), r) for r in refs]
    return [p.tolist() for p in preds], [r.tolist() for r in refs]


@pytest.mark.parametrize("videos", [_videos(0), _videos(1)], ids=["seed0", "seed1"])
class TestPprModule(MetricTester):
    metric = "ppr"
    atol = 1e-12

    @pytest.mark.parametrize("aggregate", ["pooled", "per_video"])
    def test_add_batch_equals_compute_equals_library_and_reference(self, videos, aggregate):
        preds, refs = videos
        ids = [f"v{i}" for i in range(len(refs))]
        out = self.run_metric_test(
            preds,
            refs,
            batch_size=3,
            reference=partial(_reference_ppr, aggregate=aggregate),
            aggregate=aggregate,
            ids=ids,
            tas_convention="fact",
        )
        assert set(SCORE_KEYS) <= set(out) and "edit" in out["tas"]
        assert list(out["per_video"]) == ids

    def test_bootstrap_and_paired_through_module(self, videos):
        preds, refs = videos
        self.run_bootstrap_test(preds, refs, bootstrap=50)
        self.run_bootstrap_test(refs, refs, bootstrap=50, paired_predictions=preds)


def test_phase_names():
    # a fresh module: evaluate keeps the feature alternative (ints or strings) its first input selected
    metric = evaluate.load(str(METRIC_DIR))
    out = metric.compute(predictions=[["normal", "anomaly"]], references=[["NORMAL", "RECOVERY"]])
    lib = ppr_scores([[0, 1]], [[0, 2]])
    for key in SCORE_KEYS:
        assert out[key] == lib[key]


def test_card_examples_run(monkeypatch):
    monkeypatch.chdir(METRIC_DIR.parents[1])
    card = (METRIC_DIR / "README.md").read_text()
    block = re.search(r"## Examples\n\n```python\n(.*?)```", card, re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "ppr-card", str(METRIC_DIR / "README.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 3 and result.failed == 0
