"""Tasks that read the release's rows in memory (``Task.reads_rows``) score exactly as from the Arrow cache.

``evaluate_config`` hands such a task :class:`proceval.datasets.rows.Rows` built from the config's
``generate`` instead of a ``datasets.Dataset``; here both are built from the sample release and every
column, every score and every plot must be the same. A fresh ``proceval evaluate intervention`` process
must not import ``datasets`` (or the other heavy libraries a judge-free score never needs).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from proceval.datasets.rows import Rows, read_rows
from proceval.registry import EvalContext, all_tasks, get_benchmark

INT, SIL = "$interrupt$", "$silent$"
ROW_TASKS = [t for t in all_tasks() if t.reads_rows]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from proceval.sample import write_sample

    root = tmp_path_factory.mktemp("rows") / "sample"
    write_sample(root, seed=0, benchmarks=["pro2bench"], videos=False)
    return root / "egoproactive"


def _predictions(task_name: str, ds) -> dict:
    """Every third decision flipped; ``ratings`` (4 everywhere on true positives) for the rated scores."""
    out = {}
    for vid, answers in zip(ds["video_path"], ds["answers"], strict=True):
        pred = [f"{INT} next" if a.startswith(INT) != (j % 3 == 2) else SIL for j, a in enumerate(answers)]
        if task_name == "intervention":
            out[vid] = pred
        else:
            tp = [p.startswith(INT) and a.startswith(INT) for p, a in zip(pred, answers, strict=True)]
            out[vid] = {"answers": pred, "ratings": [[4, 4, 4, 4] if t else None for t in tp]}
    return out


def test_some_task_reads_rows() -> None:
    assert {t.name for t in ROW_TASKS} >= {"intervention", "pqs", "guidance_judge"}


@pytest.mark.parametrize("task", ROW_TASKS, ids=lambda t: t.name)
def test_rows_equal_the_arrow_split_and_score_the_same(task, release: Path, tmp_path: Path) -> None:
    from proceval.datasets.load import load_config

    bench = get_benchmark(task.benchmark)
    folder = bench.resolve_release(release)
    for config in task.configs:
        spec = bench.get_config(config)
        split = spec.eval_split
        arrow = load_config(bench.name, release, config, split=split, cache_dir=tmp_path)
        rows = read_rows(spec, folder, split)
        assert len(rows) == len(arrow) > 0
        assert set(rows.column_names) == set(arrow.column_names)
        for column in arrow.column_names:
            assert rows[column] == arrow[column], column

        def ctx(ds, config=config, spec=spec):
            return EvalContext(config, spec.protocol, folder, load_split=lambda _: ds)

        predictions = _predictions(task.name, arrow)
        from_arrow = task.score(arrow, predictions, {}, ctx(arrow))
        from_rows = task.score(rows, predictions, {}, ctx(rows))
        assert json.dumps(from_rows, sort_keys=True) == json.dumps(from_arrow, sort_keys=True)
        if task.plots is not None:
            result = {"scores": from_arrow}
            assert repr(task.plots(rows, predictions, result)) == repr(task.plots(arrow, predictions, result))


def test_evaluate_config_reads_rows_without_an_arrow_cache(release: Path, tmp_path: Path) -> None:
    from proceval.evaluation.runner import evaluate_config

    rows = read_rows(get_benchmark("pro2bench").get_config("egoproactive"), release, "validation")
    preds = _predictions("intervention", rows)
    cache = tmp_path / "cache"
    res = evaluate_config("intervention", release, "egoproactive", preds, cache_dir=cache)
    assert res["num_references"] == len(rows) and 0 < res["scores"]["macro_f1"] < 1
    assert not cache.exists()  # no Arrow cache was built


def test_a_fresh_evaluate_process_imports_no_heavy_library(release: Path, tmp_path: Path) -> None:
    rows = read_rows(get_benchmark("pro2bench").get_config("egoproactive"), release, "validation")
    preds = tmp_path / "preds.jsonl"
    preds.write_text(
        "".join(
            json.dumps({"video_path": k, "answers": v}) + "\n"
            for k, v in _predictions("intervention", rows).items()
        )
    )
    heavy = ("datasets", "pandas", "pyarrow", "aiohttp", "sklearn", "scipy", "torch", "matplotlib", "asyncio")
    code = (
        "import sys, io, contextlib\n"
        "from proceval.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['evaluate', 'intervention', '--source', {str(release)!r}, '--config', 'egoproactive', "
        f"'--predictions', {str(preds)!r}])\n"
        f"print(code, [m for m in {heavy!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[-2] == "0 []", out.stdout + out.stderr


def test_rows_api() -> None:
    rows = Rows.from_examples([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])
    assert len(rows) == 2 and rows.column_names == ["a", "b"] and rows["a"] == [1, 2]
    assert rows.select_columns(["b"]).to_dict() == {"b": ["x", "y"]}
    assert rows.select_columns("a").column_names == ["a"]
    assert len(Rows.from_examples([])) == 0
    with pytest.raises(KeyError, match=r"one of: a, b.*'c'"):
        rows["c"]
    with pytest.raises(ValueError, match=r"example 1 to have the columns \['a', 'b'\], but got \['a'\]"):
        Rows.from_examples([{"a": 1, "b": 2}, {"a": 3}])
    with pytest.raises(ValueError, match=r"one length"):
        Rows({"a": [1], "b": []})
