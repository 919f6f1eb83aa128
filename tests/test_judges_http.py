"""The OpenAI-compatible backend against a real HTTP server on loopback that injects faults.

Slow replies (client timeouts), HTTP 429 and 500, malformed response bodies and dropped connections:
no result is lost or doubled, every fault is retried exactly once, the cache holds one row per prompt.
Also: retries exhausted, fatal statuses, the request body, concurrency bound, the API key never leaks.
"""

from __future__ import annotations

import json
import logging
import random

import pytest

from proceval.errors import InputValidationError
from proceval.judges import (
    Dimension,
    JudgeCache,
    JudgeCallError,
    JudgeRunError,
    OpenAICompatibleBackend,
    Rubric,
    judge_items,
    render,
)
from proceval.judges.fake_server import (
    UNPARSEABLE_REPLY,
    FakeJudgeServer,
    Faults,
    fake_ratings,
    message_digest,
)
from proceval.judges.openai_backend import chat_completions_url
from proceval.judges.retry import backoff_delay_s, retry_after_s
from proceval.judges.rubric import retry_messages

DIMS = {"relevance": (1, 5), "specificity": (1, 5), "actionability": (1, 5), "conciseness": (1, 5)}
RUBRIC = Rubric(
    "guidance",
    tuple(Dimension(k, lo, hi) for k, (lo, hi) in DIMS.items()),
    system="You are a strict evaluator. Output only a JSON object with integer ratings 1-5.",
    user="Task: {task_context}\nGolden: {golden}\nModel: {model}",
    fields=("golden", "model", "task_context"),
)


def make_items(n: int, distinct: int | None = None) -> dict[str, dict[str, str]]:
    distinct = distinct or n
    return {
        f"item{i:03d}": {
            "golden": f"Add salt to pot {i % distinct}",
            "model": f"Stir {i % distinct}",
            "task_context": "soup",
        }
        for i in range(n)
    }


def backend(server: FakeJudgeServer, **kwargs) -> OpenAICompatibleBackend:
    args = {
        "api_key_env": None,
        "timeout_s": 5.0,
        "max_retries": 4,
        "backoff_base_s": 0.005,
        "backoff_max_s": 0.02,
        "max_concurrency": 8,
    }
    args.update(kwargs)
    return OpenAICompatibleBackend("fake-judge", server.url, **args)


def test_faults_lose_nothing_and_double_nothing(tmp_path):
    items = make_items(90, distinct=80)  # 10 items repeat another's prompt: one call each pair
    faults = Faults(
        latency_s=0.002,
        rate_429=0.1,
        rate_500=0.1,
        rate_malformed=0.06,
        rate_drop=0.06,
        rate_slow=0.04,
        slow_s=1.0,
        retry_after_s=0.01,
        max_faults_per_key=3,
        seed=1,
    )
    with FakeJudgeServer(DIMS, faults=faults) as server:
        judge = backend(server, timeout_s=0.4)
        result = judge_items(items, RUBRIC, judge, cache=tmp_path / "c.sqlite")
    assert all(server.faults_sent[kind] > 0 for kind in ("429", "500", "malformed", "drop", "slow"))
    verdicts = result.verdicts["fake-judge"]
    assert list(verdicts) == list(items)  # one verdict per item, none lost
    for item_id, fields in items.items():
        expected = fake_ratings(render(RUBRIC, fields), DIMS)
        assert verdicts[item_id].status == "rated" and verdicts[item_id].ratings == expected, item_id
    digests = {message_digest(render(RUBRIC, f)) for f in items.values()}
    assert set(server.requests) == digests  # nothing but the prompts was asked
    c = result.counts
    assert c["num_failed"] == 0 and c["num_unparseable"] == 0 and c["num_judged"] == 90
    assert c["num_calls"] == 80 and c["num_cached"] == 10  # each prompt called once, repeats shared
    assert c["num_http_retries"] == sum(server.faults_sent.values())  # each fault retried exactly once
    assert sum(server.requests.values()) == c["num_calls"] + c["num_http_retries"]
    # A reply sent twice only happens to a slow reply the client had given up on.
    slow = {d for d, kinds in server.faults_by_key.items() if "slow" in kinds}
    assert set(server.doubled()) <= slow
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        assert len(cache) == 80 and sorted(cache.keys()) == sorted(result.cache_keys)


def test_unparseable_replies_against_the_server(tmp_path):
    items = make_items(60)
    faults = Faults(unparseable_rate=0.3, unparseable_twice_rate=0.1)
    with FakeJudgeServer(DIMS, faults=faults) as server:
        result = judge_items(items, RUBRIC, backend(server), cache=tmp_path / "c.sqlite")
        expected = {}
        for item_id, fields in items.items():
            messages = render(RUBRIC, fields)
            first = server.reply_text(messages)
            final = (
                first
                if first != UNPARSEABLE_REPLY
                else server.reply_text(retry_messages(RUBRIC, messages, first))
            )
            expected[item_id] = (
                "rated" if final != UNPARSEABLE_REPLY else "excluded",
                first == UNPARSEABLE_REPLY,
            )
    got = {i: (v.status, v.retried) for i, v in result.verdicts["fake-judge"].items()}
    assert got == expected
    retried = sum(r for _, r in expected.values())
    excluded = sum(s == "excluded" for s, _ in expected.values())
    assert 0 < excluded < retried  # the table exercises both outcomes
    assert result.counts["num_retries"] == retried and result.counts["num_unparseable"] == excluded
    assert result.counts["num_calls"] == 60 + retried


def test_retries_exhausted_fail_the_item_and_a_rerun_finishes_it(tmp_path):
    items = make_items(3)
    with FakeJudgeServer(DIMS, faults=Faults(rate_500=1.0, max_faults_per_key=3)) as server:
        judge = backend(server, max_retries=2)
        with pytest.raises(JudgeRunError, match=r"3 failed item\(s\).*after 3 attempts: HTTP 500") as err:
            judge_items(items, RUBRIC, judge, cache=tmp_path / "c.sqlite")
        assert err.value.result.counts["num_http_retries"] == 6
        assert sum(server.requests.values()) == 9
        result = judge_items(items, RUBRIC, judge, cache=tmp_path / "c.sqlite")  # the 4th attempt succeeds
    assert result.counts["num_calls"] == 3 and result.counts["num_failed"] == 0


def test_timeout_is_retried(tmp_path):
    with FakeJudgeServer(DIMS, faults=Faults(rate_slow=1.0, slow_s=2.0, max_faults_per_key=1)) as server:
        result = judge_items(make_items(2), RUBRIC, backend(server, timeout_s=0.3), cache=None)
    assert result.counts["num_http_retries"] == 2 and result.counts["num_judged"] == 2


def test_unknown_model_stops_the_run():
    with FakeJudgeServer(DIMS, models=["served-model"]) as server:
        with pytest.raises(JudgeCallError, match=r"answered HTTP 404 for model 'fake-judge'") as err:
            judge_items(make_items(30), RUBRIC, backend(server, max_concurrency=2), cache=None)
        assert err.value.fatal
        assert sum(server.requests.values()) == 0  # refused before counting


def test_concurrency_is_bounded():
    with FakeJudgeServer(DIMS, faults=Faults(latency_s=0.05)) as server:
        judge_items(make_items(30), RUBRIC, backend(server, max_concurrency=5), cache=None)
    assert 2 <= server.max_in_flight <= 5


def test_request_body_and_usage():
    with FakeJudgeServer(DIMS, model="served-as") as server:
        judge = backend(
            server,
            max_tokens=77,
            seed=3,
            json_mode=True,
            extra_body={"top_p": 1.0},
            max_tokens_field="max_completion_tokens",
        )
        result = judge_items(make_items(1), RUBRIC, judge, cache=None)
        body = server.bodies[0]
    messages = render(RUBRIC, make_items(1)["item000"])
    assert body == {
        "model": "fake-judge",
        "messages": messages,
        "temperature": 0.0,
        "max_completion_tokens": 77,
        "seed": 3,
        "response_format": {"type": "json_object"},
        "top_p": 1.0,
    }
    words = sum(len(m["content"].split()) for m in messages)
    assert result.usage["prompt_tokens"] == words and result.usage["completion_tokens"] == 8
    sig = result.signature
    assert "|temp:0|maxtok:77|seed:3|json:yes|extra:" in sig


def test_endpoint_is_not_part_of_the_cache_key(tmp_path):
    items = make_items(5)
    with FakeJudgeServer(DIMS) as first, FakeJudgeServer(DIMS) as second:
        judge_items(items, RUBRIC, backend(first), cache=tmp_path / "c.sqlite")
        result = judge_items(items, RUBRIC, backend(second), cache=tmp_path / "c.sqlite")
        assert sum(second.requests.values()) == 0
    assert result.counts["num_cached"] == 5


def test_api_key_is_never_printed_or_written(tmp_path, monkeypatch, caplog):
    secret = "sk-test-" + "".join(random.Random(0).choices("abcdefghijklmnopqrstuvwxyz0123456789", k=32))
    monkeypatch.setenv("JUDGE_TEST_KEY", secret)
    caplog.set_level(logging.DEBUG)
    items = make_items(12)
    faults = Faults(rate_500=0.3, rate_429=0.2, max_faults_per_key=2, unparseable_rate=0.2)
    with FakeJudgeServer(DIMS, faults=faults, api_key=secret) as server:
        judge = backend(server, api_key_env="JUDGE_TEST_KEY")
        result = judge_items(items, RUBRIC, judge, cache=tmp_path / "c.sqlite")
        with JudgeCache(tmp_path / "c.sqlite") as cache:
            ledger = cache.export_ledger(tmp_path / "ledger.jsonl", result.cache_keys)
        assert result.counts["num_judged"] == 12
        # Wrong key: HTTP 401 stops the run; the message names neither key.
        monkeypatch.setenv("JUDGE_TEST_KEY", secret[::-1])
        with pytest.raises(JudgeCallError) as err:
            judge_items(make_items(2), RUBRIC, judge, cache=None)
        # Failing calls: the error messages hold no key either.
        monkeypatch.setenv("JUDGE_TEST_KEY", secret)
        server.faults = Faults(rate_500=1.0)
        with pytest.raises(JudgeRunError) as run_err:
            judge_items(
                make_items(3, distinct=1),
                RUBRIC,
                backend(server, api_key_env="JUDGE_TEST_KEY", max_retries=1),
                cache=None,
            )
    texts = [
        repr(judge),
        str(judge.__dict__),
        repr(result),
        json.dumps(result.as_dict()),
        result.signature,
        ledger.read_text(),
        caplog.text,
        str(err.value),
        str(run_err.value),
        repr(run_err.value.result),
    ]
    texts += [p.read_bytes().decode("latin-1") for p in tmp_path.glob("c.sqlite*")]
    for text in texts:
        assert secret not in text and secret[::-1] not in text
    assert "HTTP 401" in str(err.value)


def test_api_key_given_directly_stays_hidden():
    with FakeJudgeServer(DIMS, api_key="sk-direct-123456") as server:
        judge = backend(server, api_key="sk-direct-123456")
        result = judge_items(make_items(2), RUBRIC, judge, cache=None)
    assert result.counts["num_judged"] == 2
    assert "sk-direct-123456" not in repr(judge) + str(vars(judge)) + repr(result)


def test_missing_api_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("JUDGE_TEST_MISSING", raising=False)
    with FakeJudgeServer(DIMS) as server:
        judge = backend(server, api_key_env="JUDGE_TEST_MISSING")
        with pytest.raises(
            InputValidationError, match=r"environment variable `JUDGE_TEST_MISSING` to hold the API key"
        ):
            judge_items(make_items(1), RUBRIC, judge, cache=None)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"endpoint": "127.0.0.1:8000/v1"}, r"`endpoint` to be an http\(s\) URL"),
        ({"endpoint": "ftp://host/v1"}, r"`endpoint` to be an http\(s\) URL"),
        ({"model": ""}, r"`model` to be a non-empty string"),
        ({"revision": ""}, r"`revision` to be a non-empty string or None"),
        ({"max_concurrency": 0}, r"`max_concurrency` to be an integer >= 1"),
        ({"timeout_s": 0}, r"`timeout_s` to be a number > 0"),
        ({"backoff_base_s": -1}, r"`backoff_base_s` to be a number >= 0"),
        ({"max_retries": -1}, r"`max_retries` to be an integer >= 0"),
        ({"max_tokens_field": "n"}, r"`max_tokens_field` to be one of"),
        ({"api_key_env": ""}, r"`api_key_env` to be an environment variable name or None"),
        ({"temperature": -1}, r"`temperature` to be a float >= 0"),
    ],
)
def test_backend_argument_errors(kwargs, match):
    args = {"model": "m", "endpoint": "http://127.0.0.1:1/v1"}
    args.update(kwargs)
    with pytest.raises(InputValidationError, match=match):
        OpenAICompatibleBackend(args.pop("model"), args.pop("endpoint"), **args)


def test_chat_completions_url():
    assert chat_completions_url("https://api.openai.com/v1") == "https://api.openai.com/v1/chat/completions"
    assert chat_completions_url("http://h:8000/v1/chat/completions/") == "http://h:8000/v1/chat/completions"


def test_backoff_is_exponential_with_full_jitter_and_honours_retry_after():
    rng = random.Random(0)
    for attempt in range(8):
        cap = min(4.0, 0.25 * 2**attempt)
        draws = [backoff_delay_s(attempt, base_s=0.25, max_s=4.0, rng=rng) for _ in range(200)]
        assert all(0.0 <= d <= cap for d in draws)
        assert max(draws) > 0.8 * cap  # the whole range is used
    assert backoff_delay_s(0, base_s=0.1, max_s=4.0, retry_after_s=3.0, rng=rng) == 3.0
    assert backoff_delay_s(0, base_s=0.1, max_s=4.0, retry_after_s=60.0, rng=rng) == 4.0
    assert retry_after_s({"retry-after": "2"}) == 2.0
    assert retry_after_s({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}) is None
    assert retry_after_s({}) is None
