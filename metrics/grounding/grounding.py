"""Grounding: set-level IoU / IoP / IoG of multi-span temporal evidence (ProcObject-10K, MultiHop-EgoQA)."""

import datasets
import evaluate

from proceval.scores.grounding import grounding_scores

_CITATION = """\
@article{procobject10k,
  title   = {{ProcObject-10K}: object-centric procedural understanding with grounded video question answering},
  journal = {arXiv preprint arXiv:2512.03479},
  year    = {2025},
  note    = {Version 2}
}
@inproceedings{chen2025grounded,
  title     = {Grounded Multi-Hop VideoQA in Long-Form Egocentric Videos},
  author    = {Chen, Qirui and Di, Shangzhe and Xie, Weidi},
  booktitle = {Proceedings of the AAAI Conference on Artificial Intelligence},
  volume    = {39},
  pages     = {2159--2167},
  year      = {2025}
}
"""

_DESCRIPTION = """\
Temporal grounding of multi-span evidence. Per question, with predicted spans P and gold spans G
([start_s, end_s] in seconds): I = sum over every (p, g) pair of their overlap, IoU = I / (|P| + |G| - I),
IoP = I / |P|, IoG = I / |G| (each 0 when its denominator is 0); mean_iou / mean_iop / mean_iog average
them over questions and iou_at_<k> is the fraction of questions with IoU strictly above k. The default is
the ProcObject-10K toolkit: continuous seconds (length end - start), spans merged into their union first.
span_mode="integer_inclusive", merge=False and empty_prediction="skip" give MultiHop-EgoQA's evaluator.
Predictions may be model text, read by a tolerant parser (num_unparseable_predictions counts failures).
Scores are fractions in [0, 1] (with merging), higher is better; papers print them x100.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per question, predicted spans [[start_s, end_s], ...] in seconds (or the model's text).
    references: per question, gold spans [[start_s, end_s], ...] in seconds.
    span_mode (str): "continuous" (default; length end - start) or "integer_inclusive" (end - start + 1).
    merge (bool): merge each side's spans into their union first (default True); False sums raw pairs.
    empty_prediction (str): "zero" (default; scores 0) or "skip" (left out of the means, a miss in IoU@k).
    invalid_spans (str): "repair" (default; swap reversed spans, clip to [0, duration], drop NaN spans,
        counted) or "error".
    iou_thresholds (tuple of float): the k of iou_at_<k> (default 0.3, 0.5, 0.7).
    durations (list of float, optional): per question, the clip length in seconds.
    qa_types (list of str, optional): per question, its type: adds per_qa_type.
    reasoning (list of str, optional): per question, its reasoning pattern: adds per_reasoning.
    ids (list, optional): question ids aligned with the accumulated predictions.
    bootstrap (int): question resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's predictions for a paired bootstrap.
Returns:
    mean_iou, mean_iop, mean_iog, iou_at_0_3, iou_at_0_5, iou_at_0_7, num_questions,
    num_empty_predictions, num_unparseable_predictions, num_reversed_spans, num_clipped_spans,
    num_dropped_spans, num_clipped_reference_spans, num_merged_reference_spans, num_empty_references,
    per_question ({"id", "iou", "iop", "iog"} columns), signature (and per_qa_type, per_reasoning, ci,
    paired when asked for).
Examples:
    >>> import evaluate
    >>> grounding = evaluate.load("metrics/grounding")
    >>> preds = [[[0.0, 4.0], [2.0, 6.0]], [[10.0, 12.0]]]
    >>> refs = [[[1.0, 3.0], [5.0, 9.0]], [[11.0, 15.0]]]
    >>> r = grounding.compute(predictions=preds, references=refs)
    >>> round(r["mean_iou"], 4), r["mean_iop"], round(r["mean_iog"], 4), r["iou_at_0_3"]
    (0.2667, 0.5, 0.375, 0.5)
    >>> r = grounding.compute(predictions=preds, references=refs, merge=False)
    >>> round(r["mean_iou"], 4)
    0.3
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Grounding(evaluate.Metric):
    """Set-level IoU / IoP / IoG of multi-span temporal evidence."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            # spans first; model text as a second alternative (read by the tolerant parser)
            features=[
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Sequence(datasets.Value("float64"))),
                        "references": datasets.Sequence(datasets.Sequence(datasets.Value("float64"))),
                    }
                ),
                datasets.Features(
                    {
                        "predictions": datasets.Value("string"),
                        "references": datasets.Sequence(datasets.Sequence(datasets.Value("float64"))),
                    }
                ),
            ],
            reference_urls=[
                "https://github.com/qirui-chen/MultiHop-EgoQA/blob/01ed3e1/benchmark/metrics/evaluate_grounding.py",
                "https://github.com/WenliangGuo/ProcObject-10K/tree/4a7a6a9",
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        span_mode="continuous",
        merge=True,
        empty_prediction="zero",
        invalid_spans="repair",
        iou_thresholds=(0.3, 0.5, 0.7),
        durations=None,
        qa_types=None,
        reasoning=None,
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return grounding_scores(
            predictions,
            references,
            span_mode=span_mode,
            merge=merge,
            empty_prediction=empty_prediction,
            invalid_spans=invalid_spans,
            iou_thresholds=iou_thresholds,
            durations=durations,
            qa_types=qa_types,
            reasoning=reasoning,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
