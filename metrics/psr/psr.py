"""PSR: step-completion F1, detection delay and Procedure Order Similarity (IMPACT PSR) as an evaluate metric."""

import datasets
import evaluate

from proceval.benchmarks.impact.state_events import psr_scores_or_states

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
{"frame": int, "label": str, "conf": 0 or 1} (conf optional, default 1 = observed; 0 = implied), in
time order, or with input="states" its dense [components][frames] IMPACT states (turned into graph
events). Per label, predicted and ground-truth events are matched greedily by time with the chosen
evaluator's quirks (`matching`: IMPACT, IndustReal, STORM-PSR or a corrected variant); an early
prediction is a false positive;
F1 = 2PR / (P + R + 1e-6). Delay = mean frames from each GT event to its matched prediction (seconds =
frames * sample_rate / fps). POS = 1 - min(d / len(GT), 1) with d the OSA edit distance (del 1, ins 1,
sub 2, transposition 1) to the closest valid ordering of the GT events under the prerequisite graph
(`pos_variant="partial_order"`, IMPACT) or the true Damerau-Levenshtein distance to the GT sequence
(`"sequential"`, IndustReal / STORM-PSR). mean_f1, overall_f1 and mean_pos are fractions in [0, 1]
(higher is better); delays are frames and seconds (lower is better).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per video, a list of {"frame": int, "label": str, "conf": int} events in time order
        ("conf" optional, default 1); with input="states", a [components][frames] array in {-1, 0, 1}.
    references: per video, the ground-truth events (or states) in the same form (conf is ignored).
    input (str): "events" (default) or "states" (dense IMPACT states, converted by
        state_events.states_to_events; needs component_names, graph_nodes and prereq).
    component_names (list of str, states only): the components in state-row order.
    graph_nodes (list of str, states only): procedure_graph.json "nodes"; only these events count.
    alias (dict, states only): raw -> canonical component names (component_alias.json).
    event_labels (str, states only): "graph" (default) or "collapsed" (Gemini install / remove labels).
    fps (float): frame rate of the frame indices, required (30 for IMPACT; STORM-PSR hard-codes 10).
    prereq (dict, optional): label -> labels that must all precede it (procedure_graph.json "prereq");
        required for pos_variant="partial_order".
    labels (list of str, optional): step vocabulary in proc_info order; unknown labels raise.
    pos_variant (str): "partial_order" (default, IMPACT) or "sequential" (IndustReal, STORM-PSR).
    matching (str): "nearest_nonzero" (default; IMPACT evaluate_psr.py / ms_tcn2 eval.py: nearest by
        |dt|, 0 counts as infinity, a step occurring once on both sides paired directly), "industreal"
        (IndustReal psr_utils.py: nearest strictly later event, matcher run for single steps too),
        "storm" (STORM-PSR utils.py: |dt| with 0 as infinity, matcher run for single steps too) or
        "nearest" (corrected, no official evaluator: nearest unused same-label event, 0 allowed).
    empty_video (str): per-video F1 when both sides are empty: "guard" (official, ~0) or "one".
    no_delay (str): per-video delay with no matched event: "zero" (IMPACT, default) or "industreal" (100).
    occurrences (str): "all" (default) or "first" (first completion of each label, Gemini evaluator).
    sample_rate (int): frame subsampling factor of the frame indices, default 1.
    win_size (int, optional): STORM-PSR's temporal window (frames): reorder the prediction before POS.
    num_frames (list or dict, optional): frames per video; an event at a frame >= it raises.
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
    >>> no_conf = [{"frame": 13, "label": "b"}, {"frame": 16, "label": "a"}]
    >>> r = psr_metric.compute(predictions=[no_conf], references=[ref], fps=30, prereq={}, matching="industreal")
    >>> r["system_tp"], r["system_fp"], r["mean_delay_frames"]  # IndustReal: a pairs with a, b with a (early)
    (1, 1, 6.0)
    >>> gt_states = [[0, 0, 1, 1, 1], [1, 1, 1, 0, 0]]
    >>> pred_states = [[0, 0, 0, 1, 1], [1, 1, 1, 1, 0]]
    >>> r = psr_metric.compute(predictions=[pred_states], references=[gt_states], input="states", fps=30,
    ...                        component_names=["a", "b"], graph_nodes=["a__install_ok", "b__remove_ok"], prereq={})
    >>> r["system_tp"], r["mean_delay_frames"]
    (2, 1.0)
"""


def _events():
    # any JSON per item: an event with or without "conf", a (frame, label[, conf]) tuple or a state row
    return datasets.List(datasets.Json())


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
        input="events",
        component_names=None,
        graph_nodes=None,
        alias=None,
        event_labels="graph",
        fps=None,
        prereq=None,
        labels=None,
        pos_variant="partial_order",
        matching="nearest_nonzero",
        empty_video="guard",
        no_delay="zero",
        occurrences="all",
        sample_rate=1,
        win_size=None,
        num_frames=None,
        ids=None,
        return_per_video=False,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return psr_scores_or_states(
            predictions,
            references,
            input=input,
            component_names=component_names,
            graph_nodes=graph_nodes,
            alias=alias,
            event_labels=event_labels,
            fps=fps,
            prereq=prereq,
            labels=labels,
            pos_variant=pos_variant,
            matching=matching,
            empty_video=empty_video,
            no_delay=no_delay,
            occurrences=occurrences,
            sample_rate=sample_rate,
            win_size=win_size,
            num_frames=num_frames,
            ids=ids,
            return_per_video=return_per_video,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
