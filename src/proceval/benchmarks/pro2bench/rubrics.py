"""The judge rubric of the PWR paper (Appendix G, "Subjective Judge Prompt") and a judge adapter for the scores.

:data:`GUIDANCE_RUBRIC` is the paper's prompt, transcribed from the paper's text (typographic dashes and
apostrophes kept as printed), with its three fields ``{golden}`` (the gold utterance), ``{model}`` (the
predicted one) and ``{task_context}``, as one user message (the paper gives no system message, parser,
temperature or token limit: proceval's judges default to temperature 0 and 512 tokens). Its four
dimensions are rated 1-5; the reply is one JSON object (``"reasoning"`` is ignored).

:class:`GuidanceJudge` turns one or several :mod:`proceval.judges` backends into the callable the
``pqs`` and ``oop_recovery`` scores take (a list of :class:`~proceval.scores.pqs.JudgeItem` -> one reply
per item), through :func:`proceval.judges.judge_items` (cache, de-duplication, concurrency, parse
policy). The scores call it on true positives only. An item the judges could not rate (an unreadable
reply after the policy, or a failed call) comes back as ``None``, which the score counts as a judge
failure.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from proceval.judges.base import JudgeBackend
from proceval.judges.rubric import Dimension, Rubric
from proceval.judges.runner import JudgeResult, judge_items, judge_signature_items
from proceval.scores.pqs import PQS_DIMENSIONS, JudgeItem

GUIDANCE_PROMPT = "\n".join(
    (
        "You are a STRICT evaluator of procedural AI assistant responses. Your job is to find flaws, not praise.",
        "The assistant guides a user through step-by-step tasks via egocentric video. When a step is complete, it should proactively interrupt with the next step.",
        "**Golden response** (ground truth — what the ideal response looks like): {golden}",
        "**Model response** (to evaluate — compare critically against golden): {model}",
        "**Task context**: {task_context}",
        "Rate STRICTLY on these dimensions (1-5). Use the FULL range — a 5 means perfect match to golden, a 3 means acceptable but flawed, a 1 means wrong or harmful:",
        "1. **Relevance** (1-5): Does the model identify the EXACT same next step as the golden? Partial credit (3) if it’s the right general area but wrong specific action. Score 1-2 if it suggests a completely different step.",
        '2. **Specificity** (1-5): Does the model mention the same specific objects, locations, and actions as the golden? Penalize generic advice ("continue working") that lacks the golden’s concrete details. Score 3 max if it omits key objects mentioned in the golden.',
        "3. **Actionability** (1-5): Could someone follow the model’s instruction without seeing the golden? Score 4-5 only if the instruction is as clear and complete as the golden. Score 2-3 if vague or requires interpretation.",
        "4. **Conciseness** (1-5): Is the response appropriately concise? Penalize if much longer or shorter than the golden. Score 3 if verbose but correct, 2 if so verbose it’s confusing.",
        "IMPORTANT: Do NOT give 5/5 unless the response is nearly identical in quality to the golden. Most responses should score 2-4. Be critical.",
        "Respond with ONLY a JSON object:",
        '{"relevance": N, "specificity": N, "actionability": N, "conciseness": N, "reasoning": "one sentence explaining the main weakness"}',
    )
)
"""The paper's judge prompt (Appendix G), verbatim as printed; ``{golden}``, ``{model}``, ``{task_context}``."""

GUIDANCE_RUBRIC = Rubric(
    "guidance_quality",
    tuple(Dimension(name, 1, 5) for name in PQS_DIMENSIONS),
    user=GUIDANCE_PROMPT,
    fields=("golden", "model", "task_context"),
)
"""Relevance, specificity, actionability and conciseness, each an integer 1-5, of a predicted utterance."""


class GuidanceJudge:
    """One or several judge backends with a rubric, called on :class:`~proceval.scores.pqs.JudgeItem` lists.

    Each item is judged under the id ``"<session_id>/<index>"`` (the decision point's, or for
    ``oop_recovery`` the deviation's index): the ids a :class:`~proceval.judges.PrecomputedBackend` keys
    stored ratings by.

    Args:
        judges: a backend of :mod:`proceval.judges` (``OpenAICompatibleBackend``, ``TransformersBackend``,
            ``PrecomputedBackend``) or several (their ratings are averaged per item).
        rubric: the rubric (default :data:`GUIDANCE_RUBRIC`).
        cache: a judge cache (path or :class:`~proceval.judges.JudgeCache`), or None for none.
        policy: the unparseable-reply policy of :func:`proceval.judges.judge_items`.
        failures: ``"exclude"`` (default: a failed call comes back as ``None``, a judge failure the score
            counts) or ``"raise"``.

    Attributes:
        signature_items: the judging's signature items (judges, template hash, decoding, policies), which
            the scores put in their signature.
        results: the :class:`~proceval.judges.JudgeResult` of each call (one per scored system).
    """

    def __init__(
        self,
        judges: JudgeBackend | Sequence[JudgeBackend],
        *,
        rubric: Rubric = GUIDANCE_RUBRIC,
        cache: Any = None,
        policy: str = "retry_then_exclude",
        failures: str = "exclude",
    ) -> None:
        self.judges = [judges] if isinstance(judges, JudgeBackend) else list(judges)
        self.rubric = rubric
        self.cache = os.fspath(cache) if isinstance(cache, os.PathLike) else cache
        self.policy = policy
        self.failures = failures
        self.signature_items = judge_signature_items(rubric, self.judges, policy, failures)
        self.results: list[JudgeResult] = []

    def __call__(self, items: Sequence[JudgeItem]) -> list[dict[str, float] | None]:
        """Rate ``items``; per item ``{dimension: rating}`` (a mean with several judges) or None."""
        ids = [f"{item.session_id}/{item.index}" for item in items]
        fields = {
            i: {"golden": item.golden, "model": item.model, "task_context": item.context}
            for i, item in zip(ids, items, strict=True)
        }
        result = judge_items(
            fields, self.rubric, self.judges, cache=self.cache, policy=self.policy, failures=self.failures
        )
        self.results.append(result)
        return [result.per_item.get(i) for i in ids]
