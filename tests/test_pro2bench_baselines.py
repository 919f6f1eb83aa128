"""The Pro2Bench demo baseline (interrupt when the frame colour changes) through ``proceval demo``."""

from __future__ import annotations

import json
from pathlib import Path

from proceval.demo import run_demo


def test_colour_change_baseline_in_the_demo(tmp_path: Path) -> None:
    from proceval.sample import write_sample

    sample_release = tmp_path / "sample"  # the Pro2Bench part only, with videos (a few seconds)
    write_sample(sample_release, seed=0, benchmarks=["pro2bench"], videos=True)
    configs = ["egoproactive", "egoproactive_decisions", "pro2bench_egoproactive", "pro2bench_ego4d"]
    results = run_demo(
        tmp_path / "demo",
        configs=configs,
        sample_root=sample_release,
        progress=False,
        export=False,
        echo=lambda _: None,
    )
    # every task with a baseline ran: intervention on all four, pqs and guidance_judge (judged by the
    # demo's loopback fake judge) on all four, oop_recovery on the one config with deviations
    judged = {f"{c}.{m}" for c in configs for m in ("pqs", "guidance_judge")}
    assert set(results) == {*configs, *judged, "pro2bench_egoproactive.oop_recovery"}
    for name in judged:  # the judged metrics score the same answers as intervention (computed once)
        config = name.split(".")[0]
        same = json.loads((tmp_path / "demo" / "predictions" / f"{name}.json").read_text())
        assert same == json.loads((tmp_path / "demo" / "predictions" / f"{config}.json").read_text())
    session = results["egoproactive"]["scores"]
    # the sample draws each step in its own colour: the rule finds the step changes
    assert session["gmean_f1"] > 0.8 and session["interrupt_recall"] > 0.8
    preds = json.loads((tmp_path / "demo" / "predictions" / "egoproactive.json").read_text())
    assert all(answers[0].startswith("$interrupt$") for answers in preds.values())
    oop = results["pro2bench_egoproactive.oop_recovery"]["scores"]
    assert oop["num_oop_instances"] == 1 and oop["oop_detection_recall"] == 1.0
    assert oop["num_rated"] == 1 and 1.0 <= oop["recovery_quality"] <= 5.0  # the recovery was judged
    for name in configs:
        assert 0.0 <= results[name]["scores"]["gmean_f1"] <= 1.0
