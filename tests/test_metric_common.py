"""One test over every folder in ``metrics/``: the Hub layout, the evaluate skeleton and the doctests.

Mirrors evaluate's own ``tests/test_metric_common.py``: every module loads with ``evaluate.load``,
``_compute`` takes explicit keyword arguments (no ``**kwargs``), one import per line (evaluate's import
checker reads import lines as text), a card with the required sections, a two-line ``app.py``, and
the Examples doctest in ``_KWARGS_DESCRIPTION`` runs with at least one example and no failure.
"""

from __future__ import annotations

import doctest
import importlib.util
import inspect
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
METRIC_DIRS = sorted(
    p for p in (REPO / "metrics").iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
)
CARD_SECTIONS = (
    "## Metric Description",
    "## How to Use",
    "## Output Values",
    "## Citation",
)


def _ids(p: Path) -> str:
    return p.name


@pytest.fixture(params=METRIC_DIRS, ids=_ids)
def metric_dir(request: pytest.FixtureRequest) -> Path:
    return request.param


def test_there_are_metric_modules() -> None:
    assert METRIC_DIRS, "metrics/ holds no metric module"


def test_hub_layout(metric_dir: Path) -> None:
    name = metric_dir.name
    for fname in (f"{name}.py", "README.md", "app.py", "requirements.txt"):
        assert (metric_dir / fname).is_file(), f"metrics/{name}/{fname} is missing"
    app = [ln for ln in (metric_dir / "app.py").read_text().splitlines() if ln.strip()]
    assert app == [
        "import evaluate",
        "from evaluate.utils import launch_gradio_widget",
        f'module = evaluate.load("proceval/{name}")',
        "launch_gradio_widget(module)",
    ]
    reqs = (metric_dir / "requirements.txt").read_text().split()
    assert any(r.startswith("proceval") for r in reqs)
    assert any(r.startswith("evaluate") for r in reqs)


def test_card_front_matter_and_sections(metric_dir: Path) -> None:
    text = (metric_dir / "README.md").read_text()
    m = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert m, "card must start with YAML front matter"
    meta = yaml.safe_load(m.group(1))
    for key in ("title", "sdk", "app_file", "tags", "description"):
        assert key in meta, f"card front matter lacks {key!r}"
    assert meta["app_file"] == "app.py"
    assert "evaluate" in meta["tags"] and "metric" in meta["tags"]
    for section in CARD_SECTIONS:
        assert section in text, f"card lacks section {section!r}"
    assert re.search(r"##+ .*(Values from|Popular Papers)", text), (
        "card lacks the values-from-the-paper section"
    )


def test_one_import_per_line(metric_dir: Path) -> None:
    src = (metric_dir / f"{metric_dir.name}.py").read_text()
    for line in src.splitlines():
        if re.match(r"^\s*import\s+\w", line):
            assert "," not in line, f"evaluate's import checker needs one import per line: {line!r}"


def test_loads_and_compute_has_no_var_kwargs(metric_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import evaluate

    monkeypatch.chdir(REPO)
    module = evaluate.load(str(metric_dir))
    params = inspect.signature(module._compute).parameters.values()
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params), "_compute must not take **kwargs"
    info = module._info()
    assert info.citation and info.description and info.inputs_description


def test_kwargs_description_doctest(metric_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    path = metric_dir / f"{metric_dir.name}.py"
    spec = importlib.util.spec_from_file_location(f"_metric_{metric_dir.name}", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = mod._KWARGS_DESCRIPTION
    import evaluate

    globs = {"evaluate": evaluate}
    test = doctest.DocTestParser().get_doctest(
        text, globs, f"{metric_dir.name}._KWARGS_DESCRIPTION", str(path), 0
    )
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 1, "the Examples section must hold at least one doctest"
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {path}"
