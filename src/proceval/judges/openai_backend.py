"""A judge behind any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, SGLang, ...), over aiohttp.

Scaling judging is a matter of pointing ``endpoint`` at a local ``vllm serve`` / SGLang server (or
several, one backend each) and raising ``max_concurrency``. Each request is bounded by ``timeout_s``
(seconds, the whole request); timeouts, dropped connections, malformed response bodies and HTTP 408 /
409 / 429 / 5xx are retried up to ``max_retries`` times with exponential backoff and full jitter
(``Retry-After`` honoured). HTTP 401 / 403 / 404 stop the run (every call would fail the same way);
other 4xx fail the item.

The API key is read from the environment variable named by ``api_key_env`` when the session opens
(or given as ``api_key``); it is sent only in the ``Authorization`` header and is never part of a repr,
an error message, a result, a signature, the cache or a ledger.

The HTTP client is ``aiohttp`` rather than ``httpx``: with 16 requests in flight against the loopback
server, ``httpx.AsyncClient`` spent about 2 ms of CPU per request and ``aiohttp`` 0.4 ms (httpx's
connection pool scans every connection per request: encode/httpx#3215), and judging is scaled by
raising the number of requests in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from proceval.errors import InputValidationError
from proceval.judges.base import (
    Completion,
    Decoding,
    JudgeBackend,
    JudgeCallError,
    JudgeRequest,
    check_concurrency,
    check_identity,
)
from proceval.judges.retry import FATAL_STATUS, backoff_delay_s, is_retryable_status, retry_after_s

if TYPE_CHECKING:
    import aiohttp

logger = logging.getLogger(__name__)

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_MAX_ERROR_CHARS = 300


def chat_completions_url(endpoint: str) -> str:
    """The chat-completions URL of an endpoint given as its base (``.../v1``) or in full.

    Example:
        >>> chat_completions_url("http://127.0.0.1:8000/v1/")
        'http://127.0.0.1:8000/v1/chat/completions'
        >>> chat_completions_url("https://api.example.org/v1/chat/completions")
        'https://api.example.org/v1/chat/completions'
    """
    if not isinstance(endpoint, str):
        raise InputValidationError(f"Expected argument `endpoint` to be a URL string, but got {endpoint!r}.")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputValidationError(
            f"Expected argument `endpoint` to be an http(s) URL such as http://127.0.0.1:8000/v1, but got {endpoint!r}."
        )
    url = endpoint.rstrip("/")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


class _Secret:
    """A credential that never shows in a repr (``vars(backend)``, a debugger, a log of the object)."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "[redacted]"


class OpenAICompatibleBackend(JudgeBackend):
    """A judge model served behind an OpenAI-compatible ``/chat/completions`` endpoint.

    Args:
        model: the model id sent in the request (``gpt-4o-2024-08-06``, or the name a vLLM server serves).
        endpoint: the API base (``https://api.openai.com/v1``, ``http://127.0.0.1:8000/v1``) or the full
            chat-completions URL. Not part of cache keys: the same model id and revision share replies
            across endpoints.
        revision: what pins the model beyond its id (the served weights' commit, a dated snapshot); not
            sent, recorded in cache keys and signatures.
        api_key_env: the environment variable holding the API key; ``None`` for a server without one.
        api_key: the key itself, instead of ``api_key_env`` (never printed or stored).
        temperature: see :class:`~proceval.judges.base.Decoding` (default 0).
        max_tokens: the most tokens a reply may have.
        seed: a sampling seed sent with each request (``None``: not sent).
        json_mode: send ``response_format={"type": "json_object"}``.
        extra_body: further request-body keys (``{"reasoning_effort": "none"}``), part of the decoding
            parameters (cache key and signature).
        max_tokens_field: the body key of ``max_tokens`` (``"max_completion_tokens"`` for OpenAI's
            reasoning models).
        max_concurrency: requests in flight at once.
        timeout_s: the limit of one request, in seconds.
        max_retries: retries of one request after its first attempt.
        backoff_base_s: the cap of the first retry's wait, in seconds (doubling each retry).
        backoff_max_s: the longest wait between two attempts, in seconds.
        trust_env: let ``aiohttp`` read proxy settings from the environment (off by default, and always
            off for loopback).
    """

    def __init__(
        self,
        model: str,
        endpoint: str,
        *,
        revision: str | None = None,
        api_key_env: str | None = "OPENAI_API_KEY",
        api_key: str | None = None,
        temperature: float = 0.0,
        max_tokens: int = 512,
        seed: int | None = None,
        json_mode: bool = False,
        extra_body: Mapping[str, Any] | None = None,
        max_tokens_field: Literal["max_tokens", "max_completion_tokens"] = "max_tokens",
        max_concurrency: int = 16,
        timeout_s: float = 60.0,
        max_retries: int = 5,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        trust_env: bool = False,
    ) -> None:
        check_identity(model, revision)
        self.model = model
        self.revision = revision
        self.endpoint = endpoint
        self.url = chat_completions_url(endpoint)
        self.decoding = Decoding(temperature, max_tokens, seed, json_mode, dict(extra_body or {}))
        self.max_concurrency = check_concurrency(max_concurrency)
        if max_tokens_field not in ("max_tokens", "max_completion_tokens"):
            raise InputValidationError(
                "Expected argument `max_tokens_field` to be one of ('max_tokens', 'max_completion_tokens'), "
                f"but got {max_tokens_field!r}."
            )
        self.max_tokens_field = max_tokens_field
        for name, value, positive in (
            ("timeout_s", timeout_s, True),
            ("backoff_base_s", backoff_base_s, False),
            ("backoff_max_s", backoff_max_s, False),
        ):
            bad = isinstance(value, bool) or not isinstance(value, (int, float)) or value != value
            if bad or value < 0 or (positive and value == 0):
                need = "a number > 0" if positive else "a number >= 0"
                raise InputValidationError(f"Expected argument `{name}` to be {need}, but got {value!r}.")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InputValidationError(
                f"Expected argument `max_retries` to be an integer >= 0, but got {max_retries!r}."
            )
        if api_key_env is not None and (not isinstance(api_key_env, str) or not api_key_env):
            raise InputValidationError(
                f"Expected argument `api_key_env` to be an environment variable name or None, but got {api_key_env!r}."
            )
        self.timeout_s = float(timeout_s)
        self.max_retries = max_retries
        self.backoff_base_s = float(backoff_base_s)
        self.backoff_max_s = float(backoff_max_s)
        self.api_key_env = None if api_key is not None else api_key_env
        self._api_key = None if api_key is None else _Secret(api_key)
        host = urlsplit(self.url).hostname or ""
        self.trust_env = bool(trust_env) and host not in _LOOPBACK

    def __repr__(self) -> str:
        return (
            f"OpenAICompatibleBackend(model={self.model!r}, endpoint={self.endpoint!r}, revision={self.revision!r}, "
            f"max_concurrency={self.max_concurrency})"
        )

    def _resolve_key(self) -> str | None:
        if self._api_key is not None:
            return self._api_key.value
        if self.api_key_env is None:
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise InputValidationError(
                f"Expected the environment variable `{self.api_key_env}` to hold the API key of {self.url}, but it "
                "is unset or empty (pass api_key_env=None for a server that needs no key)."
            )
        return key

    def request_body(self, messages: Any) -> dict[str, Any]:
        """The JSON body sent for ``messages``."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "temperature": self.decoding.temperature,
            self.max_tokens_field: self.decoding.max_tokens,
        }
        if self.decoding.seed is not None:
            body["seed"] = self.decoding.seed
        if self.decoding.json_mode:
            body["response_format"] = {"type": "json_object"}
        body.update(self.decoding.extra)
        return body

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[_OpenAISession]:
        """Open an ``aiohttp.ClientSession`` (one connection per request in flight) for one run."""
        import aiohttp  # imported here: a command that never calls a judge does not pay for the HTTP client

        key = self._resolve_key()
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        connector = aiohttp.TCPConnector(limit=self.max_concurrency)
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with aiohttp.ClientSession(
            headers=headers, connector=connector, timeout=timeout, trust_env=self.trust_env
        ) as client:
            yield _OpenAISession(self, client, key)


def _redact(text: str, secret: str | None) -> str:
    text = text[:_MAX_ERROR_CHARS]
    return text.replace(secret, "[redacted]") if secret else text


class _OpenAISession:
    """One run's HTTP client for an :class:`OpenAICompatibleBackend`."""

    def __init__(
        self, backend: OpenAICompatibleBackend, client: aiohttp.ClientSession, key: str | None
    ) -> None:
        self.backend = backend
        self.client = client
        self._key = key
        self._rng = random.Random()

    def _completion(self, raw: bytes, attempts: int) -> Completion:
        payload = json.loads(raw)
        choice = payload["choices"][0]
        content = choice["message"].get("content")
        if content is not None and not isinstance(content, str):
            raise TypeError("message content is not a string")
        usage = payload.get("usage") or {}
        prompt = usage.get("prompt_tokens")
        completion = usage.get("completion_tokens")
        model = payload.get("model")
        return Completion(
            text=content or "",
            prompt_tokens=prompt if isinstance(prompt, int) else None,
            completion_tokens=completion if isinstance(completion, int) else None,
            response_model=model if isinstance(model, str) else None,
            attempts=attempts,
        )

    async def complete(self, request: JudgeRequest) -> Completion:
        """POST the messages; retry transient failures; return the first choice's content."""
        import aiohttp  # already imported by session(); a dictionary lookup here

        b = self.backend
        body = json.dumps(b.request_body(request.messages), ensure_ascii=False).encode("utf-8")
        last = ""
        for attempt in range(b.max_retries + 1):
            wait_hint: float | None = None
            try:
                async with self.client.post(b.url, data=body) as response:
                    status = response.status
                    raw = await response.read()
                    headers = response.headers
            except asyncio.TimeoutError:
                last = f"no reply within {b.timeout_s:g} s"
            except aiohttp.ClientError as exc:
                last = f"{type(exc).__name__}: {_redact(str(exc), self._key)}"
            else:
                if status == 200:
                    try:
                        return self._completion(raw, attempt + 1)
                    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
                        last = f"malformed response body ({type(exc).__name__})"
                else:
                    text = raw.decode("utf-8", errors="replace")
                    detail = "" if status in (401, 403) else ": " + _redact(text, self._key)
                    if status in FATAL_STATUS:
                        raise JudgeCallError(
                            f"{b.url} answered HTTP {status} for model {b.model!r}{detail}",
                            attempts=attempt + 1,
                            fatal=True,
                        )
                    if not is_retryable_status(status):
                        raise JudgeCallError(
                            f"{b.url} answered HTTP {status} for item {request.item_id!r}{detail}",
                            attempts=attempt + 1,
                        )
                    last = f"HTTP {status}"
                    wait_hint = retry_after_s(headers)
            if attempt < b.max_retries:
                delay = backoff_delay_s(
                    attempt,
                    base_s=b.backoff_base_s,
                    max_s=b.backoff_max_s,
                    retry_after_s=wait_hint,
                    rng=self._rng,
                )
                logger.debug(
                    "judge %s, item %r: %s; retry %d in %.2f s",
                    b.label,
                    request.item_id,
                    last,
                    attempt + 1,
                    delay,
                )
                await asyncio.sleep(delay)
        raise JudgeCallError(
            f"judge {b.label} failed on item {request.item_id!r} after {b.max_retries + 1} attempts: {last}",
            attempts=b.max_retries + 1,
        )
