"""Baselines for every IMPACT task, on datasets loaded with a videos folder (``decode_video=False``).

* frame tasks (TAS, PPR): nearest centroid of per-frame colour features, trained on the train split;
* CV-TA / CV-SMR: segment embedding = mean colour feature over the segment; CV-SMC: nearest centroid;
* AF-S: train-split class priors (action, verb, noun) as scores for every instance;
* AF-L: a bigram chain of TAS-S steps from the train split, K candidates from the K likeliest next steps;
* ASR: per component, the train-split majority state at the same relative time, per workflow;
* PSR: completion events read off the ASR baseline's states (the IMPACT dense-state → event rule);
* ATR: cosine similarity of the segment's colour feature to each anomaly type's train centroid.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

import datasets
import numpy as np
from sklearn.neighbors import NearestCentroid

from proceval.baselines.features import frame_colour_features, window_mean


def video_path(example: Mapping[str, Any]) -> str:
    """Path of an example's video (``video`` column loaded with ``decode_video=False``)."""
    video = example.get("video")
    if not isinstance(video, Mapping) or not video.get("path"):
        raise ValueError(f"example {example.get('video_id')!r} has no video path; load with a videos folder")
    return str(video["path"])


def _features_by_video(ds: datasets.Dataset) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for ex in ds.select_columns(["video_id", "video"]):
        if ex["video_id"] not in out:
            out[ex["video_id"]] = frame_colour_features(video_path(ex))
    return out


def frame_task(train: datasets.Dataset, test: datasets.Dataset) -> dict[str, np.ndarray]:
    """Per-frame label predictions ``{video_id: labels}`` for a TAS / PPR config."""
    feats = _features_by_video(train)
    X, y = [], []
    for vid, labels in zip(train["video_id"], train["labels"]):
        f = feats[vid]
        n = min(len(f), len(labels))  # the 4-frame CAS/FAS quirk: features follow the video
        X.append(f[:n])
        y.append(np.asarray(labels[:n]))
    clf = NearestCentroid().fit(np.concatenate(X), np.concatenate(y))
    out = {}
    test_feats = _features_by_video(test)
    for vid, n in zip(test["video_id"], test["num_frames"]):
        f = test_feats[vid]
        pred = clf.predict(f)
        if len(pred) < n:  # pad with the last label when the label file is longer than the video
            pred = np.concatenate([pred, np.full(n - len(pred), pred[-1] if len(pred) else 0)])
        out[vid] = pred[:n].astype(np.int64)
    return out


def segment_embeddings(ds: datasets.Dataset) -> dict[str, np.ndarray]:
    """``{"video_id:segment_index": embedding}`` for the non-null rows of a CV config."""
    feats = _features_by_video(ds)
    out = {}
    cols = ds.select_columns(["video_id", "segment_index", "start_frame", "end_frame", "is_null"])
    for ex in cols:
        if not ex["is_null"]:
            out[f"{ex['video_id']}:{ex['segment_index']}"] = window_mean(
                feats[ex["video_id"]], ex["start_frame"], ex["end_frame"]
            )
    return out


def cv_smc(train: datasets.Dataset, test: datasets.Dataset) -> dict[str, str]:
    """Coarse label predictions for the non-null test segments of a CV-SMC config."""
    from proceval.benchmarks.impact.adapters import cv_segment_labels

    emb_train = segment_embeddings(train)
    labels = cv_segment_labels(train)
    keys = list(emb_train)
    clf = NearestCentroid().fit(np.stack([emb_train[k] for k in keys]), [labels[k] for k in keys])
    emb_test = segment_embeddings(test)
    test_keys = list(emb_test)
    pred = clf.predict(np.stack([emb_test[k] for k in test_keys]))
    return dict(zip(test_keys, (str(p) for p in pred)))


def _prior(values: list[int], num_classes: int) -> np.ndarray:
    counts = np.bincount([v for v in values if v >= 0], minlength=num_classes).astype(np.float64)
    return (counts + 1e-3) / (counts.sum() + 1e-3 * num_classes)


def af_s(train: datasets.Dataset, test: datasets.Dataset) -> dict[str, dict[str, list[float]]]:
    """Class-prior scores for every test instance: ``{"video_id:segment_index": {action, verb, noun}}``."""
    priors = {
        task: _prior(list(train[task]), len(train.features[task].names)).tolist()
        for task in ("action", "verb", "noun")
    }
    return {f"{v}:{i}": dict(priors) for v, i in zip(test["video_id"], test["segment_index"])}


def af_l(train: datasets.Dataset, test: datasets.Dataset, k: int = 5) -> dict[str, list[list[int]]]:
    """K candidate futures of Z steps per test instance from a bigram chain of train step sequences."""
    bigram: dict[int, Counter] = defaultdict(Counter)
    unigram: Counter = Counter()
    for obs, fut in zip(train["observed_steps"], train["future_steps"]):
        seq = list(obs) + list(fut)
        unigram.update(seq)
        for a, b in itertools.pairwise(seq):
            bigram[a][b] += 1

    def ranked_next(step: int) -> list[int]:
        nxt = [s for s, _ in bigram[step].most_common()]
        return nxt + [s for s, _ in unigram.most_common() if s not in nxt]

    out = {}
    for vid, idx, obs, fut in zip(
        test["video_id"], test["instance_index"], test["observed_steps"], test["future_steps"]
    ):
        z = len(fut)
        cands = []
        for first in ranked_next(obs[-1])[:k]:
            seq = [first]
            while len(seq) < z:
                seq.append(ranked_next(seq[-1])[0])
            cands.append(seq)
        while len(cands) < k:
            cands.append(cands[-1] if cands else [obs[-1]] * z)
        out[f"{vid}:{idx}"] = cands
    return out


def asr(train: datasets.Dataset, test: datasets.Dataset, bins: int = 20) -> dict[str, np.ndarray]:
    """Dense ``[C, T]`` state predictions: the train majority state per relative-time bin and workflow."""
    from proceval.benchmarks.impact.adapters import reference_states

    train_states = reference_states(train)
    votes: dict[str, np.ndarray] = {}
    for vid, workflow in zip(train["video_id"], train["workflow"]):
        s = train_states[vid]
        C, T = s.shape
        b = np.minimum((np.arange(T) * bins) // max(T, 1), bins - 1)
        v = votes.setdefault(workflow, np.zeros((C, bins, 3)))
        for state in (-1, 0, 1):
            np.add.at(v[:, :, state + 1], (slice(None), b), (s == state).astype(float))
    out = {}
    for vid, workflow, n, init in zip(
        test["video_id"], test["workflow"], test["num_frames"], test["initial_state_vector"]
    ):
        if workflow in votes:
            table = votes[workflow].argmax(axis=2) - 1  # [C, bins]
            b = np.minimum((np.arange(n) * bins) // max(n, 1), bins - 1)
            out[vid] = table[:, b].astype(np.int8)
        else:
            out[vid] = np.repeat(np.asarray(init, dtype=np.int8)[:, None], n, axis=1)
    return out


def psr_from_asr(
    asr_predictions: Mapping[str, np.ndarray],
    component_names: list[str],
    graph_nodes: list[str],
    alias: Mapping[str, str],
) -> dict[str, list[dict[str, Any]]]:
    """Completion events from predicted states (spec §7.2 dense-state → event conversion)."""
    from proceval.benchmarks.impact.state_events import states_to_events

    return {
        vid: [
            {"frame": e["frame"], "label": e["label"]}
            for e in states_to_events(
                states, component_names, graph_nodes=graph_nodes, alias=alias, video_id=vid
            )
        ]
        for vid, states in asr_predictions.items()
    }


def atr(train: datasets.Dataset, test: datasets.Dataset) -> dict[str, list[float]]:
    """Six anomaly-type scores per test segment: cosine similarity to each type's train centroid."""

    def embed(ds: datasets.Dataset) -> dict[str, np.ndarray]:
        feats = _features_by_video(ds)
        cols = ds.select_columns(["sample_id", "video_id", "start_frame", "end_frame"])
        return {
            ex["sample_id"]: window_mean(feats[ex["video_id"]], ex["start_frame"], ex["end_frame"])
            for ex in cols
        }

    emb_train = embed(train)
    n_types = len(train[0]["labels"]) if len(train) else 6
    centroids = np.zeros((n_types, next(iter(emb_train.values())).shape[0]))
    for sid, labels in zip(train["sample_id"], train["labels"]):
        centroids += np.outer(np.asarray(labels, dtype=float), emb_train[sid])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
    out = {}
    for sid, e in embed(test).items():
        e = e / max(np.linalg.norm(e), 1e-9)
        out[sid] = (centroids @ e).tolist()
    return out
