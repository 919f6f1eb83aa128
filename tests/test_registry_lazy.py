"""Declarations name their adapters, options, baselines and plots lazily (``registry.Lazy``), and every name resolves.

A misspelt ``Lazy`` target would only fail when that task first runs; here every reference of every
registered task is imported, and each must be a function (or, for ``options``, a ScoreOptions class).
Declaring the benchmarks must not import the implementations: a fresh process that only lists the
metrics imports no adapter, no score module and no plotting code.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from proceval.registry import Lazy, LazyModule, all_tasks, benchmarks, resolved
from proceval.scores.options import ScoreOptions

FUNCTION_FIELDS = ("ids", "score", "baseline", "read_predictions", "plots")


@pytest.mark.parametrize("task", list(all_tasks()), ids=lambda t: f"{t.benchmark}-{t.name}")
def test_every_reference_resolves(task) -> None:
    for field in FUNCTION_FIELDS:
        value = getattr(task, field)
        if value is not None:
            assert callable(resolved(value)), f"{task.name}.{field} = {value!r}"
    options = task.options_class()
    assert isinstance(options, type) and issubclass(options, ScoreOptions), task.name
    assert task.option_names()[: len(options.field_names())] == options.field_names()


@pytest.mark.parametrize("bench", benchmarks(), ids=lambda b: b.name)
def test_every_benchmark_hook_resolves(bench) -> None:
    for field in ("resolve_release", "data_version", "configs", "card", "write_sample", "sample_release"):
        value = getattr(bench, field)
        if value is not None:
            assert callable(resolved(value)), f"{bench.name}.{field} = {value!r}"


def test_lazy_references_call_their_target_and_pickle() -> None:
    ref = LazyModule("json").dumps
    assert ref == Lazy("json:dumps") and ref([1]) == "[1]"
    assert pickle.loads(pickle.dumps(ref)) == ref
    assert resolved(len) is len and resolved(Lazy("os.path:join")).__name__ == "join"
    with pytest.raises(AttributeError):
        Lazy("json:no_such_function").resolve()


def test_declaring_the_benchmarks_imports_no_implementation() -> None:
    code = (
        "import sys\n"
        "from proceval.registry import metric_names\n"
        "metric_names()\n"
        "print(sorted(m for m in sys.modules if m.startswith('proceval.') and "
        "any(part in m for part in ('.adapters', '.scores.', '.plots', '.judges.runner', '.baselines'))))\n"
        "print(sorted(m for m in ('numpy', 'datasets', 'pyarrow', 'aiohttp', 'sklearn') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    implementations, heavy = out.stdout.splitlines()
    assert implementations == "[]", implementations
    assert heavy == "[]", heavy
