"""The ProcObject-10K score function the ``videoqa_judge`` metric module calls: the generic score with the paper's rubric.

:func:`videoqa_judge_module_scores` forwards every argument to
:func:`proceval.scores.videoqa_judge.videoqa_judge_scores`, with ``rubric`` defaulting to
:data:`~proceval.benchmarks.procobject.rubrics.VIDEOQA_RUBRIC` (the paper's four dimensions, 0-5, in one
prompt) or, with ``prompts="per_aspect"``, to
:data:`~proceval.benchmarks.procobject.rubrics.VIDEOQA_ASPECT_RUBRICS` (one VCGBench-style prompt each). The
generic score takes the rubric as an argument and names no benchmark; an ``evaluate`` module needs
defaults for every keyword, so the default lives here.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from proceval.benchmarks.procobject.rubrics import VIDEOQA_ASPECT_RUBRICS, VIDEOQA_RUBRIC
from proceval.errors import InputValidationError
from proceval.judges.rubric import Rubric
from proceval.judges.runner import Failures, Policy
from proceval.scores.videoqa_judge import Prompts, videoqa_judge_scores

__all__ = ["VIDEOQA_ASPECT_RUBRICS", "VIDEOQA_RUBRIC", "videoqa_judge_module_scores"]


def videoqa_judge_module_scores(
    predictions: Sequence[str | None] | Mapping[Hashable, str | None],
    references: Sequence[str] | Mapping[Hashable, str],
    *,
    questions: Sequence[str] | Mapping[Hashable, str] | None = None,
    judges: Any = None,
    rubric: Rubric | Sequence[Rubric] | None = None,
    cache: str | os.PathLike[str] | Any = None,
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
    """The paper's J. column: :func:`proceval.scores.videoqa_judge.videoqa_judge_scores` with its rubric.

    ``questions`` and ``judges`` are required (``None`` defaults only so that evaluate's ``compute`` can
    pass them as keywords); ``rubric`` defaults to :data:`VIDEOQA_RUBRIC` (``prompts="joint"``, the
    default: one prompt per question and judge) or :data:`VIDEOQA_ASPECT_RUBRICS` (``prompts="per_aspect"``:
    VCGBench's one prompt per dimension, four calls per question and judge).

    Raises:
        InputValidationError: no ``questions`` or no ``judges``, and every error of the generic score.
    """
    if questions is None:
        raise InputValidationError(
            "Expected argument `questions` (one question text per answer), but got None."
        )
    if judges is None:
        raise InputValidationError(
            "Expected argument `judges` (a proceval judge backend or a list of them), but got None."
        )
    if rubric is None:
        rubric = VIDEOQA_ASPECT_RUBRICS if prompts == "per_aspect" else VIDEOQA_RUBRIC
    return videoqa_judge_scores(
        predictions,
        references,
        questions=questions,
        rubric=rubric,
        judges=judges,
        cache=cache,
        policy=policy,
        failures=failures,
        prompts=prompts,
        qa_types=qa_types,
        reasoning=reasoning,
        ids=ids,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_predictions=paired_predictions,
    )
