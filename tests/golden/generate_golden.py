"""Golden results of the IMPACT metrics: every number each metric produces on fixed, seeded predictions.

For every IMPACT config of the real release and of the sample release (seed 0), this script loads the
test split, builds DETERMINISTIC predictions from the references (perturbed ground truth, one numpy
seed per config), scores them through :func:`proceval.evaluation.runner.evaluate_config` with the
default options and a few option variants per metric (conventions, aggregations, matchings, levels,
a ``bootstrap=50, seed=1`` run and a paired comparison against a second perturbation), and records
the full ``scores`` dict of each case with every ``signature`` string removed (signatures are
recorded apart, for information only). Cheap metrics have a ``bootstrap`` case and a ``paired`` case
(default options: 1000 paired resamples); the slow ones (af_s, cv_*, atr) have one ``bootstrap_paired``
case (``bootstrap=50, seed=1`` plus paired predictions: both ``ci`` and ``paired``), and few, option-
packed variants. NaN scores are written as ``NaN`` (Python's ``json`` reads them back).

Output (``tests/golden/impact_golden.json``, sorted keys, indent 1)::

    {"meta": {...}, "cases": {"<source>/<config>/<metric>/<variant>": scores},
     "signatures": {"<source>/<config>/<metric>/<variant>": signature}}

Usage (from the repository root)::

    python tests/golden/generate_golden.py                 # write tests/golden/impact_golden.json
    python tests/golden/generate_golden.py --check         # regenerate and compare with the file

Only numpy and these proceval functions are used, so that the script is easy to point at a
refactored tree: ``datasets.spec.list_configs``, ``benchmarks.impact.load.load_impact``,
``evaluation.runner.{evaluate_config, metric_for_config}``,
``benchmarks.impact.release_cache.{find_impact_archive, unpack_impact_release}`` and
``sample.write_sample``. The file was generated at commit ``fb4502e``, before result keys were renamed
(``n_*`` counts became ``num_*``); :func:`renamed` maps the file's keys to today's names, and
``tests/test_golden.py`` compares every case with :func:`compare`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import resource
import subprocess
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from proceval.benchmarks.impact.load import load_impact
from proceval.benchmarks.impact.release_cache import find_impact_archive, unpack_impact_release
from proceval.datasets.spec import list_configs
from proceval.evaluation.runner import evaluate_config, metric_for_config
from proceval.sample import write_sample

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_OUT = HERE / "impact_golden.json"
DEFAULT_CACHE = REPO / ".cache" / "golden"
SAMPLE_SEED = 0

BOOTSTRAP = {"bootstrap": 50, "seed": 1}
"""The options of the bootstrap-interval case of every metric (``bootstrap`` or ``bootstrap_paired``)."""

CV_EMBEDDING_DIM = 16


@dataclass(frozen=True)
class Case:
    """One scoring call: a variant name, the predictions, the options and optional paired predictions."""

    variant: str
    predictions: Mapping[str, Any]
    options: Mapping[str, Any]
    paired: Mapping[str, Any] | None = None


@dataclass
class ConfigData:
    """What a case builder gets: the config name, its test split, a train split loader and a seeded rng."""

    name: str
    test: Any  # datasets.Dataset
    load_train: Callable[[], Any]
    rng: np.random.Generator


def config_seed(config: str) -> int:
    """A fixed seed per config name (crc32, stable across Python processes, unlike ``hash``)."""
    return zlib.crc32(config.encode("utf-8"))


def _names(ds: Any, column: str) -> list[str]:
    feat = ds.features[column]
    return list(getattr(feat, "feature", feat).names)


# ----------------------------------------------------------------------------------------- frame tasks


def perturb_frames(labels: np.ndarray, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Ground truth shifted right by 3-11 frames, with ~10% of the GT segments given another label."""
    pred = labels.copy()
    shift = min(int(rng.integers(3, 12)), max(labels.size - 1, 0))
    if shift:
        pred[shift:] = labels[:-shift]
        pred[:shift] = labels[0]
    change = np.flatnonzero(np.diff(labels)) + 1
    starts, ends = np.r_[0, change], np.r_[change, labels.size]
    relabel = rng.random(starts.size) < 0.1
    offsets = rng.integers(1, n_classes, size=starts.size)
    for s, e, lab, off in zip(starts[relabel], ends[relabel], labels[starts[relabel]], offsets[relabel]):
        pred[s:e] = (lab + off) % n_classes
    return pred


def frame_predictions(cd: ConfigData, rng: np.random.Generator) -> dict[str, np.ndarray]:
    n_classes = len(_names(cd.test, "labels"))
    return {
        vid: perturb_frames(np.asarray(lbl, dtype=np.int64), n_classes, rng)
        for vid, lbl in zip(cd.test["video_id"], cd.test["labels"])
    }


def as_names(preds: Mapping[str, np.ndarray], names: Sequence[str]) -> dict[str, list[str]]:
    table = np.asarray(names, dtype=object)
    return {vid: table[p].tolist() for vid, p in preds.items()}


def tas_cases(cd: ConfigData) -> Iterator[Case]:
    preds = frame_predictions(cd, cd.rng)
    for convention in ("mstcn", "fact", "ltcontext", "asquery", "diffact"):
        yield Case(f"conv_{convention}", preds, {} if convention == "mstcn" else {"convention": convention})
    yield Case("per_video_mask_gt", preds, {"aggregate": "per_video", "background_mode": "mask_gt_frames"})
    yield Case("overlaps_30_60_75", preds, {"overlaps": [0.3, 0.6, 0.75]})
    yield Case("ignore_0_24_foreground", preds, {"ignore_labels": [0, 24], "accuracy_frames": "foreground"})
    yield Case(
        "overrides",
        preds,
        {
            "empty_edit": "skip",
            "f1_epsilon": 1e-5,
            "f1_undefined": 1e-6,
            "last_segment_end": "diffact_minus_one",
        },
    )
    yield Case("names", as_names(preds, _names(cd.test, "labels")), {})
    yield Case("bootstrap", preds, BOOTSTRAP)
    yield Case("paired", preds, {}, paired=frame_predictions(cd, cd.rng))


def ppr_cases(cd: ConfigData) -> Iterator[Case]:
    preds = frame_predictions(cd, cd.rng)
    yield Case("pooled", preds, {})
    yield Case("per_video", preds, {"aggregate": "per_video"})
    yield Case("tas_mstcn", preds, {"tas_convention": "mstcn"})
    yield Case("tas_ltcontext_per_video", preds, {"tas_convention": "ltcontext", "aggregate": "per_video"})
    yield Case("names_lower", as_names(preds, [n.lower() for n in _names(cd.test, "labels")]), {})
    yield Case("bootstrap", preds, BOOTSTRAP)
    yield Case("paired", preds, {}, paired=frame_predictions(cd, cd.rng))


# ----------------------------------------------------------------------------------------- cross-view


def cv_segments(ds: Any) -> tuple[list[str], np.ndarray]:
    """Ids ``"{video_id}:{segment_index}"`` and label ids of the non-null segments of a CV split."""
    t = ds.select_columns(["video_id", "segment_index", "label", "is_null"]).to_dict()
    keep = [i for i, null in enumerate(t["is_null"]) if not null]
    ids = [f"{t['video_id'][i]}:{t['segment_index'][i]}" for i in keep]
    return ids, np.asarray([t["label"][i] for i in keep], dtype=np.int64)


def cv_embeddings(cd: ConfigData, rng: np.random.Generator, noise: float) -> dict[str, np.ndarray]:
    """Each segment: its label's random unit prototype plus Gaussian noise of norm about ``noise``."""
    ids, labels = cv_segments(cd.test)
    protos = rng.standard_normal((len(_names(cd.test, "label")), CV_EMBEDDING_DIM))
    protos /= np.linalg.norm(protos, axis=1, keepdims=True)
    noisy = protos[labels] + rng.standard_normal((len(ids), CV_EMBEDDING_DIM)) * (
        noise / np.sqrt(CV_EMBEDDING_DIM)
    )
    return dict(zip(ids, noisy))


def cv_ta_cases(cd: ConfigData) -> Iterator[Case]:
    emb = cv_embeddings(cd, cd.rng, 1.0)
    yield Case("default", emb, {})
    yield Case("pooled_medr_k1_5_10", emb, {"median_rank_reduction": "pooled", "ks": [1, 5, 10]})
    yield Case("all_protocols", emb, {"protocols": ["local", "global", "exo2ego"]})
    yield Case("bootstrap_paired", emb, BOOTSTRAP, paired=cv_embeddings(cd, cd.rng, 1.5))


def cv_smr_cases(cd: ConfigData) -> Iterator[Case]:
    emb = cv_embeddings(cd, cd.rng, 1.0)
    yield Case("default", emb, {})
    # One CV-SMR call on the real S4 test split takes ~6 s (16k queries, a sort per query): two calls.
    paired = cv_embeddings(cd, cd.rng, 1.5)
    yield Case("k1_3_10_bootstrap_paired", emb, {"ks": [1, 3, 10], **BOOTSTRAP}, paired=paired)


def cv_smc_labels(cd: ConfigData, rng: np.random.Generator, vocab: list[str]) -> dict[str, str]:
    """Reference coarse labels (lower case) with 30% replaced by a random label of the train split."""
    ids, labels = cv_segments(cd.test)
    names = [n.lower() for n in _names(cd.test, "label")]
    replace = rng.random(len(ids)) < 0.3
    picks = rng.integers(0, len(vocab), size=len(ids))
    return {
        uid: vocab[p] if r else names[lab] for uid, lab, r, p in zip(ids, labels.tolist(), replace, picks)
    }


def cv_smc_cases(cd: ConfigData) -> Iterator[Case]:
    _, train_labels = cv_segments(cd.load_train())
    names = [n.lower() for n in _names(cd.test, "label")]
    vocab = sorted({names[i] for i in train_labels.tolist()})
    preds = cv_smc_labels(cd, cd.rng, vocab)
    yield Case("all_levels", preds, {})
    yield Case("verb", preds, {"label_levels": ["verb"]})
    yield Case(
        "noun_verb_noun_present", preds, {"label_levels": ["noun", "verb_noun"], "macro_average": "present"}
    )
    yield Case("ids", {k: names.index(v) for k, v in preds.items()}, {})
    yield Case("bootstrap_paired", preds, BOOTSTRAP, paired=cv_smc_labels(cd, cd.rng, vocab))


# ----------------------------------------------------------------------------------------- anticipation


def noisy_scores(targets: np.ndarray, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian logits [N, C] with +2 on the target class (targets < 0 get noise only)."""
    scores = rng.standard_normal((targets.size, n_classes))
    hit = targets >= 0
    scores[np.flatnonzero(hit), targets[hit]] += 2.0
    return scores


def af_s_predictions(cd: ConfigData, rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    """Scores for action, verb and noun of every AF-S row (official protocol or not)."""
    t = cd.test.select_columns(["video_id", "segment_index", "action", "verb", "noun"]).to_dict()
    ids = [f"{v}:{i}" for v, i in zip(t["video_id"], t["segment_index"])]
    blocks = {
        task: noisy_scores(np.asarray(t[task], dtype=np.int64), len(_names(cd.test, task)), rng)
        for task in ("action", "verb", "noun")
    }
    return {uid: {task: blocks[task][i] for task in blocks} for i, uid in enumerate(ids)}


def ranked(preds: Mapping[str, Mapping[str, np.ndarray]], depth: int = 10) -> dict[str, dict[str, list[int]]]:
    """The ``depth`` best class ids per task, best first (stable order for ties)."""
    return {
        uid: {task: np.argsort(-s, kind="stable")[:depth].tolist() for task, s in p.items()}
        for uid, p in preds.items()
    }


def action_to_verb_noun(cd: ConfigData) -> dict[int, tuple[int, int]]:
    """Action id -> (verb id, noun id) of its first train row; (-1, -1) for actions never seen."""
    t = cd.load_train().select_columns(["action", "verb", "noun"]).to_dict()
    mapping = {a: (-1, -1) for a in range(len(_names(cd.test, "action")))}
    seen: set[int] = set()
    for a, v, n in zip(t["action"], t["verb"], t["noun"]):
        if a >= 0 and a not in seen:
            seen.add(a)
            mapping[a] = (v, n)
    return mapping


def af_s_cases(cd: ConfigData) -> Iterator[Case]:
    # Few, option-packed cases: one AF-S call on the real release takes ~8 s (7k instances; af_s.py's
    # `_align` rebuilds `set(ids)` per prediction id, quadratic in the number of instances).
    preds = af_s_predictions(cd, cd.rng)
    n = {task: len(_names(cd.test, task)) for task in ("action", "verb", "noun")}
    even_classes = {task: list(range(0, c, 2)) for task, c in n.items()}
    yield Case("official", preds, {})
    yield Case("all_k10_even_classes", preds, {"instances": "all", "k": 10, "classes": even_classes})
    yield Case(
        "ranked_action_derived_verb_noun",
        {uid: {"action": r["action"]} for uid, r in ranked(preds).items()},
        {"prediction_format": "ranked_ids", "action_to_verb_noun": action_to_verb_noun(cd)},
    )
    yield Case("bootstrap_paired", preds, BOOTSTRAP, paired=af_s_predictions(cd, cd.rng))


def af_l_predictions(cd: ConfigData, rng: np.random.Generator, k: int = 5) -> dict[str, list[list[int]]]:
    """K candidate futures per instance: candidate j is the truth with each step replaced w.p. 0.2 + 0.1 j."""
    n_classes = len(_names(cd.test, "future_steps"))
    out = {}
    for vid, idx, future in zip(cd.test["video_id"], cd.test["instance_index"], cd.test["future_steps"]):
        truth = np.asarray(future, dtype=np.int64)
        p_replace = (0.2 + 0.1 * np.arange(k))[:, None]
        replace = rng.random((k, truth.size)) < p_replace
        random_steps = rng.integers(1, n_classes, size=(k, truth.size))
        out[f"{vid}:{idx}"] = np.where(replace, random_steps, truth[None, :]).tolist()
    return out


def af_l_cases(cd: ConfigData) -> Iterator[Case]:
    preds = af_l_predictions(cd, cd.rng)
    names = _names(cd.test, "future_steps")
    yield Case("default", preds, {})
    yield Case("names", {uid: [[names[s] for s in c] for c in cands] for uid, cands in preds.items()}, {})
    yield Case("one_candidate", {uid: cands[:1] for uid, cands in preds.items()}, {})
    yield Case("bootstrap", preds, BOOTSTRAP)
    yield Case("paired", preds, {}, paired=af_l_predictions(cd, cd.rng))


# ----------------------------------------------------------------------------------------- state / steps


def perturb_events(events: list[dict[str, Any]], rng: np.random.Generator) -> list[dict[str, Any]]:
    """Drop ~15% of the events, move the others by up to ±45 frames, repeat ~10% 60 frames later."""
    out = []
    for e in events:
        if rng.random() < 0.15:
            continue
        frame = max(0, int(e["frame"]) + int(rng.integers(-45, 46)))
        out.append({"frame": frame, "label": e["label"]})
        if rng.random() < 0.1:
            out.append({"frame": frame + 60, "label": e["label"]})
    return sorted(out, key=lambda e: e["frame"])  # stable: equal frames keep their order


def psr_predictions(cd: ConfigData, rng: np.random.Generator, events: str) -> dict[str, list[dict[str, Any]]]:
    """Perturbed ``graph`` events (in-graph only) or ``csv`` completion events (step names)."""
    if events == "graph":
        refs = [
            [{"frame": e["frame"], "label": e["label"]} for e in evs if e["in_graph"]]
            for evs in cd.test["graph_events"]
        ]
    else:
        names = cd.test.features["completion_events"].feature["step_id"].names
        refs = [
            [{"frame": e["frame"], "label": names[e["step_id"]]} for e in evs]
            for evs in cd.test["completion_events"]
        ]
    return {vid: perturb_events(evs, rng) for vid, evs in zip(cd.test["video_id"], refs)}


def psr_cases(cd: ConfigData) -> Iterator[Case]:
    graph = psr_predictions(cd, cd.rng, "graph")
    csv = psr_predictions(cd, cd.rng, "csv")
    yield Case("graph", graph, {})
    yield Case("matching_industreal", graph, {"matching": "industreal"})
    yield Case("matching_nearest", graph, {"matching": "nearest"})
    yield Case("occurrences_first", graph, {"occurrences": "first"})
    yield Case(
        "sequential_one_industreal",
        graph,
        {"pos_variant": "sequential", "empty_video": "one", "no_delay": "industreal"},
    )
    yield Case("per_video_sample_rate2", graph, {"return_per_video": True, "sample_rate": 2})
    yield Case("csv", csv, {"events": "csv"})
    yield Case(
        "csv_nearest_per_video", csv, {"events": "csv", "matching": "nearest", "return_per_video": True}
    )
    yield Case("bootstrap", graph, BOOTSTRAP)
    yield Case("paired", graph, {}, paired=psr_predictions(cd, cd.rng, "graph"))


def expand_states(frames: Sequence[int], states: Sequence[Sequence[int]], num_frames: int) -> np.ndarray:
    """Run-length states (entry i holds from ``frames[i]`` to the next entry) -> int8 ``[C, T]``."""
    f = np.asarray(frames, dtype=np.int64)
    lengths = np.diff(np.r_[f, num_frames])
    return np.repeat(np.asarray(states, dtype=np.int8), lengths, axis=0).T.copy()


def perturb_runs(
    frames: Sequence[int], states: Sequence[Sequence[int]], num_frames: int, rng: np.random.Generator
) -> tuple[list[int], list[list[int]]]:
    """State-change frames moved by up to ±20 (order kept); ~10% of the (entry, component) states replaced."""
    f = list(frames)
    for i in range(1, len(f)):
        moved = f[i] + int(rng.integers(-20, 21))
        upper = frames[i + 1] if i + 1 < len(frames) else num_frames
        if f[i - 1] < moved < upper:
            f[i] = moved
    s = np.asarray(states, dtype=np.int64)
    flip = rng.random(s.shape) < 0.1
    s = np.where(flip, (s + 1 + rng.integers(0, 2, size=s.shape)) % 3 - 1, s)  # another of {-1, 0, 1}
    return f, s.tolist()


def asr_runs(cd: ConfigData, rng: np.random.Generator) -> dict[str, dict[str, Any]]:
    cols = cd.test.select_columns(["video_id", "state_frames", "states", "num_frames"])
    out = {}
    for ex in cols:
        f, s = perturb_runs(ex["state_frames"], ex["states"], ex["num_frames"], rng)
        out[ex["video_id"]] = {"frames": f, "states": s, "num_frames": ex["num_frames"]}
    return out


def dense(runs: Mapping[str, Mapping[str, Any]]) -> dict[str, np.ndarray]:
    return {vid: expand_states(r["frames"], r["states"], r["num_frames"]) for vid, r in runs.items()}


def state_scores(states: np.ndarray, rng: np.random.Generator, block: int = 300) -> np.ndarray:
    """``[C, 3, T]`` scores: one-hot of ``states`` (class k = state k - 1) plus Gaussian noise (sd 0.4)
    drawn per block of ``block`` frames, so the argmax flips a few blocks rather than scattered frames."""
    onehot = (states[:, None, :] == np.array([-1, 0, 1], dtype=np.int8)[None, :, None]).astype(np.float32)
    n_blocks = -(-states.shape[1] // block)
    noise = rng.standard_normal((*onehot.shape[:2], n_blocks), dtype=np.float32) * np.float32(0.4)
    return onehot + np.repeat(noise, block, axis=2)[:, :, : states.shape[1]]


def asr_cases(cd: ConfigData) -> Iterator[Case]:
    runs = asr_runs(cd, cd.rng)
    preds = dense(runs)
    yield Case("dense", preds, {})
    yield Case(
        "runlength", {vid: {"frames": r["frames"], "states": r["states"]} for vid, r in runs.items()}, {}
    )
    yield Case("scores", {vid: state_scores(p, cd.rng) for vid, p in preds.items()}, {})
    yield Case("tolerance10_one", preds, {"tolerance_frames": 10, "no_transitions": "one"})
    yield Case("bootstrap", preds, BOOTSTRAP)
    yield Case("paired", preds, {}, paired=dense(asr_runs(cd, cd.rng)))


def atr_predictions(cd: ConfigData, rng: np.random.Generator) -> dict[str, list[float]]:
    """Per segment six scores: 0.5 x the multi-hot labels plus uniform noise in [0, 1)."""
    labels = np.asarray(cd.test["labels"], dtype=np.float64).reshape(-1, 6)
    scores = 0.5 * labels + rng.random(labels.shape)
    return dict(zip(cd.test["sample_id"], scores.tolist()))


def atr_cases(cd: ConfigData) -> Iterator[Case]:
    preds = atr_predictions(cd, cd.rng)
    yield Case("skip_unlabeled", preds, {})
    yield Case("keep_unlabeled", preds, {"unlabeled": "keep"})
    yield Case("bootstrap_paired", preds, BOOTSTRAP, paired=atr_predictions(cd, cd.rng))


CASES: dict[str, Callable[[ConfigData], Iterator[Case]]] = {
    "tas": tas_cases,
    "ppr": ppr_cases,
    "cv_ta": cv_ta_cases,
    "cv_smr": cv_smr_cases,
    "cv_smc": cv_smc_cases,
    "af_s": af_s_cases,
    "af_l": af_l_cases,
    "psr": psr_cases,
    "asr": asr_cases,
    "atr": atr_cases,
}


# ----------------------------------------------------------------------------------------- collection


def strip_signatures(value: Any) -> Any:
    """A JSON-ready copy: ``signature`` keys dropped at every depth, numpy scalars / arrays as Python."""
    if isinstance(value, Mapping):
        return {str(k): strip_signatures(v) for k, v in value.items() if k != "signature"}
    if isinstance(value, np.ndarray):
        return strip_signatures(value.tolist())
    if isinstance(value, (list, tuple)):
        return [strip_signatures(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if value is None or isinstance(value, (int, str)):
        return value
    raise TypeError(f"unexpected {type(value).__name__} in a score dict: {value!r}")


def resolve_release(release_dir_or_archive: str | Path, cache_dir: Path) -> Path:
    """The release folder; an archive is unpacked once into ``cache_dir``."""
    src = Path(release_dir_or_archive)
    return unpack_impact_release(src, cache_dir) if src.is_file() else src


HEAVY_FIRST: tuple[str, ...] = (
    "af_s",
    "cv_smr",
    "cv_ta",
    "tas",
    "ppr",
    "atr",
    "cv_smc",
    "asr",
    "af_l",
    "psr",
)
"""Metrics in decreasing scoring cost: parallel workers take the slow configs first."""


def score_config(
    release: Path, config: str, metric: str, arrow: Path, source: str
) -> tuple[dict[str, Any], dict[str, str], float]:
    """Every case of one config: ``(cases, signatures, seconds inside evaluate_config)``."""
    cd = ConfigData(
        name=config,
        test=load_impact(release, config, split="test", cache_dir=arrow),
        load_train=lambda: load_impact(release, config, split="train", cache_dir=arrow),
        rng=np.random.default_rng(config_seed(config)),
    )
    cases: dict[str, Any] = {}
    signatures: dict[str, str] = {}
    seconds = 0.0
    for case in CASES[metric](cd):
        key = f"{source}/{config}/{metric}/{case.variant}"
        started = time.perf_counter()
        result = evaluate_config(
            metric,
            release,
            config,
            case.predictions,
            split="test",
            options=dict(case.options),
            paired_predictions=case.paired,
            cache_dir=arrow,
        )
        seconds += time.perf_counter() - started
        cases[key] = strip_signatures(result["scores"])
        signatures[key] = result["signature"]
    return cases, signatures, seconds


def collect(
    release_dir_or_archive: str | Path,
    configs: Sequence[str],
    cache_dir: str | Path,
    *,
    source: str = "real",
    jobs: int = 1,
    timings: dict[str, float] | None = None,
) -> dict[str, dict[str, Any]]:
    """Score every case of ``configs``; returns ``{"cases": {key: scores}, "signatures": {key: sig}}``.

    Keys are ``"<source>/<config>/<metric>/<variant>"``. Configs are scored in ``jobs`` processes
    (the result does not depend on it: each config has its own seed). ``timings`` (if given)
    receives the seconds spent in ``evaluate_config`` per metric, summed over processes.
    """
    cache_dir = Path(cache_dir)
    release = resolve_release(release_dir_or_archive, cache_dir)
    arrow = cache_dir / "arrow" / source
    metric_of = {spec.name: metric_for_config(spec.name, "impact") for spec in list_configs("impact")}
    tasks = sorted(configs, key=lambda c: HEAVY_FIRST.index(metric_of[c]))
    args = [(release, c, metric_of[c], arrow, source) for c in tasks]
    if jobs > 1:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            done = dict(zip(tasks, pool.map(score_config, *zip(*args))))
    else:
        done = {c: score_config(*a) for c, a in zip(tasks, args)}
    out: dict[str, dict[str, Any]] = {"cases": {}, "signatures": {}}
    for config in configs:
        cases, signatures, seconds = done[config]
        out["cases"].update(cases)
        out["signatures"].update(signatures)
        if timings is not None:
            timings[metric_of[config]] = timings.get(metric_of[config], 0.0) + seconds
    return out


def sample_release(cache_dir: Path) -> Path:
    """The IMPACT part of the sample release (seed 0; labels only, the videos do not change a number)."""
    from proceval.sample import writer_fingerprint

    root = cache_dir / f"sample-seed{SAMPLE_SEED}-{writer_fingerprint()}"  # rewritten when the writer changes
    marker = root / ".golden-complete"
    if not marker.is_file():
        write_sample(root, seed=SAMPLE_SEED, videos=False, overwrite=True, progress=False)
        marker.write_text("written by generate_golden.py\n", encoding="utf-8")
    return root / "impact" / "impact-release"


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its finished children (the worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def generate(cache_dir: Path, archive: Path | None = None, jobs: int = 2) -> dict[str, Any]:
    """Golden results of the real release (when its archive is found) and of the sample release."""
    import proceval

    configs = [spec.name for spec in list_configs("impact")]
    archive = archive or find_impact_archive()
    if archive is None:
        raise SystemExit("the IMPACT release archive was not found (set PROCEVAL_IMPACT_ARCHIVE)")
    sources = {"real": archive, "sample": sample_release(cache_dir)}
    out: dict[str, Any] = {
        "meta": {
            "commit": git_commit(),
            "proceval_version": proceval.__version__,
            "configs": configs,
            "sample_seed": SAMPLE_SEED,
            "bootstrap_case": BOOTSTRAP,
        },
        "cases": {},
        "signatures": {},
    }
    for source, release in sources.items():
        timings: dict[str, float] = defaultdict(float)
        started, cpu_started = time.perf_counter(), cpu_seconds()
        part = collect(release, configs, cache_dir, source=source, jobs=jobs, timings=timings)
        total, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        out["cases"].update(part["cases"])
        out["signatures"].update(part["signatures"])
        per_metric = ", ".join(f"{m} {s:.1f}" for m, s in sorted(timings.items(), key=lambda kv: -kv[1]))
        print(
            f"{source}: {len(part['cases'])} cases in {total:.1f} s wall ({cpu:.1f} s CPU, {jobs} jobs); "
            f"in evaluate_config {sum(timings.values()):.1f} s ({per_metric})",
            file=sys.stderr,
        )
    return out


def dumps(golden: Mapping[str, Any]) -> str:
    return json.dumps(golden, sort_keys=True, indent=1) + "\n"


_COUNT_KEY = re.compile(r"(^|_)n_(?=[a-z])")


def renamed(value: Any) -> Any:
    """The golden file's scores with result keys renamed as the refactor did: counts ``n_*`` → ``num_*``
    (``n_instances``, ``left_action_n_classes``, ``per_video[...]["n_gt"]``, ...). Nothing else changed."""
    if isinstance(value, Mapping):
        return {_COUNT_KEY.sub(r"\1num_", k): renamed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v) for v in value]
    return value


def compare(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """Keys whose scores differ (NaN equals NaN: both serialise as ``NaN``), are missing or are new.

    ``expected`` is read from the golden file, whose keys are mapped with :func:`renamed` first.
    """
    exp, act = {k: renamed(v) for k, v in expected["cases"].items()}, actual["cases"]
    problems = [f"missing: {k}" for k in sorted(set(exp) - set(act))]
    problems += [f"new: {k}" for k in sorted(set(act) - set(exp))]
    problems += [
        f"differs: {k}"
        for k in sorted(set(exp) & set(act))
        if json.dumps(exp[k], sort_keys=True) != json.dumps(act[k], sort_keys=True)
    ]
    return problems


def main(
    out_path: str | Path = DEFAULT_OUT,
    *,
    cache_dir: str | Path = DEFAULT_CACHE,
    jobs: int = 2,
    check: bool = False,
) -> int:
    """Write the golden file to ``out_path`` or, with ``check``, compare a fresh run with it."""
    started = time.perf_counter()
    golden = generate(Path(cache_dir), jobs=jobs)
    out_path = Path(out_path)
    if check:
        problems = compare(json.loads(out_path.read_text(encoding="utf-8")), golden)
        print("\n".join(problems[:50]) or f"all {len(golden['cases'])} cases identical", file=sys.stderr)
        return 1 if problems else 0
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(dumps(golden), encoding="utf-8")
    print(
        f"wrote {out_path} ({len(golden['cases'])} cases) in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="golden file (default: %(default)s)")
    parser.add_argument(
        "--cache-dir", default=str(DEFAULT_CACHE), help="unpacked release, Arrow cache, sample"
    )
    parser.add_argument(
        "--check", action="store_true", help="compare a fresh run with --out instead of writing"
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default: %(default)s)")
    args = parser.parse_args()
    sys.exit(main(args.out, cache_dir=args.cache_dir, jobs=args.jobs, check=args.check))
