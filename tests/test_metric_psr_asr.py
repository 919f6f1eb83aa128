"""The `evaluate` modules metrics/psr and metrics/asr: same numbers via add_batch, one compute, the library."""

from __future__ import annotations

import doctest
import random
import re
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from helpers.testers import MetricTester, assert_same_scores, load_metric
from test_score_asr import _reference_asr

from proceval.scores.asr import asr_scores

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def psr_metric():
    return load_metric("psr")


@pytest.fixture(scope="module")
def asr_metric():
    return load_metric("asr")


def _psr_inputs(seed: int):
    rng = random.Random(seed)
    refs, preds = [], []
    for _ in range(6):
        gt = sorted((rng.randint(0, 300), rng.choice("abcdef")) for _ in range(rng.randint(0, 7)))
        refs.append([{"frame": f, "label": lab, "conf": 1} for f, lab in gt])
        pr = sorted((f + rng.randint(-5, 20), lab if rng.random() < 0.8 else "g") for f, lab in gt)
        preds.append([{"frame": max(f, 0), "label": lab, "conf": rng.choice([0, 1, 1])} for f, lab in pr])
    return preds, refs


PSR_OPTIONS = [
    {"prereq": {}},
    {"prereq": {"b": ["a"], "d": ["a", "c"]}, "matching": "industreal", "no_delay": "industreal"},
    {"pos_variant": "sequential", "occurrences": "first", "empty_video": "one", "matching": "nearest"},
]


@pytest.mark.parametrize("videos", [_psr_inputs(1), _psr_inputs(2)], ids=["seed1", "seed2"])
class TestPsrModule(MetricTester):
    metric = "psr"

    @pytest.mark.parametrize("kwargs", PSR_OPTIONS)
    def test_module_equals_library_and_batches(self, videos, kwargs):
        preds, refs = videos
        self.run_metric_test(preds, refs, batch_size=2, fps=30, **kwargs)

    @pytest.mark.parametrize("kwargs", PSR_OPTIONS[:2])
    def test_bootstrap_and_paired_through_module(self, videos, kwargs):
        preds, refs = videos
        self.run_bootstrap_test(preds, refs, bootstrap=50, seed=3, fps=30, **kwargs)
        self.run_bootstrap_test(preds, refs, bootstrap=50, seed=3, paired_predictions=refs, fps=30, **kwargs)


def test_psr_module_ids_and_errors(psr_metric):
    preds, refs = _psr_inputs(2)
    ids = [f"v{i}" for i in range(len(preds))]
    r = psr_metric.compute(
        predictions=preds, references=refs, fps=30, prereq={}, ids=ids, return_per_video=True
    )
    assert list(r["per_video"]) == ids
    with pytest.raises(ValueError, match="`fps`"):
        psr_metric.compute(predictions=preds, references=refs, prereq={})
    with pytest.raises(ValueError, match="unique"):
        psr_metric.compute(predictions=preds, references=refs, fps=30, prereq={}, ids=["x"] * len(preds))


def _asr_inputs(seed: int, n_videos: int = 5):
    rng = np.random.default_rng(seed)
    refs, preds = [], []
    for _ in range(n_videos):
        n = int(rng.integers(30, 80))
        ref = np.repeat(rng.integers(-1, 2, size=(4, 1)), n, axis=1)
        for c in range(4):
            cut = int(rng.integers(1, n))
            ref[c, cut:] = rng.integers(-1, 2)
        pred = np.roll(ref, int(rng.integers(0, 5)), axis=1)
        refs.append(ref.tolist())
        preds.append(pred.tolist())
    return preds, refs


@pytest.mark.parametrize("videos", [_asr_inputs(3), _asr_inputs(5)], ids=["seed3", "seed5"])
class TestAsrModule(MetricTester):
    metric = "asr"
    atol = 1e-12

    @pytest.mark.parametrize("kwargs", [{}, {"tolerance_frames": 2, "no_transitions": "one"}])
    def test_module_equals_library_batches_and_reference(self, videos, kwargs):
        preds, refs = videos
        reference = partial(
            _reference_asr,
            tolerance=kwargs.get("tolerance_frames", 30),
            empty=kwargs.get("no_transitions", "zero"),
        )
        lib = self.run_metric_test(preds, refs, batch_size=2, reference=reference, **kwargs)
        # numpy arrays into the library give what lists through the module give
        assert_same_scores(
            lib, asr_scores([np.array(p) for p in preds], [np.array(r) for r in refs], **kwargs)
        )

    def test_bootstrap_and_paired_through_module(self, videos):
        preds, refs = videos
        self.run_bootstrap_test(preds, refs, bootstrap=50, seed=1, tolerance_frames=2)
        self.run_bootstrap_test(preds, refs, bootstrap=50, seed=1, paired_predictions=refs)


def test_asr_module_accepts_scores(asr_metric):
    _, refs = _asr_inputs(4, n_videos=2)
    rng = np.random.default_rng(0)
    scores = [rng.normal(size=(4, 3, len(r[0]))).astype(np.float32) for r in refs]
    lib = asr_scores(scores, [np.array(r) for r in refs])
    mod = asr_metric.compute(predictions=[s.tolist() for s in scores], references=refs)
    assert mod == lib


def test_asr_module_length_mismatch_names_video(asr_metric):
    with pytest.raises(ValueError, match=r"'clip9'.*\(3\), but got 2"):
        asr_metric.compute(predictions=[[[0, 1]]], references=[[[0, 1, 1]]], ids=["clip9"])


@pytest.mark.parametrize("name", ["psr", "asr"])
def test_card_examples_run(name, monkeypatch):
    monkeypatch.chdir(REPO)
    text = (REPO / "metrics" / name / "README.md").read_text()
    block = re.search(r"## Examples\n\n```python\n(.*?)```", text, re.S)
    assert block, "card lacks an Examples code block"
    test = doctest.DocTestParser().get_doctest(block.group(1), {}, f"{name}-card", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 2 and result.failed == 0
