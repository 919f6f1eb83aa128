"""``proceval card``: model cards whose model-index and .eval_results entries parse with huggingface_hub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from huggingface_hub import ModelCard, parse_eval_result_entries

from proceval.cli import main
from proceval.errors import InputValidationError
from proceval.hub.card import eval_yaml
from proceval.hub.model_card import (
    ModelCardError,
    entry_notes,
    load_results,
    render_model_card,
    resolve_dataset_ids,
    write_bundle,
)

MODEL = "my-org/seg-net"
SIG_TAS = (
    "tas|conv:mstcn|ign:0|bg:drop_segments|agg:pooled|v:0.1.0|data:impact-1a2b3c4d|cfg:tas_s_s1|split:test"
)


def make_result(
    *,
    model: str = MODEL,
    benchmark: str = "impact",
    task: str = "tas_s",
    metric: str = "tas",
    config: str = "tas_s_s1",
    split: str = "test",
    headline: list[dict[str, Any]] | None = None,
    signature: str = SIG_TAS,
    options: dict[str, Any] | None = None,
    judge: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A result dict following the schema v1 contract (docs/RESULTS.md)."""
    if headline is None:
        headline = [
            {
                "key": "f1_at_50",
                "value": 0.5125,
                "higher_is_better": True,
                "unit": "fraction",
                "range": [0.0, 1.0],
                "ci": [0.45, 0.5731],
            },
            {
                "key": "accuracy",
                "value": 0.6666666666666666,
                "higher_is_better": True,
                "unit": "fraction",
                "range": [0.0, 1.0],
                "ci": None,
            },
        ]
    return {
        "schema_version": 1,
        "kind": "proceval-result",
        "proceval_version": "0.1.0",
        "created_at": "2026-12-06T09:00:00Z",
        "model": {"id": model, "revision": "abc123", "trained_on": ["train"]},
        "benchmark": benchmark,
        "task": task,
        "metric": metric,
        "config": config,
        "split": split,
        "data_version": "impact-1a2b3c4d",
        "signature": signature,
        "options": options if options is not None else {"convention": "mstcn"},
        "predictions": {"file": "preds.json", "sha256": "0" * 64},
        "headline": headline,
        "scores": {h["key"]: h["value"] for h in headline},
        "ci": None,
        "ci_level": 0.95,
        "bootstrap": None,
        "judge": judge,
        "details": {},
    }


def write_result(path: Path, result: dict[str, Any]) -> Path:
    """Write a result file (the results module's writer once it exists, else plain JSON)."""
    try:
        from proceval.evaluation.results import write_result as writer
    except ImportError:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2))
        return path
    return Path(writer(path, result))


@pytest.fixture
def two_results(tmp_path: Path) -> list[Path]:
    a = write_result(tmp_path / "res" / "tas_s_s1.json", make_result())
    b = write_result(
        tmp_path / "res" / "tas_s_s2.json",
        make_result(config="tas_s_s2", signature=SIG_TAS.replace("s1", "s2"), options={}),
    )
    return [a, b]


def test_entries_parse_and_round_trip(two_results: list[Path]) -> None:
    results = load_results(two_results)
    bundle = render_model_card(results, model_id=MODEL, dataset_ids={"impact": "bench-org/impact"})
    assert sorted(bundle.eval_results) == [
        ".eval_results/impact_tas_s_s1.yaml",
        ".eval_results/impact_tas_s_s2.yaml",
    ]
    task_ids = {t["id"] for t in eval_yaml("impact")["tasks"]}
    entries = parse_eval_result_entries(
        yaml.safe_load(bundle.eval_results[".eval_results/impact_tas_s_s1.yaml"])
    )
    # one entry per headline metric, in headline order, keyed to eval.yaml's task id
    assert [e.value for e in entries] == [0.5125, 0.6666666666666666]
    assert all(e.dataset_id == "bench-org/impact" and e.task_id == "tas_s_s1" for e in entries)
    assert all(e.task_id in task_ids for e in entries)
    assert (
        entries[0].notes
        == f"key: f1_at_50; higher is better; unit: fraction; ci95: [0.45, 0.5731]; signature: {SIG_TAS}"
    )
    assert entries[1].notes.startswith("key: accuracy; higher is better; unit: fraction; signature: tas|")
    assert entries[0].date == "2026-12-06T09:00:00Z"


def test_model_index_parses_with_model_card(two_results: list[Path]) -> None:
    bundle = render_model_card(
        load_results(two_results), model_id=MODEL, dataset_ids={"impact": "bench-org/impact"}
    )
    card = ModelCard(bundle.readme)
    assert card.data.model_name == MODEL
    got = {(r.dataset_config, r.metric_type): r.metric_value for r in card.data.eval_results}
    assert got == {
        ("tas_s_s1", "f1_at_50"): 0.5125,
        ("tas_s_s1", "accuracy"): 0.6666666666666666,
        ("tas_s_s2", "f1_at_50"): 0.5125,
        ("tas_s_s2", "accuracy"): 0.6666666666666666,
    }
    first = card.data.eval_results[0]
    assert (first.dataset_type, first.dataset_split, first.task_type) == ("bench-org/impact", "test", "tas_s")
    assert first.metric_config == SIG_TAS and first.metric_args == {"convention": "mstcn"}
    assert "proceval" in card.data.tags and "impact" in card.data.tags
    # the Markdown body: the table with the CI and the signature
    assert (
        "| impact | tas_s | tas_s_s1 | test | `tas` | `f1_at_50` ↑ | 0.5125 | [0.4500, 0.5731] | fraction |"
        in card.text
    )
    assert f"signature: `{SIG_TAS}`" in card.text
    assert "$" not in card.text.replace("$ ", "")  # every placeholder filled


def test_result_off_the_leaderboard_split_stays_in_model_index_only(tmp_path: Path) -> None:
    p = write_result(
        tmp_path / "v.json", make_result(split="validation", signature=SIG_TAS.replace("test", "validation"))
    )
    bundle = render_model_card(load_results([p]), model_id=MODEL, dataset_ids={"impact": "o/impact"})
    assert bundle.eval_results == {}
    assert len(bundle.notes) == 1 and "task 'tas_s' on split 'test'" in bundle.notes[0]
    assert len(ModelCard(bundle.readme).data.eval_results) == 2


def test_non_finite_headline_is_left_out(tmp_path: Path) -> None:
    head = [
        {
            "key": "f1_at_50",
            "value": None,
            "higher_is_better": True,
            "unit": "fraction",
            "range": [0, 1],
            "ci": None,
        },
        {
            "key": "edit",
            "value": 0.25,
            "higher_is_better": True,
            "unit": "fraction",
            "range": [0, 1],
            "ci": None,
        },
    ]
    p = write_result(tmp_path / "n.json", make_result(headline=head))
    bundle = render_model_card(load_results([p]), model_id=MODEL, dataset_ids={"impact": "o/impact"})
    entries = parse_eval_result_entries(yaml.safe_load(next(iter(bundle.eval_results.values()))))
    assert [(e.value, e.notes.split(";")[0]) for e in entries] == [(0.25, "key: edit")]
    assert any("'f1_at_50' has no finite value" in n for n in bundle.notes)


def test_lower_is_better_direction_in_notes() -> None:
    head = {"key": "mean_delay_s", "higher_is_better": False, "unit": "seconds", "ci": [1.0, 2.5]}
    assert entry_notes(head, "psr|v:0.1.0", 0.9) == (
        "key: mean_delay_s; lower is better; unit: seconds; ci90: [1.0, 2.5]; signature: psr|v:0.1.0"
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"model": "other/model"},
            r"Expected results of model `my-org/seg-net` .* but got model 'other/model'",
        ),
    ],
)
def test_card_errors(tmp_path: Path, kwargs: dict[str, Any], match: str) -> None:
    p = write_result(tmp_path / "x.json", make_result(**kwargs))
    with pytest.raises(InputValidationError, match=match):
        render_model_card(load_results([p]), model_id=MODEL, dataset_ids={"impact": "o/impact"})


def test_duplicate_result_is_an_error(tmp_path: Path) -> None:
    a = write_result(tmp_path / "a.json", make_result())
    b = write_result(tmp_path / "b.json", make_result())
    with pytest.raises(
        InputValidationError, match=r"one result per benchmark.*impact/tas_s_s1/test/tas twice"
    ):
        render_model_card(load_results([a, b]), model_id=MODEL, dataset_ids={"impact": "o/impact"})


def test_dataset_ids_need_a_namespace_or_explicit_id() -> None:
    assert resolve_dataset_ids(["impact"], namespace="bench") == {"impact": "bench/impact"}
    assert resolve_dataset_ids(["impact"], dataset_ids={"impact": "x/y"}, namespace="bench") == {
        "impact": "x/y"
    }
    with pytest.raises(InputValidationError, match=r"--dataset-namespace ORG.*--dataset impact=ORG/NAME"):
        resolve_dataset_ids(["impact"])
    with pytest.raises(
        InputValidationError, match=r"Expected the dataset id to be ORG/NAME, but got 'a/b/c'"
    ):
        resolve_dataset_ids(["impact"], dataset_ids={"impact": "a/b/c"})


def test_bad_template_placeholder(tmp_path: Path, two_results: list[Path]) -> None:
    tpl = tmp_path / "t.md"
    tpl.write_text("---\n$card_data\n---\n$nope\n")
    with pytest.raises(ModelCardError, match=r"Expected only the placeholders .* unknown or malformed one"):
        render_model_card(
            load_results(two_results), model_id=MODEL, dataset_ids={"impact": "o/impact"}, template=tpl
        )


def test_missing_results_path() -> None:
    with pytest.raises(InputValidationError, match="does not exist"):
        load_results(["/nonexistent/result.json"])


def test_cli_card_writes_readme_and_entries(
    tmp_path: Path, two_results: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "card" / "README.md"
    code = main(
        [
            "card",
            str(two_results[0].parent),
            "--model-id",
            MODEL,
            "--dataset-namespace",
            "bench-org",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert f"{out.parent}/.eval_results/impact_tas_s_s1.yaml" in printed
    assert ModelCard(out.read_text()).data.eval_results[0].dataset_type == "bench-org/impact"
    entries = parse_eval_result_entries(
        yaml.safe_load((out.parent / ".eval_results/impact_tas_s_s2.yaml").read_text())
    )
    assert entries[0].value == 0.5125


def test_cli_card_without_dataset_repo_is_one_line(
    two_results: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["card", *map(str, two_results), "--model-id", MODEL])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "--dataset-namespace ORG" in err and "Traceback" not in err


def test_write_bundle_refuses_a_folder(tmp_path: Path, two_results: list[Path]) -> None:
    bundle = render_model_card(load_results(two_results), model_id=MODEL, dataset_ids={"impact": "o/impact"})
    with pytest.raises(InputValidationError, match="is a folder"):
        write_bundle(bundle, tmp_path)


def test_validate_bundle_catches_a_value_that_does_not_round_trip(two_results: list[Path]) -> None:
    from proceval.hub.model_card import validate_bundle

    results = load_results(two_results)
    ids = {"impact": "o/impact"}
    bundle = render_model_card(results, model_id=MODEL, dataset_ids=ids)
    bundle.readme = bundle.readme.replace("value: 0.5125", "value: 0.5126", 1)
    with pytest.raises(ModelCardError, match="model-index to hold 4 values equal"):
        validate_bundle(bundle, results, ids)
    bundle = render_model_card(results, model_id=MODEL, dataset_ids=ids)
    path = ".eval_results/impact_tas_s_s1.yaml"
    bundle.eval_results[path] = bundle.eval_results[path].replace("task_id: tas_s_s1", "task_id: tas_s_s9")
    with pytest.raises(ModelCardError, match="reads other entries than the result files hold"):
        validate_bundle(bundle, results, ids)


def test_provenance_shows_bootstrap_judge_and_declared_training(tmp_path: Path) -> None:
    res = make_result(
        judge={"settings": {"model": "judge-7b", "temperature": 0}, "prompt_hashes": {"guidance": "a" * 64}}
    )
    res["bootstrap"] = {
        "n_resamples": 3,
        "seed": 0,
        "unit": "video",
        "num_units": 2,
        "replicates": {"f1_at_50": [0.5, 0.52, 0.49], "accuracy": [0.6, 0.7, 0.65]},
    }
    p = write_result(tmp_path / "j.json", res)
    text = render_model_card(load_results([p]), model_id=MODEL, dataset_ids={"impact": "o/impact"}).readme
    assert "* bootstrap: 3 resamples of 2 videos, seed 0, CI level 0.95" in text
    assert "* judge: `{model: judge-7b, temperature: 0}`; prompt hashes: guidance: `aaaaaaaaaaaa`" in text
    assert "trained on (declared): train" in text and "model revision: `abc123`" in text
    assert (
        f"--config tas_s_s1 --split test --predictions preds.json -o convention=mstcn --bootstrap 3 --seed 0 --model-id {MODEL}"
        in text
    )


def test_cli_card_bad_result_file_is_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = make_result()
    del bad["signature"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    assert main(["card", str(path), "--model-id", MODEL, "--dataset-namespace", "o"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "signature" in err and "Traceback" not in err
