"""ATR-L / ATR-R: IMPACT anomaly type recognition, per-class AP and mAP as an evaluate metric."""

import datasets
import evaluate

from proceval.scores.atr import atr_scores

_CITATION = """\
@misc{impact_benchmark,
  title        = {{IMPACT}: a synchronized five-view {RGB-D} dataset for industrial procedural understanding},
  howpublished = {\\url{https://github.com/Kratos-Wen/IMPACT}},
  note         = {Cite the paper as listed in the repository; the copy used here lacks its title page}
}
"""

_DESCRIPTION = """\
ATR scores multi-label anomaly type recognition on IMPACT hand segments over six types (ERROR_TEMPORAL,
ERROR_SPATIAL, ERROR_HANDLING, ERROR_WRONG_PART, ERROR_WRONG_TOOL, ERROR_PROCEDURAL). Per class, segments
are sorted by descending score with a stable sort (ties keep input order) and AP = sum over positives of
precision at their rank / number of positives (non-interpolated, no tie grouping, so it differs from
scikit-learn's average_precision_score when scores tie). Classes without a positive get AP NaN and are
left out of mAP. Segments whose labels are all zero are skipped (official) and counted. Scores are
fractions in [0, 1] (the IMPACT paper prints x100). For per-frame probabilities plus the segment manifest
use proceval.scores.atr.atr_scores_from_frames.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per segment 6 scores (e.g. mean sigmoid probability over the segment's frames), in
        the class order above.
    references: per segment the 6-value multi-hot label (0/1).
    unlabeled (str): "skip" (default, official) or "keep" all-zero label rows (negatives everywhere).
    precision (str): "float64" (default) or "float32": round the scores to float32 before sorting, as the
        official script stores them; near-ties then keep input order (matters only for near-tied scores).
    ids (list, optional): segment ids aligned with the accumulated predictions (error messages).
    bootstrap (int): segment resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's scores for a paired bootstrap.
Returns:
    mean_ap (higher is better), per_class_ap (NaN for classes without positives), num_classes_evaluated,
    excluded_classes, num_positives_per_class, num_segments, num_unlabeled_skipped, signature.
Examples:
    >>> import evaluate
    >>> atr_metric = evaluate.load("metrics/atr")
    >>> scores = [[0.9, 0.1, 0, 0, 0, 0], [0.2, 0.8, 0, 0, 0, 0], [0.7, 0.3, 0, 0, 0, 0]]
    >>> labels = [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]]
    >>> r = atr_metric.compute(predictions=scores, references=labels)
    >>> r["per_class_ap"]["ERROR_TEMPORAL"], r["per_class_ap"]["ERROR_SPATIAL"], r["num_classes_evaluated"]
    (1.0, 1.0, 2)
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Atr(evaluate.Metric):
    """ATR per-class AP and mAP."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("float64")),
                    "references": datasets.Sequence(datasets.Value("int64")),
                }
            ),
            reference_urls=[
                "https://github.com/Kratos-Wen/IMPACT/blob/1293f6bb/third_party/ltcontext/ltc/utils/atr.py"
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        unlabeled="skip",
        precision="float64",
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return atr_scores(
            predictions,
            references,
            unlabeled=unlabeled,
            precision=precision,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
