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
    assert set(results) == set(configs)
    saved = json.loads((tmp_path / "results.json").read_text())
    assert set(saved) == set(configs)
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
    table = lines[-2]
    assert table == format_table(results)
    assert "tas_s_s1" in table and "f1_at_50=" in table

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
