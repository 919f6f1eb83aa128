"""The leaderboard's own pictures: one horizontal bar chart per table, as a small dependency-free SVG.

:func:`leaderboard_chart` turns one leaderboard group (:func:`proceval.hub.leaderboard.build_leaderboard`)
into a :class:`RankedBars` specification carrying exactly the plotted numbers (the ranked rows' values and
confidence intervals, best on top), so a test can compare them with the table; :func:`render_chart_svg`
writes it as an SVG document by plain string building (no plotting library: a chart costs well under a
millisecond, where matplotlib took about 0.22 s, so 200 tables no longer dominate ``proceval leaderboard``);
:func:`write_charts` writes one ``plots/<stem>.svg`` per group into the leaderboard folder and records its
relative path in the group's ``chart`` entry.

Every chart is :data:`WIDTH_PX` x :data:`HEIGHT_PX` pixels (the ``width``/``height`` attributes, with a
matching ``viewBox``; the size of every other picture, :data:`proceval.hub.plots.WIDTH_PX` x
:data:`proceval.hub.plots.HEIGHT_PX`). It shows the title (where, the metric key, the unit as the tables
show it, fractions x100, and the direction), a legend line, one bar per ranked row (at most
:data:`MAX_BARS`, the best; the title says ``best N of M`` when rows were left out) labelled with the
model, its value and its confidence interval as a whisker, and an x axis with ticks and its label. The
leader and the rows the paired bootstrap cannot separate from it are green, the others grey. Every text
(model names included) is XML-escaped and characters XML cannot hold are replaced, so a hostile name stays
text; the document has no script, no event handler, no link and no external reference.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from proceval.hub.plots import HEIGHT_PX, WIDTH_PX, file_stem

CHARTS_SUBDIR = "plots"
"""Where :func:`write_charts` writes the charts, inside the leaderboard folder."""

CHART_SUFFIX = ".svg"
"""The charts' file suffix."""

MAX_BARS = 30
"""At most this many rows (the best) are drawn; the title says when rows were left out."""

_TIED = "#1a7f37"
_OTHER = "#8c959f"
_INK = "#1f2328"
_MUTED = "#57606a"
_GRID = "#d0d7de"
_MAX_LABEL = 40
# plot area inside the WIDTH_PX x HEIGHT_PX canvas (pixels)
_LEFT, _RIGHT, _TOP, _BOTTOM = 300, WIDTH_PX - 90, 66, HEIGHT_PX - 52
# characters XML 1.0 cannot hold (C0 controls but tab/newline/CR, surrogates, U+FFFE/U+FFFF)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class RankedBars:
    """One leaderboard table as horizontal bars, best on top.

    Attributes:
        name: the chart's file stem.
        title: the chart title (where, the metric key, the unit as shown and the direction).
        labels: the models (``model @ revision`` when a revision is given), one per bar, best first.
        values: the ranked values (the table's raw values: fractions in [0, 1], not x100).
        ci: ``(low, high)`` per bar, raw like ``values`` (NaN: no interval, no whisker).
        tied: per bar, whether the paired bootstrap cannot separate it from the leader (None: unknown).
        xlabel: the x axis label with the unit as shown.
        num_rows: the table's ranked rows (more than ``len(values)`` when only the best were drawn).
        scale: the factor from a raw value to the drawn one (100 for fractions, shown x100, else 1).
        unit: the group's unit (``fraction``, ``seconds``, ``count``...), for the value labels.
    """

    name: str
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    ci: tuple[tuple[float, float], ...]
    tied: tuple[bool | None, ...]
    xlabel: str
    num_rows: int
    scale: float = 1.0
    unit: str = "value"


def _float(value: Any) -> float:
    return float(value) if value is not None else math.nan


def group_stem(group: Mapping[str, Any]) -> str:
    """A file stem naming one group: benchmark, task, config, split and key joined by ``__``."""
    return file_stem(
        "__".join(str(group.get(k, "")) for k in ("benchmark", "task", "config", "split", "key"))
    )


def _unit_text(unit: str) -> str:
    return "fraction x100" if unit == "fraction" else unit


def leaderboard_chart(group: Mapping[str, Any], *, max_bars: int = MAX_BARS) -> RankedBars:
    """The chart specification of one leaderboard group (its ranked rows; apart rows are not drawn).

    Args:
        group: a group of :func:`proceval.hub.leaderboard.build_leaderboard`.
        max_bars: draw at most this many rows (the best).
    """
    rows = list(group.get("rows") or [])
    shown = rows[:max_bars]
    unit = str(group.get("unit", "value"))
    direction = "higher is better" if group.get("higher_is_better", True) else "lower is better"
    where = " / ".join(str(group.get(k, "")) for k in ("benchmark", "task", "config", "split"))
    title = f"{where}: {group.get('key')} ({_unit_text(unit)}, {direction})"
    if len(shown) < len(rows):
        title += f", best {len(shown)} of {len(rows)}"
    cis = []
    for row in shown:
        ci = row.get("ci") or (None, None)
        cis.append((_float(ci[0]), _float(ci[1])))
    ci_level = group.get("tie_confidence")
    interval = (
        f"; whiskers: {100 * ci_level:g}% CI" if isinstance(ci_level, (int, float)) else "; whiskers: CI"
    )
    return RankedBars(
        name=group_stem(group),
        title=title,
        labels=tuple(str(r["model"]) + (f" @ {r['revision']}" if r.get("revision") else "") for r in shown),
        values=tuple(_float(r.get("value")) for r in shown),
        ci=tuple(cis),
        tied=tuple(r.get("tied_with_leader") for r in shown),
        xlabel=f"{group.get('key')} ({_unit_text(unit)}){interval}",
        num_rows=len(rows),
        scale=100.0 if unit == "fraction" else 1.0,
        unit=unit,
    )


def _text(value: str) -> str:
    """``value`` as XML character data: escaped, characters XML cannot hold replaced by U+FFFD."""
    return escape(_NOT_XML.sub("\ufffd", value))


def _attr(value: str) -> str:
    """``value`` as a quoted XML attribute value (escaped, quotes included)."""
    return quoteattr(_NOT_XML.sub("\ufffd", value))


def _short(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[: _MAX_LABEL - 1] + "\u2026"


def _fit(text: str, font_px: float, width_px: float) -> str:
    """``text`` cut (with an ellipsis) to about ``width_px`` at ``font_px`` (average glyph 0.55 em)."""
    n = max(int(width_px / (0.55 * font_px)), 4)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 x 10^k apart) covering ``[lo, hi]``."""
    raw = (hi - lo) / target
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def _num(x: float) -> str:
    return f"{x:.4g}"


def format_value(value: float | None, unit: str) -> str:
    """A value as tables print it: fractions x100 with two decimals, seconds with three, else 4 digits.

    Example:
        >>> format_value(0.61234, "fraction"), format_value(2.5, "seconds"), format_value(None, "rank")
        ('61.23', '2.500 s', '-')
    """
    if value is None:
        return "-"
    if unit == "fraction":
        return f"{100.0 * value:.2f}"
    if unit == "seconds":
        return f"{value:.3f} s"
    if unit == "count":
        return f"{value:g}"
    return f"{value:.4g}"


def _value_text(x: float, unit: str) -> str:
    """A drawn (already scaled: fractions x100) value as the tables print it (:func:`format_value`)."""
    if not math.isfinite(x):
        return "no value"
    return format_value(x / 100.0 if unit == "fraction" else x, unit)


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def render_chart_svg(spec: RankedBars) -> str:
    """The SVG document of ``spec``: :data:`WIDTH_PX` x :data:`HEIGHT_PX` pixels, best bar on top."""
    n = len(spec.values)
    scale = spec.scale
    values = [v * scale for v in spec.values]
    cis = [(lo * scale, hi * scale) for lo, hi in spec.ci]
    finite = [x for x in [*values, *(c for pair in cis for c in pair)] if math.isfinite(x)]
    lo = min([0.0, *finite])
    hi = max([0.0, *finite])
    if hi - lo <= 0.0:
        hi = lo + 1.0
    ticks = _ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])

    def sx(x: float) -> float:
        return _LEFT + (x - lo) / (hi - lo) * (_RIGHT - _LEFT)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_PX}" height="{HEIGHT_PX}" '
        f'viewBox="0 0 {WIDTH_PX} {HEIGHT_PX}" font-family="sans-serif" fill="{_INK}" role="img" '
        f"aria-label={_attr(spec.title)}>",
        f"<title>{_text(spec.title)}</title>",
        f'<rect width="{WIDTH_PX}" height="{HEIGHT_PX}" fill="#ffffff"/>',
        f'<text x="{WIDTH_PX / 2:g}" y="24" font-size="15" font-weight="bold" text-anchor="middle">'
        f"{_text(_fit(spec.title, 15, WIDTH_PX - 20))}</text>",
    ]
    # legend line
    legend = [
        (_TIED, "leader, or \u2248 leader (paired bootstrap cannot separate them)"),
        (_OTHER, "separable from the leader, or unknown"),
    ]
    x = _LEFT
    for colour, label in legend:
        out.append(f'<rect x="{x}" y="36" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 17}" y="46" font-size="12" fill="{_MUTED}">{_text(label)}</text>')
        x += 17 + round(len(label) * 6.0) + 24
    # grid and x axis
    for t in ticks:
        gx = _fmt(sx(t))
        out.append(
            f'<line x1="{gx}" y1="{_TOP}" x2="{gx}" y2="{_BOTTOM}" stroke="{_GRID}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{gx}" y="{_BOTTOM + 16}" font-size="11" text-anchor="middle" fill="{_MUTED}">'
            f"{_text(_num(t))}</text>"
        )
    out.append(
        f'<line x1="{_LEFT}" y1="{_BOTTOM}" x2="{_RIGHT}" y2="{_BOTTOM}" stroke="{_MUTED}" stroke-width="1"/>'
    )
    out.append(
        f'<text x="{(_LEFT + _RIGHT) / 2:g}" y="{HEIGHT_PX - 12}" font-size="12" text-anchor="middle">'
        f"{_text(_fit(spec.xlabel, 12, WIDTH_PX - 20))}</text>"
    )
    # bars, best on top
    band = (_BOTTOM - _TOP) / max(n, 1)
    bar = min(0.72 * band, 30.0)
    font = 12 if n <= 12 else 11 if n <= 22 else 10
    zero = sx(min(max(0.0, lo), hi))
    for i, (label, value, (c_lo, c_hi), tied) in enumerate(
        zip(spec.labels, values, cis, spec.tied, strict=True)
    ):
        cy = _TOP + (i + 0.5) * band
        colour = _TIED if i == 0 or tied else _OTHER
        out.append(
            f'<text class="label" x="{_LEFT - 8}" y="{_fmt(cy + font * 0.35)}" font-size="{font}" text-anchor="end">'
            f"{_text(_short(label))}</text>"
        )
        end = zero
        if math.isfinite(value):
            x0, x1 = sorted((zero, sx(value)))
            out.append(
                f'<rect class="bar" x="{_fmt(x0)}" y="{_fmt(cy - bar / 2)}" width="{_fmt(max(x1 - x0, 0.5))}" '
                f'height="{_fmt(bar)}" fill="{colour}"/>'
            )
            end = max(end, sx(value))
        if math.isfinite(c_lo) and math.isfinite(c_hi):
            a, b, cap = _fmt(sx(c_lo)), _fmt(sx(c_hi)), bar / 4
            y, y0, y1 = _fmt(cy), _fmt(cy - cap), _fmt(cy + cap)
            out.append(
                f'<path class="ci" d="M{a} {y}H{b}M{a} {y0}V{y1}M{b} {y0}V{y1}" stroke="{_INK}" stroke-width="1.2" '
                'fill="none"/>'
            )
            end = max(end, sx(c_hi))
        shown = _value_text(value, spec.unit)
        out.append(
            f'<text class="value" x="{_fmt(end + 5)}" y="{_fmt(cy + font * 0.35)}" font-size="{font}" fill="{_MUTED}">'
            f"{_text(shown)}</text>"
        )
    if n == 0:
        out.append(
            f'<text x="{(_LEFT + _RIGHT) / 2:g}" y="{(_TOP + _BOTTOM) / 2:g}" font-size="13" '
            f'text-anchor="middle" fill="{_MUTED}">no ranked rows</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_charts(groups: Sequence[MutableMapping[str, Any]], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Draw one chart per group with ranked rows into ``out_dir/plots/`` (replaced) and set ``group["chart"]``.

    ``group["chart"]`` becomes the SVG's path relative to ``out_dir`` (``plots/<stem>.svg``, stems made
    unique with ``-2``, ``-3`` ...); a group without ranked rows gets no chart. The folder is built aside
    and swapped in, so a failed run leaves the previous charts in place.

    Returns:
        The written SVG paths.
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
            name = f"{stem}{CHART_SUFFIX}"
            (tmp / name).write_text(render_chart_svg(spec), encoding="utf-8")
            group["chart"] = f"{CHARTS_SUBDIR}/{name}"
            written.append(name)
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
    "CHART_SUFFIX",
    "HEIGHT_PX",
    "MAX_BARS",
    "WIDTH_PX",
    "RankedBars",
    "group_stem",
    "leaderboard_chart",
    "render_chart_svg",
    "write_charts",
]
