"""The videoqa_judge score: hand-made ratings, several judges, agreement, and the ProcObject task end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from proceval.benchmarks.procobject.rubrics import VIDEOQA_DIMENSIONS, VIDEOQA_RUBRIC
from proceval.errors import InputValidationError
from proceval.evaluation.runner import evaluate_config
from proceval.judges import (
    Dimension,
    OpenAICompatibleBackend,
    PrecomputedBackend,
    Rubric,
    krippendorff_alpha_ordinal,
    render,
)
from proceval.judges.fake_server import UNPARSEABLE_REPLY, FakeJudgeServer, fake_ratings
from proceval.judges.options import judges_from_options
from proceval.sample import write_sample
from proceval.scores.videoqa_judge import videoqa_judge_scores

DIMS = {d: (0, 5) for d in VIDEOQA_DIMENSIONS}


def _r(ci: int, do: int, cu: int, tu: int) -> dict[str, int]:
    return dict(zip(VIDEOQA_DIMENSIONS, (ci, do, cu, tu), strict=True))


PREDS = ["The lid is open.", "It is cold.", "Stir first."]
REFS = ["The lid is open.", "It is hot.", "Pour, then stir."]
QUESTIONS = ["Is the lid open?", "Is the pan hot?", "What comes first?"]


def test_rubric_renders_the_three_fields_and_asks_for_json() -> None:
    messages = render(VIDEOQA_RUBRIC, {"question": "Q?", "answer": "REF", "prediction": "PRED"})
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    assert "Question: Q?" in user and "Reference answer: REF" in user and "Predicted answer: PRED" in user
    assert all(f'"{d}"' in user for d in VIDEOQA_DIMENSIONS)
    assert [(d.low, d.high) for d in VIDEOQA_RUBRIC.dimensions] == [(0, 5)] * 4


def test_hand_made_ratings_two_judges() -> None:
    j1 = PrecomputedBackend({"#0": _r(5, 4, 5, 5), "#1": _r(1, 2, 1, 0), "#2": _r(3, 3, 2, 1)}, model="j1")
    j2 = PrecomputedBackend({"#0": _r(5, 5, 5, 5), "#1": _r(0, 1, 1, 0), "#2": _r(3, 2, 2, 2)}, model="j2")
    out = videoqa_judge_scores(
        PREDS, REFS, questions=QUESTIONS, rubric=VIDEOQA_RUBRIC, judges=[j1, j2], qa_types=["a", "b", "a"]
    )
    # per question means over judges: CI (5, 0.5, 3), DO (4.5, 1.5, 2.5), CU (5, 1, 2), TU (5, 0, 1.5)
    assert out["mean_contextual_integration"] == pytest.approx(8.5 / 3)
    assert out["mean_detail_orientation"] == pytest.approx(8.5 / 3)
    assert out["mean_contextual_understanding"] == pytest.approx(8 / 3)
    assert out["mean_temporal_understanding"] == pytest.approx(6.5 / 3)
    assert out["mean_overall"] == pytest.approx((8.5 + 8.5 + 8 + 6.5) / 12)
    assert out["per_judge"]["j1"]["mean_contextual_integration"] == pytest.approx(3.0)
    assert out["per_judge"]["j1"]["mean_overall"] == pytest.approx((19 + 4 + 9) / 12)
    assert out["per_judge"]["j2"]["mean_temporal_understanding"] == pytest.approx(7 / 3)
    # agreement: Krippendorff's alpha (ordinal) of the two judges' ratings, per dimension
    table = np.array([[5, 1, 3], [5, 0, 3]], dtype=float)
    assert out["agreement"]["contextual_integration"] == pytest.approx(krippendorff_alpha_ordinal(table))
    assert out["agreement"]["contextual_understanding"] == pytest.approx(1.0)  # identical ratings
    assert out["num_questions"] == 3 and out["num_rated_questions"] == 3
    assert out["num_judged"] == 6 and out["num_unparseable"] == 0
    assert out["per_qa_type"]["a"]["mean_contextual_integration"] == pytest.approx(4.0)
    assert out["per_qa_type"]["b"]["num_questions"] == 1
    assert out["judges"] == ["j1", "j2"]
    sig = out["signature"]
    assert "rubric:videoqa_judge" in sig and "judge:j1,j2" in sig and "agg:mean" in sig
    assert "tmpl:" in sig and "temp:0" in sig and "maxtok:512" in sig and "unparse:retry_then_exclude" in sig


def test_one_judge_has_no_agreement_and_an_off_scale_rating_is_unparseable() -> None:
    judge = PrecomputedBackend({"#0": _r(4, 4, 4, 4), "#1": _r(6, 1, 1, 1), "#2": _r(2, 2, 2, 2)}, model="h")
    out = videoqa_judge_scores(PREDS, REFS, questions=QUESTIONS, rubric=VIDEOQA_RUBRIC, judges=judge)
    assert out["agreement"] == {}
    assert out["num_unparseable"] == 1 and out["num_rated_questions"] == 2
    assert out["mean_overall"] == pytest.approx(3.0)
    assert math.isnan(out["per_question"]["contextual_integration"][1])


def test_bootstrap_and_paired() -> None:
    a = PrecomputedBackend({f"#{i}": _r(i, i, i, i) for i in range(3)}, model="a")
    out = videoqa_judge_scores(
        PREDS, REFS, questions=QUESTIONS, rubric=VIDEOQA_RUBRIC, judges=a, bootstrap=50, seed=1
    )
    lo, hi = out["ci"]["mean_overall"]
    assert 0.0 <= lo <= 1.0 <= hi <= 2.0
    assert "bs:50" in out["signature"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"judges": []}, "judge backend"),
        ({"rubric": Rubric("x", (Dimension("s", 0, 5),), user="{q}", fields=("q",))}, "fields"),
        ({"policy": "nope"}, "policy"),
        ({"questions": ["only one"]}, "questions"),
    ],
)
def test_bad_arguments(kwargs, match) -> None:
    args = {"questions": QUESTIONS, "rubric": VIDEOQA_RUBRIC, "judges": PrecomputedBackend({}, model="m")}
    with pytest.raises(InputValidationError, match=match):
        videoqa_judge_scores(PREDS, REFS, **{**args, **kwargs})


def test_judge_options_parse_several_judges_and_refuse_half_a_judge() -> None:
    opts = {"judge_model": "a,b", "judge_endpoint": "http://127.0.0.1:9/v1,http://127.0.0.1:10/v1"}
    setup = judges_from_options(opts)
    assert setup is not None and [j.url for j in setup.judges] == [
        "http://127.0.0.1:9/v1/chat/completions",
        "http://127.0.0.1:10/v1/chat/completions",
    ]
    assert judges_from_options({"bootstrap": 0}) is None
    with pytest.raises(InputValidationError, match="judge_endpoint"):
        judges_from_options({"judge_model": "a"})
    with pytest.raises(InputValidationError, match="one per judge"):
        judges_from_options({"judge_model": "a,b,c", "judge_endpoint": "http://x/v1,http://y/v1"})


# ------------------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("vqj") / "sample"
    write_sample(out, seed=0, benchmarks=["procobject"], videos=False)
    return out / "procobject"


def _preds(release: Path, cache: Path) -> tuple[dict, list[dict]]:
    from proceval.datasets.load import load_config

    rows = list(load_config("procobject", release, "all", split="test", cache_dir=cache))
    preds = {
        str(r["id"]): {"id": r["id"], "predicted_answer": f"Maybe: {r['answer']}", "predicted_evidence": []}
        for r in rows
    }
    return preds, rows


MARK = "[[unreadable]]"


def _reply(messages: list[dict]) -> str:
    """The fake judge: prose for a prediction holding MARK (also on the format retry), else ratings."""
    if MARK in messages[1]["content"]:
        return UNPARSEABLE_REPLY
    return json.dumps(fake_ratings(messages, DIMS))


def test_three_judges_on_the_fake_server_end_to_end(release: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VQJ_TEST_KEY", "sk-secret-123")
    cache = tmp_path / "hf"
    preds, rows = _preds(release, cache)
    bad = {str(rows[0]["id"])}
    preds[str(rows[0]["id"])]["predicted_answer"] += " " + MARK
    with FakeJudgeServer(reply=_reply, api_key="sk-secret-123") as server:
        options = {
            "judge_model": "judge-a,judge-b,judge-c",
            "judge_endpoint": server.url,
            "judge_revision": "r1,r2,r3",
            "judge_api_key_env": "VQJ_TEST_KEY",
            "judge_cache": str(tmp_path / "judge.sqlite"),
        }
        full = evaluate_config("videoqa_judge", release, "all", preds, cache_dir=cache, options=dict(options))
        first_calls = server.total_requests()
        again = evaluate_config(
            "videoqa_judge", release, "all", preds, cache_dir=cache, options=dict(options)
        )["scores"]
        assert server.total_requests() == first_calls  # the judge cache answered every prompt
    res = full["scores"]
    n = len(rows)
    assert res["num_questions"] == n
    assert res["judges"] == ["judge-a@r1", "judge-b@r2", "judge-c@r3"]
    assert set(res["agreement"]) == set(VIDEOQA_DIMENSIONS)
    # the unreadable question: retried once per judge, then excluded and counted
    assert res["num_unparseable"] == 3 and res["num_retries"] == 3
    assert res["num_judged"] == 3 * (n - 1) and res["num_rated_questions"] == n - 1
    assert again["num_calls"] == 0 and again["num_cached"] == res["num_calls"]
    for key in ("mean_overall", *(f"mean_{d}" for d in VIDEOQA_DIMENSIONS)):
        assert res[key] == again[key]
    # reference: the fake judge's ratings of each rendered prompt (identical for the three judges)
    expected = []
    for r in rows:
        if str(r["id"]) in bad:
            continue
        item = {
            "question": r["question"],
            "answer": r["answer"],
            "prediction": preds[str(r["id"])]["predicted_answer"],
        }
        expected.append(fake_ratings(render(VIDEOQA_RUBRIC, item), DIMS))
    for d in VIDEOQA_DIMENSIONS:
        want = sum(e[d] for e in expected) / len(expected)
        assert res[f"mean_{d}"] == pytest.approx(want)
        assert res["per_judge"]["judge-b@r2"][f"mean_{d}"] == pytest.approx(want)
        assert res["agreement"][d] in (1.0, None)  # the judges agree exactly
    assert res["mean_overall"] == pytest.approx(sum(sum(e.values()) for e in expected) / (4 * len(expected)))
    assert "sk-secret-123" not in json.dumps(full, default=str) + json.dumps(again, default=str)
    sig = full["signature"]
    assert "judge:judge-a@r1,judge-b@r2,judge-c@r3" in sig and "cfg:all" in sig and "data:procobject-" in sig
    assert set(res["per_reasoning"]) <= {"Needle-in-a-Haystack", "Multi-hop Reasoning"}


def test_task_without_judge_is_an_error(release: Path, tmp_path: Path) -> None:
    preds, _ = _preds(release, tmp_path / "hf")
    with pytest.raises(InputValidationError, match="judge_model"):
        evaluate_config("videoqa_judge", release, "all", preds, cache_dir=tmp_path / "hf")


def test_unreadable_reply_counted_with_a_custom_reply(release: Path, tmp_path: Path) -> None:
    preds, rows = _preds(release, tmp_path / "hf")
    with FakeJudgeServer(reply=lambda messages: UNPARSEABLE_REPLY) as server:
        backend = OpenAICompatibleBackend("m", server.url, api_key_env=None)
        out = videoqa_judge_scores(
            {k: v["predicted_answer"] for k, v in preds.items()},
            {str(r["id"]): r["answer"] for r in rows},
            questions={str(r["id"]): r["question"] for r in rows},
            rubric=VIDEOQA_RUBRIC,
            judges=backend,
            policy="exclude",
        )
    assert out["num_unparseable"] == len(rows) and out["num_rated_questions"] == 0
    assert math.isnan(out["mean_overall"])
