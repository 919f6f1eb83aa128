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
    # every task with a baseline ran: intervention on all four, oop_recovery as the second metric
    assert set(results) == {*configs, "pro2bench_egoproactive.oop_recovery"}
    session = results["egoproactive"]["scores"]
    # the sample draws each step in its own colour: the rule finds the step changes
    assert session["gmean_f1"] > 0.8 and session["interrupt_recall"] > 0.8
    preds = json.loads((tmp_path / "demo" / "predictions" / "egoproactive.json").read_text())
    assert all(answers[0].startswith("$interrupt$") for answers in preds.values())
    oop = results["pro2bench_egoproactive.oop_recovery"]["scores"]
    assert oop["num_oop_instances"] == 1 and oop["oop_detection_recall"] == 1.0
    for name in configs:
        assert 0.0 <= results[name]["scores"]["gmean_f1"] <= 1.0
