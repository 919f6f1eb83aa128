"""IMPACT dense component states ↔ step-completion events (IMPACT spec §7.2 and §8).

IMPACT's assembly-state annotations give, per video, a state in {−1, 0, 1} for each of 17 components
and every frame (1 = installed, 0 = not installed, −1 = the in-between state). Two conversions are
needed by the PSR and ASR scores:

* :func:`dense_states_from_sequence` turns the ASR JSON ``state_sequence`` (states at change frames)
  into a dense ``[C, T]`` array: ``state_sequence[i]`` holds on frames ``[frame_i, frame_{i+1})`` and the
  last entry runs to ``frame_count`` (exclusive).
* :func:`states_to_events` turns a dense ``[C, T]`` array into step-completion events the way IMPACT's
  ms_tcn2 / videomae / "indirect" PSR pipelines do (``transition_to_event``): 0→1 ``install_ok``,
  −1→1 ``recover_ok``, 1→0 ``remove_ok``; 0→−1 (``install_bad``), −1→0 and 1→−1 produce no event.
  Only labels that are nodes of the procedure graph are kept; events of one frame come out in component
  index order; every event has ``conf = 1``.

The Gemini variant (``evaluate_psr.py``) collapses graph labels (``install_ok → install``,
``recover_ok``/``remove_ok`` → ``remove``) and keeps only the first occurrence of each label:
:func:`collapse_event_label`, :func:`collapse_prereq` and :func:`first_occurrences`.

:func:`psr_from_states` scores dense state predictions with :func:`proceval.scores.psr.psr_scores`
after this conversion (the generic PSR scores know nothing of IMPACT's components or graph).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores.options import Uncertainty, opt
from proceval.scores.psr import (
    EmptyVideo,
    Matching,
    NoDelay,
    Occurrences,
    PosVariant,
    PsrOptions,
    psr_scores,
    psr_signature,
)

EVENT_TYPES: tuple[str, ...] = ("install_ok", "recover_ok", "remove_ok")
"""Event types that are procedure-graph nodes (``procedure_graph.json`` ``meta.event_types``)."""

_TRANSITIONS: dict[tuple[int, int], str] = {
    (0, 1): "install_ok",
    (-1, 1): "recover_ok",
    (1, 0): "remove_ok",
    (0, -1): "install_bad",
}


def dense_states_from_sequence(
    state_sequence: Sequence[Mapping[str, Any]], frame_count: int, *, video_id: Any = None
) -> np.ndarray:
    """Expand an ASR ``state_sequence`` to one state per frame.

    Args:
        state_sequence: ``[{"frame": int, "state": [C ints in {-1, 0, 1}]}, ...]`` with strictly
            increasing frames, the first at frame 0 (0-based frame indices).
        frame_count: number of frames T of the video; the last state holds up to frame T − 1.
        video_id: used in error messages only.

    Returns:
        ``int8`` array of shape ``[C, T]``; ``out[c, t]`` is component c's state at frame t.

    Raises:
        InputValidationError: empty sequence, first frame not 0, frames not strictly increasing or
            outside ``[0, frame_count)``, states of different lengths or values outside {−1, 0, 1}.

    Example:
        >>> dense_states_from_sequence([{"frame": 0, "state": [0, 1]}, {"frame": 2, "state": [1, 1]}], 4)
        array([[0, 0, 1, 1],
               [1, 1, 1, 1]], dtype=int8)
    """
    where = f" of {video_id!r}" if video_id is not None else ""
    if isinstance(frame_count, bool) or not isinstance(frame_count, (int, np.integer)) or frame_count < 1:
        raise InputValidationError(
            f"Expected `frame_count`{where} to be a positive integer, but got {frame_count!r}."
        )
    if len(state_sequence) == 0:
        raise InputValidationError(f"Expected a non-empty `state_sequence`{where}, but got none.")
    frames = []
    states = []
    for i, entry in enumerate(state_sequence):
        if not isinstance(entry, Mapping) or "frame" not in entry or "state" not in entry:
            raise InputValidationError(
                f"Expected `state_sequence[{i}]`{where} to be a mapping with 'frame' and 'state', "
                f"but got {entry!r}."
            )
        frames.append(int(entry["frame"]))
        states.append(list(entry["state"]))
    if frames[0] != 0:
        raise InputValidationError(
            f"Expected `state_sequence`{where} to start at frame 0, but it starts at {frames[0]}."
        )
    for i in range(1, len(frames)):
        if frames[i] <= frames[i - 1]:
            raise InputValidationError(
                f"Expected strictly increasing frames in `state_sequence`{where}, but entry {i} has frame "
                f"{frames[i]} after {frames[i - 1]}."
            )
    if frames[-1] >= frame_count:
        raise InputValidationError(
            f"Expected every `state_sequence` frame{where} to be below `frame_count` ({frame_count}), "
            f"but got {frames[-1]}."
        )
    n_comp = len(states[0])
    for i, state in enumerate(states):
        if len(state) != n_comp:
            raise InputValidationError(
                f"Expected {n_comp} component states in `state_sequence[{i}]`{where}, but got {len(state)}."
            )
    table = np.asarray(states, dtype=np.int64)
    bad = ~np.isin(table, (-1, 0, 1))
    if bad.any():
        i, c = np.argwhere(bad)[0].tolist()
        raise InputValidationError(
            f"Expected states in {{-1, 0, 1}}{where}, but `state_sequence[{i}]` has {table[i, c]} "
            f"for component {c}."
        )
    lengths = np.diff(np.asarray([*frames, frame_count]))
    return np.repeat(table.astype(np.int8).T, lengths, axis=1)


def transition_to_event(prev: int, curr: int) -> str | None:
    """Event type of one component's state change (IMPACT ``transition_to_event``).

    Returns ``"install_ok"`` (0→1), ``"recover_ok"`` (−1→1), ``"remove_ok"`` (1→0), ``"install_bad"``
    (0→−1, which is not a graph event type) and ``None`` for no change, −1→0 and 1→−1.

    Example:
        >>> pairs = [(0, 1), (-1, 1), (1, 0), (0, -1), (-1, 0), (1, -1), (1, 1)]
        >>> [transition_to_event(a, b) for a, b in pairs]
        ['install_ok', 'recover_ok', 'remove_ok', 'install_bad', None, None, None]
    """
    return _TRANSITIONS.get((int(prev), int(curr)))


def _check_state_array(states: Any, video_id: Any, n_components: int | None = None) -> np.ndarray:
    arr = np.asarray(states)
    where = f" for {video_id!r}" if video_id is not None else ""
    if arr.ndim != 2:
        raise InputValidationError(
            f"Expected a [components, frames] state array{where}, but got shape {arr.shape}."
        )
    if n_components is not None and arr.shape[0] != n_components:
        raise InputValidationError(
            f"Expected {n_components} components in the state array{where}, but got {arr.shape[0]}."
        )
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise InputValidationError(f"Expected integer states{where}, but got non-integer floats.")
    elif arr.dtype.kind not in "iub":
        raise InputValidationError(f"Expected integer states{where}, but got dtype {arr.dtype}.")
    arr = arr.astype(np.int64, copy=False)
    bad = ~np.isin(arr, (-1, 0, 1))
    if bad.any():
        c, t = np.argwhere(bad)[0].tolist()
        raise InputValidationError(
            f"Expected states in {{-1, 0, 1}}{where}, but component {c} has {arr[c, t]} at frame {t}."
        )
    return arr


def component_labels(component_names: Sequence[str], alias: Mapping[str, str] | None = None) -> list[str]:
    """Canonical component names: ``alias.get(name, name)`` for each raw name, in component order.

    Example:
        >>> component_labels(["M6_nut", "spring"], {"M6_nut": "nut_M6"})
        ['nut_M6', 'spring']
    """
    alias = alias or {}
    return [str(alias.get(name, name)) for name in component_names]


def states_to_events(
    states: Any,
    component_names: Sequence[str],
    *,
    graph_nodes: Collection[str] | None = None,
    alias: Mapping[str, str] | None = None,
    video_id: Any = None,
) -> list[dict[str, Any]]:
    """Step-completion events from a dense ``[C, T]`` state array (IMPACT spec §7.2).

    For every frame t ≥ 1 and component c with ``states[c, t] != states[c, t-1]``, the change maps to
    an event type by :func:`transition_to_event`; the event label is ``f"{component}__{type}"`` with the
    component name passed through ``alias``. A label is kept only if it is in ``graph_nodes`` (by
    default the three graph event types ``install_ok``, ``recover_ok``, ``remove_ok`` are kept, so
    ``install_bad`` never is). Events come out by frame, and within a frame in component index order.

    Args:
        states: ``[C, T]`` integer array with values in {−1, 0, 1} (frame indices are 0-based; if the
            array was subsampled, frames are in subsampled units).
        component_names: the C raw component names in component index order.
        graph_nodes: labels to keep (the procedure graph's ``nodes``); None keeps every label whose type
            is in :data:`EVENT_TYPES`.
        alias: raw → canonical component names (``component_alias.json``); names not in it stay.
        video_id: used in error messages only.

    Returns:
        ``[{"frame": t, "label": str, "conf": 1}, ...]`` in time order.

    Raises:
        InputValidationError: bad shape, non-integer or out-of-range states, wrong number of names.

    Example:
        >>> s = np.array([[0, 0, 1, 1], [1, -1, -1, 0], [-1, -1, 1, 1]])
        >>> [(e["frame"], e["label"]) for e in states_to_events(s, ["a", "b", "c"])]
        [(2, 'a__install_ok'), (2, 'c__recover_ok')]
    """
    arr = _check_state_array(states, video_id, len(component_names))
    names = component_labels(component_names, alias)
    keep = set(graph_nodes) if graph_nodes is not None else None
    if arr.shape[1] < 2:
        return []
    changed = np.nonzero((arr[:, 1:] != arr[:, :-1]).T)  # (frame-1, component), frame-major order
    events = []
    for t0, c in zip(changed[0].tolist(), changed[1].tolist(), strict=True):
        kind = transition_to_event(arr[c, t0], arr[c, t0 + 1])
        if kind is None:
            continue
        label = f"{names[c]}__{kind}"
        if keep is None:
            if kind not in EVENT_TYPES:
                continue
        elif label not in keep:
            continue
        events.append({"frame": t0 + 1, "label": label, "conf": 1})
    return events


def collapse_event_label(label: str, alias: Mapping[str, str] | None = None) -> str | None:
    """Gemini label collapse: ``comp__install_ok → comp__install``, ``recover_ok``/``remove_ok`` → ``remove``.

    Returns None for labels without ``__`` or of another type (e.g. ``install_bad``).

    Example:
        >>> collapse_event_label("washer__recover_ok")
        'washer__remove'
        >>> collapse_event_label("M6_nut__install_ok", {"M6_nut": "nut_M6"})
        'nut_M6__install'
    """
    if "__" not in label:
        return None
    comp, kind = label.split("__", 1)
    comp = (alias or {}).get(comp, comp)
    if kind == "install_ok":
        return f"{comp}__install"
    if kind in ("recover_ok", "remove_ok"):
        return f"{comp}__remove"
    return None


def collapse_prereq(
    prereq: Mapping[str, Sequence[str]], alias: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """Collapse a procedure graph's ``prereq`` map with :func:`collapse_event_label` (Gemini variant).

    Labels that do not collapse are dropped, as are self-loops created by the collapse.

    Example:
        >>> collapse_prereq({"a__recover_ok": ["b__install_ok", "a__install_ok", "a__remove_ok"]})
        {'a__remove': ['a__install', 'b__install']}
    """
    out: dict[str, set[str]] = {}
    for dst, srcs in prereq.items():
        d = collapse_event_label(dst, alias)
        if d is None:
            continue
        bucket = out.setdefault(d, set())
        for src in srcs:
            s = collapse_event_label(src, alias)
            if s is not None and s != d:
                bucket.add(s)
    return {k: sorted(v) for k, v in out.items()}


def first_occurrences(events: Iterable[Mapping[str, Any]], key: str = "label") -> list[dict[str, Any]]:
    """Keep only the first event of each label (Gemini's first-completion semantics), in order.

    Example:
        >>> [e["frame"] for e in first_occurrences([{"frame": 1, "label": "a"}, {"frame": 2, "label": "a"},
        ...                                         {"frame": 3, "label": "b"}])]
        [1, 3]
    """
    seen: set[Any] = set()
    out = []
    for event in events:
        lab = event[key]
        if lab in seen:
            continue
        seen.add(lab)
        out.append(dict(event))
    return out


EventLabels = Literal["graph", "collapsed"]


@dataclass(frozen=True)
class PsrStatesOptions(PsrOptions):
    """:class:`~proceval.scores.psr.PsrOptions` plus how state changes become event labels (``ev``)."""

    score_name: ClassVar[str] = "psr_from_states"
    event_labels: EventLabels = opt("graph", "ev")


def psr_from_states(
    predictions: Sequence[Any] | Mapping[Any, Any],
    references: Sequence[Any] | Mapping[Any, Any],
    *,
    component_names: Sequence[str],
    graph_nodes: Sequence[str],
    prereq: Mapping[str, Sequence[str]],
    fps: float,
    alias: Mapping[str, str] | None = None,
    event_labels: EventLabels = "graph",
    pos_variant: PosVariant = "partial_order",
    matching: Matching = "nearest_nonzero",
    empty_video: EmptyVideo = "guard",
    no_delay: NoDelay = "zero",
    occurrences: Occurrences = "all",
    ids: Sequence[Hashable] | None = None,
    return_per_video: bool = False,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Any, Any] | None = None,
) -> dict[str, Any]:
    """PSR scores of dense ``[C, T]`` state predictions against dense GT states (IMPACT spec §7.2).

    Both sides are converted by :func:`states_to_events` (only labels in ``graph_nodes`` count), then
    scored by :func:`proceval.scores.psr.psr_scores`.

    Args:
        predictions: per video a ``[C, T]`` int array (−1/0/1); list or mapping by video id.
        references: the GT state arrays, same form.
        component_names: raw component names in component index order (the ASR JSON ``components``).
        graph_nodes: ``procedure_graph.json["nodes"]``.
        prereq: ``procedure_graph.json["prereq"]``.
        fps: video frame rate (30 for IMPACT); state frames are video frames, so delays in seconds are
            frames / ``fps`` (``sample_rate`` 1).
        alias: ``component_alias.json`` (raw → canonical component names).
        event_labels: ``"graph"`` (default; ``install_ok``/``recover_ok``/``remove_ok``) or
            ``"collapsed"`` (Gemini: ``install`` / ``remove`` labels and a collapsed graph).
        pos_variant: ``"partial_order"`` (default) or ``"sequential"``, as in
            :func:`proceval.scores.psr.psr_scores`.
        matching: how same-label GT and predicted events are paired (default ``"nearest_nonzero"``, IMPACT's
            ``evaluate_psr.py``), as in :func:`~proceval.scores.psr.psr_scores`.
        empty_video: per-video F1 when GT and prediction are both empty (``"guard"`` or ``"one"``).
        no_delay: per-video delay when no GT event has a defined delay (``"zero"`` or ``"industreal"``).
        occurrences: ``"all"`` (default) or ``"first"`` (only the first event of each label).
        ids: ids for list inputs (event conversion errors, per-video output).
        return_per_video: add ``per_video`` (id → that video's statistics).
        bootstrap: number of video resamples for percentile CIs (0 = none).
        confidence: CI coverage.
        seed: bootstrap seed.
        paired_predictions: a second system's state arrays, same form as ``predictions``.

    Returns:
        The :func:`proceval.scores.psr.psr_scores` result dict; its signature adds ``ev`` (the
        ``event_labels`` choice).
    """
    options = PsrStatesOptions(
        pos_variant=pos_variant,
        matching=matching,
        empty_video=empty_video,
        no_delay=no_delay,
        occurrences=occurrences,
        event_labels=event_labels,
    )
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)

    def convert(states: Any, uid: Any) -> list[dict[str, Any]]:
        events = states_to_events(states, component_names, graph_nodes=graph_nodes, alias=alias, video_id=uid)
        if options.event_labels == "collapsed":
            events = [{**e, "label": collapse_event_label(e["label"])} for e in events]
        return events

    def convert_all(side: Any) -> Any:
        if isinstance(side, Mapping):
            return {k: convert(v, k) for k, v in side.items()}
        return [convert(v, ids[i] if ids is not None else f"#{i}") for i, v in enumerate(side)]

    graph = collapse_prereq(prereq) if options.event_labels == "collapsed" else prereq
    result = psr_scores(
        convert_all(predictions),
        convert_all(references),
        fps=fps,
        prereq=graph,
        pos_variant=options.pos_variant,
        matching=options.matching,
        empty_video=options.empty_video,
        no_delay=options.no_delay,
        occurrences=options.occurrences,
        ids=ids,
        return_per_video=return_per_video,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_predictions=None if paired_predictions is None else convert_all(paired_predictions),
    )
    result["signature"] = psr_signature(options, uncertainty, fps=fps, prereq=graph)
    return result


Input = Literal["events", "states"]


def _looks_like_state_rows(side: Any) -> bool:
    videos = list(side.values()) if isinstance(side, Mapping) else list(side)
    for video in videos:
        arr = video if isinstance(video, np.ndarray) else None
        if arr is None and isinstance(video, (list, tuple)) and video and isinstance(video[0], (list, tuple)):
            row = video[0]
            return len(row) > 3 and all(isinstance(x, (int, np.integer)) for x in row[:4])
        if arr is not None:
            return arr.ndim == 2
    return False


def psr_scores_or_states(
    predictions: Sequence[Any] | Mapping[Any, Any],
    references: Sequence[Any] | Mapping[Any, Any],
    *,
    input: Input = "events",
    component_names: Sequence[str] | None = None,
    graph_nodes: Sequence[str] | None = None,
    alias: Mapping[str, str] | None = None,
    event_labels: EventLabels = "graph",
    fps: float | None = None,
    prereq: Mapping[Hashable, Sequence[Hashable]] | None = None,
    labels: Sequence[Hashable] | None = None,
    pos_variant: PosVariant = "partial_order",
    matching: Matching = "nearest_nonzero",
    empty_video: EmptyVideo = "guard",
    no_delay: NoDelay = "zero",
    occurrences: Occurrences = "all",
    sample_rate: int = 1,
    win_size: int | None = None,
    num_frames: Sequence[int] | Mapping[Any, int] | None = None,
    ids: Sequence[Any] | None = None,
    return_per_video: bool = False,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Any, Any] | None = None,
) -> dict[str, Any]:
    """PSR scores of step-completion events or of dense IMPACT state arrays (the ``psr`` metric module).

    ``input="events"`` (default) calls :func:`proceval.scores.psr.psr_scores` with the event options;
    ``input="states"`` calls :func:`psr_from_states` (both sides are ``[C, T]`` state arrays turned into
    graph events; ``component_names``, ``graph_nodes`` and ``prereq`` are required, ``alias`` and
    ``event_labels`` apply). See those functions for every other argument.

    Raises:
        InputValidationError: an option that does not apply to ``input`` (``component_names`` with
            events; ``labels``, ``sample_rate``, ``win_size`` or ``num_frames`` with states), missing
            state-conversion arguments, or state arrays passed as events.
    """
    if input not in ("events", "states"):
        raise InputValidationError(
            f"Expected argument `input` to be 'events' or 'states', but got {input!r}."
        )
    if input == "events":
        for name, value in (
            ("component_names", component_names),
            ("graph_nodes", graph_nodes),
            ("alias", alias),
        ):
            if value is not None:
                raise InputValidationError(
                    f"Expected no `{name}` with input='events' (it converts state arrays), but got one; "
                    "pass input='states' to score dense states."
                )
        if event_labels != "graph":
            raise InputValidationError(
                f"Expected `event_labels='graph'` with input='events', but got {event_labels!r}."
            )
        if _looks_like_state_rows(predictions):
            raise InputValidationError(
                "Expected step events with input='events', but the predictions look like [components, frames] "
                "state arrays; pass input='states' (with component_names, graph_nodes and prereq)."
            )
        return psr_scores(
            predictions,
            references,
            fps=fps,
            prereq=prereq,
            labels=labels,
            pos_variant=pos_variant,
            matching=matching,
            empty_video=empty_video,
            no_delay=no_delay,
            occurrences=occurrences,
            sample_rate=sample_rate,
            win_size=win_size,
            num_frames=num_frames,
            ids=ids,
            return_per_video=return_per_video,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
    for name, value, default in (
        ("labels", labels, None),
        ("sample_rate", sample_rate, 1),
        ("win_size", win_size, None),
        ("num_frames", num_frames, None),
    ):
        if value != default:
            raise InputValidationError(
                f"Expected argument `{name}` to be left at {default!r} with input='states', but got {value!r}."
            )
    missing = [
        n for n, v in (("component_names", component_names), ("graph_nodes", graph_nodes)) if v is None
    ]
    if prereq is None:
        missing.append("prereq")
    if missing:
        raise InputValidationError(
            f"Expected {', '.join(f'`{m}`' for m in missing)} with input='states' (the state → event "
            "conversion needs them), but got None."
        )
    return psr_from_states(
        predictions,
        references,
        component_names=component_names,
        graph_nodes=graph_nodes,
        prereq=prereq,
        fps=fps,
        alias=alias,
        event_labels=event_labels,
        pos_variant=pos_variant,
        matching=matching,
        empty_video=empty_video,
        no_delay=no_delay,
        occurrences=occurrences,
        ids=ids,
        return_per_video=return_per_video,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_predictions=paired_predictions,
    )
