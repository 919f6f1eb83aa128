"""Intervention decisions (EgoProactive challenge scorer: interrupt / silent F1, macro F1, G-mean F1) as an evaluate metric."""

import datasets
import evaluate

from proceval.benchmarks.pro2bench.scoring import intervention_module_scores

_CITATION = """\
@article{kundu2026planwatchrecover,
  title   = {Plan, Watch, Recover: A Benchmark and Architectures for Proactive Procedural Assistance},
  author  = {Kundu, Kaustav and Shrivastava, Ritvik and Arap, Maxim and Wang, Nanshu and others},
  journal = {arXiv preprint arXiv:2606.04970},
  year    = {2026}
}
"""

_DESCRIPTION = """\
Scores proactive assistants' decisions to interrupt (speak) or stay silent at each decision point of a
session, exactly as the EgoProactive challenge's official scorer (starter_kit/run_evaluation.py) does.
An answer is an interrupt iff, after removing leading whitespace, it starts with "$interrupt$";
everything else (including "", text before the tag, or neither tag) is silent, and answers with neither
tag are counted. Counts are pooled over all decision points of all sessions, interrupt = positive class:
interrupt P/R/F1 from TP, FP, FN; silent P/R/F1 from TN, FN, FP; every 0/0 = 0. macro_f1 = (IF1 + SF1) / 2
is the challenge's ranking metric; gmean_f1 = sqrt(IF1 * SF1) is the PWR paper's G-Mean F1 (0 when a
class is never predicted). Per-task and per-domain breakdowns use the same formulas. Scores are
fractions in [0, 1], unrounded (the official scorer prints 4 decimals). One example is one session.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per session, one answer string per decision point ("$interrupt$<utterance>" or "$silent$").
    references: per session, the gold answers (the challenge row's `answers`).
    tasks (list of str, optional): per session, its `task` (for `per_task`).
    domains (list of str, optional): per session, its `domain` (for `per_domain`).
    length_mismatch (str): "error" (default: a prediction list whose length differs from its reference is
        an error) or "truncate" (the official scorer: score the first min(len) decision points and count
        the rest in `skipped_chunks`).
    interrupt_tag (str): the interrupt prefix, default "$interrupt$".
    silent_tag (str): the silent answer's prefix, default "$silent$".
    ids (list, optional): one id per session (messages, `per_session` keys).
    bootstrap (int): session resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's answers for a paired bootstrap.
Returns:
    interrupt_precision, interrupt_recall, interrupt_f1, silent_precision, silent_recall, silent_f1,
    macro_f1, gmean_f1 (fractions), tp, fp, tn, fn, num_decision_points, skipped_chunks, num_sessions,
    num_invalid_predictions, num_invalid_references, per_task, per_domain, per_session, signature
    (and ci / paired when asked for).
Examples:
    >>> import evaluate
    >>> intervention = evaluate.load("metrics/intervention")
    >>> preds = [["$interrupt$ Add salt.", "$silent$", "  $interrupt$", ""]]
    >>> refs = [["$interrupt$ Add the salt now.", "$silent$", "$silent$", "$interrupt$ Stir."]]
    >>> r = intervention.compute(predictions=preds, references=refs)
    >>> r["tp"], r["fp"], r["tn"], r["fn"], r["num_invalid_predictions"]
    (1, 1, 1, 1, 1)
    >>> r["interrupt_f1"], r["silent_f1"], r["macro_f1"], r["gmean_f1"]
    (0.5, 0.5, 0.5, 0.5)
    >>> r = intervention.compute(predictions=[["$interrupt$ Hi."]], references=[["$interrupt$ Hello.", "$silent$"]],
    ...                          length_mismatch="truncate")
    >>> r["skipped_chunks"], r["interrupt_f1"], r["silent_f1"], r["macro_f1"], r["gmean_f1"]
    (1, 1.0, 0.0, 0.5, 0.0)
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Intervention(evaluate.Metric):
    """Interrupt / silent F1, macro F1 and G-mean F1 of per-session answers."""

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
            reference_urls=[
                "https://huggingface.co/datasets/facebook/wearable-ai/blob/main/starter_kit/run_evaluation.py",
                "https://github.com/Sri427/wearable-ai-proactive/blob/87c969c4/starter_kit/run_evaluation.py",
                "https://arxiv.org/abs/2606.04970",
            ],
        )

    def _compute(
        self,
        predictions,
        references,
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
    ):
        return intervention_module_scores(
            predictions,
            references,
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
        )
