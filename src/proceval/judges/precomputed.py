"""Judging without a model: ratings given per item, or replies replayed from a ledger.

* ``PrecomputedBackend(ratings, model=...)``: ratings someone already has (human raters, another
  toolkit's judge), ``{item id: {dimension key: rating}}``. Each is checked by the same parser as a
  model's reply, so a value off the scale is counted as unparseable, never scored.
* ``PrecomputedBackend.from_ledger(path)``: the replies of a ledger written by
  :meth:`proceval.judges.cache.JudgeCache.export_ledger`, looked up by cache key. The backend takes the
  ledger's judge identity and decoding parameters, so the keys (and the signature) are those of the
  run that wrote it: anyone can re-score a result, under any unparseable-reply policy the ledger's
  replies cover, without calling a model.

Replayed replies are counted as cached, never billed, and not written to a cache.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Mapping
from typing import Any

from proceval.errors import InputValidationError
from proceval.judges.base import (
    Completion,
    Decoding,
    JudgeBackend,
    JudgeCallError,
    JudgeRequest,
    check_identity,
)
from proceval.judges.cache import CachedReply, read_ledger


class PrecomputedBackend(JudgeBackend):
    """A judge that answers from stored ratings (by item id) or stored replies (by cache key).

    Args:
        ratings: ``{item id: {reply key: rating}}`` (the keys are the rubric dimensions' ``key``).
        model: the name of whoever rated (``"human"``, ``"gpt-4o-2024-08-06"``), for results and signatures.
        revision: its revision, if any.

    Example:
        >>> judge = PrecomputedBackend({"q1": {"score": 4}}, model="human")
        >>> judge.label
        'human'
    """

    stored_replies = True

    def __init__(
        self,
        ratings: Mapping[str, Mapping[str, Any]],
        *,
        model: str = "precomputed",
        revision: str | None = None,
        decoding: Decoding | None = None,
    ) -> None:
        check_identity(model, revision)
        if not isinstance(ratings, Mapping):
            raise InputValidationError(
                f"Expected argument `ratings` to be a mapping of item id to ratings, but got {type(ratings).__name__}."
            )
        by_item: dict[str, str] = {}
        for item_id, item_ratings in ratings.items():
            if not isinstance(item_ratings, Mapping):
                raise InputValidationError(
                    f"Expected the ratings of item {item_id!r} to be a mapping, but got {item_ratings!r}."
                )
            by_item[str(item_id)] = json.dumps(dict(item_ratings))
        self.model = model
        self.revision = revision
        self.decoding = decoding or Decoding()
        self.max_concurrency = 1
        self._by_item: dict[str, str] | None = by_item
        self._by_key: dict[str, CachedReply] | None = None

    @classmethod
    def _from_replies(cls, replies: list[CachedReply]) -> PrecomputedBackend:
        first = replies[0]
        backend = cls(
            {}, model=first.model, revision=first.revision, decoding=Decoding.from_key_items(first.decoding)
        )
        backend._by_item = None
        backend._by_key = {r.key: r for r in replies}
        return backend

    @classmethod
    def from_ledger(
        cls, path: str | os.PathLike[str], *, model: str | None = None, revision: str | None = None
    ) -> PrecomputedBackend:
        """The replies of one judge in a ledger (``model`` / ``revision`` pick it when several are there).

        Raises:
            InputValidationError: the ledger holds no reply of the requested judge, or several judges
                (or decodings) and none was picked.
            ReleaseFormatError: a ledger line is malformed or its key does not match it.
        """
        judges = cls.all_from_ledger(path)
        picked = [
            j
            for j in judges
            if (model is None or j.model == model) and (revision is None or j.revision == revision)
        ]
        if len(picked) != 1:
            found = sorted(j.label for j in judges)
            raise InputValidationError(
                f"Expected the ledger {path} to hold exactly one judge matching model={model!r}, revision={revision!r}, "
                f"but got {len(picked)} (judges in the ledger: {found}); use all_from_ledger for several."
            )
        return picked[0]

    @classmethod
    def all_from_ledger(cls, path: str | os.PathLike[str]) -> list[PrecomputedBackend]:
        """One backend per (model, revision, decoding) in the ledger, in order of first appearance."""
        groups: dict[str, list[CachedReply]] = {}
        for reply in read_ledger(path):
            ident = json.dumps([reply.model, reply.revision, reply.decoding], sort_keys=True)
            groups.setdefault(ident, []).append(reply)
        if not groups:
            raise InputValidationError(f"Expected the ledger {path} to hold replies, but it is empty.")
        return [cls._from_replies(g) for g in groups.values()]

    def key_identity(self, item_id: str) -> dict[str, Any]:
        """By item id, each item is its own key (two items with equal prompts may be rated apart)."""
        ident = super().key_identity(item_id)
        if self._by_item is not None:
            ident["item"] = item_id
        return ident

    def __repr__(self) -> str:
        n = len(self._by_item) if self._by_item is not None else len(self._by_key or {})
        source = "ratings" if self._by_item is not None else "ledger replies"
        return f"PrecomputedBackend({n} {source}, model={self.model!r}, revision={self.revision!r})"

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[PrecomputedBackend]:
        """The backend itself answers (nothing to open)."""
        yield self

    async def complete(self, request: JudgeRequest) -> Completion:
        """The stored reply: the item's ratings as a JSON object, or the ledger's reply for the key."""
        if self._by_item is not None:
            if request.item_id not in self._by_item:
                raise JudgeCallError(
                    f"no precomputed ratings for item {request.item_id!r} (judge {self.label})"
                )
            return Completion(self._by_item[request.item_id])
        stored = (self._by_key or {}).get(request.key)
        if stored is None:
            raise JudgeCallError(
                f"the ledger of judge {self.label} holds no reply for item {request.item_id!r} "
                f"(key {request.key[:12]}...): its prompt differs from the ledger's run"
            )
        return Completion(stored.reply, stored.prompt_tokens, stored.completion_tokens, stored.response_model)
