"""The bad-input corpus (``tests/bad_inputs/``) through ``evaluate.load(...).compute`` and the CLI.

Every case must end in the expected proceval error (or, for the evaluate modules, evaluate's own check
of the declared features) whose message names the offending id / file / row; never a traceback, never a
number. The session summary prints ``N bad inputs tried, N handled`` (see ``conftest.py``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

CORPUS = Path(__file__).parent / "bad_inputs"
METRICS = Path(__file__).resolve().parents[1] / "metrics"
MODULE_CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "module_cases.yaml").read_text())
CLI_CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cli_cases.yaml").read_text())
EVALUATE_FORMAT_CHECKS = ("don't match the expected format", "Mismatch in the number of predictions")


@cache
def _module(metric: str):
    import evaluate

    return evaluate.load(str(METRICS / metric))


def _error_class(exc: BaseException) -> str:
    from proceval.errors import ProcevalError

    if isinstance(exc, ProcevalError):
        return type(exc).__name__
    if isinstance(exc, ValueError) and any(text in str(exc) for text in EVALUATE_FORMAT_CHECKS):
        return "FormatMismatch"
    return f"unexpected {type(exc).__module__}.{type(exc).__name__}"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_corpus_is_well_formed() -> None:
    ids = [c["id"] for c in MODULE_CASES + CLI_CASES]
    assert len(ids) == len(set(ids)), "case ids are unique"
    metrics = {p.name for p in METRICS.iterdir() if (p / f"{p.name}.py").is_file()}
    assert metrics <= {c["metric"] for c in MODULE_CASES}, "every metric has module cases"
    assert metrics <= {c["metric"] for c in CLI_CASES}, "every metric has CLI cases"


@pytest.mark.parametrize("case", MODULE_CASES, ids=[c["id"] for c in MODULE_CASES])
def test_module_case(case: dict[str, Any], record_property) -> None:
    record_property("bad_input", "tried")
    expect = case["expect"]
    with pytest.raises(Exception) as info:
        result = _module(case["metric"]).compute(**case["kwargs"])
        pytest.fail(f"{case['id']}: scored silently: {str(result)[:300]}")
    got = _error_class(info.value)
    assert got in _as_list(expect["error"]), f"{case['id']}: {got}: {info.value}"
    message = str(info.value)
    for name in expect.get("names", []):
        assert str(name) in message, f"{case['id']}: {name!r} not named in: {message}"
    record_property("bad_input", "handled")


def _edit(preds: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    key = sorted(preds)[0] if edit.get("id", "$first") == "$first" else edit["id"]
    op = edit["op"]
    if op == "set":
        node = preds[key]
        path = edit.get("path", [])
        if not path:
            preds[key] = edit["value"]
            return preds
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = edit["value"]
    elif op == "drop_id":
        del preds[key]
    elif op == "add_id":
        new_id = "x" * 2_000_000 if edit["id"] == "@@HUGE_ID@@" else edit["id"]  # a 2 MB id
        preds[new_id] = edit["value"]
    else:
        raise AssertionError(f"unknown edit op {op!r}")
    return preds


def _predictions_file(case: dict[str, Any], base: dict[str, Any] | None, tmp: Path) -> Path:
    spec = case["predictions"]
    name = spec.get("name", "predictions.json")
    path = tmp / name
    if "file" in spec:
        return CORPUS / "files" / spec["file"]
    if "text" in spec:
        path.write_bytes(spec["text"].encode(spec.get("encoding", "utf-8")))
        return path
    if "path" in spec:  # a special path: a directory, a missing file
        target = tmp / spec["path"]
        if spec.get("make") == "dir":
            target.mkdir()
        return target
    assert base is not None, f"{case['id']}: base predictions missing"
    preds = json.loads(json.dumps(base))
    for edit in spec.get("edits", []):
        if edit["op"] != "duplicate_first_id":
            preds = _edit(preds, edit)
    text = json.dumps(preds)
    if any(e["op"] == "duplicate_first_id" for e in spec.get("edits", [])):
        first = sorted(preds)[0]
        text = text[:-1] + f", {json.dumps(first)}: {json.dumps(preds[first])}}}"
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", CLI_CASES, ids=[c["id"] for c in CLI_CASES])
def test_cli_case(case: dict[str, Any], demo_baselines, tmp_path: Path, capsys, record_property) -> None:
    from proceval.cli import main

    record_property("bad_input", "tried")
    sources, predictions = demo_baselines
    base = predictions.get(case["config"]) if case.get("predictions", {}).get("base") else None
    pred_path = _predictions_file(case, base, tmp_path)
    release = sources[case.get("benchmark", "impact")]
    if "source" in case:  # a broken release file
        release = tmp_path / case["source"]["name"]
        release.write_bytes(case["source"]["text"].encode("latin-1"))
    argv = [
        "evaluate",
        case["metric"],
        "--source",
        str(release),
        "--config",
        case["config"],
        "--predictions",
        str(pred_path),
        "--cache-dir",
        str(sources["cache"]),
    ]
    for option in case.get("options", []):
        argv += ["-o", option]
    argv += [arg.replace("{tmp}", str(tmp_path)) for arg in case.get("args", [])]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    expect = case["expect"]
    assert "Traceback" not in err, f"{case['id']}: traceback:\n{err}"
    assert code == expect["exit"], f"{case['id']}: exit {code}, stderr: {err}\nstdout: {out[:300]}"
    for name in expect.get("names", []):
        assert str(name) in err, f"{case['id']}: {name!r} not named in: {err}"
    assert len(err) < 2000, f"{case['id']}: message of {len(err)} characters"
    record_property("bad_input", "handled")
