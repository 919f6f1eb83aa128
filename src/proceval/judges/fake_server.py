"""A fake OpenAI-compatible judge server on loopback, with fault injection (tests, demos, benchmarks).

:class:`FakeJudgeServer` serves ``POST /v1/chat/completions`` on ``127.0.0.1`` (a free port) from a
thread, as a context manager. Its replies are deterministic functions of the request's messages: a JSON
object rating each configured dimension with a value derived from a hash of the messages
(:func:`fake_ratings`), with token usage (words counted). :class:`Faults` injects latency, HTTP 429 and
500, malformed response bodies, dropped connections, replies slower than a client's timeout, and
unparseable reply texts. The server counts the requests it receives per message digest
(:func:`message_digest`), so a test can assert that no call was made twice.

Example:
    >>> import urllib.request
    >>> with FakeJudgeServer({"score": (0, 5)}) as server:
    ...     body = {"model": "m", "messages": [{"role": "user", "content": "rate this"}]}
    ...     post = urllib.request.Request(server.url + "/chat/completions", data=json.dumps(body).encode())
    ...     reply = json.load(urllib.request.urlopen(post))
    >>> reply["choices"][0]["message"]["content"] == json.dumps(fake_ratings(body["messages"], {"score": (0, 5)}))
    True
    >>> server.requests[message_digest(body["messages"])]
    1
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from proceval.loopback import LoopbackServer

UNPARSEABLE_REPLY = "I would rate this answer as fairly good overall."
"""The reply text of an injected unparseable reply (no JSON object)."""


def message_digest(messages: Sequence[Mapping[str, Any]]) -> str:
    """A 16-hex digest of chat messages (canonical JSON): the server's per-request count key."""
    blob = json.dumps(list(messages), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _uniform(messages: Sequence[Mapping[str, Any]], salt: str) -> float:
    digest = hashlib.sha256((salt + message_digest(messages)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def fake_ratings(
    messages: Sequence[Mapping[str, Any]], dimensions: Mapping[str, tuple[int, int]]
) -> dict[str, int]:
    """The ratings the fake judge gives: per dimension, a hash of the messages mapped onto ``low..high``.

    Example:
        >>> r = fake_ratings([{"role": "user", "content": "x"}], {"relevance": (1, 5), "conciseness": (1, 5)})
        >>> sorted(r), all(1 <= v <= 5 for v in r.values())
        (['conciseness', 'relevance'], True)
    """
    out = {}
    for name, (low, high) in dimensions.items():
        out[name] = low + int(_uniform(messages, "rating:" + name) * (high - low + 1))
    return out


_EXAMPLE_KEY = re.compile(r"[\"']([A-Za-z_][A-Za-z0-9_]*)[\"']\s*:\s*(?:N\b|-?\d)")


def prompt_keys(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    """The keys a prompt's reply example rates with an integer, in order of first appearance.

    A key counts when it is quoted and followed by ``N`` or a number (``{"relevance": N, ...}``,
    ``{"contextual_integration": 3}``, ``{'score': 4}``); keys holding text (``"reasoning": "..."``) do not.
    Replies already in the conversation (a format retry) are not read.

    Example:
        >>> prompt_keys([{"role": "user", "content": 'Reply {"relevance": N, "reasoning": "why"} or {"score": 3}.'}])
        ['relevance', 'score']
    """
    text = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") != "assistant")
    return list(dict.fromkeys(_EXAMPLE_KEY.findall(text)))


def prompt_keys_reply(low: int = 1, high: int = 5) -> Callable[[list[dict[str, Any]]], str]:
    """A ``reply`` for :class:`FakeJudgeServer` that rates whatever keys each prompt asks for.

    The reply is a JSON object with a rating in ``low..high`` (inclusive; :func:`fake_ratings` of the
    messages, so deterministic) for every key of :func:`prompt_keys`, or :data:`UNPARSEABLE_REPLY` when the
    prompt names none. One server can so answer several rubrics (a demo's); choose ``low..high`` inside
    every rubric's scale (1..5 lies inside both 1-5 and 0-5 scales).

    Example:
        >>> reply = prompt_keys_reply()
        >>> sorted(json.loads(reply([{"role": "user", "content": 'Answer {"score": N}.'}])))
        ['score']
    """

    def reply(messages: list[dict[str, Any]]) -> str:
        keys = prompt_keys(messages)
        if not keys:
            return UNPARSEABLE_REPLY
        return json.dumps(fake_ratings(messages, {key: (low, high) for key in keys}))

    return reply


@dataclass
class Faults:
    """What the fake server does wrong, and how often (rates are probabilities per request).

    Args:
        latency_s: delay before every answer, in seconds.
        rate_429: HTTP 429 (with ``Retry-After: retry_after_s`` if set).
        rate_500: HTTP 500.
        rate_malformed: HTTP 200 whose body is not JSON.
        rate_drop: the connection is closed without an answer.
        rate_slow: the answer comes after ``slow_s`` seconds (longer than the client's timeout).
        slow_s: see ``rate_slow``.
        retry_after_s: the ``Retry-After`` header of 429 answers (None: not sent).
        max_faults_per_key: at most this many faulty answers per message digest (None: no limit), so a
            client with enough retries always gets through.
        unparseable_rate: the share of prompts (chosen by a hash of the messages, so deterministic)
            whose first reply text is :data:`UNPARSEABLE_REPLY`; a format retry of them is answered.
        unparseable_twice_rate: the share (within ``unparseable_rate``) whose format retry is
            unparseable too.
        seed: seed of the random fault draws.
    """

    latency_s: float = 0.0
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_malformed: float = 0.0
    rate_drop: float = 0.0
    rate_slow: float = 0.0
    slow_s: float = 5.0
    retry_after_s: float | None = None
    max_faults_per_key: int | None = None
    unparseable_rate: float = 0.0
    unparseable_twice_rate: float = 0.0
    seed: int = 0


class FakeJudgeServer(LoopbackServer):
    """An OpenAI-compatible chat server on ``127.0.0.1`` with deterministic replies and injected faults.

    Args:
        dimensions: ``{reply key: (low, high)}`` rated by the default reply.
        faults: what goes wrong (default: nothing).
        reply: ``messages -> reply text``, replacing the default (which honours ``faults.unparseable_*``).
        api_key: if set, requests without ``Authorization: Bearer <api_key>`` get HTTP 401.
        model: the model id reported in replies (default: the requested one).
        models: if set, a request for another model gets HTTP 404 (as OpenAI answers an unknown model).

    Attributes:
        url: the API base, ``http://127.0.0.1:<port>/v1``.
        requests: ``Counter`` of requests received per :func:`message_digest`.
        answered: ``Counter`` of replies sent (HTTP 200 with a reply) per digest.
        faults_sent: ``Counter`` of injected faults per kind.
        faults_by_key: ``{digest: [fault kind, ...]}`` in order.
        max_in_flight: the most requests handled at once.
        bodies: every request body received (JSON), in arrival order.
    """

    def __init__(
        self,
        dimensions: Mapping[str, tuple[int, int]] | None = None,
        *,
        faults: Faults | None = None,
        reply: Callable[[list[dict[str, Any]]], str] | None = None,
        api_key: str | None = None,
        model: str | None = None,
        models: Sequence[str] | None = None,
    ) -> None:
        if dimensions is None and reply is None:
            raise ValueError("Expected argument `dimensions` or `reply`, but got neither.")
        self.dimensions = dict(dimensions or {})
        self.faults = faults or Faults()
        self._reply = reply
        self._api_key = api_key
        self.model = model
        self.models = None if models is None else set(models)
        self.requests: Counter[str] = Counter()
        self.answered: Counter[str] = Counter()
        self.faults_sent: Counter[str] = Counter()
        self.bodies: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.faults_by_key: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self.url = ""

    # -- replies and faults ------------------------------------------------------------------------------
    def reply_text(self, messages: list[dict[str, Any]]) -> str:
        """The reply text for ``messages`` (the custom ``reply``, or ratings JSON / injected prose)."""
        if self._reply is not None:
            return self._reply(messages)
        f = self.faults
        is_retry = any(m.get("role") == "assistant" for m in messages)
        first = messages[:-2] if is_retry else messages  # a format retry appends the reply and a reminder
        u = _uniform(first, "unparseable")
        if (not is_retry and u < f.unparseable_rate) or (is_retry and u < f.unparseable_twice_rate):
            return UNPARSEABLE_REPLY
        return json.dumps(fake_ratings(messages, self.dimensions))

    def _draw_fault(self, digest: str) -> str | None:
        f = self.faults
        with self._lock:
            so_far = self.faults_by_key.setdefault(digest, [])
            if f.max_faults_per_key is not None and len(so_far) >= f.max_faults_per_key:
                return None
            u = self._rng.random()
            for kind, rate in (
                ("429", f.rate_429),
                ("500", f.rate_500),
                ("malformed", f.rate_malformed),
                ("drop", f.rate_drop),
                ("slow", f.rate_slow),
            ):
                if u < rate:
                    so_far.append(kind)
                    self.faults_sent[kind] += 1
                    return kind
                u -= rate
        return None

    def total_requests(self) -> int:
        """Requests received so far (all digests)."""
        with self._lock:
            return sum(self.requests.values())

    def doubled(self) -> dict[str, int]:
        """Digests answered more than once: ``{digest: times}`` (empty when no reply was sent twice)."""
        with self._lock:
            return {d: n for d, n in self.answered.items() if n > 1}

    # -- lifecycle ----------------------------------------------------------------------------------------
    def start(self) -> FakeJudgeServer:
        """Listen on ``127.0.0.1`` (a free port) in a daemon thread."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

            def _send(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, b'{"error": {"message": "not found"}}')
                    return
                if (
                    server._api_key is not None
                    and self.headers.get("Authorization") != f"Bearer {server._api_key}"
                ):
                    self._send(401, b'{"error": {"message": "invalid api key"}}')
                    return
                try:
                    body = json.loads(raw)
                    messages = body["messages"]
                except (ValueError, KeyError, TypeError):
                    self._send(400, b'{"error": {"message": "bad request"}}')
                    return
                if server.models is not None and body.get("model") not in server.models:
                    self._send(404, b'{"error": {"message": "model not found"}}')
                    return
                digest = message_digest(messages)
                with server._lock:
                    server.requests[digest] += 1
                    server.bodies.append(body)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._answer(body, messages, digest)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, body: dict[str, Any], messages: list[dict[str, Any]], digest: str) -> None:
                f = server.faults
                fault = server._draw_fault(digest)
                if f.latency_s:
                    time.sleep(f.latency_s)
                if fault == "drop":
                    self.close_connection = True
                    return
                if fault == "429":
                    headers = {"Retry-After": f"{f.retry_after_s:g}"} if f.retry_after_s is not None else None
                    self._send(429, b'{"error": {"message": "rate limited"}}', headers)
                    return
                if fault == "500":
                    self._send(500, b'{"error": {"message": "internal error"}}')
                    return
                if fault == "malformed":
                    self._send(200, b'{"choices": [{"message": {"content": "{\\"sco')
                    return
                if fault == "slow":
                    time.sleep(f.slow_s)
                text = server.reply_text(messages)
                prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
                payload = {
                    "id": "chatcmpl-" + digest,
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": server.model or body.get("model", "fake"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": len(text.split()),
                        "total_tokens": prompt_tokens + len(text.split()),
                    },
                }
                self._send(200, json.dumps(payload).encode("utf-8"))
                with server._lock:
                    server.answered[digest] += 1

        self.serve(Handler, "/v1")
        return self


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until standard input closes: ``python -m proceval.judges.fake_server --dimension score:0:5``.

    The first line printed is the API base URL (for a demo, or a benchmark that keeps the server out of
    its own process).
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="A fake OpenAI-compatible judge server on 127.0.0.1.")
    parser.add_argument("--dimension", action="append", default=[], help="key:low:high (repeatable)")
    parser.add_argument("--latency-s", type=float, default=0.0, help="delay before every answer, in seconds")
    parser.add_argument("--rate-429", type=float, default=0.0)
    parser.add_argument("--rate-500", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    dims = {}
    for spec in args.dimension or ["score:0:5"]:
        key, low, high = spec.split(":")
        dims[key] = (int(low), int(high))
    faults = Faults(latency_s=args.latency_s, rate_429=args.rate_429, rate_500=args.rate_500, seed=args.seed)
    with FakeJudgeServer(dims, faults=faults) as server:
        print(server.url, flush=True)
        for _ in sys.stdin:
            pass


if __name__ == "__main__":
    main()
