"""The Pro2Bench / EgoProactive score functions the ``metrics/`` modules call: the generic scores with the tags.

The generic score functions (:mod:`proceval.scores.intervention`, :mod:`proceval.scores.pqs`,
:mod:`proceval.scores.guidance_judge`, :mod:`proceval.scores.oop_recovery`) take the duplex output format's two tags as arguments; here they
default to the challenge's ``"$interrupt$"`` / ``"$silent$"``
(:data:`~proceval.benchmarks.pro2bench.reader.INTERRUPT_TAG`, ``SILENT_TAG``), which the PWR paper's
duplex prompt uses too. Each function forwards every argument unchanged; see the generic function for
the definitions, inputs and outputs.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from proceval.benchmarks.pro2bench.reader import INTERRUPT_TAG, SILENT_TAG

if TYPE_CHECKING:  # each function imports its score: `intervention` never loads the judges
    from proceval.scores.intervention import LengthMismatch
    from proceval.scores.oop_recovery import OopMatching, RecoveryJudgeFailure
    from proceval.scores.pqs import JudgeFailure

__all__ = [
    "INTERRUPT_TAG",
    "SILENT_TAG",
    "guidance_judge_module_scores",
    "intervention_module_scores",
    "oop_recovery_module_scores",
    "pqs_module_scores",
]


def intervention_module_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    tasks: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    domains: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    length_mismatch: LengthMismatch = "error",
    interrupt_tag: str = INTERRUPT_TAG,
    silent_tag: str = SILENT_TAG,
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """The official challenge scorer's numbers: :func:`proceval.scores.intervention.intervention_scores`.

    Example:
        >>> out = intervention_module_scores([["$interrupt$ Hi.", " $silent$"]], [["$interrupt$ Hello.", "$silent$"]])
        >>> out["macro_f1"], out["gmean_f1"], out["signature"].split("|v:")[0]
        (1.0, 1.0, 'intervention|len:error|tags:$interrupt$,$silent$')
    """
    from proceval.scores.intervention import intervention_scores

    return intervention_scores(
        predictions,
        references,
        interrupt_tag=interrupt_tag,
        silent_tag=silent_tag,
        tasks=tasks,
        domains=domains,
        length_mismatch=length_mismatch,
        ids=ids,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_predictions=paired_predictions,
    )


def pqs_module_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    ratings: Any = None,
    judge: Any = None,
    contexts: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    tasks: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    domains: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    length_mismatch: LengthMismatch = "error",
    judge_failure: JudgeFailure = "zero",
    interrupt_tag: str = INTERRUPT_TAG,
    silent_tag: str = SILENT_TAG,
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    paired_ratings: Any = None,
) -> dict[str, Any]:
    """The paper's PQS with G-mean F1: :func:`proceval.scores.pqs.pqs_scores`.

    ``judge`` is a callable ``(list of JudgeItem) -> replies`` (see :func:`~proceval.scores.pqs.pqs_scores`)
    or a judge backend of :mod:`proceval.judges`, which is asked on the true positives with the paper's
    guidance rubric (:data:`proceval.benchmarks.pro2bench.rubrics.GUIDANCE_RUBRIC`).
    """
    judge = _judge_fn(judge)
    from proceval.scores.pqs import pqs_scores

    result = pqs_scores(
        predictions,
        references,
        interrupt_tag=interrupt_tag,
        silent_tag=silent_tag,
        ratings=ratings,
        judge=judge,
        contexts=contexts,
        tasks=tasks,
        domains=domains,
        length_mismatch=length_mismatch,
        judge_failure=judge_failure,
        ids=ids,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_predictions=paired_predictions,
        paired_ratings=paired_ratings,
    )
    return _with_judge_runs(result, judge)


def guidance_judge_module_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    ratings: Any = None,
    judge: Any = None,
    contexts: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    tasks: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    domains: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    length_mismatch: LengthMismatch = "error",
    interrupt_tag: str = INTERRUPT_TAG,
    silent_tag: str = SILENT_TAG,
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    paired_ratings: Any = None,
) -> dict[str, Any]:
    """The paper's four-dimension guidance rubric on true positives: :func:`proceval.scores.guidance_judge.guidance_judge_scores`.

    ``judge`` as for :func:`pqs_module_scores`: judge backends are asked with the paper's Appendix G prompt
    (:data:`~proceval.benchmarks.pro2bench.rubrics.GUIDANCE_RUBRIC`), several of them averaged per item
    with their agreement reported.

    Example:
        >>> from proceval.judges import PrecomputedBackend
        >>> judge = PrecomputedBackend({"#0/0": dict(relevance=4, specificity=3, actionability=4, conciseness=5)},
        ...                            model="human")
        >>> out = guidance_judge_module_scores([["$interrupt$ Add salt.", "$silent$"]],
        ...                                    [["$interrupt$ Add the salt.", "$silent$"]], judge=judge)
        >>> out["mean_overall"], out["num_judged"], "judge:human" in out["signature"]
        (4.0, 1, True)
    """
    from proceval.scores.guidance_judge import guidance_judge_scores

    judge = _judge_fn(judge)
    result = guidance_judge_scores(
        predictions,
        references,
        interrupt_tag=interrupt_tag,
        silent_tag=silent_tag,
        ratings=ratings,
        judge=judge,
        contexts=contexts,
        tasks=tasks,
        domains=domains,
        length_mismatch=length_mismatch,
        ids=ids,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_predictions=paired_predictions,
        paired_ratings=paired_ratings,
    )
    return _with_judge_runs(result, judge)


def oop_recovery_module_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    intervals: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    ratings: Mapping[tuple[Hashable, int], Any] | None = None,
    judge: Any = None,
    contexts: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    onset_tolerance_s: float = 2.0,
    matching: OopMatching = "decision_time",
    judge_failure: RecoveryJudgeFailure = "skip",
    interrupt_tag: str = INTERRUPT_TAG,
    silent_tag: str = SILENT_TAG,
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """OOP detection recall (onset tolerance) and recovery quality: :func:`proceval.scores.oop_recovery.oop_recovery_scores`.

    ``intervals`` is required (it has a ``None`` default only so that evaluate's ``compute`` can pass it as
    a keyword); ``judge`` as for :func:`pqs_module_scores`.
    """
    from proceval.scores.oop_recovery import oop_recovery_scores

    judge = _judge_fn(judge)
    result = oop_recovery_scores(
        predictions,
        references,
        intervals=intervals,
        interrupt_tag=interrupt_tag,
        silent_tag=silent_tag,
        ratings=ratings,
        judge=judge,
        contexts=contexts,
        onset_tolerance_s=onset_tolerance_s,
        matching=matching,
        judge_failure=judge_failure,
        ids=ids,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_predictions=paired_predictions,
    )
    return _with_judge_runs(result, judge)


def _judge_fn(judge: Any) -> Any:
    """A judge backend (or a list of them) as a :class:`~proceval.benchmarks.pro2bench.rubrics.GuidanceJudge`.

    Other values (None, a callable, a ``GuidanceJudge``) are returned as they are.
    """
    from proceval.judges.base import JudgeBackend

    backends = judge if isinstance(judge, (list, tuple)) else [judge]
    if judge is None or not backends or not all(isinstance(b, JudgeBackend) for b in backends):
        return judge
    from proceval.benchmarks.pro2bench.rubrics import GuidanceJudge

    return GuidanceJudge(judge)


def _with_judge_runs(result: dict[str, Any], judge: Any) -> dict[str, Any]:
    """Add ``judge_runs`` (each judging's counts, usage, cost and signature) when a rubric judge ran."""
    runs = getattr(judge, "results", None)
    if runs:
        result["judge_runs"] = [run.as_dict() for run in runs]
    return result
