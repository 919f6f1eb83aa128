"""ProcObject-10K's task declarations (:class:`~proceval.registry.Task`): two metrics on every config.

Every config (``all``, ``needle``, ``multihop`` and one per QA type; see
:mod:`proceval.benchmarks.procobject.configs`) is scored by three tasks:

* ``grounding``: mIoU, mIoP, mIoG and IoU@{0.3, 0.5, 0.7} of the predicted evidence spans (the paper's
  grounding columns, ProcObject-10K toolkit definition by default);
* ``answer_similarity``: Sentence-BERT cosine and BERTScore F1 of the predicted answers (the paper's S.
  and B. columns; backbones in :mod:`proceval.scores.answer_similarity`);
* ``videoqa_judge``: LLM-judge ratings 0-5 of the predicted answers on the paper's four dimensions,
  averaged per dimension and overall (the paper's J. column; several judges averaged, with their
  agreement). The judges are adapter options (``-o judge_model=a,b -o judge_endpoint=<url>`` or
  ``-o judge_ledger=<ledger.jsonl>``, see :mod:`proceval.judges.options`).

Predictions are the official prediction records ``{"id", "predicted_answer", "predicted_evidence"}``
keyed by ``str(id)`` (:func:`~proceval.benchmarks.procobject.parsing.read_official_predictions` reads the
official files); the bootstrap resamples questions. References and predictions are read by
:mod:`proceval.benchmarks.procobject.adapters`.
"""

from __future__ import annotations

from proceval.benchmarks.procobject.schema import CONFIG_NAMES
from proceval.judges.options import JUDGE_OPTIONS
from proceval.registry import Headline, Lazy, LazyModule, Task

# Adapters, readers, plots and options are named, not imported: declaring ProcObject imports none of
# them (registry.Lazy).
ad = LazyModule("proceval.benchmarks.procobject.adapters")
read_official_predictions = Lazy("proceval.benchmarks.procobject.parsing:read_official_predictions")
grounding_plots = Lazy("proceval.benchmarks.procobject.plots:grounding_plots")
AnswerSimilarityOptions = Lazy("proceval.scores.answer_similarity:AnswerSimilarityOptions")
GroundingOptions = Lazy("proceval.scores.grounding:GroundingOptions")
VideoqaJudgeOptions = Lazy("proceval.scores.videoqa_judge:VideoqaJudgeOptions")

F = Headline
_IDS = "``id`` (the question id, as text)"
_RECORD = '``{"id", "predicted_answer", "predicted_evidence"}`` record'
_MISSING = {"missing_predictions": ("error", "missing")}

TASKS: tuple[Task, ...] = (
    Task(
        name="grounding",
        benchmark="procobject",
        metric="grounding",
        configs=CONFIG_NAMES,
        id_column="id",
        ids=ad.question_ids,
        ids_doc=_IDS,
        prediction_doc=(
            f"{_RECORD}; evidence ``[[start_s, end_s], ...]`` relative to the clip, or the model's text"
        ),
        resample="question",
        score=ad.score_grounding,
        options=GroundingOptions,
        extra_options=_MISSING,
        headline=(F("mean_iou"), F("mean_iop"), F("mean_iog"), F("iou_at_0_3"), F("iou_at_0_5")),
        summary="evidence spans: mIoU, mIoP, mIoG, IoU@{0.3,0.5,0.7} (continuous seconds, merged spans)",
        baseline=ad.demo_baseline,
        read_predictions=read_official_predictions,
        plots=grounding_plots,
    ),
    Task(
        name="answer_similarity",
        benchmark="procobject",
        metric="answer_similarity",
        configs=CONFIG_NAMES,
        id_column="id",
        ids=ad.question_ids,
        ids_doc=_IDS,
        prediction_doc=f"{_RECORD}; its ``predicted_answer`` (text, or the model's JSON reply)",
        resample="question",
        score=ad.score_answer_similarity,
        options=AnswerSimilarityOptions,
        extra_options=_MISSING,
        headline=(
            F("mean_sentence_similarity", range=(-1.0, 1.0), unit="score"),
            F("mean_bertscore_f1", range=(-1.0, 1.0), unit="score"),
        ),
        summary="answers: Sentence-BERT cosine (all-MiniLM-L6-v2) and BERTScore F1",
        baseline=ad.demo_baseline,
        read_predictions=read_official_predictions,
    ),
    Task(
        name="videoqa_judge",
        benchmark="procobject",
        metric="videoqa_judge",
        configs=CONFIG_NAMES,
        id_column="id",
        ids=ad.question_ids,
        ids_doc=_IDS,
        prediction_doc=f"{_RECORD}; its ``predicted_answer``, rated by the judges given as options",
        resample="question",
        score=ad.score_videoqa_judge,
        options=VideoqaJudgeOptions,
        extra_options={**_MISSING, **JUDGE_OPTIONS},
        headline=(
            F("mean_overall", range=(0.0, 5.0), unit="score"),
            F("mean_contextual_integration", range=(0.0, 5.0), unit="score"),
            F("mean_temporal_understanding", range=(0.0, 5.0), unit="score"),
        ),
        summary="answers rated 0-5 by LLM judges: 4 VCGBench-style dimensions, their mean, judge agreement",
        baseline=ad.demo_baseline,
        read_predictions=read_official_predictions,
    ),
)
