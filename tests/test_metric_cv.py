"""The cv_ta / cv_smr / cv_smc evaluate modules: same numbers via add_batch, one compute, the library."""

from __future__ import annotations

from pathlib import Path

import evaluate
import numpy as np
import pytest

from proceval.errors import InputValidationError
from proceval.scores.cv_smc import cv_smc_scores
from proceval.scores.cv_smr import cv_smr_scores
from proceval.scores.cv_ta import cv_ta_scores

REPO = Path(__file__).resolve().parents[1]


def _drop_signature(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "signature"}


@pytest.fixture(scope="module")
def cv_ta_module():
    return evaluate.load(str(REPO / "metrics" / "cv_ta"))


@pytest.fixture(scope="module")
def cv_smr_module():
    return evaluate.load(str(REPO / "metrics" / "cv_smr"))


@pytest.fixture(scope="module")
def cv_smc_module():
    return evaluate.load(str(REPO / "metrics" / "cv_smc"))


def _ta_inputs(seed: int = 0):
    rng = np.random.default_rng(seed)
    n = 40
    evaluable = [bool(x) for x in rng.random(n) < 0.85]
    preds = [rng.random(int(rng.integers(2, 12))).round(2).tolist() if ok else [] for ok in evaluable]
    refs = [int(rng.integers(0, len(p))) if ok else -1 for p, ok in zip(preds, evaluable, strict=True)]
    pairs = [["front->left", "left->front", "top->ego"][i % 3] for i in range(n)]
    return preds, refs, pairs, evaluable


def test_cv_ta_batches_equal_one_compute_and_library(cv_ta_module) -> None:
    preds, refs, pairs, evaluable = _ta_inputs()
    lib = cv_ta_scores(
        [p if ok else None for p, ok in zip(preds, evaluable, strict=True)], refs, pairs, evaluable=evaluable
    )
    one = cv_ta_module.compute(predictions=preds, references=refs, pairs=pairs, evaluable=evaluable)
    for lo in range(0, 40, 15):
        cv_ta_module.add_batch(predictions=preds[lo : lo + 15], references=refs[lo : lo + 15])
    batched = cv_ta_module.compute(pairs=pairs, evaluable=evaluable)
    assert one == batched == lib
    assert lib["signature"].startswith("cv_ta|in:similarities")


def test_cv_ta_ranks_input(cv_ta_module) -> None:
    r = cv_ta_module.compute(
        predictions=[1, 1, 1, 10, 2, 4],
        references=[0] * 6,
        pairs=["A"] * 3 + ["B"] + ["C"] * 2,
        input_type="ranks",
    )
    assert r["overall_median_rank"] == 3.0


def test_cv_ta_bad_option_raises(cv_ta_module) -> None:
    with pytest.raises(InputValidationError, match="median_rank_reduction"):
        cv_ta_module.compute(predictions=[[0.1]], references=[0], pairs=["A"], median_rank_reduction="mean")


def test_cv_smr_batches_equal_one_compute_and_library(cv_smr_module) -> None:
    rng = np.random.default_rng(1)
    preds = [rng.random(int(rng.integers(0, 15))).round(1).tolist() for _ in range(30)]
    refs = [(rng.random(len(p)) < 0.3).astype(int).tolist() for p in preds]
    views = [["ego", "front", "left"][i % 3] for i in range(30)]
    lib = cv_smr_scores(preds, refs, query_views=views, bootstrap=50, seed=4)
    one = cv_smr_module.compute(predictions=preds, references=refs, query_views=views, bootstrap=50, seed=4)
    for lo in range(0, 30, 7):
        cv_smr_module.add_batch(predictions=preds[lo : lo + 7], references=refs[lo : lo + 7])
    batched = cv_smr_module.compute(query_views=views, bootstrap=50, seed=4)
    assert one == batched == lib
    assert "ci" in lib


def test_cv_smc_batches_equal_one_compute_and_library(cv_smc_module) -> None:
    vocab = ["retrieve_adapter_plate", "store_adapter_plate", "store_tool", "unscrew_anti_vibration_handle"]
    rng = np.random.default_rng(2)
    ref = [vocab[i] for i in rng.integers(0, 3, 50)]
    pred = [vocab[i] for i in rng.integers(0, 4, 50)]
    for level in ("coarse", "verb", "noun", "verb_noun"):
        lib = cv_smc_scores(pred, ref, vocabulary=vocab, label_level=level)
        one = cv_smc_module.compute(predictions=pred, references=ref, vocabulary=vocab, label_level=level)
        for lo in range(0, 50, 20):
            cv_smc_module.add_batch(predictions=pred[lo : lo + 20], references=ref[lo : lo + 20])
        batched = cv_smc_module.compute(vocabulary=vocab, label_level=level)
        assert one == batched == lib
    ids = cv_smc_module.compute(
        predictions=[vocab.index(p) for p in pred], references=[vocab.index(r) for r in ref], vocabulary=vocab
    )
    assert _drop_signature(ids) == _drop_signature(cv_smc_scores(pred, ref, vocabulary=vocab))


def test_ids_name_the_bad_instance(cv_smc_module) -> None:
    with pytest.raises(InputValidationError, match="'seg-b'"):
        cv_smc_module.compute(
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
@pytest.mark.parametrize("name", ["local", "global", "exo2ego"])
def test_cv_ta_module_from_embeddings_equals_the_protocol_helper(
    cv_ta_module, s1_videos_and_trials, name
) -> None:
    from proceval.benchmarks.impact.cv_protocols import build_cv_ta_protocol
    from proceval.benchmarks.impact.cv_scoring import cv_ta_protocol_scores

    videos, trials = s1_videos_and_trials
    protocol = build_cv_ta_protocol(videos, name, trials=trials)
    uids, emb = _segment_embeddings(protocol.segments, seed=3)
    _, other = _segment_embeddings(protocol.segments, seed=4)
    want = cv_ta_protocol_scores(dict(zip(uids, emb, strict=True)), protocol)
    one = cv_ta_module.compute(predictions=emb, references=uids, protocol=protocol)
    for lo in range(0, len(uids), 500):
        cv_ta_module.add_batch(predictions=emb[lo : lo + 500], references=uids[lo : lo + 500])
    batched = cv_ta_module.compute(protocol=protocol)
    assert one == batched == want
    assert 0 < one["num_evaluated_queries"] <= one["num_candidate_queries"]
    paired = cv_ta_module.compute(
        predictions=emb, references=uids, protocol=protocol, paired_predictions=other, bootstrap=20
    )
    assert (
        paired["paired"]
        == cv_ta_protocol_scores(
            dict(zip(uids, emb, strict=True)),
            protocol,
            paired_embeddings=dict(zip(uids, other, strict=True)),
            bootstrap=20,
        )["paired"]
    )


@pytest.mark.impact_release
def test_cv_smr_module_from_embeddings_equals_the_protocol_helper(
    cv_smr_module, s1_videos_and_trials
) -> None:
    from proceval.benchmarks.impact.cv_protocols import build_cv_smr_protocol
    from proceval.benchmarks.impact.cv_scoring import cv_smr_protocol_scores

    videos, trials = s1_videos_and_trials
    protocol = build_cv_smr_protocol(videos, trials=trials)
    uids, emb = _segment_embeddings(protocol.segment_uids, seed=5)
    want = cv_smr_protocol_scores(dict(zip(uids, emb, strict=True)), protocol)
    got = cv_smr_module.compute(predictions=emb, references=uids, protocol=protocol)
    assert got == want
    assert set(got["per_query_view_map"]) == {"ego", "front", "left", "right", "top"}


@pytest.mark.impact_release
def test_embeddings_input_names_the_bad_segment(cv_ta_module, cv_smr_module, s1_videos_and_trials) -> None:
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


def test_cv_smc_module_all_levels_equals_cv_smc_levels_scores(cv_smc_module) -> None:
    from proceval.scores.cv_smc import cv_smc_levels_scores

    vocab = ["retrieve_adapter_plate", "store_adapter_plate", "store_tool", "screw_on_handle"]
    rng = np.random.default_rng(2)
    refs = [vocab[i] for i in rng.integers(0, 4, 40)]
    preds = [
        r if keep else vocab[i] for r, keep, i in zip(refs, rng.random(40) < 0.6, rng.integers(0, 4, 40))
    ]
    want = cv_smc_levels_scores(preds, refs, vocabulary=vocab, bootstrap=10)
    for lo in range(0, 40, 15):
        cv_smc_module.add_batch(predictions=preds[lo : lo + 15], references=refs[lo : lo + 15])
    got = cv_smc_module.compute(vocabulary=vocab, label_level="all", bootstrap=10)
    assert got == want and set(got) == {"coarse", "verb", "noun", "verb_noun"}
    assert got["verb"] == cv_smc_scores(preds, refs, vocabulary=vocab, label_level="verb", bootstrap=10)
    with pytest.raises(InputValidationError, match="`input_level` to be 'coarse' with label_level 'all'"):
        cv_smc_module.compute(
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
    module = evaluate.load(str(REPO / "metrics" / name))
    entry = _entry_points()[name]
    compute = _keywords(module._compute, ("self", "predictions", "references"))
    assert compute == _keywords(entry, ("predictions", "references"))
    source = (REPO / "metrics" / name / f"{name}.py").read_text()
    assert source.count("from proceval") == 1 and f"return {entry.__name__}(" in source
