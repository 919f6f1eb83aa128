"""The judge runner with scripted and precomputed judges: policies, counts, de-duplication, failures,
several judges, cost, signatures and argument errors."""

from __future__ import annotations

import asyncio
import contextlib
import json

import numpy as np
import pytest

from proceval import __version__
from proceval.errors import InputValidationError
from proceval.judges import (
    COUNT_KEYS,
    Completion,
    Decoding,
    Dimension,
    JudgeBackend,
    JudgeCache,
    JudgeCallError,
    JudgeRunError,
    PrecomputedBackend,
    Price,
    Rubric,
    ajudge_items,
    judge_items,
    krippendorff_alpha_ordinal,
    template_hash,
)

RUBRIC = Rubric(
    "qa",
    (Dimension("correctness", 0, 5), Dimension("detail", 0, 5)),
    user="Question: {question}\nPrediction: {prediction}",
    fields=("question", "prediction"),
)
GARBAGE = "Looks fine to me."


class Scripted(JudgeBackend):
    """A judge whose reply is ``script(item_id, attempt)``; records every request."""

    def __init__(self, script, *, model="scripted", revision=None, fail=(), fatal=(), max_concurrency=4):
        self.model, self.revision = model, revision
        self.decoding = Decoding(max_tokens=64)
        self.max_concurrency = max_concurrency
        self.script, self.fail, self.fatal = script, set(fail), set(fatal)
        self.requests = []

    @contextlib.asynccontextmanager
    async def session(self):
        yield self

    async def complete(self, request):
        self.requests.append(request)
        await asyncio.sleep(0)
        if request.item_id in self.fatal:
            raise JudgeCallError("bad credentials", fatal=True)
        if request.item_id in self.fail:
            raise JudgeCallError(f"HTTP 400 for item {request.item_id!r}", attempts=2)
        attempt = sum(m["role"] == "assistant" for m in request.messages)
        return Completion(self.script(request.item_id, attempt), prompt_tokens=100, completion_tokens=10)


def ratings(c, d):
    return json.dumps({"correctness": c, "detail": d})


def items(n):
    return {f"q{i}": {"question": f"question {i}", "prediction": f"answer {i}"} for i in range(n)}


def script_with_bad(item_id, attempt):
    """q0: fine; q1: garbage then fine; q2: garbage twice; others: fine."""
    if item_id == "q1" and attempt == 0:
        return GARBAGE
    if item_id == "q2":
        return GARBAGE
    i = int(item_id[1:])
    return ratings(i % 6, (i + 1) % 6)


@pytest.mark.parametrize(
    ("policy", "q2", "retries", "calls"),
    [
        ("retry_then_exclude", None, 2, 6),
        ("retry_then_minimum", {"correctness": 0, "detail": 0}, 2, 6),
        ("exclude", None, 0, 4),
        ("minimum", {"correctness": 0, "detail": 0}, 0, 4),
    ],
)
def test_unparseable_policies(policy, q2, retries, calls):
    judge = Scripted(script_with_bad)
    result = judge_items(items(4), RUBRIC, judge, cache=None, policy=policy)
    verdicts = result.verdicts["scripted"]
    assert verdicts["q0"].ratings == {"correctness": 0, "detail": 1}
    assert verdicts["q2"].ratings == q2
    assert verdicts["q2"].status == ("minimum" if q2 else "excluded")
    assert verdicts["q2"].reason == "no JSON object in the reply"
    if policy.startswith("retry"):
        assert verdicts["q1"].status == "rated" and verdicts["q1"].ratings == {"correctness": 1, "detail": 2}
        assert verdicts["q1"].retried and len(verdicts["q1"].keys) == 2
        retry = next(r for r in judge.requests if r.item_id == "q1" and len(r.messages) == 3)
        assert retry.messages[1] == {"role": "assistant", "content": GARBAGE}
    else:
        assert verdicts["q1"].status == ("minimum" if q2 else "excluded")
    c = result.counts
    assert c["num_items"] == 4
    assert c["num_retries"] == retries
    assert c["num_calls"] == calls == len(judge.requests)
    assert c["num_unparseable"] == (1 if policy.startswith("retry") else 2)
    assert c["num_judged"] == 4 - c["num_unparseable"] + (c["num_unparseable"] if q2 else 0)
    rated = [v.ratings for v in verdicts.values() if v.ratings is not None]
    assert result.mean["correctness"] == pytest.approx(np.mean([r["correctness"] for r in rated]))
    assert set(result.per_item) == {i for i, v in verdicts.items() if v.ratings is not None}
    assert result.signature_items["unparse"] == policy


def test_identical_prompts_share_one_call():
    same = {"a": {"question": "q", "prediction": "p"}, "b": {"question": "q", "prediction": "p"}}
    judge = Scripted(lambda i, a: ratings(3, 4))
    result = judge_items(same, RUBRIC, judge, cache=None)
    assert len(judge.requests) == 1
    assert result.counts["num_calls"] == 1 and result.counts["num_cached"] == 1
    assert result.per_item == {
        "a": {"correctness": 3.0, "detail": 4.0},
        "b": {"correctness": 3.0, "detail": 4.0},
    }


def test_cached_rerun_makes_no_call_and_gives_the_same_result(tmp_path):
    first = Scripted(script_with_bad)
    r1 = judge_items(items(6), RUBRIC, first, cache=tmp_path / "c.sqlite")
    again = Scripted(lambda i, a: pytest.fail("a cached item was asked again"))
    r2 = judge_items(items(6), RUBRIC, again, cache=tmp_path / "c.sqlite")
    assert again.requests == []
    assert r2.per_item == r1.per_item and r2.mean == r1.mean and r2.signature == r1.signature
    assert r2.counts["num_cached"] == r1.counts["num_calls"] == 8 and r2.counts["num_calls"] == 0
    assert r2.counts["num_retries"] == r1.counts["num_retries"] == 2
    assert (
        r2.usage["prompt_tokens"] == 0 and r2.usage["all_prompt_tokens"] == r1.usage["prompt_tokens"] == 800
    )


def test_failed_items_raise_after_the_run_with_the_partial_result(tmp_path):
    judge = Scripted(lambda i, a: ratings(2, 2), fail={"q1"})
    with pytest.raises(
        JudgeRunError, match=r"1 failed item\(s\) \(first: judge scripted, item 'q1': HTTP 400"
    ) as err:
        judge_items(items(3), RUBRIC, judge, cache=tmp_path / "c.sqlite")
    partial = err.value.result
    assert partial.counts["num_failed"] == 1 and partial.counts["num_judged"] == 2
    assert partial.counts["num_http_retries"] == 1
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        assert len(cache) == 2  # the finished calls were kept
    fixed = Scripted(lambda i, a: ratings(2, 2))
    result = judge_items(items(3), RUBRIC, fixed, cache=tmp_path / "c.sqlite")
    assert [r.item_id for r in fixed.requests] == ["q1"]
    assert result.counts["num_failed"] == 0 and result.counts["num_cached"] == 2


def test_failures_exclude_scores_without_them_and_signs_it():
    judge = Scripted(lambda i, a: ratings(4, 4), fail={"q0"})
    result = judge_items(items(2), RUBRIC, judge, cache=None, failures="exclude")
    assert result.verdicts["scripted"]["q0"].status == "failed"
    assert result.per_item == {"q1": {"correctness": 4.0, "detail": 4.0}}
    assert result.signature_items["fail"] == "exclude"


def test_fatal_error_stops_the_run():
    judge = Scripted(lambda i, a: ratings(1, 1), fatal={"q3"}, max_concurrency=1)
    with pytest.raises(JudgeCallError, match="bad credentials"):
        judge_items(items(20), RUBRIC, judge, cache=None)
    assert len(judge.requests) < 20


def test_signature_is_pinned():
    judge = Scripted(lambda i, a: ratings(1, 1), model="gpt-judge", revision="2025-01-01")
    result = judge_items(items(1), RUBRIC, judge, cache=None)
    tmpl = template_hash(RUBRIC)[:8]
    assert result.signature == (
        f"qa|judge:gpt-judge@2025-01-01|tmpl:{tmpl}|temp:0|maxtok:64|unparse:retry_then_exclude|v:{__version__}"
    )
    assert result.judges == ("gpt-judge@2025-01-01",)


def test_several_judges_average_and_report_agreement():
    a = PrecomputedBackend(
        {
            "x": {"correctness": 5, "detail": 1},
            "y": {"correctness": 2, "detail": 2},
            "z": {"correctness": 0, "detail": 3},
        },
        model="a",
    )
    b = PrecomputedBackend(
        {
            "x": {"correctness": 4, "detail": 1},
            "y": {"correctness": 2, "detail": 9},
            "z": {"correctness": 1, "detail": 3},
        },
        model="b",
        revision="r2",
    )
    fields = {k: {"question": k, "prediction": k} for k in "xyz"}
    result = judge_items(fields, RUBRIC, [a, b], cache=None)
    assert result.judges == ("a", "b@r2")
    assert result.verdicts["b@r2"]["y"].status == "excluded"  # detail 9 is off the 0..5 scale
    assert result.per_item == {
        "x": {"correctness": 4.5, "detail": 1.0},
        "y": {"correctness": 2.0, "detail": 2.0},  # only judge a rated y
        "z": {"correctness": 0.5, "detail": 3.0},
    }
    assert result.mean["correctness"] == pytest.approx((4.5 + 2.0 + 0.5) / 3)
    assert result.per_judge_mean["a"]["correctness"] == pytest.approx(7 / 3)
    assert result.agreement["correctness"] == pytest.approx(
        krippendorff_alpha_ordinal([[5, 2, 0], [4, np.nan, 1]])
    )
    assert result.agreement["detail"] == pytest.approx(
        krippendorff_alpha_ordinal([[1, 2, 3], [1, np.nan, 3]])
    )
    assert result.signature_items["judge"] == "a,b@r2" and result.signature_items["agg"] == "mean"
    # stored ratings are not calls; the format retry of y asks b's stored ratings again (same answer)
    assert result.counts["num_cached"] == 7 and result.counts["num_calls"] == 0
    assert result.counts["num_retries"] == 1 and result.counts["num_unparseable"] == 1
    flat = result.as_dict()
    assert flat["krippendorff_alpha_correctness"] == result.agreement["correctness"]
    assert set(COUNT_KEYS) <= set(flat)


def test_precomputed_missing_item_fails_that_item():
    judge = PrecomputedBackend({"q0": {"correctness": 1, "detail": 1}}, model="human")
    result = judge_items(items(2), RUBRIC, judge, cache=None, failures="exclude")
    assert result.verdicts["human"]["q1"].status == "failed"
    assert "no precomputed ratings for item 'q1'" in result.verdicts["human"]["q1"].reason


def test_cost_estimate_needs_prices_and_usage():
    judge = Scripted(lambda i, a: ratings(1, 1), model="m")
    result = judge_items(items(3), RUBRIC, judge, cache=None, prices={"m": Price(2.0, 8.0)})
    assert result.usage["prompt_tokens"] == 300 and result.usage["completion_tokens"] == 30
    assert result.cost_usd == pytest.approx((300 * 2.0 + 30 * 8.0) / 1e6)
    assert result.cost_usd_all == pytest.approx(result.cost_usd)
    assert judge_items(items(3), RUBRIC, Scripted(lambda i, a: ratings(1, 1)), cache=None).cost_usd is None
    other = judge_items(
        items(3), RUBRIC, Scripted(lambda i, a: ratings(1, 1)), cache=None, prices={"x": (1, 1)}
    )
    assert other.cost_usd is None  # no price for this judge


def test_async_entry_point_and_call_from_a_running_loop():
    async def main():
        a = await ajudge_items(items(2), RUBRIC, Scripted(lambda i, x: ratings(2, 3)), cache=None)
        b = judge_items(items(2), RUBRIC, Scripted(lambda i, x: ratings(2, 3)), cache=None)  # inside a loop
        return a, b

    a, b = asyncio.run(main())
    assert a.per_item == b.per_item == {f"q{i}": {"correctness": 2.0, "detail": 3.0} for i in range(2)}


def test_empty_items():
    result = judge_items({}, RUBRIC, Scripted(lambda i, a: ratings(1, 1)), cache=None)
    assert result.mean == {"correctness": None, "detail": None} and result.counts["num_items"] == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"items": [{"question": "q"}]}, r"`items` to be a mapping of item id to fields, but got list"),
        ({"items": {1: {"question": "q", "prediction": "p"}}}, r"item ids to be strings, but got \[1\]"),
        ({"items": {"a": {"question": "q"}}}, r"item 'a' to have the field `prediction`"),
        ({"policy": "skip"}, r"`policy` to be one of \('retry_then_exclude', .*but got 'skip'"),
        ({"failures": "ignore"}, r"`failures` to be one of \('raise', 'exclude'\), but got 'ignore'"),
        ({"judges": []}, r"`judges` to be a judge backend or a non-empty list"),
        ({"judges": ["gpt-4o"]}, r"`judges` to be a judge backend"),
        ({"cache": 3}, r"`cache` to be a JudgeCache, a path or None, but got int"),
        ({"rubric": "qa"}, r"`rubric` to be a Rubric, but got str"),
    ],
)
def test_argument_errors(kwargs, match):
    args = {
        "items": items(1),
        "rubric": RUBRIC,
        "judges": Scripted(lambda i, a: ratings(1, 1)),
        "cache": None,
    }
    args.update(kwargs)
    with pytest.raises(InputValidationError, match=match):
        judge_items(args.pop("items"), args.pop("rubric"), args.pop("judges"), **args)


def test_duplicate_judges_are_refused():
    with pytest.raises(InputValidationError, match=r"judges to be distinct .* but got \['m', 'm'\]"):
        judge_items(items(1), RUBRIC, [Scripted(None, model="m"), Scripted(None, model="m")], cache=None)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"temperature": -0.1}, r"`temperature` to be a float >= 0"),
        ({"max_tokens": 0}, r"`max_tokens` to be an integer >= 1"),
        ({"seed": 1.5}, r"`seed` to be an integer or None"),
        ({"extra": {"temperature": 1}}, r"`extra` to leave the keys set by the decoding parameters alone"),
        ({"extra": {"x": object()}}, r"`extra` to hold JSON values"),
    ],
)
def test_decoding_errors(kwargs, match):
    with pytest.raises(InputValidationError, match=match):
        Decoding(**kwargs)


def test_decoding_signature_items():
    d = Decoding(temperature=0.0, max_tokens=256, seed=7, json_mode=True, extra={"reasoning_effort": "none"})
    items_ = d.signature_items()
    assert (
        items_["temp"] == 0.0 and items_["maxtok"] == 256 and items_["seed"] == 7 and items_["json"] is True
    )
    assert len(items_["extra"]) == 8
    assert Decoding.from_key_items(d.key_items()) == d
