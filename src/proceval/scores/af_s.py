"""AF-S short-term anticipation: mean top-k recall per hand (EPIC-KITCHENS-100 style, as IMPACT reports it).

For each task (action, verb, noun) and each pool of instances (left hand, right hand, overall =
both hands together)::

    valid_n   = target_n != ignore_index(task)          # action: -100 (null action 0 IS scored);
                                                         # verb / noun: -1 (null) is ignored
    hit_n     = target_n in top_k(prediction_n)
    recall_c  = #{valid n of class c with a hit} / #{valid n of class c}
    mean_topk_recall = mean of recall_c over the classes PRESENT among the pool's valid targets

Hit and count vectors are accumulated over the whole evaluated set before averaging (not per video
or per batch). ``classes=`` restricts the mean to a subset of classes (intersected with the present
ones), which is the RULSTM / EPIC-KITCHENS-55 many-shot variant; the default (all present classes)
is the EPIC-KITCHENS-100 ``mean_topk_recall`` and what IMPACT reports.

Extra keys (as the IMPACT Qwen3-VL scorer reports them): top-1 and top-k accuracy over the pool's
valid instances, and the top-1 mean class recall.

Predictions are either scores [C] per instance (logits, probabilities: any monotone scale) or ranked
class-id lists (the zero-shot path: duplicates removed keeping the first occurrence, then cut to k).
Ranking scores: descending, ties broken by the lower class id (a stable sort of ``-scores``).
Verb / noun top-k lists can be derived from the action ranking through an action -> (verb, noun)
map: take the top-k actions, map each to its verb (noun), drop -1, de-duplicate keeping order.

Named policies: a pool with no valid instance (or no class left after ``classes=``) gives NaN with
``empty_pool="nan"`` (default), or raises with ``"error"``. Unlike the official AVT code, which
silently drops targets outside ``[0, C)``, such targets raise here.

Entry points: :func:`af_s_scores` takes one column per task (arrays or id-keyed mappings);
:func:`af_s_module_scores` takes one dict per instance (what the evaluate module receives). Options are
:class:`AfSOptions`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import (
    as_array,
    as_real_array,
    check_finite,
    check_unique_ids,
    converted_bool,
    format_id,
    match_by_id,
)
from proceval.scores.bootstrap import with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, format_choices, opt
from proceval.scores.signature import score_signature

AFS_TASKS: tuple[str, ...] = ("action", "verb", "noun")
IGNORE_INDEX: dict[str, int] = {"action": -100, "verb": -1, "noun": -1}
HANDS: tuple[str, ...] = ("left", "right")
POOLS: tuple[str, ...] = ("overall", "left", "right")
PredictionFormat = Literal["scores", "ranked_ids"]
EmptyPool = Literal["nan", "error"]
_HAND_ALIASES = {"left": 0, "l": 0, "right": 1, "r": 1}
SIGNATURE_CONSTANTS: dict[str, str] = {"ign": "action=-100,verb=-1,noun=-1", "avg": "present"}
"""Conventions fixed by this implementation, written into every signature after the options."""

ActionMap = Mapping[int, Sequence[int]] | Sequence[Sequence[int]]


def _normalise_map(action_to_verb_noun: ActionMap) -> dict[int, tuple[int, int]]:
    """``{action id: (verb id, noun id)}`` from a mapping or a list indexed by action id."""
    if isinstance(action_to_verb_noun, (str, bytes)) or not isinstance(
        action_to_verb_noun, (Mapping, Sequence)
    ):
        raise InputValidationError(
            "Expected argument `action_to_verb_noun` to map action ids to (verb id, noun id) pairs, "
            f"but got {type(action_to_verb_noun).__name__}."
        )
    items = (
        action_to_verb_noun.items()
        if isinstance(action_to_verb_noun, Mapping)
        else enumerate(action_to_verb_noun)
    )
    out: dict[int, tuple[int, int]] = {}
    for a, pair in items:
        try:
            pair = tuple(int(x) for x in pair)
            action = int(a)
        except (TypeError, ValueError):
            pair, action = (), a
        if len(pair) != 2:
            raise InputValidationError(
                f"Expected `action_to_verb_noun[{a!r}]` to be a (verb, noun) pair, but got {pair!r}."
            )
        out[action] = (pair[0], pair[1])
    return out


def _digest(values: Sequence[Any]) -> str:
    return hashlib.sha1(",".join(map(str, values)).encode()).hexdigest()[:8]


@dataclass(frozen=True)
class AfSOptions(ScoreOptions):
    """Every option of the AF-S score (see the module docstring); all but ``empty_pool`` are signed.

    Attributes:
        prediction_format: ``"scores"`` (a score per class) or ``"ranked_ids"`` (ranked class-id lists).
        k: the top-k cut-off (IMPACT: 5).
        classes: ``{task: class ids}`` to average recall over (intersected with the present classes); stored
            as sorted unique ids; signed as ``task=<count>#<sha1 prefix>``.
        empty_pool: ``"nan"`` or ``"error"`` for a pool with no scored instance (changes no number).
        action_to_verb_noun: action id -> (verb id, noun id), to derive verb / noun rankings from the action
            ranking; stored as ``{action: (verb, noun)}``; signed as ``<actions>#<sha1 prefix>``.
    """

    score_name: ClassVar[str] = "af_s"
    prediction_format: PredictionFormat = opt("scores", "fmt")
    k: int = opt(5, "k")
    classes: Mapping[str, tuple[int, ...]] | None = opt(None, "cls")
    empty_pool: EmptyPool = opt("nan", "empty", signed=False)
    action_to_verb_noun: Mapping[int, tuple[int, int]] | None = opt(None, "a2vn")

    def check(self) -> None:
        """Check ``k``, ``classes`` and ``action_to_verb_noun``, storing the last two normalised."""
        k = self.k
        if not isinstance(k, (int, np.integer)) or isinstance(k, (bool, np.bool_)) or k < 1:
            raise InputValidationError(f"Expected argument `k` to be a positive integer, but got {k!r}.")
        object.__setattr__(self, "k", int(k))
        classes = self.classes
        if classes is not None:
            if not isinstance(classes, Mapping):
                raise InputValidationError(
                    f"Expected argument `classes` to map a task in {format_choices(AFS_TASKS)} to class ids, "
                    f"but got {type(classes).__name__}."
                )
            for task, ids in classes.items():
                if task not in AFS_TASKS:
                    raise InputValidationError(
                        f"Expected argument `classes` to map {format_choices(AFS_TASKS)} to class ids, "
                        f"but got the key {task!r}."
                    )
                if any(isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c < 0 for c in ids):
                    raise InputValidationError(
                        f"Expected argument `classes[{task!r}]` to hold non-negative class ids, "
                        f"but got {list(ids)[:10]}."
                    )
            normalised = {t: tuple(sorted({int(c) for c in classes[t]})) for t in AFS_TASKS if t in classes}
            object.__setattr__(self, "classes", normalised)
        if self.action_to_verb_noun is not None:
            object.__setattr__(self, "action_to_verb_noun", _normalise_map(self.action_to_verb_noun))

    def signature_items(self) -> dict[str, Any]:
        """The signed options, with ``classes`` and ``action_to_verb_noun`` written as counts and digests."""
        items = super().signature_items()
        if self.classes is not None:
            items["cls"] = (
                ",".join(f"{t}={len(ids)}#{_digest(ids)}" for t, ids in self.classes.items()) or None
            )
        if self.action_to_verb_noun is not None:
            pairs = sorted(self.action_to_verb_noun.items())
            items["a2vn"] = f"{len(pairs)}#{_digest([f'{a}:{v}:{n}' for a, (v, n) in pairs])}"
        return items


__all__ = [
    "AFS_TASKS",
    "HANDS",
    "IGNORE_INDEX",
    "POOLS",
    "SIGNATURE_CONSTANTS",
    "AfSOptions",
    "af_s_module_scores",
    "af_s_scores",
    "check_af_s_predictions",
    "derive_verb_noun_rankings",
]


# --------------------------------------------------------------------------------------------- inputs


def _parse_hands(hands: Sequence[Any], ids: Sequence[Hashable]) -> np.ndarray:
    cache: dict[Any, int] = {}

    def code(h: Any) -> int:
        if isinstance(h, str):
            c = cache.get(h)
            if c is None:
                c = cache[h] = _HAND_ALIASES.get(h.strip().lower(), -1)
            return c
        if isinstance(h, (int, np.integer)) and not isinstance(h, bool) and int(h) in (0, 1):
            return int(h)
        return -1

    out = np.fromiter((code(h) for h in hands), dtype=np.int8, count=len(hands))
    bad = np.flatnonzero(out < 0)
    if bad.size:
        i = int(bad[0])
        raise InputValidationError(
            f"Expected the hand of {format_id(ids[i])} to be 'left' or 'right' (or 0 / 1), but got {format_id(hands[i])}."
        )
    return out


def _is_integral(t: Any) -> bool:
    if isinstance(t, (bool, np.bool_)):
        return False
    if isinstance(t, (int, np.integer)):
        return True
    return isinstance(t, (float, np.floating)) and bool(np.isfinite(t)) and float(t) == int(t)


def _parse_targets(
    targets: Sequence[Any], task: str, ids: Sequence[Hashable], num_classes: int | None = None
) -> np.ndarray:
    """Reference class ids -> int64; each in ``[0, num_classes)`` (when known) or the ignore index."""
    try:
        arr = np.asarray(targets)
    except (TypeError, ValueError):  # nested: the loop below names the instance
        arr = np.empty(0, dtype=object)
    if arr.ndim == 1 and arr.dtype.kind in "iu" and arr.shape[0] == len(ids):
        out = arr.astype(np.int64, copy=False)
    else:
        out = np.empty(len(targets), dtype=np.int64)
        for i, (uid, t) in enumerate(zip(ids, targets, strict=True)):
            if not _is_integral(t):
                raise InputValidationError(
                    f"Expected an integer {task} target for {format_id(uid)}, but got {format_id(t)}."
                )
            out[i] = int(t)
    ignore = IGNORE_INDEX[task]
    bad = (out < 0) & (out != ignore)
    if num_classes is not None:
        bad |= (out >= num_classes) & (out != ignore)
    if bad.any():
        i = int(np.argmax(bad))
        upper = f"in [0, {num_classes})" if num_classes is not None else ">= 0"
        raise InputValidationError(
            f"Expected {task} targets to be class ids {upper} or the ignore index {ignore}, "
            f"but {format_id(ids[i])} has {int(out[i])}."
        )
    return out


def _score_row(p: Any, uid: Hashable, what: str) -> np.ndarray:
    """One instance's scores as float64 (any shape; the caller checks it), naming the instance on failure.

    Bools, strings (even numeric ones such as ``"1"``), None and other objects are refused.
    """
    return as_real_array(
        p,
        what=f"`{what}`",
        unit_id=uid,
        position="class",
        expected="a 1-D vector of numbers (one score per class)",
        dtype=np.float64,
    )


def _scores_block(
    preds: Sequence[Any], ids: Sequence[Hashable], what: str, width: int | None = None
) -> np.ndarray:
    """Score vectors -> float64 [N, C]; C is ``width`` (the number of classes) or the most common length.

    The first instance whose vector differs from C is named, with C as the expected length.
    """
    block = None
    if isinstance(preds, np.ndarray):
        block = preds
    elif isinstance(preds, list) and preds and all(type(p) is list for p in preds):  # one conversion
        try:
            block = np.asarray(preds)
        except (TypeError, ValueError):  # ragged: the rows below name the instance
            block = None
        if block is not None and (
            block.ndim != 2
            or block.dtype.kind not in "fiu"
            or (width is not None and block.shape[1] != width)
            or converted_bool(block, preds)
        ):
            block = None  # strings, bools, None, another width: the rows below name the instance
    if block is not None and block.ndim == 2 and block.dtype.kind in "fiu" and block.shape[1]:
        block = block.astype(np.float64, copy=False)
        if width is not None and block.shape[1] != width:
            raise InputValidationError(
                f"Expected `{what}` to hold {width} scores per instance (one per class), "
                f"but got {block.shape[1]}."
            )
    else:
        rows = [_score_row(p, uid, what) for uid, p in zip(ids, preds, strict=True)]
        if not rows:
            return np.zeros((0, 0 if width is None else width))
        if width is None:
            lengths = [r.shape[0] if r.ndim == 1 else -1 for r in rows]
            width = max(dict.fromkeys(lengths), key=lengths.count)  # most common, first on a tie
        for uid, r in zip(ids, rows, strict=True):
            if r.ndim != 1 or r.shape[0] != width or r.size == 0:
                raise InputValidationError(
                    f"Expected `{what}` for {format_id(uid)} to be a 1-D score vector of length {width} "
                    f"(one score per class), but got shape {r.shape}."
                )
        block = np.stack(rows)
    finite_rows = np.isfinite(block).all(axis=1)
    if not finite_rows.all():
        i = int(np.argmin(finite_rows))
        check_finite(block[i], what, ids[i])
    return block


def _ranked_block(
    preds: Sequence[Any], ids: Sequence[Hashable], k: int, num_classes: int | None, what: str
) -> np.ndarray:
    """Ranked id lists -> int64 [N, k], duplicates removed (first occurrence kept), padded with -1."""
    out = np.full((len(preds), k), -1, dtype=np.int64)
    for i, (uid, p) in enumerate(zip(ids, preds, strict=True)):
        seen: list[int] = []
        ranked = as_array(p, uid, f"`{what}`", "a ranked list of class ids").reshape(-1).tolist()
        for c in ranked:
            if not _is_integral(c) or not 0 <= c < 2**63:
                raise InputValidationError(
                    f"Expected `{what}` for {format_id(uid)} to be a ranked list of class ids >= 0, "
                    f"but it contains {format_id(c)}."
                )
            c = int(c)
            if num_classes is not None and c >= num_classes:
                raise InputValidationError(
                    f"Expected class ids below {num_classes} in `{what}` for {format_id(uid)}, but got {c}."
                )
            if c not in seen:
                seen.append(c)
                if len(seen) == k:
                    break
        out[i, : len(seen)] = seen
    return out


def check_af_s_predictions(
    predictions: Mapping[Hashable, Any],
    *,
    task: str = "action",
    prediction_format: str = "scores",
    k: int = 5,
    num_classes: int | None = None,
) -> None:
    """Check predictions that are not scored as :func:`af_s_scores` checks the scored ones.

    For predictions a caller accepts without scoring them (e.g. instances outside the official protocol):
    a malformed one must still be an error naming its instance, never silently ignored.

    Args:
        predictions: instance id -> scores [C] (``prediction_format="scores"``) or a ranked class-id list.
        task: ``"action"``, ``"verb"`` or ``"noun"`` (names the argument in messages).
        prediction_format: ``"scores"`` or ``"ranked_ids"``.
        k: the ranked lists' cut-off.
        num_classes: the number of classes C of ``task``, when known.

    Raises:
        InputValidationError: as :func:`af_s_scores` on the same predictions (non-numbers, NaN, wrong width,
            bad ranked ids), naming the instance.
    """
    ids = list(predictions)
    if not ids:
        return
    preds = [predictions[i] for i in ids]
    what = "predictions" if task == "action" else f"{task}_predictions"
    if prediction_format == "scores":
        _scores_block(preds, ids, what, num_classes)
    else:
        _ranked_block(preds, ids, k, num_classes, what)


def _top_k_from_scores(block: np.ndarray, k: int) -> np.ndarray:
    """Top-k class ids per row, descending score, ties to the lower id; padded with -1 if C < k."""
    order = np.argsort(-block, axis=1, kind="stable")[:, :k]
    if order.shape[1] < k:
        order = np.hstack([order, np.full((order.shape[0], k - order.shape[1]), -1, dtype=order.dtype)])
    return order.astype(np.int64)


def derive_verb_noun_rankings(
    action_ranked: np.ndarray,
    action_to_verb_noun: ActionMap,
    ids: Sequence[Hashable] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Verb and noun top-k lists implied by a top-k action list (the IMPACT Qwen3-VL convention).

    Each action id maps to (verb, noun); per instance the mapped ids are de-duplicated keeping the
    first occurrence and -1 (null verb / noun) is dropped. Lists are padded with -1.

    Args:
        action_ranked: int array [N, k] of action ids, best first, -1 for padding.
        action_to_verb_noun: action id -> (verb id, noun id), as a mapping or a list indexed by id.
        ids: instance ids for error messages.

    Returns:
        (verb ranking [N, k], noun ranking [N, k]).

    Raises:
        InputValidationError: an action id has no entry in the map.

    Example:
        >>> v, n = derive_verb_noun_rankings(np.array([[3, 0, 2]]), {0: (-1, -1), 2: (5, 1), 3: (5, 4)})
        >>> v.tolist(), n.tolist()
        ([[5, -1, -1]], [[4, 1, -1]])
    """
    mapping = _normalise_map(action_to_verb_noun)
    n, k = action_ranked.shape
    verbs = np.full((n, k), -1, dtype=np.int64)
    nouns = np.full((n, k), -1, dtype=np.int64)
    for i, row in enumerate(action_ranked.tolist()):
        vs: list[int] = []
        ns: list[int] = []
        for a in row:
            if a < 0:
                continue
            if a not in mapping:
                uid = ids[i] if ids is not None else i
                raise InputValidationError(
                    f"Expected every predicted action id to be in `action_to_verb_noun`, but {a} "
                    f"(instance {format_id(uid)}) is not."
                )
            v, nn = mapping[a]
            if v >= 0 and v not in vs:
                vs.append(v)
            if nn >= 0 and nn not in ns:
                ns.append(nn)
        verbs[i, : len(vs)] = vs
        nouns[i, : len(ns)] = ns
    return verbs, nouns


# ---------------------------------------------------------------------------------------- statistics


def _af_s_update(
    block: np.ndarray, kind: str, targets: np.ndarray, task: str, k: int, ids: Sequence[Hashable]
) -> dict[str, np.ndarray]:
    """One task on a batch of instances -> per-instance ``valid``, ``target``, ``hit_k``, ``hit_1``.

    Args:
        block: scores [N, C] (``kind="scores"``) or ranked ids [N, k] padded with -1 (``"ranked"``).
        kind: ``"scores"`` or ``"ranked"``.
        targets: int64 [N]; the task's ignore index marks unscored instances.
        task: one of ``AFS_TASKS`` (chooses the ignore index).
        k: the cut-off of the top-k hit.
        ids: instance ids for error messages.
    """
    valid = targets != IGNORE_INDEX[task]
    t = np.where(valid, targets, 0)
    n = targets.shape[0]
    if kind == "scores":
        n_cls = block.shape[1] if block.ndim == 2 else 0
        too_big = valid & (targets >= n_cls)
        if too_big.any():
            i = int(np.argmax(too_big))
            raise InputValidationError(
                f"Expected {task} targets below the number of scored classes ({n_cls}), "
                f"but {format_id(ids[i])} has {int(targets[i])}."
            )
        if n == 0:
            rank = np.zeros(0, dtype=np.int64)
        else:
            s_t = block[np.arange(n), t][:, None]
            rank = np.count_nonzero(block > s_t, axis=1)
            tied = np.flatnonzero(np.count_nonzero(block == s_t, axis=1) > 1)
            if tied.size:  # ties rank the lower class id first
                before = np.arange(n_cls)[None, :] < t[tied, None]
                rank[tied] += np.count_nonzero((block[tied] == s_t[tied]) & before, axis=1)
        hit_k = rank < k
        hit_1 = rank == 0
    else:
        hit_k = (block[:, :k] == t[:, None]).any(axis=1)
        hit_1 = block[:, 0] == t if block.shape[1] else np.zeros(n, dtype=bool)
    return {"valid": valid, "target": t, "hit_k": hit_k & valid, "hit_1": hit_1 & valid}


def _pool_scores(
    target: np.ndarray, hit_k: np.ndarray, hit_1: np.ndarray, subset: np.ndarray | None
) -> tuple[float, float, float, float, int, int, dict[int, float]]:
    n = target.shape[0]
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0, 0, {}
    size = int(target.max()) + 1
    counts = np.bincount(target, minlength=size)
    hits_k = np.bincount(target, weights=hit_k, minlength=size)
    hits_1 = np.bincount(target, weights=hit_1, minlength=size)
    present = counts > 0
    if subset is not None:
        keep = np.zeros(size, dtype=bool)
        sub = subset[subset < size]
        keep[sub] = True
        present &= keep
    cls = np.flatnonzero(present)
    if cls.size:
        rec_k = hits_k[cls] / counts[cls]
        mean_k = float(rec_k.mean())
        mean_1 = float((hits_1[cls] / counts[cls]).mean())
    else:
        rec_k = np.zeros(0)
        mean_k = mean_1 = math.nan
    per_class = {int(c): float(r) for c, r in zip(cls, rec_k, strict=True)}
    return mean_k, mean_1, float(hit_1.mean()), float(hit_k.mean()), n, int(cls.size), per_class


def _af_s_compute(
    stats: Mapping[str, Any],
    k: int = 5,
    classes: Mapping[str, Sequence[int]] | None = None,
    empty_pool: str = "nan",
    per_class: bool = True,
) -> dict[str, Any]:
    """Scores from accumulated statistics: ``{"hand": int8 [N], <task>: {valid, target, hit_k, hit_1}}``."""
    hand = stats["hand"]
    out: dict[str, Any] = {"num_instances": int(hand.shape[0])}
    for task in AFS_TASKS:
        if task not in stats:
            continue
        st = stats[task]
        subset = None
        if classes is not None and task in classes:
            subset = np.asarray(sorted({int(c) for c in classes[task]}), dtype=np.int64)
        for pool in POOLS:
            mask = st["valid"] if pool == "overall" else st["valid"] & (hand == HANDS.index(pool))
            mean_k, mean_1, acc1, acck, n, n_cls, pc = _pool_scores(
                st["target"][mask], st["hit_k"][mask], st["hit_1"][mask], subset
            )
            if n_cls == 0 and empty_pool == "error":
                raise InputValidationError(
                    f"Expected at least one scored {task} instance in the {pool} pool"
                    + (" within `classes`" if subset is not None else "")
                    + f", but got none ({n} valid instances); pass `empty_pool='nan'` to report NaN."
                )
            prefix = f"{pool}_{task}"
            out[f"{prefix}_mean_top{k}_recall"] = mean_k
            out[f"{prefix}_mean_class_recall"] = mean_1
            out[f"{prefix}_top1_accuracy"] = acc1
            out[f"{prefix}_top{k}_accuracy"] = acck
            out[f"{prefix}_num_instances"] = n
            out[f"{prefix}_num_classes"] = n_cls
            if per_class and pool == "overall":
                out[f"per_class_{task}_top{k}_recall"] = pc
    return out


def _subset(stats: Mapping[str, Any], idx: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {"hand": stats["hand"][idx]}
    for task in AFS_TASKS:
        if task in stats:
            out[task] = {key: arr[idx] for key, arr in stats[task].items()}
    return out


# ------------------------------------------------------------------------------------------- public


def _align(name: str, values: Any, ids: Sequence[Hashable], keyed: bool, n: int) -> list[Any]:
    if keyed:
        if not isinstance(values, Mapping):
            raise InputValidationError(
                f"Expected `{name}` to be a mapping keyed by instance id like `references`, "
                f"but got {type(values).__name__}."
            )
        missing = [i for i in ids if i not in values]
        if missing:
            raise InputValidationError(
                f"Expected `{name}` for every reference id, but {format_id(missing[0])} has none."
            )
        known = set(ids)
        extra = [i for i in values if i not in known]
        if extra:
            raise InputValidationError(
                f"Expected `{name}` only for reference ids, but {format_id(extra[0])} has no reference."
            )
        return [values[i] for i in ids]
    seq = list(values)
    if len(seq) != n:
        raise InputValidationError(
            f"Expected `{name}` to hold one entry per instance ({n}), but got {len(seq)}."
        )
    return seq


def _build_stats(
    predictions: Any,
    references: Any,
    hands: Any,
    verb_predictions: Any,
    verb_references: Any,
    noun_predictions: Any,
    noun_references: Any,
    action_to_verb_noun: Any,
    prediction_format: str,
    num_classes: Mapping[str, int] | None,
    k: int,
    ids: Sequence[Hashable] | None,
) -> tuple[dict[str, Any], list[Hashable]]:
    keyed = isinstance(references, Mapping)
    if keyed:
        if not isinstance(predictions, Mapping):
            raise InputValidationError(
                "Expected `predictions` to be a mapping keyed by instance id like `references`, "
                f"but got {type(predictions).__name__}."
            )
        triples = match_by_id(predictions, references)
        ids = [t[0] for t in triples]
        preds = [t[1] for t in triples]
        refs = [t[2] for t in triples]
    else:
        refs = list(references)
        n_refs = len(refs)
        if isinstance(predictions, np.ndarray):
            preds = predictions if predictions.ndim == 2 else list(predictions)
        else:
            preds = list(predictions)
        if len(preds) != n_refs:
            raise InputValidationError(
                f"Expected as many predictions as references ({n_refs}), but got {len(preds)}."
            )
        if ids is not None:
            ids = check_unique_ids(ids, "ids")
            if len(ids) != n_refs:
                raise InputValidationError(
                    f"Expected one instance id per reference ({n_refs}), but got {len(ids)}."
                )
        else:
            ids = list(range(n_refs))
    n = len(ids)
    if n == 0:
        raise InputValidationError("Expected at least one anticipation instance, but got none.")
    num_classes = dict(num_classes or {})
    stats: dict[str, Any] = {"hand": _parse_hands(_align("hands", hands, ids, keyed, n), ids)}

    def block_of(task: str, raw: Any) -> tuple[np.ndarray, str]:
        what = "predictions" if task == "action" else f"{task}_predictions"
        if prediction_format == "scores":
            return _scores_block(raw, ids, what, num_classes.get(task)), "scores"
        return _ranked_block(raw, ids, k, num_classes.get(task), what), "ranked"

    action_block, action_kind = block_of("action", preds)
    stats["action"] = _af_s_update(
        action_block,
        action_kind,
        _parse_targets(refs, "action", ids, num_classes.get("action")),
        "action",
        k,
        ids,
    )
    derived: tuple[np.ndarray, np.ndarray] | None = None
    for task, task_preds, task_refs in (
        ("verb", verb_predictions, verb_references),
        ("noun", noun_predictions, noun_references),
    ):
        if task_refs is None:
            if task_preds is not None:
                raise InputValidationError(
                    f"Got `{task}_predictions` but no `{task}_references` to score them against."
                )
            continue
        targets = _parse_targets(
            _align(f"{task}_references", task_refs, ids, keyed, n), task, ids, num_classes.get(task)
        )
        if task_preds is not None:
            raw = (
                task_preds
                if (not keyed and isinstance(task_preds, np.ndarray))
                else _align(f"{task}_predictions", task_preds, ids, keyed, n)
            )
            block, kind = block_of(task, raw)
        else:
            if action_to_verb_noun is None:
                raise InputValidationError(
                    f"Got `{task}_references` but neither `{task}_predictions` nor an `action_to_verb_noun` "
                    f"map to derive {task} rankings from the action predictions."
                )
            if derived is None:
                ranked = action_block if action_kind == "ranked" else _top_k_from_scores(action_block, k)
                derived = derive_verb_noun_rankings(ranked, action_to_verb_noun, ids)
            block, kind = (derived[0] if task == "verb" else derived[1]), "ranked"
            if task in num_classes:
                too_big = block >= num_classes[task]
                if too_big.any():
                    i = int(np.argwhere(too_big)[0][0])
                    raise InputValidationError(
                        f"Expected derived {task} ids below {num_classes[task]}, but {format_id(ids[i])} maps to "
                        f"{int(block[too_big][0])}."
                    )
        stats[task] = _af_s_update(block, kind, targets, task, k, ids)
    return stats, ids


def af_s_scores(
    predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any],
    references: Sequence[int] | np.ndarray | Mapping[Hashable, int],
    hands: Sequence[Any] | Mapping[Hashable, Any],
    *,
    verb_predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any] | None = None,
    verb_references: Sequence[int] | Mapping[Hashable, int] | None = None,
    noun_predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any] | None = None,
    noun_references: Sequence[int] | Mapping[Hashable, int] | None = None,
    action_to_verb_noun: ActionMap | None = None,
    prediction_format: PredictionFormat = "scores",
    num_classes: Mapping[str, int] | None = None,
    k: int = 5,
    classes: Mapping[str, Sequence[int]] | None = None,
    empty_pool: EmptyPool = "nan",
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any] | None = None,
    paired_verb_predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any] | None = None,
    paired_noun_predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """Mean top-k recall per hand and overall, for action and (optionally) verb and noun.

    The action task is always scored; verb (noun) is scored when ``verb_references``
    (``noun_references``) is given, against ``verb_predictions`` or, without them, against rankings
    derived from the action predictions through ``action_to_verb_noun``.

    Args:
        predictions: action predictions per instance: scores [C] (``prediction_format="scores"``,
            e.g. an array [N, C] of logits) or ranked class-id lists (``"ranked_ids"``); or a mapping
            instance id -> that.
        references: action target per instance (0..C-1; -100 = not scored; 0, the null action, IS
            scored); or a mapping keyed like ``predictions``.
        hands: ``"left"`` / ``"right"`` (or 0 / 1) per instance, aligned or keyed like ``references``.
        verb_predictions: verb scores [N, C_verb] or ranked lists, aligned or keyed.
        verb_references: verb targets (-1 = null, not scored).
        noun_predictions: noun scores [N, C_noun] or ranked lists, aligned or keyed.
        noun_references: noun targets (-1 = null, not scored).
        action_to_verb_noun: action id -> (verb id, noun id) (mapping, or list indexed by action id);
            used for verb / noun whose predictions are not given.
        prediction_format: ``"scores"`` or ``"ranked_ids"`` (applies to all three tasks).
        num_classes: optional ``{task: C}`` checked against score widths / ranked ids.
        k: the top-k cut-off (IMPACT: 5).
        classes: optional ``{task: class ids}``: average recall only over these classes (intersected
            with the present ones); the RULSTM many-shot variant. Accuracies stay over all instances.
        empty_pool: ``"nan"`` (default) or ``"error"`` when a pool has no scored instance / class.
        ids: instance ids of sequence inputs (duplicate check, error messages).
        bootstrap: number of bootstrap resamples of instances (0: none).
        confidence: two-sided coverage of the bootstrap intervals.
        seed: seed of the bootstrap resampling.
        paired_predictions: a second system's action predictions (paired bootstrap comparison).
        paired_verb_predictions: the second system's verb predictions, if system A gave them.
        paired_noun_predictions: the second system's noun predictions, if system A gave them.

    Returns:
        For each scored task T and pool P in (overall, left, right), with fractions in [0, 1],
        higher is better: ``P_T_mean_top{k}_recall`` (the headline mR@k; NaN for an empty pool),
        ``P_T_mean_class_recall`` (top-1), ``P_T_top1_accuracy``, ``P_T_top{k}_accuracy``,
        ``P_T_num_instances`` (scored instances), ``P_T_num_classes`` (classes averaged over);
        ``per_class_T_top{k}_recall`` (overall pool, class id -> recall); ``num_instances``;
        ``signature``; plus ``ci`` / ``ci_level`` / ``paired`` when asked.

    Raises:
        InputValidationError: length mismatch, missing / duplicated ids, a hand other than
            left / right, targets outside ``[0, C)`` other than the ignore index, NaN scores,
            negative or out-of-range ranked ids, an action absent from ``action_to_verb_noun``,
            bad options (naming the argument).

    Example:
        >>> scores = [[0.1, 0.7, 0.2], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5]]
        >>> out = af_s_scores(scores, [1, 2, -100], ["left", "right", "left"], k=1)
        >>> out["overall_action_mean_top1_recall"], out["left_action_mean_top1_recall"]
        (0.5, 1.0)
        >>> out["right_action_mean_top1_recall"], out["overall_action_num_instances"]
        (0.0, 2)
    """
    options = AfSOptions(
        prediction_format=prediction_format,
        k=k,
        classes=classes,
        empty_pool=empty_pool,
        action_to_verb_noun=action_to_verb_noun,
    )
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    k, classes = options.k, options.classes
    common = dict(
        action_to_verb_noun=options.action_to_verb_noun,
        prediction_format=options.prediction_format,
        num_classes=num_classes,
        k=k,
        ids=ids,
    )
    stats, ids = _build_stats(
        predictions,
        references,
        hands,
        verb_predictions,
        verb_references,
        noun_predictions,
        noun_references,
        **common,
    )
    result = _af_s_compute(stats, k, classes, options.empty_pool)
    derived = [
        t
        for t in ("verb", "noun")
        if t in stats and (verb_predictions if t == "verb" else noun_predictions) is None
    ]
    extra = {
        "tasks": [t for t in AFS_TASKS if t in stats],
        "derived": derived or None,
        **SIGNATURE_CONSTANTS,
        "ties": "low_id" if options.prediction_format == "scores" else None,
    }
    result["signature"] = score_signature("af_s", options, uncertainty, extra)
    if paired_predictions is None:

        def compute(idx: Sequence[int]) -> dict[str, Any]:
            return _af_s_compute(
                _subset(stats, np.asarray(idx, dtype=np.int64)), k, classes, "nan", per_class=False
            )

        return with_uncertainty(result, list(range(len(ids))), compute, uncertainty=uncertainty)
    stats_b, _ = _build_stats(
        paired_predictions,
        references,
        hands,
        paired_verb_predictions if verb_predictions is not None else None,
        verb_references,
        paired_noun_predictions if noun_predictions is not None else None,
        noun_references,
        **common,
    )
    # Paired comparison: units are instance indices; the unit lists tag which system to read.
    systems = (stats, stats_b)

    def compute_tagged(units: Sequence[tuple[int, int]]) -> dict[str, Any]:
        sys_idx = units[0][0] if units else 0
        idx = np.asarray([u[1] for u in units], dtype=np.int64)
        return _af_s_compute(_subset(systems[sys_idx], idx), k, classes, "nan", per_class=False)

    return with_uncertainty(
        result,
        [(0, i) for i in range(len(ids))],
        compute_tagged,
        uncertainty=uncertainty,
        paired_units=[(1, i) for i in range(len(ids))],
    )


def _task_column(records: Sequence[Mapping[str, Any]], task: str) -> list[Any] | None:
    """The ``task`` entry of every record, or None when every one is empty (the task is not predicted)."""
    column = [r[task] for r in records]
    return column if any(len(c) for c in column) else None


def af_s_module_scores(
    predictions: Sequence[Mapping[str, Any]],
    references: Sequence[Mapping[str, Any]],
    *,
    prediction_format: PredictionFormat = "scores",
    action_to_verb_noun: ActionMap | None = None,
    num_classes: Mapping[str, int] | None = None,
    k: int = 5,
    classes: Mapping[str, Sequence[int]] | None = None,
    empty_pool: EmptyPool = "nan",
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """:func:`af_s_scores` of one record per instance (the ``af_s`` evaluate module's input).

    Args:
        predictions: per instance ``{"action": [...], "verb": [...], "noun": [...]}`` (scores or ranked ids);
            a task whose lists are empty for every instance is not predicted (verb / noun are then derived
            through ``action_to_verb_noun`` when it is given, else not scored).
        references: per instance ``{"action": int, "verb": int, "noun": int, "hand": "left" | "right"}``.
        prediction_format: ``"scores"`` or ``"ranked_ids"`` (applies to all three tasks).
        action_to_verb_noun: action id -> (verb id, noun id) (mapping, or list indexed by action id);
            used for verb / noun whose predictions are not given.
        num_classes: optional ``{task: C}`` checked against score widths / ranked ids.
        k: the top-k cut-off (IMPACT: 5).
        classes: optional ``{task: class ids}``: average recall only over these classes (the RULSTM
            many-shot variant).
        empty_pool: ``"nan"`` (default) or ``"error"`` when a pool has no scored instance / class.
        ids: instance ids (duplicate check, error messages).
        bootstrap: number of bootstrap resamples of instances (0: none).
        confidence: two-sided coverage of the bootstrap intervals.
        seed: seed of the bootstrap resampling.
        paired_predictions: a second system's records, same form (paired bootstrap comparison).

    Returns:
        As :func:`af_s_scores`.

    Example:
        >>> preds = [{"action": [0.1, 0.7, 0.2], "verb": [], "noun": []},
        ...          {"action": [0.8, 0.1, 0.1], "verb": [], "noun": []}]
        >>> refs = [{"action": 1, "verb": -1, "noun": -1, "hand": "left"},
        ...         {"action": 2, "verb": -1, "noun": -1, "hand": "right"}]
        >>> af_s_module_scores(preds, refs, k=1)["overall_action_mean_top1_recall"]
        0.5
    """
    verb_predictions = _task_column(predictions, "verb")
    noun_predictions = _task_column(predictions, "noun")
    score_verb = verb_predictions is not None or action_to_verb_noun is not None
    score_noun = noun_predictions is not None or action_to_verb_noun is not None
    paired = paired_predictions
    return af_s_scores(
        [p["action"] for p in predictions],
        [r["action"] for r in references],
        [r["hand"] for r in references],
        verb_predictions=verb_predictions,
        verb_references=[r["verb"] for r in references] if score_verb else None,
        noun_predictions=noun_predictions,
        noun_references=[r["noun"] for r in references] if score_noun else None,
        action_to_verb_noun=action_to_verb_noun,
        prediction_format=prediction_format,
        num_classes=num_classes,
        k=k,
        classes=classes,
        empty_pool=empty_pool,
        ids=ids,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_predictions=None if paired is None else [p["action"] for p in paired],
        paired_verb_predictions=None if paired is None else _task_column(paired, "verb"),
        paired_noun_predictions=None if paired is None else _task_column(paired, "noun"),
    )
