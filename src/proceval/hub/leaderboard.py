"""Leaderboards from result files: ranked tables with paired-bootstrap tie marks, as Markdown, CSV and JSON.

:func:`build_leaderboard` turns schema-v1 results (:mod:`proceval.evaluation.results`) into *groups*, one
per (benchmark, task, metric, config, split, headline key) (the shape is the contract in
``docs/RESULTS.md``):

* results are ranked together only when their signatures are equal (every option, the data version,
  config, split, the bootstrap settings and the proceval version: everything but the model). When the
  results of one key disagree, the largest set of equal signatures is ranked (ties: the newest result's)
  and every other result is listed ``apart`` with the reason, the signature fields that differ;
* rows are ranked best first by the key's direction (equal values share a rank); a result with no
  value (NaN) is listed apart, and a key no result has a value for gets no group;
* each row is compared with the leader by the paired bootstrap on the stored replicates
  (:func:`proceval.scores.bootstrap.compare_replicates`, many rows at once): ``tied_with_leader`` is true when the
  two-sided interval (``confidence``, default 95%) of ``row - leader`` contains 0, with its p-value.
  Two results with equal signatures resampled the same units with the same seed, so this equals
  :func:`~proceval.scores.bootstrap.paired_bootstrap` on the original units. Without replicates (a
  result written without bootstrap) the mark is ``null``.

:func:`write_leaderboard` reads a results folder and writes ``leaderboard.md``, ``leaderboard.csv``,
``leaderboard.json`` and a copy of the result files and their pictures under ``results/`` (so each row's
``result_file`` and ``plots`` links work), one bar chart per table as ``plots/<stem>.svg``
(:mod:`proceval.hub.leaderboard_plots`: a small dependency-free SVG writer), plus ``index.html`` when :mod:`proceval.hub.leaderboard_html` is
available.
"""

from __future__ import annotations

import csv
import html
import importlib
import io
import json
import math
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from proceval.errors import InputValidationError
from proceval.evaluation.results import iter_results, signature_fields
from proceval.hub.leaderboard_plots import format_value
from proceval.io import atomic_write_text
from proceval.scores.bootstrap import compare_replicates_many

TIE_CONFIDENCE = 0.95
"""Two-sided coverage of the paired-bootstrap interval behind the tie mark."""

RESULTS_SUBDIR = "results"
"""Where :func:`write_leaderboard` copies the result files, inside the output folder."""

CSV_COLUMNS: tuple[str, ...] = (
    "benchmark",
    "task",
    "metric",
    "config",
    "split",
    "key",
    "higher_is_better",
    "unit",
    "status",
    "rank",
    "model",
    "revision",
    "value",
    "ci_low",
    "ci_high",
    "tied_with_leader",
    "p_value_vs_leader",
    "reason",
    "result_file",
    "signature",
)
"""Columns of ``leaderboard.csv``: one line per ranked row (``status`` ranked) or apart row (apart)."""


@dataclass
class _Entry:
    """One result's value on one headline key."""

    model: str
    revision: str | None
    trained_on: list[str]
    value: float | None
    ci: list[float | None] | None
    result_file: str
    signature: str
    created_at: str
    higher_is_better: bool
    unit: str
    replicates: np.ndarray | None
    resampling: tuple[int, int, int] | None  # (n_resamples, seed, num_units)
    plots: list[dict[str, str]]


def _finite(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def result_pictures(path: Path, result: Mapping[str, Any]) -> list[tuple[str, Path, str]]:
    """The pictures a result file records that exist: ``(caption, file path, path relative to its folder)``.

    A listed picture that is missing on disk is left out (the result stays usable without it).
    """
    out = []
    for plot in result.get("plots") or []:
        file = Path(path).parent / plot["file"]
        if file.is_file():
            out.append((plot["caption"], file, plot["file"]))
    return out


def _entries(
    path: Path, result: Mapping[str, Any], link: str
) -> Iterable[tuple[tuple[str, ...], int, _Entry]]:
    folder = link.rpartition("/")[0]
    plots = [
        {"caption": caption, "file": f"{folder}/{rel}" if folder else rel}
        for caption, _, rel in result_pictures(path, result)
    ]
    boot = result.get("bootstrap") or {}
    reps = boot.get("replicates") or {}
    per_key_units = boot.get("num_units_per_key") or {}
    for order, h in enumerate(result["headline"]):
        key = h["key"]
        values = reps.get(key)
        replicates = np.array(values, dtype=np.float64) if values is not None else None
        resampling = (
            (boot["n_resamples"], boot["seed"], per_key_units.get(key, boot["num_units"]))
            if replicates is not None
            else None
        )
        group = (
            result["benchmark"],
            result["task"],
            result["metric"],
            result["config"],
            result["split"],
            key,
        )
        yield (
            group,
            order,
            _Entry(
                model=result["model"]["id"],
                revision=result["model"]["revision"],
                trained_on=list(result["model"]["trained_on"]),
                value=_finite(h["value"]),
                ci=h["ci"],
                result_file=link,
                signature=result["signature"],
                created_at=result["created_at"],
                higher_is_better=h["higher_is_better"],
                unit=h["unit"],
                replicates=replicates,
                resampling=resampling,
                plots=plots,
            ),
        )


def signature_difference(this: str, reference: str) -> str:
    """The signature fields in which ``this`` differs from ``reference``, as ``key:this vs key:ref`` items.

    Example:
        >>> signature_difference("tas|conv:impact|bs:1000|v:0.1.0", "tas|conv:ltcontext|v:0.1.0")
        'conv:impact vs conv:ltcontext, bs:1000 vs no bs'
    """
    a, b = signature_fields(this), signature_fields(reference)
    if len(a) != len(b):
        return f"{len(a)} signature parts vs {len(b)}"
    diffs = []
    for (name_a, fields_a), (name_b, fields_b) in zip(a, b, strict=True):
        if name_a != name_b:
            diffs.append(f"score {name_a} vs {name_b}")
        for key in dict.fromkeys([*fields_a, *fields_b]):
            va, vb = fields_a.get(key), fields_b.get(key)
            if va == vb:
                continue
            left = f"{key}:{va}" if va is not None else f"no {key}"
            right = f"{key}:{vb}" if vb is not None else f"no {key}"
            diffs.append(f"{left} vs {right}")
    return ", ".join(dict.fromkeys(diffs)) or "signature differs"


def _marks(ordered: list[_Entry], confidence: float) -> list[tuple[bool | None, float | None]]:
    """``(tied_with_leader, p_value)`` of every entry against the first, from their replicates."""
    leader = ordered[0]
    marks: list[tuple[bool | None, float | None]] = [(True, None)] + [(None, None)] * (len(ordered) - 1)
    if leader.replicates is None:
        return marks
    rows = [
        i
        for i, e in enumerate(ordered[1:], start=1)
        if e.replicates is not None
        and e.resampling == leader.resampling
        and e.replicates.shape == leader.replicates.shape
    ]
    if not rows:
        return marks
    out = compare_replicates_many(
        np.stack([ordered[i].replicates for i in rows]), leader.replicates, confidence=confidence
    )
    for j, i in enumerate(rows):
        low, high, p = float(out["ci_low"][j]), float(out["ci_high"][j]), float(out["p_value"][j])
        if math.isfinite(low) and math.isfinite(high):
            marks[i] = (bool(low <= 0.0 <= high), p if math.isfinite(p) else None)
    return marks


def _ranked_rows(entries: list[_Entry], higher: bool, confidence: float) -> list[dict[str, Any]]:
    ordered = sorted(entries, key=lambda e: (-e.value if higher else e.value, e.model, e.revision or ""))  # type: ignore[operator]
    marks = _marks(ordered, confidence)
    rows = []
    rank = 0
    previous: float | None = None
    for i, entry in enumerate(ordered):
        if previous is None or entry.value != previous:
            rank = i + 1
            previous = entry.value
        tied, p = marks[i]
        row = {
            "rank": rank,
            "model": entry.model,
            "revision": entry.revision,
            "trained_on": entry.trained_on,
            "value": entry.value,
            "ci": entry.ci,
            "tied_with_leader": tied,
            "p_value_vs_leader": p,
            "result_file": entry.result_file,
        }
        if entry.plots:
            row["plots"] = entry.plots
        rows.append(row)
    return rows


def _apart_row(entry: _Entry, reason: str) -> dict[str, Any]:
    row = {
        "model": entry.model,
        "revision": entry.revision,
        "value": entry.value,
        "ci": entry.ci,
        "result_file": entry.result_file,
        "signature": entry.signature,
        "reason": reason,
    }
    if entry.plots:
        row["plots"] = entry.plots
    return row


def build_leaderboard(
    results: Iterable[tuple[Path, Mapping[str, Any]]],
    *,
    root: Path,
    link_prefix: str = "",
    confidence: float = TIE_CONFIDENCE,
) -> list[dict[str, Any]]:
    """Group, rank and compare results (the module docstring says how).

    Args:
        results: ``(path, result)`` pairs, e.g. from :func:`proceval.evaluation.results.iter_results`.
        root: the folder result paths are made relative to (the results folder).
        link_prefix: prepended to each relative path to make ``result_file`` (``"results/"`` when the
            files are copied under the leaderboard's ``results/`` folder).
        confidence: coverage of the paired-bootstrap interval behind ``tied_with_leader``.

    Returns:
        JSON-able groups, ordered by benchmark, task, config, split and headline order; each with
        ``benchmark``, ``task``, ``metric``, ``config``, ``split``, ``key``, ``higher_is_better``,
        ``unit``, ``signature``, ``tie_confidence``, ``rows`` (ranked) and ``apart``.
    """
    root = Path(root)
    by_group: dict[tuple[str, ...], list[_Entry]] = {}
    order: dict[tuple[str, ...], int] = {}
    for path, result in results:
        try:
            rel = Path(path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = Path(path).name
        for group, index, entry in _entries(Path(path), result, link_prefix + rel):
            by_group.setdefault(group, []).append(entry)
            order[group] = min(order.get(group, index), index)
    groups = []
    for group in sorted(by_group, key=lambda g: (*g[:5], order[g], g[5])):
        entries = by_group[group]
        if all(e.value is None for e in entries):
            continue  # a key no result has a number for (e.g. a protocol this config does not have)
        classes: dict[str, list[_Entry]] = {}
        for entry in entries:
            classes.setdefault(entry.signature, []).append(entry)
        signature = max(
            classes,
            key=lambda s: (
                sum(e.value is not None for e in classes[s]),
                len(classes[s]),
                max(e.created_at for e in classes[s]),
                s,
            ),
        )
        ranked = [e for e in classes[signature] if e.value is not None]
        apart = [_apart_row(e, "no value (NaN)") for e in classes[signature] if e.value is None]
        for other, members in classes.items():
            if other != signature:
                reason = "signature differs (this vs ranked): " + signature_difference(other, signature)
                apart.extend(_apart_row(e, reason) for e in members)
        apart.sort(key=lambda r: (r["model"], r["revision"] or "", r["result_file"]))
        head = classes[signature][0]
        groups.append(
            {
                "benchmark": group[0],
                "task": group[1],
                "metric": group[2],
                "config": group[3],
                "split": group[4],
                "key": group[5],
                "higher_is_better": head.higher_is_better,
                "unit": head.unit,
                "signature": signature,
                "tie_confidence": confidence,
                "rows": _ranked_rows(ranked, head.higher_is_better, confidence) if ranked else [],
                "apart": apart,
            }
        )
    return groups


# -------------------------------------------------------------------------------------------- rendering


def _format_ci(ci: Sequence[float | None] | None, unit: str) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return "-"
    return f"[{format_value(ci[0], unit)}, {format_value(ci[1], unit)}]"


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+!|~"})


def _md_text(text: Any) -> str:
    """Text safe in a Markdown table cell: HTML-escaped, Markdown punctuation backslash-escaped."""
    return html.escape(str(text), quote=False).translate(_MD_SPECIAL).replace("\n", " ")


def _md_link(label: str, target: str) -> str:
    href = "/".join(quote(part, safe="") for part in target.split("/"))
    return f"[{label}]({href})"


def _heading(group: Mapping[str, Any]) -> str:
    direction = "higher is better" if group["higher_is_better"] else "lower is better"
    unit = " (x100)" if group["unit"] == "fraction" else ""
    where = " / ".join(_md_text(group[k]) for k in ("benchmark", "task", "config", "split"))
    return f"## {where}: {_md_text(group['key'])}{unit}, {direction}"


def render_markdown(groups: Sequence[Mapping[str, Any]], *, title: str = "proceval leaderboard") -> str:
    """The leaderboard as Markdown: one table per group, apart rows listed below it."""
    n_rows = sum(len(g["rows"]) for g in groups)
    lines = [
        f"# {_md_text(title)}",
        "",
        f"{len(groups)} tables, {n_rows} ranked entries. Best first by each metric's direction; "
        "\u2248 marks entries the paired bootstrap (two-sided, on the stored replicates) cannot separate from "
        "the leader, p is its p-value against the leader. Fractions are shown x100; each value links to its "
        "result file.",
    ]
    for group in groups:
        unit = group["unit"]
        level = f"{100 * group.get('tie_confidence', TIE_CONFIDENCE):g}%"
        lines += ["", _heading(group), "", f"`{group['signature']}`", ""]
        if group.get("chart"):
            lines[-1:] = ["", _md_link("chart of this table", group["chart"]), ""]
        lines.append(
            f"| Rank | Model | Revision | {_md_text(group['key'])} | CI | \u2248 leader ({level}) | p vs leader |"
        )
        lines.append("|---:|---|---|---:|---|:-:|---:|")
        for row in group["rows"]:
            tied = {True: "\u2248", False: "", None: "?"}[row["tied_with_leader"]]
            p = row["p_value_vs_leader"]
            lines.append(
                f"| {row['rank']} | {_md_text(row['model'])} | {_md_text(row['revision'] or '-')} | "
                f"{_md_link(format_value(row['value'], unit), row['result_file'])} | "
                f"{_format_ci(row['ci'], unit)} | {tied} | {'-' if p is None else f'{p:.3f}'} |"
            )
        if group["apart"]:
            lines += ["", "Not ranked with these:", ""]
            for row in group["apart"]:
                lines.append(
                    f"- {_md_text(row['model'])}: "
                    f"{_md_link(format_value(row['value'], unit), row['result_file'])} "
                    f"{_format_ci(row['ci'], unit)} ({_md_text(row['reason'])})"
                )
    return "\n".join(lines) + "\n"


def render_csv(groups: Sequence[Mapping[str, Any]]) -> str:
    """The leaderboard as CSV (:data:`CSV_COLUMNS`), raw values (fractions in [0, 1])."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for group in groups:
        head = [group[k] for k in ("benchmark", "task", "metric", "config", "split", "key")]
        head += [group["higher_is_better"], group["unit"]]
        for status, rows in (("ranked", group["rows"]), ("apart", group["apart"])):
            for row in rows:
                ci = row["ci"] or [None, None]
                writer.writerow(
                    [
                        *head,
                        status,
                        row.get("rank", ""),
                        row["model"],
                        row["revision"] or "",
                        "" if row["value"] is None else repr(row["value"]),
                        "" if ci[0] is None else repr(ci[0]),
                        "" if ci[1] is None else repr(ci[1]),
                        "" if row.get("tied_with_leader") is None else row["tied_with_leader"],
                        "" if row.get("p_value_vs_leader") is None else repr(row["p_value_vs_leader"]),
                        row.get("reason", ""),
                        row["result_file"],
                        row.get("signature", group["signature"]),
                    ]
                )
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------ writing


@dataclass(frozen=True)
class LeaderboardFiles:
    """What :func:`write_leaderboard` wrote.

    Attributes:
        groups: the leaderboard groups.
        markdown: ``leaderboard.md``.
        csv: ``leaderboard.csv``.
        json: ``leaderboard.json`` (the groups).
        results: the folder holding the copied result files.
        html: ``index.html``, or None when the HTML renderer is not available.
        num_results: how many result files were read.
    """

    groups: list[dict[str, Any]]
    markdown: Path
    csv: Path
    json: Path
    results: Path
    html: Path | None
    num_results: int


def _html_writer() -> Any:
    """``proceval.hub.leaderboard_html.write_html``, or None when that module is absent."""
    name = "proceval.hub.leaderboard_html"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None
    return getattr(module, "write_html", None)


def _copy_results(
    paths: Sequence[Path], root: Path, target: Path, pictures: Sequence[tuple[Path, Path]] = ()
) -> None:
    """Copy ``paths`` (under ``root``) to ``target`` keeping their relative paths; replaces ``target``.

    ``pictures`` are ``(file, path relative to target)`` pairs copied along (a result's PNGs).
    """
    if root.resolve() == target.resolve():
        return  # the results already live where the links point
    if root.resolve().is_relative_to(target.resolve()):
        raise InputValidationError(
            f"Expected a results folder outside the leaderboard's {RESULTS_SUBDIR}/ folder (which is replaced), "
            f"but got {str(root)!r} inside {str(target)!r}."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()  # the umask's mode, like the copied files
    try:
        for path in paths:
            rel = path.resolve().relative_to(root.resolve())
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
        for file, rel in pictures:
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, dest)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_leaderboard(
    results_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    confidence: float = TIE_CONFIDENCE,
    title: str = "proceval leaderboard",
    charts: bool = True,
) -> LeaderboardFiles:
    """Read every result under ``results_dir`` and write the leaderboard into ``out_dir``.

    Writes ``leaderboard.md``, ``leaderboard.csv``, ``leaderboard.json`` (atomically), copies the result
    files and the pictures they list to ``out_dir/results/`` (replacing that folder) so each
    ``result_file`` and picture link resolves, draws one SVG bar chart per table into ``out_dir/plots/``
    (:func:`proceval.hub.leaderboard_plots.write_charts`; ``charts=False`` skips them) and writes
    ``index.html`` with :func:`proceval.hub.leaderboard_html.write_html` when that module exists.

    Raises:
        ResultFormatError: a ``*.json`` file under ``results_dir`` is not a valid result (named, with the
            JSON path of the error).
        InputValidationError: ``results_dir`` is missing or holds no result, or it and
            ``out_dir/results`` contain each other.
    """
    src = Path(results_dir)
    out = Path(out_dir)
    root = src.parent if src.is_file() else src
    # the leaderboard's own files are no results (the output folder may lie inside the results folder)
    own = [out / RESULTS_SUBDIR, out / "leaderboard.json"]
    inside_copy = root.resolve().is_relative_to((out / RESULTS_SUBDIR).resolve())
    items = list(iter_results(src, exclude=[] if inside_copy else own))
    if not items:
        raise InputValidationError(f"Expected result files (*.json) under {str(src)!r}, but found none.")
    groups = build_leaderboard(items, root=root, link_prefix=f"{RESULTS_SUBDIR}/", confidence=confidence)
    out.mkdir(parents=True, exist_ok=True)
    pictures = []
    for path, result in items:
        rel_dir = path.resolve().parent.relative_to(root.resolve())
        pictures.extend((file, rel_dir / rel) for _, file, rel in result_pictures(path, result))
    _copy_results([p for p, _ in items], root, out / RESULTS_SUBDIR, pictures)
    if charts:
        from proceval.hub.leaderboard_plots import write_charts

        write_charts(groups, out)
    md = atomic_write_text(out / "leaderboard.md", render_markdown(groups, title=title))
    csv_path = atomic_write_text(out / "leaderboard.csv", render_csv(groups))
    json_path = atomic_write_text(
        out / "leaderboard.json", json.dumps(groups, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    )
    write_html = _html_writer()
    page = Path(write_html(groups, out, title=title)) if write_html is not None else None
    return LeaderboardFiles(groups, md, csv_path, json_path, out / RESULTS_SUBDIR, page, len(items))


__all__ = [
    "CSV_COLUMNS",
    "RESULTS_SUBDIR",
    "TIE_CONFIDENCE",
    "LeaderboardFiles",
    "build_leaderboard",
    "format_value",
    "render_csv",
    "render_markdown",
    "result_pictures",
    "signature_difference",
    "write_leaderboard",
]
