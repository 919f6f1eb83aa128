"""The judge backend interface: decoding parameters, requests, completions and errors.

A backend names its judge (``model``, ``revision``), holds its :class:`Decoding` and its concurrency
bound, and opens a per-run :class:`JudgeSession` (an HTTP client, a loaded model, a table of stored
replies) that answers one :class:`JudgeRequest` at a time. The runner (:mod:`proceval.judges.runner`)
does the caching, de-duplication, concurrency, parsing and counting, so a backend only talks to its
model.
"""

from __future__ import annotations

import abc
import hashlib
import json
import math
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from proceval.errors import InputValidationError, ProcevalError
from proceval.judges.rubric import Message

RESERVED_BODY_KEYS: frozenset[str] = frozenset(
    {
        "model",
        "messages",
        "temperature",
        "max_tokens",
        "max_completion_tokens",
        "seed",
        "response_format",
        "stream",
        "n",
    }
)
"""Request keys that :class:`Decoding` sets itself; ``extra`` may not override them."""


@dataclass(frozen=True)
class Decoding:
    """Decoding parameters of a judge; all of them go into the cache key and the signature.

    Args:
        temperature: sampling temperature (default 0: the judge's most likely reply). A cached reply is
            reused whatever the temperature, so a re-run repeats the first run's sample.
        max_tokens: the most tokens a reply may have.
        seed: a sampling seed sent to the endpoint (``None``: not sent).
        json_mode: ask the endpoint for a JSON object (``response_format={"type": "json_object"}``).
        extra: further request-body keys (``{"reasoning_effort": "none"}``); JSON values.
    """

    temperature: float = 0.0
    max_tokens: int = 512
    seed: int | None = None
    json_mode: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        t = self.temperature
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
            raise InputValidationError(f"Expected argument `temperature` to be a float >= 0, but got {t!r}.")
        object.__setattr__(self, "temperature", float(t))
        m = self.max_tokens
        if isinstance(m, bool) or not isinstance(m, int) or m < 1:
            raise InputValidationError(
                f"Expected argument `max_tokens` to be an integer >= 1, but got {m!r}."
            )
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise InputValidationError(
                f"Expected argument `seed` to be an integer or None, but got {self.seed!r}."
            )
        if not isinstance(self.json_mode, bool):
            raise InputValidationError(
                f"Expected argument `json_mode` to be a bool, but got {self.json_mode!r}."
            )
        if not isinstance(self.extra, Mapping):
            raise InputValidationError(f"Expected argument `extra` to be a mapping, but got {self.extra!r}.")
        clash = sorted(set(self.extra) & RESERVED_BODY_KEYS)
        if clash:
            raise InputValidationError(
                f"Expected argument `extra` to leave the keys set by the decoding parameters alone, but got {clash}."
            )
        try:
            json.dumps(dict(self.extra), sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise InputValidationError(
                f"Expected argument `extra` to hold JSON values, but got {self.extra!r}."
            ) from exc
        object.__setattr__(self, "extra", dict(self.extra))

    def key_items(self) -> dict[str, Any]:
        """The parameters as a JSON-able dict (what cache keys and ledgers store)."""
        return {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "json_mode": self.json_mode,
            "extra": dict(sorted(self.extra.items())),
        }

    @classmethod
    def from_key_items(cls, items: Mapping[str, Any]) -> Decoding:
        """Inverse of :meth:`key_items` (reads a ledger row's ``decoding``)."""
        return cls(
            temperature=items["temperature"],
            max_tokens=items["max_tokens"],
            seed=items.get("seed"),
            json_mode=items.get("json_mode", False),
            extra=items.get("extra") or {},
        )

    def signature_items(self) -> dict[str, Any]:
        """``temp``, ``maxtok``, ``seed`` (when set), ``json`` (when on), ``extra`` (8-hex hash, when set)."""
        extra = None
        if self.extra:
            blob = json.dumps(dict(self.extra), sort_keys=True, ensure_ascii=False).encode("utf-8")
            extra = hashlib.sha256(blob).hexdigest()[:8]
        return {
            "temp": self.temperature,
            "maxtok": self.max_tokens,
            "seed": self.seed,
            "json": True if self.json_mode else None,
            "extra": extra,
        }


@dataclass(frozen=True)
class JudgeRequest:
    """One reply to obtain: the cache key, the item it serves and the chat messages."""

    key: str
    item_id: str
    messages: tuple[Message, ...]


class Completion(NamedTuple):
    """A judge's reply (a named tuple: cached runs build one per item, so it must be cheap).

    Args:
        text: the reply text (``""`` when the endpoint returned no content).
        prompt_tokens: input tokens, when the backend reports usage.
        completion_tokens: output tokens, when the backend reports usage.
        response_model: the model id the endpoint says answered, when it says.
        attempts: HTTP attempts it took (1 = no retry).
    """

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    response_model: str | None = None
    attempts: int = 1


class JudgeCallError(ProcevalError):
    """A judge call failed (after the backend's retries); the message never holds a credential.

    Args:
        message: what failed.
        attempts: the attempts made.
        fatal: the failure concerns every call (bad credentials, unknown model or endpoint), so the run
            stops instead of failing item after item.
    """

    def __init__(self, message: str, *, attempts: int = 1, fatal: bool = False) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.fatal = fatal


class JudgeSession(Protocol):
    """A backend opened for one run."""

    async def complete(self, request: JudgeRequest) -> Completion:
        """Return the judge's reply to ``request.messages`` (raise :class:`JudgeCallError` on failure)."""
        ...


class JudgeBackend(abc.ABC):
    """A judge: its identity, decoding parameters and concurrency bound, and a per-run session.

    Subclasses set ``model``, ``revision``, ``decoding`` and ``max_concurrency`` and implement
    :meth:`session`. ``stored_replies`` is True for backends that replay stored replies (no model is
    called: they are neither written to the cache nor billed).
    """

    model: str
    revision: str | None
    decoding: Decoding
    max_concurrency: int
    stored_replies: bool = False

    @property
    def label(self) -> str:
        """``model@revision``, or ``model`` without a revision: the judge's name in results."""
        return f"{self.model}@{self.revision}" if self.revision else self.model

    def key_identity(self, item_id: str) -> dict[str, Any]:
        """What identifies the judge in a cache key (``model`` and ``revision``; not the endpoint)."""
        return {"model": self.model, "revision": self.revision}

    @abc.abstractmethod
    def session(self) -> AbstractAsyncContextManager[JudgeSession]:
        """Open the backend for one run (an async context manager yielding a :class:`JudgeSession`)."""


def check_identity(model: Any, revision: Any) -> None:
    """Raise unless ``model`` is a non-empty string and ``revision`` a non-empty string or None."""
    if not isinstance(model, str) or not model.strip():
        raise InputValidationError(f"Expected argument `model` to be a non-empty string, but got {model!r}.")
    if revision is not None and (not isinstance(revision, str) or not revision.strip()):
        raise InputValidationError(
            f"Expected argument `revision` to be a non-empty string or None, but got {revision!r}."
        )


def check_concurrency(max_concurrency: Any) -> int:
    """Return ``max_concurrency`` if it is an integer >= 1, else raise."""
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1:
        raise InputValidationError(
            f"Expected argument `max_concurrency` to be an integer >= 1, but got {max_concurrency!r}."
        )
    return max_concurrency
