"""``proceval push-results`` / ``push-metric`` against a fake Hub on loopback: files, paths, dry run, token."""

from __future__ import annotations

import logging
import runpy
import socket
import sys
import types
from pathlib import Path

import pytest
import yaml
from huggingface_hub import ModelCard, parse_eval_result_entries
from test_model_card import MODEL, make_result, write_result

from proceval.cli import main
from proceval.hub.fake_hub import FakeHub
from proceval.hub.publish import PublishError, UploadPlan, metric_plan, upload

REPO = Path(__file__).resolve().parents[1]
TOKEN = "hf_sEcReT_tOkEn_4711"
METRIC_DIRS = sorted(
    p for p in (REPO / "metrics").iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
)


@pytest.fixture
def hub_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The token only in HF_TOKEN; no stored login; online mode."""
    import huggingface_hub.constants as hf_constants

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.delenv("HF_OIDC_RESOURCE", raising=False)
    monkeypatch.setattr(hf_constants, "HF_TOKEN_PATH", str(tmp_path / "no-token-file"))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def results(tmp_path: Path) -> list[Path]:
    return [
        write_result(tmp_path / "res" / "tas_s_s1.json", make_result()),
        write_result(tmp_path / "res" / "tas_s_s2.json", make_result(config="tas_s_s2")),
    ]


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> pytest.LogCaptureFixture:
    """Every log record at DEBUG, huggingface_hub's and the HTTP client's included."""
    for name in ("", "huggingface_hub", "httpx2", "httpx", "httpcore", "proceval"):
        caplog.set_level(logging.DEBUG, logger=name)
    monkeypatch.setattr(logging.getLogger("huggingface_hub"), "propagate", True)
    return caplog


def _push_results(results: list[Path], endpoint: str, *extra: str) -> int:
    return main(
        [
            "push-results",
            *map(str, results),
            "--repo-id",
            MODEL,
            "--dataset-namespace",
            "bench-org",
            "--endpoint",
            endpoint,
            *extra,
        ]
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_push_results_dry_run_uploads_nothing(
    hub_env: None, results: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeHub(token=TOKEN, orgs=["my-org"]) as hub:
        assert _push_results(results, hub.url) == 0
        assert hub.requests == []  # not even whoami
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"dry run: would upload 3 files to model repo {MODEL} ({hub.url}/{MODEL}):"
    assert [line.split()[0] for line in out[1:4]] == [
        "README.md",
        ".eval_results/impact_tas_s_s1.yaml",
        ".eval_results/impact_tas_s_s2.yaml",
    ]
    assert out[4].startswith("nothing uploaded: rerun with --yes")


def test_push_results_uploads_card_and_entries(
    hub_env: None,
    results: list[Path],
    capsys: pytest.CaptureFixture[str],
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    with FakeHub(token=TOKEN, orgs=["my-org"]) as hub:
        assert _push_results(results, hub.url, "--yes") == 0
    repo = hub.repos[("model", MODEL)]
    assert list(repo.files) == [
        "README.md",
        ".eval_results/impact_tas_s_s1.yaml",
        ".eval_results/impact_tas_s_s2.yaml",
    ]
    assert [(c.repo_id, c.summary, list(c.files)) for c in hub.commits] == [
        (MODEL, "proceval: evaluation results", list(repo.files))
    ]
    assert [p for _, p in hub.requests] == [
        "/api/whoami-v2",
        "/api/repos/create",
        "/api/validate-yaml",
        f"/api/models/{MODEL}/preupload/main",
        f"/api/models/{MODEL}/commit/main",
    ]
    assert set(hub.headers_seen) == {f"Bearer {TOKEN}"}  # the token from HF_TOKEN was what went out
    card = ModelCard(repo.files["README.md"].decode())
    assert {r.metric_value for r in card.data.eval_results} == {0.5125, 0.6666666666666666}
    entries = parse_eval_result_entries(yaml.safe_load(repo.files[".eval_results/impact_tas_s_s2.yaml"]))
    assert [(e.dataset_id, e.task_id, e.value) for e in entries] == [
        ("bench-org/impact", "tas_s_s2", 0.5125),
        ("bench-org/impact", "tas_s_s2", 0.6666666666666666),
    ]
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == f"uploaded: {hub.url}/{MODEL}/commit/{hub.commits[0].oid}"
    # token hygiene: never printed nor logged
    assert TOKEN not in captured.out + captured.err
    assert debug_logs.records and all(TOKEN not in r.getMessage() for r in debug_logs.records)


def test_push_results_entries_only(hub_env: None, results: list[Path]) -> None:
    with FakeHub(token=TOKEN, orgs=["my-org"]) as hub:
        assert _push_results(results, hub.url, "--yes", "--entries-only") == 0
    assert sorted(hub.repos[("model", MODEL)].files) == [
        ".eval_results/impact_tas_s_s1.yaml",
        ".eval_results/impact_tas_s_s2.yaml",
    ]


def test_push_metric_uploads_the_module_as_a_gradio_space(
    hub_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeHub(token=TOKEN, orgs=["my-org"]) as hub:
        assert main(["push-metric", "pqs", "--namespace", "my-org", "--endpoint", hub.url]) == 0
        dry = capsys.readouterr().out.splitlines()
        assert hub.requests == []
        assert (
            main(["push-metric", "pqs", "--namespace", "my-org", "--endpoint", hub.url, "--no-dry-run"]) == 0
        )
    assert (
        dry[0]
        == f"dry run: would upload 4 files to Space (sdk gradio) my-org/pqs ({hub.url}/spaces/my-org/pqs):"
    )
    assert sorted(line.split()[0] for line in dry[1:5]) == [
        "README.md",
        "app.py",
        "pqs.py",
        "requirements.txt",
    ]
    space = hub.repos[("space", "my-org/pqs")]
    assert space.sdk == "gradio"
    folder = REPO / "metrics" / "pqs"
    assert space.files == {
        name: (folder / name).read_bytes() for name in ("README.md", "app.py", "pqs.py", "requirements.txt")
    }
    out = capsys.readouterr().out
    assert 'evaluate.load("my-org/pqs")' in out and TOKEN not in out
    assert [p for _, p in hub.requests][-2:] == [
        "/api/spaces/my-org/pqs/preupload/main",
        "/api/spaces/my-org/pqs/commit/main",
    ]


def test_push_metric_skips_caches_and_hidden_files(tmp_path: Path) -> None:
    folder = tmp_path / "toy"
    (folder / "__pycache__").mkdir(parents=True)
    for name in ("toy.py", "app.py", "requirements.txt"):
        (folder / name).write_text("x\n")
    (folder / "README.md").write_text("---\nsdk: gradio\napp_file: app.py\n---\n# toy\n")
    (folder / "__pycache__" / "toy.cpython-311.pyc").write_bytes(b"\0")
    (folder / ".DS_Store").write_bytes(b"\0")
    plan = metric_plan("toy", namespace="org", metrics_dir=tmp_path)
    assert (plan.repo_id, plan.repo_type, plan.space_sdk) == ("org/toy", "space", "gradio")
    assert list(plan.files) == ["README.md", "app.py", "requirements.txt", "toy.py"]


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (
            ["push-metric", "nope", "--namespace", "org"],
            r"Expected argument `NAME` to be a metric module .* but got 'nope'",
        ),
        (
            ["push-metric", "tas", "--namespace", "a/b"],
            r"Expected the Space id to be ORG/NAME, but got 'a/b/tas'",
        ),
    ],
)
def test_push_metric_bad_input_is_one_line(
    argv: list[str], match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import re

    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(match, err)


def test_connection_refused_is_one_line(
    hub_env: None, results: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = f"http://127.0.0.1:{_free_port()}"
    assert _push_results(results, endpoint, "--yes") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"proceval push-results: error: cannot reach the Hub at {endpoint}: ")
    assert "Connection refused" in err and "ConnectError" in err
    assert "Traceback" not in err and TOKEN not in err


def test_refused_token_is_one_line_without_the_token(
    hub_env: None,
    results: list[Path],
    capsys: pytest.CaptureFixture[str],
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    with FakeHub(token="hf_another_token", orgs=["my-org"]) as hub:
        assert _push_results(results, hub.url, "--yes") == 1
        assert hub.repos == {}
    captured = capsys.readouterr()
    assert captured.err == (
        f"proceval push-results: error: the Hub at {hub.url} refused the token (HTTP 401): set HF_TOKEN to a "
        "token with write access, or run `hf auth login`.\n"
    )
    assert TOKEN not in captured.out + captured.err
    assert debug_logs.records and all(TOKEN not in r.getMessage() for r in debug_logs.records)


def test_forbidden_namespace_names_the_status(hub_env: None) -> None:
    plan = UploadPlan("someone-else/model", "model", {"a.txt": b"x"}, "m")
    with (
        FakeHub(token=TOKEN) as hub,
        pytest.raises(PublishError, match=r"answered HTTP 403: .*rights to create a repo"),
    ):
        upload(plan, endpoint=hub.url)


def test_no_token_is_a_clear_error(hub_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    with FakeHub(token=TOKEN) as hub:
        with pytest.raises(
            PublishError, match=r"no Hugging Face token: set the HF_TOKEN environment variable"
        ):
            upload(UploadPlan("tester/m", "model", {"a": b"x"}, "m"), endpoint=hub.url)
        assert hub.requests == []


def test_offline_mode_is_a_clear_error(hub_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    with FakeHub(token=TOKEN) as hub, pytest.raises(PublishError, match="HF_HUB_OFFLINE is set"):
        upload(UploadPlan("tester/m", "model", {"a": b"x"}, "m"), endpoint=hub.url)


# -- app.py: the namespace comes from the Space, or the module loads from its own folder ----------------
@pytest.mark.parametrize("metric_dir", METRIC_DIRS, ids=lambda p: p.name)
def test_app_loads_the_space_id_or_its_own_folder(metric_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import evaluate
    import evaluate.utils

    loaded: list[str] = []
    launched: list[object] = []
    monkeypatch.setattr(evaluate, "load", lambda path, *a, **k: loaded.append(path) or f"module:{path}")
    monkeypatch.setattr(evaluate.utils, "launch_gradio_widget", launched.append)
    monkeypatch.delenv("SPACE_ID", raising=False)
    runpy.run_path(str(metric_dir / "app.py"))
    monkeypatch.setenv("SPACE_ID", f"some-org/{metric_dir.name}")
    runpy.run_path(str(metric_dir / "app.py"))
    assert loaded == [str(metric_dir), f"some-org/{metric_dir.name}"]
    assert launched == [f"module:{p}" for p in loaded]


def test_app_local_fallback_really_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import evaluate.utils

    launched: list[object] = []
    monkeypatch.setattr(evaluate.utils, "launch_gradio_widget", launched.append)
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.chdir(tmp_path)  # the app finds its module from any working directory
    runpy.run_path(str(REPO / "metrics" / "tas" / "app.py"))
    assert len(launched) == 1 and launched[0].name == "tas"


# -- the leaderboard Space -------------------------------------------------------------------------------
LEADERBOARD_APP = REPO / "model_cards" / "leaderboard" / "app.py"
GROUPS = [
    {
        "benchmark": "impact",
        "task": "tas_s",
        "metric": "tas",
        "config": "tas_s_s1",
        "split": "test",
        "key": "f1_at_50",
        "higher_is_better": True,
        "unit": "fraction",
        "signature": "tas|x",
        "rows": [
            {
                "rank": 1,
                "model": "org/A",
                "revision": None,
                "value": 0.61,
                "ci": [0.55, 0.66],
                "tied_with_leader": True,
                "p_value_vs_leader": None,
                "result_file": "org__A/tas_s_s1.json",
            },
            {
                "rank": 2,
                "model": "<img src=x onerror=alert(1)>",
                "revision": "r1",
                "value": 0.6,
                "ci": None,
                "tied_with_leader": True,
                "p_value_vs_leader": 0.21,
                "result_file": "b/tas_s_s1.json",
            },
        ],
        "apart": [
            {
                "model": "org/C",
                "value": 0.7,
                "ci": None,
                "result_file": "c.json",
                "reason": "signature differs: conv:impact vs conv:ltcontext",
            }
        ],
    },
    {
        "benchmark": "procobject",
        "task": "grounding",
        "metric": "grounding",
        "config": "all",
        "split": "test",
        "key": "mean_iou",
        "higher_is_better": True,
        "unit": "fraction",
        "signature": "g|x",
        "rows": [
            {
                "rank": 1,
                "model": "org/B",
                "revision": None,
                "value": 0.3,
                "ci": None,
                "tied_with_leader": True,
                "p_value_vs_leader": None,
                "result_file": "g.json",
            }
        ],
        "apart": [],
    },
]


def _leaderboard_module() -> types.ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location("leaderboard_app", LEADERBOARD_APP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # importing must not launch (nor import gradio)
    return module


def test_leaderboard_app_imports_without_gradio_and_builds_rows(tmp_path: Path) -> None:
    import json

    app = _leaderboard_module()
    path = tmp_path / "leaderboard.json"
    path.write_text(json.dumps(GROUPS))
    groups = app.load_groups(path)
    assert groups == GROUPS
    (tmp_path / "wrapped.json").write_text(json.dumps({"groups": GROUPS}))
    assert app.load_groups(tmp_path / "wrapped.json") == GROUPS
    rows = app.table_rows(groups)
    assert app.COLUMNS[:4] == ["benchmark", "task", "config", "split"]
    assert len(rows) == 4  # 3 ranked + 1 shown apart
    first = dict(zip(app.COLUMNS, rows[0]))
    assert (first["rank"], first["model"], first["value"], first["ci"], first["tied"]) == (
        1,
        "org/A",
        "0.6100",
        "[0.5500, 0.6600]",
        "≈ leader",
    )
    apart = dict(zip(app.COLUMNS, rows[2]))
    assert apart["rank"] == "apart" and "signature differs" in apart["note"]
    groups[1]["rows"][0]["tied_with_leader"] = None  # no bootstrap: cannot tell
    assert dict(zip(app.COLUMNS, app.table_rows(groups)[3]))["tied"] == "? (not bootstrapped)"
    # filters
    assert {r[0] for r in app.table_rows(groups, benchmark="procobject")} == {"procobject"}
    assert app.table_rows(groups, split="validation") == []
    assert app.choices(groups) == {
        "benchmark": ["impact", "procobject"],
        "task": ["grounding", "tas_s"],
        "split": ["test"],
    }


def test_leaderboard_app_wires_a_gradio_blocks_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """build_demo() with a stub gradio: a table and three filters; launching is left to __main__."""
    import json

    made: list[tuple[str, dict]] = []

    class _Component:
        def __init__(self, kind: str, **kwargs: object) -> None:
            made.append((kind, kwargs))
            self.kind = kind

        def change(self, fn, inputs, outputs) -> None:
            made.append(("change", {"fn": fn, "n_inputs": len(inputs)}))

    class _Blocks:
        def __init__(self, **kwargs: object) -> None:
            made.append(("Blocks", kwargs))

        def __enter__(self) -> _Blocks:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

    stub = types.ModuleType("gradio")
    stub.Blocks = _Blocks
    for kind in ("Markdown", "Dropdown", "Dataframe"):
        setattr(stub, kind, lambda *a, _k=kind, **kw: _Component(_k, **kw))
    stub.Row = _Blocks
    monkeypatch.setitem(sys.modules, "gradio", stub)
    path = tmp_path / "leaderboard.json"
    path.write_text(json.dumps(GROUPS))
    app = _leaderboard_module()
    app.build_demo(path)
    kinds = [k for k, _ in made]
    assert kinds.count("Dropdown") == 3 and kinds.count("Dataframe") == 1 and kinds.count("change") == 3
    table = next(kw for k, kw in made if k == "Dataframe")
    assert table["headers"] == app.COLUMNS and len(table["value"]) == 4
    refresh = next(kw["fn"] for k, kw in made if k == "change")
    assert len(refresh("impact", "all", "all")) == 3


def test_push_folder_uploads_a_dataset_folder(hub_env: None, tmp_path: Path) -> None:
    from proceval.hub.publish import push_folder

    (tmp_path / "repo" / "tas").mkdir(parents=True)
    (tmp_path / "repo" / "README.md").write_text("---\nconfigs: []\n---\n# data\n")
    (tmp_path / "repo" / "eval.yaml").write_text("tasks: []\n")
    (tmp_path / "repo" / "tas" / "test.parquet").write_bytes(b"PAR1")
    with FakeHub(token=TOKEN, orgs=["bench-org"]) as hub:
        url = push_folder(tmp_path / "repo", "bench-org/data", endpoint=hub.url)
    assert url == f"{hub.url}/datasets/bench-org/data/commit/{hub.commits[0].oid}"
    assert sorted(hub.repos[("dataset", "bench-org/data")].files) == [
        "README.md",
        "eval.yaml",
        "tas/test.parquet",
    ]


def test_push_folder_connection_refused(hub_env: None, tmp_path: Path) -> None:
    from proceval.hub.publish import push_folder

    endpoint = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(PublishError, match=rf"^cannot reach the Hub at {endpoint}: .*Connection refused"):
        push_folder(tmp_path, "bench-org/data", endpoint=endpoint)


def test_evaluate_load_from_the_pushed_space(
    hub_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """End to end: push-metric to the fake Hub, then evaluate.load("ORG/tas") downloads and runs it."""
    import evaluate
    import evaluate.config

    with FakeHub(token=TOKEN, orgs=["my-org"]) as hub:
        assert main(["push-metric", "tas", "--namespace", "my-org", "--endpoint", hub.url, "--yes"]) == 0
        monkeypatch.setattr(
            evaluate.config, "HUB_EVALUATE_URL", hub.url + "/spaces/{path}/resolve/{revision}/{name}"
        )
        monkeypatch.chdir(tmp_path)  # no local folder named my-org/tas
        tas = evaluate.load("my-org/tas", cache_dir=str(tmp_path / "cache"))
        got = tas.compute(predictions=[[1, 1, 1, 1, 1, 1]], references=[[1, 1, 0, 0, 1, 1]])
    assert tas.name == "tas"
    assert (round(got["accuracy"], 4), got["edit"]) == (0.6667, 0.5)
    assert ("GET", "/spaces/my-org/tas/resolve/main/tas.py") in hub.requests


def test_leaderboard_app_reads_what_build_leaderboard_writes(tmp_path: Path) -> None:
    import json

    from proceval.evaluation.results import iter_results
    from proceval.hub.leaderboard import build_leaderboard

    write_result(tmp_path / "res" / "a.json", make_result(model="org/A"))
    worse = make_result(model="org/B")
    worse["headline"][0]["value"] = 0.25
    write_result(tmp_path / "res" / "b.json", worse)
    groups = build_leaderboard(iter_results(tmp_path / "res"), root=tmp_path / "res")
    (tmp_path / "leaderboard.json").write_text(json.dumps(groups))
    app = _leaderboard_module()
    rows = [dict(zip(app.COLUMNS, r)) for r in app.table_rows(app.load_groups(tmp_path / "leaderboard.json"))]
    f1 = [(r["rank"], r["model"], r["value"]) for r in rows if r["key"] == "f1_at_50 ↑"]
    assert f1 == [(1, "org/A", "0.5125"), (2, "org/B", "0.2500")]


def test_push_results_as_a_pull_request_leaves_main_alone(
    hub_env: None, results: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeHub(token=TOKEN, orgs=["my-org"]) as hub:
        assert _push_results(results, hub.url, "--yes") == 0  # the repo exists, with a card
        before = dict(hub.repos[("model", MODEL)].files)
        capsys.readouterr()
        assert _push_results(results, hub.url, "--entries-only", "--create-pr") == 0
        assert capsys.readouterr().out.startswith(
            f"dry run: would upload 2 files to a pull request on model repo {MODEL}"
        )
        assert _push_results(results, hub.url, "--entries-only", "--create-pr", "--yes") == 0
    assert hub.repos[("model", MODEL)].files == before
    pr = hub.commits[-1]
    assert pr.pull_request and sorted(pr.files) == [
        ".eval_results/impact_tas_s_s1.yaml",
        ".eval_results/impact_tas_s_s2.yaml",
    ]
    assert capsys.readouterr().out.splitlines()[-1] == f"uploaded: {hub.url}/{MODEL}/discussions/1"
    assert ("POST", "/api/repos/create") not in hub.requests[-5:]  # a PR never creates the repo
