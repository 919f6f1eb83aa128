"""The ProcObject-10K answer judge: the paper's four dimensions, rated 0-5 in the style of VCGBench.

The paper's J. column averages four judge ratings of a predicted answer against the reference answer,
each an integer 0-5: Contextual Integration (the paper glosses it as factual consistency, VCGBench's
correctness of information), Detail Orientation, Contextual Understanding and Temporal Understanding.
The paper does not publish its prompt. :data:`VIDEOQA_RUBRIC` is proceval's own text in the style of
VCGBench's judge prompts (a system message describing the evaluator's job and its instructions, then the
question, the reference and the predicted answer, and a request for integers only), asking for the four
ratings in one JSON object (``prompts="joint"``, the default: one call per question and judge). Its fields
are ``{question}``, ``{answer}`` (the reference) and ``{prediction}``; the signature records the template's
hash.

:data:`VIDEOQA_ASPECT_RUBRICS` is the VCGBench way (``prompts="per_aspect"``): one prompt per aspect, four
calls per question and judge, each asking for a single ``{"score": N}`` (0-5) with a system message that
describes only that aspect, following the structure of VCGBench's five evaluation scripts (an evaluator
role for the aspect, ``##INSTRUCTIONS`` bullets, then the question, the correct and the predicted answer
and a request for one integer). The text is proceval's own, adapted to procedural videos and objects; it
is not VCGBench's verbatim wording, whose example reply ``{''score': 4.8}`` is malformed.
"""

from __future__ import annotations

from proceval.judges.rubric import Dimension, Rubric

VIDEOQA_DIMENSIONS: tuple[str, ...] = (
    "contextual_integration",
    "detail_orientation",
    "contextual_understanding",
    "temporal_understanding",
)
"""The four rated dimensions, in reply order (integers 0-5)."""

VIDEOQA_SYSTEM = "\n".join(
    (
        "You are a careful grader of answers to questions about procedural videos, in which a person "
        "works with objects step by step. You compare a model's answer with a reference answer written "
        "by an annotator who watched the video, and you rate the model's answer on four aspects.",
        "## GRADING RULES",
        "- contextual_integration: are the facts in the predicted answer (objects, their states, the "
        "actions done on them) consistent with the reference? Any claim that contradicts the reference "
        "lowers this rating. Wording may differ when the meaning is the same.",
        "- detail_orientation: does the predicted answer cover every key point of the reference, with "
        "concrete details (which object, which state, which step) instead of vague, generic statements?",
        "- contextual_understanding: does the predicted answer fit the procedure and the situation the "
        "question asks about, staying on topic and not adding things that are out of context?",
        "- temporal_understanding: does the predicted answer place events and object states in the "
        "same order and at the same moments as the reference (before / after, first / then)?",
        "- Rate each aspect with an integer from 0 (entirely wrong or missing) to 5 (fully matches the "
        "reference on that aspect). Judge against the reference only; the video is not shown to you.",
    )
)
"""The system message (proceval's own text, VCGBench-style)."""

VIDEOQA_USER = "\n".join(
    (
        "Grade the following question-answer pair about a procedural video.",
        "",
        "Question: {question}",
        "Reference answer: {answer}",
        "Predicted answer: {prediction}",
        "",
        "Give your grades only as a JSON object with an integer from 0 to 5 for each aspect, for example "
        '{"contextual_integration": 3, "detail_orientation": 2, "contextual_understanding": 4, '
        '"temporal_understanding": 3}. Use integers, not strings or decimals. Write nothing besides the '
        "JSON object.",
    )
)
"""The user message: ``{question}``, ``{answer}`` (reference) and ``{prediction}``."""

VIDEOQA_RUBRIC = Rubric(
    "videoqa_judge",
    tuple(Dimension(name, 0, 5) for name in VIDEOQA_DIMENSIONS),
    user=VIDEOQA_USER,
    fields=("question", "answer", "prediction"),
    system=VIDEOQA_SYSTEM,
)
"""Contextual integration, detail orientation, contextual and temporal understanding, each 0-5."""


_ASPECTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "contextual_integration",
        "factual accuracy",
        (
            "Focus on whether the facts in the predicted answer (objects, their states, the actions done on "
            "them) agree with the correct answer; it must not contain misinterpretations or misinformation.",
            "Synonyms and paraphrases that keep the meaning count as a match.",
            "Rate how factually consistent the predicted answer is with the correct answer.",
        ),
    ),
    (
        "detail_orientation",
        "detail orientation",
        (
            "Check completeness: does the predicted answer cover every major point of the correct answer?",
            "Check specificity: does it name the concrete objects, states and steps instead of generic, "
            "vague statements?",
            "Rate how complete and specific the predicted answer is compared with the correct answer.",
        ),
    ),
    (
        "contextual_understanding",
        "contextual understanding",
        (
            "Check whether the predicted answer fits the procedure and the situation the question asks "
            "about, and captures the main point of the correct answer.",
            "Penalize content that is off topic or out of the context of the procedure.",
            "Rate how well the predicted answer fits the context given by the question and the correct answer.",
        ),
    ),
    (
        "temporal_understanding",
        "temporal understanding",
        (
            "Focus on the order and timing of events and object states: before / after, first / then, "
            "the moment a state changes.",
            "Paraphrases count only if they keep the temporal order of the correct answer.",
            "Rate how well the predicted answer reproduces the temporal order in the correct answer.",
        ),
    ),
)


def _aspect_rubric(name: str, aspect: str, instructions: tuple[str, ...]) -> Rubric:
    system = (
        f"You are an intelligent grader of answers to questions about procedural videos, in which a person "
        f"works with objects step by step. You evaluate the {aspect} of a predicted answer by comparing it "
        "with the correct answer, written by an annotator who watched the video. The video is not shown "
        "to you.\n------\n##INSTRUCTIONS:\n" + "\n".join(f"- {line}" for line in instructions)
    )
    user = "\n".join(
        (
            "Please evaluate the following question-answer pair about a procedural video:",
            "",
            "Question: {question}",
            "Correct answer: {answer}",
            "Predicted answer: {prediction}",
            "",
            f"Provide your evaluation only as a {aspect} score: an integer from 0 (entirely wrong or missing) "
            f"to 5 (the highest {aspect}). Reply with only a dictionary holding the integer under the key "
            '"score", for example {"score": 3}. Use an integer, not a string or a decimal. Write nothing else.',
        )
    )
    return Rubric(
        "videoqa_judge_aspect",
        (Dimension(name, 0, 5, key="score"),),
        user=user,
        fields=("question", "answer", "prediction"),
        system=system,
    )


VIDEOQA_ASPECT_RUBRICS: tuple[Rubric, ...] = tuple(_aspect_rubric(*aspect) for aspect in _ASPECTS)
"""One VCGBench-style rubric per dimension of :data:`VIDEOQA_DIMENSIONS` (in order), each replying
``{"score": N}`` with N an integer 0-5 (``prompts="per_aspect"``)."""
