"""Every number the IMPACT metrics gave at the start of the architecture refactor, compared exactly.

``tests/golden/impact_golden.json`` was written by ``tests/golden/generate_golden.py`` at commit
``fb4502e``: seeded, perturbed ground-truth predictions for every config of the real release and of the
sample release, scored with default options and option variants (conventions, matchings, levels,
bootstrap intervals, paired comparisons). Each test re-scores one config and asserts that every case is
identical to the file (after the ``n_*`` → ``num_*`` key renames; NaN equals NaN).
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(GOLDEN_DIR))

import generate_golden as golden  # noqa: E402

from proceval.datasets.spec import list_configs  # noqa: E402
from proceval.evaluation.runner import metric_for_config  # noqa: E402

CONFIGS = [spec.name for spec in list_configs("impact")]


@lru_cache(maxsize=1)
def _expected() -> dict[str, Any]:
    return json.loads((GOLDEN_DIR / "impact_golden.json").read_text(encoding="utf-8"))


def _check(source: str, release: Path, config: str) -> None:
    metric = metric_for_config(config, "impact")
    prefix = f"{source}/{config}/"
    expected = {"cases": {k: v for k, v in _expected()["cases"].items() if k.startswith(prefix)}}
    assert expected["cases"], f"the golden file has no case for {prefix}"
    cases, _, _ = golden.score_config(
        release, config, metric, golden.DEFAULT_CACHE / "arrow" / source, source
    )
    problems = golden.compare(expected, {"cases": cases})
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("config", CONFIGS)
def test_sample_release_numbers_equal_the_golden_file(config: str) -> None:
    from filelock import FileLock

    golden.DEFAULT_CACHE.mkdir(parents=True, exist_ok=True)
    with FileLock(str(golden.DEFAULT_CACHE / "sample.lock")):
        release = golden.sample_release(golden.DEFAULT_CACHE)
    _check("sample", release, config)


@pytest.mark.impact_release
@pytest.mark.parametrize("config", CONFIGS)
def test_real_release_numbers_equal_the_golden_file(impact_release: Path, config: str) -> None:
    _check("real", impact_release, config)


def test_key_renames_only_touch_counts() -> None:
    assert golden.renamed(
        {"n_instances": 1, "left_action_n_classes": 2, "per_video": {"v": {"n_gt": 3}}}
    ) == {
        "num_instances": 1,
        "left_action_num_classes": 2,
        "per_video": {"v": {"num_gt": 3}},
    }
    assert golden.renamed({"mean_ap": 0.5, "recall_at_1": 1.0, "n": 3}) == {
        "mean_ap": 0.5,
        "recall_at_1": 1.0,
        "n": 3,
    }
