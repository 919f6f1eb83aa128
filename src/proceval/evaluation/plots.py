"""``proceval evaluate --plots DIR``: the pictures of one result, through the task's ``plots`` hook.

A task declares ``Task.plots`` (``(ds, predictions, result) -> list of plot specifications``, see
:mod:`proceval.hub.plots`); :func:`plot_specs` calls it and :func:`write_plots` draws every specification
as a PNG of :data:`proceval.hub.plots.WIDTH_PX` x :data:`proceval.hub.plots.HEIGHT_PX` pixels. A task
without a hook has no pictures (an empty list, not an error).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from proceval.errors import InputValidationError
from proceval.hub.plots import Bars, Confusion, Curves, Histogram, PlotSpec, Timeline, render_plots
from proceval.registry import Task

_SPEC_TYPES = (Timeline, Bars, Confusion, Curves, Histogram)


def _scores(result: Mapping[str, Any]) -> Mapping[str, Any]:
    """The score dict of a runner result (``{"scores": ...}``) or a raw score function result."""
    scores = result.get("scores") if isinstance(result, Mapping) else None
    return scores if isinstance(scores, Mapping) else result


def plot_specs(
    task: Task, dataset: Any, predictions: Mapping[str, Any], result: Mapping[str, Any]
) -> list[PlotSpec]:
    """The plot specifications of ``task`` for one scored split (``[]`` when the task has no hook).

    Args:
        task: the task that scored the split.
        dataset: the split (references), as the task's ``score`` read it.
        predictions: the predictions keyed by the task's ids.
        result: the result (the runner's ``{"scores": ...}`` or the score function's dict).

    Raises:
        InputValidationError: the hook returned something other than plot specifications.
    """
    if task.plots is None:
        return []
    specs = list(task.plots(dataset, predictions, _scores(result)))
    bad = [type(s).__name__ for s in specs if not isinstance(s, _SPEC_TYPES)]
    if bad:
        raise InputValidationError(
            f"Expected the plots of task {task.name!r} to be plot specifications, but got {bad[:3]}."
        )
    return specs


def write_plots(
    task: Task, dataset: Any, predictions: Mapping[str, Any], result: Mapping[str, Any], out_dir: Path
) -> list[Path]:
    """Draw the pictures of one scored split into ``out_dir`` (created) and return the PNG paths.

    Args:
        task: the task that scored the split.
        dataset: the split (references).
        predictions: the predictions keyed by the task's ids.
        result: the result (the runner's ``{"scores": ...}`` or the score function's dict).
        out_dir: the folder of the PNGs (file names from the specifications' names).
    """
    return [Path(p["file"]) for p in write_captioned_plots(task, dataset, predictions, result, out_dir)]


def write_captioned_plots(
    task: Task, dataset: Any, predictions: Mapping[str, Any], result: Mapping[str, Any], out_dir: Path
) -> list[dict[str, str]]:
    """Like :func:`write_plots`, but return ``{"caption": spec title, "file": PNG path}`` per picture."""
    specs = plot_specs(task, dataset, predictions, result)
    paths = render_plots(specs, Path(out_dir))
    return [{"caption": spec.title, "file": str(path)} for spec, path in zip(specs, paths, strict=True)]


def result_plot_entries(
    plots: Sequence[Mapping[str, str]], result_path: str | os.PathLike[str]
) -> list[dict[str, str]]:
    """The ``plots`` entries of a result file written to ``result_path``: files relative to its folder.

    A picture already under the result file's folder is recorded by its relative path; every other
    picture is copied to ``<result stem>.plots/`` beside the result file (created) and that copy is
    recorded, so the result and its pictures move together.

    Args:
        plots: ``{"caption", "file"}`` pairs (:func:`write_captioned_plots`; ``file`` any path).
        result_path: where the result file is (to be) written.

    Returns:
        ``[{"caption": str, "file": "relative/posix/path.png"}]`` (the schema's ``plots`` entries).
    """
    folder = Path(result_path).absolute().parent
    copies = folder / f"{Path(result_path).stem}.plots"
    out = []
    for plot in plots:
        src = Path(plot["file"]).absolute()
        try:
            rel = src.resolve().relative_to(folder.resolve())
        except ValueError:
            copies.mkdir(parents=True, exist_ok=True)
            dest = copies / src.name
            shutil.copyfile(src, dest)
            rel = dest.relative_to(folder)
        out.append({"caption": str(plot["caption"]), "file": rel.as_posix()})
    return out


__all__ = ["plot_specs", "result_plot_entries", "write_captioned_plots", "write_plots"]
