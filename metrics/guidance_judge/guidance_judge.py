"""Guidance judge (PWR paper): four-dimension ratings 1-5 of the true-positive interrupts, as an evaluate metric."""

import datasets
import evaluate

from proceval.benchmarks.pro2bench.scoring import guidance_judge_module_scores

_CITATION = """\
@article{kundu2026planwatchrecover,
  title   = {Plan, Watch, Recover: A Benchmark and Architectures for Proactive Procedural Assistance},
  author  = {Kundu, Kaustav and Shrivastava, Ritvik and Arap, Maxim and Wang, Nanshu and others},
  journal = {arXiv preprint arXiv:2606.04970},
  year    = {2026}
}
"""

_DESCRIPTION = """\
The PWR paper's subjective judge: what a proactive assistant says when it correctly interrupts. Only the
true positives (prediction and gold both interrupt at the same decision point) are rated, on the paper's
four dimensions (relevance, specificity, actionability, conciseness; integers 1-5; prompt from Appendix
G), by a judge (a proceval judge backend, or several averaged per item, or a callable) or supplied
ratings. Reports the mean of each dimension and their mean (1-5, over the judged true positives), each
judge's means and Krippendorff's alpha (ordinal) per dimension with two or more judges, and the counts
of true positives, judged items, unparseable / failed / cached judge replies. A reply that is not a
rating is counted and left out, never scored. Decisions are parsed as the EgoProactive challenge scorer
parses them.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per session, one answer string per decision point ("$interrupt$<utterance>" or "$silent$").
    references: per session, the gold answers.
    ratings (optional): supplied ratings of the true positives: per session a list with one entry per
        decision point (None, or four integers 1-5 / a mapping of the four dimensions), or a flat mapping
        {(session_id, decision_index): rating}.
    judge (optional): instead of `ratings`, a proceval judge backend (or a list of them, averaged per item)
        asked with the paper's prompt, or a callable taking a list of JudgeItem and returning one reply each.
        Backends are keyed by item id "<session_id>/<decision_index>" (PrecomputedBackend).
    contexts (list of str, optional): per session, the task context the judge sees.
    tasks, domains (list of str, optional): per session, for `per_task` / `per_domain`.
    length_mismatch (str): "error" (default) or "truncate" (the official scorer's rule).
    interrupt_tag, silent_tag (str): the tags, default "$interrupt$" / "$silent$".
    ids (list, optional): one id per session (default "#0", "#1", ...).
    bootstrap (int): session resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions, paired_ratings (optional): a second system, for a paired bootstrap.
Returns:
    mean_relevance, mean_specificity, mean_actionability, mean_conciseness, mean_overall (1-5),
    num_true_positives, num_judged, num_unparseable, num_failed, num_cached, num_unused_ratings,
    num_sessions, per_judge ({model@revision: means and counts}), krippendorff_alpha ({dimension: alpha},
    two or more judges), per_task, per_domain, per_session, signature (judges, template hash, decoding),
    judge_runs (judge backends), ci / paired when asked for.
Examples:
    >>> import evaluate
    >>> from proceval.judges import PrecomputedBackend
    >>> guidance_judge = evaluate.load("metrics/guidance_judge")
    >>> preds = [["$interrupt$ Add salt.", "$silent$", "$interrupt$ Stir.", "$interrupt$ Wait."]]
    >>> refs = [["$interrupt$ Add the salt.", "$silent$", "$interrupt$ Stir it.", "$silent$"]]
    >>> def rating(r, s, a, c):
    ...     return {"relevance": r, "specificity": s, "actionability": a, "conciseness": c}
    >>> alice = PrecomputedBackend({"#0/0": rating(5, 4, 5, 4), "#0/2": rating(3, 2, 3, 4)}, model="alice")
    >>> bob = PrecomputedBackend({"#0/0": rating(5, 4, 4, 4), "#0/2": rating(3, 3, 3, 4)}, model="bob")
    >>> r = guidance_judge.compute(predictions=preds, references=refs, judge=[alice, bob])
    >>> r["num_true_positives"], r["num_judged"], r["mean_relevance"], r["mean_overall"]
    (2, 2, 4.0, 3.75)
    >>> r["per_judge"]["alice"]["mean_actionability"], r["per_judge"]["bob"]["mean_specificity"]
    (4.0, 3.5)
    >>> sorted(r["krippendorff_alpha"])
    ['actionability', 'conciseness', 'relevance', 'specificity']
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class GuidanceJudge(evaluate.Metric):
    """Mean judge ratings (relevance, specificity, actionability, conciseness) of true-positive interrupts."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("string")),
                    "references": datasets.Sequence(datasets.Value("string")),
                }
            ),
            homepage="https://huggingface.co/datasets/facebook/wearable-ai",
            reference_urls=["https://arxiv.org/abs/2606.04970"],
        )

    def _compute(
        self,
        predictions,
        references,
        ratings=None,
        judge=None,
        contexts=None,
        tasks=None,
        domains=None,
        length_mismatch="error",
        interrupt_tag="$interrupt$",
        silent_tag="$silent$",
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
        paired_ratings=None,
    ):
        return guidance_judge_module_scores(
            predictions,
            references,
            ratings=ratings,
            judge=judge,
            contexts=contexts,
            tasks=tasks,
            domains=domains,
            length_mismatch=length_mismatch,
            interrupt_tag=interrupt_tag,
            silent_tag=silent_tag,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
            paired_ratings=paired_ratings,
        )
