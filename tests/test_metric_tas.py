"""The `tas` evaluate module: same numbers via add_batch, one compute and the library function."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import evaluate
import numpy as np
import pytest

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


@pytest.fixture(scope="module")
def metric():
    return evaluate.load(str(METRIC_DIR))


def _videos(seed=0, n=6):
    rng = np.random.default_rng(seed)
    refs, preds = [], []
    for _ in range(n):
        ref = np.repeat(rng.integers(0, 5, 15), rng.integers(1, 12, 15))
        pred = np.where(rng.random(ref.size) < 0.2, rng.integers(0, 5, ref.size), ref)
        refs.append(ref.tolist())
        preds.append(np.roll(pred, 2).tolist())
    return preds, refs


@pytest.mark.parametrize("convention", TAS_CONVENTIONS)
def test_add_batch_equals_compute_equals_library(metric, convention):
    preds, refs = _videos()
    ids = [f"v{i}" for i in range(len(refs))]
    library = tas_scores(preds, refs, convention=convention, ids=ids)
    once = metric.compute(predictions=preds, references=refs, convention=convention, ids=ids)
    for lo in range(0, len(refs), 4):
        metric.add_batch(predictions=preds[lo : lo + 4], references=refs[lo : lo + 4])
    batched = metric.compute(convention=convention, ids=ids)
    for key in SCORE_KEYS:
        assert once[key] == library[key] == batched[key], key
    assert once["signature"] == library["signature"] == batched["signature"]
    assert list(batched["per_video"]) == ids


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


def test_bootstrap_through_module(metric):
    preds, refs = _videos(1)
    out = metric.compute(predictions=preds, references=refs, bootstrap=50, seed=2)
    lib = tas_scores(preds, refs, bootstrap=50, seed=2)
    assert out["ci"] == lib["ci"]


def test_card_examples_run(monkeypatch):
    monkeypatch.chdir(METRIC_DIR.parents[1])
    card = (METRIC_DIR / "README.md").read_text()
    block = re.search(r"## Examples\n\n```python\n(.*?)```", card, re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "tas-card", str(METRIC_DIR / "README.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 3 and result.failed == 0
