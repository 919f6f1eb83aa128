"""LLM-judge ratings of open-ended video QA answers: per dimension, overall, per judge, and judge agreement.

Each question's predicted answer is shown to one or several judges with its question and reference
answer, through a :class:`~proceval.judges.rubric.Rubric` the caller passes (its fields must be
``question``, ``answer`` (the reference) and ``prediction``; its dimensions are integer scales, e.g. the
VCGBench-style 0-5). :func:`proceval.judges.judge_items` does the judging (cache, de-duplication,
bounded concurrency, the unparseable-reply ``policy``). Then, per question:

* the rating on a dimension is the mean over the judges that rated it (a question no judge could rate,
  after the policy, is left out of the means and counted);
* ``mean_<dimension>`` is the mean over the rated questions, on the rubric's scale (not normalized:
  VCGBench-style papers print the 0-5 mean), and ``mean_overall`` the mean of the dimensions' means;
* ``per_judge`` holds each judge's own means, and ``agreement`` Krippendorff's alpha (ordinal) per
  dimension over the judges' ratings when there are at least two judges.

``prompts`` says how the dimensions are asked for: ``"joint"`` (default) sends one prompt per question
and judge rating every dimension of ``rubric`` at once; ``"per_aspect"`` is VCGBench's way, one prompt per
dimension (``rubric`` is then a sequence of one-dimension rubrics, one judge call each per question), and
the judge counts then count prompts (one per question, dimension and judge). A question with a dimension
no judge could rate is left out of the means, as in ``"joint"``.

The bootstrap resamples questions. A prediction that is ``None`` is shown to the judge as an empty
answer. The signature records the rubric's name, each judge's ``model@revision``, the template hash,
the decoding parameters and the policies (:func:`proceval.judges.runner.judge_signature_items`).
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np

from proceval.errors import InputValidationError
from proceval.judges.base import JudgeBackend
from proceval.judges.cache import JudgeCache
from proceval.judges.rubric import Rubric, template_hash
from proceval.judges.runner import Failures, JudgeResult, Policy, judge_items, judge_signature_items
from proceval.scores._checks import pair_units
from proceval.scores.bootstrap import ColumnStats, with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.signature import score_signature

RUBRIC_FIELDS: tuple[str, ...] = ("question", "answer", "prediction")
"""The fields a rubric of this score must use: the question, the reference answer, the predicted answer."""
JUDGE_COUNT_KEYS: tuple[str, ...] = (
    "num_judged",
    "num_unparseable",
    "num_retries",
    "num_failed",
    "num_calls",
    "num_cached",
)
"""The judge layer's counts copied into the result (summed over judges: one per question and judge)."""


Prompts = Literal["joint", "per_aspect"]
"""``"joint"``: one prompt rates every dimension; ``"per_aspect"``: one prompt per dimension (VCGBench)."""


@dataclass(frozen=True)
class VideoqaJudgeOptions(ScoreOptions):
    """Every option that changes a judged number (``policy`` and ``failures`` are signed by the judge's items)."""

    score_name: ClassVar[str] = "videoqa_judge"
    policy: Policy = opt("retry_then_exclude", "unparse", signed=False)
    failures: Failures = opt("raise", "fail", signed=False)
    prompts: Prompts = opt("joint", "prompts")


class Judging(NamedTuple):
    """What the score reads from one or several judgings (one per rubric with ``prompts="per_aspect"``).

    ``per_item`` maps an item id to ``{dimension: mean over judges}`` (only the dimensions rated);
    ``per_judge_mean`` is ``{judge label: {dimension: mean or None}}``; ``agreement`` ``{dimension: alpha}``;
    ``counts`` / ``per_judge_counts`` sum the judge layer's counts over the rubrics.
    """

    dimensions: tuple[str, ...]
    judges: tuple[str, ...]
    per_item: dict[str, dict[str, float]]
    per_judge_mean: dict[str, dict[str, float | None]]
    agreement: dict[str, float | None]
    counts: dict[str, int]
    per_judge_counts: dict[str, dict[str, int]]


def combine_judgings(results: Sequence[JudgeResult]) -> Judging:
    """One :class:`Judging` of the results of rubrics with disjoint dimensions (the same items and judges).

    Example:
        >>> from proceval.judges import Dimension, PrecomputedBackend, Rubric, judge_items
        >>> rubrics = [Rubric(n, (Dimension(n, 0, 5, key="score"),), user="{q}", fields=("q",)) for n in ("a", "b")]
        >>> judge = PrecomputedBackend({"x": {"score": 4}}, model="m")
        >>> both = combine_judgings([judge_items({"x": {"q": "?"}}, r, judge, cache=None) for r in rubrics])
        >>> both.per_item, both.counts["num_judged"]
        ({'x': {'a': 4.0, 'b': 4.0}}, 2)
    """
    per_item: dict[str, dict[str, float]] = {}
    per_judge_mean: dict[str, dict[str, float | None]] = {}
    agreement: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    per_judge_counts: dict[str, dict[str, int]] = {}
    for result in results:
        for item, ratings in result.per_item.items():
            per_item.setdefault(item, {}).update(ratings)
        for label, means in result.per_judge_mean.items():
            per_judge_mean.setdefault(label, {}).update(means)
        agreement.update(result.agreement)
        for key, value in result.counts.items():
            counts[key] = counts.get(key, 0) + value
        for label, judge_counts in result.per_judge_counts.items():
            mine = per_judge_counts.setdefault(label, {})
            for key, value in judge_counts.items():
                mine[key] = mine.get(key, 0) + value
    dimensions = tuple(d for result in results for d in result.dimensions)
    return Judging(
        dimensions, results[0].judges, per_item, per_judge_mean, agreement, counts, per_judge_counts
    )


class RatingStats(ColumnStats[tuple[float, ...]]):
    """Per question: the judges' mean rating on each dimension (NaN rows: no judge rated it)."""

    def __init__(self, ratings: np.ndarray) -> None:
        self.ratings = ratings

    def __len__(self) -> int:
        return int(self.ratings.shape[0])

    def row(self, i: int) -> tuple[float, ...]:
        """Question ``i``'s ratings."""
        return tuple(float(v) for v in self.ratings[i])

    def take(self, indices: np.ndarray) -> RatingStats:
        """The questions at ``indices`` (repeats allowed)."""
        return RatingStats(self.ratings[indices])


def _videoqa_judge_update(result: Judging, keys: Sequence[str]) -> RatingStats:
    """The per-question rating matrix (questions x dimensions) of a judging (NaN: not rated)."""
    ratings = np.full((len(keys), len(result.dimensions)), np.nan)
    for i, key in enumerate(keys):
        item = result.per_item.get(key)
        if item is not None:
            ratings[i] = [item.get(d, math.nan) for d in result.dimensions]
    return RatingStats(ratings)


def _videoqa_judge_compute(stats: RatingStats, dimensions: Sequence[str]) -> dict[str, float]:
    """``mean_<dimension>`` over the rated questions and ``mean_overall`` (NaN when none is rated)."""
    rated = ~np.isnan(stats.ratings).any(axis=1)
    m = int(np.count_nonzero(rated))
    means = stats.ratings[rated].sum(axis=0) / m if m else np.full(len(dimensions), np.nan)
    out = {f"mean_{d}": float(v) for d, v in zip(dimensions, means, strict=True)}
    out["mean_overall"] = float(means.mean()) if m else math.nan
    return out


def _labels(name: str, labels: Any, keys: Sequence[Hashable]) -> list[str]:
    if isinstance(labels, Mapping):
        missing = [k for k in keys if k not in labels]
        if missing:
            raise InputValidationError(
                f"Expected `{name}` to have every question id, but {len(missing)} are missing: {missing[0]!r}"
            )
        return [str(labels[k]) for k in keys]
    if isinstance(labels, (str, bytes)):
        raise InputValidationError(f"Expected `{name}` to hold one value per question, but got a string.")
    values = list(labels)
    if len(values) != len(keys):
        raise InputValidationError(
            f"Expected one item of `{name}` per question ({len(keys)}), but got {len(values)}."
        )
    return [str(v) for v in values]


def _groups(labels: list[str], stats: RatingStats, compute: Any) -> dict[str, dict[str, Any]]:
    arr = np.asarray(labels, dtype=object)
    out = {}
    for label in dict.fromkeys(labels):
        sub = stats.take(np.flatnonzero(arr == label))
        rated = int(np.count_nonzero(~np.isnan(sub.ratings).any(axis=1)))
        out[label] = {**compute(sub), "num_questions": len(sub), "num_rated_questions": rated}
    return out


def _text(value: Any, key: Hashable, what: str, *, empty: bool) -> str:
    if value is None and empty:
        return ""
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise InputValidationError(
            f"Expected {'text' if empty else 'non-empty text'} in `{what}` for question {key!r}, but got {value!r}."
        )
    return value


def _check_rubrics(rubric: Any, prompts: str) -> tuple[Rubric, ...]:
    """The rubric(s) of a ``prompts`` mode: one rubric (``joint``), or one-dimension rubrics (``per_aspect``)."""
    if prompts == "joint":
        if not isinstance(rubric, Rubric):
            raise InputValidationError(
                "Expected argument `rubric` to be a proceval.judges.Rubric (prompts='joint'), "
                f"but got {type(rubric).__name__}."
            )
        rubrics: tuple[Rubric, ...] = (rubric,)
    else:
        rubrics = tuple(rubric) if isinstance(rubric, (list, tuple)) else ()
        if not rubrics or not all(isinstance(r, Rubric) and len(r.dimensions) == 1 for r in rubrics):
            raise InputValidationError(
                "Expected argument `rubric` to be a sequence of one-dimension proceval.judges.Rubric "
                f"(prompts='per_aspect': one prompt per dimension), but got {rubric!r}."
            )
        names = [r.dimensions[0].name for r in rubrics]
        if len(set(names)) != len(names):
            raise InputValidationError(f"Expected the rubrics' dimensions to be distinct, but got {names}.")
    for r in rubrics:
        if set(r.fields) != set(RUBRIC_FIELDS):
            raise InputValidationError(
                f"Expected the rubric's fields to be {list(RUBRIC_FIELDS)}, but got {list(r.fields)}."
            )
    return rubrics


def _rubric_signature(
    rubrics: tuple[Rubric, ...], backends: list[JudgeBackend], policy: str, failures: str
) -> dict[str, Any]:
    """The signature items of the judging: the rubric's name and its judge items (one template hash)."""
    items = {"rubric": rubrics[0].name, **judge_signature_items(rubrics[0], backends, policy, failures)}
    if len(rubrics) > 1:
        names = list(dict.fromkeys(r.name for r in rubrics))
        items["rubric"] = "+".join(names)
        joined = ",".join(template_hash(r) for r in rubrics)
        items["tmpl"] = hashlib.sha256(joined.encode("ascii")).hexdigest()[:8]
    return items


def _check_judges(judges: Any) -> list[JudgeBackend]:
    backends = [judges] if isinstance(judges, JudgeBackend) else list(judges or [])
    if not backends or not all(isinstance(j, JudgeBackend) for j in backends):
        raise InputValidationError(
            "Expected argument `judges` to be a judge backend or a non-empty list of them "
            f"(OpenAICompatibleBackend, TransformersBackend, PrecomputedBackend), but got {judges!r}."
        )
    return backends


def videoqa_judge_scores(
    predictions: Sequence[str | None] | Mapping[Hashable, str | None],
    references: Sequence[str] | Mapping[Hashable, str],
    *,
    questions: Sequence[str] | Mapping[Hashable, str],
    rubric: Rubric | Sequence[Rubric],
    judges: JudgeBackend | Sequence[JudgeBackend],
    cache: JudgeCache | str | os.PathLike[str] | None = None,
    policy: Policy = "retry_then_exclude",
    failures: Failures = "raise",
    prompts: Prompts = "joint",
    qa_types: Sequence[str] | Mapping[Hashable, str] | None = None,
    reasoning: Sequence[str] | Mapping[Hashable, str] | None = None,
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[str | None] | Mapping[Hashable, str | None] | None = None,
) -> dict[str, Any]:
    """Judge ratings of predicted answers against reference answers, averaged per dimension and overall.

    Args:
        predictions: per question, the predicted answer (text; ``None`` is judged as empty); a list aligned
            with ``references`` or a mapping keyed by question id.
        references: per question, the reference answer (non-empty text), same container kind.
        questions: per question, the question text (aligned list or mapping by id).
        rubric: the prompt and dimensions; fields ``question``, ``answer``, ``prediction``. With
            ``prompts="per_aspect"``, a sequence of rubrics with one dimension each (one prompt each).
        judges: one judge backend or several (each rates every question; ratings are averaged).
        cache: a judge cache (:class:`~proceval.judges.JudgeCache` or its path) or None.
        policy: the unparseable-reply policy of :func:`proceval.judges.judge_items`.
        failures: ``"raise"`` (default: a failed call raises after the run, finished calls cached) or
            ``"exclude"`` (the question is left out for that judge, counted in ``num_failed``).
        prompts: ``"joint"`` (default: one prompt rates every dimension) or ``"per_aspect"`` (VCGBench: one
            prompt per dimension; the judge counts then count prompts). Signed (``prompts:``).
        qa_types: per question, its type: adds ``per_qa_type``.
        reasoning: per question, its reasoning pattern: adds ``per_reasoning``.
        ids: ids of list inputs (judge item ids and ``per_question``; default ``"#0"``, ``"#1"``, ...).
            A :class:`~proceval.judges.PrecomputedBackend` given ratings keys them by these ids (as text).
        bootstrap: question resamples for percentile confidence intervals (0 = none).
        confidence: the intervals' coverage.
        seed: bootstrap seed.
        paired_predictions: a second system's answers, judged the same way, for ``paired``.

    Returns:
        ``mean_<dimension>`` and ``mean_overall`` (on the rubric's scale; higher is better),
        ``per_judge`` (``{model@revision: {mean_<dimension>, mean_overall}}``), ``agreement``
        (``{dimension: Krippendorff's alpha, ordinal}``; empty with one judge, None where undefined),
        ``judges``, ``num_questions``, ``num_rated_questions`` (questions in the means), the judge counts
        :data:`JUDGE_COUNT_KEYS` (summed over judges), ``per_judge_counts``, ``per_question`` (columns
        ``{"id": list, "<dimension>": array}``, NaN where unrated), ``per_qa_type`` / ``per_reasoning``
        when asked for, ``signature``, and ``ci`` / ``ci_level`` / ``paired`` when asked for. No API key
        is ever part of the result.

    Raises:
        InputValidationError: bad options, rubric or judges; mismatched or missing ids; a non-text
            answer or question; an empty reference.
        proceval.judges.JudgeRunError: a judge call failed and ``failures="raise"``.

    Example:
        >>> from proceval.judges import Dimension, PrecomputedBackend, Rubric
        >>> rubric = Rubric("qa", (Dimension("score", 0, 5),), fields=("question", "answer", "prediction"),
        ...                 user="Q: {question} Ref: {answer} Pred: {prediction}")
        >>> judges = [PrecomputedBackend({"#0": {"score": 4}, "#1": {"score": 1}}, model="a"),
        ...           PrecomputedBackend({"#0": {"score": 5}, "#1": {"score": 1}}, model="b")]
        >>> out = videoqa_judge_scores(["a whisk", "none"], ["a whisk", "a spoon"], questions=["Which?", "What?"],
        ...                            rubric=rubric, judges=judges)
        >>> out["mean_score"], out["per_judge"]["a"]["mean_score"], out["num_rated_questions"]
        (2.75, 2.5, 2)
    """
    options = VideoqaJudgeOptions(policy=policy, failures=failures, prompts=prompts)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    rubrics = _check_rubrics(rubric, options.prompts)
    backends = _check_judges(judges)
    units = pair_units(predictions, references, ids)
    if not units:
        raise InputValidationError("Expected at least one question, but got none.")
    keys = [k for k, _, _ in units]
    refs = [_text(r, k, "references", empty=False) for k, _, r in units]
    texts = _labels("questions", questions, keys)
    dims = tuple(d for r in rubrics for d in r.dimension_names())
    item_ids = [str(k) for k in keys]
    if len(set(item_ids)) != len(item_ids):
        raise InputValidationError("Expected the question ids to be distinct as text, but two are equal.")

    def judged(units_: list[tuple[Any, Any, Any]], what: str) -> Judging:
        items = {
            i: {"question": q, "answer": ref, "prediction": _text(p, k, what, empty=True)}
            for i, q, ref, (k, p, _) in zip(item_ids, texts, refs, units_, strict=True)
        }
        return combine_judgings(
            [judge_items(items, r, backends, cache=cache, policy=policy, failures=failures) for r in rubrics]
        )

    run = judged(units, "predictions")
    stats = _videoqa_judge_update(run, item_ids)

    def compute(sub: RatingStats) -> dict[str, float]:
        return _videoqa_judge_compute(sub, dims)

    result: dict[str, Any] = compute(stats)
    result["per_judge"] = {
        label: {
            **{f"mean_{d}": means[d] for d in dims},
            "mean_overall": (
                math.fsum(means[d] for d in dims) / len(dims)  # type: ignore[misc]
                if all(means[d] is not None for d in dims)
                else None
            ),
        }
        for label, means in run.per_judge_mean.items()
    }
    result["agreement"] = dict(run.agreement)
    result["judges"] = list(run.judges)
    result["num_questions"] = len(keys)
    result["num_rated_questions"] = int(np.count_nonzero(~np.isnan(stats.ratings).any(axis=1)))
    result.update({k: run.counts[k] for k in JUDGE_COUNT_KEYS})
    result["per_judge_counts"] = {
        label: {k: counts[k] for k in JUDGE_COUNT_KEYS} for label, counts in run.per_judge_counts.items()
    }
    result["per_question"] = {"id": keys, **{d: stats.ratings[:, j] for j, d in enumerate(dims)}}
    if qa_types is not None:
        result["per_qa_type"] = _groups(_labels("qa_types", qa_types, keys), stats, compute)
    if reasoning is not None:
        result["per_reasoning"] = _groups(_labels("reasoning", reasoning, keys), stats, compute)
    paired_units = None
    if paired_predictions is not None:
        paired_run = judged(pair_units(paired_predictions, references, ids), "paired_predictions")
        paired_units = _videoqa_judge_update(paired_run, item_ids)
    if uncertainty.active and result["num_rated_questions"] == 0:
        raise InputValidationError("Expected at least one rated question to bootstrap, but got none.")
    result = with_uncertainty(result, stats, compute, uncertainty=uncertainty, paired_units=paired_units)
    extra = _rubric_signature(rubrics, backends, policy, failures)
    result["signature"] = score_signature("videoqa_judge", options, uncertainty, extra=extra)
    return result
