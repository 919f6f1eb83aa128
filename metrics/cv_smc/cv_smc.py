"""CV-SMC: IMPACT cross-view semantic-matching classification (Top-1, Macro-F1) as an evaluate metric."""

import datasets
import evaluate

from proceval.scores.cv_smc import cv_smc_scores

_CITATION = """\
@misc{impact_benchmark,
  title        = {{IMPACT}: a synchronized five-view {RGB-D} dataset for industrial procedural understanding},
  howpublished = {\\url{https://github.com/Kratos-Wen/IMPACT}},
  note         = {Cite the paper as listed in the repository; the copy used here lacks its title page}
}
"""

_DESCRIPTION = """\
CV-SMC scores a linear probe that classifies frozen segment features of every view. Labels are IMPACT
coarse step names (lower case); a label level derives the class by splitting on the first "_":
verb = first token, noun = the rest, verb_noun = "verb::noun". The vocabulary is the sorted union of the
train and test labels. Top-1 is accuracy; Macro-F1 averages per-class F1 over ALL vocabulary classes,
so a class absent from the test references and never predicted counts as 0 (scikit-learn's default
would skip it). Scores are fractions in [0, 1] (the IMPACT paper prints x100).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: one predicted label per test segment: a name (str) or an id (int) into `vocabulary`.
    references: the reference label per test segment, same form.
    vocabulary (list of str, optional): label names in id order (coarse names with input_level="coarse").
    train_labels (list of str, optional): instead of `vocabulary`: the train segments' labels; the
        vocabulary is then sorted(train ∪ references) at the label level.
    label_level (str): "coarse" (default), "verb", "noun" or "verb_noun"; or "all" for the four levels
        from coarse inputs in one pass (returns {level: result}).
    input_level (str): "coarse" (inputs are coarse names/ids, derived to label_level; default) or "level"
        (inputs are already label_level classes).
    macro_average (str): "vocabulary" (official, default) or "present" (scikit-learn default).
    ids (list, optional): segment ids aligned with the accumulated predictions, used in error messages.
    bootstrap (int): segment resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's predictions for a paired bootstrap.
Returns:
    top1_accuracy, macro_f1 (fractions, higher is better), num_instances, num_classes,
    num_classes_in_references, per_class_f1, per_class_support, label_level, signature. With
    label_level="all": {"coarse": {...}, "verb": {...}, "noun": {...}, "verb_noun": {...}}, each as above.
Examples:
    >>> cv_smc_metric = evaluate.load("metrics/cv_smc")
    >>> vocab = ["retrieve_adapter_plate", "store_adapter_plate", "store_tool"]
    >>> r = cv_smc_metric.compute(predictions=["store_tool", "store_tool"],
    ...                           references=["store_tool", "retrieve_adapter_plate"], vocabulary=vocab)
    >>> r["top1_accuracy"], round(r["macro_f1"], 4)
    (0.5, 0.2222)
    >>> r = cv_smc_metric.compute(predictions=["store_tool", "store_tool"],
    ...                           references=["store_tool", "retrieve_adapter_plate"], vocabulary=vocab,
    ...                           label_level="verb")
    >>> r["top1_accuracy"], round(r["macro_f1"], 4)
    (0.5, 0.3333)
    >>> r = cv_smc_metric.compute(predictions=["store_tool", "store_tool"],
    ...                           references=["store_tool", "retrieve_adapter_plate"], vocabulary=vocab,
    ...                           label_level="all")
    >>> sorted(r), round(r["noun"]["macro_f1"], 4)
    (['coarse', 'noun', 'verb', 'verb_noun'], 0.3333)
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class CvSmc(evaluate.Metric):
    """CV-SMC Top-1 accuracy and Macro-F1."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=[
                datasets.Features(
                    {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
                ),
                datasets.Features(
                    {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}
                ),
            ],
            reference_urls=[
                "https://github.com/Kratos-Wen/IMPACT/blob/1293f6bb/tasks/CV-SM/classification/cv_smc_classification.py"
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        vocabulary=None,
        train_labels=None,
        label_level="coarse",
        input_level="coarse",
        macro_average="vocabulary",
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return cv_smc_scores(
            predictions,
            references,
            vocabulary=vocabulary,
            train_labels=train_labels,
            label_level=label_level,
            input_level=input_level,
            macro_average=macro_average,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
