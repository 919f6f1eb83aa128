"""The ``proceval`` command line: help texts, list, evaluate, exit codes and error messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from proceval.benchmarks.impact.load import load_impact
from proceval.cli import COMMANDS, build_parser, main
from proceval.evaluation.predictions import write_predictions


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    help_text = parser.format_help()
    for name in COMMANDS:
        assert name in help_text
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert "usage: proceval " + name in out
        assert "not implemented" not in out


def test_console_script_runs() -> None:
    exe = Path(sys.executable).parent / "proceval"
    res = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert res.stdout.startswith("proceval ")


def test_list_configs_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "configs", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = {r["config"] for r in rows if r["benchmark"] == "impact"}
    expected = {
        f"{t}_s{n}"
        for t in (
            "tas_s",
            "tas_bl",
            "tas_br",
            "ppr_l",
            "ppr_r",
            "cv_ta",
            "cv_smr",
            "cv_smc",
            "atr_l",
            "atr_r",
        )
        for n in (1, 2, 3, 4)
    }
    expected |= {"af_s_s1", "af_l_s1", "psr_s1", "asr_s1"}
    assert names == expected
    assert all(r["metrics"] for r in rows), "every listed config is scored by at least one metric"
    from proceval.registry import benchmarks, get_benchmark

    assert {(r["benchmark"], r["config"]) for r in rows} == {
        (b.name, c) for b in benchmarks() for c in b.config_names()
    }
    egoproactive = next(r for r in rows if r["config"] == "egoproactive")
    declared = [t.metric for t in get_benchmark("pro2bench").tasks_of_config("egoproactive")]
    assert egoproactive["metrics"] == list(dict.fromkeys(declared))  # several metrics score one config
    assert {"intervention", "pqs"} <= set(egoproactive["metrics"])


def test_list_unknown_benchmark_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "configs", "--benchmark", "egoproactive"]) == 1
    err = capsys.readouterr().err
    assert "one of: impact, pro2bench, procobject" in err and "'egoproactive'" in err
    assert "Traceback" not in err
    assert main(["list", "configs", "--benchmark", "procobject"]) == 0
    out = capsys.readouterr().out
    assert "procobject  all  all" in out and "impact" not in out


def test_list_tasks_and_metrics_come_from_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    from proceval.registry import get_benchmark

    assert main(["list", "tasks", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    impact = get_benchmark("impact")
    assert [r["task"] for r in rows if r["benchmark"] == "impact"] == [t.name for t in impact.tasks]
    af_l = next(r for r in rows if r["task"] == "af_l")
    assert af_l["headline"][0] == "aued↓"
    assert main(["list", "metrics", "--format", "json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    from proceval.registry import metric_names

    assert {m["metric"] for m in metrics} == set(metric_names()) >= set(impact.metrics())


def test_evaluate_json_and_text_and_out_file(
    sample_release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release = sample_release / "impact" / "impact-release"
    cache = tmp_path / "cache"
    ds = load_impact(release, "ppr_r_s2", split="test", cache_dir=cache)
    names = ds.features["labels"].feature.names
    preds = write_predictions(
        tmp_path / "p.json", {v: [names[i] for i in lbl] for v, lbl in zip(ds["video_id"], ds["labels"])}
    )
    args = [
        "evaluate",
        "ppr",
        "--source",
        str(release),
        "--config",
        "ppr_r_s2",
        "--predictions",
        str(preds),
        "--cache-dir",
        str(cache),
    ]
    assert main([*args, "--out", str(tmp_path / "r.json")]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((tmp_path / "r.json").read_text())
    assert printed["scores"]["accuracy"] == saved["scores"]["accuracy"] == 1.0
    assert printed["signature"].startswith("ppr|") and "|cfg:ppr_r_s2|split:test|" in printed["signature"]
    assert main([*args, "--format", "text", "--bootstrap", "20"]) == 0
    text = capsys.readouterr().out
    assert "ppr_r_s2" in text and "accuracy=1.000 [1.000, 1.000]" in text and "|bs:20|" in text


def test_evaluate_bad_input_exits_1_with_message(
    sample_release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release = sample_release / "impact" / "impact-release"
    bad = tmp_path / "p.jsonl"
    bad.write_text('{"id": "x", "prediction": [0]}\nnot json\n')
    code = main(
        [
            "evaluate",
            "tas",
            "--source",
            str(release),
            "--config",
            "tas_s_s1",
            "--predictions",
            str(bad),
            "--cache-dir",
            str(tmp_path / "c"),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "p.jsonl:2: invalid JSON line" in err
    code = main(
        [
            "evaluate",
            "tas",
            "--source",
            str(release),
            "--config",
            "tas_s_s1",
            "--predictions",
            str(tmp_path / "missing.json"),
        ]
    )
    assert code == 1
    assert "predictions file not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("metric", "config", "option", "message"),
    [
        ("tas", "tas_s_s9", None, r"Expected a config of 'impact' \(one of: tas_s_s1, "),
        ("tas", "ppr_l_s1", None, r"scored by `tas` \(one of: tas_s_s1,.*'ppr_l_s1', which `ppr` scores"),
        ("tas", "tas_s_s1", "conventon=fact", r"Unknown option 'conventon' for `tas`.*allowed: convention, "),
        ("af_s", "af_s_s1", "instance=all", r"allowed: .*instances"),
    ],
)
def test_evaluate_unknown_config_or_option_is_one_line(
    sample_release: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    metric: str,
    config: str,
    option: str | None,
    message: str,
) -> None:
    import re

    preds = write_predictions(tmp_path / "p.json", {"x": [0]})
    args = ["evaluate", metric, "--source", str(sample_release / "impact" / "impact-release")]
    args += ["--config", config, "--predictions", str(preds), "--cache-dir", str(tmp_path / "c")]
    if option:
        args += ["-o", option]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
