"""IMPACT PSR scoring: references, vocabularies, graphs and presets for :func:`proceval.scores.psr.psr_scores`.

:func:`score_psr` is the ``psr`` task's score function (``Task.score``). Its adapter options:

* ``events``: which reference events are scored —
  ``"graph"`` (default; the ms_tcn2 / videomae graph events derived from the dense ASR states, labels
  ``<component>__{install_ok,recover_ok,remove_ok}`` with the ms_tcn2 component alias, only nodes of the
  procedure graph in use), ``"csv"`` (the ``PSR_labels.csv`` completion events, labels = the 51 step
  descriptions of ``procedure_info_IMPACT.json``; integer step ids, IndustReal's ``"id"``, are mapped to
  them) or ``"gemini"`` (the same CSV events mapped as IMPACT's
  Gemini ``evaluate_psr.py`` does: ``<alias(component)>__install`` for "Install ..." steps,
  ``__remove`` for "Remove ...", incorrect installs dropped, with the PSR Gemini component alias).
* ``procedure_graph``: ``"released"`` (default; ``task_configs/PSR/gemini_3_1_pro/configs/
  procedure_graph.json``) or ``"learned"`` (mined from the train split's graph events with
  :func:`proceval.benchmarks.impact.procedure_learning.learn_procedure_graph`, as IMPACT's ms_tcn2
  pipeline does per split; ``events="graph"`` only). With ``"gemini"`` events the released graph is
  collapsed to ``install`` / ``remove`` nodes.
* ``input``: ``"events"`` (default; per video a list of events) or ``"states"`` (per video the dense
  ``[17][T]`` component states in {−1, 0, 1}, or run-length ``{"frames": [...], "states": [[17 ints],
  ...]}``; converted to graph events with
  :func:`proceval.benchmarks.impact.state_events.states_to_events`, ``events="graph"`` only).
* ``preset``: one official evaluator's convention at once (every field it fixes may be repeated with the
  same value, a different value raises) — :data:`PRESETS`.

Every event label of a prediction must be in the vocabulary of the chosen events (an unknown label
raises, naming the video and the event), and every frame must be below the video's ``num_frames``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from proceval.errors import InputValidationError
from proceval.registry import EvalContext
from proceval.scores.signature import with_context

if TYPE_CHECKING:
    import datasets

EVENTS = ("graph", "csv", "gemini")
GRAPH_SOURCES = ("released", "learned")
INPUTS = ("events", "states")

PRESETS: dict[str, dict[str, Any]] = {
    "gemini": {
        "events": "gemini",
        "procedure_graph": "released",
        "input": "events",
        "pos_variant": "partial_order",
        "matching": "nearest_nonzero",
        "occurrences": "first",
        "no_delay": "zero",
        "empty_video": "guard",
    },
    "ms_tcn2": {
        "events": "graph",
        "procedure_graph": "learned",
        "input": "states",
        "pos_variant": "partial_order",
        "matching": "nearest_nonzero",
        "occurrences": "all",
        "no_delay": "zero",
        "empty_video": "guard",
    },
    "industreal": {
        "events": "csv",
        "input": "events",
        "pos_variant": "sequential",
        "matching": "industreal",
        "occurrences": "all",
        "no_delay": "industreal",
        "empty_video": "guard",
    },
    "storm": {
        "events": "csv",
        "input": "events",
        "pos_variant": "sequential",
        "matching": "storm",
        "occurrences": "all",
        "no_delay": "zero",
        "empty_video": "guard",
    },
}
"""What each ``preset`` fixes.

* ``gemini``: IMPACT ``tasks/PSR/gemini_3_1_pro/evaluate_psr.py`` — ``PSR_labels.csv`` events collapsed to
  ``install`` / ``remove`` (34 labels, steps in component order), the collapsed released graph,
  first-completion semantics, |Δ| matching with 0 → ∞, partial-order POS, delay 0 when undefined.
* ``ms_tcn2``: IMPACT's ms_tcn2 / videomae PSR pipelines (``eval.py``) — dense state predictions turned
  into graph events, both sides kept to the nodes of a graph learned from the train split, steps in node
  order, |Δ| matching with 0 → ∞ (a single occurrence paired directly), partial-order POS.
* ``industreal``: IndustReal ``PSR/psr_utils.py`` ``determine_performance`` on the CSV step ids — steps in
  ``procedure_info`` order, strictly-later matching run for every step, true Damerau-Levenshtein POS,
  100 frames when no delay is defined, seconds at IndustReal's hard-coded 10 fps.
* ``storm``: STORM-PSR ``evaluation/utils/utils.py`` on IMPACT — as ``industreal`` with |Δ| matching
  (0 → ∞), 0 frames when no delay is defined and its hard-coded 10 fps (so IMPACT's 30-fps delays print
  ×3 in seconds); ``win_size`` (its temporal window) is the user's option.
"""

_PRESET_FPS = {"industreal": 10.0, "storm": 10.0}


def _resolve(options: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Pop the adapter options, apply the preset; return ``(adapter choices, preset)``."""
    preset = options.pop("preset", None)
    given = {k: options.pop(k) for k in ("events", "procedure_graph", "input") if k in options}
    if preset is not None:
        if preset not in PRESETS:
            raise InputValidationError(
                f"Expected argument `preset` to be one of {tuple(PRESETS)}, but got {preset!r}."
            )
        for key, value in PRESETS[preset].items():
            current = given.get(key, options.get(key, value))
            if current != value:
                raise InputValidationError(
                    f"Expected `{key}` to be {value!r} or left out with preset {preset!r} (the preset fixes "
                    f"it), but got {current!r}."
                )
            if key in ("events", "procedure_graph", "input"):
                given[key] = value
            else:
                options[key] = value
    choice = {
        "events": given.get("events", "graph"),
        "procedure_graph": given.get("procedure_graph", "released"),
        "input": given.get("input", "events"),
    }
    for key, allowed in (("events", EVENTS), ("procedure_graph", GRAPH_SOURCES), ("input", INPUTS)):
        if choice[key] not in allowed:
            raise InputValidationError(
                f"Expected argument `{key}` to be one of {allowed}, but got {choice[key]!r}."
            )
    if choice["events"] != "graph":
        for key, default in (("procedure_graph", "released"), ("input", "events")):
            if choice[key] != default and not (key == "procedure_graph" and choice["events"] == "gemini"):
                raise InputValidationError(
                    f"Expected `{key}={default!r}` with events={choice['events']!r} (only events='graph' "
                    f"supports {key}={choice[key]!r}), but got {choice[key]!r}."
                )
        if choice["events"] == "gemini" and choice["procedure_graph"] != "released":
            raise InputValidationError(
                "Expected `procedure_graph='released'` with events='gemini' (the Gemini evaluator collapses "
                f"the released graph), but got {choice['procedure_graph']!r}."
            )
    return choice, preset


def _component_event_labels(dataset_dir: Any) -> list[str]:
    """Every possible graph-event label: ``<ms_tcn2 alias(component)>__<type>`` for the 17 components."""
    from proceval.benchmarks.impact.configs.asr import reference_component_names
    from proceval.benchmarks.impact.formats.procedure_graph import load_component_alias
    from proceval.benchmarks.impact.state_events import EVENT_TYPES, component_labels

    names = component_labels(
        reference_component_names(dataset_dir), load_component_alias(dataset_dir, "ms_tcn2")
    )
    return [f"{name}__{kind}" for name in names for kind in EVENT_TYPES]


def gemini_step_labels(dataset_dir: Any) -> list[str]:
    """The Gemini evaluator's 34 step labels in its ``proc_info`` order.

    Per component (in ``component_names.json`` order, through the PSR Gemini alias): ``__install`` then
    ``__remove``.
    """
    from proceval.benchmarks.impact.configs.asr import reference_component_names
    from proceval.benchmarks.impact.formats.procedure_graph import load_component_alias
    from proceval.benchmarks.impact.state_events import component_labels

    names = component_labels(
        reference_component_names(dataset_dir), load_component_alias(dataset_dir, "psr_gemini")
    )
    return [f"{name}__{kind}" for name in names for kind in ("install", "remove")]


def gemini_reference_events(ds: datasets.Dataset, dataset_dir: Any) -> dict[str, list[dict[str, Any]]]:
    """``PSR_labels.csv`` events mapped to Gemini labels (``evaluate_psr.py`` ``load_gt_events``).

    A step's component is ``component_names[state_idx]`` through the PSR Gemini alias; steps whose
    description starts with "Install " become ``__install``, "Remove " ``__remove``; others (incorrect
    installs) are dropped.
    """
    from proceval.benchmarks.impact.configs.asr import reference_component_names
    from proceval.benchmarks.impact.configs.psr import procedure_info
    from proceval.benchmarks.impact.formats.procedure_graph import load_component_alias

    names = reference_component_names(dataset_dir)
    alias = load_component_alias(dataset_dir, "psr_gemini")
    label_of: dict[int, str | None] = {}
    for step in procedure_info(dataset_dir):
        component = alias.get(names[step.state_idx], names[step.state_idx])
        if step.description.startswith("Install "):
            label_of[step.id] = f"{component}__install"
        elif step.description.startswith("Remove "):
            label_of[step.id] = f"{component}__remove"
        else:
            label_of[step.id] = None
    return {
        vid: [
            {"frame": e["frame"], "label": label_of[e["step_id"]]}
            for e in evs
            if label_of[e["step_id"]] is not None
        ]
        for vid, evs in zip(ds["video_id"], ds["completion_events"], strict=True)
    }


def gemini_prereq(
    prereq: Mapping[str, Sequence[str]], valid: Sequence[str], alias: Mapping[str, str]
) -> dict[str, list[str]]:
    """The Gemini evaluator's collapsed graph.

    ``install_ok → install``, ``recover_ok``/``remove_ok`` → ``remove`` (components through ``alias``),
    keeping only ``valid`` labels and no self-loops; every valid label is a key.
    """
    from proceval.benchmarks.impact.state_events import collapse_event_label

    keep = set(valid)
    out: dict[str, set[str]] = {label: set() for label in valid}
    for dst, srcs in prereq.items():
        d = collapse_event_label(dst, alias)
        if d is None or d not in keep:
            continue
        for src in srcs:
            s = collapse_event_label(src, alias)
            if s is not None and s in keep and s != d:
                out[d].add(s)
    return {k: sorted(v) for k, v in out.items()}


def learned_graph(ctx: EvalContext) -> Any:
    """The graph IMPACT's ms_tcn2 pipeline learns from the train split's graph events (all event types)."""
    from proceval.benchmarks.impact.procedure_learning import learn_procedure_graph, split_graph_sequences

    train = ctx.load_split("train")
    return learn_procedure_graph(split_graph_sequences(train["graph_events"]))


def _event_label(event: Any) -> Any:
    if isinstance(event, Mapping):
        return event.get("label", event.get("id"))
    if isinstance(event, (list, tuple)) and len(event) in (2, 3):
        return event[1]
    return None


def _looks_like_states(pred: Any) -> bool:
    if isinstance(pred, Mapping):
        return set(pred) == {"frames", "states"}
    if isinstance(pred, (list, tuple)) and pred and isinstance(pred[0], (list, tuple)) and len(pred[0]) > 3:
        return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in pred[0][:4])
    return hasattr(pred, "ndim") and getattr(pred, "ndim", 0) == 2


def check_vocabulary(predictions: Mapping[str, Any] | None, vocabulary: Sequence[Any], events: str) -> None:
    """Refuse a prediction label outside ``vocabulary`` (naming the video and the event).

    Malformed events are left to :func:`proceval.scores.psr.psr_scores`, which names them.
    """
    if predictions is None or not isinstance(predictions, Mapping):
        return
    known = set(vocabulary)
    for vid, evs in predictions.items():
        if _looks_like_states(evs):
            raise InputValidationError(
                f"Expected the prediction of {vid!r} to be a list of step events, but got what looks like "
                "component states; pass `-o input=states` (option input='states') to score dense states."
            )
        if isinstance(evs, (str, bytes, Mapping)) or not isinstance(evs, Sequence):
            continue
        for i, event in enumerate(evs):
            label = _event_label(event)
            if label is None or label in known:
                continue
            try:
                hash(label)
            except TypeError:
                continue
            examples = ", ".join(repr(v) for v in list(vocabulary)[:3])
            raise InputValidationError(
                f"Expected the label of event {i} of the prediction of {vid!r} to be one of the "
                f"{len(known)} step labels of events={events!r} (e.g. {examples}), but got {label!r}."
            )


def _state_array(pred: Any, num_frames: int, video_id: str) -> Any:
    """A dense state prediction, or a run-length one ``{"frames", "states"}`` expanded to ``num_frames``."""
    import numpy as np

    from proceval.benchmarks.impact.formats.asr import dense_states_from_runs

    if isinstance(pred, Mapping):
        if set(pred) != {"frames", "states"}:
            raise InputValidationError(
                f"Expected a state array or {{'frames', 'states'}} for {video_id!r}, but got keys {sorted(pred)}."
            )
        try:
            return dense_states_from_runs(pred["frames"], pred["states"], num_frames)
        except ValueError as exc:
            raise InputValidationError(f"Bad run-length state prediction for {video_id!r}: {exc}") from exc
    return np.asarray(pred)


def step_ids_to_names(predictions: Any, names: Sequence[str]) -> Any:
    """Map integer step ids (IndustReal's ``"id"``) of CSV-event predictions to step descriptions.

    An event's ``"label"`` (or ``"id"``) that is an integer in ``[0, len(names))`` becomes
    ``names[id]``; other values are left for :func:`check_vocabulary` to refuse.
    """
    if not isinstance(predictions, Mapping):
        return predictions

    def convert(event: Any) -> Any:
        if isinstance(event, Mapping):
            key = "label" if "label" in event else "id"
            value = event.get(key)
            if _is_step_id(value, len(names)):
                out = {k: v for k, v in event.items() if k != key}
                out["label"] = names[int(value)]
                return out
        elif isinstance(event, (list, tuple)) and len(event) in (2, 3) and _is_step_id(event[1], len(names)):
            return type(event)([event[0], names[int(event[1])], *event[2:]])
        return event

    return {
        vid: [convert(e) for e in evs] if isinstance(evs, (list, tuple)) else evs
        for vid, evs in predictions.items()
    }


def _is_step_id(value: Any, n: int) -> bool:
    import numpy as np

    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value < n


def states_to_prediction_events(
    predictions: Mapping[str, Any] | None,
    num_frames: Mapping[str, int],
    dataset_dir: Any,
    nodes: Sequence[str],
) -> dict[str, list[dict[str, Any]]] | None:
    """Dense (or run-length) state predictions → graph events (``states_to_events``, nodes kept only)."""
    from proceval.benchmarks.impact.configs.asr import reference_component_names
    from proceval.benchmarks.impact.formats.procedure_graph import load_component_alias
    from proceval.benchmarks.impact.state_events import states_to_events

    if predictions is None:
        return None
    if not isinstance(predictions, Mapping):
        raise InputValidationError(
            f"Expected the predictions to be a mapping by video id, but got {type(predictions).__name__}."
        )
    names = reference_component_names(dataset_dir)
    alias = load_component_alias(dataset_dir, "ms_tcn2")
    out = {}
    for vid, pred in predictions.items():
        states = _state_array(pred, int(num_frames.get(vid, 0)), vid)
        out[vid] = states_to_events(states, names, graph_nodes=nodes, alias=alias, video_id=vid)
    return out


def score_psr(
    ds: datasets.Dataset, predictions: Any, options: Mapping[str, Any], ctx: EvalContext, paired: Any = None
) -> dict[str, Any]:
    """PSR scores of a ``psr`` config: references, graph and vocabulary from the adapter options (module doc).

    Unless a preset fixes them, ``fps`` is the split's frame rate (30.0 for an empty split) and
    ``matching`` is ``"nearest_nonzero"`` (IMPACT's ``evaluate_psr.py`` pairing). The signature records the
    resolved ``events``, ``pgraph`` (graph source) and ``in`` (input kind), and the runner adds ``preset``.

    Raises:
        InputValidationError: an unknown adapter option value, a preset conflict, an unknown prediction
            label, an event past the video's end, or the errors of ``psr_scores``.
    """
    from proceval.benchmarks.impact.formats.procedure_graph import load_component_alias, load_procedure_graph
    from proceval.scores.psr import psr_scores

    options = dict(options)
    choice, preset = _resolve(options)
    dataset_dir = ctx.dataset_dir
    fps = float(ds["fps"][0]) if len(ds) else 30.0
    num_frames = {vid: int(n) for vid, n in zip(ds["video_id"], ds["num_frames"], strict=True)}
    events = choice["events"]
    if events == "graph":
        if choice["procedure_graph"] == "learned":
            graph = learned_graph(ctx)
            nodes, prereq = list(graph.nodes), dict(graph.prereq)
        else:
            released = load_procedure_graph(dataset_dir, "psr")
            nodes, prereq = list(released.nodes), {k: list(v) for k, v in released.prereq.items()}
        keep = set(nodes)
        refs = {
            vid: [{"frame": e["frame"], "label": e["label"]} for e in evs if e["label"] in keep]
            for vid, evs in zip(ds["video_id"], ds["graph_events"], strict=True)
        }
        options.setdefault("prereq", prereq)
        vocabulary = sorted(set(_component_event_labels(dataset_dir)) | keep)
        if choice["input"] == "states":
            predictions = states_to_prediction_events(predictions, num_frames, dataset_dir, nodes)
            paired = states_to_prediction_events(paired, num_frames, dataset_dir, nodes)
    elif events == "csv":
        names = ds.features["completion_events"].feature["step_id"].names
        refs = {
            vid: [{"frame": e["frame"], "label": names[e["step_id"]]} for e in evs]
            for vid, evs in zip(ds["video_id"], ds["completion_events"], strict=True)
        }
        options.setdefault("pos_variant", "sequential")
        vocabulary = list(names)
        predictions, paired = step_ids_to_names(predictions, names), step_ids_to_names(paired, names)
        if preset in ("industreal", "storm"):
            options["labels"] = list(names)  # the reference iterates proc_info in step-id order
    else:  # gemini
        vocabulary = gemini_step_labels(dataset_dir)
        refs = gemini_reference_events(ds, dataset_dir)
        released = load_procedure_graph(dataset_dir, "psr")
        options.setdefault(
            "prereq",
            gemini_prereq(released.prereq, vocabulary, load_component_alias(dataset_dir, "psr_gemini")),
        )
        options["labels"] = vocabulary
    check_vocabulary(predictions, vocabulary, events)
    check_vocabulary(paired, vocabulary, events)
    options.setdefault("fps", _PRESET_FPS.get(preset or "", fps))
    options.setdefault("matching", "nearest_nonzero")  # IMPACT's evaluate_psr.py pairing
    options.setdefault("num_frames", num_frames)
    result = psr_scores(predictions, refs, paired_predictions=paired, **options)
    signed = {"events": events, "pgraph": choice["procedure_graph"] if events == "graph" else None}
    signed["in"] = choice["input"] if choice["input"] != "events" else None
    result["signature"] = with_context(result["signature"], signed)
    return result


__all__ = [
    "EVENTS",
    "GRAPH_SOURCES",
    "INPUTS",
    "PRESETS",
    "check_vocabulary",
    "gemini_prereq",
    "gemini_reference_events",
    "gemini_step_labels",
    "learned_graph",
    "score_psr",
    "states_to_prediction_events",
]
