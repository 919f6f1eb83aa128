"""ProcObject-10K adapters: a config split (references) + prediction records by id -> a score function call.

| metric | id | prediction |
| --- | --- | --- |
| grounding | ``str(id)`` | a record ``{"id", "predicted_answer", "predicted_evidence"}``; the evidence is ``[[start_s, end_s], ...]`` relative to the clip, or the model's text |
| answer_similarity | ``str(id)`` | the same record; its ``predicted_answer`` (or the ``answer`` of a JSON reply) is scored |
| videoqa_judge | ``str(id)`` | the same record; its answer is rated by LLM judges against the question and reference |

A prediction may also be the bare evidence (grounding), the bare answer text, or the model's whole reply
(``{"answer": ..., "evidence": ...}`` text); :mod:`proceval.benchmarks.procobject.parsing` picks the field.
Predictions are matched to the config's rows by id. Ids of other questions of the same split of the
release are left out (an official file covers the whole test split, a config only part of it) and
counted (``num_unscored_predictions``); an id that is no question of the split at all (a typo, another
split, another file) is an error naming it (unknown ids are named before the count of missing ones). A
row without a prediction is an error unless the adapter option ``missing_predictions="empty"``, which
scores it as an empty prediction and counts it (``num_missing_predictions``).

Grounding gets each row's ``clip_duration_s`` as ``durations`` (a predicted span reaching past the clip
is clipped and counted, see :func:`proceval.scores.grounding.grounding_scores`) and the ``qa_type`` /
``reasoning`` columns for the per-type and per-pattern breakdowns.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from proceval.benchmarks.procobject.parsing import record_answer, record_evidence
from proceval.benchmarks.procobject.schema import ALL_CONFIG
from proceval.errors import InputValidationError
from proceval.registry import BaselineContext

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import datasets

MISSING_POLICIES: tuple[str, ...] = ("error", "empty")
BASELINE_ANSWER = "The object is ready for the next step."
"""The demo baseline's fixed answer (the issue's "whole clip as evidence, a fixed answer")."""


def question_ids(ds: datasets.Dataset) -> list[str]:
    """Prediction ids of a split: its ``id`` column as text, in row order."""
    return [str(i) for i in ds["id"]]


def _columns(ds: datasets.Dataset, names: tuple[str, ...]) -> dict[str, list[Any]]:
    return ds.select_columns(list(names)).to_dict()


def _split_question_ids(ds: datasets.Dataset, ctx: Any) -> set[str]:
    """Every question id (as text) of the split ``ds`` was loaded from, over all configs of the release.

    The ``all`` config is the whole split; for another config the release's annotation file is read
    (only when a prediction id lies outside the config). Without a release (``ctx`` None) or a known split
    name, the ids of ``ds`` itself, or of both split files, are used.
    """
    if ctx is None or getattr(ctx, "dataset_dir", None) is None or getattr(ctx, "config", None) == ALL_CONFIG:
        return set(question_ids(ds))
    from proceval.benchmarks.procobject.formats import read_release

    splits = read_release(ctx.dataset_dir)
    split = str(ds.split) if ds.split is not None else None
    files = [splits[split]] if split in splits else list(splits.values())
    return {str(rec.id) for f in files for rec in f.records}


def _shown(ids: list[str], limit: int = 60) -> str:
    """At most five ids as messages show them (each ``repr`` cut to ``limit`` characters)."""
    texts = [
        repr(i) if len(repr(i)) <= limit else f"{repr(i)[:limit]}... ({len(repr(i))} chars)" for i in ids[:5]
    ]
    return ", ".join(texts) + (" ..." if len(ids) > 5 else "")


def _match(
    ids: list[str],
    predictions: Mapping[Any, Any] | None,
    missing: str,
    what: str,
    split_ids: Callable[[], set[str]],
) -> tuple[dict[str, Any] | None, dict[str, int]]:
    """Predictions for exactly ``ids`` (string keys), and the counts of unscored and missing ones.

    Raises:
        InputValidationError: a prediction id is no question of the split (``split_ids()``, called only
            when some id lies outside ``ids``), named first; or a question has no prediction and
            ``missing`` is ``"error"``.
    """
    if predictions is None:
        return None, {}
    if missing not in MISSING_POLICIES:
        raise InputValidationError(
            f"Expected argument `missing_predictions` to be one of {MISSING_POLICIES}, but got {missing!r}."
        )
    by_id = {str(k): v for k, v in predictions.items()}
    wanted = set(ids)
    absent = [i for i in ids if i not in by_id]
    outside = [k for k in by_id if k not in wanted]
    if outside:
        known = split_ids()
        unknown = [k for k in outside if k not in known]
        if unknown:
            also = f" (and {len(absent)} questions of the config have no prediction)" if absent else ""
            raise InputValidationError(
                f"Expected `{what}` only for question ids of the split, but {len(unknown)} are no question "
                f"of it: {_shown(unknown)}{also}."
            )
    if absent and missing == "error":
        raise InputValidationError(
            f"Expected a prediction for every question of the split in `{what}`, but {len(absent)} are "
            f"missing: {_shown(absent)} (option missing_predictions=empty scores them as empty)."
        )
    counts = {"num_unscored_predictions": len(outside), "num_missing_predictions": len(absent)}
    return {i: by_id.get(i) for i in ids}, counts


def score_grounding(ds, predictions, options, ctx, paired=None):
    """Grounding scores of the evidence in prediction records: ``grounding_scores(evidence, gold, ...)``.

    The references are the split's ``evidence`` column (seconds, relative to the clip start), with
    ``clip_duration_s`` as ``durations`` and ``qa_type`` / ``reasoning`` as breakdowns. ``options`` are
    :class:`~proceval.scores.grounding.GroundingOptions` keywords, the uncertainty keywords and the adapter
    option ``missing_predictions``; ``ctx`` is unused. See :data:`proceval.registry.ScoreFn`.
    """
    from proceval.scores.grounding import grounding_scores

    options = dict(options)
    missing = options.pop("missing_predictions", "error")
    cols = _columns(ds, ("id", "clip_duration_s", "qa_type", "reasoning"))
    ids = [str(i) for i in cols["id"]]
    known = functools.cache(lambda: _split_question_ids(ds, ctx))
    preds, counts = _match(ids, predictions, missing, "predictions", known)
    paired_preds, _ = _match(ids, paired, missing, "paired_predictions", known)
    result = grounding_scores(
        {i: record_evidence(p) for i, p in preds.items()},
        ds.with_format("arrow")["evidence"],  # the Arrow column, read without Python objects
        ids=ids,
        durations=cols["clip_duration_s"],
        qa_types=cols["qa_type"],
        reasoning=cols["reasoning"],
        paired_predictions=(
            {i: record_evidence(p) for i, p in paired_preds.items()} if paired_preds is not None else None
        ),
        **options,
    )
    result.update(counts)
    return result


def score_answer_similarity(ds, predictions, options, ctx, paired=None):
    """Answer similarity of the answers in prediction records: ``answer_similarity_scores(answers, refs)``.

    The references are the split's ``answer`` column; ``qa_type`` / ``reasoning`` give the breakdowns.
    A record without a readable answer is scored as empty and counted (``num_unparseable_predictions``).
    ``options`` are :class:`~proceval.scores.answer_similarity.AnswerSimilarityOptions` keywords, the
    uncertainty keywords and the adapter option ``missing_predictions``; ``ctx`` is unused.
    """
    from proceval.scores.answer_similarity import answer_similarity_scores

    options = dict(options)
    missing = options.pop("missing_predictions", "error")
    cols = _columns(ds, ("id", "answer", "qa_type", "reasoning"))
    ids = [str(i) for i in cols["id"]]
    known = functools.cache(lambda: _split_question_ids(ds, ctx))
    preds, counts = _match(ids, predictions, missing, "predictions", known)
    paired_preds, _ = _match(ids, paired, missing, "paired_predictions", known)
    answers = {i: record_answer(p) for i, p in preds.items()}
    result = answer_similarity_scores(
        {i: a.text for i, a in answers.items()},
        dict(zip(ids, cols["answer"])),
        qa_types=dict(zip(ids, cols["qa_type"])),
        reasoning=dict(zip(ids, cols["reasoning"])),
        paired_predictions=(
            {i: record_answer(p).text for i, p in paired_preds.items()} if paired_preds is not None else None
        ),
        **options,
    )
    result["num_unparseable_predictions"] = sum(
        1 for i, a in answers.items() if a.source == "missing" and preds[i] is not None
    )
    result.update(counts)
    return result


def score_videoqa_judge(ds, predictions, options, ctx, paired=None):
    """Judge ratings of the answers in prediction records: ``videoqa_judge_module_scores(answers, refs, ...)``.

    Each row's ``question`` and reference ``answer`` are shown to the judges with the predicted answer
    (:func:`~proceval.benchmarks.procobject.parsing.record_answer`; a record without a readable answer is
    judged as empty and counted in ``num_unparseable_predictions``), through
    :data:`~proceval.benchmarks.procobject.rubrics.VIDEOQA_RUBRIC`. The judges come from the adapter
    options :data:`~proceval.judges.options.JUDGE_OPTIONS` (``judge_model`` + ``judge_endpoint``, several
    comma-separated, or ``judge_ledger``); ``options`` also hold
    :class:`~proceval.scores.videoqa_judge.VideoqaJudgeOptions` keywords, the uncertainty keywords and
    ``missing_predictions``; ``ctx`` is unused.

    Raises:
        InputValidationError: no judge option is given.
    """
    from proceval.benchmarks.procobject.scoring import videoqa_judge_module_scores
    from proceval.judges.options import judges_from_options

    options = dict(options)
    missing = options.pop("missing_predictions", "error")
    setup = judges_from_options(options)
    if setup is None:
        raise InputValidationError(
            "Expected a judge for `videoqa_judge`: -o judge_model=<model> -o judge_endpoint=<url> (several "
            "comma-separated) or -o judge_ledger=<ledger.jsonl>, but got no judge option."
        )
    cols = _columns(ds, ("id", "question", "answer", "qa_type", "reasoning"))
    ids = [str(i) for i in cols["id"]]
    known = functools.cache(lambda: _split_question_ids(ds, ctx))
    preds, counts = _match(ids, predictions, missing, "predictions", known)
    paired_preds, _ = _match(ids, paired, missing, "paired_predictions", known)
    answers = {i: record_answer(p) for i, p in preds.items()}
    result = videoqa_judge_module_scores(
        {i: a.text for i, a in answers.items()},
        dict(zip(ids, cols["answer"], strict=True)),
        questions=dict(zip(ids, cols["question"], strict=True)),
        judges=setup.judges,
        cache=setup.cache,
        qa_types=dict(zip(ids, cols["qa_type"], strict=True)),
        reasoning=dict(zip(ids, cols["reasoning"], strict=True)),
        paired_predictions=(
            {i: record_answer(p).text for i, p in paired_preds.items()} if paired_preds is not None else None
        ),
        **options,
    )
    result["num_unparseable_predictions"] = sum(
        1 for i, a in answers.items() if a.source == "missing" and preds[i] is not None
    )
    result.update(counts)
    return result


def demo_baseline(ctx: BaselineContext) -> dict[str, dict[str, Any]]:
    """The demo's baseline for every ProcObject task: the whole clip as evidence and a fixed answer.

    Returns official-format records ``{str(id): {"id", "predicted_answer", "predicted_evidence"}}`` for
    the config's test split; ``predicted_evidence`` is ``[[0, clip_duration_s]]``.
    """
    key = ("procobject_baseline", ctx.config)
    if key not in ctx.state:
        cols = _columns(ctx.load("test", media=False), ("id", "clip_duration_s"))
        ctx.state[key] = {
            str(i): {"id": i, "predicted_answer": BASELINE_ANSWER, "predicted_evidence": [[0.0, float(d)]]}
            for i, d in zip(cols["id"], cols["clip_duration_s"])
        }
    return ctx.state[key]
