"""``videoqa_judge`` with ``prompts="per_aspect"``: VCGBench's one prompt per dimension, against a loopback judge.

The judge is the real OpenAI-compatible backend talking to
:class:`~proceval.judges.fake_server.FakeJudgeServer` on 127.0.0.1, whose rating of a prompt is a hash of
its messages: the expected numbers are recomputed here by rendering each aspect's rubric with
:func:`proceval.judges.rubric.render` and hashing, independently of the score's code path.
"""

from __future__ import annotations

import math

import pytest

from proceval.benchmarks.procobject.rubrics import VIDEOQA_ASPECT_RUBRICS, VIDEOQA_DIMENSIONS, VIDEOQA_RUBRIC
from proceval.benchmarks.procobject.scoring import videoqa_judge_module_scores
from proceval.errors import InputValidationError
from proceval.judges import OpenAICompatibleBackend
from proceval.judges.fake_server import FakeJudgeServer, fake_ratings, prompt_keys_reply
from proceval.judges.rubric import render

QUESTIONS = ["Is the lid on before blending?", "What happens to the egg after it is cracked?"]
REFERENCES = ["Yes, the lid is put on first.", "It goes into the pan, then it is stirred."]
PREDICTIONS = ["No, the lid stays off.", "It is stirred in the pan."]


def _backend(server: FakeJudgeServer) -> OpenAICompatibleBackend:
    return OpenAICompatibleBackend("fake-judge", server.url, api_key_env=None, max_retries=0)


def _expected(rubrics, dims) -> list[dict[str, int]]:
    """Per question, the fake judge's rating of each dimension, from the rendered prompts."""
    out = []
    for q, ref, pred in zip(QUESTIONS, REFERENCES, PREDICTIONS, strict=True):
        item = {"question": q, "answer": ref, "prediction": pred}
        ratings: dict[str, int] = {}
        for rubric in rubrics:
            scale = {d.key: (d.low, d.high) for d in rubric.dimensions}
            reply = fake_ratings(render(rubric, item), scale)
            ratings.update({d.name: reply[d.key] for d in rubric.dimensions})
        out.append({d: ratings[d] for d in dims})
    return out


def test_one_prompt_per_aspect() -> None:
    with FakeJudgeServer({"score": (0, 5)}) as server:
        out = videoqa_judge_module_scores(
            PREDICTIONS, REFERENCES, questions=QUESTIONS, judges=_backend(server), prompts="per_aspect"
        )
        assert server.total_requests() == 4 * len(QUESTIONS)  # one call per question and aspect
        systems = [body["messages"][0]["content"] for body in server.bodies]
    for aspect in (
        "factual accuracy",
        "detail orientation",
        "contextual understanding",
        "temporal understanding",
    ):
        assert sum(f"evaluate the {aspect} of a predicted answer" in s for s in systems) == len(QUESTIONS)
    expected = _expected(VIDEOQA_ASPECT_RUBRICS, VIDEOQA_DIMENSIONS)
    for d in VIDEOQA_DIMENSIONS:
        assert out[f"mean_{d}"] == pytest.approx(sum(e[d] for e in expected) / len(expected))
        assert list(out["per_question"][d]) == [e[d] for e in expected]
    assert out["mean_overall"] == pytest.approx(sum(sum(e.values()) / 4 for e in expected) / len(expected))
    assert out["num_rated_questions"] == 2 and out["num_judged"] == 8 and out["num_calls"] == 8
    sig = out["signature"]
    assert sig.startswith(
        "videoqa_judge|prompts:per_aspect|rubric:videoqa_judge_aspect|judge:fake-judge|tmpl:"
    )


def test_joint_is_the_default_and_signed_apart() -> None:
    with FakeJudgeServer(reply=prompt_keys_reply(0, 5)) as server:
        joint = videoqa_judge_module_scores(
            PREDICTIONS, REFERENCES, questions=QUESTIONS, judges=_backend(server)
        )
        assert server.total_requests() == len(QUESTIONS)  # one call rates the four dimensions
        aspects = videoqa_judge_module_scores(
            PREDICTIONS, REFERENCES, questions=QUESTIONS, judges=_backend(server), prompts="per_aspect"
        )
        assert server.total_requests() == 5 * len(QUESTIONS)
    expected = _expected([VIDEOQA_RUBRIC], VIDEOQA_DIMENSIONS)
    for d in VIDEOQA_DIMENSIONS:
        assert joint[f"mean_{d}"] == pytest.approx(sum(e[d] for e in expected) / len(expected))
    assert "|prompts:joint|rubric:videoqa_judge|" in joint["signature"]
    tmpl = {out["signature"].split("|tmpl:")[1][:8] for out in (joint, aspects)}
    assert len(tmpl) == 2  # the four aspect templates hash apart from the joint one


def test_a_question_with_an_unrated_aspect_is_left_out() -> None:
    def reply(messages):  # the temporal prompt of the first question gets no readable reply, even on retry
        text = " ".join(m["content"] for m in messages)
        if "temporal understanding" in text and QUESTIONS[0] in text:
            return "I cannot tell."
        return '{"score": 4}'

    with FakeJudgeServer(reply=reply) as server:
        out = videoqa_judge_module_scores(
            PREDICTIONS, REFERENCES, questions=QUESTIONS, judges=_backend(server), prompts="per_aspect"
        )
    assert out["num_rated_questions"] == 1 and out["num_unparseable"] == 1 and out["num_retries"] == 1
    assert math.isnan(out["per_question"]["temporal_understanding"][0])
    assert out["per_question"]["contextual_integration"][0] == 4.0  # its other aspects were rated
    assert out["mean_overall"] == 4.0  # only the second question is in the means


@pytest.mark.parametrize(
    ("prompts", "rubric", "match"),
    [
        ("per_aspect", VIDEOQA_RUBRIC, "sequence of one-dimension"),
        ("per_aspect", [VIDEOQA_RUBRIC], "sequence of one-dimension"),
        ("per_aspect", [VIDEOQA_ASPECT_RUBRICS[0]] * 2, "distinct"),
        ("joint", list(VIDEOQA_ASPECT_RUBRICS), "prompts='joint'"),
        ("both", None, "prompts"),
    ],
)
def test_bad_prompt_modes(prompts, rubric, match) -> None:
    from proceval.judges import PrecomputedBackend

    with pytest.raises(InputValidationError, match=match):
        videoqa_judge_module_scores(
            PREDICTIONS,
            REFERENCES,
            questions=QUESTIONS,
            judges=PrecomputedBackend({}, model="m"),
            rubric=rubric,
            prompts=prompts,
        )


def test_cli_option_on_the_sample_release(tmp_path_factory: pytest.TempPathFactory) -> None:
    from proceval.datasets.load import load_config
    from proceval.evaluation.runner import evaluate_config
    from proceval.sample import write_sample

    root = tmp_path_factory.mktemp("po_aspect") / "sample"
    write_sample(root, seed=0, benchmarks=["procobject"], videos=False)
    release, cache = root / "procobject", tmp_path_factory.mktemp("po_aspect_cache")
    ids = [str(i) for i in load_config("procobject", release, "needle", split="test", cache_dir=cache)["id"]]
    preds = {i: {"id": i, "predicted_answer": "The lid is on.", "predicted_evidence": [[0, 1]]} for i in ids}
    with FakeJudgeServer(reply=prompt_keys_reply(0, 5)) as server:
        judge = {"judge_model": "fake-judge", "judge_endpoint": server.url}
        res = evaluate_config(
            "videoqa_judge",
            release,
            "needle",
            preds,
            cache_dir=cache,
            options={**judge, "prompts": "per_aspect"},
        )
        assert server.total_requests() == 4 * len(ids)
    assert res["scores"]["num_rated_questions"] == len(ids)
    assert "|prompts:per_aspect|" in res["signature"] and "|cfg:needle|split:test|" in res["signature"]
