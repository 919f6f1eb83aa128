"""PQS (Proactive Quality Score, PWR paper) with G-mean F1 and the judge counts, as an evaluate metric."""

import datasets
import evaluate

from proceval.benchmarks.pro2bench.scoring import pqs_module_scores

_CITATION = """\
@article{kundu2026planwatchrecover,
  title   = {Plan, Watch, Recover: A Benchmark and Architectures for Proactive Procedural Assistance},
  author  = {Kundu, Kaustav and Shrivastava, Ritvik and Arap, Maxim and Wang, Nanshu and others},
  journal = {arXiv preprint arXiv:2606.04970},
  year    = {2026}
}
"""

_DESCRIPTION = """\
The PWR paper's Proactive Quality Score: one number for when to speak and what to say. Each decision
point scores 1 if gold and prediction are both silent (true negative), g = (mean of the four judge
ratings - 1) / 4 if both interrupt (true positive), and 0 for a false positive or false negative; PQS
is the mean over all decision points. The four ratings (relevance, specificity, actionability,
conciseness; integers 1-5) rate the predicted utterance against the gold one and are needed for true
positives only: give them (`ratings`) or give a judge (`judge`: a proceval judge backend, asked with
the paper's Appendix G prompt on the true positives only, or a callable). Decisions are parsed exactly
as the EgoProactive challenge scorer parses them. An always-silent policy scores the silent base rate
under PQS but 0 under G-mean F1, so both are reported. Scores are fractions in [0, 1].
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per session, one answer string per decision point ("$interrupt$<utterance>" or "$silent$").
    references: per session, the gold answers.
    ratings (optional): per session, a list with one entry per decision point: None, or the four ratings
        of a true positive ({"relevance", "specificity", "actionability", "conciseness"} or a list of four
        integers 1-5); or a flat mapping {(session_id, decision_index): rating}.
    judge (optional): instead of `ratings`, a proceval judge backend (or several) or a callable taking a
        list of JudgeItem and returning one reply per item.
    contexts (list of str, optional): per session, the task context the judge sees.
    tasks, domains (list of str, optional): per session, for `per_task` / `per_domain`.
    length_mismatch (str): "error" (default) or "truncate" (the official scorer's rule).
    judge_failure (str): "zero" (default: an unreadable or failed judge reply scores g = 0, counted in
        num_judge_failures) or "error".
    interrupt_tag, silent_tag (str): the tags, default "$interrupt$" / "$silent$".
    ids (list, optional): one id per session (default "#0", "#1", ...: the keys of a flat `ratings`).
    bootstrap (int): session resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions, paired_ratings (optional): a second system, for a paired bootstrap.
Returns:
    pqs, gmean_f1, macro_f1, interrupt_/silent_ precision/recall/f1 (fractions), tp, fp, tn, fn,
    num_decision_points, skipped_chunks, num_sessions, num_invalid_predictions, mean_content_score,
    mean_relevance, mean_specificity, mean_actionability, mean_conciseness (1-5), num_rated,
    num_judge_calls, num_judge_failures, num_unused_ratings, per_task, per_domain, per_session,
    signature (and judge_runs with a judge backend, ci / paired when asked for).
Examples:
    >>> import evaluate
    >>> pqs = evaluate.load("metrics/pqs")
    >>> preds = [["$interrupt$ Add salt.", "$silent$", "$silent$", "$interrupt$ Stir."]]
    >>> refs = [["$interrupt$ Add the salt.", "$silent$", "$interrupt$ Stir.", "$silent$"]]
    >>> r = pqs.compute(predictions=preds, references=refs, ratings=[[[5, 4, 5, 4], None, None, None]])
    >>> r["pqs"], r["tp"], r["tn"], r["gmean_f1"]   # (0.875 + 1 + 0 + 0) / 4
    (0.46875, 1, 1, 0.5)
    >>> r = pqs.compute(predictions=[["$silent$"] * 4], references=refs)   # always silent: no TP to rate
    >>> r["pqs"], r["gmean_f1"]   # the silent base rate, and 0
    (0.5, 0.0)
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Pqs(evaluate.Metric):
    """Proactive Quality Score and G-mean F1 of per-session answers."""

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
        judge_failure="zero",
        interrupt_tag="$interrupt$",
        silent_tag="$silent$",
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
        paired_ratings=None,
    ):
        return pqs_module_scores(
            predictions,
            references,
            ratings=ratings,
            judge=judge,
            contexts=contexts,
            tasks=tasks,
            domains=domains,
            length_mismatch=length_mismatch,
            judge_failure=judge_failure,
            interrupt_tag=interrupt_tag,
            silent_tag=silent_tag,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
            paired_ratings=paired_ratings,
        )
