"""The leaderboard as one self-contained static HTML page (``index.html``).

The page needs no network: CSS and JavaScript are inline, the ``plots`` of :func:`write_html` are
embedded as ``data:`` URIs, the leaderboard's own pictures (each table's ``chart``, each row's ``plots``)
are files beside the page referenced by relative, percent-encoded URLs (:func:`picture_href`: never
absolute, never a ``scheme:``, always ``.png`` for a row's pictures and ``.svg`` for a table's chart, an
SVG without scripts written by :mod:`proceval.hub.leaderboard_plots`; an SVG loaded through ``<img>`` runs
no script anyway), and a Content-Security-Policy forbids every other source
(``img-src 'self' data:``; only the page's own script, identified by its SHA-256, may run; inline event
handlers never do). The leaderboard groups (the shape
:func:`proceval.hub.leaderboard.build_leaderboard` returns) are embedded as JSON in a
``<script type="application/json">`` block with ``<``, ``>``, ``&`` and the JavaScript line separators
escaped as JSON unicode escapes, so no string (a model named ``</script>`` or ``<!--``) can end the block; the
script builds every table cell with ``textContent``, so a model name such as
``<img src=x onerror=alert(1)>`` is shown as text.

The page shows one table per group (rank, model, value with its confidence interval, a mark on rows
the paired bootstrap cannot separate from the leader, the p-value against the leader), each number
linked to its result file; clicking a column header sorts that table by the column (again: reverse);
three select boxes filter the groups by benchmark, task and split. Results whose signature differs
from the ranked rows are listed below each table, unranked, with the reason. A table's chart is shown
above it; a row with pictures gets a "pictures (N)" ``<details>`` control whose thumbnails load only
when it is opened (captions are text, like every other string).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from proceval.errors import InputValidationError
from proceval.io import atomic_write_text

PAGE_NAME = "index.html"
DATA_ELEMENT_ID = "leaderboard-data"

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

_CSS = """
:root { color-scheme: light; --line: #d0d7de; --muted: #57606a; --tie: #1a7f37; --head: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 0 0 2px; }
p.lead, .sig, .meta { color: var(--muted); }
.sig { font: 12px ui-monospace, monospace; word-break: break-all; margin: 2px 0 8px; }
.filters { display: flex; gap: 16px; flex-wrap: wrap; margin: 16px 0; padding: 10px 12px;
  background: var(--head); border: 1px solid var(--line); border-radius: 6px; }
.filters label { display: flex; gap: 6px; align-items: center; }
section.group { margin: 0 0 28px; }
table { border-collapse: collapse; min-width: 640px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left; vertical-align: top; }
th { background: var(--head); cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.num { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; }
td.model { font-family: ui-monospace, monospace; word-break: break-all; }
td.tie { color: var(--tie); font-weight: 600; text-align: center; }
table.apart { margin-top: 8px; }
table.apart caption { text-align: left; font-weight: 600; color: var(--muted); padding: 4px 0; }
figure { display: inline-block; margin: 0 16px 16px 0; }
figure img { max-width: 100%; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 12px; }
figure.chart img { width: 960px; max-width: 100%; height: auto; }
figure.thumb { margin: 6px 8px 4px 0; }
figure.thumb img { width: 240px; height: auto; }
td.pictures summary { cursor: pointer; color: #0969da; white-space: nowrap; }
#empty { color: var(--muted); }
"""

_JS = """
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("leaderboard-data").textContent);
  var groups = data.groups;
  var root = document.getElementById("groups");
  var filters = ["benchmark", "task", "split"];

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  function fmt(v, unit) {
    if (!isNum(v)) return "\\u2013";
    if (unit === "fraction") return (v * 100).toFixed(1);
    if ((unit === "count" || unit === "rank") && Number.isInteger(v)) return String(v);
    return v.toFixed(3);
  }
  function fmtCi(ci, unit) {
    if (!ci || ci.length !== 2) return "";
    return "[" + fmt(ci[0], unit) + ", " + fmt(ci[1], unit) + "]";
  }
  function fmtP(p) {
    if (!isNum(p)) return "\\u2013";
    return p < 0.001 ? "<0.001" : p.toFixed(3);
  }
  function linked(text, href) {
    if (!href) return el("span", text);
    var a = el("a", text);
    a.setAttribute("href", href);
    return a;
  }
  function cell(row, text, sortValue, cls, href) {
    var td = el("td", null, cls);
    td.appendChild(linked(text, href));
    td.setAttribute("data-sort", sortValue === null || sortValue === undefined ? "" : String(sortValue));
    row.appendChild(td);
    return td;
  }
  function pictures(tr, r) {
    var list = r.pictures || [];
    var td = el("td", null, "pictures");
    td.setAttribute("data-sort", String(list.length));
    if (list.length) {
      var details = el("details");
      details.appendChild(el("summary", "pictures (" + list.length + ")"));
      list.forEach(function (p) {
        var fig = el("figure", null, "thumb");
        var a = el("a");
        a.setAttribute("href", p.href);
        var img = el("img");
        img.setAttribute("alt", p.caption);
        img.setAttribute("data-src", p.href);
        a.appendChild(img);
        fig.appendChild(a);
        fig.appendChild(el("figcaption", p.caption));
        details.appendChild(fig);
      });
      details.addEventListener("toggle", function () {
        if (!details.open) return;
        Array.prototype.forEach.call(details.querySelectorAll("img[data-src]"), function (img) {
          img.setAttribute("src", img.getAttribute("data-src"));
          img.removeAttribute("data-src");
        });
      });
      td.appendChild(details);
    }
    tr.appendChild(td);
  }
  function hasPictures(rows) {
    return (rows || []).some(function (r) { return r.pictures && r.pictures.length; });
  }
  function header(table, columns) {
    var tr = el("tr");
    columns.forEach(function (col, index) {
      var th = el("th", col.label);
      th.setAttribute("data-column", col.key);
      th.setAttribute("data-type", col.type);
      th.setAttribute("scope", "col");
      th.title = "sort by " + col.label;
      th.addEventListener("click", function () { sortTable(table, index, th); });
      tr.appendChild(th);
    });
    var thead = el("thead");
    thead.appendChild(tr);
    table.appendChild(thead);
  }
  function sortKey(td, type) {
    var raw = td.getAttribute("data-sort");
    if (type === "number") return raw === "" ? NaN : Number(raw);
    return raw;
  }
  function sortTable(table, index, th) {
    var type = th.getAttribute("data-type");
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.querySelectorAll("th"), function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var a = sortKey(r1.cells[index], type), b = sortKey(r2.cells[index], type);
      var aMissing = type === "number" ? isNaN(a) : a === "";
      var bMissing = type === "number" ? isNaN(b) : b === "";
      if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
      var c = type === "number" ? a - b : a.localeCompare(b);
      return ascending ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function groupTitle(g) {
    return [g.benchmark, g.task, g.config, g.split].join(" / ") + " \\u2014 " + g.key +
      (g.higher_is_better ? " (higher is better)" : " (lower is better)");
  }
  function render(g) {
    var section = el("section", null, "group");
    filters.forEach(function (f) { section.setAttribute("data-" + f, String(g[f])); });
    section.appendChild(el("h2", groupTitle(g)));
    section.appendChild(el("div", "metric " + g.metric + ", unit " + g.unit +
      (g.unit === "fraction" ? " (\\u00d7100)" : ""), "meta"));
    section.appendChild(el("div", g.signature, "sig"));
    if (g.chart_href) {
      var chart = el("figure", null, "chart");
      var img = el("img");
      img.setAttribute("src", g.chart_href);
      img.setAttribute("loading", "lazy");
      img.setAttribute("alt", "bar chart of " + g.key + " by model, with confidence intervals");
      chart.appendChild(img);
      chart.appendChild(el("figcaption", "Ranked " + g.key + " with confidence intervals (green: leader or tied)"));
      section.appendChild(chart);
    }
    var table = el("table", null, "ranked");
    var columns = [
      {key: "rank", label: "Rank", type: "number"},
      {key: "model", label: "Model", type: "text"},
      {key: "value", label: g.key, type: "number"},
      {key: "ci", label: "CI", type: "number"},
      {key: "tie", label: "Tied with leader", type: "text"},
      {key: "p", label: "p vs leader", type: "number"}
    ];
    var rowPictures = hasPictures(g.rows);
    if (rowPictures) columns.push({key: "pictures", label: "Pictures", type: "number"});
    header(table, columns);
    var body = el("tbody");
    (g.rows || []).forEach(function (r) {
      var tr = el("tr", null, "row");
      cell(tr, r.rank, r.rank, "num rank");
      cell(tr, r.model + (r.revision ? " @ " + r.revision : ""), r.model, "model");
      cell(tr, fmt(r.value, g.unit), r.value, "num value", r.href);
      cell(tr, fmtCi(r.ci, g.unit), r.ci ? r.ci[0] : null, "num ci", r.ci ? r.href : null);
      var tie = r.rank === 1 ? "leader" : r.tied_with_leader ? "\\u2248 tie" : "";
      var td = cell(tr, tie, tie, "tie");
      if (r.tied_with_leader) td.title = "the paired bootstrap cannot separate this entry from the leader";
      cell(tr, fmtP(r.p_value_vs_leader), r.p_value_vs_leader, "num p", isNum(r.p_value_vs_leader) ? r.href : null);
      if (rowPictures) pictures(tr, r);
      body.appendChild(tr);
    });
    table.appendChild(body);
    section.appendChild(table);
    if (g.apart && g.apart.length) {
      var apart = el("table", null, "apart");
      apart.appendChild(el("caption", "Not ranked with the table above (different signature)"));
      var apartColumns = [
        {key: "model", label: "Model", type: "text"},
        {key: "value", label: g.key, type: "number"},
        {key: "ci", label: "CI", type: "number"},
        {key: "reason", label: "Reason", type: "text"}
      ];
      var apartPictures = hasPictures(g.apart);
      if (apartPictures) apartColumns.push({key: "pictures", label: "Pictures", type: "number"});
      header(apart, apartColumns);
      var abody = el("tbody");
      g.apart.forEach(function (r) {
        var tr = el("tr", null, "apart-row");
        cell(tr, r.model + (r.revision ? " @ " + r.revision : ""), r.model, "model");
        cell(tr, fmt(r.value, g.unit), r.value, "num value", r.href);
        cell(tr, fmtCi(r.ci, g.unit), r.ci ? r.ci[0] : null, "num ci", r.ci ? r.href : null);
        cell(tr, r.reason, r.reason, "reason");
        if (apartPictures) pictures(tr, r);
        abody.appendChild(tr);
      });
      apart.appendChild(abody);
      section.appendChild(apart);
    }
    return section;
  }
  function fillSelect(name) {
    var select = document.getElementById("filter-" + name);
    var seen = {};
    groups.forEach(function (g) { seen[String(g[name])] = true; });
    Object.keys(seen).sort().forEach(function (value) {
      var option = el("option", value);
      option.value = value;
      select.appendChild(option);
    });
    select.addEventListener("change", applyFilters);
  }
  function applyFilters() {
    var shown = 0;
    var want = {};
    filters.forEach(function (f) { want[f] = document.getElementById("filter-" + f).value; });
    Array.prototype.forEach.call(root.querySelectorAll("section.group"), function (s) {
      var ok = filters.every(function (f) { return want[f] === "" || s.getAttribute("data-" + f) === want[f]; });
      s.hidden = !ok;
      if (ok) shown += 1;
    });
    document.getElementById("empty").hidden = shown > 0;
  }
  groups.forEach(function (g) { root.appendChild(render(g)); });
  filters.forEach(fillSelect);
  applyFilters();
  document.documentElement.setAttribute("data-ready", "1");
})();
"""


def _json_for_script(obj: Any) -> str:
    """``obj`` as JSON safe inside a ``<script>`` element (no ``<``, ``>``, ``&`` or line separators)."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, sort_keys=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def result_href(result_file: Any) -> str | None:
    """A relative, percent-encoded link to a result file, or ``None`` when it cannot be one.

    Absolute paths and URLs (``/x``, ``//host/x``, ``C:/x``, Windows paths alike) get no link; every other character that
    is not a path separator is percent-encoded, so no ``scheme:`` (``javascript:``) can survive.

    Args:
        result_file: the group row's ``result_file`` (relative to the leaderboard folder).
    """
    if not isinstance(result_file, str) or not result_file.strip():
        return None
    path = result_file.replace("\\", "/")
    if path.startswith("/") or _SCHEME.match(path):
        return None
    parts = PurePosixPath(path).parts
    return "/".join(quote(part, safe="") for part in parts)


def picture_href(file: Any, suffix: str = ".png") -> str | None:
    """A relative, percent-encoded link to a picture ending in ``suffix`` (:func:`result_href`), else ``None``.

    Args:
        file: the picture's path relative to the leaderboard folder.
        suffix: the required file suffix (``.png`` for a result's pictures, ``.svg`` for a table's chart).
    """
    href = result_href(file)
    return href if href is not None and href.lower().endswith(suffix) else None


def _pictures(plots: Any) -> list[dict[str, str]]:
    """A row's ``plots`` (``[{"caption", "file"}]``) as ``[{"caption", "href"}]``; unlinkable ones dropped."""
    out = []
    for plot in plots if isinstance(plots, Sequence) and not isinstance(plots, str) else []:
        if isinstance(plot, Mapping):
            href = picture_href(plot.get("file"))
            if href is not None:
                out.append({"caption": str(plot.get("caption", "")), "href": href})
    return out


def _checked_groups(groups: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(groups, (str, bytes, Mapping)) or not isinstance(groups, Sequence):
        raise InputValidationError(
            f"Expected argument `groups` to be a list of dicts, but got {type(groups)}."
        )
    out = []
    for i, group in enumerate(groups):
        if not isinstance(group, Mapping):
            raise InputValidationError(f"Expected leaderboard group {i} to be a dict, but got {type(group)}.")
        missing = [k for k in ("benchmark", "task", "split", "key", "rows") if k not in group]
        if missing:
            raise InputValidationError(
                f"Expected leaderboard group {i} to have keys {missing}, but got {sorted(group)}."
            )
        g = dict(group)
        for part in ("rows", "apart"):
            rows = group.get(part) or []
            if not isinstance(rows, Sequence) or not all(isinstance(row, Mapping) for row in rows):
                raise InputValidationError(
                    f"Expected `{part}` of leaderboard group {i} to be a list of dicts, but got {rows!r:.80}."
                )
            g[part] = [
                {**row, "href": result_href(row.get("result_file")), "pictures": _pictures(row.get("plots"))}
                for row in rows
            ]
        g["chart_href"] = picture_href(group.get("chart"), ".svg")
        out.append(g)
    return out


def _plot_figures(plots: Mapping[str, str] | None, out_dir: Path) -> str:
    if not plots:
        return ""
    figures = []
    for caption, file in plots.items():
        path = Path(file)
        path = path if path.is_absolute() else out_dir / path
        if path.suffix.lower() != ".png":
            raise InputValidationError(f"Expected a PNG picture for {caption!r}, but got {str(file)!r}.")
        try:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
        except OSError as exc:
            raise InputValidationError(f"Expected a readable PNG for {caption!r}, but got {exc}.") from exc
        figures.append(
            f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    return '<section id="pictures"><h2>Pictures</h2>' + "".join(figures) + "</section>"


def render_html(
    groups: Sequence[Mapping[str, Any]],
    *,
    title: str = "proceval leaderboard",
    plots_html: str = "",
) -> str:
    """The page's HTML text for leaderboard ``groups`` (see :func:`write_html`).

    Args:
        groups: leaderboard groups in the shape of ``proceval.hub.leaderboard.build_leaderboard``.
        title: the page title (escaped).
        plots_html: the already-escaped ``<section>`` of embedded pictures (``""`` for none).

    Raises:
        InputValidationError: ``groups`` is not a list of dicts with the contract's keys, or holds a
            non-finite number (JSON has no NaN).
    """
    try:
        data = _json_for_script({"groups": _checked_groups(groups)})
    except ValueError as exc:
        if isinstance(exc, InputValidationError):
            raise
        raise InputValidationError(
            f"Expected finite JSON numbers in the leaderboard, but got {exc}."
        ) from exc
    script_hash = base64.b64encode(hashlib.sha256(_JS.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; "
        f"script-src 'sha256-{script_hash}'; "
        "style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
    )
    n_rows = sum(len(g["rows"]) for g in groups)
    select = "".join(
        f'<label for="filter-{name}">{name.capitalize()} '
        f'<select id="filter-{name}" name="{name}"><option value="">all</option></select></label>'
        for name in ("benchmark", "task", "split")
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        f'<p class="lead">{len(groups)} tables, {n_rows} ranked entries. Best first by each metric\'s '
        "direction; \u2248 marks entries the paired bootstrap cannot separate from the leader. Click a column "
        "header to sort; each number links to its result file. Fractions are shown \u00d7100.</p>\n"
        f'<div class="filters">{select}</div>\n'
        '<p id="empty" hidden>No table matches the filters.</p>\n'
        '<div id="groups"></div>\n'
        f"{plots_html}\n"
        f'<script type="application/json" id="{DATA_ELEMENT_ID}">{data}</script>\n'
        f"<script>{_JS}</script>\n"
        "</body>\n</html>\n"
    )


def write_html(
    groups: Sequence[Mapping[str, Any]],
    out_dir: Path,
    *,
    plots: Mapping[str, str] | None = None,
    title: str = "proceval leaderboard",
) -> Path:
    """Write the leaderboard page ``out_dir/index.html`` (atomically) and return its path.

    Args:
        groups: leaderboard groups (``proceval.hub.leaderboard.build_leaderboard``); each row's
            ``result_file`` (relative to ``out_dir``) becomes the link of its numbers.
        out_dir: the leaderboard folder (created when missing).
        plots: ``{caption: PNG path}`` (relative to ``out_dir`` or absolute) shown below the tables;
            each picture is embedded in the page as a ``data:`` URI, so the page stands alone.
        title: the page title.

    Returns:
        The path of the written ``index.html``.

    Raises:
        InputValidationError: malformed groups, or a picture that is not a readable ``.png``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    text = render_html(groups, title=title, plots_html=_plot_figures(plots, out_dir))
    return atomic_write_text(out_dir / PAGE_NAME, text)


__all__ = ["DATA_ELEMENT_ID", "PAGE_NAME", "picture_href", "render_html", "result_href", "write_html"]
