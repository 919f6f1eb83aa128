"""Score a predictions mapping against one split of a registered config and package the result.

The config's :class:`~proceval.registry.Task` says which metric scores it, how references and
predictions are read and which options exist; the runner validates the option keys, loads the split,
calls the task's reader-and-score function and signs the result with everything that changed the
number: the score's own options, the task's adapter-level options, the data version (a hash of the
release's annotation files), the config and the split.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from proceval.errors import InputValidationError
from proceval.registry import Benchmark, EvalContext, Task, find_metric, get_benchmark
from proceval.scores.signature import with_context


def resolve_task(metric: str, config: str, benchmark: str | None = None) -> tuple[Benchmark, Task]:
    """The benchmark and task that ``metric`` scores ``config`` with.

    Raises:
        InputValidationError: unknown benchmark, metric or config (listing the known ones), or a config
            that ``metric`` does not score (naming the metric that does).
    """
    bench = get_benchmark(benchmark) if benchmark is not None else find_metric(metric)[0]
    bench.tasks_of_metric(metric)  # unknown metric of this benchmark: lists its metrics
    bench.get_config(config)  # unknown config: lists the known ones
    tasks = bench.tasks_of_config(config)
    for task in tasks:
        if task.metric == metric:
            return bench, task
    scored_by = ", ".join(f"`{m}`" for m in dict.fromkeys(t.metric for t in tasks)) or "no metric"
    raise InputValidationError(
        f"Expected a config scored by `{metric}` (one of: "
        f"{', '.join(c for t in bench.tasks_of_metric(metric) for c in t.configs)}), but got "
        f"{config!r}, which {scored_by} scores."
    )


def metric_for_config(config: str, benchmark: str | None = None) -> str:
    """The metric that scores ``config`` (from the registry's task declarations).

    Raises:
        InputValidationError: no registered task has ``config``.
    """
    from proceval.registry import benchmarks

    candidates = [get_benchmark(benchmark)] if benchmark is not None else benchmarks()
    for bench in candidates:
        for task in bench.tasks:
            if config in task.configs:
                return task.metric
    known = [c for b in candidates for t in b.tasks for c in t.configs]
    raise InputValidationError(f"Expected a config name (one of: {', '.join(known)}), but got {config!r}.")


def check_split(config: str, split: str, splits: tuple[str, ...]) -> None:
    """Refuse a split the config does not have (before the release is read), listing its splits.

    Raises:
        InputValidationError: ``split`` is not one of ``splits``.
    """
    if split not in splits:
        raise InputValidationError(
            f"Expected a split of config {config!r} (one of: {', '.join(splits)}), but got {split!r}."
        )


def check_options(task: Task, options: Mapping[str, Any]) -> None:
    """Refuse option keys that the task's score does not take, listing the allowed ones."""
    allowed = task.option_names()
    unknown = [k for k in options if k not in allowed]
    if unknown:
        raise InputValidationError(
            f"Unknown option {unknown[0]!r} for `{task.metric}` on {task.name!r} configs; "
            f"allowed: {', '.join(allowed)}."
        )


def evaluate_config(
    metric: str,
    source: str | os.PathLike[str],
    config: str,
    predictions: Mapping[str, Any],
    *,
    benchmark: str | None = None,
    split: str | None = None,
    options: Mapping[str, Any] | None = None,
    paired_predictions: Mapping[str, Any] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    plots_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Score ``predictions`` (keyed by the ids the config's task documents).

    Args:
        metric: a metric name (``tas``, ``psr``, ...).
        source: the release (a folder, its sub-folder or archive: whatever the benchmark resolves).
        config: a config name such as ``tas_s_s1``.
        predictions: ``{id: prediction}``.
        benchmark: the benchmark (default: the one whose tasks include ``metric``).
        split: the split holding the references (default: ``test``, or the config's last split when it has
            no ``test`` split, e.g. a ``validation``-only challenge file).
        options: keyword options for the score (conventions, bootstrap, ...) and the task's adapter
            options; an unknown key is an error listing the allowed ones.
        paired_predictions: a second system's predictions (same ids) for a paired bootstrap comparison.
        cache_dir: Arrow cache folder for the dataset (unused for a task that reads the release's rows
            in memory, :attr:`~proceval.registry.Task.reads_rows`).
        progress: while loading the split or scoring takes longer than a second, show the stage and the
            elapsed time on stderr when it is a terminal (nothing is printed for quicker stages, nor into
            a log file or pipe, where error messages stay one line).
        plots_dir: also draw the task's pictures (:func:`proceval.evaluation.plots.write_plots`) into this
            folder; they are returned under ``"plots"`` as ``{"caption": title, "file": PNG path}``.

    Returns:
        ``{"metric", "benchmark", "config", "split", "data_version", "num_references", "scores",
        "signature"}``; ``signature`` extends the score's signature with the adapter options, the data
        version, the config and the split.
    """
    bench, task = resolve_task(metric, config, benchmark)
    options = dict(options or {})
    check_options(task, options)
    if bench.resolve_release is None or bench.data_version is None:
        raise InputValidationError(f"Benchmark {bench.name!r} declares no release reader to score against.")
    spec = bench.get_config(config)
    if split is None:
        split = spec.eval_split
    check_split(config, split, spec.splits)
    release = bench.resolve_release(source)
    data_version = bench.data_version(release)

    @lru_cache(maxsize=4)
    def load_split(name: str):
        if task.reads_rows:  # the release's rows in memory: no `datasets` import, no Arrow cache
            from proceval.datasets.rows import read_rows

            return read_rows(spec, release, name)
        from proceval.datasets.load import load_config

        return load_config(bench.name, release, config, split=name, cache_dir=cache_dir)

    with _stage(f"loading {config} ({split})", progress):
        ds = load_split(split)
    ctx = EvalContext(config=config, protocol=spec.protocol, dataset_dir=release, load_split=load_split)
    with _stage(f"scoring {config} ({split}) with {metric}", progress):
        scores = task.score(ds, predictions, dict(options), ctx, paired=paired_predictions)
    extra = {
        abbr: options.get(name, default)
        for name, (default, abbr) in task.extra_options.items()
        if abbr is not None  # an option that changes no number (e.g. what the result lists)
    }
    context = {"data_version": data_version, "config": config, "split": split}
    _sign_nested(scores, extra, context)
    plots: list[dict[str, str]] = []
    if plots_dir is not None:
        from proceval.evaluation.plots import write_captioned_plots

        with _stage(f"drawing the pictures of {config} ({split})", progress):
            plots = write_captioned_plots(task, ds, predictions, {"scores": scores}, Path(plots_dir))
    result = {
        "metric": metric,
        "benchmark": bench.name,
        "config": config,
        "split": split,
        "data_version": data_version,
        "num_references": len(ds),
        "scores": scores,
        "signature": _signature(scores),
    }
    if plots_dir is not None:
        result["plots"] = plots
    return result


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


@contextlib.contextmanager
def _stage(desc: str, enabled: bool) -> Iterator[None]:
    """Show ``desc`` and the elapsed time on a terminal stderr (tqdm, cleared at the end) once the block runs > 1 s."""
    if not (enabled and _stderr_is_tty()):
        yield
        return
    from proceval.evaluation.predictions import PROGRESS_DELAY_S

    stop = threading.Event()

    def show() -> None:
        if stop.wait(PROGRESS_DELAY_S):
            return
        from tqdm.auto import tqdm

        with tqdm(desc=desc, bar_format="{desc}: {elapsed}", file=sys.stderr, leave=False) as bar:
            while not stop.wait(0.5):
                bar.refresh()

    thread = threading.Thread(target=show, name="proceval-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _sign_nested(scores: dict[str, Any], extra: Mapping[str, Any], context: Mapping[str, Any]) -> None:
    """Extend every signature in ``scores`` (top level or one level down) with ``extra`` and ``context``."""
    if isinstance(scores.get("signature"), str):
        scores["signature"] = with_context(scores["signature"], extra, **context)
        return
    for value in scores.values():
        if isinstance(value, dict) and isinstance(value.get("signature"), str):
            value["signature"] = with_context(value["signature"], extra, **context)


def _signature(scores: Mapping[str, Any]) -> str:
    sig = scores.get("signature")
    if isinstance(sig, str):
        return sig
    # nested results (one per protocol / level): join the distinct signatures
    return " + ".join(
        sorted({v["signature"] for v in scores.values() if isinstance(v, Mapping) and "signature" in v})
    )
