"""``proceval demo`` end to end on a few configs of the sample release, and its resume behaviour."""

from __future__ import annotations

import json
from pathlib import Path

from proceval.demo import format_table, run_demo


def test_demo_scores_and_resumes(sample_release: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    configs = [
        "tas_s_s1",
        "asr_s1",
        "psr_s1",
        "cv_ta_s4",
        "af_l_s1",
        "egoproactive",
    ]  # + a validation-only config
    results = run_demo(
        tmp_path, configs=configs, sample_root=sample_release, progress=False, echo=lines.append
    )
    judged = ["egoproactive.pqs", "egoproactive.guidance_judge"]  # the session config's judge metrics
    assert set(results) == {*configs, *judged}
    saved = json.loads((tmp_path / "results.json").read_text())
    assert set(saved) == {*configs, *judged}
    for name in configs:
        assert (tmp_path / "predictions" / f"{name}.json").is_file()
        res = json.loads((tmp_path / "results" / f"{name}.json").read_text())
        split = "validation" if name == "egoproactive" else "test"  # the challenge file has no test split
        assert res["config"] == name and res["split"] == split and "|cfg:" + name + "|" in res["signature"]
    # the colour baseline learns the sample's step colours; the state prior is far from perfect
    assert results["tas_s_s1"]["scores"]["accuracy"] > 0.5
    assert 0.0 <= results["asr_s1"]["scores"]["macro_f1"] < 1.0
    assert "exo2ego" in results["cv_ta_s4"]["scores"]
    assert any("stock datasets.load_dataset" in line and "frame 0 decoded" in line for line in lines)
    table = lines[lines.index(next(x for x in lines if x.startswith("[4/5] results"))) + 1]
    assert table == format_table(results, notes=True)
    # the leaderboard of the demo's result files: printed, with its page
    assert lines[-3].startswith("[5/5] leaderboard of ")
    board = lines[-2].splitlines()
    tas_line = next(x for x in board if x.startswith("tas_s_s1 "))
    assert tas_line.split("  ", 1)[1].strip().startswith("tas  f1_at_50↑ (x100): 1. proceval/demo-baseline ")
    f1 = 100 * results["tas_s_s1"]["scores"]["f1_at_50"]
    assert tas_line.endswith(f"{f1:.2f}")
    page = tmp_path / "leaderboard" / "site" / "index.html"
    assert lines[-1].endswith(f"page: {page}") and page.is_file()
    from proceval.evaluation.results import read_result

    record = read_result(tmp_path / "leaderboard" / "results" / "proceval__demo-baseline" / "tas_s_s1.json")
    assert record["scores"]["accuracy"] == results["tas_s_s1"]["scores"]["accuracy"]
    assert record["signature"] == results["tas_s_s1"]["signature"]
    assert "tas_s_s1" in table and "f1_at_50=" in table
    # TAS-S is perfect on the sample, and the table says why, on the line under its row
    rows = table.splitlines()
    tas_row = next(i for i, row in enumerate(rows) if row.startswith("tas_s_s1 "))
    assert "accuracy=1.000" in rows[tas_row]
    assert rows[tas_row + 1].split()[:5] == ["note:", "1.000", "is", "expected", "on"]
    assert "colour" in rows[tas_row + 1]
    assert sum("note:" in row for row in rows) == 1  # asr, psr, cv_ta, af_l, egoproactive: no note
    assert "note:" not in format_table(results)  # `proceval evaluate --format text` prints none
    # the judge metrics went through the demo's fake endpoint on loopback
    assert any(
        line.strip().startswith("judge: proceval-demo-fake-judge at http://127.0.0.1:") for line in lines
    )
    for name in judged:
        assert "|judge:proceval-demo-fake-judge|" in results[name]["signature"]
    pqs, guidance = (results[name]["scores"] for name in judged)
    assert pqs["num_rated"] == pqs["tp"] > 0 and pqs["num_judge_failures"] == 0  # every true positive rated
    assert guidance["num_judged"] == guidance["num_true_positives"] == pqs["tp"]
    assert guidance["num_unparseable"] == guidance["num_failed"] == 0
    assert 1.0 <= guidance["mean_overall"] <= 5.0

    stamp = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "results").iterdir()}
    again = run_demo(
        tmp_path,
        configs=configs,
        sample_root=sample_release,
        progress=False,
        export=False,
        echo=lambda _: None,
    )
    assert {
        p.name: p.stat().st_mtime_ns for p in (tmp_path / "results").iterdir()
    } == stamp  # reused, not rewritten
    assert again["tas_s_s1"]["scores"] == results["tas_s_s1"]["scores"]


def _numbers(value):
    """A result's scores without signatures, with the golden file's ``n_*`` keys renamed to ``num_*``."""
    import re

    if isinstance(value, dict):
        return {
            (re.sub(r"(^|_)n_(?=[a-z])", r"\1num_", k) if isinstance(k, str) else k): _numbers(v)
            for k, v in value.items()
            if k != "signature"
        }
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def test_demo_numbers_equal_the_start_commit(sample_release: Path, tmp_path: Path) -> None:
    """The demo's baselines and scores on five configs are those of the golden run (``make demo`` at fb4502e)."""
    golden = json.loads((Path(__file__).parent / "golden" / "demo_golden.json").read_text())
    configs = ["ppr_l_s2", "cv_smc_s1", "af_s_s1", "atr_r_s3", "cv_smr_s2"]
    run_demo(
        tmp_path,
        configs=configs,
        sample_root=sample_release,
        progress=False,
        export=False,
        echo=lambda _: None,
    )
    results = json.loads((tmp_path / "results.json").read_text())  # what the demo wrote
    for name in configs:
        assert results[name]["predictions_sha256_16"] == golden[name]["predictions_sha256_16"], name
        assert json.dumps(_numbers(results[name]["scores"]), sort_keys=True) == json.dumps(
            _numbers(golden[name]["scores"]), sort_keys=True
        ), name


_RUN_DEPENDENT = {
    "num_calls",
    "num_cached",
    "num_http_retries",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
}
"""Judge counts that depend on what the judge cache already held (not on the predictions or the judge)."""


def _judged_numbers(value):
    """A judged result's numbers without signatures and the cache-dependent counts of :data:`_RUN_DEPENDENT`."""
    if isinstance(value, dict):
        return {k: _judged_numbers(v) for k, v in value.items() if k not in _RUN_DEPENDENT | {"signature"}}
    if isinstance(value, list):
        return [_judged_numbers(v) for v in value]
    return value


def test_demo_judged_numbers_equal_the_golden(sample_release: Path, tmp_path: Path) -> None:
    """The judged metrics (fake loopback judge, ratings from prompt hashes) give the golden run's numbers.

    The golden entries were written by a full ``proceval demo`` run; here a subset runs with an empty judge
    cache, so only the counts that depend on the cache's content may differ.
    """
    golden = json.loads((Path(__file__).parent / "golden" / "demo_golden.json").read_text())
    run_demo(
        tmp_path,
        configs=["egoproactive", "pro2bench_egoproactive", "needle"],
        metrics=["pqs", "guidance_judge", "oop_recovery", "videoqa_judge"],
        sample_root=sample_release,
        progress=False,
        export=False,
        echo=lambda _: None,
    )
    results = json.loads((tmp_path / "results.json").read_text())
    expected = [
        "egoproactive.pqs",
        "egoproactive.guidance_judge",
        "pro2bench_egoproactive.pqs",
        "pro2bench_egoproactive.guidance_judge",
        "pro2bench_egoproactive.oop_recovery",
        "needle.videoqa_judge",
    ]
    assert sorted(results) == sorted(expected)
    for name in expected:
        assert results[name]["predictions_sha256_16"] == golden[name]["predictions_sha256_16"], name
        assert json.dumps(_judged_numbers(results[name]["scores"]), sort_keys=True) == json.dumps(
            _judged_numbers(golden[name]["scores"]), sort_keys=True
        ), name
    oop = results["pro2bench_egoproactive.oop_recovery"]["scores"]
    assert oop["num_rated"] == oop["num_detected"] > 0 and 1.0 <= oop["recovery_quality"] <= 5.0
    videoqa = results["needle.videoqa_judge"]["scores"]
    assert videoqa["num_rated_questions"] == videoqa["num_questions"] and videoqa["num_unparseable"] == 0
