"""Scoring embeddings under the IMPACT cross-view protocols (CV-TA, CV-SMR), and the metric modules' entry.

Segment embeddings (``{"{video_id}:{segment_index}": [D] or [T, D]}``) are mean-pooled over T and
L2-normalised (:func:`proceval.scores.retrieval.embedding_matrix`), so similarity is cosine. Each query is
ranked against its protocol gallery (:mod:`.cv_protocols`) in chunks of about
:data:`~proceval.scores.retrieval.CHUNK_CELLS` similarities, and the per-query statistics are scored by
:func:`proceval.scores.cv_ta.cv_ta_stats_scores` / :func:`proceval.scores.cv_smr.cv_smr_stats_scores`.

Entry points (one pattern, ``<metric>_<input>_scores``):

* :func:`cv_ta_protocol_scores` / :func:`cv_smr_protocol_scores`: embeddings + a protocol (what
  ``proceval evaluate`` runs on a config);
* :func:`cv_ta_module_scores` / :func:`cv_smr_module_scores`: what the ``cv_ta`` / ``cv_smr`` evaluate modules
  receive (aligned segment ids and embeddings with a ``protocol``, or per-query inputs without one); their
  keywords and defaults are the modules' ``_compute`` keywords.
* :func:`cv_ta_inputs` / :func:`cv_smr_inputs`: the per-query inputs of :func:`proceval.scores.cv_ta.cv_ta_scores`
  / :func:`proceval.scores.cv_smr.cv_smr_scores` under a protocol.
"""

from __future__ import annotations

from collections.abc import Container, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from proceval.benchmarks.impact.cv_protocols import CVSMRProtocol, CVTAProtocol, default_cv_ta_pairs
from proceval.benchmarks.impact.cv_segments import CV_FILE_VIEW_ORDER
from proceval.errors import InputValidationError
from proceval.scores._checks import converted_bool
from proceval.scores.cv_smr import DEFAULT_KS as SMR_DEFAULT_KS
from proceval.scores.cv_smr import (
    CvSmrOptions,
    CVSMRStats,
    cv_smr_embedding_results,
    cv_smr_scores,
    cv_smr_stats_scores,
)
from proceval.scores.cv_ta import DEFAULT_KS as TA_DEFAULT_KS
from proceval.scores.cv_ta import (
    CvTaOptions,
    CVTAStats,
    InputType,
    MedianRankReduction,
    cv_ta_scores,
    cv_ta_stats_scores,
)
from proceval.scores.options import Uncertainty
from proceval.scores.retrieval import (
    CHUNK_CELLS,
    FloatPrecision,
    concatenated_ranks,
    embedding_matrix,
    embedding_matrix_per_item,
    relevant_rank_and_ap,
)


def _embedding_matrix(
    embeddings: Mapping[str, Any], uids: Sequence[str], precision: FloatPrecision = "float64"
) -> np.ndarray:
    return embedding_matrix(embeddings, uids, what="segment", precision=precision)


def _check_unused(embeddings: Mapping[str, Any], uids: Sequence[str], dim: int | None) -> None:
    """Check embeddings that no query or gallery uses, as the used ones are checked (without normalising).

    A malformed one (not numbers, NaN, all zeros, another dimension) is an error naming its segment,
    never silently ignored. Fast path: one stacked array, checked at once; else the per-item checks.
    """
    try:
        values = [embeddings[u] for u in uids]
        mat = np.asarray(values)
    except (TypeError, ValueError):
        mat = None
    if (
        mat is not None
        and mat.ndim == 2
        and mat.dtype.kind == "f"
        and (dim is None or mat.shape[1] == dim)
        and mat.shape[1]
        and np.isfinite(mat.sum())
        and mat.any(axis=1).all()
        and not converted_bool(mat, values)
    ):
        return
    checked = embedding_matrix_per_item(embeddings, uids, what="segment")  # raises naming the segment
    if dim is not None and checked.shape[1] != dim:
        raise InputValidationError(
            f"Expected every embedding to have one dimension (D = {dim}, as the protocol's segments have), "
            f"but segment {uids[0]!r} has {checked.shape[1]}."
        )


def _embedding_blocks(
    embeddings: Mapping[str, Any], *uid_lists: Sequence[str], precision: FloatPrecision = "float64"
) -> list[np.ndarray]:
    """One normalised matrix per list of ``uid_lists`` (one call, so one dimension for all of them).

    The embeddings no list uses (segments outside the protocol) are checked too (:func:`_check_unused`),
    so a malformed one is an error naming its segment, never ignored.
    """
    wanted = [u for uids in uid_lists for u in uids]
    mat = _embedding_matrix(embeddings, wanted, precision)
    seen = set(wanted)
    extra = [u for u in embeddings if u not in seen]
    if extra:
        _check_unused(embeddings, extra, mat.shape[1] if mat.size else None)
    out, lo = [], 0
    for uids in uid_lists:
        out.append(mat[lo : lo + len(uids)])
        lo += len(uids)
    return out


# --------------------------------------------------------------------------------------------- CV-TA


def _ta_ranks(embeddings: Mapping[str, Any], protocol: CVTAProtocol) -> np.ndarray:
    """Rank of every candidate query (0 where not evaluated), via one matrix product per shared gallery.

    Uses the protocol's :attr:`CVTAProtocol.index`; the loop over galleries only slices and multiplies (in
    row chunks of about ``CHUNK_CELLS`` cells). Similarity blocks of consecutive (gallery, row chunk) pairs
    are copied into one buffer of about ``CHUNK_CELLS`` cells, and each full buffer is ranked at once, so
    small galleries (TA-Local, Exo->Ego) cost one matmul call each and no per-gallery ranking.
    """
    index = protocol.index
    ranks = np.zeros(len(protocol.queries), dtype=np.int64)
    if index.order.size == 0:
        return ranks
    (emb,) = _embedding_blocks(embeddings, index.uids)
    # rows are gathered per block: a query or gallery row repeats across pairs, and gathering them all at
    # once would hold every repeat (several times the embeddings)
    query_rows, cells = index.query_rows, index.cells
    row_sizes, positions = index.row_sizes, index.positions
    out = np.empty(index.order.size, dtype=np.int64)
    buffer = np.empty(max(CHUNK_CELLS, max(index.gallery_sizes)), dtype=np.float64)
    done = used = 0  # ranked queries so far / buffer cells in use

    def flush(upto: int) -> None:
        if upto == done:
            return
        out[done:upto] = concatenated_ranks(buffer[:used], row_sizes[done:upto], positions[done:upto])

    bounds = index.query_bounds
    for j, (start, size) in enumerate(zip(index.gallery_offsets, index.gallery_sizes, strict=True)):
        g_rows_t = emb[cells[start : start + size]].T
        first, last = bounds[j], bounds[j + 1]
        step = max(1, CHUNK_CELLS // max(size, 1))
        for lo in range(first, last, step):
            hi = min(lo + step, last)
            n_cells = (hi - lo) * size
            if used + n_cells > buffer.size:
                flush(lo)
                done, used = lo, 0
            buffer[used : used + n_cells] = (emb[query_rows[lo:hi]] @ g_rows_t).ravel()
            used += n_cells
    flush(index.order.size)
    ranks[index.order] = out
    return ranks


def _ta_stats(protocol: CVTAProtocol, ranks: np.ndarray) -> CVTAStats:
    """Columnar query statistics of a protocol (pair code, evaluated flag) with the given ranks."""
    index = protocol.index
    return CVTAStats(index.stats_names, index.stats_codes, index.evaluated, ranks)


def cv_ta_protocol_signature(protocol: CVTAProtocol) -> dict[str, Any]:
    """The protocol's signature keys: its name, and its pairs when view overrides changed them."""
    extra: dict[str, Any] = {"protocol": protocol.protocol}
    if tuple(protocol.pairs) != default_cv_ta_pairs(protocol.protocol):  # type: ignore[arg-type]
        extra["pairs"] = list(protocol.pairs)
    return extra


def cv_ta_protocol_scores(
    embeddings: Mapping[str, Any],
    protocol: CVTAProtocol,
    *,
    ks: Sequence[int] = TA_DEFAULT_KS,
    median_rank_reduction: MedianRankReduction = "median_of_pairs",
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_embeddings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """CV-TA scores of segment embeddings under a protocol built by ``build_cv_ta_protocol``.

    Args:
        embeddings: segment uid (``"{video_id}:{segment_index}"``) -> embedding (``[D]``, or ``[T, D]``
            mean-pooled over T); L2-normalised here, so similarity is cosine. Every query, positive and
            gallery segment of an evaluable query needs one.
        protocol: the protocol.
        ks: recall cut-offs.
        median_rank_reduction: ``median_of_pairs`` (official) or ``pooled``.
        bootstrap: query resamples for CIs.
        confidence: CI coverage.
        seed: resampling seed.
        paired_embeddings: a second system's embeddings for a paired bootstrap.

    Returns:
        The :func:`proceval.scores.cv_ta.cv_ta_scores` result (its signature names the protocol, and the
        pairs when they are not the protocol's default), plus ``protocol`` and ``per_pair_status_counts``.
    """
    options = CvTaOptions(input_type="similarities", ks=ks, median_rank_reduction=median_rank_reduction)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_embeddings is not None)

    def stats_of(emb: Mapping[str, Any]) -> CVTAStats:
        return _ta_stats(protocol, _ta_ranks(emb, protocol))

    result = cv_ta_stats_scores(
        stats_of(embeddings),
        options,
        uncertainty,
        paired_stats=None if paired_embeddings is None else stats_of(paired_embeddings),
        signature_extra=cv_ta_protocol_signature(protocol),
    )
    result["protocol"] = protocol.protocol
    result["per_pair_status_counts"] = protocol.counts()
    return result


def cv_ta_inputs(embeddings: Mapping[str, Any], protocol: CVTAProtocol) -> dict[str, list[Any]]:
    """Keyword arguments for :func:`proceval.scores.cv_ta.cv_ta_scores` (or the ``cv_ta`` evaluate module).

    Returns:
        ``predictions`` (cosine similarities over each query's gallery, None when not evaluable),
        ``references`` (positive index), ``pairs``, ``evaluable`` and ``ids`` (``"pair|query uid"``).
    """
    uids = protocol.index.uids
    needed = dict(zip(uids, range(len(uids)), strict=True))
    (emb,) = _embedding_blocks(embeddings, uids)
    out: dict[str, list[Any]] = {
        "predictions": [],
        "references": [],
        "pairs": [],
        "evaluable": [],
        "ids": [],
    }
    for q in protocol.queries:
        ok = q.status == "evaluated"
        out["predictions"].append(
            emb[[needed[u] for u in q.gallery]] @ emb[needed[q.query_uid]] if ok else None
        )
        out["references"].append(q.gallery.index(q.positive_uid) if ok else None)
        out["pairs"].append(q.pair)
        out["evaluable"].append(ok)
        out["ids"].append(f"{q.pair}|{q.query_uid}")
    return out


# --------------------------------------------------------------------------------------------- CV-SMR


def cv_smr_inputs(embeddings: Mapping[str, Any], protocol: CVSMRProtocol) -> dict[str, list[Any]]:
    """Keyword arguments for :func:`proceval.scores.cv_smr.cv_smr_scores` under ``protocol``.

    Per query: its gallery's cosines and 0/1 relevance (gallery order kept), ``query_views`` and ``ids``.
    Memory grows as queries x gallery.
    """
    q_emb, g_emb = _embedding_blocks(
        embeddings, [q.uid for q in protocol.queries], [g.uid for g in protocol.gallery]
    )
    labels = np.asarray([g.label for g in protocol.gallery], dtype=object)
    out: dict[str, list[Any]] = {"predictions": [], "references": [], "query_views": [], "ids": []}
    for i, q in enumerate(protocol.queries):
        mask = protocol.gallery_mask(q)
        out["predictions"].append(g_emb[mask] @ q_emb[i] if mask.any() else np.zeros(0))
        out["references"].append(labels[mask] == q.label)
        out["query_views"].append(q.view)
        out["ids"].append(q.uid)
    return out


def _smr_stats(
    embeddings: Mapping[str, Any],
    protocol: CVSMRProtocol,
    ks: Sequence[int],
    precision: FloatPrecision = "float64",
) -> CVSMRStats:
    codes: dict[str, int] = {}  # one integer code per trial / view / label string: fast comparisons
    if precision == "float32":  # the official float32 pipeline, query by query

        def keys(items: Sequence[Any]) -> np.ndarray:
            return np.asarray(
                [
                    [codes.setdefault(getattr(s, f), len(codes)) for f in ("trial_id", "view", "label")]
                    for s in items
                ],
                dtype=np.int64,
            ).reshape(-1, 3)

        q_emb, g_emb = _embedding_blocks(
            embeddings,
            [q.uid for q in protocol.queries],
            [g.uid for g in protocol.gallery],
            precision=precision,
        )
        results = cv_smr_embedding_results(
            q_emb,
            g_emb,
            keys(protocol.queries),
            keys(protocol.gallery),
            precision=precision,
        )
        return CVSMRStats.from_query_results(ks, [q.view for q in protocol.queries], results)
    q_emb, g_emb = _embedding_blocks(
        embeddings, [q.uid for q in protocol.queries], [g.uid for g in protocol.gallery]
    )

    def code(values: Iterable[str]) -> np.ndarray:
        return np.asarray([codes.setdefault(v, len(codes)) for v in values], dtype=np.int64)

    g_trial, g_view, g_label = (
        code(getattr(g, f) for g in protocol.gallery) for f in ("trial_id", "view", "label")
    )
    q_trial, q_view, q_label = (
        code(getattr(q, f) for q in protocol.queries) for f in ("trial_id", "view", "label")
    )
    q_view_names = [q.view for q in protocol.queries]
    views: list[str] = []
    results: list[tuple[int, int, float]] = []
    step = max(1, CHUNK_CELLS // max(len(protocol.gallery), 1))
    for lo in range(0, len(protocol.queries), step):
        sl = slice(lo, lo + step)
        sims = q_emb[sl] @ g_emb.T if len(protocol.gallery) else np.zeros((len(q_trial[sl]), 0))
        valid = (q_trial[sl, None] != g_trial[None, :]) & (q_view[sl, None] != g_view[None, :])
        rows = zip(sims, valid, q_label[sl], q_view_names[sl], protocol.queries[sl], strict=True)
        for row, keep, label, view, query in rows:
            stat = relevant_rank_and_ap(row[keep], g_label[keep] == label)
            if stat is None:  # unreachable with checked embeddings; kept so that nothing passes silently
                raise InputValidationError(f"Got a non-finite cosine for CV-SMR query {query.uid!r}.")
            views.append(view)
            results.append(stat)
    return CVSMRStats.from_query_results(ks, views, results)


def cv_smr_protocol_signature(protocol: CVSMRProtocol) -> dict[str, Any]:
    """The protocol's signature keys: its query and gallery views when they are not all five."""
    extra: dict[str, Any] = {}
    if tuple(protocol.query_views) != CV_FILE_VIEW_ORDER:
        extra["qviews"] = list(protocol.query_views)
    if tuple(protocol.gallery_views) != CV_FILE_VIEW_ORDER:
        extra["gviews"] = list(protocol.gallery_views)
    return extra


def cv_smr_protocol_scores(
    embeddings: Mapping[str, Any],
    protocol: CVSMRProtocol,
    *,
    ks: Sequence[int] = SMR_DEFAULT_KS,
    precision: FloatPrecision = "float64",
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_embeddings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """CV-SMR scores of segment embeddings (cosine of L2-normalised, mean-pooled features), chunked.

    ``precision="float32"`` reproduces the official float32 script exactly (float32 rows, per-query float32
    ``gallery @ query``, float32 means pooled in the protocol's query-view order); see
    :mod:`proceval.scores.cv_smr`.

    Returns:
        The :func:`proceval.scores.cv_smr.cv_smr_scores` result with per-query-view values (its signature
        names the views when they are not all five).
    """
    options = CvSmrOptions(ks=ks, precision=precision)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_embeddings is not None)
    return cv_smr_stats_scores(
        _smr_stats(embeddings, protocol, options.ks, options.precision),
        options,
        uncertainty,
        paired_stats=None
        if paired_embeddings is None
        else _smr_stats(paired_embeddings, protocol, options.ks, options.precision),
        signature_extra=cv_smr_protocol_signature(protocol),
        view_order=protocol.query_views,
    )


# --------------------------------------------------------------------------------------------- modules


def reject_per_query_arguments(**given: Any) -> None:
    """With a protocol the queries come from it: per-query arguments given as well are an error, not ignored.

    Raises:
        InputValidationError: naming the first argument that is not None.
    """
    for name, value in given.items():
        if value is not None:
            raise InputValidationError(
                f"Got `{name}` together with `protocol`: with a protocol the predictions are segment "
                f"embeddings and the queries come from the protocol, so `{name}` must be left out."
            )


def embeddings_by_uid(
    segment_ids: Sequence[Any], embeddings: Sequence[Any], known: Container[str]
) -> dict[str, Any]:
    """Pair aligned lists of segment uids and embeddings into a uid -> embedding mapping.

    Args:
        segment_ids: ``"{video_id}:{segment_index}"`` per embedding.
        embeddings: one embedding per id (``[D]`` or ``[T, D]``).
        known: the uids the protocol knows (its segments).

    Raises:
        InputValidationError: lists of different lengths, an id that is not a string, a repeated id, an
            id that is no segment of the protocol (naming the id and its position).
    """
    if len(segment_ids) != len(embeddings):
        raise InputValidationError(
            f"Expected one segment id per embedding, but got {len(segment_ids)} ids and "
            f"{len(embeddings)} embeddings."
        )
    out: dict[str, Any] = {}
    for i, (uid, emb) in enumerate(zip(segment_ids, embeddings, strict=True)):
        if not isinstance(uid, str):
            raise InputValidationError(
                f"Expected segment ids '{{video_id}}:{{segment_index}}' as strings, but got {uid!r} at {i}."
            )
        if uid in out:
            raise InputValidationError(f"Expected each segment once, but {uid!r} repeats (position {i}).")
        if uid not in known:
            raise InputValidationError(
                f"Got an embedding for {uid!r} (position {i}), which is not a segment of this protocol "
                "(expected '{video_id}:{segment_index}' of a split trial)."
            )
        out[uid] = emb
    return out


def _module_embeddings(
    references: Sequence[Any],
    predictions: Sequence[Any],
    paired_predictions: Sequence[Any] | None,
    known: Container[str],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The evaluate modules' embeddings input: (uid -> embedding, uid -> paired embedding or None).

    ``references`` are the segment uids, ``predictions`` (and ``paired_predictions``) the aligned
    embeddings; checked as :func:`embeddings_by_uid`.
    """
    paired = None if paired_predictions is None else embeddings_by_uid(references, paired_predictions, known)
    return embeddings_by_uid(references, predictions, known), paired


def cv_ta_module_scores(
    predictions: Sequence[Any],
    references: Sequence[Any],
    *,
    protocol: CVTAProtocol | None = None,
    pairs: Sequence[Any] | None = None,
    evaluable: Sequence[bool] | None = None,
    ids: Sequence[Hashable] | None = None,
    input_type: InputType = "similarities",
    ks: Sequence[int] = TA_DEFAULT_KS,
    median_rank_reduction: MedianRankReduction = "median_of_pairs",
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """What the ``cv_ta`` evaluate module computes (its ``_compute`` keywords and defaults).

    With ``protocol``: ``predictions`` are segment embeddings and ``references`` their segment uids
    (:func:`cv_ta_protocol_scores`); ``pairs``, ``evaluable``, ``ids`` and ``input_type`` must be left out.
    Without: per-query inputs of :func:`proceval.scores.cv_ta.cv_ta_scores`.

    Raises:
        InputValidationError: bad options (checked first), per-query arguments with a protocol, bad inputs.
    """
    CvTaOptions(input_type=input_type, ks=ks, median_rank_reduction=median_rank_reduction)
    Uncertainty(bootstrap, confidence, seed)
    if protocol is None:
        return cv_ta_scores(
            predictions,
            references,
            pairs,
            evaluable=evaluable,
            ids=ids,
            input_type=input_type,
            ks=ks,
            median_rank_reduction=median_rank_reduction,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
    reject_per_query_arguments(pairs=pairs, evaluable=evaluable, ids=ids)
    if input_type != "similarities":
        raise InputValidationError(f"Expected no `input_type` with `protocol`, but got {input_type!r}.")
    embeddings, paired = _module_embeddings(references, predictions, paired_predictions, protocol.segments)
    return cv_ta_protocol_scores(
        embeddings,
        protocol,
        ks=ks,
        median_rank_reduction=median_rank_reduction,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_embeddings=paired,
    )


def cv_smr_module_scores(
    predictions: Sequence[Any],
    references: Sequence[Any],
    *,
    protocol: CVSMRProtocol | None = None,
    query_views: Sequence[str] | None = None,
    ids: Sequence[Hashable] | None = None,
    ks: Sequence[int] = SMR_DEFAULT_KS,
    precision: FloatPrecision = "float64",
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """What the ``cv_smr`` evaluate module computes (its ``_compute`` keywords and defaults).

    With ``protocol``: ``predictions`` are segment embeddings and ``references`` their segment uids
    (:func:`cv_smr_protocol_scores`); ``query_views`` and ``ids`` must be left out. Without: per-query score
    and relevance vectors of :func:`proceval.scores.cv_smr.cv_smr_scores`.

    Raises:
        InputValidationError: bad options (checked first), per-query arguments with a protocol, bad inputs.
    """
    CvSmrOptions(ks=ks, precision=precision)
    Uncertainty(bootstrap, confidence, seed)
    if protocol is None:
        return cv_smr_scores(
            predictions,
            references,
            query_views=query_views,
            ids=ids,
            ks=ks,
            precision=precision,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
    reject_per_query_arguments(query_views=query_views, ids=ids)
    embeddings, paired = _module_embeddings(
        references, predictions, paired_predictions, protocol.segment_uids
    )
    return cv_smr_protocol_scores(
        embeddings,
        protocol,
        ks=ks,
        precision=precision,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_embeddings=paired,
    )


__all__ = [
    "cv_smr_inputs",
    "cv_smr_module_scores",
    "cv_smr_protocol_scores",
    "cv_smr_protocol_signature",
    "cv_ta_inputs",
    "cv_ta_module_scores",
    "cv_ta_protocol_scores",
    "cv_ta_protocol_signature",
    "embeddings_by_uid",
    "reject_per_query_arguments",
]
