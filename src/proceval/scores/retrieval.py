"""Generic ranking and retrieval math: rank of a positive, Recall@k, median rank, average precision.

Nothing here knows a benchmark: a *query* has a score vector over its *gallery* and either the index of
its one positive (rank-based scores, e.g. temporal alignment) or a 0/1 relevance vector (AP-based scores,
e.g. semantic matching). Embeddings are compared by cosine similarity of L2-normalised rows.

* **Optimistic rank** of a positive: ``1 + #{gallery scores strictly greater than the positive's}``
  (ties with the positive do not push it down).
* **Ranked hits**: relevance reordered by descending score with a **stable** sort (ties keep gallery order).
* **AP** (non-interpolated, full gallery): ``sum_i precision@i * hit_i / #relevant``.
* **Recall@k** of ranks: ``mean(rank <= k)``; **median rank**: ``median(rank)``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import as_real_array, converted_bool

CHUNK_CELLS = 1 << 22
"""Similarity cells per block when ranking many queries (about 32 MB of float64)."""

RETRIEVAL_STATUSES: tuple[str, ...] = ("evaluated", "empty_gallery", "no_positive")
"""Status of a relevance-vector query; :func:`relevant_rank_and_ap` returns the index into this tuple."""
EVALUATED, EMPTY_GALLERY, NO_POSITIVE = 0, 1, 2

_NAN = float("nan")
_isfinite = math.isfinite

FloatPrecision = Literal["float64", "float32"]
"""Arithmetic of the similarity / segment-score and averaging pipeline (the ``precision`` option).

``"float64"`` (default) computes everything in double precision. ``"float32"`` reproduces official
evaluators that keep features, similarities and segment means as float32 (torch outputs, ``.npy``
features) and average per-query values as float32: near-ties then round to equal or swapped values
and rank differently, so the numbers move (a few 1e-5 of mAP, more on a small class).
"""


def check_cutoffs(name: str, ks: Any) -> tuple[int, ...]:
    """``ks`` as a tuple of positive ints (a non-empty sequence), else an InputValidationError naming ``name``.

    Example:
        >>> check_cutoffs("ks", [1, 5])
        (1, 5)
    """
    ok = (
        not isinstance(ks, (str, bytes, Mapping))
        and isinstance(ks, (Sequence, np.ndarray))
        and len(ks) > 0
        and all(
            isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)) and k >= 1 for k in ks
        )
    )
    if not ok:
        shown = list(ks) if isinstance(ks, (Sequence, np.ndarray)) and not isinstance(ks, str) else ks
        raise InputValidationError(f"Expected argument `{name}` to be positive integers, but got {shown!r}.")
    return tuple(int(k) for k in ks)


def optimistic_ranks(scores: np.ndarray, positive_scores: np.ndarray) -> np.ndarray:
    """Rank of each row's positive: ``1 + #{gallery scores strictly greater than the positive's}``.

    Args:
        scores: ``[n_queries, gallery]`` similarities.
        positive_scores: ``[n_queries]`` similarity of each query's positive.

    Returns:
        int64 ranks, 1-based. Ties with the positive do not push it down (optimistic ties).

    Example:
        >>> optimistic_ranks(np.array([[0.9, 0.1, 0.5], [0.2, 0.8, 0.2]]), np.array([0.5, 0.2])).tolist()
        [2, 2]
    """
    return 1 + np.add.reduce(scores > positive_scores[:, None], axis=1, dtype=np.int64)


def concatenated_ranks(flat: np.ndarray, lengths: np.ndarray, positives: np.ndarray) -> np.ndarray:
    """Optimistic ranks of queries whose galleries are laid end to end in ``flat``.

    Args:
        flat: float64 scores of every query's gallery, one after the other.
        lengths: ``[n_queries]`` gallery sizes (> 0).
        positives: ``[n_queries]`` index of each positive in its own gallery.

    Returns:
        int64 ranks. Galleries of one size are ranked as a 2-D block; otherwise each score is compared with
        its query's positive (``np.repeat``) and counted per query (``np.add.reduceat``).
    """
    if lengths[0] == lengths[-1] and np.all(lengths == lengths[0]):
        block = flat.reshape(lengths.size, int(lengths[0]))
        return optimistic_ranks(block, block[np.arange(lengths.size), positives])
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    greater = flat > np.repeat(flat[starts + positives], lengths)
    return 1 + np.add.reduceat(greater, starts, dtype=np.int64)


def ranked_hits(scores: np.ndarray, relevance: np.ndarray) -> np.ndarray:
    """Relevance reordered by descending score; ties keep gallery order (stable sort).

    Example:
        >>> ranked_hits(np.array([[0.3, 0.7, 0.3]]), np.array([[1, 0, 0]])).tolist()
        [[0, 1, 0]]
    """
    order = np.argsort(-scores, axis=1, kind="stable")
    return np.take_along_axis(relevance, order, axis=1)


def average_precision_from_hits(hits: np.ndarray) -> np.ndarray:
    """Non-interpolated AP per row: ``sum_i precision@i * hit_i / #positives`` (NaN where no positive).

    Example:
        >>> average_precision_from_hits(np.array([[0, 1, 1], [0, 0, 0]])).tolist()
        [0.5833333333333333, nan]
    """
    hits = hits.astype(np.float64, copy=False)
    n_pos = hits.sum(axis=1)
    precision = np.cumsum(hits, axis=1) / np.arange(1, hits.shape[1] + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_pos > 0, (precision * hits).sum(axis=1) / n_pos, np.nan)


def relevant_rank_and_ap(scores: np.ndarray, relevance: np.ndarray) -> tuple[int, int, float] | None:
    """``(status, rank of the best relevant item, AP)`` of one query; None if a score is not finite.

    ``scores`` is 1-D float64 and ``relevance`` a bool vector of the same length; ``status`` indexes
    :data:`RETRIEVAL_STATUSES` (an empty gallery or no relevant item gives rank 0 and NaN AP). Without tied
    scores, the rank of a relevant item is ``1 + #{scores greater}`` (binary searches of the sorted relevant
    scores in a sorted copy of the gallery) and its rank among relevant items is its position in that order;
    no argsort of the gallery. Rows where a relevant score ties with any other score take the stable
    descending argsort (:func:`ranked_hits`), which breaks ties by gallery order (ties among irrelevant
    items change nothing).

    Example:
        >>> relevant_rank_and_ap(np.array([0.9, 0.5, 0.1]), np.array([False, True, True]))
        (0, 2, 0.5833333333333333)
    """
    size = scores.size
    if size == 0:
        return EMPTY_GALLERY, 0, _NAN
    ordered = np.sort(scores)
    if not (_isfinite(ordered[0]) and _isfinite(ordered[-1])):
        return None
    relevant = scores[relevance]
    m = relevant.size
    if m == 0:
        return NO_POSITIVE, 0, _NAN
    relevant.sort()
    above = ordered.searchsorted(relevant, side="right")  # 1 + position of each relevant score
    # A relevant score equal to its sorted neighbour ties with another item (index -1 wraps around to the
    # maximum, equal only when every score is equal): take the stable argsort.
    if (ordered[above - 2] == relevant).any():
        hits = ranked_hits(scores[None, :], relevance[None, :])
        return EVALUATED, int(np.argmax(hits[0])) + 1, float(average_precision_from_hits(hits)[0])
    # The j-th smallest relevant score has rank size + 1 - above[j] and m - j relevant items at or above it:
    # AP = mean over relevant items of (m - j) / rank.
    rank = size + 1 - above
    return EVALUATED, int(rank[-1]), float(np.dot(np.arange(m, 0, -1), 1.0 / rank) / m)


def rank_summary(ranks: np.ndarray, ks: Sequence[int]) -> dict[str, float]:
    """``recall_at_{k}`` (``mean(rank <= k)``) for each k and ``median_rank``; NaN for no ranks.

    Example:
        >>> rank_summary(np.array([1, 3, 2, 8]), [1, 5])
        {'recall_at_1': 0.25, 'recall_at_5': 0.75, 'median_rank': 2.5}
    """
    if ranks.size == 0:
        out = {f"recall_at_{k}": _NAN for k in ks}
        out["median_rank"] = _NAN
        return out
    out = {f"recall_at_{k}": float(np.mean(ranks <= k)) for k in ks}
    out["median_rank"] = float(np.median(ranks))
    return out


def _row_dots(mat: np.ndarray) -> np.ndarray:
    """``row @ row`` of every row with the BLAS dot of :func:`numpy.linalg.norm` (``np.vecdot``, numpy >= 2)."""
    if hasattr(np, "vecdot"):
        return np.vecdot(mat, mat)
    return np.fromiter((row.dot(row) for row in mat), np.float64, mat.shape[0])  # numpy 1.x


def embedding_matrix(
    embeddings: Mapping[Hashable, Any],
    ids: Sequence[Hashable],
    *,
    what: str = "item",
    precision: FloatPrecision = "float64",
) -> np.ndarray:
    """L2-normalised rows of ``embeddings[id]`` for ``ids``; 2-D values ``[T, D]`` are mean-pooled over T first.

    Fast path: when every embedding is a 1-D vector of one size, the rows are stacked and checked at once
    (finite, non-zero); each norm is ``sqrt(v @ v)`` per row (``np.vecdot``, the same dot product as
    :func:`numpy.linalg.norm` of one vector), so the numbers equal the per-item path. Any failed check falls
    back to that path, which raises naming the item.

    Args:
        embeddings: id -> embedding (``[D]`` or ``[T, D]``).
        ids: the rows wanted, in order.
        what: the word for one item in error messages (``"segment"``).
        precision: ``"float64"`` (default), or ``"float32"`` for the official float32 rows
            (:func:`embedding_matrix_float32`).

    Raises:
        InputValidationError: a missing id, a non-finite, zero or mis-shaped embedding, mixed dimensions.

    Example:
        >>> embedding_matrix({"a": [3.0, 4.0], "b": [[1.0, 0.0], [1.0, 0.0]]}, ["a", "b"]).tolist()
        [[0.6, 0.8], [1.0, 0.0]]
    """
    if precision == "float32":
        return embedding_matrix_float32(embeddings, ids, what=what)
    try:
        values = [embeddings[i] for i in ids]
        mat = np.asarray(values)
    except (KeyError, TypeError, ValueError):
        mat = None
    if mat is not None and (mat.dtype.kind not in "iuf" or converted_bool(mat, values)):
        mat = None  # strings, bools, None: the per-item path names the item
    elif mat is not None:
        mat = mat.astype(np.float64, copy=False)
    if mat is not None and mat.ndim == 2 and mat.shape[0] and mat.shape[1]:
        if np.isfinite(mat.sum()) or np.all(np.isfinite(mat)):
            norms = np.sqrt(_row_dots(mat))
            if np.all(norms > 0):
                return mat / norms[:, None]
    return embedding_matrix_per_item(embeddings, ids, what=what)


def _as_embedding(value: Any, uid: Hashable, what: str, dtype: Any) -> np.ndarray:
    """One embedding as ``dtype``; bools, strings (even ``"1"``), None and other objects are refused."""
    return as_real_array(
        value,
        what="the embedding",
        unit_id=uid,
        unit=f"{what} {uid!r}",
        position="entry",
        expected="a 1-D (or [T, D]) array of real numbers",
        dtype=dtype,
    )


def _check_one_dimension(rows: Sequence[np.ndarray], ids: Sequence[Hashable], what: str) -> None:
    """Raise naming the first item whose embedding size differs from the most common one."""
    sizes = [r.size for r in rows]
    if len(set(sizes)) > 1:
        common = max(dict.fromkeys(sizes), key=sizes.count)  # the most common, the first on a tie
        i = next(i for i, n in enumerate(sizes) if n != common)
        raise InputValidationError(
            f"Expected every embedding to have one dimension (D = {common}, as most have), but {what} "
            f"{ids[i]!r} has {sizes[i]}."
        )


def embedding_matrix_per_item(
    embeddings: Mapping[Hashable, Any], ids: Sequence[Hashable], *, what: str = "item"
) -> np.ndarray:
    """:func:`embedding_matrix` one item at a time, with a check (and an error naming it) per item."""
    return _unit_rows(embeddings, ids, what, np.float64)


def embedding_matrix_float32(
    embeddings: Mapping[Hashable, Any], ids: Sequence[Hashable], *, what: str = "item"
) -> np.ndarray:
    """float32 L2-normalised rows, made as official float32 pipelines make them (IMPACT ``cv_sm_common``).

    Per item: the values as float32; a ``[T, D]`` value is pooled with numpy's float32 ``mean(axis=0)``;
    the row is divided by ``float(np.linalg.norm(row))`` (a float32 norm) in float32.

    Raises:
        InputValidationError: as :func:`embedding_matrix_per_item`.

    Example:
        >>> embedding_matrix_float32({"a": [3.0, 4.0]}, ["a"]).dtype
        dtype('float32')
    """
    return _unit_rows(embeddings, ids, what, np.float32)


def _unit_rows(
    embeddings: Mapping[Hashable, Any], ids: Sequence[Hashable], what: str, dtype: type[np.floating]
) -> np.ndarray:
    """The L2-normalised row of each id in ``dtype``, checked one item at a time (errors name the item).

    A ``[T, D]`` value is mean-pooled in ``dtype``; in float32 an empty ``[0, D]`` value is not pooled
    (and is refused as not 1-D), as the official float32 pipeline never pools an empty one.
    """
    single = dtype == np.float32
    rows = []
    for uid in ids:
        if uid not in embeddings:
            raise InputValidationError(f"Expected an embedding for {what} {uid!r}, but it is missing.")
        vec = _as_embedding(embeddings[uid], uid, what, dtype)
        if vec.ndim == 2 and (vec.shape[0] or not single):
            vec = vec.mean(axis=0).astype(dtype, copy=False)
        if vec.ndim != 1 or vec.size == 0:
            raise InputValidationError(
                f"Expected a 1-D (or [T, D]) embedding for {what} {uid!r}, "
                f"but got shape {np.shape(embeddings[uid])}."
            )
        if not np.all(np.isfinite(vec)):
            kind = "float32 values" if single else "values"
            raise InputValidationError(f"Expected finite {kind} in the embedding of {what} {uid!r}.")
        norm = float(np.linalg.norm(vec))
        if norm <= 0:
            raise InputValidationError(
                f"Expected a non-zero embedding for {what} {uid!r} (cosine is undefined)."
            )
        rows.append((vec / norm).astype(dtype, copy=False))
    _check_one_dimension(rows, ids, what)
    return np.stack(rows) if rows else np.zeros((0, 0), dtype=dtype)


__all__ = [
    "CHUNK_CELLS",
    "EMPTY_GALLERY",
    "EVALUATED",
    "NO_POSITIVE",
    "RETRIEVAL_STATUSES",
    "FloatPrecision",
    "average_precision_from_hits",
    "check_cutoffs",
    "concatenated_ranks",
    "embedding_matrix",
    "embedding_matrix_float32",
    "embedding_matrix_per_item",
    "optimistic_ranks",
    "rank_summary",
    "ranked_hits",
    "relevant_rank_and_ap",
]
