"""Edit distances for the PSR Procedure Order Similarity (POS), IMPACT spec §7.

Costs everywhere: deletion 1, insertion 1, substitution 2, transposition of two adjacent items 1
(a match costs 0), as in IndustReal's ``procedure_order_similarity``.

* :func:`osa_distance` — optimal string alignment (restricted Damerau-Levenshtein) distance.
* :func:`true_dl_distance` — unrestricted ("true") Damerau-Levenshtein distance, the algorithm of
  ``weighted_levenshtein.dam_lev`` (Lowrance-Wagner with weighted costs) used by IndustReal / STORM.
* :func:`closest_linear_extension` — exact minimum of ``osa_distance(L, pred)`` over every linear
  extension L of the ground-truth occurrence DAG (IMPACT's ``closest_valid_topological_order_exact``),
  found by A* over states (placed-GT bitmask, consumed-prediction prefix).

Search design (why it finishes fast on every IMPACT test video, see docs/performance/psr.md):

* Heuristic = L1 distance between the label counts of the unplaced GT occurrences and of the
  unconsumed predictions (IMPACT's heuristic) **plus** a conflict term: among labels that occur once
  in GT and once in the prediction, a greedy set of label-disjoint pairs whose predicted order the DAG
  forbids; each pair needs at least 1 (adjacent predictions: a transposition) or 2 (otherwise: one
  label inserted and deleted) beyond L1. Costs charged to disjoint items add up, so the sum is
  admissible; states are re-opened when reached more cheaply, so the first goal popped is optimal.
* Substitutions are not generated: cost 2 equals a deletion plus an insertion at the same place.
* Forced moves: an available GT occurrence whose label is absent from the remaining prediction is
  deleted at once; a prediction whose label is absent from the unplaced GT is inserted at once; a
  prediction whose label has an available GT occurrence is matched to it at once. The first two
  follow from exchange arguments (moving such a deletion / insertion earlier never blocks another
  operation); the third is checked against brute-force enumeration of all linear extensions in the
  tests.
* ``bound``: POS caps d / len(GT) at 1, so states with g + h ≥ len(GT) are never pushed.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Mapping, Sequence

DEL_COST = 1
INS_COST = 1
SUB_COST = 2
TRANS_COST = 1


def osa_distance(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Optimal string alignment distance with costs del 1 / ins 1 / sub 2 / adjacent transposition 1.

    ``a`` is the reference (its items are deleted), ``b`` the prediction (its items are inserted).

    Example:
        >>> osa_distance("abc", "acb"), osa_distance("abc", "xbc"), osa_distance("ca", "abc")
        (1, 2, 3)
    """
    n, m = len(a), len(b)
    prev2: list[int] = []
    prev = list(range(m + 1))
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        ai = a[i - 1]
        for j in range(1, m + 1):
            bj = b[j - 1]
            best = prev[j - 1] + (0 if ai == bj else SUB_COST)
            if prev[j] + DEL_COST < best:
                best = prev[j] + DEL_COST
            if cur[j - 1] + INS_COST < best:
                best = cur[j - 1] + INS_COST
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == bj and prev2[j - 2] + TRANS_COST < best:
                best = prev2[j - 2] + TRANS_COST
            cur[j] = best
        prev2, prev = prev, cur
    return prev[m]


def true_dl_distance(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Unrestricted Damerau-Levenshtein distance, costs del 1 / ins 1 / sub 2 / transposition 1.

    Reproduces ``weighted_levenshtein.dam_lev(a, b, ...)`` with those costs (a transposition may have
    items deleted between the swapped pair in ``a`` and inserted between them in ``b``).

    Example:
        >>> true_dl_distance("ca", "abc"), osa_distance("ca", "abc")
        (2, 3)
    """
    n, m = len(a), len(b)
    inf = float("inf")
    # d[i + 1][j + 1] holds the distance of a[:i] and b[:j]; row/column 0 stand for index -1.
    d = [[inf] * (m + 2) for _ in range(n + 2)]
    for i in range(n + 1):
        d[i + 1][1] = i * DEL_COST
    for j in range(m + 1):
        d[1][j + 1] = j * INS_COST
    last_row: dict[Hashable, int] = {}
    for i in range(1, n + 1):
        ai = a[i - 1]
        last_col = 0
        for j in range(1, m + 1):
            bj = b[j - 1]
            k = last_row.get(bj, 0)
            col = last_col
            if ai == bj:
                cost = 0
                last_col = j
            else:
                cost = SUB_COST
            trans = d[k][col] + (i - k - 1) * DEL_COST + TRANS_COST + (j - col - 1) * INS_COST
            d[i + 1][j + 1] = min(d[i][j] + cost, d[i + 1][j] + INS_COST, d[i][j + 1] + DEL_COST, trans)
        last_row[ai] = i
    return int(d[n + 1][m + 1])


def occurrence_predecessor_masks(
    gt_labels: Sequence[Hashable], prereq: Mapping[Hashable, Sequence[Hashable]]
) -> list[int]:
    """Bitmask of the GT occurrences that must precede each GT occurrence.

    Occurrence j must come after occurrence i when (a) they share a label and i is the previous
    occurrence of it (duplicate chain), or (b) ``label_i in prereq[label_j]`` — then every occurrence of
    ``label_i`` precedes j. The graph is used as given (no transitive closure).

    Example:
        >>> occurrence_predecessor_masks(["a", "b", "a"], {"b": ["a"]})
        [0, 5, 1]
    """
    by_label: dict[Hashable, list[int]] = {}
    masks = [0] * len(gt_labels)
    for j, lab in enumerate(gt_labels):
        occ = by_label.setdefault(lab, [])
        if occ:
            masks[j] |= 1 << occ[-1]
        occ.append(j)
    for j, lab in enumerate(gt_labels):
        for src in prereq.get(lab, ()):
            for i in by_label.get(src, ()):
                if i != j:
                    masks[j] |= 1 << i
    return masks


def _has_cycle(masks: list[int]) -> bool:
    n = len(masks)
    placed = 0
    progress = True
    while progress and placed != (1 << n) - 1:
        progress = False
        for j in range(n):
            if not placed >> j & 1 and masks[j] & ~placed == 0:
                placed |= 1 << j
                progress = True
    return placed != (1 << n) - 1


def _order_conflicts(
    g: list[int], p: list[int], masks: list[int], total: list[int], pred_counts: list[int]
) -> tuple[list[tuple[int, int]], list[int]]:
    """Pairs of predictions that cannot both be matched, as they are ordered against the DAG.

    Both labels occur once in GT and once in the prediction, and the prediction has them in the order
    the DAG (transitively) forbids.

    Returns ``(unique, conflict)``: ``unique`` lists ``(pred position, GT occurrence)`` of such labels;
    ``conflict[q]`` is the bitmask of later prediction positions conflicting with position q.
    """
    n = len(g)
    ancestors = [0] * n  # transitive closure of the predecessor masks
    done = 0
    while done != (1 << n) - 1:
        for i in range(n):
            if not done >> i & 1 and masks[i] & ~done == 0:
                acc = masks[i]
                rest = masks[i]
                while rest:
                    low = rest & -rest
                    rest ^= low
                    acc |= ancestors[low.bit_length() - 1]
                ancestors[i] = acc
                done |= 1 << i
    occ_of_code = {c: i for i, c in enumerate(g) if total[c] == 1}
    unique = [(q, occ_of_code[c]) for q, c in enumerate(p) if c in occ_of_code and pred_counts[c] == 1]
    conflict = [0] * len(p)
    for a, (q1, o1) in enumerate(unique):
        for q2, o2 in unique[a + 1 :]:
            if ancestors[o1] >> o2 & 1:  # GT needs o2 before o1, the prediction has o1 first
                conflict[q1] |= 1 << q2
    return unique, conflict


def closest_linear_extension(
    gt_labels: Sequence[Hashable],
    pred_labels: Sequence[Hashable],
    prereq: Mapping[Hashable, Sequence[Hashable]],
    *,
    bound: int | None = None,
) -> tuple[int, list[Hashable] | None]:
    """Minimum OSA distance between ``pred_labels`` and any valid ordering of ``gt_labels``.

    Valid orderings are the linear extensions of the occurrence DAG of
    :func:`occurrence_predecessor_masks`. The search is A* over states ``(mask, j)`` = (set of GT
    occurrences already placed, number of predicted items consumed), with moves delete (place a GT
    occurrence, cost 1), insert (consume a prediction, cost 1), match / substitute (both, cost 0 / 2)
    and transpose (place two occurrences x, y consecutively while consuming ``pred[j] == label(y)``,
    ``pred[j+1] == label(x)``, cost 1). The heuristic, the L1 distance between the label counts of the
    unplaced GT occurrences and of the unconsumed predictions, is admissible and consistent (no move
    changes it by more than its cost), so the first goal popped is optimal.

    Args:
        gt_labels: GT step labels in annotated order (any hashables).
        pred_labels: predicted step labels in predicted order.
        prereq: ``label -> labels that must all precede it``; labels absent from GT are ignored.
        bound: only distances strictly below ``bound`` are searched for; when none exists the function
            returns ``(bound, None)``. POS needs ``bound = len(gt_labels)`` since it caps ``d / len(GT)``
            at 1. None searches without a bound.

    Returns:
        ``(distance, ordering)``: the minimum distance and one GT ordering attaining it (None when the
        bound was hit).

    Raises:
        ValueError: the prerequisites are cyclic on this GT sequence (no valid ordering exists).

    Example:
        >>> closest_linear_extension(["a", "b", "c"], ["b", "a", "c"], {})
        (0, ['b', 'a', 'c'])
        >>> closest_linear_extension(["a", "b", "c"], ["b", "a", "c"], {"b": ["a"]})
        (1, ['a', 'b', 'c'])
    """
    n, m = len(gt_labels), len(pred_labels)
    if n == 0:
        d = m * INS_COST
        return (d, []) if bound is None or d < bound else (bound, None)
    masks = occurrence_predecessor_masks(gt_labels, prereq)
    if _has_cycle(masks):
        raise ValueError(
            "The prerequisite graph has a cycle among the ground-truth steps; no valid order exists."
        )
    # Integer label codes shared by GT and prediction.
    codes: dict[Hashable, int] = {}
    for lab in (*gt_labels, *pred_labels):
        codes.setdefault(lab, len(codes))
    g = [codes[x] for x in gt_labels]
    p = [codes[x] for x in pred_labels]
    n_codes = len(codes)
    label_bits = [0] * n_codes  # GT occurrences of each label code
    for i, c in enumerate(g):
        label_bits[c] |= 1 << i
    total = [label_bits[c].bit_count() for c in range(n_codes)]
    suffix = [[0] * n_codes for _ in range(m + 1)]  # prediction label counts from j on
    for j in range(m - 1, -1, -1):
        suffix[j] = suffix[j + 1][:]
        suffix[j][p[j]] += 1
    full = (1 << n) - 1
    limit = float("inf") if bound is None else bound

    avail_cache: dict[int, tuple[int, ...]] = {}

    def available(mask: int) -> tuple[int, ...]:
        out = avail_cache.get(mask)
        if out is None:
            out = tuple(i for i in range(n) if not mask >> i & 1 and masks[i] & ~mask == 0)
            avail_cache[mask] = out
        return out

    def diff(mask: int, j: int, c: int) -> int:
        # remaining GT count of label c minus remaining prediction count of c
        return total[c] - (mask & label_bits[c]).bit_count() - suffix[j][c]

    conflicts = _order_conflicts(g, p, masks, total, suffix[0])

    def extra(mask: int, j: int) -> int:
        # vertex-disjoint conflicting pairs among the unplaced / unconsumed unique labels
        live = 0
        for q, occ in conflicts[0]:
            if q >= j and not mask >> occ & 1:
                live |= 1 << q
        used = 0
        pairs = 0
        rest = live
        while rest:
            low = rest & -rest
            rest ^= low
            if used & low:
                continue
            other = conflicts[1][low.bit_length() - 1] & live & ~used
            if other:
                # a conflict between adjacent predictions may be a transposition (cost 1); any other
                # needs one label unmatched: its prediction inserted and its occurrence deleted (cost 2)
                far = other & ~(low << 1)
                if far:
                    used |= low | (far & -far)
                    pairs += 2
                else:
                    used |= low | (other & -other)
                    pairs += 1
        return pairs

    use_extra = any(conflicts[1])
    h0 = sum(abs(total[c] - suffix[0][c]) for c in range(n_codes))
    best: dict[tuple[int, int], int] = {(0, 0): 0}
    parent: dict[tuple[int, int], tuple[tuple[int, int], tuple[int, ...]]] = {}
    heap = [(h0 + (extra(0, 0) if use_extra else 0), 0, 0, 0, h0)]  # (f, -g, mask, j, L1)

    def push(
        state: tuple[int, int], g_new: int, l1_new: int, prev: tuple[int, int], placed: tuple[int, ...]
    ) -> None:
        if g_new + l1_new >= limit:
            return
        old = best.get(state)
        if old is not None and old <= g_new:
            return
        f = g_new + l1_new + (extra(*state) if use_extra else 0)
        if f >= limit:
            return
        best[state] = g_new
        parent[state] = (prev, placed)
        heapq.heappush(heap, (f, -g_new, state[0], state[1], l1_new))  # ties go to the deeper state

    goal = None
    while heap:
        _, neg_g, mask, j, h = heapq.heappop(heap)
        g_cur = -neg_g
        state = (mask, j)
        if best.get(state) != g_cur:
            continue
        if mask == full and j == m:
            goal = state
            break
        avail = available(mask)
        # Forced moves (each leaves an optimal completion reachable, see the module docstring):
        # (1) an available occurrence whose label is absent from the rest of the prediction is deleted;
        # (2) a prediction whose label is absent from the unplaced GT is inserted;
        # (3) an available occurrence with the prediction's label is matched to it.
        forced = next((x for x in avail if suffix[j][g[x]] == 0), None)
        if forced is not None:
            dx = diff(mask, j, g[forced])
            push((mask | 1 << forced, j), g_cur + DEL_COST, h - abs(dx) + abs(dx - 1), state, (forced,))
            continue
        if j < m:
            y = p[j]
            if total[y] == (mask & label_bits[y]).bit_count():
                dy = diff(mask, j, y)
                push((mask, j + 1), g_cur + INS_COST, h - abs(dy) + abs(dy + 1), state, ())
                continue
            same = next((x for x in avail if g[x] == y), None)
            if same is not None:
                push((mask | 1 << same, j + 1), g_cur, h, state, (same,))
                continue
            dy = diff(mask, j, y)
            push((mask, j + 1), g_cur + INS_COST, h - abs(dy) + abs(dy + 1), state, ())
        # A substitution (cost 2) equals a deletion plus an insertion, so it is never generated.
        for x in avail:
            dx = diff(mask, j, g[x])
            push((mask | 1 << x, j), g_cur + DEL_COST, h - abs(dx) + abs(dx - 1), state, (x,))
        if j + 1 < m:
            first_code, second_code = p[j + 1], p[j]
            for x in avail:
                if g[x] != first_code:
                    continue
                m1 = mask | 1 << x
                for y2 in available(m1):
                    if g[y2] == second_code:
                        push((m1 | 1 << y2, j + 2), g_cur + TRANS_COST, h, state, (x, y2))
    if goal is None:
        return int(limit), None
    order: list[int] = []
    state = goal
    while state != (0, 0):
        prev, placed = parent[state]
        order.extend(reversed(placed))
        state = prev
    order.reverse()
    return best[goal], [gt_labels[i] for i in order]
