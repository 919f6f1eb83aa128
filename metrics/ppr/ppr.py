"""PPR: IMPACT procedural phase recognition, accuracy / Macro-F1 / class F1 (normal, anomaly, recovery)."""

import datasets
import evaluate

from proceval.scores.ppr import ppr_scores

_CITATION = """\
@misc{impact_benchmark,
  title        = {{IMPACT}: a synchronized five-view {RGB-D} dataset for industrial procedural understanding},
  howpublished = {\\url{https://github.com/Kratos-Wen/IMPACT}},
  note         = {Cite the paper as listed in the repository; the copy used here lacks its title page}
}
"""

_DESCRIPTION = """\
Procedural phase recognition (IMPACT PPR-L / PPR-R): every frame of a hand is NORMAL (0), ANOMALY (1)
or RECOVERY (2). Reports frame accuracy, per-class F1 with the IMPACT evaluators' epsilons
(P = tp/(tp+fp+1e-8), R = tp/(tp+fn+1e-8), F1 = 2PR/(P+R+1e-8), so an absent, never-predicted class
scores 0) and Macro-F1 = the mean of the three class F1s. aggregate="pooled" (default; ASQuery, DiffAct,
FACT) counts over all frames of all videos; "per_video" (LTContext) averages per-video scores.
Optionally also reports TAS accuracy / Edit / F1@k on the phase labels. Scores are fractions in [0, 1],
higher is better; the IMPACT paper prints them x100.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per video, the predicted phase of every frame (ids 0..2, or names normal / anomaly /
        recovery in any case).
    references: per video, the ground-truth phase of every frame (groundTruth_PPR_{L,R}).
    aggregate (str): "pooled" (default) or "per_video".
    tas_convention (str, optional): also report TAS metrics on the phases under this convention
        ("mstcn", "fact", "ltcontext", "asquery", "diffact"), with nothing ignored.
    ids (list, optional): video ids aligned with the accumulated predictions (messages, per_video keys).
    bootstrap (int): video resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's predictions for a paired bootstrap.
Returns:
    accuracy, macro_f1, f1_normal, f1_anomaly, f1_recovery, per_class_f1, num_videos, num_frames,
    per_video, signature (and tas, ci, paired when asked for).
Examples:
    >>> import evaluate
    >>> ppr_metric = evaluate.load("metrics/ppr")
    >>> r = ppr_metric.compute(predictions=[[0, 0, 1, 1]], references=[[0, 0, 1, 2]])
    >>> r["accuracy"], round(r["f1_normal"], 4), round(r["f1_anomaly"], 4), r["f1_recovery"]
    (0.75, 1.0, 0.6667, 0.0)
    >>> round(r["macro_f1"], 4)
    0.5556
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Ppr(evaluate.Metric):
    """PPR accuracy, Macro-F1 and class F1."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            # label names first: evaluate takes the first alternative whose encoding accepts the input,
            # and an int64 column does not reject strings
            features=[
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Value("string")),
                        "references": datasets.Sequence(datasets.Value("string")),
                    }
                ),
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Value("int64")),
                        "references": datasets.Sequence(datasets.Value("int64")),
                    }
                ),
            ],
            reference_urls=[
                "https://github.com/Kratos-Wen/IMPACT/blob/1293f6bb/third_party/fact/src/utils/evaluate.py",
                "https://github.com/Kratos-Wen/IMPACT/tree/1293f6bb/third_party",
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        aggregate="pooled",
        tas_convention=None,
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return ppr_scores(
            predictions,
            references,
            aggregate=aggregate,
            tas_convention=tas_convention,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
