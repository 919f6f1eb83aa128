"""Pictures of a result: plot specifications (plain data) and their matplotlib (Agg) rendering.

A benchmark's ``Task.plots`` hook turns a split, the predictions and the result into a list of
specifications (:class:`Timeline`, :class:`Bars`, :class:`Confusion`, :class:`Curves`,
:class:`Histogram`); :func:`render_plot` draws one as a PNG. The specifications carry exactly the
plotted numbers, so a test (or a reader) can compare them with the result they came from.

Every PNG is :data:`WIDTH_PX` x :data:`HEIGHT_PX` pixels (``figsize`` :data:`FIGSIZE` inches at
:data:`DPI` dots per inch, no tight cropping), has a title, axis labels with units and, where there is
more than one colour, a legend; classes are shown by name, never by id.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from proceval.errors import InputValidationError
from proceval.io import atomic_write_bytes

DPI = 100
FIGSIZE = (9.6, 5.4)
WIDTH_PX = round(FIGSIZE[0] * DPI)
HEIGHT_PX = round(FIGSIZE[1] * DPI)
MAX_LEGEND_ENTRIES = 24
_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Span:
    """One segment of a timeline track: ``[start, end)`` in the timeline's x unit, of class ``label``."""

    start: float
    end: float
    label: int


@dataclass(frozen=True)
class Timeline:
    """Tracks of labelled segments over time (e.g. ground truth above prediction), one colour per class.

    Attributes:
        name: the PNG's file stem.
        title: the figure title.
        tracks: ``(track name, spans)`` pairs, drawn top to bottom in this order.
        class_names: class names by label id (the legend shows the classes that occur).
        xlabel: the x axis label with its unit (``"time (s)"``).
    """

    name: str
    title: str
    tracks: tuple[tuple[str, tuple[Span, ...]], ...]
    class_names: tuple[str, ...]
    xlabel: str = "time (s)"


@dataclass(frozen=True)
class Bars:
    """One bar per class (e.g. per-class F1), heights in ``values`` order.

    Attributes:
        name: the PNG's file stem.
        title: the figure title.
        labels: class names, one per bar.
        values: bar heights (NaN: no bar, marked "n/a").
        ylabel: the y axis label with its unit.
        ylim: the y range.
    """

    name: str
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    ylabel: str
    ylim: tuple[float, float] = (0.0, 1.0)


@dataclass(frozen=True)
class Confusion:
    """A confusion matrix: ``matrix[i, j]`` = count of ground truth ``i`` predicted as ``j``.

    Attributes:
        name: the PNG's file stem.
        title: the figure title.
        class_names: the row / column class names.
        matrix: integer counts ``[C, C]`` (drawn row-normalised, i.e. as recall per ground-truth class).
        unit: what one count is (``"frames"``).
    """

    name: str
    title: str
    class_names: tuple[str, ...]
    matrix: np.ndarray = field(compare=False)
    unit: str = "frames"


@dataclass(frozen=True)
class Curve:
    """One line of a :class:`Curves` figure.

    With ``step``, each ``y[i]`` holds on the interval ``(x[i - 1], x[i]]`` (so the area under the line is
    ``sum(diff(x) * y[1:])``, e.g. the average precision of a precision-recall curve); ``y[0]`` only
    starts the line.
    """

    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    step: bool = False


@dataclass(frozen=True)
class Curves:
    """Lines on shared axes (precision-recall, recall@k).

    Attributes:
        name: the PNG's file stem.
        title: the figure title.
        curves: the lines, each with its legend label.
        xlabel, ylabel: the axis labels with units.
        xlim, ylim: the axis ranges (``None``: automatic).
        markers: draw a marker at each point.
        integer_x: x ticks at integers only (k of recall@k).
    """

    name: str
    title: str
    curves: tuple[Curve, ...]
    xlabel: str
    ylabel: str
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = (0.0, 1.02)
    markers: bool = False
    integer_x: bool = False


@dataclass(frozen=True)
class Histogram:
    """A histogram of ``values`` over the bin ``edges`` (counts per bin).

    Attributes:
        name: the PNG's file stem.
        title: the figure title.
        values: the values (NaN values are left out and counted in the title).
        edges: bin edges, increasing (the last bin is closed).
        xlabel: the x axis label with its unit.
        ylabel: what a count is (``"questions"``).
        marks: vertical reference lines ``(label, x)`` (e.g. the mean).
    """

    name: str
    title: str
    values: tuple[float, ...]
    edges: tuple[float, ...]
    xlabel: str
    ylabel: str
    marks: tuple[tuple[str, float], ...] = ()

    def counts(self) -> np.ndarray:
        """Counts per bin (``numpy.histogram`` of the finite values)."""
        values = np.asarray(self.values, dtype=float)
        return np.histogram(values[np.isfinite(values)], bins=np.asarray(self.edges, dtype=float))[0]


PlotSpec = Timeline | Bars | Confusion | Curves | Histogram


def file_stem(name: str) -> str:
    """A safe file stem for ``name`` (runs of characters other than letters, digits, ``._-`` become ``_``)."""
    stem = _NAME.sub("_", name).strip("._") or "plot"
    return stem[:120]


def _colours(n: int) -> list[tuple[float, float, float, float]]:
    from matplotlib import colormaps

    if n <= 10:
        cmap = colormaps["tab10"]
        return [cmap(i) for i in range(n)]
    if n <= 20:
        cmap = colormaps["tab20"]
        return [cmap(i) for i in range(n)]
    cmap = colormaps["gist_ncar"]
    return [cmap(0.05 + 0.9 * i / max(n - 1, 1)) for i in range(n)]


def _timeline(ax, spec: Timeline) -> None:
    colours = _colours(len(spec.class_names))
    seen: list[int] = []
    end = 0.0
    for row, (_, spans) in enumerate(spec.tracks):
        for s in spans:
            if not 0 <= s.label < len(spec.class_names):
                raise InputValidationError(
                    f"Expected timeline labels in [0, {len(spec.class_names)}), but got {s.label} in {spec.name!r}."
                )
            ax.barh(row, s.end - s.start, left=s.start, height=0.8, color=colours[s.label], linewidth=0)
            if s.label not in seen:
                seen.append(s.label)
            end = max(end, s.end)
    ax.set_yticks(range(len(spec.tracks)), [t[0] for t in spec.tracks])
    ax.set_ylim(len(spec.tracks) - 0.5, -0.5)  # first track on top
    ax.set_xlim(0, end or 1.0)
    ax.set_xlabel(spec.xlabel)
    from matplotlib.patches import Patch

    shown = sorted(seen)[:MAX_LEGEND_ENTRIES]
    handles = [Patch(color=colours[i], label=spec.class_names[i]) for i in shown]
    if len(seen) > len(shown):
        handles.append(Patch(color="white", label=f"... {len(seen) - len(shown)} more"))
    if handles:
        ax.figure.legend(
            handles=handles,
            loc="outside lower center",
            ncol=min(5, len(handles)),
            fontsize="small",
            frameon=False,
        )


def _bars(ax, spec: Bars) -> None:
    values = np.asarray(spec.values, dtype=float)
    x = np.arange(len(values))
    colours = _colours(len(values))
    ax.bar(x, np.nan_to_num(values, nan=0.0), color=colours, label=None)
    for i, v in enumerate(values):
        ax.annotate(
            "n/a" if np.isnan(v) else f"{v:.2f}",
            (i, 0 if np.isnan(v) else v),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_xticks(
        x, spec.labels, rotation=30 if len(values) > 6 else 0, ha="right" if len(values) > 6 else "center"
    )
    ax.set_ylim(*spec.ylim)
    ax.set_ylabel(spec.ylabel)
    ax.set_xlabel("class")


def _confusion(fig, ax, spec: Confusion) -> None:
    m = np.asarray(spec.matrix, dtype=float)
    n = len(spec.class_names)
    if m.shape != (n, n):
        raise InputValidationError(
            f"Expected a {n}x{n} confusion matrix, but got shape {m.shape} in {spec.name!r}."
        )
    rows = m.sum(axis=1, keepdims=True)
    norm = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    image = ax.imshow(norm, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    fig.colorbar(image, ax=ax, label=f"fraction of the ground-truth class's {spec.unit}")
    small = n > 12
    ax.set_xticks(
        range(n),
        spec.class_names,
        rotation=45 if n > 4 else 0,
        ha="right" if n > 4 else "center",
        fontsize=6 if small else 9,
    )
    ax.set_yticks(range(n), spec.class_names, fontsize=6 if small else 9)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("ground-truth class")
    if n <= 12:
        for i in range(n):
            for j in range(n):
                ax.text(
                    j,
                    i,
                    f"{norm[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if norm[i, j] > 0.6 else "black",
                )


def _curves(ax, spec: Curves) -> None:
    colours = _colours(len(spec.curves))
    for colour, c in zip(colours, spec.curves, strict=True):
        kw = {"color": colour, "label": c.label, "marker": "o" if spec.markers else None, "markersize": 3}
        if c.step:
            ax.step(c.x, c.y, where="pre", **kw)
        else:
            ax.plot(c.x, c.y, **kw)
    ax.set_xlabel(spec.xlabel)
    ax.set_ylabel(spec.ylabel)
    if spec.integer_x:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if spec.xlim is not None:
        ax.set_xlim(*spec.xlim)
    if spec.ylim is not None:
        ax.set_ylim(*spec.ylim)
    ax.grid(True, alpha=0.3)
    if spec.curves:
        ax.legend(fontsize="small", loc="best")


def _histogram(ax, spec: Histogram) -> None:
    edges = np.asarray(spec.edges, dtype=float)
    counts = spec.counts()
    ax.bar(
        edges[:-1],
        counts,
        width=np.diff(edges),
        align="edge",
        color="#4c72b0",
        edgecolor="white",
        label=spec.ylabel,
    )
    for (label, x), colour in zip(spec.marks, ("#c44e52", "#55a868", "#8172b2", "#ccb974"), strict=False):
        ax.axvline(x, color=colour, linestyle="--", label=label)
    ax.set_xlim(edges[0], edges[-1])
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(spec.xlabel)
    ax.set_ylabel(f"number of {spec.ylabel}")
    ax.legend(fontsize="small")


def render_png(spec: PlotSpec) -> bytes:
    """The PNG bytes of ``spec`` (:data:`WIDTH_PX` x :data:`HEIGHT_PX`; matplotlib's Agg backend).

    Raises:
        InputValidationError: ``spec`` is not a plot specification, or holds out-of-range labels / shapes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if isinstance(spec, Timeline):
        _timeline(ax, spec)
    elif isinstance(spec, Bars):
        _bars(ax, spec)
    elif isinstance(spec, Confusion):
        _confusion(fig, ax, spec)
    elif isinstance(spec, Curves):
        _curves(ax, spec)
    elif isinstance(spec, Histogram):
        _histogram(ax, spec)
    else:
        raise InputValidationError(f"Expected a plot specification, but got {type(spec).__name__}.")
    ax.set_title(spec.title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def render_plot(spec: PlotSpec, out_dir: Path, *, stem: str | None = None) -> Path:
    """Draw ``spec`` into ``out_dir/<stem>.png`` (atomically; ``stem`` defaults to the spec's name)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(out_dir / f"{file_stem(stem or spec.name)}.png", render_png(spec))


def render_plots(specs: Sequence[PlotSpec], out_dir: Path) -> list[Path]:
    """Draw every spec into ``out_dir``; equal names get ``-2``, ``-3`` ... suffixes. Returns the paths."""
    used: dict[str, int] = {}
    paths = []
    for spec in specs:
        stem = file_stem(spec.name)
        used[stem] = used.get(stem, 0) + 1
        paths.append(render_plot(spec, out_dir, stem=stem if used[stem] == 1 else f"{stem}-{used[stem]}"))
    return paths


def runs(labels: Sequence[int] | np.ndarray, scale: float = 1.0) -> tuple[Span, ...]:
    """Spans of the maximal constant runs of per-step ``labels``; step ``i`` covers ``[i, i + 1) * scale``.

    Args:
        labels: one integer label per step (frame, chunk).
        scale: x units per step (``1 / fps`` for seconds).
    """
    arr = np.asarray(labels, dtype=np.int64).reshape(-1)
    if arr.size == 0:
        return ()
    change = np.flatnonzero(arr[1:] != arr[:-1]) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [arr.size]))
    return tuple(
        Span(float(s * scale), float(e * scale), int(arr[s])) for s, e in zip(starts, ends, strict=True)
    )


def confusion_counts(references: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """``[C, C]`` counts of ground truth ``i`` predicted as ``j`` (1-D integer arrays of equal length)."""
    refs = np.asarray(references, dtype=np.int64).reshape(-1)
    preds = np.asarray(predictions, dtype=np.int64).reshape(-1)
    if refs.shape != preds.shape:
        raise InputValidationError(
            f"Expected predictions and references of equal length, but got {preds.size} and {refs.size}."
        )
    bad = (refs < 0) | (refs >= num_classes) | (preds < 0) | (preds >= num_classes)
    if bad.any():
        raise InputValidationError(f"Expected class ids in [0, {num_classes}), but got out-of-range ids.")
    return np.bincount(refs * num_classes + preds, minlength=num_classes * num_classes).reshape(
        num_classes, num_classes
    )


def precision_recall(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The precision-recall curve of one class: recall and precision at the rank of each positive.

    Scores are sorted descending with a stable sort (ties keep input order), as the non-interpolated AP
    does. Returns ``(recall, precision)``, each ``[0] + one value per positive``, with ``precision[0] =
    precision[1]``; drawn as a :class:`Curve` with ``step=True``, its area ``sum(diff(recall) *
    precision[1:])`` is the non-interpolated average precision. A class without positives has the
    curve ``([0.0], [1.0])``.
    """
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels).astype(bool)
    order = np.argsort(-scores, kind="mergesort")
    ranked = labels[order]
    hits = np.cumsum(ranked)
    positives = int(labels.sum())
    if positives == 0:
        return np.array([0.0]), np.array([1.0])
    at = np.flatnonzero(ranked)
    recall = hits[at] / positives
    precision = hits[at] / (at + 1)
    return np.concatenate(([0.0], recall)), np.concatenate(([precision[0]], precision))


__all__ = [
    "DPI",
    "FIGSIZE",
    "HEIGHT_PX",
    "WIDTH_PX",
    "Bars",
    "Confusion",
    "Curve",
    "Curves",
    "Histogram",
    "PlotSpec",
    "Span",
    "Timeline",
    "confusion_counts",
    "file_stem",
    "precision_recall",
    "render_plot",
    "render_plots",
    "render_png",
    "runs",
]
