"""Pro2Bench / EgoProactive tasks end to end: the submission reader, the adapters and ``proceval evaluate``.

The release is the sample's label files (``proceval sample`` without videos): 4 EgoProactive sessions in
the challenge JSONL, and proceval's Pro2Bench instance files (session 1 of EgoProactive is an out-of-plan
omission). Scores are checked against the generic score functions called directly and, for
``intervention``, against the rows of the challenge file read with ``json`` only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proceval.benchmarks.pro2bench.submission import read_submission
from proceval.cli import main
from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.evaluation.runner import evaluate_config
from proceval.scores.intervention import intervention_scores
from proceval.scores.pqs import pqs_scores

INT, SIL = "$interrupt$", "$silent$"
R4 = [4, 4, 4, 4]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from proceval.sample import write_sample

    root = tmp_path_factory.mktemp("p2b") / "sample"
    write_sample(root, seed=0, benchmarks=["pro2bench"], videos=False)
    return root / "egoproactive"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("p2b_cache")


@pytest.fixture(scope="module")
def rows(release: Path) -> list[dict]:
    path = next((release / "egoproactive").glob("wearable_ai_2026_egoproactive_val_*.jsonl"))
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _flip_some(answers: list[str]) -> list[str]:
    """A deterministic imperfect system: every third decision flipped, utterances reworded."""
    out = []
    for j, a in enumerate(answers):
        interrupt = a.startswith(INT)
        if j % 3 == 2:
            interrupt = not interrupt
        out.append(f"{INT} next please" if interrupt else SIL)
    return out


def _write_submission(path: Path, lines: list[dict | str]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


# ----------------------------------------------------------------------------------------- submission reader
def test_read_submission(tmp_path: Path) -> None:
    p = _write_submission(
        tmp_path / "p.jsonl",
        [{"video_path": "a.mp4", "answers": [SIL]}, "", {"video_path": "b.mp4", "answers": [], "model": "x"}],
    )
    assert read_submission(p) == {"a.mp4": [SIL], "b.mp4": []}
    p = _write_submission(
        tmp_path / "r.jsonl", [{"video_path": "a.mp4", "answers": [SIL], "ratings": [None]}]
    )
    assert read_submission(p) == {"a.mp4": {"answers": [SIL], "ratings": [None]}}


@pytest.mark.parametrize(
    ("lines", "match"),
    [
        (
            [{"video_path": "a.mp4", "answers": [SIL]}, {"video_path": "a.mp4", "answers": [SIL]}],
            r":2: .*'a.mp4' is on line 1 and line 2",
        ),
        (['{"video_path": "a.mp4", '], r":1: expected a JSON object, but the line is invalid JSON"),
        (["[1, 2]"], r":1: expected a JSON object .* but got list"),
        ([{"answers": [SIL]}], r":1: expected `video_path` to be a non-empty string, but got None"),
        ([{"video_path": "a.mp4"}], r":1: expected `answers` .* for 'a.mp4', but it is missing"),
        (
            [{"video_path": "a.mp4", "answers": "$silent$"}],
            r"`answers` of 'a.mp4' to be a list of strings, but got str",
        ),
        ([{"video_path": "a.mp4", "answers": [SIL, 3]}], r"to be strings, but got int 3 at index 1"),
        ([{"video_path": "a.mp4", "answers": [SIL], "ratings": {}}], r"`ratings` of 'a.mp4' to be a list"),
    ],
)
def test_read_submission_errors(tmp_path: Path, lines, match) -> None:
    with pytest.raises(ReleaseFormatError, match=match):
        read_submission(_write_submission(tmp_path / "bad.jsonl", lines))


# ----------------------------------------------------------------------------------------- intervention
def test_intervention_on_sessions_equals_the_direct_call(
    release: Path, cache: Path, rows: list[dict]
) -> None:
    preds = {r["video_path"]: _flip_some(r["answers"]) for r in rows}
    res = evaluate_config("intervention", release, "egoproactive", preds, cache_dir=cache)
    want = intervention_scores(
        [preds[r["video_path"]] for r in rows],
        [r["answers"] for r in rows],
        interrupt_tag=INT,
        silent_tag=SIL,
        ids=[r["video_path"] for r in rows],
        tasks=[r["task"] for r in rows],
        domains=[r["domain"] for r in rows],
    )
    got = res["scores"]
    for key in ("macro_f1", "gmean_f1", "tp", "fp", "tn", "fn", "per_task", "per_domain"):
        assert got[key] == want[key], key
    assert res["split"] == "validation"  # the config's only split, chosen without --split
    assert res["signature"].startswith("intervention|len:error|tags:$interrupt$,$silent$|data:pro2bench-")
    assert "|cfg:egoproactive|split:validation|" in res["signature"]


def test_intervention_missing_unknown_and_short_sessions(
    release: Path, cache: Path, rows: list[dict]
) -> None:
    preds = {r["video_path"]: list(r["answers"]) for r in rows}
    first = rows[0]["video_path"]
    with pytest.raises(InputValidationError, match=rf"missing: '{first}'"):
        evaluate_config(
            "intervention",
            release,
            "egoproactive",
            {k: v for k, v in preds.items() if k != first},
            cache_dir=cache,
        )
    with pytest.raises(InputValidationError, match=r"no reference: 'nope.mp4'"):
        evaluate_config(
            "intervention", release, "egoproactive", {**preds, "nope.mp4": [SIL]}, cache_dir=cache
        )
    short = {**preds, first: preds[first][:-1]}
    with pytest.raises(InputValidationError, match=rf"session '{first}'.*truncate"):
        evaluate_config("intervention", release, "egoproactive", short, cache_dir=cache)
    out = evaluate_config(
        "intervention",
        release,
        "egoproactive",
        short,
        options={"length_mismatch": "truncate"},
        cache_dir=cache,
    )
    assert out["scores"]["skipped_chunks"] == 1 and out["scores"]["macro_f1"] == 1.0
    assert "|len:truncate|" in out["signature"]


@pytest.mark.parametrize(
    ("config", "unknown", "rest"),
    [
        (
            "egoproactive",
            "nope.mp4",
            r"have no reference: 'nope.mp4' \(and \d+ sessions have no predictions\)",
        ),
        (
            "egoproactive_decisions",
            "nope/0",
            r"name no decision point of this split: 'nope/0' \(and \d+ decision points have no prediction\)",
        ),
    ],
)
def test_an_unknown_id_is_named_before_the_missing_count(
    release: Path, cache: Path, config: str, unknown: str, rest: str
) -> None:
    for metric in ("intervention", "pqs", "guidance_judge"):
        with pytest.raises(InputValidationError, match=rest):
            evaluate_config(metric, release, config, {unknown: [SIL]}, cache_dir=cache)


def test_intervention_on_decision_configs(release: Path, cache: Path, rows: list[dict]) -> None:
    preds = {f"{r['video_path'][:-4]}/{j}": a for r in rows for j, a in enumerate(_flip_some(r["answers"]))}
    by_session = evaluate_config(
        "intervention",
        release,
        "egoproactive",
        {r["video_path"]: _flip_some(r["answers"]) for r in rows},
        cache_dir=cache,
    )["scores"]
    for config in ("egoproactive_decisions", "pro2bench_egoproactive"):
        out = evaluate_config("intervention", release, config, preds, cache_dir=cache)["scores"]
        assert (out["tp"], out["fp"], out["tn"], out["fn"]) == tuple(
            by_session[k] for k in ("tp", "fp", "tn", "fn")
        )
        assert out["num_sessions"] == len(rows)
    with pytest.raises(InputValidationError, match=r"one prediction per decision point .* 1 are missing"):
        evaluate_config(
            "intervention", release, "egoproactive_decisions", dict(list(preds.items())[1:]), cache_dir=cache
        )


# ----------------------------------------------------------------------------------------- pqs
def test_pqs_with_ratings_in_the_submission(release: Path, cache: Path, rows: list[dict]) -> None:
    preds, ratings = {}, {}
    for r in rows:
        answers = _flip_some(r["answers"])
        tp = [a.startswith(INT) and g.startswith(INT) for a, g in zip(answers, r["answers"])]
        preds[r["video_path"]] = {"answers": answers, "ratings": [R4 if t else None for t in tp]}
        ratings[r["video_path"]] = [R4 if t else None for t in tp]
    out = evaluate_config("pqs", release, "egoproactive", preds, cache_dir=cache)["scores"]
    want = pqs_scores(
        {k: v["answers"] for k, v in preds.items()},
        {r["video_path"]: r["answers"] for r in rows},
        interrupt_tag=INT,
        silent_tag=SIL,
        ratings=ratings,
    )
    assert out["pqs"] == want["pqs"] and out["num_rated"] == want["tp"] > 0
    assert out["pqs"] == pytest.approx((want["tn"] + 0.75 * want["tp"]) / want["num_decision_points"])
    with pytest.raises(InputValidationError, match=r"Expected `ratings` or `judge`"):
        evaluate_config(
            "pqs", release, "egoproactive", {k: v["answers"] for k, v in preds.items()}, cache_dir=cache
        )


def test_pqs_judge_options_call_the_judge_on_true_positives(
    release: Path, cache: Path, rows: list[dict], tmp_path: Path
) -> None:
    from proceval.judges.fake_server import FakeJudgeServer

    preds = {r["video_path"]: _flip_some(r["answers"]) for r in rows}
    n_tp = sum(
        a.startswith(INT) and g.startswith(INT)
        for r in rows
        for a, g in zip(preds[r["video_path"]], r["answers"])
    )
    dims = {d: (1, 5) for d in ("relevance", "specificity", "actionability", "conciseness")}
    with FakeJudgeServer(dims) as server:
        options = {
            "judge_model": "fake-judge",
            "judge_endpoint": server.url,
            "judge_cache": str(tmp_path / "j.sqlite"),
        }
        res = evaluate_config("pqs", release, "egoproactive", preds, options=options, cache_dir=cache)
        assert server.total_requests() <= n_tp  # identical prompts share a call
    out = res["scores"]
    assert out["num_judge_calls"] == n_tp and out["num_judge_failures"] == 0 and 0 < out["pqs"] < 1
    assert "|rt:judge|judge:fake-judge|tmpl:" in res["signature"]
    with pytest.raises(InputValidationError, match=r"both `judge_model` and `judge_endpoint`"):
        evaluate_config("pqs", release, "egoproactive", preds, options={"judge_model": "m"}, cache_dir=cache)


# ----------------------------------------------------------------------------------------- oop_recovery
def test_oop_recovery_on_the_sample(release: Path, cache: Path) -> None:
    from proceval.datasets.load import load_config

    ds = load_config("pro2bench", release, "pro2bench_egoproactive", split="test", cache_dir=cache)
    t = ds.select_columns(
        ["decision_id", "session_id", "end_s", "answer", "oop", "deviation_onset_s"]
    ).to_dict()
    onsets = {s: o for s, o, f in zip(t["session_id"], t["deviation_onset_s"], t["oop"]) if f}
    assert len(onsets) == 1
    ((sid, onset),) = onsets.items()
    gold = dict(zip(t["decision_id"], t["answer"]))
    res = evaluate_config("oop_recovery", release, "pro2bench_egoproactive", gold, cache_dir=cache)["scores"]
    timely_interrupt = any(
        s == sid and abs(e - onset) <= 2 and a.startswith(INT)
        for s, e, a in zip(t["session_id"], t["end_s"], t["answer"])
    )
    assert res["num_oop_instances"] == 1 and res["oop_detection_recall"] == float(timely_interrupt)
    silent = {k: SIL for k in gold}
    res = evaluate_config("oop_recovery", release, "pro2bench_egoproactive", silent, cache_dir=cache)
    assert res["scores"]["oop_detection_recall"] == 0.0
    res = evaluate_config(
        "oop_recovery",
        release,
        "pro2bench_egoproactive",
        gold,
        options={"ratings": {f"{sid}/0": [5, 4, 4, 3]}} if timely_interrupt else {},
        cache_dir=cache,
    )
    if timely_interrupt:
        assert res["scores"]["recovery_quality"] == 4.0 and "rt:given" in res["signature"]


def test_oop_recovery_needs_annotations(tmp_path: Path, rows: list[dict]) -> None:
    release = tmp_path / "rel"
    (release / "egoproactive").mkdir(parents=True)
    path = release / "egoproactive" / f"wearable_ai_2026_egoproactive_val_{len(rows)}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    preds = {f"{r['video_path'][:-4]}/{j}": a for r in rows for j, a in enumerate(r["answers"])}
    with pytest.raises(InputValidationError, match=r"out-of-plan annotations .* no row has them"):
        evaluate_config("oop_recovery", release, "pro2bench_egoproactive", preds, cache_dir=tmp_path / "c")


# ----------------------------------------------------------------------------------------- CLI
def test_cli_evaluate_reads_the_official_submission(
    release: Path, cache: Path, rows: list[dict], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [{"video_path": r["video_path"], "answers": _flip_some(r["answers"])} for r in reversed(rows)]
    sub = _write_submission(tmp_path / "preds.jsonl", lines)
    argv = [
        "evaluate",
        "intervention",
        "--source",
        str(release),
        "--config",
        "egoproactive",
        "--predictions",
        str(sub),
    ]
    assert main([*argv, "--cache-dir", str(cache)]) == 0
    printed = json.loads(capsys.readouterr().out)
    want = intervention_scores(
        [line["answers"] for line in reversed(lines)],
        [r["answers"] for r in rows],
        interrupt_tag=INT,
        silent_tag=SIL,
    )
    assert printed["scores"]["macro_f1"] == want["macro_f1"] and printed["split"] == "validation"
    # a duplicated session: exit code 1 and a message naming both lines
    dup = _write_submission(tmp_path / "dup.jsonl", [*lines, lines[0]])
    assert main([*argv[:-1], str(dup), "--cache-dir", str(cache)]) == 1
    assert f"is on line 1 and line {len(lines) + 1}" in capsys.readouterr().err
    assert main([*argv, "--cache-dir", str(cache), "-o", "length_mismatch=truncate", "--format", "text"]) == 0
    assert "len:truncate" in capsys.readouterr().out


def test_cli_pqs_with_ratings(release: Path, cache: Path, rows: list[dict], tmp_path: Path, capsys) -> None:
    lines = []
    for r in rows:
        answers = _flip_some(r["answers"])
        ratings = [
            R4 if a.startswith(INT) and g.startswith(INT) else None for a, g in zip(answers, r["answers"])
        ]
        lines.append({"video_path": r["video_path"], "answers": answers, "ratings": ratings})
    sub = _write_submission(tmp_path / "preds.jsonl", lines)
    argv = [
        "evaluate",
        "pqs",
        "--source",
        str(release),
        "--config",
        "egoproactive",
        "--predictions",
        str(sub),
    ]
    assert main([*argv, "--cache-dir", str(cache)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert 0 < printed["scores"]["pqs"] < 1 and "rt:given" in printed["signature"]
