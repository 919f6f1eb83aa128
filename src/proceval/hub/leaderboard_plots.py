"""The leaderboard's own pictures: one horizontal bar chart per table (ranked values with their CIs).

:func:`leaderboard_chart` turns one leaderboard group (:func:`proceval.hub.leaderboard.build_leaderboard`)
into a :class:`RankedBars` specification carrying exactly the plotted numbers (the ranked rows' values and
confidence intervals, best on top), so a test can compare them with the table; :func:`render_chart_png`
draws it with matplotlib's Agg backend at the size of every other picture
(:data:`proceval.hub.plots.WIDTH_PX` x :data:`proceval.hub.plots.HEIGHT_PX`); :func:`write_charts` writes
one PNG per group into the leaderboard folder's ``plots/`` and records its relative path in the group's
``chart`` entry.
"""

from __future__ import annotations

import io
import math
import os
import shutil
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proceval.hub.plots import DPI, FIGSIZE, file_stem

CHARTS_SUBDIR = "plots"
"""Where :func:`write_charts` writes the charts, inside the leaderboard folder."""

MAX_BARS = 30
"""At most this many rows (the best) are drawn; the title says when rows were left out."""

_TIED = "#1a7f37"
_OTHER = "#8c959f"
_MAX_LABEL = 40


@dataclass(frozen=True)
class RankedBars:
    """One leaderboard table as horizontal bars, best on top.

    Attributes:
        name: the PNG's file stem.
        title: the figure title (where, the metric key and its direction).
        labels: the models (``model @ revision`` when a revision is given), one per bar, best first.
        values: the ranked values (the table's raw values: fractions in [0, 1], not x100).
        ci: ``(low, high)`` per bar (NaN: no interval, no error bar).
        tied: per bar, whether the paired bootstrap cannot separate it from the leader (None: unknown).
        xlabel: the x axis label with the unit.
        num_rows: the table's ranked rows (more than ``len(values)`` when only the best were drawn).
    """

    name: str
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    ci: tuple[tuple[float, float], ...]
    tied: tuple[bool | None, ...]
    xlabel: str
    num_rows: int


def _float(value: Any) -> float:
    return float(value) if value is not None else math.nan


def group_stem(group: Mapping[str, Any]) -> str:
    """A file stem naming one group: benchmark, task, config, split and key joined by ``__``."""
    return file_stem(
        "__".join(str(group.get(k, "")) for k in ("benchmark", "task", "config", "split", "key"))
    )


def leaderboard_chart(group: Mapping[str, Any], *, max_bars: int = MAX_BARS) -> RankedBars:
    """The chart specification of one leaderboard group (its ranked rows; apart rows are not drawn).

    Args:
        group: a group of :func:`proceval.hub.leaderboard.build_leaderboard`.
        max_bars: draw at most this many rows (the best).
    """
    rows = list(group.get("rows") or [])
    shown = rows[:max_bars]
    direction = "higher is better" if group.get("higher_is_better", True) else "lower is better"
    where = " / ".join(str(group.get(k, "")) for k in ("benchmark", "task", "config", "split"))
    title = f"{where}: {group.get('key')} ({direction})"
    if len(shown) < len(rows):
        title += f", best {len(shown)} of {len(rows)}"
    cis = []
    for row in shown:
        ci = row.get("ci") or (None, None)
        cis.append((_float(ci[0]), _float(ci[1])))
    ci_level = group.get("tie_confidence")
    interval = f", bars: {100 * ci_level:g}% CI" if isinstance(ci_level, (int, float)) else ""
    return RankedBars(
        name=group_stem(group),
        title=title,
        labels=tuple(str(r["model"]) + (f" @ {r['revision']}" if r.get("revision") else "") for r in shown),
        values=tuple(_float(r.get("value")) for r in shown),
        ci=tuple(cis),
        tied=tuple(r.get("tied_with_leader") for r in shown),
        xlabel=f"{group.get('key')} ({group.get('unit', 'value')}){interval}",
        num_rows=len(rows),
    )


def _short(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[: _MAX_LABEL - 1] + "\u2026"


def render_chart_png(spec: RankedBars) -> bytes:
    """The PNG bytes of ``spec``: :data:`~proceval.hub.plots.FIGSIZE` at :data:`~proceval.hub.plots.DPI`."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    fig = Figure(figsize=FIGSIZE, dpi=DPI)  # fixed margins: a constrained layout would draw twice
    fig.subplots_adjust(left=0.3, right=0.97, top=0.92, bottom=0.11)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    n = len(spec.values)
    values = np.asarray(spec.values, dtype=float).reshape(n)
    ci = np.asarray(spec.ci, dtype=float).reshape(n, 2)
    low = np.where(np.isfinite(ci[:, 0]), np.maximum(values - ci[:, 0], 0.0), 0.0)
    high = np.where(np.isfinite(ci[:, 1]), np.maximum(ci[:, 1] - values, 0.0), 0.0)
    y = np.arange(n)
    colours = [_TIED if t else _OTHER for t in spec.tied]
    ax.barh(y, np.nan_to_num(values, nan=0.0), xerr=np.vstack([low, high]), color=colours, capsize=3)
    fontsize = 9 if n <= 12 else 7 if n <= 22 else 6
    ax.set_yticks(y, [_short(label) for label in spec.labels], fontsize=fontsize)
    ax.set_ylim(n - 0.5, -0.5)  # best on top
    ax.set_xlabel(spec.xlabel)
    ax.set_ylabel("model")
    ax.grid(True, axis="x", alpha=0.3)
    if any(t is not None for t in spec.tied):
        ax.legend(
            handles=[
                Patch(color=_TIED, label="leader, or \u2248 leader (paired bootstrap)"),
                Patch(color=_OTHER, label="separable from the leader, or unknown"),
            ],
            fontsize="small",
            loc="lower right",
        )
    ax.set_title(spec.title, fontsize=10)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def write_charts(groups: Sequence[MutableMapping[str, Any]], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Draw one chart per group with ranked rows into ``out_dir/plots/`` (replaced) and set ``group["chart"]``.

    ``group["chart"]`` becomes the PNG's path relative to ``out_dir`` (``plots/<stem>.png``, stems made
    unique with ``-2``, ``-3`` ...); a group without ranked rows gets no chart.

    Returns:
        The written PNG paths.
    """
    out = Path(out_dir)
    target = out / CHARTS_SUBDIR
    tmp = out / f".{CHARTS_SUBDIR}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    used: dict[str, int] = {}
    written: list[str] = []
    try:
        for group in groups:
            group.pop("chart", None)
            if not group.get("rows"):
                continue
            spec = leaderboard_chart(group)
            used[spec.name] = used.get(spec.name, 0) + 1
            stem = spec.name if used[spec.name] == 1 else f"{spec.name}-{used[spec.name]}"
            (tmp / f"{stem}.png").write_bytes(render_chart_png(spec))
            group["chart"] = f"{CHARTS_SUBDIR}/{stem}.png"
            written.append(f"{stem}.png")
        old = None
        if target.exists():
            old = out / f".{CHARTS_SUBDIR}.old-{os.getpid()}"
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [target / name for name in written]


__all__ = [
    "CHARTS_SUBDIR",
    "MAX_BARS",
    "RankedBars",
    "group_stem",
    "leaderboard_chart",
    "render_chart_png",
    "write_charts",
]
