"""The judge cache (SQLite, WAL) across processes, cache keys, the JSONL ledger and re-scoring from it."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.judges import (
    CachedReply,
    Completion,
    Decoding,
    Dimension,
    JudgeBackend,
    JudgeCache,
    PrecomputedBackend,
    Rubric,
    cache_key,
    judge_items,
    read_ledger,
    render,
    template_hash,
)

RUBRIC = Rubric(
    "qa",
    (Dimension("score", 0, 5),),
    user="Q: {question}\nA: {prediction}",
    fields=("question", "prediction"),
)
ITEMS = {f"q{i}": {"question": f"question {i}", "prediction": f"answer {i}"} for i in range(8)}


def entry(i: int, **kw) -> CachedReply:
    messages = ({"role": "user", "content": f"prompt {i}"},)
    decoding = Decoding(max_tokens=16).key_items()
    key = cache_key({"model": "m", "revision": "r"}, "t" * 64, messages, decoding)
    return CachedReply(
        key, "m", "r", "t" * 64, messages, decoding, f'{{"score": {i % 6}}}', 10, 2, "m-served", **kw
    )


def _reference_key(identity, tmpl, messages, decoding) -> str:
    payload = {"v": 1, "judge": identity, "template": tmpl, "messages": list(messages), "decoding": decoding}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Scripted(JudgeBackend):
    """Replies ``{"score": len(item id) % 6}``, garbage first for q3, garbage always for q5."""

    def __init__(self, model="scripted", revision="r1"):
        self.model, self.revision, self.decoding, self.max_concurrency = (
            model,
            revision,
            Decoding(max_tokens=32),
            2,
        )
        self.calls = 0

    @contextlib.asynccontextmanager
    async def session(self):
        yield self

    async def complete(self, request):
        self.calls += 1
        await asyncio.sleep(0)
        retry = any(m["role"] == "assistant" for m in request.messages)
        if request.item_id == "q5" or (request.item_id == "q3" and not retry):
            return Completion("no idea", 50, 3)
        return Completion(json.dumps({"score": int(request.item_id[1:]) % 6}), 50, 3)


def test_cache_key_is_the_hash_of_the_canonical_payload():
    messages = [{"role": "system", "content": "Rate ü"}, {"role": "user", "content": 'x "y"'}]
    decoding = Decoding(seed=1, extra={"b": 1, "a": [1, 2]}).key_items()
    identity = {"model": "m", "revision": None}
    assert cache_key(identity, "abc", messages, decoding) == _reference_key(
        identity, "abc", messages, decoding
    )
    other = [
        cache_key({"model": "m2", "revision": None}, "abc", messages, decoding),
        cache_key({"model": "m", "revision": "r"}, "abc", messages, decoding),
        cache_key(identity, "abd", messages, decoding),
        cache_key(identity, "abc", messages[1:], decoding),
        cache_key(identity, "abc", messages, Decoding(seed=2).key_items()),
    ]
    assert len({cache_key(identity, "abc", messages, decoding), *other}) == 6
    unusual = [{"role": "user", "content": "x", "name": "n"}, {"role": "assistant", "content": None}]
    assert cache_key(identity, "abc", unusual, decoding) == _reference_key(identity, "abc", unusual, decoding)


def test_runner_keys_equal_cache_key(tmp_path):
    judge = Scripted()
    result = judge_items(ITEMS, RUBRIC, judge, cache=tmp_path / "c.sqlite")
    tmpl = template_hash(RUBRIC)
    first_keys = {
        cache_key(
            {"model": "scripted", "revision": "r1"}, tmpl, render(RUBRIC, f), judge.decoding.key_items()
        )
        for f in ITEMS.values()
    }
    assert first_keys <= set(result.cache_keys)
    assert len(result.cache_keys) == len(ITEMS) + 2  # q3 and q5 were retried with a reminder


def test_keys_of_escaped_prompts_equal_the_reference():
    """The runner hashes prompts from pre-escaped template pieces: check it on text JSON must escape."""
    rubric = Rubric(
        "esc",
        (Dimension("score", 0, 5),),
        system='Reply {"score": N} \\ "strictly"\t\u00e9',
        user="Q:\n{question}\x01 / {prediction} {question}",
        fields=("question", "prediction"),
    )
    items = {
        "q1": {"question": 'a "quoted" \\ back\nslash \x1f\u2028 ü 😀', "prediction": "{question}"},
        "q2": {"question": "", "prediction": 3.5},
    }
    judge = Scripted()
    result = judge_items(items, rubric, judge, cache=None)
    identity = {"model": "scripted", "revision": "r1"}
    expected = {
        _reference_key(identity, template_hash(rubric), render(rubric, f), judge.decoding.key_items())
        for f in items.values()
    }
    assert {v.keys[0] for v in result.verdicts["scripted@r1"].values()} == expected
    assert render(rubric, items["q1"])[1]["content"].endswith(" / {question} " + items["q1"]["question"])


def test_put_get_and_first_reply_wins(tmp_path):
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        e = entry(1)
        cache.put(e)
        cache.put(CachedReply(**{**e.__dict__, "reply": "changed"}))
        assert len(cache) == 1 and cache.keys() == [e.key]
        got = cache.get(e.key)
        assert got.reply == e.reply and got.messages == e.messages and got.decoding == e.decoding
        assert got.prompt_tokens == 10 and got.response_model == "m-served" and got.created_s > 0
        assert cache.get("0" * 64) is None
        assert cache.replies([e.key, "0" * 64]) == {e.key: Completion(e.reply, 10, 2, "m-served")}
    conn = sqlite3.connect(tmp_path / "c.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


CHILD = textwrap.dedent(
    """
    import sys
    from proceval.judges import CachedReply, Decoding, JudgeCache, cache_key
    path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with JudgeCache(path) as cache:
        for i in range(n):
            messages = ({"role": "user", "content": f"{tag} {i}"},)
            decoding = Decoding().key_items()
            key = cache_key({"model": "m", "revision": None}, "t", messages, decoding)
            cache.put(CachedReply(key, "m", None, "t", messages, decoding, f"reply {tag} {i}"))
    """
)


def test_cache_persists_across_processes_and_takes_concurrent_writers(tmp_path):
    path = tmp_path / "shared.sqlite"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), tag, "150"], stderr=subprocess.PIPE, text=True
        )
        for tag in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with JudgeCache(path) as cache:
        assert len(cache) == 300
        replies = {r.reply for r in cache.iter_replies()}
    assert replies == {f"reply {t} {i}" for t in "ab" for i in range(150)}


def test_ledger_round_trip_and_subset(tmp_path):
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        entries = [entry(i) for i in range(5)]
        for e in entries:
            cache.put(e)
        path = cache.export_ledger(tmp_path / "out" / "ledger.jsonl", keys=[entries[0].key, entries[3].key])
        everything = cache.export_ledger(tmp_path / "all.jsonl")
        with pytest.raises(
            InputValidationError, match=r"every key of argument `keys` to be in the cache .* 1 missing"
        ):
            cache.export_ledger(tmp_path / "bad.jsonl", keys=["f" * 64])
    assert not (tmp_path / "bad.jsonl").exists()
    assert [r.key for r in read_ledger(path)] == sorted([entries[0].key, entries[3].key])
    back = {r.key: r for r in read_ledger(everything)}
    for e in entries:
        assert back[e.key].reply == e.reply and back[e.key].messages == e.messages
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["ledger.jsonl"]  # no temporary file left


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda obj: {**obj, "messages": [{"role": "user", "content": "edited"}]},
            r"ledger.jsonl:2: expected key",
        ),
        (lambda obj: {**obj, "v": 2}, r"ledger.jsonl:2: expected a ledger object"),
        (
            lambda obj: {k: v for k, v in obj.items() if k != "reply"},
            r"ledger.jsonl:2: expected the fields \['reply'\]",
        ),
        (lambda obj: "not json", r"ledger.jsonl:2: invalid JSON line"),
    ],
)
def test_ledger_errors_name_file_and_line(tmp_path, edit, match):
    lines = [entry(i).to_json() for i in range(3)]
    edited = edit(lines[1])
    texts = [
        json.dumps(lines[0]),
        edited if isinstance(edited, str) else json.dumps(edited),
        json.dumps(lines[2]),
    ]
    (tmp_path / "ledger.jsonl").write_text("\n".join(texts) + "\n")
    with pytest.raises(ReleaseFormatError, match=match):
        read_ledger(tmp_path / "ledger.jsonl")


def test_rescore_from_ledger_without_any_model(tmp_path):
    judge = Scripted()
    original = judge_items(ITEMS, RUBRIC, judge, cache=tmp_path / "c.sqlite")
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        ledger = cache.export_ledger(tmp_path / "ledger.jsonl", original.cache_keys)
    (tmp_path / "c.sqlite").unlink()

    replay = PrecomputedBackend.from_ledger(ledger)
    assert replay.label == "scripted@r1" and replay.decoding == judge.decoding
    rescored = judge_items(ITEMS, RUBRIC, replay, cache=None)
    assert rescored.per_item == original.per_item and rescored.mean == original.mean
    assert rescored.signature == original.signature
    same = ("num_judged", "num_unparseable", "num_retries", "num_failed")
    assert {k: rescored.counts[k] for k in same} == {k: original.counts[k] for k in same}
    assert (
        rescored.counts["num_calls"] == 0
        and rescored.counts["num_cached"] == original.counts["num_calls"] == 10
    )
    assert rescored.usage["prompt_tokens"] == 0 and rescored.usage["all_prompt_tokens"] == 500
    # Another policy the ledger covers: q5's retry reply is there, so it is scored as the minimum.
    minimum = judge_items(ITEMS, RUBRIC, replay, cache=None, policy="retry_then_minimum")
    assert minimum.verdicts["scripted@r1"]["q5"].ratings == {"score": 0}
    # A prompt the ledger does not hold fails that item, naming it.
    changed = {**ITEMS, "q0": {"question": "edited", "prediction": "x"}}
    partial = judge_items(changed, RUBRIC, replay, cache=None, failures="exclude")
    assert "holds no reply for item 'q0'" in partial.verdicts["scripted@r1"]["q0"].reason
    assert judge.calls == 10


def test_ledger_with_several_judges(tmp_path):
    a, b = Scripted("a"), Scripted("b", revision="r2")
    result = judge_items(ITEMS, RUBRIC, [a, b], cache=tmp_path / "c.sqlite")
    with JudgeCache(tmp_path / "c.sqlite") as cache:
        ledger = cache.export_ledger(tmp_path / "ledger.jsonl", result.cache_keys)
    replays = PrecomputedBackend.all_from_ledger(ledger)
    assert sorted(r.label for r in replays) == ["a@r1", "b@r2"]
    with pytest.raises(
        InputValidationError, match=r"exactly one judge matching model=None.*\['a@r1', 'b@r2'\]"
    ):
        PrecomputedBackend.from_ledger(ledger)
    assert PrecomputedBackend.from_ledger(ledger, model="b").label == "b@r2"
    again = judge_items(ITEMS, RUBRIC, sorted(replays, key=lambda r: r.label), cache=None)
    assert again.per_item == result.per_item and again.signature == result.signature
    assert again.agreement == result.agreement


def test_opening_retries_while_sqlite_says_locked(monkeypatch):
    """SQLite can refuse the WAL switch at once ("database is locked") while another process opens the file."""
    from proceval.judges import cache as cache_module

    calls = []

    def flaky():
        calls.append(1)
        if calls.count(1) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "wal"

    monkeypatch.setattr(cache_module.time, "sleep", lambda s: calls.append(s))
    assert cache_module._retry_when_busy(flaky) == "wal"
    assert calls == [1, 0.01, 1, 0.02, 1]

    def broken():
        raise sqlite3.OperationalError("no such table: replies")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        cache_module._retry_when_busy(broken)

    def always_locked():
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        cache_module._retry_when_busy(always_locked, timeout_s=0.0)
