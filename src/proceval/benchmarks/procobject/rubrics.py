"""The ProcObject-10K answer judge: the paper's four dimensions, rated 0-5 in the style of VCGBench.

The paper's J. column averages four judge ratings of a predicted answer against the reference answer,
each an integer 0-5: Contextual Integration (the paper glosses it as factual consistency, VCGBench's
correctness of information), Detail Orientation, Contextual Understanding and Temporal Understanding.
The paper does not publish its prompt. :data:`VIDEOQA_RUBRIC` is proceval's own text in the style of
VCGBench's judge prompts (a system message describing the evaluator's job and its instructions, then the
question, the reference and the predicted answer, and a request for integers only), asking for the four
ratings in one JSON object instead of one prompt per aspect. Its fields are ``{question}``,
``{answer}`` (the reference) and ``{prediction}``; the signature records the template's hash.
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
