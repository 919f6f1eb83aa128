"""PSR: step-completion F1, detection delay and Procedure Order Similarity (IMPACT PSR) as an evaluate metric."""

import datasets
import evaluate

from proceval.scores.psr import psr_scores

_CITATION = """\
@misc{impact_benchmark,
  title        = {{IMPACT}: a synchronized five-view {RGB-D} dataset for industrial procedural understanding},
  howpublished = {\\url{https://github.com/Kratos-Wen/IMPACT}},
  note         = {Cite the paper as listed in the repository; the copy used here lacks its title page}
}
@inproceedings{schoonbeek2024industreal,
  title   = {{IndustReal}: A Dataset for Procedure Step Recognition Handling Execution Errors in Egocentric Videos in an Industrial-Like Setting},
  author  = {Schoonbeek, Tim J. and Houben, Tim and Onvlee, Hans and de With, Peter H. N. and van der Sommen, Fons},
  booktitle = {Proceedings of the IEEE/CVF Winter Conference on Applications of Computer Vision (WACV)},
  year    = {2024}
}
"""

_DESCRIPTION = """\
Procedure Step Recognition scores as IndustReal's determine_performance and IMPACT's PSR evaluators
compute them. One example is one video: its ground-truth and predicted step-completion events, each
{"frame": int, "label": str, "conf": 0 or 1} (conf 1 = observed, 0 = implied), in time order. Per
label, predicted and ground-truth events are matched greedily by time with the reference's quirks
(an exact time difference of 0 counts as infinity); an early prediction is a false positive;
F1 = 2PR / (P + R + 1e-6). Delay = mean frames from each GT event to its matched prediction (seconds =
frames * sample_rate / fps). POS = 1 - min(d / len(GT), 1) with d the OSA edit distance (del 1, ins 1,
sub 2, transposition 1) to the closest valid ordering of the GT events under the prerequisite graph
(`pos_variant="partial_order"`, IMPACT) or the true Damerau-Levenshtein distance to the GT sequence
(`"sequential"`, IndustReal / STORM-PSR). mean_f1, overall_f1 and mean_pos are fractions in [0, 1]
(higher is better); delays are frames and seconds (lower is better).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per video, a list of {"frame": int, "label": str, "conf": int} events in time order.
    references: per video, the ground-truth events in the same form (conf is ignored).
    fps (float): frame rate of the frame indices, required (30 for IMPACT; STORM-PSR hard-codes 10).
    prereq (dict, optional): label -> labels that must all precede it (procedure_graph.json "prereq");
        required for pos_variant="partial_order".
    labels (list of str, optional): step vocabulary in proc_info order; unknown labels raise.
    pos_variant (str): "partial_order" (default, IMPACT) or "sequential" (IndustReal, STORM-PSR).
    matching (str): "nearest_nonzero" (default; IMPACT evaluate_psr.py: nearest by |dt|, 0 counts as
        infinity), "industreal" (IndustReal psr_utils.py: nearest strictly later event) or "nearest"
        (corrected, no official evaluator: nearest unused same-label event, 0 allowed).
    empty_video (str): per-video F1 when both sides are empty: "guard" (official, ~0) or "one".
    no_delay (str): per-video delay with no matched event: "zero" (IMPACT, default) or "industreal" (100).
    occurrences (str): "all" (default) or "first" (first completion of each label, Gemini evaluator).
    sample_rate (int): frame subsampling factor of the frame indices, default 1.
    ids (list, optional): video ids aligned with the accumulated predictions.
    return_per_video (bool): add per_video statistics keyed by id.
    bootstrap (int): video resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's predictions for a paired bootstrap.
Returns:
    mean_f1, overall_f1, mean_pos (fractions), mean_delay_frames, mean_delay_s, system_tp, system_fp,
    system_fn, perception_fp, perception_fn, num_videos, signature (and per_video / ci / paired).
Examples:
    >>> import evaluate
    >>> psr_metric = evaluate.load("metrics/psr")
    >>> ref = [{"frame": 10, "label": "a", "conf": 1}, {"frame": 20, "label": "b", "conf": 1}]
    >>> pred = [{"frame": 13, "label": "b", "conf": 1}, {"frame": 16, "label": "a", "conf": 1}]
    >>> r = psr_metric.compute(predictions=[pred], references=[ref], fps=30, prereq={})
    >>> round(r["mean_f1"], 4), r["mean_delay_frames"], r["mean_delay_s"], r["mean_pos"]
    (0.6667, 6.0, 0.2, 1.0)
    >>> r = psr_metric.compute(predictions=[pred], references=[ref], fps=30, prereq={"b": ["a"]})
    >>> round(r["mean_pos"], 4)
    0.5
"""


def _events():
    return [
        {"frame": datasets.Value("int64"), "label": datasets.Value("string"), "conf": datasets.Value("int64")}
    ]


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Psr(evaluate.Metric):
    """PSR step-completion F1, detection delay and POS."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": _events(), "references": _events()}),
            reference_urls=[
                "https://github.com/TimSchoonbeek/IndustReal/blob/ad86a35d/PSR/psr_utils.py",
                "https://github.com/Kratos-Wen/IMPACT/tree/1293f6bb/tasks/PSR",
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        fps=None,
        prereq=None,
        labels=None,
        pos_variant="partial_order",
        matching="nearest_nonzero",
        empty_video="guard",
        no_delay="zero",
        occurrences="all",
        sample_rate=1,
        ids=None,
        return_per_video=False,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return psr_scores(
            predictions,
            references,
            fps=fps,
            prereq=prereq,
            labels=labels,
            pos_variant=pos_variant,
            matching=matching,
            empty_video=empty_video,
            no_delay=no_delay,
            occurrences=occurrences,
            sample_rate=sample_rate,
            ids=ids,
            return_per_video=return_per_video,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
