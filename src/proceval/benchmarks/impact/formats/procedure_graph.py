"""PSR prerequisite graphs and component alias maps from the release's ``task_configs/``.

Files (``task_configs`` is the sibling of ``dataset/`` in ``impact-release/``):

* ``PSR/gemini_3_1_pro/configs/procedure_graph.json`` and ``ASR/gemini_3_1_pro/configs/...``:
  ``{meta, nodes, edges: [[a, b], ...], prereq: {node: [prerequisites]}}`` with nodes
  ``<component>__{install_ok,recover_ok,remove_ok}``. The PSR and ASR copies differ slightly (the
  PSR copy was mined from 92 videos, the ASR copy from 85); IMPACT's PSR evaluators use the PSR copy.
* ``*/configs/component_alias.json``: raw component name → canonical name. The ms_tcn2 and
  videomae_v2_head PSR pipelines (and the ASR Gemini wrapper) share one map; the PSR Gemini wrapper
  has its own.

This module also turns a state sequence into graph events as IMPACT's ms_tcn2 PSR pipeline does
(:func:`transition_to_event`, :func:`state_graph_events`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from proceval.benchmarks.impact.state_events import EVENT_TYPES, transition_to_event
from proceval.errors import ReleaseFormatError
from proceval.io import read_json

GRAPH_EVENT_TYPES: tuple[str, ...] = EVENT_TYPES
GraphCopy = Literal["psr", "asr"]
AliasCopy = Literal["ms_tcn2", "videomae_v2_head", "psr_gemini", "asr_gemini"]
GRAPH_PATHS: dict[str, str] = {
    "psr": "PSR/gemini_3_1_pro/configs/procedure_graph.json",
    "asr": "ASR/gemini_3_1_pro/configs/procedure_graph.json",
}
ALIAS_PATHS: dict[str, str] = {
    "ms_tcn2": "PSR/ms_tcn2/configs/component_alias.json",
    "videomae_v2_head": "PSR/videomae_v2_head/configs/component_alias.json",
    "psr_gemini": "PSR/gemini_3_1_pro/configs/component_alias.json",
    "asr_gemini": "ASR/gemini_3_1_pro/configs/component_alias.json",
}


@dataclass(frozen=True)
class ProcedureGraph:
    """A prerequisite graph.

    Attributes:
        nodes: node labels ``<component>__<event_type>`` in file order.
        edges: ``(a, b)`` pairs meaning ``a`` must happen before ``b``.
        prereq: node → its prerequisites (the same relation as ``edges``).
        meta: the file's ``meta`` object (mining thresholds, event types).
        path: the file read.
    """

    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    prereq: dict[str, tuple[str, ...]]
    meta: dict[str, Any]
    path: Path


def read_procedure_graph(path: str | os.PathLike[str]) -> ProcedureGraph:
    """Parse a ``procedure_graph.json``.

    Raises:
        ReleaseFormatError: a missing key, an edge or prerequisite naming an unknown node, or
            ``edges`` and ``prereq`` that describe different relations.
    """
    p = Path(path)
    data = read_json(p)
    if not isinstance(data, dict) or any(k not in data for k in ("nodes", "edges", "prereq")):
        raise ReleaseFormatError(p, "expected an object with `nodes`, `edges` and `prereq`")
    nodes = data["nodes"]
    if (
        not isinstance(nodes, list)
        or not all(isinstance(n, str) for n in nodes)
        or len(set(nodes)) != len(nodes)
    ):
        raise ReleaseFormatError(p, "`nodes`: expected a list of distinct strings")
    known = set(nodes)
    edges: list[tuple[str, str]] = []
    for i, e in enumerate(data["edges"]):
        if not isinstance(e, list) or len(e) != 2 or e[0] not in known or e[1] not in known:
            raise ReleaseFormatError(p, f"`edges[{i}]`: expected [node, node] of known nodes, got {e!r}")
        edges.append((e[0], e[1]))
    prereq: dict[str, tuple[str, ...]] = {}
    for node, pre in data["prereq"].items():
        if node not in known or not isinstance(pre, list) or any(q not in known for q in pre):
            raise ReleaseFormatError(
                p, f"`prereq[{node!r}]`: expected a known node with a list of known nodes"
            )
        prereq[node] = tuple(pre)
    from_prereq = {(q, n) for n, pre in prereq.items() for q in pre}
    if from_prereq != set(edges):
        raise ReleaseFormatError(p, "`edges` and `prereq` describe different relations")
    for n in nodes:
        prereq.setdefault(n, ())
    meta = data.get("meta", {})
    return ProcedureGraph(tuple(nodes), tuple(edges), prereq, dict(meta) if isinstance(meta, dict) else {}, p)


def read_component_alias(path: str | os.PathLike[str]) -> dict[str, str]:
    """Parse a ``component_alias.json`` (raw name → canonical name)."""
    data = read_json(path)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ReleaseFormatError(path, "expected a JSON object of name → name strings")
    return dict(data)


def task_configs_dir(release_dir: str | os.PathLike[str]) -> Path:
    """``task_configs/`` of a release: accepts ``impact-release/`` or its ``dataset/`` folder."""
    root = Path(release_dir)
    if not (root / "task_configs").is_dir() and (root.parent / "task_configs").is_dir():
        root = root.parent
    d = root / "task_configs"
    if not d.is_dir():
        raise ReleaseFormatError(d, "task_configs folder not found (expected beside dataset/)")
    return d


def load_procedure_graph(release_dir: str | os.PathLike[str], which: GraphCopy = "psr") -> ProcedureGraph:
    """The released prerequisite graph: ``which="psr"`` (default, used by the PSR evaluators) or ``"asr"``.

    Args:
        release_dir: ``impact-release/`` or its ``dataset/`` folder.
        which: the copy to read.
    """
    if which not in GRAPH_PATHS:
        raise ValueError(f"Expected `which` in {tuple(GRAPH_PATHS)}, but got {which!r}.")
    return read_procedure_graph(task_configs_dir(release_dir) / GRAPH_PATHS[which])


def load_component_alias(release_dir: str | os.PathLike[str], which: AliasCopy = "ms_tcn2") -> dict[str, str]:
    """A released component alias map (default: the ms_tcn2 PSR pipeline's)."""
    if which not in ALIAS_PATHS:
        raise ValueError(f"Expected `which` in {tuple(ALIAS_PATHS)}, but got {which!r}.")
    return read_component_alias(task_configs_dir(release_dir) / ALIAS_PATHS[which])


def state_graph_events(
    state_frames: Sequence[int] | np.ndarray,
    states: Sequence[Sequence[int]] | np.ndarray,
    component_names: Sequence[str],
    alias: Mapping[str, str],
    event_types: Sequence[str] = GRAPH_EVENT_TYPES,
) -> list[tuple[int, str]]:
    """Graph events of a (sparse) state sequence: ``(frame, "<alias(component)>__<event_type>")``.

    A change between consecutive entries at frame ``f`` is an event at ``f`` (the first frame of the
    new state), as diffing the dense per-frame array gives. Events of one frame are in component
    index order. Only ``event_types`` are kept (``install_bad`` is not a graph event type).
    Filtering by the nodes of a particular graph is left to the caller.

    Example:
        >>> state_graph_events([0, 5, 9], [[0, 1], [-1, 1], [1, 0]], ["a", "b"], {"b": "B"})
        [(9, 'a__recover_ok'), (9, 'B__remove_ok')]
    """
    arr = np.asarray(states, dtype=np.int64)
    frames = np.asarray(state_frames, dtype=np.int64)
    if arr.ndim != 2 or arr.shape != (frames.size, len(component_names)):
        raise ValueError(
            f"Expected `states` of shape [{frames.size}, {len(component_names)}], but got {arr.shape}."
        )
    keep = set(event_types)
    out: list[tuple[int, str]] = []
    for i in range(1, frames.size):
        for c in np.flatnonzero(arr[i] != arr[i - 1]):
            ev = transition_to_event(arr[i - 1, c], arr[i, c])
            if ev is not None and ev in keep:
                name = component_names[c]
                out.append((int(frames[i]), f"{alias.get(name, name)}__{ev}"))
    return out
