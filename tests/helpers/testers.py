"""One score test for every evaluate module: module and library function against the same reference.

torchmetrics' ``MetricTester`` (``tests/unittests/_helpers/testers.py``) runs a metric's functional and
module versions against one reference implementation on seeded inputs, batch by batch. Here the two
versions are the evaluate module in ``metrics/<name>/`` and the library function its ``_compute``
forwards to (found by reading ``_compute``'s source, see :func:`forwarded_function`)::

    class TestPpr(MetricTester):
        metric = "ppr"
        atol = 1e-12

        def test_scores(self):
            self.run_metric_test(preds, refs, batch_size=3, reference=partial(_reference_ppr, aggregate="pooled"))
            self.run_bootstrap_test(preds, refs, bootstrap=50, seed=2, paired_predictions=other)

Each evaluate module is loaded once per test process (:func:`load_metric`); ``compute`` leaves it empty
again, so tests can share it.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from numbers import Number
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
METRICS = REPO / "metrics"

Reference = Callable[[Any, Any], Mapping[str, Any]]


# ------------------------------------------------------------------------------------- discovery


def load_module_file(metric_dir: Path) -> ModuleType:
    """``metrics/<name>/<name>.py`` imported as a plain Python module (no evaluate machinery)."""
    path = metric_dir / f"{metric_dir.name}.py"
    spec = importlib.util.spec_from_file_location(f"_metric_file_{metric_dir.name}", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def forwarded_function(mod: ModuleType) -> Callable[..., dict]:
    """The one library function ``_compute`` returns the result of (``return fn(...)``)."""
    tree = ast.parse(inspect.getsource(mod))
    compute = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "_compute")
    returns = [n for n in ast.walk(compute) if isinstance(n, ast.Return)]
    assert len(returns) == 1, "_compute must have exactly one return: the library call"
    call = returns[0].value
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name), (
        "_compute must return one library call, adding no logic"
    )
    body = [n for n in compute.body if not isinstance(n, ast.Expr)]  # a docstring is allowed
    assert len(body) == 1, "_compute must hold nothing but the forwarded call"
    return getattr(mod, call.func.id)


@cache
def library_function(name: str) -> Callable[..., dict]:
    """The library function the evaluate module ``metrics/<name>`` forwards to."""
    return forwarded_function(load_module_file(METRICS / name))


@cache
def load_metric(name: str):
    """``evaluate.load("metrics/<name>")``, once per test process."""
    import evaluate

    return evaluate.load(str(METRICS / name))


# ------------------------------------------------------------------------------------ comparison


def assert_same_scores(got: Any, want: Any, atol: float = 0.0, where: str = "result") -> None:
    """Two nested score results agree leaf by leaf: numbers within ``atol`` (NaN == NaN), the rest exactly.

    Dicts must have the same keys and sequences the same length; ``signature`` strings are leaves like any
    other, so they must be equal.
    """
    if isinstance(got, np.ndarray) or isinstance(want, np.ndarray):
        got, want = np.asarray(got).tolist(), np.asarray(want).tolist()
    if isinstance(want, Mapping):
        assert isinstance(got, Mapping), f"{where}: {got!r} is not a mapping"
        assert set(got) == set(want), f"{where}: keys differ: {sorted(map(str, set(got) ^ set(want)))}"
        for key in want:
            assert_same_scores(got[key], want[key], atol, f"{where}[{key!r}]")
    elif isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), f"{where}: {got!r} != {want!r}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same_scores(g, w, atol, f"{where}[{i}]")
    elif isinstance(want, Number) and not isinstance(want, bool) and isinstance(got, Number):
        if math.isnan(want):
            assert math.isnan(got), f"{where}: {got!r}, expected NaN"
        else:
            assert math.isclose(got, want, rel_tol=0.0, abs_tol=atol), (
                f"{where}: {got!r} != {want!r} (atol {atol})"
            )
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


# ---------------------------------------------------------------------------------------- tester


class MetricTester:
    """Base of a test class for one evaluate module (not collected itself: its name lacks ``Test``).

    Set ``metric`` to the folder name in ``metrics/`` and ``atol`` to the tolerance against the reference
    implementation; module and library must agree exactly.
    """

    metric: str
    atol: float = 1e-12

    @property
    def module(self):
        return load_metric(self.metric)

    @property
    def library(self) -> Callable[..., dict]:
        return library_function(self.metric)

    def run_metric_test(
        self,
        predictions: Sequence[Any],
        references: Sequence[Any],
        *,
        batch_size: int,
        reference: Reference | None = None,
        **kwargs: Any,
    ) -> dict:
        """Library, one ``compute``, ``add_batch`` in chunks of ``batch_size``, and the reference agree.

        Args:
            predictions: the module's ``predictions`` (also passed as they are to the library function).
            references: the module's ``references``.
            batch_size: instances per ``add_batch`` call.
            reference: ``reference(predictions, references)`` returns headline numbers under the library's
                keys (bind its options with ``functools.partial``); compared within ``self.atol``.
            **kwargs: options, passed to ``compute`` and the library function alike.

        Returns:
            The library function's result, for test-specific assertions.
        """
        want = self.library(predictions, references, **kwargs)
        once = self.module.compute(predictions=predictions, references=references, **kwargs)
        assert_same_scores(once, want, where=f"{self.metric}.compute")
        for lo in range(0, len(predictions), batch_size):
            self.module.add_batch(
                predictions=predictions[lo : lo + batch_size], references=references[lo : lo + batch_size]
            )
        batched = self.module.compute(**kwargs)
        assert_same_scores(batched, want, where=f"{self.metric}.add_batch+compute")
        if reference is not None:
            expected = reference(predictions, references)
            assert expected, "the reference returned no scores"
            assert_same_scores(
                {key: want[key] for key in expected}, expected, self.atol, "library vs reference"
            )
        return want

    def run_bootstrap_test(
        self,
        predictions: Sequence[Any],
        references: Sequence[Any],
        *,
        bootstrap: int = 50,
        seed: int = 0,
        paired_predictions: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> dict:
        """Module and library give the same result, ``ci`` (and ``paired``) included, for one bootstrap seed.

        Returns:
            The library function's result.
        """
        kwargs = {**kwargs, "bootstrap": bootstrap, "seed": seed}
        if paired_predictions is not None:
            kwargs["paired_predictions"] = paired_predictions
        want = self.library(predictions, references, **kwargs)
        got = self.module.compute(predictions=predictions, references=references, **kwargs)
        assert_same_scores(got, want, where=f"{self.metric}.compute(bootstrap={bootstrap})")
        assert _finds(want, "ci"), "bootstrap gave no confidence intervals"
        if paired_predictions is not None:
            assert _finds(want, "paired"), "paired_predictions gave no paired comparison"
        return want


def _finds(result: Any, key: str) -> bool:
    """Whether a non-empty ``key`` entry sits at any depth of a nested result (``label_level="all"``)."""
    if not isinstance(result, Mapping):
        return False
    return bool(result.get(key)) or any(_finds(v, key) for v in result.values())
