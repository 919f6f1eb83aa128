r"""LLM judges: rubrics, backends (OpenAI-compatible HTTP, local ``transformers``, precomputed), cache, runner.

The judge is always an argument (model, revision, endpoint), never an environment default; decoding
defaults to temperature 0; the prompt template's hash, the judge ids and the decoding parameters go into
the signature; replies are cached crash-safely (SQLite, WAL) and can be exported as a JSONL ledger that
re-scores a result with no model (:class:`PrecomputedBackend.from_ledger`).

Typical use::

    from proceval.judges import Dimension, OpenAICompatibleBackend, Rubric, judge_items

    rubric = Rubric("answer_quality", (Dimension("score", 0, 5),), fields=("question", "answer", "prediction"),
                    user="Question: {question}\nCorrect answer: {answer}\nPredicted answer: {prediction}\n"
                         'Reply with only {"score": N}, N an integer from 0 to 5.')
    judge = OpenAICompatibleBackend("Qwen/Qwen2.5-7B-Instruct", "http://127.0.0.1:8000/v1",
                                    revision="a09a354", api_key_env=None, max_concurrency=32)
    result = judge_items(items, rubric, judge, cache="judge-cache.sqlite")
    result.mean, result.counts, result.signature

``transformers`` is imported only when a :class:`TransformersBackend` loads its model, and ``aiohttp``
only when an :class:`OpenAICompatibleBackend` opens its session.
"""

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "krippendorff_alpha_ordinal": "agreement",
    **dict.fromkeys(("Completion", "Decoding", "JudgeBackend", "JudgeCallError", "JudgeRequest"), "base"),
    **dict.fromkeys(("CachedReply", "JudgeCache", "cache_key", "read_ledger"), "cache"),
    "OpenAICompatibleBackend": "openai_backend",
    "PrecomputedBackend": "precomputed",
    **dict.fromkeys(
        ("Dimension", "ParseFailure", "Rubric", "parse_reply", "render", "template_hash"), "rubric"
    ),
    **dict.fromkeys(
        (
            "COUNT_KEYS",
            "POLICIES",
            "ItemVerdict",
            "JudgeResult",
            "JudgeRunError",
            "Price",
            "ajudge_items",
            "judge_items",
        ),
        "runner",
    ),
    "TransformersBackend": "transformers_backend",
}
"""Public name -> the sub-module defining it. Sub-modules are imported on first use (PEP 562), so
importing one of them (e.g. a score that only needs :mod:`proceval.judges.runner`) does not import the
HTTP client of the OpenAI-compatible backend."""

if TYPE_CHECKING:
    from proceval.judges.agreement import krippendorff_alpha_ordinal
    from proceval.judges.base import Completion, Decoding, JudgeBackend, JudgeCallError, JudgeRequest
    from proceval.judges.cache import CachedReply, JudgeCache, cache_key, read_ledger
    from proceval.judges.openai_backend import OpenAICompatibleBackend
    from proceval.judges.precomputed import PrecomputedBackend
    from proceval.judges.rubric import Dimension, ParseFailure, Rubric, parse_reply, render, template_hash
    from proceval.judges.runner import (
        COUNT_KEYS,
        POLICIES,
        ItemVerdict,
        JudgeResult,
        JudgeRunError,
        Price,
        ajudge_items,
        judge_items,
    )
    from proceval.judges.transformers_backend import TransformersBackend


def __getattr__(name: str) -> Any:
    """Import the sub-module that defines ``name`` on first access."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "COUNT_KEYS",
    "POLICIES",
    "CachedReply",
    "Completion",
    "Decoding",
    "Dimension",
    "ItemVerdict",
    "JudgeBackend",
    "JudgeCache",
    "JudgeCallError",
    "JudgeRequest",
    "JudgeResult",
    "JudgeRunError",
    "OpenAICompatibleBackend",
    "ParseFailure",
    "PrecomputedBackend",
    "Price",
    "Rubric",
    "TransformersBackend",
    "ajudge_items",
    "cache_key",
    "judge_items",
    "krippendorff_alpha_ordinal",
    "parse_reply",
    "read_ledger",
    "render",
    "template_hash",
]
