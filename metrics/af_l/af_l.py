"""AF-L: IMPACT long-horizon forecasting, ED@z and AUED (best of K, Ego4D) as an evaluate metric."""

import datasets
import evaluate

from proceval.scores.af_l import af_l_scores

_CITATION = """\
@misc{impact_benchmark,
  title        = {{IMPACT}: a synchronized five-view {RGB-D} dataset for industrial procedural understanding},
  howpublished = {\\url{https://github.com/Kratos-Wen/IMPACT}},
  note         = {Cite the paper as listed in the repository; the copy used here lacks its title page}
}
@inproceedings{grauman2022ego4d,
  title     = {{Ego4D}: Around the World in 3,000 Hours of Egocentric Video},
  author    = {Grauman, Kristen and others},
  booktitle = {Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  pages     = {18995--19012},
  year      = {2022}
}
"""

_DESCRIPTION = """\
AF-L scores long-horizon step forecasting on IMPACT (observe M = 2 TAS-S steps, forecast Z = 5, best of
K = 5 candidate futures). ED(z) = mean over instances of min over candidates of the plain Levenshtein
distance between the first z predicted and true steps, divided by z; AUED = trapezoid area under
ED(1..Z) divided by Z - 1; ED@Z = ED(Z). Lower is better, values in [0, 1] (the IMPACT paper prints
them as decimals too). Z and K are read from the input shapes.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per instance K candidate futures of Z step ids (or step names with label_names), a
        [K][Z] nested list: predictions[n][k][z] is step z of candidate k (the IMPACT submission layout).
    references: per instance the true next Z steps (ids, or names with label_names).
    label_names (list of str, optional): the step vocabulary, index = id.
    num_classes (int, optional): the vocabulary's size; step ids must lie in [0, num_classes). Default:
        len(label_names), else 1 + the largest reference id (a larger or negative id is an error).
    layout (str): "kz" (default, [K][Z]) or "zk" ([Z][K], candidates as columns); signed as `lay`.
    single_step_aued (str): "nan" (default) or "error" when Z = 1 (AUED undefined).
    ids (list, optional): instance ids aligned with the accumulated predictions (error messages).
    bootstrap (int): instance resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's predictions for a paired bootstrap.
Returns:
    ed_at_1 ... ed_at_Z, ed_at_horizon (= ED@Z), aued (lower is better), per_step_ed, num_instances,
    signature.
Examples:
    >>> import evaluate
    >>> af_l_metric = evaluate.load("metrics/af_l")
    >>> candidates = [[[1, 2, 3], [9, 9, 9]]]          # K = 2 candidate futures of Z = 3 steps
    >>> r = af_l_metric.compute(predictions=candidates, references=[[1, 2, 4]], num_classes=10)
    >>> r["ed_at_1"], r["ed_at_2"], round(r["ed_at_3"], 4), round(r["aued"], 4)
    (0.0, 0.0, 0.3333, 0.0833)
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class AfL(evaluate.Metric):
    """AF-L ED@z and AUED."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            # string alternative first: evaluate's string check rejects ints there, while int64 would
            # accept names at inference time and fail only when writing
            features=[
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Sequence(datasets.Value("string"))),
                        "references": datasets.Sequence(datasets.Value("string")),
                    }
                ),
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Sequence(datasets.Value("int64"))),
                        "references": datasets.Sequence(datasets.Value("int64")),
                    }
                ),
            ],
            reference_urls=[
                "https://github.com/EGO4D/forecasting/blob/38d1931b/ego4d_forecasting/evaluation/lta_metrics.py"
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        label_names=None,
        num_classes=None,
        layout="kz",
        single_step_aued="nan",
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return af_l_scores(
            predictions,
            references,
            label_names=label_names,
            num_classes=num_classes,
            layout=layout,
            single_step_aued=single_step_aued,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
