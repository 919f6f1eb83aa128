"""Per-metric adapters: a dataset split (references) + predictions keyed by id → a score function call.

Each adapter says which ids predictions are keyed by and what a prediction looks like, in the
lmms-eval sense of ``process_results``: the dataset rows give the references, the metric's pure
score function in :mod:`proceval.scores` does the math. Predictions are always matched to references
by id (never by position); a missing or unknown id is an error naming it.

| metric | id | prediction |
| --- | --- | --- |
| tas, ppr | ``video_id`` | per-frame labels (ids or official names), one per frame |
| cv_ta, cv_smr | ``"{video_id}:{segment_index}"`` (non-null segments) | embedding vector |
| cv_smc | ``"{video_id}:{segment_index}"`` (non-null segments) | coarse label (lower-case name or id) |
| af_s | ``"{video_id}:{segment_index}"`` | ``{"action": scores or ranked ids, "verb": ..., "noun": ...}`` |
| af_l | ``"{video_id}:{instance_index}"`` | ``[K][Z]``: K candidate futures, each Z step labels (ids or names) |
| psr | ``video_id`` | events ``[{"frame": int, "label": str}, ...]`` in time order |
| asr | ``video_id`` | dense states ``[17][T]`` in {-1, 0, 1}, or ``{"frames": [...], "states": [[17 ints], ...]}`` |
| atr | ``sample_id`` | six scores (one per anomaly type) |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import as_array, format_id, format_ids, to_label_ids

if TYPE_CHECKING:
    import datasets


def _names(ds: datasets.Dataset, column: str) -> list[str]:
    feat = ds.features[column]
    inner = getattr(feat, "feature", feat)
    return list(inner.names)


# ----------------------------------------------------------------------------------------- frame tasks


def frame_ids(ds: datasets.Dataset) -> list[str]:
    """Prediction ids of a TAS / PPR split: its ``video_id`` column, in row order."""
    return list(ds["video_id"])


def _frame_predictions(ds: datasets.Dataset, predictions: Mapping[str, Any] | None) -> dict | None:
    if predictions is None:
        return None
    lookup = {n: i for i, n in enumerate(_names(ds, "labels"))}
    return {
        vid: to_label_ids(list(p) if not isinstance(p, np.ndarray) else p, lookup, vid)
        for vid, p in predictions.items()
    }


def _frame_references(ds: datasets.Dataset) -> dict[str, np.ndarray]:
    return {vid: np.asarray(lbl, dtype=np.int64) for vid, lbl in zip(ds["video_id"], ds["labels"])}


def score_tas(ds, predictions, options, ctx, paired=None):
    """TAS scores of per-frame label predictions: ``tas_scores(predictions, references, ...)``.

    Predictions (``video_id -> one label per frame``, ids or official names) are converted to label ids;
    the references are the split's ``labels`` column. ``options`` are :class:`~proceval.scores.tas.TasOptions`
    keywords, ``ctx`` is unused; see :data:`proceval.registry.ScoreFn` for the signature.
    """
    from proceval.scores.tas import tas_scores

    return tas_scores(
        _frame_predictions(ds, predictions),
        _frame_references(ds),
        num_classes=len(_names(ds, "labels")),  # the config's label map, not the split's largest id
        paired_predictions=_frame_predictions(ds, paired),
        **options,
    )


def score_ppr(ds, predictions, options, ctx, paired=None):
    """PPR scores of per-frame label predictions: ``ppr_scores(predictions, references, ...)``.

    Predictions and references are read as in :func:`score_tas`; ``options`` are
    :func:`~proceval.scores.ppr.ppr_scores` keywords, ``ctx`` is unused.
    """
    from proceval.scores.ppr import ppr_scores

    return ppr_scores(
        _frame_predictions(ds, predictions),
        _frame_references(ds),
        paired_predictions=_frame_predictions(ds, paired),
        **options,
    )


# ----------------------------------------------------------------------------------------- cross-view


def cv_segment_labels(ds: datasets.Dataset) -> dict[str, str]:
    """``{"video_id:segment_index": lower-case coarse label}`` for the non-null rows of a CV config."""
    names = [n.lower() for n in _names(ds, "label")]
    t = ds.select_columns(["video_id", "segment_index", "label", "is_null"]).to_dict()
    return {
        f"{vid}:{idx}": names[lab]
        for vid, idx, lab, null in zip(t["video_id"], t["segment_index"], t["label"], t["is_null"])
        if not null
    }


def cv_ids(ds: datasets.Dataset) -> list[str]:
    """Prediction ids of a cross-view split: ``"{video_id}:{segment_index}"`` of its non-null segments."""
    return list(cv_segment_labels(ds))


def score_cv_ta(ds, predictions, options, ctx, paired=None):
    """CV-TA scores of segment embeddings per protocol: ``{protocol: cv_ta_protocol_scores(...)}``.

    Each protocol is built from the split's segments by
    :func:`~proceval.benchmarks.impact.cv_protocols.build_cv_ta_protocol`. The adapter option ``protocols``
    (names, or one comma-separated string) picks them; by default ``exo2ego`` for an ``s4`` config,
    otherwise ``local`` and ``global``.

    Raises:
        InputValidationError: ``input_type`` is not ``"similarities"`` (predictions are embeddings here).
    """
    from proceval.benchmarks.impact.cv_protocols import build_cv_ta_protocol
    from proceval.benchmarks.impact.cv_scoring import cv_ta_protocol_scores
    from proceval.benchmarks.impact.cv_segments import cv_segments_from_rows

    options = dict(options)
    protocols = options.pop("protocols", None) or (
        ("exo2ego",) if ctx.protocol == "s4" else ("local", "global")
    )
    if isinstance(protocols, str):  # one name, or comma-separated names
        protocols = [p.strip() for p in protocols.split(",") if p.strip()]
    input_type = options.pop("input_type", "similarities")
    if input_type != "similarities":  # predictions are segment embeddings: the protocol ranks them
        raise InputValidationError(
            f"Expected argument `input_type` to be 'similarities' for cv_ta configs (segment embeddings), "
            f"but got {input_type!r}."
        )
    segments = cv_segments_from_rows(ds)
    return {
        name: cv_ta_protocol_scores(
            predictions, build_cv_ta_protocol(segments, name), paired_embeddings=paired, **options
        )
        for name in protocols
    }


def score_cv_smr(ds, predictions, options, ctx, paired=None):
    """CV-SMR scores of segment embeddings under the split's protocol: ``cv_smr_protocol_scores(...)``."""
    from proceval.benchmarks.impact.cv_protocols import build_cv_smr_protocol
    from proceval.benchmarks.impact.cv_scoring import cv_smr_protocol_scores
    from proceval.benchmarks.impact.cv_segments import cv_segments_from_rows

    protocol = build_cv_smr_protocol(cv_segments_from_rows(ds))
    return cv_smr_protocol_scores(predictions, protocol, paired_embeddings=paired, **options)


def score_cv_smc(ds, predictions, options, ctx, paired=None):
    """Every label level of coarse predictions in one call: ``{level: scores}``.

    ``label_levels`` (a list or comma-separated names) picks levels; ``label_level`` picks one (``all``, the
    default, is the four).
    """
    from proceval.scores.cv_smc import CV_SMC_LABEL_LEVELS, CvSmcOptions, cv_smc_levels_scores

    options = dict(options)
    levels = options.pop("label_levels", None)
    label_level = options.pop("label_level", None) or "all"
    input_level = options.pop("input_level", "coarse")
    if input_level != "coarse":  # the references are coarse step names: every level derives from them
        raise InputValidationError(
            f"Expected `input_level` 'coarse' for cv_smc configs (coarse step labels), but got {input_level!r}."
        )
    CvSmcOptions(label_level=label_level, macro_average=options.get("macro_average", "vocabulary"))
    if isinstance(levels, str):
        levels = [v.strip() for v in levels.split(",") if v.strip()]
    if levels and label_level != "all":
        raise InputValidationError(
            f"Expected either `label_levels` or `label_level`, but got both ({levels!r} and {label_level!r})."
        )
    if not levels:
        levels = CV_SMC_LABEL_LEVELS if label_level == "all" else (label_level,)
    names = [n.lower() for n in _names(ds, "label")]
    train_labels = list(cv_segment_labels(ctx.load_split("train")).values())
    refs = cv_segment_labels(ds)

    def label(key: str, v: Any) -> str:
        if isinstance(v, str):
            return v.lower()
        if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and 0 <= v < len(names):
            return names[v]  # never a negative index: -1 is not the last class
        raise InputValidationError(
            f"Expected a coarse label name or an id in [0, {len(names)}) for {format_id(key)}, "
            f"but got {format_id(v)}."
        )

    def convert(p: Mapping[str, Any] | None) -> dict[str, str] | None:
        if p is None:
            return None
        return {k: label(k, v) for k, v in p.items()}

    preds, paired_preds = convert(predictions), convert(paired)
    return cv_smc_levels_scores(
        preds, refs, levels=levels, train_labels=train_labels, paired_predictions=paired_preds, **options
    )


# ----------------------------------------------------------------------------------------- anticipation


def _afs_rows(ds: datasets.Dataset, instances: str) -> dict[str, dict[str, Any]]:
    cols = ["video_id", "segment_index", "hand", "action", "verb", "noun", "in_official_protocol"]
    t = ds.select_columns(cols).to_dict()
    out = {}
    for i, vid in enumerate(t["video_id"]):
        if instances == "official" and not t["in_official_protocol"][i]:
            continue
        out[f"{vid}:{t['segment_index'][i]}"] = {k: t[k][i] for k in ("hand", "action", "verb", "noun")}
    return out


def af_s_ids(ds: datasets.Dataset) -> list[str]:
    """Prediction ids of an AF-S split: ``"{video_id}:{segment_index}"`` of the official-protocol instances."""
    return list(_afs_rows(ds, "official"))


def _split_tasks(predictions: Mapping[str, Any], ids: list[str]) -> dict[str, dict[str, Any]]:
    for k in ids:
        if not isinstance(predictions[k], Mapping):
            raise InputValidationError(
                f'Expected the AF-S prediction for {format_id(k)} to be {{"action": ..., "verb": ..., '
                f'"noun": ...}}, but got {type(predictions[k]).__name__}.'
            )
    task_preds = {}
    for task in ("action", "verb", "noun"):
        have = [task in predictions[k] for k in ids]
        if all(have):
            task_preds[task] = {k: predictions[k][task] for k in ids}
        elif any(have):
            raise InputValidationError(f"Expected `{task}` predictions for all AF-S instances or none.")
    if "action" not in task_preds:
        raise InputValidationError("Expected an `action` prediction for every AF-S instance.")
    return task_preds


def score_af_s(ds, predictions, options, ctx, paired=None):
    """AF-S scores of per-instance action (and optional verb / noun) predictions: ``af_s_scores(...)``.

    Each prediction is ``{"action": ..., "verb": ..., "noun": ...}``; a task is scored when every instance
    has it. The adapter option ``instances`` (``"official"``, default, or ``"all"``) picks the instances
    scored; with ``"official"``, predictions for the other instances of the split are allowed and counted
    in ``num_predictions_outside_protocol``.

    Raises:
        InputValidationError: ``instances`` is unknown, a scored instance has no prediction, a prediction id
            is not an instance of the split, or a task is predicted for only some instances.
    """
    from proceval.scores.af_s import af_s_scores, check_af_s_predictions

    options = dict(options)
    instances = options.pop("instances", "official")
    if instances not in ("official", "all"):
        raise InputValidationError(
            f"Expected argument `instances` to be one of 'official' or 'all', but got {instances!r}."
        )
    rows = _afs_rows(ds, instances)
    every = rows if instances == "all" else _afs_rows(ds, "all")
    missing = [k for k in rows if k not in predictions]
    if missing:
        raise InputValidationError(
            f"Expected a prediction for every AF-S instance, but {len(missing)} are missing: "
            f"{format_ids(missing)}"
        )
    unknown = [k for k in predictions if k not in every]
    if unknown:
        raise InputValidationError(
            f"Expected predictions only for AF-S instance ids, but got {len(unknown)} unknown ids: "
            f"{format_ids(unknown)}"
        )
    outside_ids = [k for k in predictions if k not in rows]
    outside = len(outside_ids)
    ids = list(rows)
    task_preds = _split_tasks(predictions, ids)
    paired_preds = _split_tasks(paired, ids) if paired is not None else {}
    num_classes = {t: len(_names(ds, t)) for t in ("action", "verb", "noun")}
    for given in (predictions, paired):  # not scored, but checked: a malformed one is an error, not ignored
        others = [] if given is None else [k for k in given if k not in rows]
        if others:
            for task, values in _split_tasks(given, others).items():
                check_af_s_predictions(
                    values,
                    task=task,
                    prediction_format=options.get("prediction_format", "scores"),
                    k=options.get("k", 5),
                    num_classes=num_classes[task],
                )
    derive = options.get("action_to_verb_noun") is not None  # verb / noun rankings from the action ranking
    result = af_s_scores(
        task_preds["action"],
        {k: rows[k]["action"] for k in ids},
        {k: rows[k]["hand"] for k in ids},
        verb_predictions=task_preds.get("verb"),
        verb_references={k: rows[k]["verb"] for k in ids} if "verb" in task_preds or derive else None,
        noun_predictions=task_preds.get("noun"),
        noun_references={k: rows[k]["noun"] for k in ids} if "noun" in task_preds or derive else None,
        num_classes=num_classes,
        paired_predictions=paired_preds.get("action"),
        paired_verb_predictions=paired_preds.get("verb"),
        paired_noun_predictions=paired_preds.get("noun"),
        **options,
    )
    result["instances"] = instances
    result["num_predictions_outside_protocol"] = outside
    return result


def af_l_ids(ds: datasets.Dataset) -> list[str]:
    """Prediction ids of an AF-L split: ``"{video_id}:{instance_index}"``, in row order."""
    return [f"{v}:{i}" for v, i in zip(ds["video_id"], ds["instance_index"])]


def score_af_l(ds, predictions, options, ctx, paired=None):
    """AF-L scores of K candidate futures of Z step labels per instance: ``af_l_scores(...)``.

    A prediction is ``[K][Z]`` (K candidate futures, each Z step ids or names), the one layout of the
    score function, the evaluate module and the README; ``-o layout=zk`` reads ``[Z][K]`` instead
    (signed). Step ids must lie in the config's step vocabulary.

    Raises:
        InputValidationError: a prediction of another shape, ragged, or with a step outside the
            vocabulary (naming the instance, candidate and step).
    """
    from proceval.scores.af_l import af_l_scores

    names = _names(ds, "future_steps")
    refs = {f"{v}:{i}": list(f) for v, i, f in zip(ds["video_id"], ds["instance_index"], ds["future_steps"])}
    return af_l_scores(
        predictions,
        refs,
        label_names=names,
        paired_predictions=paired,
        **options,
    )


# ----------------------------------------------------------------------------------------- state / steps


def video_ids(ds: datasets.Dataset) -> list[str]:
    """Prediction ids of an ASR / PSR split: its ``video_id`` column, in row order."""
    return list(ds["video_id"])


def reference_states(ds: datasets.Dataset) -> dict[str, np.ndarray]:
    """Dense ``[17, T]`` reference states per video of an ``asr`` config."""
    from proceval.benchmarks.impact.configs.asr import dense_states

    cols = ds.select_columns(["video_id", "state_frames", "states", "num_frames"])
    return {ex["video_id"]: dense_states(ex) for ex in cols}


def prediction_states(pred: Any, num_frames: int, video_id: str) -> np.ndarray:
    """A dense state prediction, or a run-length one ``{"frames", "states"}`` expanded to ``num_frames``."""
    from proceval.benchmarks.impact.formats.asr import dense_states_from_runs

    if isinstance(pred, Mapping):
        if set(pred) != {"frames", "states"}:
            raise InputValidationError(
                f"Expected the keys {{'frames', 'states'}} for {format_id(video_id)}, "
                f"but got keys {format_id(sorted(pred))}."
            )
        try:
            return dense_states_from_runs(pred["frames"], pred["states"], num_frames)
        except ValueError as exc:
            raise InputValidationError(
                f"Expected a valid run-length state prediction for {format_id(video_id)}, but {exc}"
            ) from exc
    try:
        nested = isinstance(pred[0][0], (list, tuple, np.ndarray))
    except (TypeError, IndexError, KeyError):
        nested = False
    shape, expected = (
        ((None, 3, num_frames), f"[components, 3, {num_frames}] scores")
        if nested
        else ((None, num_frames), f"dense [components][{num_frames}] states")
    )
    return as_array(pred, video_id, "the state prediction", expected, shape)


def score_asr(ds, predictions, options, ctx, paired=None):
    """ASR scores of per-frame component state predictions: ``asr_scores(predictions, references, ...)``.

    A prediction is a dense ``[17][T]`` state array or a run-length ``{"frames", "states"}`` mapping
    (expanded with :func:`prediction_states` to the reference's number of frames).
    """
    from proceval.scores.asr import asr_scores

    refs = reference_states(ds)

    def convert(p: Mapping[str, Any] | None) -> dict[str, np.ndarray] | None:
        if p is None:
            return None
        return {
            vid: prediction_states(x, refs[vid].shape[1] if vid in refs else 0, vid) for vid, x in p.items()
        }

    return asr_scores(convert(predictions), refs, paired_predictions=convert(paired), **options)


def score_psr(ds, predictions, options, ctx, paired=None):
    """PSR scores of step-completion events (or dense states).

    See :func:`proceval.benchmarks.impact.psr_scoring.score_psr` for the adapter options (``events``,
    ``procedure_graph``, ``input``, ``preset``).
    """
    from proceval.benchmarks.impact.psr_scoring import score_psr as score

    return score(ds, predictions, options, ctx, paired=paired)


def atr_ids(ds: datasets.Dataset) -> list[str]:
    """Prediction ids of an ATR split: its ``sample_id`` column, in row order."""
    return list(ds["sample_id"])


def score_atr(ds, predictions, options, ctx, paired=None):
    """ATR scores of six anomaly-type scores per sample: ``atr_scores(predictions, references, ...)``."""
    from proceval.scores.atr import atr_scores

    refs = {sid: list(lbl) for sid, lbl in zip(ds["sample_id"], ds["labels"])}
    return atr_scores(predictions, refs, paired_predictions=paired, **options)
