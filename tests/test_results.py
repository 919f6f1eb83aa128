"""Result files (schema v1): building, round trip, validation errors, replicates, judge entries, the CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from proceval.cli import main
from proceval.evaluation.predictions import write_predictions
from proceval.evaluation.results import (
    RESULT_SCHEMA,
    RESULT_SCHEMA_FILE,
    ResultFormatError,
    build_result,
    dumps_result,
    file_sha256,
    judge_block,
    read_result,
    signature_fields,
    validate_result,
    write_result,
)
from proceval.registry import get_benchmark
from proceval.scores.bootstrap import bootstrap_ci, keep_replicates
from proceval.scores.ppr import ppr_scores

B = 50  # resamples: enough to test, fast


def _videos(seed: int, n: int = 8, noise: float = 0.3) -> tuple[list[list[int]], list[list[int]]]:
    rng = np.random.default_rng(seed)
    refs, preds = [], []
    for v in range(n):
        ref = np.repeat([0, 1, 2, 0], [5 + v, 4, 3 + v % 3, 2])
        pred = ref.copy()
        flip = rng.random(ref.size) < noise
        pred[flip] = rng.integers(0, 3, int(flip.sum()))
        refs.append(ref.tolist())
        preds.append(pred.tolist())
    return preds, refs


def _raw(preds, refs, bootstrap: int = B):
    """A runner-shaped raw result of ``ppr_scores`` (as ``evaluate_config`` returns) and its replicates."""
    with keep_replicates() as records:
        scores = ppr_scores(preds, refs, bootstrap=bootstrap)
    raw = {
        "metric": "ppr",
        "benchmark": "impact",
        "config": "ppr_r_s1",
        "split": "test",
        "data_version": "impact-0000beef",
        "num_references": len(refs),
        "scores": scores,
        "signature": scores["signature"] + "|data:impact-0000beef|cfg:ppr_r_s1|split:test",
        "options": {"bootstrap": bootstrap, "confidence": 0.95, "seed": 0},
    }
    return raw, records


def _result(tmp_path: Path, model: str = "org/model", seed: int = 0, bootstrap: int = B) -> dict:
    preds, refs = _videos(seed)
    raw, records = _raw(preds, refs, bootstrap)
    pred_file = write_predictions(tmp_path / f"preds-{seed}.json", {str(i): p for i, p in enumerate(preds)})
    return build_result(
        raw,
        task=get_benchmark("impact").get_task("ppr_r"),
        benchmark="impact",
        config="ppr_r_s1",
        split="test",
        model_id=model,
        revision="abc123",
        trained_on=["train", "validation", "train"],
        predictions_path=pred_file,
        replicates=records,
    )


def test_schema_file_is_the_schema_and_a_valid_json_schema() -> None:
    assert json.loads(RESULT_SCHEMA_FILE.read_text()) == RESULT_SCHEMA
    jsonschema.Draft202012Validator.check_schema(RESULT_SCHEMA)


def test_keep_replicates_changes_no_number() -> None:
    preds, refs = _videos(1)
    plain = ppr_scores(preds, refs, bootstrap=B)
    with keep_replicates() as records:
        kept = ppr_scores(preds, refs, bootstrap=B)
    assert json.dumps(plain, sort_keys=True, default=str) == json.dumps(kept, sort_keys=True, default=str)
    assert len(records) == 1 and records[0].result is kept and records[0].ci is kept["ci"]
    assert records[0].values["macro_f1"].shape == (B,) and records[0].num_units == len(refs)


def test_replicates_are_the_values_behind_the_interval() -> None:
    """The percentile interval of the stored replicates is the CI bootstrap_ci reports."""
    units = [0.0, 1.0, 1.0, 0.5, 0.25, 1.0]

    def compute(u):
        return {"mean": float(np.mean(u)), "none_sometimes": None if u[0] == 0.0 else 1.0}

    with keep_replicates() as records:
        ci = bootstrap_ci(units, compute, n_resamples=40, seed=3)
    values = records[0].values["mean"]
    alpha = (1.0 - 0.95) / 2.0  # as bootstrap_ci computes it
    assert list(np.quantile(values, [alpha, 1.0 - alpha])) == list(ci["mean"])
    first_is_zero = [units[row[0]] == 0.0 for row in np.random.default_rng(3).integers(0, 6, (40, 6))]
    sometimes = records[0].values["none_sometimes"]  # NaN on the resamples that gave no number
    assert np.isnan(sometimes).tolist() == first_is_zero and any(first_is_zero) and not all(first_is_zero)
    # by hand: resample b of the documented generator
    idx = np.random.default_rng(3).integers(0, len(units), (40, len(units)))
    assert values.tolist() == [float(np.mean([units[i] for i in row])) for row in idx]


def test_build_result_fields(tmp_path: Path) -> None:
    result = _result(tmp_path)
    assert result["schema_version"] == 1 and result["kind"] == "proceval-result"
    assert result["model"] == {"id": "org/model", "revision": "abc123", "trained_on": ["train", "validation"]}
    assert (result["benchmark"], result["task"], result["metric"]) == ("impact", "ppr_r", "ppr")
    assert [h["key"] for h in result["headline"]] == ["macro_f1", "accuracy"]
    head = result["headline"][0]
    assert head["value"] == result["scores"]["macro_f1"] and head["higher_is_better"] is True
    assert head["ci"] == result["ci"]["macro_f1"] and head["range"] == [0.0, 1.0]
    assert result["scores"]["num_videos"] == 8 and isinstance(result["scores"]["num_videos"], int)
    assert "ci_level" not in result["scores"] and result["ci_level"] == 0.95
    assert result["predictions"]["sha256"] == file_sha256(tmp_path / "preds-0.json")
    boot = result["bootstrap"]
    assert (boot["n_resamples"], boot["seed"], boot["unit"], boot["num_units"]) == (B, 0, "video", 8)
    assert sorted(boot["replicates"]) == ["accuracy", "macro_f1"]
    assert all(len(v) == B for v in boot["replicates"].values())
    assert result["judge"] is None
    assert "per_video" in result["details"] and result["details"]["num_references"] == 8
    no_boot = _result(tmp_path, bootstrap=0)
    assert no_boot["bootstrap"] is None and no_boot["ci"] is None and no_boot["ci_level"] is None


def test_round_trip(tmp_path: Path) -> None:
    result = _result(tmp_path)
    path = write_result(tmp_path / "results" / "org__model" / "ppr_r_s1.json", result)
    assert read_result(path) == json.loads(json.dumps(result))
    text = path.read_text()
    assert text.count("\n") < 200, "each replicate vector is written on one line"
    assert dumps_result(read_result(path)) == text


BROKEN = [
    (lambda d: d["headline"][0].__setitem__("value", "high"), r"\$\.headline\[0\]\.value: 'high' is not"),
    (lambda d: d.__setitem__("kind", "other"), r"\$\.kind: 'proceval-result' was expected"),
    (
        lambda d: d["predictions"].__setitem__("sha256", "abc"),
        r"\$\.predictions\.sha256: 'abc' does not match",
    ),
    (lambda d: d.pop("signature"), r"\$: 'signature' is a required property"),
    (lambda d: d.__setitem__("extra", 1), r"\$: Additional properties are not allowed \('extra'"),
    (lambda d: d["model"].__setitem__("id", "org/a\nb"), r"\$\.model\.id: "),
    (
        lambda d: d["bootstrap"]["replicates"]["macro_f1"].pop(),
        r"\$\.bootstrap\.replicates\.macro_f1: expected 50 values",
    ),
    (
        lambda d: d["bootstrap"]["replicates"]["accuracy"].__setitem__(3, "0.5"),
        r"\$\.bootstrap\.replicates\.accuracy\[3\]: '0\.5' is not a number",
    ),
    (
        lambda d: d["bootstrap"]["replicates"].__setitem__("edit", []),
        r"\$\.bootstrap\.replicates\.edit: expected a headline key",
    ),
    (lambda d: d["bootstrap"].__setitem__("n_resamples", 0), r"\$\.bootstrap(\.n_resamples)?: "),
]


@pytest.mark.parametrize(("mutate", "message"), BROKEN)
def test_broken_result_is_a_clear_error(tmp_path: Path, mutate, message: str) -> None:
    doc = json.loads(json.dumps(_result(tmp_path)))
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ResultFormatError, match=rf"bad\.json: result schema v1: at {message}") as exc:
        read_result(path)
    assert "\n" not in str(exc.value)
    with pytest.raises(ResultFormatError):
        write_result(tmp_path / "never.json", doc)
    assert not (tmp_path / "never.json").exists()


def test_not_json_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"schema_version": 1,\n  "kind": }')
    with pytest.raises(ResultFormatError, match=r"r\.json:2: result schema v1: at \$: invalid JSON"):
        read_result(path)
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(ResultFormatError, match=r"not UTF-8"):
        read_result(path)


def test_validate_result_names_the_path_given() -> None:
    with pytest.raises(
        ResultFormatError, match=r"^<mine>: result schema v1: at \$: \[\] is not of type 'object'"
    ):
        validate_result([], "<mine>")


def test_signature_fields() -> None:
    assert signature_fields("a|k:1|u:x:y + b|k:2") == [("a", {"k": "1", "u": "x:y"}), ("b", {"k": "2"})]


def test_judge_block_from_signature_and_options() -> None:
    from proceval.benchmarks.procobject.rubrics import VIDEOQA_RUBRIC
    from proceval.judges.rubric import template_hash

    full = template_hash(VIDEOQA_RUBRIC)
    sig = (
        f"videoqa_judge|rubric:{VIDEOQA_RUBRIC.name}|judge:m@r1|tmpl:{full[:8]}|temp:0|maxtok:512|"
        "unparse:exclude|bs:10|data:x|cfg:all|split:test|v:0.1.0"
    )
    options = {
        "judge_model": "m",
        "judge_endpoint": "http://user:secret@127.0.0.1/v1",
        "judge_revision": "r1",
    }
    block = judge_block(sig, options, {"judges": ["m@r1"]})
    assert block == {
        "settings": {
            "rubric": VIDEOQA_RUBRIC.name,
            "judge": "m@r1",
            "tmpl": full[:8],
            "temp": "0",
            "maxtok": "512",
            "unparse": "exclude",
            "judge_model": "m",
            "judge_revision": "r1",
            "judges": ["m@r1"],
        },
        "prompt_hashes": {VIDEOQA_RUBRIC.name: full},
    }
    assert "secret" not in json.dumps(block)
    from proceval.evaluation.results import _without_credentials

    assert _without_credentials("http://user:secret@127.0.0.1:8/v1?key=k") == "http://127.0.0.1:8/v1"
    assert _without_credentials("http://127.0.0.1:8/v1") == "http://127.0.0.1:8/v1"
    unknown = judge_block("x|judge:m|tmpl:0123abcd|v:1", {}, {})
    assert unknown is not None and unknown["prompt_hashes"] == {"template": "0123abcd"}
    assert judge_block("tas|conv:mstcn|v:0.1.0", {}, {}) is None


# ------------------------------------------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def ppr_case(sample_release: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    from proceval.benchmarks.impact.load import load_impact

    tmp = tmp_path_factory.mktemp("ppr_case")
    release = sample_release / "impact" / "impact-release"
    cache = tmp / "cache"
    ds = load_impact(release, "ppr_r_s2", split="test", cache_dir=cache)
    names = ds.features["labels"].feature.names
    preds = write_predictions(
        tmp / "p.json",
        {v: [names[i] for i in lbl] for v, lbl in zip(ds["video_id"], ds["labels"], strict=True)},
    )
    base = ["evaluate", "ppr", "--source", str(release), "--config", "ppr_r_s2", "--predictions", str(preds)]
    return {"base": [*base, "--cache-dir", str(cache)], "preds": preds, "tmp": tmp}


def test_evaluate_model_id_writes_a_result(ppr_case: dict, tmp_path: Path, capsys) -> None:
    out = tmp_path / "results" / "org__m" / "ppr_r_s2.json"
    args = [*ppr_case["base"], "--model-id", "org/m", "--revision", "v1", "--trained-on", "train"]
    assert main([*args, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    saved = read_result(out)
    assert printed == saved
    assert f"wrote {out}" in captured.err
    assert saved["model"] == {"id": "org/m", "revision": "v1", "trained_on": ["train"]}
    assert saved["bootstrap"]["n_resamples"] == 1000, "a result bootstraps 1000 resamples by default"
    assert "|bs:1000|" in saved["signature"] and saved["headline"][1]["value"] == 1.0
    assert saved["predictions"]["sha256"] == file_sha256(ppr_case["preds"])
    assert main([*args, "--confidence-n", "0", "--format", "text"]) == 0
    assert "macro_f1=1.000" in capsys.readouterr().out


def test_evaluate_out_directory_is_refused_before_scoring(ppr_case: dict, tmp_path: Path, capsys) -> None:
    bad_source = ["evaluate", "ppr", "--source", str(tmp_path / "nowhere"), "--config", "ppr_r_s2"]
    for extra in ([], ["--model-id", "org/m"]):
        code = main([*bad_source, "--predictions", str(ppr_case["preds"]), "--out", str(tmp_path), *extra])
        err = capsys.readouterr().err
        assert code == 1 and "is a directory" in err and "nowhere" not in err
        assert err.count("\n") == 1
    (tmp_path / "file").write_text("x")
    assert (
        main(
            [*bad_source, "--predictions", str(ppr_case["preds"]), "--out", str(tmp_path / "file" / "r.json")]
        )
        == 1
    )
    assert "which is a file" in capsys.readouterr().err


@pytest.mark.parametrize("model_id", ["noslash", "a/b/c", "org/ name", "/name"])
def test_evaluate_bad_model_id(ppr_case: dict, model_id: str, capsys) -> None:
    assert main([*ppr_case["base"], "--model-id", model_id]) == 1
    assert "Expected argument `--model-id` to be ORG/NAME" in capsys.readouterr().err


def test_evaluate_failing_out_keeps_the_printed_score(
    ppr_case: dict, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import proceval.evaluation.predictions as predictions_mod
    import proceval.evaluation.results as results_mod

    def fail(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(results_mod, "write_result", fail)
    monkeypatch.setattr(predictions_mod, "write_results", fail)
    out = tmp_path / "r.json"
    for extra in (["--model-id", "org/m", "--confidence-n", "10"], []):
        assert main([*ppr_case["base"], *extra, "--out", str(out)]) == 1
        captured = capsys.readouterr()
        assert json.loads(captured.out)["scores"]["accuracy"] == 1.0  # printed before the write failed
        assert "No space left on device" in captured.err and "the result was printed above" in captured.err
        assert captured.err.count("\n") == 1
    assert not out.exists()


def test_results_are_deep_copies_safe(tmp_path: Path) -> None:
    """build_result does not alias the raw result: editing the result leaves the scores alone."""
    preds, refs = _videos(2)
    raw, records = _raw(preds, refs)
    before = copy.deepcopy(raw["scores"]["ci"])
    pred_file = write_predictions(tmp_path / "p.json", {str(i): p for i, p in enumerate(preds)})
    result = build_result(
        raw,
        task=get_benchmark("impact").get_task("ppr_r"),
        benchmark=get_benchmark("impact"),
        config="ppr_r_s1",
        split="test",
        model_id="org/x",
        revision=None,
        trained_on=[],
        predictions_path=pred_file,
        replicates=records,
    )
    result["ci"]["macro_f1"][0] = -1.0
    assert raw["scores"]["ci"] == before


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            if k != "replicates":
                yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def test_validation_agrees_with_jsonschema_on_mutations(tmp_path: Path) -> None:
    """The fast check never lets through what jsonschema refuses (random single-value mutations)."""
    doc = json.loads(json.dumps(_result(tmp_path)))
    doc["details"] = {"num_references": 8}  # keep the walk small
    paths = [p for p in _paths(doc) if p]
    values = [
        None,
        True,
        False,
        0,
        -1,
        1,
        1.0,
        1.5,
        0.95,
        "",
        "x",
        "org/x",
        "0" * 64,
        [],
        {},
        [1, 2],
        [None, 0.5],
    ]
    validator = jsonschema.Draft202012Validator(RESULT_SCHEMA)
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(400):
        mutated = copy.deepcopy(doc)
        *head, last = paths[rng.integers(len(paths))]
        node = mutated
        for part in head:
            node = node[part]
        node[last] = copy.deepcopy(values[rng.integers(len(values))])
        boot = mutated.get("bootstrap")
        if boot and not (isinstance(boot, dict) and isinstance(boot.get("replicates"), dict)):
            continue
        expected_valid = validator.is_valid(mutated) and _replicates_ok(mutated)
        try:
            validate_result(mutated)
            valid = True
        except ResultFormatError:
            valid = False
        assert valid == expected_valid, (head, last, node[last])
        checked += 1
    assert checked > 300


def _replicates_ok(doc: dict) -> bool:
    boot = doc.get("bootstrap")
    if not isinstance(boot, dict):
        return True
    keys = {h.get("key") for h in doc["headline"] if isinstance(h, dict)}
    return all(k in keys and len(v) == boot["n_resamples"] for k, v in boot["replicates"].items())


PLOTS = [
    {"caption": "Per-class F1 (ppr_r_s1, test)", "file": "ppr_r_s1.plots/per_class_f1.png"},
    {"caption": "Timeline <video 1>", "file": "timeline_1.png"},
]


def test_plots_round_trip(tmp_path: Path) -> None:
    result = {**_result(tmp_path), "plots": PLOTS}
    path = write_result(tmp_path / "results" / "ppr_r_s1.json", result)
    assert read_result(path)["plots"] == PLOTS
    assert "plots" not in read_result(write_result(tmp_path / "plain.json", _result(tmp_path)))  # optional


@pytest.mark.parametrize(
    ("entry", "where", "message"),
    [
        ({"caption": "x", "file": "/abs/f1.png"}, r"\$\.plots\[1\]\.file", "expected a relative path"),
        ({"caption": "x", "file": "../f1.png"}, r"\$\.plots\[1\]\.file", 'no "\\.\\." part'),
        (
            {"caption": "x", "file": "a/../../f1.png"},
            r"\$\.plots\[1\]\.file",
            "got 'a/\\.\\./\\.\\./f1\\.png'",
        ),
        ({"caption": "x", "file": "C:/f1.png"}, r"\$\.plots\[1\]\.file", "relative path"),
        ({"caption": "x", "file": "a\\b.png"}, r"\$\.plots\[1\]\.file", "relative path"),
        ({"caption": "x", "file": "f1.svg"}, r"\$\.plots\[1\]\.file", "a \\.png file"),
        ({"caption": "x"}, r"\$\.plots\[1\]", "'file' is a required property"),
        ({"caption": 3, "file": "f.png"}, r"\$\.plots\[1\]\.caption", "3 is not of type 'string'"),
        ({"caption": "x", "file": "f.png", "url": "http://x"}, r"\$\.plots\[1\]", "Additional properties"),
    ],
)
def test_bad_plots_entry_is_a_clear_error(tmp_path: Path, entry: dict, where: str, message: str) -> None:
    doc = json.loads(json.dumps({**_result(tmp_path), "plots": [PLOTS[0], entry]}))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(
        ResultFormatError, match=rf"bad\.json: result schema v1: at {where}: .*{message}"
    ) as exc:
        read_result(path)
    assert exc.value.json_path == where.replace("\\", "")
    with pytest.raises(ResultFormatError):
        write_result(tmp_path / "never.json", doc)
    assert not (tmp_path / "never.json").exists()


def test_result_plot_entries_relative_or_copied(tmp_path: Path) -> None:
    from proceval.evaluation.plots import result_plot_entries

    out = tmp_path / "results" / "org__m" / "cfg.json"
    inside = out.parent / "pics" / "a.png"
    outside = tmp_path / "elsewhere" / "b.png"
    for p, data in ((inside, b"\x89PNG-a"), (outside, b"\x89PNG-b")):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    entries = result_plot_entries(
        [{"caption": "A", "file": str(inside)}, {"caption": "B", "file": str(outside)}], out
    )
    assert entries == [{"caption": "A", "file": "pics/a.png"}, {"caption": "B", "file": "cfg.plots/b.png"}]
    assert (out.parent / "cfg.plots" / "b.png").read_bytes() == b"\x89PNG-b"
    validate_result({**json.loads(json.dumps(_result(tmp_path))), "plots": entries})
