"""``proceval evaluate oop_recovery`` with a judge named by ``-o judge_*`` options, against a loopback server.

The recovery-quality part of ``oop_recovery`` is reachable from the command line through the judge
options of :mod:`proceval.judges.options`: the real OpenAI-compatible backend talks to
:class:`~proceval.judges.fake_server.FakeJudgeServer` on 127.0.0.1, whose ratings are a hash of each
prompt, so the expected recovery quality is recomputed here from the requests the server received.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proceval.cli import main
from proceval.judges.fake_server import FakeJudgeServer, fake_ratings

GUIDANCE_DIMS = {d: (1, 5) for d in ("relevance", "specificity", "actionability", "conciseness")}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from proceval.sample import write_sample

    root = tmp_path_factory.mktemp("oop_cli") / "sample"
    write_sample(root, seed=0, benchmarks=["pro2bench"], videos=False)
    return root / "egoproactive"


@pytest.fixture(scope="module")
def gold_predictions(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gold answers as decision-keyed predictions (so the sample's deviation is detected)."""
    from proceval.datasets.load import load_config

    cache = tmp_path_factory.mktemp("oop_cli_cache")
    ds = load_config("pro2bench", release, "pro2bench_egoproactive", split="test", cache_dir=cache)
    t = ds.select_columns(["decision_id", "answer"]).to_dict()
    path = tmp_path_factory.mktemp("oop_cli_preds") / "preds.json"
    path.write_text(json.dumps(dict(zip(t["decision_id"], t["answer"], strict=True))))
    return path


def _evaluate(release: Path, preds: Path, tmp_path: Path, *options: str) -> list[str]:
    args = ["evaluate", "oop_recovery", "--source", str(release), "--config", "pro2bench_egoproactive"]
    args += [
        "--predictions",
        str(preds),
        "--cache-dir",
        str(tmp_path / "arrow"),
        "--out",
        str(tmp_path / "r.json"),
    ]
    for option in options:
        args += ["-o", option]
    return args


def test_recovery_quality_from_a_judge_endpoint(
    release: Path, gold_predictions: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "judge.sqlite"
    with FakeJudgeServer(GUIDANCE_DIMS) as server:
        opts = ("judge_model=fake-judge", f"judge_endpoint={server.url}", f"judge_cache={cache}")
        assert main(_evaluate(release, gold_predictions, tmp_path, *opts)) == 0
        result = json.loads((tmp_path / "r.json").read_text())
        scores = result["scores"]
        assert scores["num_detected"] >= 1 and scores["num_rated"] == scores["num_detected"]
        assert scores["num_judge_calls"] == scores["num_detected"] and scores["num_judge_failures"] == 0
        # one request per detected deviation, each rated by the server's hash of its messages
        assert server.total_requests() == scores["num_detected"]
        means = [sum(fake_ratings(body["messages"], GUIDANCE_DIMS).values()) / 4 for body in server.bodies]
        assert scores["recovery_quality"] == pytest.approx(sum(means) / len(means))
        prompt = server.bodies[0]["messages"][-1]["content"]
        assert "**Golden response**" in prompt and "**Model response**" in prompt  # the guidance rubric
        assert body_model(server) == {"fake-judge"}
        sig = result["signature"]
        assert "|rt:judge|judge:fake-judge|tmpl:" in sig and "|temp:0|" in sig
        assert server.url not in sig  # where a judge is served changes no number

        # a re-run with the same cache asks the endpoint nothing and gives the same numbers
        assert main(_evaluate(release, gold_predictions, tmp_path, *opts)) == 0
        again = json.loads((tmp_path / "r.json").read_text())["scores"]
        assert server.total_requests() == scores["num_detected"]
        assert again["recovery_quality"] == scores["recovery_quality"]


def body_model(server: FakeJudgeServer) -> set[str]:
    """The model ids the server was asked for."""
    return {body["model"] for body in server.bodies}


def test_detection_only_without_a_judge(release: Path, gold_predictions: Path, tmp_path: Path) -> None:
    assert main(_evaluate(release, gold_predictions, tmp_path)) == 0
    scores = json.loads((tmp_path / "r.json").read_text())["scores"]
    assert scores["oop_detection_recall"] == 1.0 and scores["num_judge_calls"] == 0
    assert scores["recovery_quality"] is None or scores["recovery_quality"] != scores["recovery_quality"]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        (("judge_model=fake-judge",), "Expected both `judge_model` and `judge_endpoint`"),
        (
            ("judge_model=a,b", "judge_endpoint=http://127.0.0.1:9/v1,http://127.0.0.1:9/v1,x"),
            "one per judge",
        ),
        (("judge_model=a", "judge_endpoint=http://127.0.0.1:9/v1", "judge_max_concurrency=many"), "integer"),
    ],
)
def test_bad_judge_options_are_one_line_errors(
    release: Path,
    gold_predictions: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    options: tuple[str, ...],
    match: str,
) -> None:
    assert main(_evaluate(release, gold_predictions, tmp_path, *options)) != 0
    assert match in capsys.readouterr().err
