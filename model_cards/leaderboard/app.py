"""The proceval leaderboard as a Gradio Space: one table of every group ``proceval leaderboard`` wrote.

Reads ``leaderboard.json`` (the groups of :func:`proceval.hub.leaderboard.build_leaderboard`: one per
benchmark, task, config, split, headline key and comparability class, rows ranked best first) from
``$LEADERBOARD_JSON`` or beside this file, and shows one row per ranked entry (rank, model, value, CI,
whether the paired bootstrap separates it from the leader) plus the entries shown apart (another
signature, with the reason). Three drop-downs filter by benchmark, task and split.

Importing this file neither imports gradio nor launches anything (tests import it); ``python app.py``
(what a Space runs) builds the app with :func:`build_demo` and launches it. Copy ``leaderboard.json``
from ``proceval leaderboard RESULTS --out site/`` into the Space beside this file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ALL = "all"
COLUMNS = [
    "benchmark",
    "task",
    "config",
    "split",
    "metric",
    "key",
    "rank",
    "model",
    "value",
    "ci",
    "tied",
    "p vs leader",
    "signature",
    "result file",
    "note",
]
"""The table's columns, in order."""
TIED_MARKS = {True: "≈ leader", False: "", None: "? (not bootstrapped)"}
"""The ``tied`` column: the paired bootstrap cannot separate the row from the leader / can / was not run."""


def default_path() -> Path:
    """``$LEADERBOARD_JSON``, else ``leaderboard.json`` beside this file."""
    return Path(os.environ.get("LEADERBOARD_JSON") or HERE / "leaderboard.json")


def load_groups(path: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """The leaderboard groups of ``path`` (a JSON list of groups, or an object with a ``groups`` list).

    Raises:
        ValueError: the file holds neither.
    """
    p = Path(path) if path is not None else default_path()
    data = json.loads(p.read_text(encoding="utf-8"))
    groups = data.get("groups") if isinstance(data, Mapping) else data
    if not isinstance(groups, list) or not all(isinstance(g, Mapping) for g in groups):
        raise ValueError(
            f"Expected {p} to hold a list of leaderboard groups, but got {type(groups).__name__}."
        )
    return groups


def _num(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "—"


def _ci(ci: Sequence[float] | None) -> str:
    return f"[{_num(ci[0])}, {_num(ci[1])}]" if ci else "—"


def table_rows(
    groups: Sequence[Mapping[str, Any]], benchmark: str = ALL, task: str = ALL, split: str = ALL
) -> list[list[Any]]:
    """One list per ranked row and per row shown apart (rank ``apart``), in :data:`COLUMNS` order.

    ``benchmark``, ``task`` and ``split`` keep only the groups with that value (``all``: no filter).
    Values are formatted with 4 decimals; model names are plain strings (Gradio shows them as text).
    """
    out: list[list[Any]] = []
    for g in groups:
        if any(
            want != ALL and g.get(k) != want
            for k, want in (("benchmark", benchmark), ("task", task), ("split", split))
        ):
            continue
        head = [g.get("benchmark"), g.get("task"), g.get("config"), g.get("split"), g.get("metric")]
        key = f"{g.get('key')} {'↑' if g.get('higher_is_better', True) else '↓'}"
        for r in g.get("rows", []):
            p = r.get("p_value_vs_leader")
            out.append(
                [
                    *head,
                    key,
                    r.get("rank"),
                    str(r.get("model")),
                    _num(r.get("value")),
                    _ci(r.get("ci")),
                    TIED_MARKS[r.get("tied_with_leader")],
                    "—" if p is None else f"{p:.3g}",
                    g.get("signature", ""),
                    r.get("result_file", ""),
                    "",
                ]
            )
        for r in g.get("apart", []):
            out.append(
                [
                    *head,
                    key,
                    "apart",
                    str(r.get("model")),
                    _num(r.get("value")),
                    _ci(r.get("ci")),
                    "",
                    "—",
                    r.get("signature", ""),
                    r.get("result_file", ""),
                    r.get("reason", ""),
                ]
            )
    return out


def choices(groups: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The sorted values of each filter (benchmark, task, split) present in ``groups``."""
    return {k: sorted({str(g.get(k)) for g in groups}) for k in ("benchmark", "task", "split")}


def build_demo(path: str | os.PathLike[str] | None = None) -> Any:
    """The Gradio ``Blocks`` app (not launched): three filters above the table."""
    import gradio as gr

    groups = load_groups(path)
    opts = choices(groups)
    with gr.Blocks(title="proceval leaderboard") as demo:
        gr.Markdown(
            "# proceval leaderboard\n\nRanked best first per benchmark, task, config, split and metric; "
            "`≈ leader`: the paired bootstrap cannot separate the entry from the leader. Rows `apart` were "
            "computed with another signature and are not ranked with the others."
        )
        with gr.Row():
            filters = [
                gr.Dropdown(choices=[ALL, *opts[k]], value=ALL, label=k)
                for k in ("benchmark", "task", "split")
            ]
        table = gr.Dataframe(headers=COLUMNS, value=table_rows(groups), interactive=False, wrap=True)

        def refresh(benchmark: str, task: str, split: str) -> list[list[Any]]:
            return table_rows(groups, benchmark, task, split)

        for f in filters:
            f.change(refresh, inputs=filters, outputs=table)
    return demo


if __name__ == "__main__":
    build_demo().launch()
