"""AF-S: IMPACT short-term anticipation, mean top-k recall per hand (mR@5) as an evaluate metric."""

import datasets
import evaluate

from proceval.scores.af_s import af_s_module_scores

_CITATION = """\
@misc{impact_benchmark,
  title        = {{IMPACT}: a synchronized five-view {RGB-D} dataset for industrial procedural understanding},
  howpublished = {\\url{https://github.com/Kratos-Wen/IMPACT}},
  note         = {Cite the paper as listed in the repository; the copy used here lacks its title page}
}
@article{damen2022rescaling,
  title   = {Rescaling Egocentric Vision: Collection, Pipeline and Challenges for {EPIC-KITCHENS-100}},
  author  = {Damen, Dima and Doughty, Hazel and Farinella, Giovanni Maria and Furnari, Antonino and
             Kazakos, Evangelos and Ma, Jian and Moltisanti, Davide and Munro, Jonathan and
             Perrett, Toby and Price, Will and Wray, Michael},
  journal = {International Journal of Computer Vision},
  volume  = {130},
  pages   = {33--55},
  year    = {2022}
}
"""

_DESCRIPTION = """\
AF-S scores short-term action anticipation on IMPACT: for each instance (a hand segment observed up to
1 s before its start) the model ranks the 138 fine actions (and optionally the 22 verbs and 19 nouns).
mR@k = mean over the classes present among the scored targets of the per-class top-k recall, with hit
and count vectors accumulated over the whole set, reported for the left hand, the right hand and
overall (both hands pooled). Action target -100 is ignored (the null action 0 IS scored); verb / noun
-1 (null) is ignored. Verb and noun rankings may be derived from the action ranking through an
action -> (verb, noun) map (the IMPACT Qwen3-VL convention). Scores are fractions in [0, 1] (the IMPACT
paper prints x100).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per instance a dict {"action": [...], "verb": [...], "noun": [...]} of float lists:
        class scores (prediction_format="scores") or ranked class ids (prediction_format="ranked_ids").
        Give "verb" / "noun" as [] for every instance when they are not predicted (then they are
        derived through action_to_verb_noun, or not scored).
    references: per instance a dict {"action": int, "verb": int, "noun": int, "hand": "left"|"right"};
        action -100, verb / noun -1 are not scored.
    prediction_format (str): "scores" (default; ties rank the lower class id first) or "ranked_ids"
        (duplicates removed keeping the first, cut to k).
    action_to_verb_noun (dict or list, optional): action id -> [verb id, noun id].
    num_classes (dict, optional): {"action": 138, ...} checked against the inputs.
    k (int): top-k cut-off, default 5.
    classes (dict, optional): {task: class ids} to average over (RULSTM many-shot variant).
    empty_pool (str): "nan" (default) or "error" for a hand with no scored instance.
    ids (list, optional): instance ids aligned with the accumulated predictions (error messages).
    bootstrap (int): instance resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's prediction dicts for a paired bootstrap.
Returns:
    {pool}_{task}_mean_top{k}_recall for pool in overall / left / right and each scored task (higher
    is better), {pool}_{task}_mean_class_recall, _top1_accuracy, _top{k}_accuracy, _num_instances,
    _num_classes, per_class_{task}_top{k}_recall, num_instances, signature.
Examples:
    >>> import evaluate
    >>> af_s_metric = evaluate.load("metrics/af_s")
    >>> preds = [{"action": [0.1, 0.7, 0.2], "verb": [], "noun": []},
    ...          {"action": [0.8, 0.1, 0.1], "verb": [], "noun": []}]
    >>> refs = [{"action": 1, "verb": -1, "noun": -1, "hand": "left"},
    ...         {"action": 2, "verb": -1, "noun": -1, "hand": "right"}]
    >>> r = af_s_metric.compute(predictions=preds, references=refs, k=1)
    >>> [r[f"{pool}_action_mean_top1_recall"] for pool in ("overall", "left", "right")]
    [0.5, 1.0, 0.0]
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class AfS(evaluate.Metric):
    """AF-S mean top-k recall per hand."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": {
                        "action": datasets.Sequence(datasets.Value("float64")),
                        "verb": datasets.Sequence(datasets.Value("float64")),
                        "noun": datasets.Sequence(datasets.Value("float64")),
                    },
                    "references": {
                        "action": datasets.Value("int64"),
                        "verb": datasets.Value("int64"),
                        "noun": datasets.Value("int64"),
                        "hand": datasets.Value("string"),
                    },
                }
            ),
            reference_urls=[
                "https://github.com/Kratos-Wen/IMPACT/blob/1293f6bb/third_party/avt/lightning_module.py",
                "https://github.com/epic-kitchens/C3-Action-Anticipation/blob/73b8a00d/evaluate_anticipation_json_ek100.py",
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        prediction_format="scores",
        action_to_verb_noun=None,
        num_classes=None,
        k=5,
        classes=None,
        empty_pool="nan",
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return af_s_module_scores(
            predictions,
            references,
            prediction_format=prediction_format,
            action_to_verb_noun=action_to_verb_noun,
            num_classes=num_classes,
            k=k,
            classes=classes,
            empty_pool=empty_pool,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
