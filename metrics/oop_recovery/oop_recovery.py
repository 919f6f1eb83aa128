"""OOP detection recall (onset tolerance) and recovery quality (PWR paper, EgoProactive) as an evaluate metric."""

import datasets
import evaluate

from proceval.benchmarks.pro2bench.scoring import oop_recovery_module_scores

_CITATION = """\
@article{kundu2026planwatchrecover,
  title   = {Plan, Watch, Recover: A Benchmark and Architectures for Proactive Procedural Assistance},
  author  = {Kundu, Kaustav and Shrivastava, Ritvik and Arap, Maxim and Wang, Nanshu and others},
  journal = {arXiv preprint arXiv:2606.04970},
  year    = {2026}
}
"""

_DESCRIPTION = """\
Out-of-plan (OOP) evaluation of a proactive assistant, as the PWR paper defines it on EgoProactive:
detection recall is the fraction of annotated deviations (omission, ordering, substitution) that the
model flags with a timely interrupt, with a +/-2 s tolerance around the deviation onset; recovery
quality is the judge's mean rating (relevance, specificity, actionability, conciseness; 1-5, raw scale)
of the recovery utterance of each detected deviation. The paper leaves the matching rule open; here a
decision point (chunk [start_s, end_s], decided at end_s) is timely for a deviation iff end_s lies in
[onset - tol, onset + tol] (matching="decision_time", default) or its chunk intersects that window
(matching="chunk_overlap"); a deviation is detected iff a timely decision point interrupts, and its
recovery utterance is the earliest timely interrupt. One example is one session.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per session, one answer string per decision point ("$interrupt$<utterance>" or "$silent$").
    references: per session, its deviations: a list of {"onset_s": float (seconds), "recovery": str
        (gold recovery utterance), "type": str} (all three keys, "" when unknown), or of bare onsets.
    intervals (list): per session, one [start_s, end_s] chunk (seconds) per decision point (required).
    ratings (dict, optional): recovery ratings of detected deviations, {(session_id, deviation_index):
        four integers 1-5}; session ids are `ids` (default "#0", "#1", ...).
    judge (optional): instead of `ratings`, a proceval judge backend (asked with the paper's Appendix G
        prompt) or a callable taking a list of JudgeItem and returning one reply per item.
    contexts (list of str, optional): per session, the task context the judge sees.
    onset_tolerance_s (float): tolerance in seconds, default 2.0.
    matching (str): "decision_time" (default) or "chunk_overlap".
    judge_failure (str): "skip" (default: an unreadable judge reply is left out of the mean, counted) or
        "error".
    interrupt_tag, silent_tag (str): the tags, default "$interrupt$" / "$silent$".
    ids (list, optional): one id per session.
    bootstrap (int): session resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's answers for a paired bootstrap.
Returns:
    oop_detection_recall (fraction), recovery_quality (1-5; NaN when nothing was rated), mean_relevance,
    mean_specificity, mean_actionability, mean_conciseness, num_oop_instances, num_detected,
    num_undetectable, num_rated, num_judge_calls, num_judge_failures, num_unused_ratings, num_sessions,
    per_type, per_session, signature (and judge_runs / ci / paired when asked for).
Examples:
    >>> import evaluate
    >>> oop = evaluate.load("metrics/oop_recovery")
    >>> preds = [["$silent$", "$interrupt$ Put the lid back first.", "$silent$"]]
    >>> refs = [[{"onset_s": 7.0, "recovery": "Put the lid on before blending.", "type": "omission"}]]
    >>> r = oop.compute(predictions=preds, references=refs, intervals=[[[0, 4], [4, 8], [8, 12]]],
    ...                 ratings={("#0", 0): [5, 4, 4, 5]})
    >>> r["oop_detection_recall"], r["recovery_quality"], r["num_detected"]
    (1.0, 4.5, 1)
    >>> oop = evaluate.load("metrics/oop_recovery")   # evaluate keeps the input kind of its first call
    >>> r = oop.compute(predictions=preds, references=[[10.5]], intervals=[[[0, 4], [4, 8], [8, 12]]])
    >>> r["oop_detection_recall"]   # the interrupt at 8 s is 2.5 s before the onset: not timely
    0.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class OopRecovery(evaluate.Metric):
    """OOP detection recall and recovery quality of per-session answers."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            # deviations as {onset_s, recovery, type} (all three keys; "" when unknown), or bare onsets
            features=[
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Value("string")),
                        "references": datasets.List(
                            {
                                "onset_s": datasets.Value("float64"),
                                "recovery": datasets.Value("string"),
                                "type": datasets.Value("string"),
                            }
                        ),
                    }
                ),
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Value("string")),
                        "references": datasets.Sequence(datasets.Value("float64")),
                    }
                ),
            ],
            homepage="https://huggingface.co/datasets/facebook/wearable-ai",
            reference_urls=["https://arxiv.org/abs/2606.04970"],
        )

    def _compute(
        self,
        predictions,
        references,
        intervals=None,
        ratings=None,
        judge=None,
        contexts=None,
        onset_tolerance_s=2.0,
        matching="decision_time",
        judge_failure="skip",
        interrupt_tag="$interrupt$",
        silent_tag="$silent$",
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return oop_recovery_module_scores(
            predictions,
            references,
            intervals=intervals,
            ratings=ratings,
            judge=judge,
            contexts=contexts,
            onset_tolerance_s=onset_tolerance_s,
            matching=matching,
            judge_failure=judge_failure,
            interrupt_tag=interrupt_tag,
            silent_tag=silent_tag,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
