"""Learn a PSR prerequisite graph from step-event sequences, as IMPACT's ``learn_procedure_graph.py`` does.

IMPACT's ms_tcn2 / videomae PSR pipelines do not use the released ``procedure_graph.json``: they mine a
graph from the training bundle of the split (``scripts/learn_graph.sh``: ``--bundle_split train``) and
score the test bundle's partial-order POS with it. The released PSR graph itself was mined the same way
from all 92 annotated videos. The mining (IMPACT spec §7.2):

* Per video, the graph events in time order (``<component>__{install_ok,recover_ok,remove_ok}``, same-frame
  events in component order) and the **first** frame of each label.
* For every ordered pair (A, B) of distinct labels seen in one video: ``cooccur[A, B] += 1``, and
  ``support[A, B] += 1`` when A's first frame is strictly before B's.
* Thresholds from fractions of the number of videos N (empty videos count in N):
  ``min_cooccur = max(3, ceil(min_cooccur_frac · N))``, ``min_support = max(3, ceil(min_support_frac · N))``;
  a pair is kept when ``cooccur ≥ min_cooccur``, ``support ≥ min_support`` and
  ``confidence = support / cooccur ≥ min_confidence``.
* Conflicts (A→B and B→A both kept): the more confident direction stays; equal confidences drop both.
* Cycles are broken by removing the least confident edge (the first such edge in discovery order) until
  the graph is acyclic. Nodes are every label seen in any video; ``prereq[B]`` lists the sources of B's
  edges, sorted.

Defaults (0.25, 0.20, 0.90) are the script's and the released graph's ``meta``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from proceval.errors import InputValidationError

MIN_COOCCUR_FRAC = 0.25
MIN_SUPPORT_FRAC = 0.20
MIN_CONFIDENCE = 0.90


@dataclass(frozen=True)
class LearnedGraph:
    """A mined prerequisite graph.

    Attributes:
        nodes: every label seen in any sequence, sorted.
        edges: ``(a, b)`` pairs (a must precede b) in discovery order.
        prereq: node → sorted prerequisites (every node present, possibly with an empty list).
        meta: the thresholds used (fractions and counts) and the number of videos.
    """

    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    prereq: dict[str, list[str]]
    meta: dict[str, Any] = field(default_factory=dict)


def _check_fraction(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise InputValidationError(f"Expected argument `{name}` to be a number in [0, 1], but got {value!r}.")
    return float(value)


def _pair_counts(
    sequences: Sequence[Sequence[tuple[int, Hashable]]],
) -> tuple[dict[tuple[Hashable, Hashable], int], dict[tuple[Hashable, Hashable], int], set[Hashable]]:
    """Co-occurrence and "first A strictly before first B" counts, keyed in discovery order."""
    cooccur: dict[tuple[Hashable, Hashable], int] = {}
    support: dict[tuple[Hashable, Hashable], int] = {}
    nodes: set[Hashable] = set()
    for seq in sequences:
        first: dict[Hashable, int] = {}
        for frame, label in seq:
            nodes.add(label)
            first.setdefault(label, int(frame))
        labels = list(first)
        for a in labels:
            for b in labels:
                if a == b:
                    continue
                cooccur[a, b] = cooccur.get((a, b), 0) + 1
                if first[a] < first[b]:
                    support[a, b] = support.get((a, b), 0) + 1
    return cooccur, support, nodes


def _acyclic(nodes: Iterable[Hashable], edges: Sequence[tuple[Hashable, Hashable]]) -> bool:
    indegree = {n: 0 for n in nodes}
    out: dict[Hashable, list[Hashable]] = {n: [] for n in indegree}
    for a, b in edges:
        out[a].append(b)
        indegree[b] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    seen = 0
    while ready:
        n = ready.pop()
        seen += 1
        for m in out[n]:
            indegree[m] -= 1
            if indegree[m] == 0:
                ready.append(m)
    return seen == len(indegree)


def learn_procedure_graph(
    sequences: Sequence[Sequence[tuple[int, Hashable]]],
    *,
    min_cooccur_frac: float = MIN_COOCCUR_FRAC,
    min_support_frac: float = MIN_SUPPORT_FRAC,
    min_confidence: float = MIN_CONFIDENCE,
) -> LearnedGraph:
    """Mine a prerequisite DAG from per-video event sequences (IMPACT ``learn_procedure_graph.py``).

    Args:
        sequences: one list per video of ``(frame, label)`` events in time order (0-based frames; only the
            first frame of each label is used). Empty lists count as videos.
        min_cooccur_frac: fraction of videos in which A and B must both occur.
        min_support_frac: fraction of videos in which A's first occurrence must precede B's.
        min_confidence: minimum ``support / cooccur`` of an edge A → B.

    Returns:
        The :class:`LearnedGraph`; ``meta`` holds ``num_videos``, the fractions, ``min_cooccur``,
        ``min_support`` and ``min_confidence``.

    Raises:
        InputValidationError: no sequences, or a threshold outside [0, 1].

    Example:
        >>> seqs = [[(1, "a"), (2, "b"), (3, "c")]] * 3 + [[(1, "b"), (2, "a")]]
        >>> g = learn_procedure_graph(seqs)
        >>> g.prereq  # a precedes b in 3 of 4 videos: confidence 0.75 < 0.9, so no edge a -> b
        {'a': [], 'b': [], 'c': ['a', 'b']}
    """
    cooccur_frac = _check_fraction("min_cooccur_frac", min_cooccur_frac)
    support_frac = _check_fraction("min_support_frac", min_support_frac)
    confidence_min = _check_fraction("min_confidence", min_confidence)
    if len(sequences) == 0:
        raise InputValidationError(
            "Expected at least one event sequence to learn a graph from, but got none."
        )
    n = len(sequences)
    min_cooccur = max(3, math.ceil(cooccur_frac * n))
    min_support = max(3, math.ceil(support_frac * n))
    cooccur, support, nodes = _pair_counts(sequences)
    kept: dict[tuple[Hashable, Hashable], float] = {}
    for pair, co in cooccur.items():
        sup = support.get(pair, 0)
        if co >= min_cooccur and sup >= min_support and sup / co >= confidence_min:
            kept[pair] = sup / co
    chosen: dict[tuple[Hashable, Hashable], float] = {}
    decided: set[tuple[Hashable, Hashable]] = set()
    for (a, b), conf in kept.items():
        if (a, b) in decided:
            continue
        decided.update({(a, b), (b, a)})
        reverse = kept.get((b, a))
        if reverse is None or conf > reverse:
            chosen[a, b] = conf
        elif reverse > conf:
            chosen[b, a] = reverse
        # equal confidences: neither direction is kept
    edges = list(chosen)
    while not _acyclic(nodes, edges):
        edges.remove(min(edges, key=lambda e: chosen[e]))
    prereq: dict[str, list[str]] = {str(node): [] for node in sorted(nodes, key=str)}
    for a, b in edges:
        prereq[str(b)].append(str(a))
    for key in prereq:
        prereq[key].sort()
    meta = {
        "num_videos": n,
        "min_cooccur_frac": cooccur_frac,
        "min_support_frac": support_frac,
        "min_cooccur": min_cooccur,
        "min_support": min_support,
        "min_confidence": confidence_min,
    }
    return LearnedGraph(tuple(prereq), tuple((str(a), str(b)) for a, b in edges), prereq, meta)


def split_graph_sequences(graph_events: Iterable[Sequence[Any]]) -> list[list[tuple[int, str]]]:
    """``(frame, label)`` sequences from a ``psr`` config's ``graph_events`` column.

    Every graph event type is kept, whether or not the label is a node of the released graph.
    """
    return [[(int(e["frame"]), str(e["label"])) for e in events] for events in graph_events]


__all__ = [
    "MIN_CONFIDENCE",
    "MIN_COOCCUR_FRAC",
    "MIN_SUPPORT_FRAC",
    "LearnedGraph",
    "learn_procedure_graph",
    "split_graph_sequences",
]
