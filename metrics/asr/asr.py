"""ASR: Macro-F1, Transition F1 and Final-State Accuracy of component states (IMPACT ASR) as an evaluate metric."""

import datasets
import evaluate

from proceval.scores.asr import asr_scores

_CITATION = """\
@misc{impact_benchmark,
  title        = {{IMPACT}: a synchronized five-view {RGB-D} dataset for industrial procedural understanding},
  howpublished = {\\url{https://github.com/Kratos-Wen/IMPACT}},
  note         = {Cite the paper as listed in the repository; the copy used here lacks its title page}
}
"""

_DESCRIPTION = """\
Assembly State Recognition scores of IMPACT (ms_tcn2 eval.py / Gemini evaluate_asr.py). One example is
one video: the state in {-1, 0, 1} (-1 = in-between, 0 = not installed, 1 = installed) of each of the
C components (17 for IMPACT) at every frame, as a [C, T] nested list; predictions may instead be
[C, 3, T] scores (argmax; class k is state k - 1). Macro-F1 pools per-frame TP/FP/FN over all videos
for each component and state, averages the 3 states (absent states count as F1 0), then the
components. Transition F1 greedily matches, for each ground-truth state change in time order, the
first unused predicted change to the same state within `tolerance_frames` (default 30 frames = 1 s at
30 fps); it is computed per video and component (0 when neither side changes, the official policy;
`no_transitions="one"` gives 1), averaged over videos, then components. Final-State Accuracy compares
the last frame. Scores are fractions in [0, 1], higher is better; the IMPACT paper prints them as
fractions too.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: per video, a [C, T] nested list of int states in {-1, 0, 1}, or [C, 3, T] scores.
    references: per video, the [C, T] ground-truth states; T must equal the prediction's.
    tolerance_frames (int): largest |t_pred - t_gt| in frames for a transition hit, default 30.
    no_transitions (str): transition F1 of a (video, component) with no change on either side:
        "zero" (official, default) or "one".
    ids (list, optional): video ids aligned with the accumulated predictions (error messages).
    bootstrap (int): video resamples for percentile CIs (0 = none). confidence (float), seed (int).
    paired_predictions (list, optional): a second system's predictions for a paired bootstrap.
Returns:
    macro_f1, transition_f1, final_state_accuracy (fractions), per_component_macro_f1,
    per_component_transition_f1, per_component_final_state_accuracy (lists of C), num_videos,
    signature (and ci / paired when asked for).
Examples:
    >>> import evaluate
    >>> asr_metric = evaluate.load("metrics/asr")
    >>> ref = [[0, 0, 1, 1], [1, 1, 1, 1]]
    >>> pred = [[0, 1, 1, 1], [1, 1, 1, 0]]
    >>> r = asr_metric.compute(predictions=[pred], references=[ref], tolerance_frames=1)
    >>> r["transition_f1"], r["final_state_accuracy"], round(r["macro_f1"], 4)
    (0.5, 0.5, 0.3873)
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Asr(evaluate.Metric):
    """ASR Macro-F1, Transition F1 and Final-State Accuracy."""

    def _info(self):
        states = datasets.Sequence(datasets.Sequence(datasets.Value("int64")))
        scores = datasets.Sequence(datasets.Sequence(datasets.Sequence(datasets.Value("float32"))))
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=[
                datasets.Features({"predictions": states, "references": states}),
                datasets.Features({"predictions": scores, "references": states}),
            ],
            reference_urls=[
                "https://github.com/Kratos-Wen/IMPACT/tree/1293f6bb/third_party/ms_tcn2",
                "https://github.com/Kratos-Wen/IMPACT/tree/1293f6bb/tasks/ASR/gemini_3_1_pro",
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        tolerance_frames=30,
        no_transitions="zero",
        ids=None,
        bootstrap=0,
        confidence=0.95,
        seed=0,
        paired_predictions=None,
    ):
        return asr_scores(
            predictions,
            references,
            tolerance_frames=tolerance_frames,
            no_transitions=no_transitions,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
