"""IMPACT cross-view protocols (CV-TA, CV-SMR, CV-SMC): queries, galleries and positives from CAS segments.

Input is the CV annotation release (``dataset/CV/annotations_CAS/{view}/subjectNN/{video}.json`` and
``ego/{trial}_color_ego.json``) or the same content as plain dicts::

    {"video_id": "20250407_1345_color_front_clipped", "view": "front", "subject": "subject11",
     "segments": [{"label": "unscrew_anti_vibration_handle", "f_start": 295, "f_end": 546}, ...]}

Frames are 0-based in each view's own frame index and ``f_end`` is **inclusive**. ``view``, ``trial`` and
``subject`` are optional (derived from ``video_id``; subject only orders the records). Every segment
is one retrieval unit with uid ``"{video_id}:{index}"`` (index = position in the file's segment list; the
JSON ``id`` is a class id, not an instance id). Segments labelled ``null`` are never queries or gallery items.

Split filtering is at **trial level** (every view of any trial listed in the bundle), as the official
``cv_ta_retrieval.py`` / ``cv_sm_common.py`` do. Records are kept in the official file order (views
``ego, front, left, right, top``; then subject folder and file name; then segment index): CV-SMR breaks
score ties by that gallery order.
"""

from __future__ import annotations

import copy
import os
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, compress
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal

import numpy as np

from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.benchmarks.impact.formats.bundles import bundle_path, read_bundle
from proceval.benchmarks.impact.formats.naming import EXO_VIEWS, parse_video_id, trial_of
from proceval.io import read_json
from proceval.scores._checks import check_choice
from proceval.scores._ranking import CHUNK_CELLS, optimistic_ranks
from proceval.scores.cv_smc import build_vocabulary
from proceval.scores.cv_smr import (
    CVSMRStats,
    _cv_smr_arg_validation,
    _cv_smr_result,
    _query_stat,
    _StatsBuilder,
)
from proceval.scores.cv_ta import CVTAStats, _cv_ta_arg_validation, _cv_ta_result

CV_FILE_VIEW_ORDER: tuple[str, ...] = ("ego", "front", "left", "right", "top")
CV_TA_PROTOCOLS: tuple[str, ...] = ("local", "global", "exo2ego")
CV_TA_STATUSES: tuple[str, ...] = ("evaluated", "invisible", "no_positive", "empty_gallery")
NULL_LABEL = "null"
TAProtocol = Literal["local", "global", "exo2ego"]


@dataclass(frozen=True)
class CVSegment:
    """One CAS segment. Frames are 0-based, ``f_end`` inclusive, in the segment's own view."""

    uid: str
    video_id: str
    trial: str
    view: str
    index: int
    label: str
    f_start: int
    f_end: int

    @property
    def is_null(self) -> bool:
        return self.label == NULL_LABEL


# --------------------------------------------------------------------------------------------- loading


def load_cv_annotations(annotation_root: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read every CV annotation JSON under ``annotation_root`` (``dataset/CV/annotations_CAS``).

    The view comes from the folder (``ego/`` or ``{view}/subjectNN/``), never from the JSON ``view`` field.

    Returns:
        Video dicts ``{video_id, trial, view, subject, num_frames, segments, source}`` in official file order.

    Raises:
        ReleaseFormatError: no file found, a file name that is not an IMPACT video id, a missing key.
    """
    root = Path(annotation_root)
    videos: list[dict[str, Any]] = []
    for view in CV_FILE_VIEW_ORDER:
        pattern = "*.json" if view == "ego" else "*/*.json"
        for path in sorted((root / view).glob(pattern)):
            payload = read_json(path)
            try:
                name = parse_video_id(path.stem)
            except ValueError as exc:
                raise ReleaseFormatError(path, str(exc)) from exc
            if name.view != view:
                raise ReleaseFormatError(
                    path, f"file name says view {name.view!r} but the folder is {view!r}"
                )
            for key in ("video_id", "segments", "view_start", "view_end"):
                if key not in payload:
                    raise ReleaseFormatError(path, f"missing key {key!r}")
            videos.append(
                {
                    "video_id": name.video_id,
                    "trial": name.trial,
                    "view": view,
                    "subject": None if view == "ego" else path.parent.name,
                    "num_frames": int(payload["view_end"]) - int(payload["view_start"]) + 1,
                    "segments": payload["segments"],
                    "source": str(path),
                }
            )
    if not videos:
        raise ReleaseFormatError(
            root, "no CV annotation JSON found (expected {view}/subjectNN/*.json, ego/*.json)"
        )
    return videos


def split_trials(split_dir: str | os.PathLike[str], split: str, protocol_index: int) -> frozenset[str]:
    """Trial ids of every video in bundle ``{split}.split{protocol_index}.bundle``.

    ``split`` is named as in datasets: ``train`` / ``validation`` / ``test``.
    """
    return frozenset(trial_of(v) for v in read_bundle(bundle_path(split_dir, split, protocol_index)))


def _int_frame(value: Any, what: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise InputValidationError(f"Expected integer `{what}` in {where}, but got {value!r}.")
    return int(value)


def cv_segments(videos: Iterable[Mapping[str, Any]], trials: Iterable[str] | None = None) -> list[CVSegment]:
    """Validate video dicts and return their segments in official record order.

    Args:
        videos: video dicts as described in the module docstring.
        trials: keep only these trial ids (trial-level split filter); None keeps all.

    Raises:
        InputValidationError: duplicate video ids, unknown view, missing keys, non-integer frames,
            ``f_start > f_end`` (naming the video and segment index).
    """
    keep = None if trials is None else frozenset(trials)
    rows: list[tuple[tuple[Any, ...], list[CVSegment]]] = []
    seen: set[str] = set()
    for video in videos:
        if "video_id" not in video or "segments" not in video:
            raise InputValidationError(
                f"Expected keys 'video_id' and 'segments' in every video dict, got {list(video)}."
            )
        try:
            name = parse_video_id(str(video["video_id"]))
        except ValueError as exc:
            raise InputValidationError(str(exc)) from exc
        video_id = name.video_id
        view, trial = name.view, name.trial
        for key, derived in (("view", view), ("trial", trial)):
            given = video.get(key)
            if given is not None and str(given).lower() != derived:
                raise InputValidationError(
                    f"Expected `{key}` of {video_id!r} to match its video id ({derived!r}), but got {given!r}."
                )
        if view not in CV_FILE_VIEW_ORDER:
            raise InputValidationError(
                f"Expected the view of {video_id!r} in {CV_FILE_VIEW_ORDER}, but got {view!r}."
            )
        if video_id in seen:
            raise InputValidationError(f"Expected unique video ids, but {video_id!r} appears more than once.")
        seen.add(video_id)
        if keep is not None and trial not in keep:
            continue
        segs = []
        for index, seg in enumerate(video["segments"]):
            where = f"segment {index} of {video_id!r}"
            if "label" not in seg or "f_start" not in seg or "f_end" not in seg:
                raise InputValidationError(
                    f"Expected keys label, f_start, f_end in {where}, but got {list(seg)}."
                )
            start = _int_frame(seg["f_start"], "f_start", where)
            end = _int_frame(seg["f_end"], "f_end", where)
            if start > end:
                raise InputValidationError(
                    f"Expected f_start <= f_end (inclusive end) in {where}, but got {start} > {end}."
                )
            label = str(seg["label"]).strip().lower()
            segs.append(CVSegment(f"{video_id}:{index}", video_id, trial, view, index, label, start, end))
        rows.append(((CV_FILE_VIEW_ORDER.index(view), str(video.get("subject") or ""), video_id), segs))
    rows.sort(key=lambda r: r[0])
    return [s for _, segs in rows for s in segs]


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
    segments: Mapping[str, CVSegment]

    def counts(self) -> dict[str, dict[str, int]]:
        """``{pair: {"candidates": n, status: n, ...}}`` for every pair."""
        return copy.deepcopy(self.index.status_counts)

    @cached_property
    def index(self) -> _TAIndex:
        """The protocol's queries as integer columns (which embedding rows each needs, where each positive
        is in its gallery), computed on first use and kept: every evaluation of the protocol reuses it."""
        return _TAIndex.of(self)


def _sync_positive(query: CVSegment, targets: Sequence[CVSegment]) -> tuple[CVSegment | None, str]:
    """Exo-exo "sync" rule on the query midpoint (exo views share frame indices).

    ``targets`` are all segments (null included) of the target view in the query's trial, sorted by start.
    The covering segment is the one containing the midpoint (with frame overlap > 0; the largest overlap,
    first on ties): null -> invisible; same label -> positive. Otherwise the same-label target segment
    with the largest frame overlap (first on ties); otherwise no positive.
    """
    mid = 0.5 * (query.f_start + query.f_end)
    covering, covering_overlap = None, 0
    best, best_overlap = None, 0
    for t in targets:
        overlap = min(query.f_end, t.f_end) - max(query.f_start, t.f_start) + 1
        if overlap <= 0:
            continue
        if t.f_start <= mid <= t.f_end and overlap > covering_overlap:
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


def _sequence_order(segs: Iterable[CVSegment]) -> list[CVSegment]:
    # Official key: (start, end, segment index as a *string*), which matters only for identical spans.
    return sorted((s for s in segs if not s.is_null), key=lambda s: (s.f_start, s.f_end, str(s.index)))


def _sequence_positives(source: Sequence[CVSegment], target: Sequence[CVSegment]) -> dict[str, CVSegment]:
    """Per trial, LCS-align the non-null label sequences (sorted by start) of two views.

    Returns ``{query uid: positive segment}`` for aligned queries.
    """
    src_by_trial: dict[str, list[CVSegment]] = defaultdict(list)
    tgt_by_trial: dict[str, list[CVSegment]] = defaultdict(list)
    for s in source:
        src_by_trial[s.trial].append(s)
    for t in target:
        tgt_by_trial[t.trial].append(t)
    out: dict[str, CVSegment] = {}
    for trial in sorted(set(src_by_trial) | set(tgt_by_trial)):
        src = _sequence_order(src_by_trial.get(trial, []))
        tgt = _sequence_order(tgt_by_trial.get(trial, []))
        for i, j in lcs_align([s.label for s in src], [t.label for t in tgt]):
            out[src[i].uid] = tgt[j]
    return out


def build_cv_ta_protocol(
    videos: Iterable[Mapping[str, Any]],
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
        videos: CV video dicts (see module docstring) or :func:`load_cv_annotations` output.
        protocol: ``local``, ``global`` or ``exo2ego``.
        trials: trial-level split filter (e.g. :func:`split_trials` of the test bundle); None keeps all.
        source_views: override the source views.
        target_views: override the target views.

    Raises:
        InputValidationError: bad protocol or views (exo2ego needs exo sources and target ``ego``).
    """
    check_choice("protocol", protocol, CV_TA_PROTOCOLS)
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
        check_choice("view", v, CV_FILE_VIEW_ORDER)
    segments = cv_segments(videos, trials)
    by_view: dict[str, list[CVSegment]] = defaultdict(list)
    by_trial_view: dict[tuple[str, str], list[CVSegment]] = defaultdict(list)
    for s in segments:
        by_view[s.view].append(s)
        by_trial_view[(s.trial, s.view)].append(s)
    for key, segs in by_trial_view.items():
        by_trial_view[key] = sorted(segs, key=lambda s: s.f_start)  # stable: ties keep record order

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
                trial_gallery[t.trial].append(t.uid)
            trial_gallery_t = {k: tuple(v) for k, v in trial_gallery.items()}
            sync = src != "ego" and tgt != "ego"
            aligned = {} if sync else _sequence_positives(by_view.get(src, []), target_nonnull)
            for q in by_view.get(src, []):
                if q.is_null:
                    continue
                if sync:
                    pos, status = _sync_positive(q, by_trial_view.get((q.trial, tgt), []))
                else:
                    pos = aligned.get(q.uid)
                    status = (
                        "evaluated"
                        if pos is not None
                        else ("invisible" if protocol == "exo2ego" else "no_positive")
                    )
                gallery = global_gallery if protocol == "global" else trial_gallery_t.get(q.trial, ())
                if status == "evaluated" and not gallery:
                    status = "empty_gallery"
                if status != "evaluated":
                    queries.append(CVTAQuery(q.uid, pair, status, None, ()))
                else:
                    queries.append(CVTAQuery(q.uid, pair, status, pos.uid, gallery))
    built = CVTAProtocol(protocol, tuple(pairs), tuple(queries), {s.uid: s for s in segments})
    _ = built.index  # compile the query index with the protocol, once, not on its first evaluation
    return built


# --------------------------------------------------------------------------------------------- embeddings


def segment_embedding(frame_features: np.ndarray, f_start: int, f_end: int, num_frames: int) -> np.ndarray:
    """Mean-pool a video's feature sequence over the inclusive frame span ``[f_start, f_end]``.

    ``frame_features`` is ``[T, D]`` on its own time axis (T feature steps for ``num_frames`` video
    frames); the span maps to steps ``floor(f_start*T/N) .. ceil((f_end+1)*T/N) - 1``, clipped to
    ``[0, T-1]`` and at least one step, as the official launchers do. Not L2-normalised here.

    Example:
        >>> segment_embedding(np.arange(8.0).reshape(4, 2), 2, 5, 8).tolist()
        [3.0, 4.0]
    """
    feats = np.asarray(frame_features, dtype=np.float64)
    if feats.ndim == 1:
        return feats
    if feats.ndim != 2 or feats.shape[0] == 0:
        raise InputValidationError(
            f"Expected `frame_features` of shape [T, D] with T > 0, but got {feats.shape}."
        )
    steps = feats.shape[0]
    n = max(int(num_frames), 1)
    start = min(max(int(np.floor(f_start * steps / n)), 0), steps - 1)
    end = min(max(int(np.ceil((f_end + 1) * steps / n)) - 1, 0), steps - 1)
    return feats[start : max(end, start) + 1].mean(axis=0)


def _embedding_matrix(embeddings: Mapping[str, Any], uids: Sequence[str]) -> np.ndarray:
    """L2-normalised rows for ``uids``; 2-D values ``[T, D]`` are mean-pooled over T first.

    Fast path: when every embedding is a 1-D vector of one size, the rows are stacked and checked at once
    (finite, non-zero); each norm is ``sqrt(v @ v)`` per row (``np.vecdot``, the same dot product as
    :func:`numpy.linalg.norm` of one vector), so the numbers equal the per-segment path. Any failed check falls back to that path, which
    raises naming the segment.
    """
    try:
        values = [embeddings[uid] for uid in uids]
        mat = np.asarray(values, dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        mat = None
    if mat is not None and mat.ndim == 2 and mat.shape[0] and mat.shape[1]:
        if np.isfinite(mat.sum()) or np.all(np.isfinite(mat)):
            norms = np.sqrt(_row_dots(mat))
            if np.all(norms > 0):
                return mat / norms[:, None]
    return _embedding_matrix_per_segment(embeddings, uids)


def _row_dots(mat: np.ndarray) -> np.ndarray:
    """``row @ row`` of every row with the BLAS dot of :func:`numpy.linalg.norm` (``np.vecdot``, numpy >= 2)."""
    if hasattr(np, "vecdot"):
        return np.vecdot(mat, mat)
    return np.fromiter((row.dot(row) for row in mat), np.float64, mat.shape[0])  # numpy 1.x


def _embedding_matrix_per_segment(embeddings: Mapping[str, Any], uids: Sequence[str]) -> np.ndarray:
    """:func:`_embedding_matrix` one segment at a time, with a check (and an error naming it) per segment."""
    rows = []
    for uid in uids:
        if uid not in embeddings:
            raise InputValidationError(f"Expected an embedding for segment {uid!r}, but it is missing.")
        vec = np.asarray(embeddings[uid], dtype=np.float64)
        if vec.ndim == 2:
            vec = vec.mean(axis=0)
        if vec.ndim != 1 or vec.size == 0:
            raise InputValidationError(
                f"Expected a 1-D (or [T, D]) embedding for segment {uid!r}, "
                f"but got shape {np.shape(embeddings[uid])}."
            )
        if not np.all(np.isfinite(vec)):
            raise InputValidationError(f"Expected finite values in the embedding of segment {uid!r}.")
        norm = float(np.linalg.norm(vec))
        if norm <= 0:
            raise InputValidationError(
                f"Expected a non-zero embedding for segment {uid!r} (cosine is undefined)."
            )
        rows.append(vec / norm)
    dims = {r.size for r in rows}
    if len(dims) > 1:
        raise InputValidationError(
            f"Expected every embedding to have one dimension, but got sizes {sorted(dims)}."
        )
    return np.stack(rows) if rows else np.zeros((0, 0))


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


def module_embeddings(
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
class _TAIndex:
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
    def of(cls, protocol: CVTAProtocol) -> _TAIndex:
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
    emb = _embedding_matrix(embeddings, index.uids)
    q_emb = emb[index.query_rows]
    gallery_emb = emb[index.cells]
    row_sizes, positions = index.row_sizes, index.positions
    out = np.empty(index.order.size, dtype=np.int64)
    buffer = np.empty(max(CHUNK_CELLS, max(index.gallery_sizes)), dtype=np.float64)
    done = used = 0  # ranked queries so far / buffer cells in use

    def flush(upto: int) -> None:
        if upto == done:
            return
        lengths = row_sizes[done:upto]
        flat = buffer[:used]
        if lengths[0] == lengths[-1] and np.all(lengths == lengths[0]):
            block = flat.reshape(lengths.size, int(lengths[0]))
            out[done:upto] = optimistic_ranks(block, block[np.arange(lengths.size), positions[done:upto]])
            return
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        greater = flat > np.repeat(flat[starts + positions[done:upto]], lengths)
        out[done:upto] = 1 + np.add.reduceat(greater, starts, dtype=np.int64)

    bounds = index.query_bounds
    for j, (start, size) in enumerate(zip(index.gallery_offsets, index.gallery_sizes, strict=True)):
        g_rows_t = gallery_emb[start : start + size].T
        first, last = bounds[j], bounds[j + 1]
        step = max(1, CHUNK_CELLS // max(size, 1))
        for lo in range(first, last, step):
            hi = min(lo + step, last)
            cells = (hi - lo) * size
            if used + cells > buffer.size:
                flush(lo)
                done, used = lo, 0
            buffer[used : used + cells] = (q_emb[lo:hi] @ g_rows_t).ravel()
            used += cells
    flush(index.order.size)
    ranks[index.order] = out
    return ranks


def _ta_stats(protocol: CVTAProtocol, ranks: np.ndarray) -> CVTAStats:
    """Columnar query statistics of a protocol (pair code, evaluated flag) with the given ranks."""
    index = protocol.index
    return CVTAStats(index.stats_names, index.stats_codes, index.evaluated, ranks)


def cv_ta_inputs(embeddings: Mapping[str, Any], protocol: CVTAProtocol) -> dict[str, list[Any]]:
    """Keyword arguments for :func:`proceval.scores.cv_ta.cv_ta` (or the ``cv_ta`` evaluate module).

    Returns:
        ``predictions`` (cosine similarities over each query's gallery, None when not evaluable),
        ``references`` (positive index), ``pairs``, ``evaluable`` and ``query_ids`` (``"pair|query uid"``).
    """
    uids = protocol.index.uids
    needed = dict(zip(uids, range(len(uids)), strict=True))
    emb = _embedding_matrix(embeddings, uids)
    out: dict[str, list[Any]] = {
        "predictions": [],
        "references": [],
        "pairs": [],
        "evaluable": [],
        "query_ids": [],
    }
    for q in protocol.queries:
        ok = q.status == "evaluated"
        out["predictions"].append(
            emb[[needed[u] for u in q.gallery]] @ emb[needed[q.query_uid]] if ok else None
        )
        out["references"].append(q.gallery.index(q.positive_uid) if ok else None)
        out["pairs"].append(q.pair)
        out["evaluable"].append(ok)
        out["query_ids"].append(f"{q.pair}|{q.query_uid}")
    return out


def evaluate_cv_ta(
    embeddings_by_segment: Mapping[str, Any],
    protocol_queries: CVTAProtocol,
    *,
    ks: Sequence[int] = (1, 5),
    median_rank_reduction: str = "median_of_pairs",
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_embeddings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """CV-TA scores of segment embeddings under a protocol built by :func:`build_cv_ta_protocol`.

    Args:
        embeddings_by_segment: segment uid (``"{video_id}:{index}"``) -> embedding (``[D]``, or ``[T, D]``
            mean-pooled over T); L2-normalised here, so similarity is cosine. Every query, positive and
            gallery segment of an evaluable query needs one.
        protocol_queries: the protocol.
        ks: recall cut-offs.
        median_rank_reduction: ``median_of_pairs`` (official) or ``pooled``.
        bootstrap: query resamples for CIs.
        confidence: CI coverage.
        seed: resampling seed.
        paired_embeddings: a second system's embeddings for a paired bootstrap.

    Returns:
        The :func:`proceval.scores.cv_ta.cv_ta` result, plus ``protocol`` and ``per_pair_status_counts``.
    """
    _cv_ta_arg_validation("similarities", ks, median_rank_reduction)

    def stats_of(emb: Mapping[str, Any]) -> CVTAStats:
        return _ta_stats(protocol_queries, _ta_ranks(emb, protocol_queries))

    result = _cv_ta_result(
        stats_of(embeddings_by_segment),
        ks=list(ks),
        median_rank_reduction=median_rank_reduction,
        input_type="similarities",
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_stats=None if paired_embeddings is None else stats_of(paired_embeddings),
        signature_extra={"protocol": protocol_queries.protocol},
    )
    result["protocol"] = protocol_queries.protocol
    result["per_pair_status_counts"] = protocol_queries.counts()
    return result


# --------------------------------------------------------------------------------------------- CV-SMR


@dataclass(frozen=True)
class CVSMRProtocol:
    """CV-SMR candidate queries and the shared gallery (each query's gallery = other trial AND other view)."""

    queries: tuple[CVSegment, ...]
    gallery: tuple[CVSegment, ...]

    @property
    def segment_uids(self) -> frozenset[str]:
        """Uids of every query and gallery segment."""
        return frozenset(s.uid for s in chain(self.queries, self.gallery))

    def gallery_mask(self, query: CVSegment) -> np.ndarray:
        """Boolean mask over :attr:`gallery` of the items in ``query``'s gallery."""
        return np.asarray([g.trial != query.trial and g.view != query.view for g in self.gallery], dtype=bool)


def build_cv_smr_protocol(
    videos: Iterable[Mapping[str, Any]],
    *,
    trials: Iterable[str] | None = None,
    query_views: Sequence[str] = CV_FILE_VIEW_ORDER,
    gallery_views: Sequence[str] = CV_FILE_VIEW_ORDER,
) -> CVSMRProtocol:
    """Non-null segments of ``query_views`` as queries and of ``gallery_views`` as gallery (spec §3).

    Args:
        videos: CV video dicts.
        trials: trial-level split filter; None keeps all.
        query_views: default all five views, as the official launcher.
        gallery_views: default all five views.
    """
    for v in (*query_views, *gallery_views):
        check_choice("view", v, CV_FILE_VIEW_ORDER)
    segments = [s for s in cv_segments(videos, trials) if not s.is_null]
    return CVSMRProtocol(
        tuple(s for s in segments if s.view in query_views),
        tuple(s for s in segments if s.view in gallery_views),
    )


def cv_smr_inputs(embeddings: Mapping[str, Any], protocol: CVSMRProtocol) -> dict[str, list[Any]]:
    """Keyword arguments for :func:`proceval.scores.cv_smr.cv_smr`: per query its gallery's cosines and 0/1
    relevance (gallery order kept), ``query_views`` and ``query_ids``. Memory grows as queries x gallery."""
    q_emb = _embedding_matrix(embeddings, [q.uid for q in protocol.queries])
    g_emb = _embedding_matrix(embeddings, [g.uid for g in protocol.gallery])
    labels = np.asarray([g.label for g in protocol.gallery], dtype=object)
    out: dict[str, list[Any]] = {"predictions": [], "references": [], "query_views": [], "query_ids": []}
    for i, q in enumerate(protocol.queries):
        mask = protocol.gallery_mask(q)
        out["predictions"].append(g_emb[mask] @ q_emb[i] if mask.any() else np.zeros(0))
        out["references"].append(labels[mask] == q.label)
        out["query_views"].append(q.view)
        out["query_ids"].append(q.uid)
    return out


def _smr_stats(embeddings: Mapping[str, Any], protocol: CVSMRProtocol, ks: Sequence[int]) -> CVSMRStats:
    q_emb = _embedding_matrix(embeddings, [q.uid for q in protocol.queries])
    g_emb = _embedding_matrix(embeddings, [g.uid for g in protocol.gallery])
    codes: dict[str, int] = {}  # one integer code per trial / view / label string: fast comparisons

    def code(values: Iterable[str]) -> np.ndarray:
        return np.asarray([codes.setdefault(v, len(codes)) for v in values], dtype=np.int64)

    g_trial, g_view, g_label = (
        code(getattr(g, f) for g in protocol.gallery) for f in ("trial", "view", "label")
    )
    q_trial, q_view, q_label = (
        code(getattr(q, f) for q in protocol.queries) for f in ("trial", "view", "label")
    )
    q_view_names = [q.view for q in protocol.queries]
    stats = _StatsBuilder(ks)
    step = max(1, CHUNK_CELLS // max(len(protocol.gallery), 1))
    for lo in range(0, len(protocol.queries), step):
        sl = slice(lo, lo + step)
        sims = q_emb[sl] @ g_emb.T if len(protocol.gallery) else np.zeros((len(q_trial[sl]), 0))
        valid = (q_trial[sl, None] != g_trial[None, :]) & (q_view[sl, None] != g_view[None, :])
        rows = zip(sims, valid, q_label[sl], q_view_names[sl], protocol.queries[sl], strict=True)
        for row, keep, label, view, query in rows:
            stat = _query_stat(row[keep], g_label[keep] == label)
            if stat is None:  # unreachable with checked embeddings; kept so that nothing passes silently
                raise InputValidationError(f"Got a non-finite cosine for CV-SMR query {query.uid!r}.")
            stats.add(view, stat)
    return stats.build()


def evaluate_cv_smr(
    embeddings_by_segment: Mapping[str, Any],
    protocol: CVSMRProtocol,
    *,
    ks: Sequence[int] = (1, 5),
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_embeddings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """CV-SMR scores of segment embeddings (cosine of L2-normalised, mean-pooled features), chunked.

    Returns:
        The :func:`proceval.scores.cv_smr.cv_smr` result with per-query-view values.
    """
    _cv_smr_arg_validation(ks)
    ks = list(ks)
    return _cv_smr_result(
        _smr_stats(embeddings_by_segment, protocol, ks),
        ks=ks,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_stats=None if paired_embeddings is None else _smr_stats(paired_embeddings, protocol, ks),
    )


# --------------------------------------------------------------------------------------------- CV-SMC


def build_cv_smc_segments(
    videos: Iterable[Mapping[str, Any]],
    *,
    train_trials: Iterable[str],
    test_trials: Iterable[str],
    views: Sequence[str] = CV_FILE_VIEW_ORDER,
) -> tuple[list[CVSegment], list[CVSegment]]:
    """Non-null train and test segments of ``views`` with trial-level filtering (official CV-SMC).

    Under S1 a trial can appear in both bundles (the bundles are video-level), so the same segment can be in
    both lists; the official script keeps it that way. The label vocabulary is
    ``build_vocabulary([s.label for s in train + test], label_level)``.
    """
    videos = list(videos)
    train = [s for s in cv_segments(videos, train_trials) if not s.is_null and s.view in views]
    test = [s for s in cv_segments(videos, test_trials) if not s.is_null and s.view in views]
    return train, test


__all__ = [
    "CV_FILE_VIEW_ORDER",
    "CV_TA_PROTOCOLS",
    "CVSMRProtocol",
    "CVSegment",
    "CVTAProtocol",
    "CVTAQuery",
    "build_cv_smc_segments",
    "build_cv_smr_protocol",
    "build_cv_ta_protocol",
    "build_vocabulary",
    "cv_segments",
    "cv_smr_inputs",
    "cv_ta_inputs",
    "evaluate_cv_smr",
    "evaluate_cv_ta",
    "lcs_align",
    "load_cv_annotations",
    "segment_embedding",
    "split_trials",
]
