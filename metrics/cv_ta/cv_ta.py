"""CV-TA: IMPACT cross-view temporal alignment (Recall@1/5, Median Rank, Coverage) as an evaluate metric."""

import datasets
import evaluate

from proceval.benchmarks.impact.cv_scoring import cv_ta_module_scores

_CITATION = """\
@misc{impact_benchmark,
  title        = {{IMPACT}: a synchronized five-view {RGB-D} dataset for industrial procedural understanding},
  howpublished = {\\url{https://github.com/Kratos-Wen/IMPACT}},
  note         = {Cite the paper as listed in the repository; the copy used here lacks its title page}
}
"""

_DESCRIPTION = """\
CV-TA scores cross-view temporal alignment: a query segment from one view must retrieve the aligned
segment of the same occurrence in another view. Each candidate query has a similarity vector over its
gallery and the index of its positive; rank = 1 + #{gallery similarities strictly greater than the
positive's} (optimistic ties). Per directed view pair R@k = mean(rank <= k) and MedR = median(rank);
overall R@k is pooled over queries, overall MedR is the median of the per-pair medians, and Coverage is
evaluated / candidate queries (queries without a visible positive are flagged `evaluable=False`).
Two ways in: the official one, segment embeddings plus a protocol built from the release with
`proceval.benchmarks.impact.cv_protocols.build_cv_ta_protocol` (the metric computes the cosines, positives and
galleries as the official evaluator); or per-query similarity vectors and positive indices (`cv_ta_inputs` builds
them). Scores are fractions in [0, 1] (the IMPACT paper prints x100); ranks are ranks.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: with `protocol`: one embedding (list of floats) per segment. Otherwise, per candidate
        query its similarities to every gallery segment (list of floats), or its 1-based rank (int) with
        `input_type="ranks"`; use [] (or any rank) where not evaluable.
    references: with `protocol`: the segment id "{video_id}:{segment_index}" of each embedding.
        Otherwise per query the 0-based index of the positive in its similarity vector (-1 or anything
        where not evaluable or with ranks).
    protocol (CVTAProtocol, optional): `proceval.benchmarks.impact.cv_protocols.build_cv_ta_protocol(segments,
        "local" | "global" | "exo2ego", trials=...)`; embeddings are L2-normalised and mean-pooled if [T, D].
    pairs (list of str): per query its directed view pair, e.g. "front->left". Mandatory without
        `protocol`.
    evaluable (list of bool, optional): whether each candidate query has a visible positive (Coverage).
        Default: all evaluable.
    ids (list, optional): query ids aligned with the accumulated predictions, used in error messages.
    input_type (str): "similarities" (default) or "ranks".
    ks (list of int): recall cut-offs, default [1, 5].
    median_rank_reduction (str): "median_of_pairs" (official, default) or "pooled".
    bootstrap (int): query resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's predictions (same form) for a paired bootstrap.
Returns:
    overall_recall_at_1, overall_recall_at_5 (fractions, higher is better), overall_median_rank (>= 1,
    lower is better), overall_coverage (fraction), num_candidate_queries, num_evaluated_queries,
    num_pairs, per_pair_* dicts keyed by pair, signature; with `protocol` also per_pair_status_counts.
Examples:
    >>> cv_ta_metric = evaluate.load("metrics/cv_ta")
    >>> r = cv_ta_metric.compute(predictions=[[0.9, 0.1, 0.5], [0.2, 0.8], []], references=[0, 0, -1],
    ...                          pairs=["front->left"] * 3, evaluable=[True, True, False])
    >>> r["overall_recall_at_1"], r["overall_median_rank"], round(r["overall_coverage"], 4)
    (0.5, 1.5, 0.6667)
"""

_FEATURES = [
    datasets.Features(
        {"predictions": datasets.Sequence(datasets.Value("float64")), "references": datasets.Value("int64")}
    ),
    datasets.Features({"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}),
    datasets.Features(
        {"predictions": datasets.Sequence(datasets.Value("float64")), "references": datasets.Value("string")}
    ),
]


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class CvTa(evaluate.Metric):
    """CV-TA Recall@k, Median Rank and Coverage."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=_FEATURES,
            reference_urls=[
                "https://github.com/Kratos-Wen/IMPACT/blob/1293f6bb/tasks/CV-TA/cosine_knn/cv_ta_retrieval.py"
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        protocol=None,
        pairs=None,
        evaluable=None,
        ids=None,
        input_type="similarities",
        ks=(1, 5),
        median_rank_reduction="median_of_pairs",
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return cv_ta_module_scores(
            predictions,
            references,
            protocol=protocol,
            pairs=pairs,
            evaluable=evaluable,
            ids=ids,
            input_type=input_type,
            ks=ks,
            median_rank_reduction=median_rank_reduction,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
