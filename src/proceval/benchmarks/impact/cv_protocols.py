"""IMPACT cross-view protocols (CV-TA, CV-SMR, CV-SMC): which queries, galleries and positives exist.

Built from :class:`~proceval.benchmarks.impact.cv_segments.CvSegment` lists (or CV video dicts, read by
:func:`~proceval.benchmarks.impact.cv_segments.cv_segments`), as the official ``cv_ta_retrieval.py`` /
``cv_sm_common.py`` / ``cv_smc_classification.py`` build them:

* CV-TA (:func:`build_cv_ta_protocol`): per directed view pair, every non-null source segment is a candidate
  query; its positive comes from the exo-exo "sync" midpoint rule or an LCS alignment of the label sequences
  (pairs with ego); its gallery is the target view's non-null segments of the same trial (TA-Local,
  Exo->Ego) or of the whole split (TA-Global).
* CV-SMR (:func:`build_cv_smr_protocol`): every non-null segment is a query; its gallery is every non-null
  segment of another trial **and** another view.
* CV-SMC (:func:`build_cv_smc_segments`): the non-null train and test segments of a probe.

Scoring embeddings under these protocols is :mod:`.cv_scoring`; the rank / AP math is
:mod:`proceval.scores.retrieval`.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, compress
from operator import attrgetter
from typing import Any, Literal, get_args

import numpy as np

from proceval.benchmarks.impact.cv_segments import CV_FILE_VIEW_ORDER, CvSegment, cv_segments
from proceval.benchmarks.impact.formats.naming import EXO_VIEWS
from proceval.errors import InputValidationError
from proceval.scores.options import format_choices

TAProtocol = Literal["local", "global", "exo2ego"]
CV_TA_PROTOCOLS: tuple[str, ...] = get_args(TAProtocol)
CV_TA_STATUSES: tuple[str, ...] = ("evaluated", "invisible", "no_positive", "empty_gallery")

SegmentSource = Iterable[CvSegment] | Iterable[Mapping[str, Any]]
"""Segments in official record order, or CV video dicts (validated and ordered by ``cv_segments``)."""


def _check_choice(name: str, value: Any, choices: Sequence[Any]) -> None:
    if value not in choices:
        raise InputValidationError(
            f"Expected argument `{name}` to be one of {format_choices(tuple(choices))}, but got {value!r}."
        )


def protocol_segments(source: SegmentSource, trials: Iterable[str] | None = None) -> list[CvSegment]:
    """The segments of ``source`` (segments, or video dicts read by ``cv_segments``) of ``trials`` (None = all).

    Segments are taken in the given order (``cv_segments`` and ``cv_segments_from_rows`` give the official
    record order); video dicts are validated and ordered.
    """
    items = list(source)
    if items and all(isinstance(s, CvSegment) for s in items):
        if trials is None:
            return items
        keep = frozenset(trials)
        return [s for s in items if s.trial_id in keep]
    return cv_segments(items, trials)


# --------------------------------------------------------------------------------------------- CV-TA


@dataclass(frozen=True)
class CVTAQuery:
    """One candidate query of a directed pair.

    ``gallery`` holds segment uids and is empty unless ``status == "evaluated"``.
    """

    query_uid: str
    pair: str
    status: str
    positive_uid: str | None
    gallery: tuple[str, ...]


@dataclass(frozen=True)
class CVTAProtocol:
    """Every candidate query of a CV-TA protocol, with the segments it refers to."""

    protocol: str
    pairs: tuple[str, ...]
    queries: tuple[CVTAQuery, ...]
    segments: Mapping[str, CvSegment]

    def counts(self) -> dict[str, dict[str, int]]:
        """``{pair: {"candidates": n, status: n, ...}}`` for every pair."""
        return copy.deepcopy(self.index.status_counts)

    @cached_property
    def index(self) -> CVTAIndex:
        """The protocol's queries as integer columns, computed on first use and kept.

        The columns say which embedding rows each query needs and where each positive is in its gallery;
        every evaluation of the protocol reuses them.
        """
        return CVTAIndex.of(self)


def _sync_positive(query: CvSegment, targets: Sequence[CvSegment]) -> tuple[CvSegment | None, str]:
    """Exo-exo "sync" rule on the query midpoint (exo views share frame indices).

    ``targets`` are all segments (null included) of the target view in the query's trial, sorted by start.
    The covering segment is the one containing the midpoint (with frame overlap > 0; the largest overlap,
    first on ties): null -> invisible; same label -> positive. Otherwise the same-label target segment
    with the largest frame overlap (first on ties); otherwise no positive.
    """
    mid = 0.5 * (query.start_frame + query.end_frame)
    covering, covering_overlap = None, 0
    best, best_overlap = None, 0
    for t in targets:
        overlap = min(query.end_frame, t.end_frame) - max(query.start_frame, t.start_frame) + 1
        if overlap <= 0:
            continue
        if t.start_frame <= mid <= t.end_frame and overlap > covering_overlap:
            covering, covering_overlap = t, overlap
        if not t.is_null and t.label == query.label and overlap > best_overlap:
            best, best_overlap = t, overlap
    if covering is not None:
        if covering.is_null:
            return None, "invisible"
        if covering.label == query.label:
            return covering, "evaluated"
    if best is not None:
        return best, "evaluated"
    return None, "no_positive"


def lcs_align(source: Sequence[str], target: Sequence[str]) -> list[tuple[int, int]]:
    """Aligned index pairs of a longest common subsequence of two label sequences.

    Tie-breaking follows the official traceback: take a match when it starts an optimal alignment,
    otherwise advance the source when that keeps the optimum (``dp[i+1][j] >= dp[i][j+1]``), else the target.

    Example:
        >>> lcs_align(["a", "b", "c", "b"], ["b", "c", "a", "b"])
        [(1, 0), (2, 1), (3, 3)]
    """
    n, m = len(source), len(target)
    dp = np.zeros((n + 1, m + 1), dtype=np.int64)
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            dp[i, j] = dp[i + 1, j + 1] + 1 if source[i] == target[j] else max(dp[i + 1, j], dp[i, j + 1])
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if source[i] == target[j] and dp[i, j] == dp[i + 1, j + 1] + 1:
            pairs.append((i, j))
            i += 1
            j += 1
        elif dp[i + 1, j] >= dp[i, j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _sequence_order(segs: Iterable[CvSegment]) -> list[CvSegment]:
    # Official key: (start, end, segment index as a *string*), which matters only for identical spans.
    return sorted(
        (s for s in segs if not s.is_null), key=lambda s: (s.start_frame, s.end_frame, str(s.segment_index))
    )


def _sequence_positives(source: Sequence[CvSegment], target: Sequence[CvSegment]) -> dict[str, CvSegment]:
    """Per trial, LCS-align the non-null label sequences (sorted by start) of two views.

    Returns ``{query uid: positive segment}`` for aligned queries.
    """
    src_by_trial: dict[str, list[CvSegment]] = defaultdict(list)
    tgt_by_trial: dict[str, list[CvSegment]] = defaultdict(list)
    for s in source:
        src_by_trial[s.trial_id].append(s)
    for t in target:
        tgt_by_trial[t.trial_id].append(t)
    out: dict[str, CvSegment] = {}
    for trial in sorted(set(src_by_trial) | set(tgt_by_trial)):
        src = _sequence_order(src_by_trial.get(trial, []))
        tgt = _sequence_order(tgt_by_trial.get(trial, []))
        for i, j in lcs_align([s.label for s in src], [t.label for t in tgt]):
            out[src[i].uid] = tgt[j]
    return out


def build_cv_ta_protocol(
    segments: SegmentSource,
    protocol: TAProtocol,
    *,
    trials: Iterable[str] | None = None,
    source_views: Sequence[str] | None = None,
    target_views: Sequence[str] | None = None,
) -> CVTAProtocol:
    """Build the CV-TA queries, galleries and positives of ``protocol`` (IMPACT spec §2).

    * ``local``: gallery = non-null target-view segments of the query's trial ("TA-Local");
      ``global``: of every trial kept ("TA-Global"); ``exo2ego``: exo sources, ego target, same-trial gallery.
    * Pairs: every directed (source, target) pair with source != target; defaults are the 12 exo->exo pairs
      (local / global) or the 4 exo->ego pairs (exo2ego).
    * Positive: exo-exo pairs use the "sync" midpoint rule (:func:`_sync_positive`: a null covering target
      segment makes the query ``invisible``); pairs involving ego use per-trial LCS alignment of the
      non-null label sequences sorted by start (an unaligned query is ``invisible`` for exo2ego,
      ``no_positive`` otherwise).

    Args:
        segments: CV segments (e.g. ``cv_segments_from_rows`` of a config split), or CV video dicts (e.g.
            ``load_cv_annotations`` output); see :func:`protocol_segments`.
        protocol: ``local``, ``global`` or ``exo2ego``.
        trials: trial-level split filter (e.g. :func:`split_trials` of the test bundle); None keeps all.
        source_views: override the source views.
        target_views: override the target views.

    Raises:
        InputValidationError: bad protocol or views (exo2ego needs exo sources and target ``ego``).
    """
    _check_choice("protocol", protocol, CV_TA_PROTOCOLS)
    if protocol == "exo2ego":
        sources = tuple(source_views or EXO_VIEWS)
        targets = tuple(target_views or ("ego",))
        if "ego" in sources or targets != ("ego",):
            raise InputValidationError(
                f"Expected exo source views and target view ('ego',) for `protocol='exo2ego'`, "
                f"but got sources {sources} and targets {targets}."
            )
    else:
        sources = tuple(source_views or EXO_VIEWS)
        targets = tuple(target_views or EXO_VIEWS)
    for v in (*sources, *targets):
        _check_choice("view", v, CV_FILE_VIEW_ORDER)
    segments = protocol_segments(segments, trials)
    by_view: dict[str, list[CvSegment]] = defaultdict(list)
    by_trial_view: dict[tuple[str, str], list[CvSegment]] = defaultdict(list)
    for s in segments:
        by_view[s.view].append(s)
        by_trial_view[(s.trial_id, s.view)].append(s)
    for key, segs in by_trial_view.items():
        by_trial_view[key] = sorted(segs, key=lambda s: s.start_frame)  # stable: ties keep record order

    queries: list[CVTAQuery] = []
    pairs: list[str] = []
    for src in sources:
        for tgt in targets:
            if src == tgt:
                continue
            pair = f"{src}->{tgt}"
            pairs.append(pair)
            target_nonnull = [t for t in by_view.get(tgt, []) if not t.is_null]
            global_gallery = tuple(t.uid for t in target_nonnull)
            trial_gallery: dict[str, list[str]] = defaultdict(list)
            for t in target_nonnull:
                trial_gallery[t.trial_id].append(t.uid)
            trial_gallery_t = {k: tuple(v) for k, v in trial_gallery.items()}
            sync = src != "ego" and tgt != "ego"
            aligned = {} if sync else _sequence_positives(by_view.get(src, []), target_nonnull)
            for q in by_view.get(src, []):
                if q.is_null:
                    continue
                if sync:
                    pos, status = _sync_positive(q, by_trial_view.get((q.trial_id, tgt), []))
                else:
                    pos = aligned.get(q.uid)
                    status = (
                        "evaluated"
                        if pos is not None
                        else ("invisible" if protocol == "exo2ego" else "no_positive")
                    )
                gallery = global_gallery if protocol == "global" else trial_gallery_t.get(q.trial_id, ())
                if status == "evaluated" and not gallery:
                    status = "empty_gallery"
                if status != "evaluated":
                    queries.append(CVTAQuery(q.uid, pair, status, None, ()))
                else:
                    queries.append(CVTAQuery(q.uid, pair, status, pos.uid, gallery))
    built = CVTAProtocol(protocol, tuple(pairs), tuple(queries), {s.uid: s for s in segments})
    _ = built.index  # compile the query index with the protocol, once, not on its first evaluation
    return built


def default_cv_ta_pairs(protocol: TAProtocol) -> tuple[str, ...]:
    """The directed pairs ``build_cv_ta_protocol`` uses without view overrides (12 exo pairs, or 4 exo->ego).

    Example:
        >>> default_cv_ta_pairs("exo2ego")
        ('front->ego', 'left->ego', 'right->ego', 'top->ego')
    """
    _check_choice("protocol", protocol, CV_TA_PROTOCOLS)
    targets = ("ego",) if protocol == "exo2ego" else EXO_VIEWS
    return tuple(f"{s}->{t}" for s in EXO_VIEWS for t in targets if s != t)


def _status_counts(
    pair_order: Sequence[str], pairs: Sequence[str], statuses: Sequence[str]
) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {
        p: {"candidates": 0, **dict.fromkeys(CV_TA_STATUSES, 0)} for p in pair_order
    }
    for (pair, status), n in Counter(zip(pairs, statuses, strict=True)).items():
        out[pair]["candidates"] += n
        out[pair][status] += n
    return out


@dataclass(frozen=True)
class CVTAIndex:
    """What evaluating a CV-TA protocol needs from it, independent of the embeddings (built once).

    Evaluated queries are sorted by gallery (protocol order inside each gallery), so that each shared
    gallery (all queries of a pair under TA-Global, of a trial and pair under TA-Local / Exo->Ego) is one
    slice of queries. Rows index :attr:`uids`, the segments whose embeddings are needed.
    """

    stats_names: list[str]  # distinct pairs (protocol order), for CVTAStats
    stats_codes: np.ndarray  # pair code of every candidate query
    evaluated: np.ndarray  # bool per candidate query
    status_counts: dict[str, dict[str, int]]
    uids: list[str]
    order: np.ndarray  # protocol position of each evaluated query, in gallery order
    query_rows: np.ndarray  # embedding row of each evaluated query, in gallery order
    positions: np.ndarray  # index of each query's positive in its gallery, in gallery order
    row_sizes: np.ndarray  # gallery size of each query, in gallery order
    cells: np.ndarray  # embedding rows of the distinct galleries laid end to end
    gallery_offsets: list[int]
    gallery_sizes: list[int]
    query_bounds: list[int]  # queries of gallery j are order[query_bounds[j]:query_bounds[j + 1]]

    @classmethod
    def of(cls, protocol: CVTAProtocol) -> CVTAIndex:
        """Every lookup done once with C-level maps and one sorted search for all positives.

        Raises:
            InputValidationError: a positive that is not in its query's gallery (malformed protocol).
        """
        queries = protocol.queries
        pairs = list(map(attrgetter("pair"), queries))
        statuses = list(map(attrgetter("status"), queries))
        evaluated_mask = np.fromiter(map("evaluated".__eq__, statuses), bool, len(statuses))
        names = list(dict.fromkeys(chain(protocol.pairs, pairs)))
        code = dict(zip(names, range(len(names)), strict=True))
        stats_codes = np.fromiter(map(code.__getitem__, pairs), np.int64, len(pairs))
        counts = _status_counts(protocol.pairs, pairs, statuses)
        evaluated = list(compress(queries, evaluated_mask))
        if not evaluated:
            empty = np.zeros(0, dtype=np.intp)
            return cls(
                names, stats_codes, evaluated_mask, counts, [], empty, empty, empty, empty, empty, [], [], [0]
            )
        gallery_of = list(map(attrgetter("gallery"), evaluated))
        gallery_ids = np.fromiter(map(id, gallery_of), np.int64, len(evaluated))  # shared tuples: one id each
        _, first, group = np.unique(gallery_ids, return_index=True, return_inverse=True)
        galleries = [gallery_of[i] for i in first.tolist()]
        query_uids = list(map(attrgetter("query_uid"), evaluated))
        uids = list(dict.fromkeys(chain(query_uids, chain.from_iterable(galleries))))
        row = dict(zip(uids, range(len(uids)), strict=True))
        sizes = np.fromiter(map(len, galleries), np.intp, len(galleries))
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        cells = np.fromiter(map(row.__getitem__, chain.from_iterable(galleries)), np.intp, int(sizes.sum()))
        # Position of each positive in its gallery: one sorted search of (gallery, row) keys.
        cell_keys = np.repeat(np.arange(len(galleries)), sizes) * len(uids) + cells
        cell_order = np.argsort(cell_keys, kind="stable")
        sorted_keys = cell_keys[cell_order]
        positive_rows = np.fromiter(map(row.__getitem__, map(attrgetter("positive_uid"), evaluated)), np.intp)
        keys = group * len(uids) + positive_rows
        found = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
        if not np.array_equal(sorted_keys[found], keys):
            j = int(np.flatnonzero(sorted_keys[found] != keys)[0])
            raise InputValidationError(
                f"Expected the positive of query {evaluated[j].query_uid!r} ({evaluated[j].pair}) in its "
                "gallery, but it is not there (malformed protocol)."
            )
        positions = cell_order[found] - offsets[group]
        by_group = np.argsort(group, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(group, minlength=len(galleries)))))
        query_rows = np.fromiter(map(row.__getitem__, query_uids), np.intp, len(evaluated))
        return cls(
            stats_names=names,
            stats_codes=stats_codes,
            evaluated=evaluated_mask,
            status_counts=counts,
            uids=uids,
            order=np.flatnonzero(evaluated_mask)[by_group],
            query_rows=query_rows[by_group],
            positions=positions[by_group],
            row_sizes=sizes[group[by_group]],
            cells=cells,
            gallery_offsets=offsets.tolist(),
            gallery_sizes=sizes.tolist(),
            query_bounds=bounds.tolist(),
        )


# --------------------------------------------------------------------------------------------- CV-SMR


@dataclass(frozen=True)
class CVSMRProtocol:
    """CV-SMR candidate queries and the shared gallery (each query's gallery = other trial AND other view).

    ``query_views`` / ``gallery_views`` record the views the protocol was built with (the signature names
    them when they are not all five).
    """

    queries: tuple[CvSegment, ...]
    gallery: tuple[CvSegment, ...]
    query_views: tuple[str, ...] = CV_FILE_VIEW_ORDER
    gallery_views: tuple[str, ...] = CV_FILE_VIEW_ORDER

    @property
    def segment_uids(self) -> frozenset[str]:
        """Uids of every query and gallery segment."""
        return frozenset(s.uid for s in chain(self.queries, self.gallery))

    def gallery_mask(self, query: CvSegment) -> np.ndarray:
        """Boolean mask over :attr:`gallery` of the items in ``query``'s gallery."""
        return np.asarray(
            [g.trial_id != query.trial_id and g.view != query.view for g in self.gallery], dtype=bool
        )


def build_cv_smr_protocol(
    segments: SegmentSource,
    *,
    trials: Iterable[str] | None = None,
    query_views: Sequence[str] = CV_FILE_VIEW_ORDER,
    gallery_views: Sequence[str] = CV_FILE_VIEW_ORDER,
) -> CVSMRProtocol:
    """Non-null segments of ``query_views`` as queries and of ``gallery_views`` as gallery (spec §3).

    Args:
        segments: CV segments or CV video dicts (see :func:`protocol_segments`).
        trials: trial-level split filter; None keeps all.
        query_views: default all five views, as the official launcher.
        gallery_views: default all five views.
    """
    for v in (*query_views, *gallery_views):
        _check_choice("view", v, CV_FILE_VIEW_ORDER)
    kept = [s for s in protocol_segments(segments, trials) if not s.is_null]
    return CVSMRProtocol(
        tuple(s for s in kept if s.view in query_views),
        tuple(s for s in kept if s.view in gallery_views),
        tuple(v for v in CV_FILE_VIEW_ORDER if v in query_views),
        tuple(v for v in CV_FILE_VIEW_ORDER if v in gallery_views),
    )


# --------------------------------------------------------------------------------------------- CV-SMC


def build_cv_smc_segments(
    segments: SegmentSource,
    *,
    train_trials: Iterable[str],
    test_trials: Iterable[str],
    views: Sequence[str] = CV_FILE_VIEW_ORDER,
) -> tuple[list[CvSegment], list[CvSegment]]:
    """Non-null train and test segments of ``views`` with trial-level filtering (official CV-SMC).

    Under S1 a trial can appear in both bundles (the bundles are video-level), so the same segment can be in
    both lists; the official script keeps it that way. The label vocabulary is
    ``proceval.scores.cv_smc.build_vocabulary([s.label for s in train + test], label_level)``.
    """
    segments = list(segments)
    train = [s for s in protocol_segments(segments, train_trials) if not s.is_null and s.view in views]
    test = [s for s in protocol_segments(segments, test_trials) if not s.is_null and s.view in views]
    return train, test


__all__ = [
    "CV_TA_PROTOCOLS",
    "CV_TA_STATUSES",
    "CVSMRProtocol",
    "CVTAIndex",
    "CVTAProtocol",
    "CVTAQuery",
    "build_cv_smc_segments",
    "build_cv_smr_protocol",
    "build_cv_ta_protocol",
    "default_cv_ta_pairs",
    "lcs_align",
    "protocol_segments",
]
