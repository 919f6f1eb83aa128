"""The `ppr` evaluate module: same numbers via add_batch, one compute and the library function."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import evaluate
import numpy as np
import pytest

from proceval.scores.ppr import ppr_scores

METRIC_DIR = Path(__file__).resolve().parents[1] / "metrics" / "ppr"
SCORE_KEYS = ("accuracy", "macro_f1", "f1_normal", "f1_anomaly", "f1_recovery")


@pytest.fixture(scope="module")
def metric():
    return evaluate.load(str(METRIC_DIR))


def _videos(seed=0, n=7):
    rng = np.random.default_rng(seed)
    refs = [np.repeat(rng.integers(0, 3, 8), rng.integers(1, 15, 8)) for _ in range(n)]
    preds = [np.where(rng.random(r.size) < 0.3, rng.integers(0, 3, r.size), r) for r in refs]
    return [p.tolist() for p in preds], [r.tolist() for r in refs]


@pytest.mark.parametrize("aggregate", ["pooled", "per_video"])
def test_add_batch_equals_compute_equals_library(metric, aggregate):
    preds, refs = _videos()
    ids = [f"v{i}" for i in range(len(refs))]
    library = ppr_scores(preds, refs, aggregate=aggregate, ids=ids, tas_convention="fact")
    once = metric.compute(
        predictions=preds, references=refs, aggregate=aggregate, ids=ids, tas_convention="fact"
    )
    for lo in range(0, len(refs), 3):
        metric.add_batch(predictions=preds[lo : lo + 3], references=refs[lo : lo + 3])
    batched = metric.compute(aggregate=aggregate, ids=ids, tas_convention="fact")
    for key in SCORE_KEYS:
        assert once[key] == library[key] == batched[key], key
    assert once["tas"]["edit"] == library["tas"]["edit"] == batched["tas"]["edit"]
    assert once["signature"] == library["signature"] == batched["signature"]
    assert list(batched["per_video"]) == ids


def test_phase_names():
    # a fresh module: evaluate keeps the feature alternative (ints or strings) its first input selected
    metric = evaluate.load(str(METRIC_DIR))
    out = metric.compute(predictions=[["normal", "anomaly"]], references=[["NORMAL", "RECOVERY"]])
    lib = ppr_scores([[0, 1]], [[0, 2]])
    for key in SCORE_KEYS:
        assert out[key] == lib[key]


def test_paired_through_module(metric):
    preds, refs = _videos(1)
    out = metric.compute(predictions=refs, references=refs, paired_predictions=preds, bootstrap=50)
    lib = ppr_scores(refs, refs, paired_predictions=preds, bootstrap=50)
    assert out["paired"] == lib["paired"]


def test_card_examples_run(monkeypatch):
    monkeypatch.chdir(METRIC_DIR.parents[1])
    card = (METRIC_DIR / "README.md").read_text()
    block = re.search(r"## Examples\n\n```python\n(.*?)```", card, re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "ppr-card", str(METRIC_DIR / "README.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 3 and result.failed == 0
