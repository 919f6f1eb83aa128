"""A benchmark declared from the test suite alone builds, exports, loads with stock ``datasets`` and scores.

The toy benchmark (``tests/toy_benchmark.py``) touches no generic module: registering its
:class:`~proceval.registry.Benchmark` is all the builder, the Hub export, the runner and the CLI need.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import datasets
import pytest
import yaml
from toy_benchmark import BENCHMARK, ITEMS, LABELS, write_toy_release

from proceval.cli import main
from proceval.datasets.builder import builder_class
from proceval.datasets.load import load_config
from proceval.errors import InputValidationError
from proceval.evaluation.runner import evaluate_config
from proceval.hub.export import export_hub_repo
from proceval.registry import get_benchmark, register_benchmark, unregister_benchmark


@pytest.fixture()
def toy() -> Iterator[None]:
    register_benchmark(BENCHMARK)
    try:
        yield
    finally:
        unregister_benchmark(BENCHMARK.name)


@pytest.fixture()
def release(tmp_path: Path) -> Path:
    return write_toy_release(tmp_path / "src")


def expected(protocol: str, split: str) -> list[tuple[str, int]]:
    column = 2 if protocol == "a" else 3
    return [(item[0], item[1]) for item in ITEMS if item[column] == split]


def test_builds_with_load_config(toy, release: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    dsd = load_config("toy", release.parent, "animals_a", cache_dir=cache)
    assert isinstance(dsd, datasets.DatasetDict) and set(dsd) == {"train", "test"}
    test = dsd["test"]
    assert test.features["label"].names == list(LABELS)
    assert list(zip(test["item_id"], test["label"], strict=True)) == expected("a", "test")
    assert test.info.homepage == BENCHMARK.homepage and test.info.license == BENCHMARK.license
    assert BENCHMARK.description in test.info.description
    assert [c.name for c in builder_class("toy").BUILDER_CONFIGS] == ["animals_a", "animals_b"]
    b = load_config("toy", release, "animals_b", split="test", cache_dir=cache)
    assert list(zip(b["item_id"], b["label"], strict=True)) == expected("b", "test")
    # An edited label is never served from the stale cache.
    again = load_config("toy", release, "animals_a", split="test", cache_dir=cache)
    assert again.cache_files == test.cache_files
    data = json.loads((release / "items.json").read_text())
    data["items"][6]["label"] = 2  # i06: test under protocol a
    (release / "items.json").write_text(json.dumps(data))
    edited = load_config("toy", release, "animals_a", split="test", cache_dir=cache)
    assert edited.cache_files != test.cache_files and edited["label"][0] == 2
    with pytest.raises(InputValidationError, match="animals_a"):
        load_config("toy", release, "animals_c", cache_dir=cache)


def test_exports_and_loads_with_stock_datasets(toy, release: Path, tmp_path: Path) -> None:
    out = tmp_path / "repo"
    report = export_hub_repo("toy", release, out, progress=False)
    assert report.counts == {
        "animals_a": {"train": 6, "test": 4},
        "animals_b": {"train": 8, "test": 2},
    }
    assert "animals/a/test-00000-of-00001.parquet" in report.files
    text = (out / "README.md").read_text()
    front = yaml.safe_load(text[4:].split("\n---\n", 1)[0])
    assert front["license"] == "cc0-1.0" and front["pretty_name"] == "Toy"
    assert [c["config_name"] for c in front["configs"]] == ["animals_a", "animals_b"]
    assert "| `animals_a` | 6 | - | 4 | toy_accuracy |" in text
    ev = yaml.safe_load((out / "eval.yaml").read_text())
    assert ev["name"] == "Toy"
    assert ev["tasks"][0] == {
        "id": "animals_a",
        "config": "animals_a",
        "split": "test",
        "task": "animals",
        "metric": "toy_accuracy",
        "headline": [{"key": "accuracy", "higher_is_better": True}],
    }
    for name in ("animals_a", "animals_b"):
        dsd = datasets.load_dataset(str(out), name, cache_dir=str(tmp_path / "hf"))
        assert {k: v.num_rows for k, v in dsd.items()} == report.counts[name]
        test = dsd["test"]
        assert test.features["label"].names == list(LABELS)
        assert list(zip(test["item_id"], test["label"], strict=True)) == expected(name[-1], "test")


def test_scores_through_the_runner(toy, release: Path, tmp_path: Path) -> None:
    refs = dict(expected("a", "test"))  # i06 cat, i07 dog, i08 bird, i09 cat
    predictions = {"i06": "cat", "i07": "dog", "i08": "cat", "i09": 1}
    result = evaluate_config(
        "toy_accuracy", release, "animals_a", predictions, benchmark="toy", cache_dir=tmp_path / "cache"
    )
    assert result["num_references"] == len(refs) == 4
    assert result["scores"]["accuracy"] == pytest.approx(2 / 4)
    version = BENCHMARK.data_version(release.resolve())
    assert result["data_version"] == version
    assert f"|data:{version}|cfg:animals_a|split:test|" in result["signature"]
    macro = evaluate_config(
        "toy_accuracy",
        release,
        "animals_a",
        predictions,
        benchmark="toy",
        options={"average": "macro"},
        cache_dir=tmp_path / "cache",
    )
    # cat: 1 of 2, dog: 1 of 1, bird: 0 of 1
    assert macro["scores"]["accuracy"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert "avg:macro" in macro["signature"]
    with pytest.raises(InputValidationError, match="average"):
        evaluate_config(
            "toy_accuracy", release, "animals_a", predictions, benchmark="toy", options={"avg": "macro"}
        )


def test_cli_lists_and_builds(toy, release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "configs", "--benchmark", "toy"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines if line.strip()] == ["animals_a", "animals_b"]
    out = tmp_path / "repo"
    code = main(["build", "toy", "--source", str(release), "--out", str(out), "--no-progress"])
    printed = capsys.readouterr().out.splitlines()
    assert code == 0 and printed[1].split() == ["animals_a", "6", "-", "4"]
    assert (out / "animals/b/train-00000-of-00001.parquet").is_file()


def test_unregistered_after_the_test() -> None:
    with pytest.raises(InputValidationError, match="toy"):
        get_benchmark("toy")
