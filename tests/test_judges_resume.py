"""A judging run killed with SIGKILL midway, then resumed: no finished call is lost or asked again.

The child process is this file run as a script (``python tests/test_judges_resume.py URL CACHE OUT``):
it judges ITEMS against the loopback fake server with a persistent cache. The test kills it once the
server has received a third of the requests, checks what the cache kept, reruns it to the end, and
checks the server's per-prompt request counts: every reply committed before the kill is never asked
again; the only prompts asked twice are the ones in flight at the kill (at most ``MAX_CONCURRENCY``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from proceval.judges import Dimension, JudgeCache, OpenAICompatibleBackend, Rubric, judge_items, render
from proceval.judges.fake_server import FakeJudgeServer, Faults, fake_ratings, message_digest

DIMS = {"correctness": (0, 5), "detail": (0, 5)}
RUBRIC = Rubric(
    "answer",
    (Dimension("correctness", 0, 5), Dimension("detail", 0, 5)),
    user="Question: {question}\nCorrect answer: {answer}\nPredicted answer: {prediction}",
    fields=("question", "answer", "prediction"),
)
ITEMS = {
    f"q{i:02d}": {"question": f"What is step {i}?", "answer": f"Cut {i}", "prediction": f"Slice {i}"}
    for i in range(60)
}
MAX_CONCURRENCY = 4


def judge(url: str) -> OpenAICompatibleBackend:
    return OpenAICompatibleBackend(
        "fake-judge",
        url,
        api_key_env=None,
        max_concurrency=MAX_CONCURRENCY,
        timeout_s=10.0,
        backoff_base_s=0.01,
    )


def child(url: str, cache: str, out: str) -> None:
    result = judge_items(ITEMS, RUBRIC, judge(url), cache=cache)
    Path(out).write_text(json.dumps({"per_item": result.per_item, "counts": result.counts}))


def test_kill_9_midway_then_resume(tmp_path):
    cache_path, out = tmp_path / "judge.sqlite", tmp_path / "out.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, __file__, "", str(cache_path), str(out)]
    with FakeJudgeServer(DIMS, faults=Faults(latency_s=0.05)) as server:
        command[2] = server.url
        proc = subprocess.Popen(command, env=env)
        deadline = time.monotonic() + 120
        while (
            server.total_requests() < len(ITEMS) // 3 and proc.poll() is None and time.monotonic() < deadline
        ):
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL, "the child finished before it could be killed"
        time.sleep(0.2)  # let the server finish the requests that were in flight
        at_kill = dict(server.requests)

        with JudgeCache(cache_path) as cache:
            committed = {message_digest(r.messages) for r in cache.iter_replies()}
        assert 10 <= len(committed) < len(ITEMS)
        assert committed <= set(at_kill)

        subprocess.run(command, env=env, check=True, timeout=300)
        resumed = json.loads(out.read_text())
        total = dict(server.requests)

        again = judge_items(ITEMS, RUBRIC, judge(server.url), cache=cache_path)  # a third run: all cached
        assert dict(server.requests) == total

    digests = {item_id: message_digest(render(RUBRIC, fields)) for item_id, fields in ITEMS.items()}
    assert set(total) == set(digests.values())
    assert all(total[d] == 1 for d in committed)  # no finished call is asked again
    doubled = {d for d, n in total.items() if n > 1}
    assert doubled <= set(at_kill) - committed  # only the calls in flight at the kill
    assert len(doubled) <= MAX_CONCURRENCY
    expected = {
        i: {k: float(v) for k, v in fake_ratings(render(RUBRIC, f), DIMS).items()} for i, f in ITEMS.items()
    }
    assert resumed["per_item"] == expected == again.per_item  # nothing lost
    assert resumed["counts"]["num_cached"] == len(committed)
    assert resumed["counts"]["num_calls"] == len(ITEMS) - len(committed)
    assert again.counts["num_calls"] == 0 and again.counts["num_cached"] == len(ITEMS)
    with JudgeCache(cache_path) as cache:
        assert len(cache) == len(ITEMS)


if __name__ == "__main__":
    child(*sys.argv[1:4])
