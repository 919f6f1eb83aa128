"""Judge items with one or several judges: cache, de-duplication, bounded concurrency, parse policy, counts.

:func:`judge_items` renders every item with the rubric (all items are checked before any call), looks
every prompt up in the cache in batched queries, and asks the judges only for the rest, each with at most
its backend's ``max_concurrency`` requests in flight. Items whose prompts are identical share one call.
Each finished call is committed to the cache before its item is counted, so a killed run loses no
finished call and a re-run repeats none.

Unparseable replies follow an explicit policy (default ``"retry_then_exclude"``):

* ``"retry_then_exclude"``: ask once more, with the unparseable reply and a format reminder appended
  (:func:`proceval.judges.rubric.retry_messages`); if that reply cannot be read either, the item is
  left out of the means and counted in ``num_unparseable``;
* ``"retry_then_minimum"``: the same retry, then every dimension gets its scale's minimum;
* ``"exclude"`` / ``"minimum"``: no retry.

Items whose call fails after the backend's retries are counted in ``num_failed``; by default the run
then raises :class:`JudgeRunError` (holding the partial result) once every other item is done
(``failures="exclude"`` scores without them instead). A failure that concerns every call (HTTP 401,
403, 404) stops the run at once.

With several judges (``judges=[a, b, c]``), an item's rating on a dimension is the mean over the judges
that rated it, and :attr:`JudgeResult.agreement` holds Krippendorff's alpha (ordinal) per dimension.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
from collections import Counter
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, get_args

import numpy as np

from proceval.errors import InputValidationError, ProcevalError
from proceval.judges.agreement import krippendorff_alpha_ordinal
from proceval.judges.base import Completion, JudgeBackend, JudgeCallError, JudgeRequest, JudgeSession
from proceval.judges.cache import CachedReply, JudgeCache, cache_key, canonical_messages, key_parts
from proceval.judges.rubric import (
    Message,
    ParseFailure,
    Rubric,
    canonical_prompt,
    parse_reply,
    render,
    retry_messages,
    template_hash,
)
from proceval.scores.signature import make_signature

if TYPE_CHECKING:
    import asyncio

Policy = Literal["retry_then_exclude", "retry_then_minimum", "exclude", "minimum"]
POLICIES: tuple[str, ...] = get_args(Policy)
Failures = Literal["raise", "exclude"]
FAILURES: tuple[str, ...] = get_args(Failures)
Status = Literal["rated", "minimum", "excluded", "failed"]

COUNT_KEYS: tuple[str, ...] = (
    "num_items",
    "num_judged",
    "num_unparseable",
    "num_retries",
    "num_failed",
    "num_calls",
    "num_cached",
    "num_http_retries",
    "num_usage_missing",
)
"""The counts of every result (per judge and summed over judges).

``num_items`` items given; ``num_judged`` items with ratings (including those scored as the minimum);
``num_unparseable`` items whose final reply could not be read; ``num_retries`` items retried with a
format reminder; ``num_failed`` items whose call failed; ``num_calls`` replies requested from the model
in this run; ``num_cached`` replies taken from the cache, a ledger, stored ratings or another item with
the same prompt; ``num_http_retries`` retried HTTP attempts; ``num_usage_missing`` replies requested
without token usage in the response. Replies are counted apart from items: a format retry is a second
reply of one item.
"""


@dataclass(frozen=True)
class Price:
    """A judge's price in US dollars per million input (prompt) and output (completion) tokens."""

    input_per_mtok: float
    output_per_mtok: float


class ItemVerdict(NamedTuple):
    """One judge's outcome on one item (a named tuple).

    Args:
        status: ``"rated"``; ``"minimum"`` (unparseable, scored as each scale's minimum); ``"excluded"``
            (unparseable, left out); ``"failed"`` (the call failed).
        ratings: ``{dimension name: int}`` when rated or scored as the minimum, else None.
        reason: the parse failure or the call error, else None.
        retried: a format retry was made.
        keys: the cache keys of the replies used (one, or two after a retry).
    """

    status: Status
    ratings: dict[str, int] | None
    reason: str | None = None
    retried: bool = False
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class JudgeResult:
    """The outcome of :func:`judge_items`.

    Ratings are on the rubric's scales (``Dimension.normalize`` maps them to [0, 1]).

    Attributes:
        rubric: the rubric's name.
        dimensions: the dimension names, in order.
        judges: the judges' labels (``model@revision``), in order.
        per_item: ``{item id: {dimension: mean over the judges that rated it}}`` (items nobody rated
            are absent).
        mean: ``{dimension: mean of per_item}`` (None when no item was rated).
        agreement: ``{dimension: Krippendorff's alpha, ordinal}`` over the judges' ratings ("rated"
            verdicts only); empty with one judge; None where undefined.
        verdicts: ``{judge label: {item id: ItemVerdict}}``.
        per_judge_mean: ``{judge label: {dimension: mean over its rated items}}``.
        counts: :data:`COUNT_KEYS`, summed over judges.
        per_judge_counts: ``{judge label: counts}``.
        usage: ``prompt_tokens`` / ``completion_tokens`` of this run's calls, and ``all_prompt_tokens`` /
            ``all_completion_tokens`` of every reply used (cached ones too, where their usage was stored).
        cost_usd: this run's cost estimate, or None (no prices, or a reply without usage).
        cost_usd_all: the estimate for every reply used (what judging costs without a cache), or None.
        signature_items: ``{abbreviation: value}`` to merge into a score's signature.
        signature: ``<rubric>|judge:...|tmpl:...|temp:...|maxtok:...|unparse:...|v:<version>``.
        cache_keys: the keys of every reply used (sorted); ``JudgeCache.export_ledger(path, keys=...)``.
    """

    rubric: str
    dimensions: tuple[str, ...]
    judges: tuple[str, ...]
    per_item: dict[str, dict[str, float]]
    mean: dict[str, float | None]
    agreement: dict[str, float | None]
    verdicts: dict[str, dict[str, ItemVerdict]]
    per_judge_mean: dict[str, dict[str, float | None]]
    counts: dict[str, int]
    per_judge_counts: dict[str, dict[str, int]]
    usage: dict[str, int]
    cost_usd: float | None
    cost_usd_all: float | None
    signature_items: dict[str, Any]
    signature: str
    cache_keys: tuple[str, ...] = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        """A flat JSON-able summary: ``mean_<dim>``, ``krippendorff_alpha_<dim>``, counts, usage, cost, signature."""
        out: dict[str, Any] = {f"mean_{d}": self.mean[d] for d in self.dimensions}
        out.update({f"krippendorff_alpha_{d}": a for d, a in self.agreement.items()})
        out.update(self.counts)
        out.update(self.usage)
        out["cost_usd"] = self.cost_usd
        out["cost_usd_all"] = self.cost_usd_all
        out["judges"] = list(self.judges)
        out["signature"] = self.signature
        return out


class JudgeRunError(ProcevalError):
    """Some items failed (``failures="raise"``); ``result`` holds everything else, finished calls are cached."""

    def __init__(self, message: str, result: JudgeResult) -> None:
        super().__init__(message)
        self.result = result


Step = Generator[
    tuple[str, list[Message]], Completion, tuple[Status, dict[str, int] | None, str | None, bool]
]


class _JudgeRun:
    """One judge's share of a run: keys, cache look-ups, in-flight de-duplication, calls, counts."""

    def __init__(
        self, backend: JudgeBackend, rubric: Rubric, tmpl: str, cache: JudgeCache | None, policy: str
    ) -> None:
        self.backend = backend
        self.rubric = rubric
        self.tmpl = tmpl
        self.cache = None if backend.stored_replies else cache
        self.policy = policy
        self.decoding = backend.decoding.key_items()
        identity = backend.key_identity("")
        self._item_keyed = identity != backend.key_identity("\0")  # the key names the item
        self._head, self._tail = key_parts(identity, tmpl, self.decoding)
        self.prefetched: dict[str, Completion] = {}
        self.inflight: dict[str, asyncio.Future[Completion]] = {}
        self.stats: Counter[str] = Counter()
        self.session: JudgeSession | None = None
        self.semaphore: asyncio.Semaphore | None = None

    def key(self, item_id: str, messages: Sequence[Message], contents: Sequence[str] | None = None) -> str:
        """The cache key of ``messages`` (``contents``: their contents as JSON literals, if known)."""
        if self._item_keyed:
            return cache_key(self.backend.key_identity(item_id), self.tmpl, messages, self.decoding)
        blob = self._head + canonical_messages(messages, contents) + self._tail
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def first_key(self, item_id: str, canonical: str, fields: Mapping[str, Any]) -> str:
        """The cache key of an item's first prompt, from its :func:`~proceval.judges.rubric.canonical_prompt`."""
        if self._item_keyed:
            return self.key(item_id, render(self.rubric, fields, item_id=item_id))
        return hashlib.sha256((self._head + canonical + self._tail).encode("utf-8")).hexdigest()

    def settle_cached(self, key: str) -> ItemVerdict | None:
        """The verdict of an item whose first reply is prefetched and needs no format retry, else None."""
        reply = self.prefetched.get(key)
        if reply is None:
            return None
        parsed = parse_reply(reply.text, self.rubric)
        if isinstance(parsed, ParseFailure):
            if self.policy.startswith("retry"):
                return None
            self._account(reply, billed=False)
            if self.policy == "minimum":
                return ItemVerdict(
                    "minimum", {d.name: d.low for d in self.rubric.dimensions}, parsed.reason, False, (key,)
                )
            return ItemVerdict("excluded", None, parsed.reason, False, (key,))
        self._account(reply, billed=False)
        return ItemVerdict("rated", parsed, None, False, (key,))

    def steps(self, item_id: str, messages: list[Message], key: str) -> Step:
        """The item's procedure: yields (key, messages) for each reply it needs, returns the verdict."""
        reply = yield key, messages
        parsed = parse_reply(reply.text, self.rubric)
        retried = False
        if isinstance(parsed, ParseFailure) and self.policy.startswith("retry"):
            retried = True
            again = retry_messages(self.rubric, messages, reply.text)
            reply = yield self.key(item_id, again), again
            parsed = parse_reply(reply.text, self.rubric)
        if not isinstance(parsed, ParseFailure):
            return "rated", parsed, None, retried
        if self.policy.endswith("minimum"):
            return "minimum", {d.name: d.low for d in self.rubric.dimensions}, parsed.reason, retried
        return "excluded", None, parsed.reason, retried

    def _account(self, reply: Completion, *, billed: bool) -> None:
        self.stats["all_prompt_tokens"] += reply.prompt_tokens or 0
        self.stats["all_completion_tokens"] += reply.completion_tokens or 0
        if billed:
            self.stats["num_calls"] += 1
            self.stats["num_http_retries"] += reply.attempts - 1
            self.stats["prompt_tokens"] += reply.prompt_tokens or 0
            self.stats["completion_tokens"] += reply.completion_tokens or 0
            if reply.prompt_tokens is None or reply.completion_tokens is None:
                self.stats["num_usage_missing"] += 1
        else:
            self.stats["num_cached"] += 1

    def cached(self, key: str) -> Completion | None:
        """The cached reply for ``key`` (counted as cached), or None."""
        if self.cache is None:
            return None
        reply = self.prefetched.get(key)
        if reply is None:
            reply = self.cache.replies((key,)).get(key)
        if reply is None:
            return None
        self._account(reply, billed=False)
        return reply

    def open(self, session: JudgeSession) -> None:
        """Attach the run's session and its concurrency bound (before any call)."""
        import asyncio

        self.session = session
        self.semaphore = asyncio.Semaphore(self.backend.max_concurrency)

    async def _call(self, request: JudgeRequest) -> Completion:
        if self.session is None or self.semaphore is None:
            raise RuntimeError("the judge session is not open")
        async with self.semaphore:
            try:
                reply = await self.session.complete(request)
            except JudgeCallError as exc:
                self.stats["num_http_retries"] += exc.attempts - 1
                raise
        if self.cache is not None:
            self.cache.put(
                CachedReply(
                    key=request.key,
                    model=self.backend.model,
                    revision=self.backend.revision,
                    template_hash=self.tmpl,
                    messages=request.messages,
                    decoding=self.decoding,
                    reply=reply.text,
                    prompt_tokens=reply.prompt_tokens,
                    completion_tokens=reply.completion_tokens,
                    response_model=reply.response_model,
                )
            )
        self._account(reply, billed=not self.backend.stored_replies)
        return reply

    async def reply(self, item_id: str, key: str, messages: list[Message]) -> Completion:
        """The reply for ``key``: from the cache, from a call in flight for the same key, or a new call."""
        found = self.cached(key)
        if found is not None:
            return found
        task = self.inflight.get(key)
        if task is None:
            import asyncio

            task = asyncio.ensure_future(self._call(JudgeRequest(key, item_id, tuple(messages))))
            self.inflight[key] = task
            return await task
        reply = await task
        self._account(reply, billed=False)  # another item's call answered this prompt
        return reply

    def drive_cached(
        self, steps: Step, request: tuple[str, list[Message]], keys: list[str]
    ) -> tuple[ItemVerdict | None, tuple[str, list[Message]]]:
        """Feed cached replies: ``(verdict, request)``, the verdict None if ``request`` needs a call."""
        try:
            while True:
                found = self.cached(request[0])
                if found is None:
                    return None, request
                keys.append(request[0])
                request = steps.send(found)
        except StopIteration as stop:
            return _verdict(stop.value, keys), request

    async def drive(
        self, item_id: str, steps: Step, request: tuple[str, list[Message]], keys: list[str]
    ) -> ItemVerdict:
        """Finish an item whose next reply needs a call."""
        try:
            while True:
                reply = await self.reply(item_id, *request)
                keys.append(request[0])
                request = steps.send(reply)
        except StopIteration as stop:
            return _verdict(stop.value, keys)
        except JudgeCallError as exc:
            if exc.fatal:
                raise
            steps.close()
            return ItemVerdict("failed", None, str(exc), retried=len(keys) > 0, keys=tuple(keys))


def _verdict(value: tuple[Status, dict[str, int] | None, str | None, bool], keys: list[str]) -> ItemVerdict:
    status, ratings, reason, retried = value
    return ItemVerdict(status, ratings, reason, retried, tuple(keys))


def _check_items(items: Any) -> dict[str, Mapping[str, Any]]:
    if not isinstance(items, Mapping):
        raise InputValidationError(
            f"Expected argument `items` to be a mapping of item id to fields, but got {type(items).__name__}."
        )
    bad = [k for k in items if not isinstance(k, str)]
    if bad:
        raise InputValidationError(f"Expected the item ids to be strings, but got {bad[:3]!r}.")
    return dict(items)


def _check_judges(judges: Any) -> list[JudgeBackend]:
    backends = [judges] if isinstance(judges, JudgeBackend) else list(judges)
    if not backends or not all(isinstance(b, JudgeBackend) for b in backends):
        raise InputValidationError(
            f"Expected argument `judges` to be a judge backend or a non-empty list of them, but got {judges!r}."
        )
    labels = [b.label for b in backends]
    if len(set(labels)) != len(labels):
        raise InputValidationError(
            f"Expected the judges to be distinct (model@revision), but got {labels}: equal labels share cache keys."
        )
    return backends


def _mean(values: list[float] | list[int]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _joined(values: list[Any]) -> Any:
    if all(v == values[0] for v in values):
        return values[0]
    return ",".join("-" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)) for v in values)


def judge_signature_items(
    rubric: Rubric, judges: Sequence[JudgeBackend], policy: str, failures: str = "raise"
) -> dict[str, Any]:
    """The signature items of a judging: judges, template hash, decoding, policies.

    Example:
        >>> from proceval.judges.rubric import Dimension
        >>> from proceval.judges.precomputed import PrecomputedBackend
        >>> r = Rubric("qa", (Dimension("score", 0, 5),), user="{a}", fields=("a",))
        >>> items = judge_signature_items(r, [PrecomputedBackend({}, model="m", revision="r1")], "exclude")
        >>> {k: v for k, v in items.items() if v is not None and k != "tmpl"}
        {'judge': 'm@r1', 'temp': 0.0, 'maxtok': 512, 'unparse': 'exclude'}
    """
    items: dict[str, Any] = {"judge": ",".join(j.label for j in judges), "tmpl": template_hash(rubric)[:8]}
    per_judge = [j.decoding.signature_items() for j in judges]
    for key in per_judge[0]:
        items[key] = _joined([d[key] for d in per_judge])
    items["agg"] = "mean" if len(judges) > 1 else None
    items["unparse"] = policy
    items["fail"] = "exclude" if failures == "exclude" else None
    return items


def _cost(
    judges: Sequence[JudgeBackend],
    stats: Mapping[str, Counter[str]],
    prices: Mapping[str, Any] | None,
    prefix: str,
) -> float | None:
    if not prices:
        return None
    total = 0.0
    for judge in judges:
        price = prices.get(judge.label, prices.get(judge.model))
        if price is None or stats[judge.label]["num_usage_missing"]:
            return None
        if not isinstance(price, Price):
            price = Price(*price)
        s = stats[judge.label]
        total += (
            s[f"{prefix}prompt_tokens"] * price.input_per_mtok
            + s[f"{prefix}completion_tokens"] * price.output_per_mtok
        ) / 1e6
    return total


def _build_result(
    rubric: Rubric,
    judges: Sequence[JudgeBackend],
    item_ids: Sequence[str],
    verdicts: dict[str, dict[str, ItemVerdict]],
    runs: Mapping[str, _JudgeRun],
    policy: str,
    failures: str,
    prices: Mapping[str, Any] | None,
) -> JudgeResult:
    dims = rubric.dimension_names()
    labels = [j.label for j in judges]
    per_item: dict[str, dict[str, float]] = {}
    if len(labels) == 1:  # one judge: its ratings as floats (the mean of one value)
        for item_id, verdict in verdicts[labels[0]].items():
            if verdict.ratings is not None:
                per_item[item_id] = {d: float(verdict.ratings[d]) for d in dims}
        per_item = {item_id: per_item[item_id] for item_id in item_ids if item_id in per_item}
    for item_id in item_ids if len(labels) > 1 else ():
        rated = [
            verdicts[lab][item_id].ratings for lab in labels if verdicts[lab][item_id].ratings is not None
        ]
        if rated:
            per_item[item_id] = {
                d: math.fsum(r[d] for r in rated if r is not None) / len(rated) for d in dims
            }
    mean = {d: _mean([per_item[i][d] for i in per_item]) for d in dims}
    per_judge_mean = {
        lab: {d: _mean([v.ratings[d] for v in verdicts[lab].values() if v.ratings is not None]) for d in dims}
        for lab in labels
    }
    agreement: dict[str, float | None] = {}
    if len(labels) > 1:
        for d in dims:
            table = np.full((len(labels), len(item_ids)), np.nan)
            for r, lab in enumerate(labels):
                for c, item_id in enumerate(item_ids):
                    v = verdicts[lab][item_id]
                    if v.status == "rated" and v.ratings is not None:
                        table[r, c] = v.ratings[d]
            agreement[d] = krippendorff_alpha_ordinal(table)
    stats: dict[str, Counter[str]] = {}
    per_judge_counts: dict[str, dict[str, int]] = {}
    for lab in labels:
        s = runs[lab].stats
        status = Counter(v.status for v in verdicts[lab].values())
        s["num_items"] = len(item_ids)
        s["num_judged"] = status["rated"] + status["minimum"]
        s["num_unparseable"] = status["minimum"] + status["excluded"]
        s["num_failed"] = status["failed"]
        s["num_retries"] = sum(v.retried for v in verdicts[lab].values())
        stats[lab] = s
        per_judge_counts[lab] = {k: int(s[k]) for k in COUNT_KEYS}
    counts = {k: sum(c[k] for c in per_judge_counts.values()) for k in COUNT_KEYS}
    usage_keys = ("prompt_tokens", "completion_tokens", "all_prompt_tokens", "all_completion_tokens")
    usage = {k: int(sum(stats[lab][k] for lab in labels)) for k in usage_keys}
    sig_items = judge_signature_items(rubric, judges, policy, failures)
    keys = sorted({k for lab in labels for v in verdicts[lab].values() for k in v.keys})
    return JudgeResult(
        rubric=rubric.name,
        dimensions=dims,
        judges=tuple(labels),
        per_item=per_item,
        mean=mean,
        agreement=agreement,
        verdicts=verdicts,
        per_judge_mean=per_judge_mean,
        counts=counts,
        per_judge_counts=per_judge_counts,
        usage=usage,
        cost_usd=_cost(judges, stats, prices, ""),
        cost_usd_all=_cost(judges, stats, prices, "all_"),
        signature_items=sig_items,
        signature=make_signature(rubric.name, sig_items),
        cache_keys=tuple(keys),
    )


@dataclass
class _Plan:
    """A run after its synchronous part: items rendered, cached replies applied, the rest pending."""

    rubric: Rubric
    backends: list[JudgeBackend]
    item_ids: list[str]
    runs: dict[str, _JudgeRun]
    verdicts: dict[str, dict[str, ItemVerdict]]
    pending: list[tuple[_JudgeRun, str, Step, tuple[str, list[Message]], list[str]]]
    policy: str
    failures: str
    prices: Mapping[str, Any] | None
    owned_cache: JudgeCache | None


def _plan(items: Any, rubric: Any, judges: Any, cache: Any, policy: Any, failures: Any, prices: Any) -> _Plan:
    """Check the arguments, render every item, and settle every item the cache answers (no event loop)."""
    item_map = _check_items(items)
    backends = _check_judges(judges)
    if policy not in POLICIES:
        raise InputValidationError(f"Expected argument `policy` to be one of {POLICIES}, but got {policy!r}.")
    if failures not in FAILURES:
        raise InputValidationError(
            f"Expected argument `failures` to be one of {FAILURES}, but got {failures!r}."
        )
    if not isinstance(rubric, Rubric):
        raise InputValidationError(
            f"Expected argument `rubric` to be a Rubric, but got {type(rubric).__name__}."
        )
    if not (cache is None or isinstance(cache, (JudgeCache, str, os.PathLike))):
        raise InputValidationError(
            f"Expected argument `cache` to be a JudgeCache, a path or None, but got {type(cache).__name__}."
        )
    # every item is checked (and its prompt written as canonical JSON) before any call; the messages
    # themselves are rendered only for the items that need a call
    canonical = {
        item_id: canonical_prompt(rubric, fields, item_id=item_id) for item_id, fields in item_map.items()
    }
    tmpl = template_hash(rubric)
    owned = JudgeCache(cache) if isinstance(cache, (str, os.PathLike)) else None
    store = owned if owned is not None else cache
    plan = _Plan(rubric, backends, list(canonical), {}, {}, [], policy, failures, prices, owned)
    try:
        for backend in backends:
            run = _JudgeRun(backend, rubric, tmpl, store, policy)
            plan.runs[backend.label] = run
            done = plan.verdicts[backend.label] = {}
            first = {
                item_id: run.first_key(item_id, text, item_map[item_id])
                for item_id, text in canonical.items()
            }
            if run.cache is not None:
                run.prefetched = run.cache.replies(first.values())
            for item_id, key in first.items():
                verdict = run.settle_cached(key)  # the common case, without the generator below
                if verdict is None:
                    steps = run.steps(item_id, render(rubric, item_map[item_id], item_id=item_id), key)
                    keys: list[str] = []
                    verdict, request = run.drive_cached(steps, steps.send(None), keys)  # type: ignore[arg-type]
                    if verdict is None:
                        plan.pending.append((run, item_id, steps, request, keys))
                        continue
                done[item_id] = verdict
            run.prefetched = {}
    except BaseException:
        if owned is not None:
            owned.close()
        raise
    return plan


async def _run_pending(plan: _Plan, progress: bool) -> None:
    """Make the calls the cache could not answer, each judge with its own concurrency bound."""
    import asyncio

    if not plan.pending:
        return
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(plan.pending), desc=f"judging ({plan.rubric.name})", unit="item")
    async with contextlib.AsyncExitStack() as stack:
        for run in plan.runs.values():
            if any(p[0] is run for p in plan.pending):
                run.open(await stack.enter_async_context(run.backend.session()))

        async def one(run: _JudgeRun, item_id: str, steps: Step, request: Any, keys: list[str]) -> Any:
            return run.backend.label, item_id, await run.drive(item_id, steps, request, keys)

        tasks = [asyncio.ensure_future(one(*p)) for p in plan.pending]
        try:
            for finished in asyncio.as_completed(tasks):
                label, item_id, verdict = await finished
                plan.verdicts[label][item_id] = verdict
                if bar is not None:
                    bar.update(1)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        finally:
            if bar is not None:
                bar.close()


def _finish(plan: _Plan) -> JudgeResult:
    """Build the result; raise :class:`JudgeRunError` if items failed and ``failures="raise"``."""
    ordered = {lab: {i: v[i] for i in plan.item_ids} for lab, v in plan.verdicts.items()}
    result = _build_result(
        plan.rubric, plan.backends, plan.item_ids, ordered, plan.runs, plan.policy, plan.failures, plan.prices
    )
    if plan.failures == "raise" and result.counts["num_failed"]:
        lab, item_id, reason = next(
            (lab, i, v.reason) for lab, vs in ordered.items() for i, v in vs.items() if v.status == "failed"
        )
        raise JudgeRunError(
            f"Expected every judge call to succeed, but got {result.counts['num_failed']} failed item(s) (first: "
            f"judge {lab}, item {item_id!r}: {reason}). Finished calls are cached: a re-run asks only for the "
            "failed ones; failures='exclude' scores without them.",
            result,
        )
    return result


async def ajudge_items(
    items: Mapping[str, Mapping[str, Any]],
    rubric: Rubric,
    judges: JudgeBackend | Sequence[JudgeBackend],
    *,
    cache: JudgeCache | str | os.PathLike[str] | None,
    policy: Policy = "retry_then_exclude",
    failures: Failures = "raise",
    prices: Mapping[str, Price | tuple[float, float]] | None = None,
    progress: bool = False,
) -> JudgeResult:
    """Async form of :func:`judge_items` (same arguments), for callers already in an event loop."""
    plan = _plan(items, rubric, judges, cache, policy, failures, prices)
    try:
        await _run_pending(plan, progress)
    finally:
        if plan.owned_cache is not None:
            plan.owned_cache.close()
    return _finish(plan)


def judge_items(
    items: Mapping[str, Mapping[str, Any]],
    rubric: Rubric,
    judges: JudgeBackend | Sequence[JudgeBackend],
    *,
    cache: JudgeCache | str | os.PathLike[str] | None,
    policy: Policy = "retry_then_exclude",
    failures: Failures = "raise",
    prices: Mapping[str, Price | tuple[float, float]] | None = None,
    progress: bool = False,
) -> JudgeResult:
    """Rate every item on the rubric's dimensions with one or several judges.

    Args:
        items: ``{item id: {field: value}}``; each item must hold the rubric's fields.
        rubric: the prompt, dimensions and scales.
        judges: one backend, or several (each item is rated by each; their ratings are averaged and
            their agreement reported).
        cache: a :class:`~proceval.judges.cache.JudgeCache`, the path of one (opened and closed here),
            or None (no persistence: a killed run starts over). Required, so that running without a
            cache is a choice.
        policy: what an unparseable reply leads to (see the module docstring; default
            ``"retry_then_exclude"``).
        failures: ``"raise"`` (default): raise :class:`JudgeRunError` after the run if a call failed;
            ``"exclude"``: leave those items out (counted in ``num_failed``, recorded in the signature).
        prices: ``{model id or label: Price(input_per_mtok, output_per_mtok)}`` in US dollars, for the
            cost estimate (also ``(input, output)`` tuples).
        progress: show a progress bar of the replies that need calls.

    Returns:
        A :class:`JudgeResult`: per-item and mean ratings on the rubric's scales, per-judge verdicts and
        means, agreement (several judges), counts (:data:`COUNT_KEYS`), token usage, cost estimates, the
        signature items and the keys of the replies used (for the ledger).

    Raises:
        InputValidationError: bad arguments or items (checked before any call).
        JudgeCallError: a failure concerning every call (HTTP 401/403/404): the run stops.
        JudgeRunError: some calls failed and ``failures="raise"``.

    Example:
        >>> from proceval.judges import Dimension, PrecomputedBackend, Rubric
        >>> rubric = Rubric("qa", (Dimension("score", 0, 5),), user="Q: {q}", fields=("q",))
        >>> items = {"a": {"q": "first"}, "b": {"q": "second"}}
        >>> judges = [PrecomputedBackend({"a": {"score": 4}, "b": {"score": 2}}, model="j1"),
        ...           PrecomputedBackend({"a": {"score": 5}, "b": {"score": 2}}, model="j2")]
        >>> result = judge_items(items, rubric, judges, cache=None)
        >>> result.per_item, result.mean, result.counts["num_judged"]
        ({'a': {'score': 4.5}, 'b': {'score': 2.0}}, {'score': 3.25}, 4)
    """
    plan = _plan(items, rubric, judges, cache, policy, failures, prices)
    try:
        if plan.pending:  # a fully cached run never starts an event loop (nor imports asyncio)
            import asyncio
            import concurrent.futures

            try:
                asyncio.get_running_loop()
            except RuntimeError:
                asyncio.run(_run_pending(plan, progress))
            else:  # called from inside an event loop (a notebook): run in a thread of its own
                with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                    pool.submit(asyncio.run, _run_pending(plan, progress)).result()
    finally:
        if plan.owned_cache is not None:
            plan.owned_cache.close()
    return _finish(plan)
