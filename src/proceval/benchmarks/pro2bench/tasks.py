"""Pro2Bench / EgoProactive's task declarations (:class:`~proceval.registry.Task`).

Two config shapes (:mod:`proceval.benchmarks.pro2bench.configs`), so two id schemes per metric:

* ``egoproactive``: one row per session; predictions keyed by ``video_path`` and read from the official
  submission JSONL (:func:`~proceval.benchmarks.pro2bench.submission.read_submission`). ``intervention``
  (the challenge's ranking metric ``macro_f1`` first), ``pqs`` and ``guidance_judge`` (the paper's
  four-dimension rubric on the true-positive interrupts).
* ``egoproactive_decisions`` and ``pro2bench_<source>``: one row per decision point; predictions keyed by
  ``decision_id``. ``intervention``, ``pqs`` (the paper's G-Mean F1 first) and ``guidance_judge``, and ``oop_recovery`` on
  ``pro2bench_egoproactive`` (the only source with deviations; its rows need proceval's OOP fields).

Every task resamples sessions. The references and predictions are read by
:mod:`proceval.benchmarks.pro2bench.adapters`.
"""

from __future__ import annotations

from proceval.benchmarks.pro2bench.release import SOURCES
from proceval.judges.options import JUDGE_OPTIONS
from proceval.registry import Headline, Lazy, LazyModule, Task

# Adapters, baselines, plots and options are named, not imported: declaring Pro2Bench imports none of
# them (registry.Lazy), so scoring `intervention` never imports the judges' score modules.
ad = LazyModule("proceval.benchmarks.pro2bench.adapters")
bl = LazyModule("proceval.benchmarks.pro2bench.baselines")
intervention_plots = Lazy("proceval.benchmarks.pro2bench.plots:intervention_plots")
intervention_decision_plots = Lazy("proceval.benchmarks.pro2bench.plots:intervention_decision_plots")
read_submission = Lazy("proceval.benchmarks.pro2bench.submission:read_submission")
GuidanceJudgeOptions = Lazy("proceval.scores.guidance_judge:GuidanceJudgeOptions")
InterventionOptions = Lazy("proceval.scores.intervention:InterventionOptions")
OopRecoveryOptions = Lazy("proceval.scores.oop_recovery:OopRecoveryOptions")
PqsOptions = Lazy("proceval.scores.pqs:PqsOptions")

F = Headline
SESSION_CONFIGS: tuple[str, ...] = ("egoproactive",)
DECISION_CONFIGS: tuple[str, ...] = ("egoproactive_decisions", *(f"pro2bench_{s}" for s in SOURCES))
OOP_CONFIGS: tuple[str, ...] = ("pro2bench_egoproactive",)

_SESSION_IDS = "``video_path`` (the session's file name, as in the challenge JSONL)"
_DECISION_IDS = '``decision_id`` (``"<session>/<interval index>"``)'
_ANSWERS = 'one ``"$interrupt$<utterance>"`` or ``"$silent$"`` string per decision chunk'
_SCORES = (F("interrupt_f1"), F("silent_f1"))
_GUIDANCE = tuple(
    F(f"mean_{d}", range=(1.0, 5.0), unit="score")
    for d in ("overall", "relevance", "specificity", "actionability", "conciseness")
)

TASKS: tuple[Task, ...] = (
    Task(
        name="intervention",
        benchmark="pro2bench",
        metric="intervention",
        configs=SESSION_CONFIGS,
        id_column="video_path",
        ids=ad.session_ids,
        ids_doc=_SESSION_IDS,
        prediction_doc=f"{_ANSWERS} (official submission JSONL lines ``{{video_path, answers}}``)",
        resample="session",
        score=ad.score_intervention,
        options=InterventionOptions,
        headline=(F("macro_f1"), F("gmean_f1"), *_SCORES),
        summary="interrupt / silent P, R, F1, macro F1 (challenge ranking), G-mean F1 (official scorer)",
        baseline=bl.sessions,
        read_predictions=read_submission,
        plots=intervention_plots,
        reads_rows=True,
    ),
    Task(
        name="intervention_decisions",
        benchmark="pro2bench",
        metric="intervention",
        configs=DECISION_CONFIGS,
        id_column="decision_id",
        ids=ad.decision_ids,
        ids_doc=_DECISION_IDS,
        prediction_doc='one ``"$interrupt$<utterance>"`` or ``"$silent$"`` string',
        resample="session",
        score=ad.score_intervention_decisions,
        options=InterventionOptions,
        headline=(F("gmean_f1"), F("macro_f1"), *_SCORES),
        summary="interrupt / silent P, R, F1, G-mean F1 (the paper's), macro F1 over decision points",
        baseline=bl.decisions,
        plots=intervention_decision_plots,
    ),
    Task(
        name="pqs",
        benchmark="pro2bench",
        metric="pqs",
        configs=SESSION_CONFIGS,
        id_column="video_path",
        ids=ad.session_ids,
        ids_doc=_SESSION_IDS,
        prediction_doc=(
            f"{_ANSWERS}, with ``ratings`` (one per answer: null, or the four judge ratings 1-5 of a true "
            "positive) unless a judge rates them"
        ),
        resample="session",
        score=ad.score_pqs,
        options=PqsOptions,
        extra_options=JUDGE_OPTIONS,
        headline=(F("pqs"), F("gmean_f1")),
        summary="Proactive Quality Score (TN 1, TP judge content score, FP/FN 0) and G-mean F1",
        read_predictions=read_submission,
        baseline=bl.sessions,
        reads_rows=True,
    ),
    Task(
        name="pqs_decisions",
        benchmark="pro2bench",
        metric="pqs",
        configs=DECISION_CONFIGS,
        id_column="decision_id",
        ids=ad.decision_ids,
        ids_doc=_DECISION_IDS,
        prediction_doc='``{"answer": str, "rating": null or four judge ratings 1-5}`` (or the answer alone with a judge)',
        resample="session",
        score=ad.score_pqs_decisions,
        options=PqsOptions,
        extra_options=JUDGE_OPTIONS,
        headline=(F("pqs"), F("gmean_f1")),
        summary="Proactive Quality Score and G-mean F1 over decision points",
        baseline=bl.decisions,
    ),
    Task(
        name="guidance_judge",
        benchmark="pro2bench",
        metric="guidance_judge",
        configs=SESSION_CONFIGS,
        id_column="video_path",
        ids=ad.session_ids,
        ids_doc=_SESSION_IDS,
        prediction_doc=(
            f"{_ANSWERS}, rated by a judge (``-o judge_model=...``), or with ``ratings`` (one per answer: "
            "null, or the four ratings 1-5 of a true positive)"
        ),
        resample="session",
        score=ad.score_guidance_judge,
        options=GuidanceJudgeOptions,
        extra_options=JUDGE_OPTIONS,
        headline=_GUIDANCE,
        summary="judge ratings 1-5 (relevance, specificity, actionability, conciseness) of true-positive interrupts",
        read_predictions=read_submission,
        baseline=bl.sessions,
        reads_rows=True,
    ),
    Task(
        name="guidance_judge_decisions",
        benchmark="pro2bench",
        metric="guidance_judge",
        configs=DECISION_CONFIGS,
        id_column="decision_id",
        ids=ad.decision_ids,
        ids_doc=_DECISION_IDS,
        prediction_doc='one answer string with a judge, or ``{"answer": str, "rating": null or four ratings 1-5}``',
        resample="session",
        score=ad.score_guidance_judge_decisions,
        options=GuidanceJudgeOptions,
        extra_options=JUDGE_OPTIONS,
        headline=_GUIDANCE,
        summary="judge ratings 1-5 of the true-positive interrupts over decision points",
        baseline=bl.decisions,
    ),
    Task(
        name="oop_recovery",
        benchmark="pro2bench",
        metric="oop_recovery",
        configs=OOP_CONFIGS,
        id_column="decision_id",
        ids=ad.decision_ids,
        ids_doc=_DECISION_IDS,
        prediction_doc='one ``"$interrupt$<utterance>"`` or ``"$silent$"`` string',
        resample="session",
        score=ad.score_oop_recovery,
        options=OopRecoveryOptions,
        extra_options={"ratings": (None, None), **JUDGE_OPTIONS},
        headline=(
            F("oop_detection_recall"),
            F("recovery_quality", range=(1.0, 5.0), unit="score"),
        ),
        summary="OOP detection recall (+/-2 s onset tolerance) and recovery quality (judge, 1-5)",
        baseline=bl.decisions,
    ),
)
