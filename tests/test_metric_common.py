"""One test over every folder in ``metrics/``: the Hub layout, the evaluate skeleton and the doctests.

Mirrors evaluate's own ``tests/test_metric_common.py``: every module loads with ``evaluate.load``,
``_compute`` takes explicit keyword arguments (no ``**kwargs``), one import per line (evaluate's import
checker reads import lines as text), a card with the required sections, a two-line ``app.py``, and
the Examples doctest in ``_KWARGS_DESCRIPTION`` runs with at least one example and no failure.
"""

from __future__ import annotations

import doctest
import inspect
import re
from pathlib import Path

import pytest
import yaml
from helpers.testers import assert_same_scores, forwarded_function, library_function, load_module_file

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
    # The namespace is read, not hard-coded: the Space's own id ($SPACE_ID, set by the Hub) or, from a
    # checkout, this folder (tests/test_publish.py runs every app.py both ways).
    app = [
        ln
        for ln in (metric_dir / "app.py").read_text().splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    assert app == [
        "import os",
        "from pathlib import Path",
        "import evaluate",
        "from evaluate.utils import launch_gradio_widget",
        'module = evaluate.load(os.environ.get("SPACE_ID") or str(Path(__file__).resolve().parent))',
        "launch_gradio_widget(module)",
    ]
    # The card says how to load it from a checkout and from a pushed Space, and names no fixed namespace.
    card = (metric_dir / "README.md").read_text()
    assert f'evaluate.load("metrics/{name}")' in card
    assert f'evaluate.load("ORG/{name}")' in card and f"proceval push-metric {name} --namespace ORG" in card
    assert f'"proceval/{name}"' not in card
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
    text = load_module_file(metric_dir)._KWARGS_DESCRIPTION
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


def test_compute_keywords_and_defaults_equal_the_score_function(metric_dir: Path) -> None:
    mod = load_module_file(metric_dir)
    cls = next(v for v in vars(mod).values() if isinstance(v, type) and "_compute" in vars(v))
    fn = forwarded_function(mod)
    own = {
        n: p.default
        for n, p in inspect.signature(cls._compute).parameters.items()
        if n not in ("self", "predictions", "references")
    }
    lib = {
        n: p.default
        for n, p in inspect.signature(fn).parameters.items()
        if n not in ("predictions", "references") and p.kind is not inspect.Parameter.VAR_KEYWORD
    }
    assert list(own) == list(lib), f"{metric_dir.name}: _compute keywords differ from {fn.__name__}"
    for name, default in own.items():
        assert default == lib[name] or (default is None and lib[name] is None), (
            f"{metric_dir.name}: default of `{name}` is {default!r} in _compute but {lib[name]!r} in {fn.__name__}"
        )


def test_assert_same_scores_checks_every_leaf() -> None:
    """The shared tester's comparison is not vacuous: NaN equals NaN, any other differing leaf fails."""
    want = {"a": 0.5, "ci": {"a": [0.1, float("nan")]}, "signature": "x|v:1"}
    assert_same_scores({"a": 0.5, "ci": {"a": [0.1, float("nan")]}, "signature": "x|v:1"}, want)
    assert_same_scores({**want, "a": 0.5 + 1e-15}, want, atol=1e-12)
    for got in (
        {**want, "a": 0.5 + 1e-15},
        {**want, "ci": {"a": [0.1, 0.2]}},
        {**want, "ci": {"a": [0.1]}},
        {**want, "signature": "x|v:2"},
        {**want, "extra": 1},
    ):
        with pytest.raises(AssertionError):
            assert_same_scores(got, want)


def test_every_metric_folder_is_a_registered_metric_and_back() -> None:
    from proceval.registry import metric_names

    assert {p.name for p in METRIC_DIRS} == set(metric_names())


def test_task_options_classes_match_the_score_keywords() -> None:
    """Each task's options class fields are keywords of the score function its metric module forwards to."""
    from proceval.registry import all_tasks

    for task in all_tasks():
        options = task.options_class()
        assert options is not None, f"task {task.name} declares no options class"
        fn = library_function(task.metric)
        params = inspect.signature(fn).parameters
        for name, default in options.defaults().items():
            if name not in params:
                continue  # options read from a protocol object or other container the module takes
            assert params[name].default == default, (
                f"{task.metric}: `{name}` defaults to {params[name].default!r} in {fn.__name__} "
                f"but to {default!r} in {options.__name__}"
            )


def test_readme_predictions_table_is_generated_from_the_registry() -> None:
    from proceval.commands.list import predictions_table

    readme = (REPO / "README.md").read_text()
    begin = readme.index("<!-- tasks-table:begin")
    begin = readme.index("\n", begin) + 1
    end = readme.index("<!-- tasks-table:end -->")
    assert readme[begin:end].strip() == predictions_table().strip(), (
        "README's predictions table is stale: paste `proceval list tasks --format markdown`"
    )
