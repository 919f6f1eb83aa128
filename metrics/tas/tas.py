"""TAS: segmentation accuracy, Edit and F1@{10,25,50} (IMPACT TAS-S, TAS-BL/BR) as an evaluate metric."""

import datasets
import evaluate

from proceval.scores.tas import tas_scores

_CITATION = """\
@misc{impact_benchmark,
  title        = {{IMPACT}: a synchronized five-view {RGB-D} dataset for industrial procedural understanding},
  howpublished = {\\url{https://github.com/Kratos-Wen/IMPACT}},
  note         = {Cite the paper as listed in the repository; the copy used here lacks its title page}
}
@inproceedings{farha2019mstcn,
  title     = {{MS-TCN}: Multi-Stage Temporal Convolutional Network for Action Segmentation},
  author    = {Abu Farha, Yazan and Gall, Juergen},
  booktitle = {Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  pages     = {3575--3584},
  year      = {2019}
}
"""

_DESCRIPTION = """\
Frame-wise accuracy (MoF), segmental Edit score and segmental F1@{10,25,50} of per-frame label
predictions, as the MS-TCN reference evaluator and the IMPACT baselines' copies of it compute them
(IMPACT TAS-S, TAS-BL, TAS-BR, and any frame-label task). One example is one video: its predicted and
ground-truth label per frame. Edit = 1 - Levenshtein(segment labels) / max(#segments), averaged over
videos; F1@tau greedily matches predicted segments to their best-IoU ground-truth segment (a prediction
whose best segment is already matched is a false positive). Background handling and pooling follow a
named convention: mstcn (default: drop NULL segments, pool F1 counts), fact, ltcontext (delete GT-NULL
frames, average every score over videos), asquery, diffact. Scores are fractions in [0, 1], higher is
better; the IMPACT tables print them x100.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per video, the predicted label of every frame (int ids, or names with label_names).
    references: per video, the ground-truth label of every frame; same length as its prediction.
    convention (str): "mstcn" (default), "fact", "ltcontext", "asquery" or "diffact"; presets of the
        options below, which override it when given.
    ignore_labels (list, optional): background label ids or names (preset [0] = NULL, or []).
    background_mode (str, optional): "drop_segments" or "mask_gt_frames".
    aggregate (str, optional): "pooled" or "per_video".
    accuracy_frames (str, optional): "all" or "foreground" frames for `accuracy`.
    overlaps (list of float): IoU thresholds in (0, 1], default [0.1, 0.25, 0.5].
    f1_epsilon (float, optional): FACT's epsilon in P, R and F1.
    f1_undefined (float, optional): F1 when there is no true positive (ASQuery: 1e-6).
    last_segment_end (str, optional): "exclusive" or "diffact_minus_one".
    empty_edit (str, optional): "perfect" (Edit 1.0 when both sides have no segment) or "skip".
    label_names (list of str, optional): the label map, index = id (e.g. TAS/mapping_CAS.txt).
    num_classes (int, optional): the label map's size; ids must lie in [0, num_classes). Default:
        len(label_names), else 1 + the largest reference id (a larger prediction id is an error).
    ids (list, optional): ids aligned with the accumulated predictions (messages, per_video keys).
    bootstrap (int): video resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's predictions for a paired bootstrap.
Returns:
    accuracy, accuracy_all_frames, accuracy_foreground, edit, f1_at_10, f1_at_25, f1_at_50 (fractions),
    num_videos, num_frames, per_video, signature (and ci / paired when asked for).
Examples:
    >>> import evaluate
    >>> tas_metric = evaluate.load("metrics/tas")
    >>> pred, ref = [1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 1, 1]
    >>> r = tas_metric.compute(predictions=[pred], references=[ref])
    >>> round(r["accuracy"], 4), r["edit"], round(r["f1_at_10"], 4), r["f1_at_50"]
    (0.6667, 0.5, 0.6667, 0.0)
    >>> r = tas_metric.compute(predictions=[pred], references=[ref], convention="ltcontext")
    >>> r["accuracy"], r["edit"], r["f1_at_50"]
    (1.0, 1.0, 1.0)
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Tas(evaluate.Metric):
    """TAS accuracy, Edit and F1@k."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            # label names first: evaluate takes the first alternative whose encoding accepts the input,
            # and an int64 column does not reject strings
            features=[
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Value("string")),
                        "references": datasets.Sequence(datasets.Value("string")),
                    }
                ),
                # numbers as float64 (exact for every valid id): an int64 column would refuse a NaN or 1.5
                # inside evaluate; tas_scores reads integral floats as ids and names the video and frame
                # of any other value
                datasets.Features(
                    {
                        "predictions": datasets.Sequence(datasets.Value("float64")),
                        "references": datasets.Sequence(datasets.Value("int64")),
                    }
                ),
            ],
            reference_urls=[
                "https://github.com/yabufarha/ms-tcn/blob/33ed91c0/eval.py",
                "https://github.com/Kratos-Wen/IMPACT/tree/1293f6bb/third_party",
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        convention="mstcn",
        ignore_labels=None,
        background_mode=None,
        aggregate=None,
        accuracy_frames=None,
        overlaps=(0.1, 0.25, 0.5),
        f1_epsilon=None,
        f1_undefined=None,
        last_segment_end=None,
        empty_edit=None,
        label_names=None,
        num_classes=None,
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return tas_scores(
            predictions,
            references,
            convention=convention,
            ignore_labels=ignore_labels,
            background_mode=background_mode,
            aggregate=aggregate,
            accuracy_frames=accuracy_frames,
            overlaps=overlaps,
            f1_epsilon=f1_epsilon,
            f1_undefined=f1_undefined,
            last_segment_end=last_segment_end,
            empty_edit=empty_edit,
            label_names=label_names,
            num_classes=num_classes,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
