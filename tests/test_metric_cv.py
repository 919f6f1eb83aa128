"""The cv_ta / cv_smr / cv_smc evaluate modules: same numbers via add_batch, one compute, the library."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers.testers import MetricTester, assert_same_scores, load_metric

from proceval.errors import InputValidationError
from proceval.scores.cv_smc import cv_smc_scores
from proceval.scores.cv_smr import cv_smr_scores
from proceval.scores.cv_ta import cv_ta_scores

REPO = Path(__file__).resolve().parents[1]
SMC_VOCAB = ["retrieve_adapter_plate", "store_adapter_plate", "store_tool", "unscrew_anti_vibration_handle"]


def _drop_signature(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "signature"}


def _ta_inputs(seed: int = 0):
    rng = np.random.default_rng(seed)
    n = 40
    evaluable = [bool(x) for x in rng.random(n) < 0.85]
    preds = [rng.random(int(rng.integers(2, 12))).round(2).tolist() if ok else [] for ok in evaluable]
    refs = [int(rng.integers(0, len(p))) if ok else -1 for p, ok in zip(preds, evaluable, strict=True)]
    pairs = [["front->left", "left->front", "top->ego"][i % 3] for i in range(n)]
    return preds, refs, pairs, evaluable


class TestCvTaModule(MetricTester):
    metric = "cv_ta"

    def test_batches_equal_one_compute_and_library(self) -> None:
        preds, refs, pairs, evaluable = _ta_inputs()
        lib = self.run_metric_test(preds, refs, batch_size=15, pairs=pairs, evaluable=evaluable)
        unevaluable_as_none = [p if ok else None for p, ok in zip(preds, evaluable, strict=True)]
        assert_same_scores(lib, cv_ta_scores(unevaluable_as_none, refs, pairs, evaluable=evaluable))
        assert lib["signature"].startswith("cv_ta|in:similarities")

    def test_ranks_input(self) -> None:
        pairs = ["A"] * 3 + ["B"] + ["C"] * 2
        r = self.run_metric_test([1, 1, 1, 10, 2, 4], [0] * 6, batch_size=4, pairs=pairs, input_type="ranks")
        assert r["overall_median_rank"] == 3.0

    def test_bootstrap_and_paired_through_module(self) -> None:
        preds, refs, pairs, evaluable = _ta_inputs(5)
        other = [np.roll(p, 1).tolist() for p in preds]
        self.run_bootstrap_test(preds, refs, bootstrap=50, seed=3, pairs=pairs, evaluable=evaluable)
        self.run_bootstrap_test(
            preds, refs, bootstrap=50, seed=3, paired_predictions=other, pairs=pairs, evaluable=evaluable
        )


def test_cv_ta_bad_option_raises() -> None:
    with pytest.raises(InputValidationError, match="median_rank_reduction"):
        load_metric("cv_ta").compute(
            predictions=[[0.1]], references=[0], pairs=["A"], median_rank_reduction="mean"
        )


def _smr_inputs(seed: int = 1, n: int = 30):
    rng = np.random.default_rng(seed)
    preds = [rng.random(int(rng.integers(0, 15))).round(1).tolist() for _ in range(n)]
    refs = [(rng.random(len(p)) < 0.3).astype(int).tolist() for p in preds]
    views = [["ego", "front", "left"][i % 3] for i in range(n)]
    other = [rng.random(len(p)).round(1).tolist() for p in preds]
    return preds, refs, views, other


class TestCvSmrModule(MetricTester):
    metric = "cv_smr"

    def test_batches_equal_one_compute_and_library(self) -> None:
        preds, refs, views, _ = _smr_inputs()
        lib = self.run_metric_test(preds, refs, batch_size=7, query_views=views, bootstrap=50, seed=4)
        assert_same_scores(lib, cv_smr_scores(preds, refs, query_views=views, bootstrap=50, seed=4))
        assert "ci" in lib

    def test_bootstrap_and_paired_through_module(self) -> None:
        preds, refs, views, other = _smr_inputs(2)
        self.run_bootstrap_test(
            preds, refs, bootstrap=50, seed=4, paired_predictions=other, query_views=views
        )


def _smc_inputs(seed: int = 2, n: int = 50):
    rng = np.random.default_rng(seed)
    ref = [SMC_VOCAB[i] for i in rng.integers(0, 3, n)]
    pred = [SMC_VOCAB[i] for i in rng.integers(0, 4, n)]
    return pred, ref


class TestCvSmcModule(MetricTester):
    metric = "cv_smc"

    @pytest.mark.parametrize("level", ["coarse", "verb", "noun", "verb_noun"])
    def test_batches_equal_one_compute_and_library(self, level) -> None:
        pred, ref = _smc_inputs()
        self.run_metric_test(pred, ref, batch_size=20, vocabulary=SMC_VOCAB, label_level=level)

    def test_class_ids_score_as_names(self) -> None:
        pred, ref = _smc_inputs()
        ids = self.run_metric_test(
            [SMC_VOCAB.index(p) for p in pred],
            [SMC_VOCAB.index(r) for r in ref],
            batch_size=20,
            vocabulary=SMC_VOCAB,
        )
        assert _drop_signature(ids) == _drop_signature(cv_smc_scores(pred, ref, vocabulary=SMC_VOCAB))

    @pytest.mark.parametrize("level", ["coarse", "all"])
    def test_bootstrap_and_paired_through_module(self, level) -> None:
        pred, ref = _smc_inputs(3)
        self.run_bootstrap_test(pred, ref, bootstrap=50, seed=1, vocabulary=SMC_VOCAB, label_level=level)
        self.run_bootstrap_test(
            pred, ref, bootstrap=50, seed=1, paired_predictions=ref, vocabulary=SMC_VOCAB, label_level=level
        )


def test_ids_name_the_bad_instance() -> None:
    with pytest.raises(InputValidationError, match="'seg-b'"):
        load_metric("cv_smc").compute(
            predictions=["store_tool", "store_toolz"],
            references=["store_tool", "store_tool"],
            vocabulary=["store_tool"],
            ids=["seg-a", "seg-b"],
        )


# ---------------------------------------------------------------- embeddings + protocol (official input)


@pytest.fixture(scope="module")
def s1_videos_and_trials(impact_dataset_dir):
    from proceval.benchmarks.impact.cv_segments import load_cv_annotations, split_trials

    cv = impact_dataset_dir / "CV"
    videos = load_cv_annotations(cv / "annotations_CAS")
    return videos, sorted(split_trials(cv / "splits_CAS", "test", 1))[:6]


def _segment_embeddings(protocol_uids, seed: int, dim: int = 8) -> tuple[list[str], list[list[float]]]:
    rng = np.random.default_rng(seed)
    uids = sorted(protocol_uids)
    return uids, rng.standard_normal((len(uids), dim)).round(3).tolist()


@pytest.mark.impact_release
class TestCvTaModuleFromEmbeddings(MetricTester):
    metric = "cv_ta"

    @pytest.mark.parametrize("name", ["local", "global", "exo2ego"])
    def test_equals_the_protocol_helper(self, s1_videos_and_trials, name) -> None:
        from proceval.benchmarks.impact.cv_protocols import build_cv_ta_protocol
        from proceval.benchmarks.impact.cv_scoring import cv_ta_protocol_scores

        videos, trials = s1_videos_and_trials
        protocol = build_cv_ta_protocol(videos, name, trials=trials)
        uids, emb = _segment_embeddings(protocol.segments, seed=3)
        _, other = _segment_embeddings(protocol.segments, seed=4)
        one = self.run_metric_test(emb, uids, batch_size=500, protocol=protocol)
        assert_same_scores(one, cv_ta_protocol_scores(dict(zip(uids, emb, strict=True)), protocol))
        assert 0 < one["num_evaluated_queries"] <= one["num_candidate_queries"]
        paired = self.run_bootstrap_test(emb, uids, bootstrap=20, paired_predictions=other, protocol=protocol)
        want = cv_ta_protocol_scores(
            dict(zip(uids, emb, strict=True)),
            protocol,
            paired_embeddings=dict(zip(uids, other, strict=True)),
            bootstrap=20,
        )
        assert_same_scores(paired["paired"], want["paired"])


@pytest.mark.impact_release
class TestCvSmrModuleFromEmbeddings(MetricTester):
    metric = "cv_smr"

    def test_equals_the_protocol_helper(self, s1_videos_and_trials) -> None:
        from proceval.benchmarks.impact.cv_protocols import build_cv_smr_protocol
        from proceval.benchmarks.impact.cv_scoring import cv_smr_protocol_scores

        videos, trials = s1_videos_and_trials
        protocol = build_cv_smr_protocol(videos, trials=trials)
        uids, emb = _segment_embeddings(protocol.segment_uids, seed=5)
        got = self.run_metric_test(emb, uids, batch_size=500, protocol=protocol)
        assert_same_scores(got, cv_smr_protocol_scores(dict(zip(uids, emb, strict=True)), protocol))
        assert set(got["per_query_view_map"]) == {"ego", "front", "left", "right", "top"}


@pytest.mark.impact_release
def test_embeddings_input_names_the_bad_segment(s1_videos_and_trials) -> None:
    cv_ta_module, cv_smr_module = load_metric("cv_ta"), load_metric("cv_smr")
    from proceval.benchmarks.impact.cv_protocols import build_cv_smr_protocol, build_cv_ta_protocol

    videos, trials = s1_videos_and_trials
    ta = build_cv_ta_protocol(videos, "local", trials=trials)
    uids, emb = _segment_embeddings(ta.segments, seed=6)
    with pytest.raises(InputValidationError, match=rf"{uids[1]!r} repeats \(position 2\)"):
        cv_ta_module.compute(predictions=emb[:3], references=[uids[0], uids[1], uids[1]], protocol=ta)
    with pytest.raises(InputValidationError, match=r"'nope:0' \(position 0\), which is not a segment"):
        cv_ta_module.compute(predictions=emb[:1], references=["nope:0"], protocol=ta)
    with pytest.raises(InputValidationError, match="Expected an embedding for segment"):
        cv_ta_module.compute(predictions=emb[:5], references=uids[:5], protocol=ta)
    with pytest.raises(InputValidationError, match="Got `pairs` together with `protocol`"):
        cv_ta_module.compute(predictions=emb, references=uids, protocol=ta, pairs=["front->left"] * len(uids))
    smr = build_cv_smr_protocol(videos, trials=trials)
    s_uids, s_emb = _segment_embeddings(smr.segment_uids, seed=7)
    s_emb[4] = [float("nan")] * len(s_emb[4])
    with pytest.raises(
        InputValidationError, match=rf"finite values in the embedding of segment {s_uids[4]!r}"
    ):
        cv_smr_module.compute(predictions=s_emb, references=s_uids, protocol=smr)


class TestCvSmcAllLevels(MetricTester):
    metric = "cv_smc"

    def test_all_levels_equals_cv_smc_levels_scores(self) -> None:
        from proceval.scores.cv_smc import cv_smc_levels_scores

        vocab = ["retrieve_adapter_plate", "store_adapter_plate", "store_tool", "screw_on_handle"]
        rng = np.random.default_rng(2)
        refs = [vocab[i] for i in rng.integers(0, 4, 40)]
        preds = [
            r if keep else vocab[i] for r, keep, i in zip(refs, rng.random(40) < 0.6, rng.integers(0, 4, 40))
        ]
        got = self.run_metric_test(
            preds, refs, batch_size=15, vocabulary=vocab, label_level="all", bootstrap=10
        )
        assert_same_scores(got, cv_smc_levels_scores(preds, refs, vocabulary=vocab, bootstrap=10))
        assert set(got) == {"coarse", "verb", "noun", "verb_noun"}
        assert got["verb"] == cv_smc_scores(preds, refs, vocabulary=vocab, label_level="verb", bootstrap=10)
        with pytest.raises(InputValidationError, match="`input_level` to be 'coarse' with label_level 'all'"):
            self.module.compute(
                predictions=preds, references=refs, vocabulary=vocab, label_level="all", input_level="level"
            )


# ---------------------------------------------------------------- thin modules: one library entry point


def _entry_points():
    from proceval.benchmarks.impact.cv_scoring import cv_smr_module_scores, cv_ta_module_scores
    from proceval.scores.cv_smc import cv_smc_scores as smc

    return {"cv_ta": cv_ta_module_scores, "cv_smr": cv_smr_module_scores, "cv_smc": smc}


def _keywords(fn, skip: tuple[str, ...]) -> list[tuple[str, object]]:
    import inspect

    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values() if p.name not in skip]


@pytest.mark.parametrize("name", ["cv_ta", "cv_smr", "cv_smc"])
def test_module_compute_keywords_equal_the_library_entry_point(name: str) -> None:
    """The module forwards its keywords to one library function: same names, order and defaults."""
    module = load_metric(name)
    entry = _entry_points()[name]
    compute = _keywords(module._compute, ("self", "predictions", "references"))
    assert compute == _keywords(entry, ("predictions", "references"))
    source = (REPO / "metrics" / name / f"{name}.py").read_text()
    assert source.count("from proceval") == 1 and f"return {entry.__name__}(" in source
