"""The benchmark registry: one :class:`Benchmark` declaration per benchmark, one :class:`Task` per task.

Every fact about a task is written once, in its ``Task``: the configs it has, the metric module that
scores it, the id column predictions are keyed by, the unit the bootstrap resamples, how references and
predictions become the score function's inputs, the score's options class and the headline keys with
their direction, range and unit. ``proceval list``, the CLI's choices, ``eval.yaml``, the demo table and
the README's predictions table all derive from these declarations.

Benchmarks register themselves when their package under :mod:`proceval.benchmarks` is imported; the
built-in ones are imported on first use of the registry. A test suite (or a plug-in) can register its
own with :func:`register_benchmark`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import datasets

    from proceval.datasets.spec import ConfigSpec
    from proceval.scores.options import ScoreOptions

HeadlineUnit = Literal["fraction", "seconds", "frames", "rank", "count", "score"]


@dataclass(frozen=True)
class Lazy:
    """A function or class named by its import path (``"package.module:name"``), imported on first use.

    Declarations name their adapters, score options, baselines and plots this way, so that declaring a
    benchmark imports none of them: a command pays only for the code it runs (``proceval evaluate
    intervention`` imports neither IMPACT's scores nor a judge's HTTP client). Calling a ``Lazy`` calls
    its target; :meth:`resolve` returns the target itself. ``tests/test_registry_lazy.py`` resolves every
    reference of every declaration.

    Attributes:
        target: ``"module:name"``.
    """

    target: str

    def resolve(self) -> Any:
        """The named object (its module is imported on the first call)."""
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the named function with these arguments."""
        return self.resolve()(*args, **kwargs)


class LazyModule:
    """``LazyModule("pkg.mod").name`` is ``Lazy("pkg.mod:name")``: declarations read like attribute access."""

    def __init__(self, module: str) -> None:
        """Name the module (it is not imported)."""
        self._module = module

    def __getattr__(self, name: str) -> Lazy:
        """A lazy reference to ``name`` in the module."""
        if name.startswith("__"):  # pickling and copying probe dunder names: not references
            raise AttributeError(name)
        return Lazy(f"{self._module}:{name}")


def resolved(value: Any) -> Any:
    """``value``'s target if it is a :class:`Lazy`, else ``value`` itself."""
    return value.resolve() if isinstance(value, Lazy) else value


@dataclass(frozen=True)
class Headline:
    """A result key a table shows, with its direction, range and unit.

    Attributes:
        key: the result key (``f1_at_50``); for nested results ``"<group>:<key>"`` (``"local:overall_recall_at_1"``).
        higher_is_better: the direction a leaderboard ranks by.
        range: the closed interval the value lies in (``None`` for an open end).
        unit: ``fraction`` (in [0, 1]; tables print x100), ``seconds``, ``frames``, ``rank``, ``count``
            or ``score``.
    """

    key: str
    higher_is_better: bool = True
    range: tuple[float | None, float | None] = (0.0, 1.0)
    unit: HeadlineUnit = "fraction"

    def value(self, scores: Mapping[str, Any]) -> Any:
        """The value of this key in a score dict (``group:key`` reads ``scores[group][key]``)."""
        node: Any = scores
        for part in self.key.split(":"):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node


@dataclass(frozen=True)
class EvalContext:
    """What a task's readers may need beyond the split: the config, the release folder, other splits.

    Attributes:
        config: the config name (``tas_s_s1``).
        protocol: the config's split protocol (``s1``), or ``""`` for a benchmark without protocols.
        dataset_dir: the resolved release folder.
        load_split: ``split name -> datasets.Dataset`` of the same config (cached by the runner).
    """

    config: str
    protocol: str
    dataset_dir: Path
    load_split: Callable[[str], datasets.Dataset]


@dataclass
class BaselineContext:
    """What a task's demo baseline gets: a loader of the config's splits, the release and a shared state.

    Attributes:
        config: the config being predicted.
        release: the resolved release folder.
        load: ``(split, media=True, config=None) -> datasets.Dataset``; ``media`` attaches the (undecoded)
            video column, ``config`` loads another config of the same release.
        state: a dict shared by every baseline of one demo run (e.g. PSR reuses the ASR predictions).
    """

    config: str
    release: Path
    load: Callable[..., datasets.Dataset]
    state: dict[str, Any]


ScoreFn = Callable[..., dict[str, Any]]
"""``(ds, predictions, options, ctx, paired=None) -> scores``: references are read from ``ds``,
``predictions`` (a mapping keyed by the task's ids) are converted and the score function is called with
``options``; ``paired`` is a second system's predictions for a paired bootstrap."""


@dataclass(frozen=True)
class Task:
    """One task of a benchmark: which configs it has and how a metric scores them.

    The function-valued fields (``ids``, ``score``, ``baseline``, ``read_predictions``, ``plots``) and
    ``options`` may be :class:`Lazy` references (``LazyModule("...adapters").score_tas``), imported when
    first used.

    Attributes:
        name: the task key (``tas_s``); config names are ``<name>_<protocol>`` where a benchmark has
            protocols.
        benchmark: the owning benchmark's name.
        metric: the metric module (``metrics/<metric>/``) and score that score this task.
        configs: the config names of this task.
        id_column: the column (or composed id, described in ``ids_doc``) predictions are keyed by.
        ids: ``datasets.Dataset -> list of prediction ids`` of a split.
        ids_doc: how a prediction id is written, for the README table and ``proceval list``.
        prediction_doc: what one prediction looks like.
        resample: the unit the bootstrap resamples (``video``, ``query``, ``instance``, ...).
        score: reads references and predictions and calls the score function (see :data:`ScoreFn`).
        options: the score's options class (or a :class:`Lazy` reference to it, read with
            :meth:`options_class`); ``-o key=value`` keys are its fields plus ``extra_options``.
        extra_options: adapter-level options beyond the options class: ``{name: (default, abbreviation)}``;
            the runner signs each with its abbreviation (``None``: changes no number, not signed).
        headline: the keys a table shows, first = the leaderboard's ranking key.
        summary: one line: what the metric reports.
        baseline: ``BaselineContext -> predictions`` for the demo (optional).
        read_predictions: ``path -> {id: prediction}`` for a benchmark's official submission format
            (e.g. JSONL lines keyed by ``video_path``); ``None`` reads proceval's generic formats
            (:func:`proceval.evaluation.predictions.read_predictions`).
        demo_note: one line the demo prints under this task's results (e.g. why its baseline scores 1.0
            on the sample release); ``""`` for none.
        plots: ``(ds, predictions, result) -> list of plot specifications`` (:mod:`proceval.hub.plots`)
            drawn by ``proceval evaluate --plots DIR`` (:func:`proceval.evaluation.plots.write_plots`);
            ``None``: the task has no pictures.
        reads_rows: ``score`` (and ``plots``) read the references only through ``len(ds)``, ``ds[column]``,
            ``ds.column_names`` and ``ds.select_columns(...).to_dict()``, and the configs' ``generate``
            yields the values the Arrow table stores (no label names to encode): the runner then hands
            them the release's rows in memory (:class:`proceval.datasets.rows.Rows`), with neither
            ``datasets`` imported nor an Arrow cache built (``tests/test_reads_rows.py`` checks both ways
            give the same result).
    """

    name: str
    benchmark: str
    metric: str
    configs: tuple[str, ...]
    id_column: str
    ids: Callable[[datasets.Dataset], list[str]]
    ids_doc: str
    prediction_doc: str
    resample: str
    score: ScoreFn
    options: type[ScoreOptions] | Lazy | None
    headline: tuple[Headline, ...]
    summary: str
    extra_options: Mapping[str, tuple[Any, str | None]] = field(default_factory=dict)
    baseline: Callable[[BaselineContext], Any] | None = None
    read_predictions: Callable[[Path], dict[str, Any]] | None = None
    demo_note: str = ""
    plots: Callable[[datasets.Dataset, Mapping[str, Any], Mapping[str, Any]], list[Any]] | None = None
    reads_rows: bool = False

    def options_class(self) -> type[ScoreOptions] | None:
        """The score's options class (imported if :attr:`options` is a :class:`Lazy` reference)."""
        return resolved(self.options)

    def option_names(self) -> tuple[str, ...]:
        """Every key ``-o key=value`` accepts for this task (the options class's fields first)."""
        from proceval.scores.options import UNCERTAINTY_OPTIONS

        options = self.options_class()
        own = options.field_names() if options is not None else ()
        return (*own, *self.extra_options, *UNCERTAINTY_OPTIONS)


@dataclass(frozen=True)
class Benchmark:
    """One benchmark: its release, configs, tasks and card.

    Attributes:
        name: the registry key and Hub repo name (``impact``).
        title: a one-line description.
        resolve_release: ``source -> release folder`` (a folder, sub-folder or archive the user passes).
        data_version: ``release folder -> version string`` derived from the annotation files' content
            (``<name>-<short hash>``), so two releases never share one.
        configs: ``() -> list of ConfigSpec`` in a stable order.
        tasks: the task declarations.
        citation, homepage, license, description: card and builder metadata.
        card: ``(specs, report, release_dir) -> README text`` of the exported Hub repo (optional).
        write_sample: ``(folder, seed, n_units) -> list of video jobs`` writing the sample release's
            label files in the official layout under ``folder`` (optional).
        sample_release: ``sample root -> release folder`` of this benchmark in a sample (optional).
        sample_videos: ``sample root -> videos folder`` of this benchmark in a sample (optional).
    """

    name: str
    title: str
    resolve_release: Callable[[str | os.PathLike[str]], Path] | None = None
    data_version: Callable[[Path], str] | None = None
    configs: Callable[[], list[ConfigSpec]] = lambda: []
    tasks: tuple[Task, ...] = ()
    citation: str = ""
    homepage: str = ""
    license: str = ""
    description: str = ""
    card: Callable[..., str] | None = None
    write_sample: Callable[..., list[Any]] | None = None
    sample_release: Callable[[Path], Path] | None = None
    sample_videos: Callable[[Path], Path] | None = None

    def config_names(self) -> list[str]:
        """Every config name, in registration order."""
        return [spec.name for spec in self.configs()]

    def get_config(self, name: str) -> ConfigSpec:
        """The config ``name``; an unknown name is an error listing the known ones."""
        for spec in self.configs():
            if spec.name == name:
                return spec
        raise _unknown("config", f"of {self.name!r}", name, self.config_names())

    def tasks_of_config(self, config: str) -> list[Task]:
        """Every task whose ``configs`` hold ``config`` (several metrics may score one config)."""
        return [task for task in self.tasks if config in task.configs]

    def task_of_config(self, config: str, metric: str | None = None) -> Task:
        """The task that scores ``config`` (with ``metric`` when given; else the first declared).

        Raises:
            InputValidationError: no task of this benchmark has ``config`` (or none with ``metric``).
        """
        tasks = self.tasks_of_config(config)
        if not tasks:
            raise _unknown("config", f"with a task of {self.name!r}", config, self.config_names())
        if metric is None:
            return tasks[0]
        for task in tasks:
            if task.metric == metric:
                return task
        raise _unknown(
            "metric", f"that scores {config!r}", metric, list(dict.fromkeys(t.metric for t in tasks))
        )

    def get_task(self, name: str) -> Task:
        """The task ``name``; an unknown name is an error listing the known ones."""
        for task in self.tasks:
            if task.name == name:
                return task
        raise _unknown("task", f"of {self.name!r}", name, [t.name for t in self.tasks])

    def metrics(self) -> list[str]:
        """The metric names of this benchmark's tasks, in task order, without repeats."""
        return list(dict.fromkeys(t.metric for t in self.tasks))

    def tasks_of_metric(self, metric: str) -> list[Task]:
        """The tasks a metric scores; an unknown metric is an error listing this benchmark's metrics."""
        found = [t for t in self.tasks if t.metric == metric]
        if not found:
            raise _unknown("metric", f"of {self.name!r}", metric, self.metrics())
        return found


def _unknown(what: str, where: str, got: str, known: list[str]) -> Exception:
    from proceval.errors import InputValidationError

    listing = ", ".join(known) if known else "none yet"
    return InputValidationError(f"Expected a {what} {where} (one of: {listing}), but got {got!r}.")


_REGISTRY: dict[str, Benchmark] = {}
_BUILTINS_LOADED = False


def register_benchmark(benchmark: Benchmark, *, replace: bool = False) -> Benchmark:
    """Add ``benchmark`` to the registry; a second one with the same name is an error unless ``replace``."""
    if benchmark.name in _REGISTRY and not replace and _REGISTRY[benchmark.name] is not benchmark:
        raise ValueError(f"benchmark {benchmark.name!r} is registered twice")
    _REGISTRY[benchmark.name] = benchmark
    return benchmark


def unregister_benchmark(name: str) -> None:
    """Remove ``name`` from the registry (for tests that register a benchmark of their own)."""
    _REGISTRY.pop(name, None)


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    from proceval.benchmarks import BUILTIN_PACKAGES

    for module in BUILTIN_PACKAGES:
        importlib.import_module(module)


def benchmarks() -> list[Benchmark]:
    """Every registered benchmark, built-ins first."""
    _load_builtins()
    return list(_REGISTRY.values())


def benchmark_names() -> list[str]:
    """The names of every registered benchmark."""
    return [b.name for b in benchmarks()]


def get_benchmark(name: str) -> Benchmark:
    """The benchmark ``name``; an unknown name is an error listing the known ones."""
    _load_builtins()
    if name not in _REGISTRY:
        raise _unknown("benchmark", "name", name, list(_REGISTRY))
    return _REGISTRY[name]


def all_tasks() -> Iterator[Task]:
    """Every task of every registered benchmark."""
    for bench in benchmarks():
        yield from bench.tasks


def metric_names() -> list[str]:
    """Every metric name of every registered benchmark, without repeats."""
    return list(dict.fromkeys(t.metric for t in all_tasks()))


def find_metric(metric: str) -> tuple[Benchmark, list[Task]]:
    """The benchmark and tasks a metric belongs to; an unknown metric lists the known ones."""
    for bench in benchmarks():
        tasks = [t for t in bench.tasks if t.metric == metric]
        if tasks:
            return bench, tasks
    raise _unknown("metric", "name", metric, metric_names())
