"""CV-SMR: IMPACT cross-view semantic-matching retrieval (Recall@1/5, mAP) as an evaluate metric."""

import datasets
import evaluate

from proceval.benchmarks.impact.cv_scoring import cv_smr_module_scores

_CITATION = """\
@misc{impact_benchmark,
  title        = {{IMPACT}: a synchronized five-view {RGB-D} dataset for industrial procedural understanding},
  howpublished = {\\url{https://github.com/Kratos-Wen/IMPACT}},
  note         = {Cite the paper as listed in the repository; the copy used here lacks its title page}
}
"""

_DESCRIPTION = """\
CV-SMR scores semantic matching across views and trials: each query segment ranks a gallery of segments
from other trials and other views by cosine similarity; gallery items with the query's coarse label are
relevant. The gallery is sorted by descending score with a stable sort (ties keep gallery order, as the
official evaluator). AP is non-interpolated over the full gallery, R@k = any relevant item in the top k.
Queries with an empty gallery or no relevant item are skipped and counted. Overall values are means over
evaluated queries pooled over query views. Two ways in: the official one, segment embeddings plus a
protocol built from the release with `proceval.benchmarks.impact.cv_protocols.build_cv_smr_protocol` (the metric
computes the cosines and the gallery rule); or per-query score and relevance vectors (`cv_smr_inputs` builds
them). Scores are fractions in [0, 1] (the IMPACT paper prints x100).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: with `protocol`: one embedding (list of floats) per segment. Otherwise per query its
        similarities to every item of its gallery (list of floats; [] = empty gallery). Gallery order
        breaks ties.
    references: with `protocol`: the segment id "{video_id}:{segment_index}" of each embedding.
        Otherwise per query a 0/1 relevance list of the same length (1 = same coarse label).
    protocol (CVSMRProtocol, optional): `proceval.benchmarks.impact.cv_protocols.build_cv_smr_protocol(segments,
        trials=...)`; embeddings are L2-normalised and mean-pooled if [T, D]. Per-query-view outputs are included.
    query_views (list of str, optional): per query its view, for per_query_view_* outputs.
    ids (list, optional): query ids aligned with the accumulated predictions, used in error messages.
    ks (list of int): recall cut-offs, default [1, 5].
    precision (str): "float64" (default) or "float32": the official script's float32 embeddings, cosines
        and means (matters only for near-tied similarities; see the card).
    bootstrap (int): query resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's predictions (same form) for a paired bootstrap.
Returns:
    overall_recall_at_1, overall_recall_at_5, overall_map (fractions, higher is better),
    num_candidate_queries, num_evaluated_queries, num_skipped_empty_gallery, num_skipped_no_positive,
    per_query_view_* dicts (with query_views), signature.
Examples:
    >>> cv_smr_metric = evaluate.load("metrics/cv_smr")
    >>> r = cv_smr_metric.compute(predictions=[[0.9, 0.5, 0.1], [0.3, 0.7], []],
    ...                           references=[[0, 1, 1], [1, 0], []])
    >>> round(r["overall_map"], 4), r["overall_recall_at_1"], r["num_skipped_empty_gallery"]
    (0.5417, 0.0, 1)
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class CvSmr(evaluate.Metric):
    """CV-SMR Recall@k and mAP."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=[
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Value("float64")),
                        "references": datasets.Sequence(datasets.Value("int8")),
                    }
                ),
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Value("float64")),
                        "references": datasets.Value("string"),
                    }
                ),
            ],
            reference_urls=[
                "https://github.com/Kratos-Wen/IMPACT/blob/1293f6bb/tasks/CV-SM/retrieval/cv_smr_retrieval.py"
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        protocol=None,
        query_views=None,
        ids=None,
        ks=(1, 5),
        precision="float64",
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return cv_smr_module_scores(
            predictions,
            references,
            protocol=protocol,
            query_views=query_views,
            ids=ids,
            ks=ks,
            precision=precision,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
