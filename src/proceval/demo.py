"""``proceval demo``: the whole pipeline on the embedded sample release, for every registered benchmark.

1. write the sample release of every benchmark (official on-disk formats, small generated videos);
2. build every config of each benchmark that has configs, with the same code that reads the real
   release, videos attached;
3. export a no-script Hub repo and load one config back with stock ``datasets.load_dataset``;
4. run each task's baseline (:attr:`proceval.registry.Task.baseline`) and write its predictions;
5. score them through :mod:`proceval.evaluation` and print a results table of the tasks' headline keys,
   with each task's :attr:`~proceval.registry.Task.demo_note` under its rows.

Tasks whose metric needs an LLM judge (those declaring the judge options of
:data:`proceval.judges.options.JUDGE_OPTIONS`) are judged through the real OpenAI-compatible backend
against a fake endpoint the demo starts on ``127.0.0.1`` (:class:`proceval.judges.fake_server.
FakeJudgeServer`, answering every rubric with ratings 1-5 derived from a hash of the prompt, so the numbers
are reproducible), with the SQLite judge cache in ``out/judge/cache.sqlite``. Nothing leaves the machine.

Every file is written atomically; per-config results already present for the same predictions are
reused, so an interrupted demo resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from proceval.evaluation.predictions import write_predictions, write_results
from proceval.io import atomic_write_text
from proceval.registry import BaselineContext, Benchmark, Task, resolved

SAMPLE_MARKER = ".proceval-sample-complete"
DEMO_JUDGE_MODEL = "proceval-demo-fake-judge"
"""The model id the demo's judge requests (the fake server answers any id); it is in the signatures."""
DEMO_JUDGE_SCALE = (1, 5)
"""The fake judge's ratings, inclusive: inside both the 1-5 (Pro2Bench) and 0-5 (VCGBench-style) scales."""


def ensure_sample(out: Path, *, seed: int = 0, progress: bool = True) -> Path:
    """Write the sample release under ``out/sample`` once (a marker file says it is complete)."""
    from proceval.sample import write_sample, writer_fingerprint

    root = out / "sample"
    marker = root / SAMPLE_MARKER
    stamp = f"seed {seed} writer {writer_fingerprint()}\n"  # a sample from other code is rewritten
    if not marker.is_file() or marker.read_text() != stamp:
        write_sample(root, seed=seed, overwrite=True, progress=progress)
        atomic_write_text(marker, stamp)
    return root


def _digest(obj: Any) -> str:
    from proceval.evaluation.predictions import to_jsonable

    return hashlib.sha256(json.dumps(to_jsonable(obj), sort_keys=True).encode()).hexdigest()[:16]


def run_demo(
    out: str | os.PathLike[str],
    *,
    seed: int = 0,
    progress: bool = True,
    configs: list[str] | None = None,
    sample_root: str | os.PathLike[str] | None = None,
    export: bool = True,
    echo: Callable[[str], None] = print,
    metrics: list[str] | None = None,
    leaderboard: bool = True,
) -> dict[str, Any]:
    """Run the demo into ``out`` and return ``{config: results}`` (also in ``out/results.json``).

    Args:
        out: output folder (sample, Arrow cache, Hub export, predictions, results).
        seed: seed of the sample release.
        progress: show progress bars.
        configs: config names to run (default: every config of every benchmark with tasks).
        sample_root: an existing sample release (``proceval sample`` output) to use instead of writing one.
        export: also export a Hub repo and load it back with stock ``datasets.load_dataset``.
        echo: where progress lines go.
        metrics: metric names to score (default: every metric of each config).
        leaderboard: also write a schema-v1 result file per result (model id :data:`DEMO_MODEL_ID`) and
            the leaderboard of them (``out/leaderboard/``), and print it.
    """
    import datasets

    from proceval.registry import benchmarks

    out = Path(out).resolve()
    datasets.disable_progress_bars()
    warnings.filterwarnings("ignore", module=r"proceval\..*")
    echo(f"[1/5] sample release -> {sample_root or out / 'sample'}")
    root = (
        Path(sample_root).resolve()
        if sample_root is not None
        else ensure_sample(out, seed=seed, progress=progress)
    )
    cache = out / "cache"
    all_results: dict[str, Any] = {}
    judge = DemoJudge(out / "judge" / "cache.sqlite", echo)
    try:
        for bench in benchmarks():
            _run_benchmark(
                bench, root, out, cache, configs, metrics, export, progress, echo, judge, all_results
            )
    finally:
        judge.stop()
    write_results(out / "results.json", all_results)

    echo("[4/5] results (fractions in [0, 1] unless the key says _s / rank)")
    echo(format_table(all_results, notes=True))
    echo(f"results: {out / 'results.json'}")
    if all_results and leaderboard:
        _leaderboard(all_results, out, echo)
    return all_results


DEMO_MODEL_ID = "proceval/demo-baseline"
"""The model id the demo's result files and leaderboard give its baselines."""


def _leaderboard(all_results: dict[str, Any], out: Path, echo: Callable[[str], None]) -> None:
    """Write one schema-v1 result file per demo result and the leaderboard of them; print its ranking keys.

    The result files go to ``out/leaderboard/results/``, the site (Markdown, CSV, JSON, ``index.html``) to
    ``out/leaderboard/site/``. The printed tables are each task's first (ranking) headline key; the files
    hold every headline key.
    """
    from proceval.evaluation.results import build_result, write_result
    from proceval.hub.leaderboard import write_leaderboard

    model_dir = out / "leaderboard" / "results" / DEMO_MODEL_ID.replace("/", "__")
    ranking: set[tuple[str, str, str]] = set()
    for key, result in all_results.items():
        task = _task(result)
        if task is None:
            continue
        record = build_result(
            result,
            task=task,
            benchmark=result["benchmark"],
            config=result["config"],
            split=result["split"],
            model_id=DEMO_MODEL_ID,
            revision=None,
            trained_on=[],
            predictions_path=out / "predictions" / f"{key}.json",
        )
        write_result(model_dir / f"{key}.json", record)
        ranking.add((result["config"], task.metric, task.headline[0].key))
    files = write_leaderboard(
        out / "leaderboard" / "results", out / "leaderboard" / "site", title="proceval demo"
    )
    shown = [g for g in files.groups if (g["config"], g["metric"], g["key"]) in ranking]
    echo(f"[5/5] leaderboard of {files.num_results} result files (ranking key of each task):")
    echo(format_leaderboard(shown))
    echo(f"leaderboard: {files.markdown} (every headline key), page: {files.html}")


def format_leaderboard(groups: list[dict[str, Any]]) -> str:
    """One line per leaderboard table: config, metric, key with its direction, then the ranked entries.

    Values are printed as the leaderboard prints them (fractions x100); ``~`` marks an entry the paired
    bootstrap cannot separate from the leader. The full tables (signatures, CIs, links) are in the
    leaderboard's Markdown and HTML page.
    """
    from proceval.hub.leaderboard import format_value

    lines = []
    width = max((len(g["config"]) for g in groups), default=0)
    for g in groups:
        arrow = "↑" if g["higher_is_better"] else "↓"
        scale = " (x100)" if g["unit"] == "fraction" else ""
        entries = ", ".join(
            f"{r['rank']}. {r['model']} {format_value(r['value'], g['unit'])}"
            + ("" if r["rank"] == 1 or not r.get("tied_with_leader") else " ~")
            for r in g["rows"]
        )
        lines.append(f"{g['config']:<{width}}  {g['metric']}  {g['key']}{arrow}{scale}: {entries}")
    return "\n".join(lines)


def _run_benchmark(
    bench: Benchmark,
    root: Path,
    out: Path,
    cache: Path,
    configs: list[str] | None,
    metrics: list[str] | None,
    export: bool,
    progress: bool,
    echo: Callable[[str], None],
    judge: DemoJudge,
    all_results: dict[str, Any],
) -> None:
    """Export one benchmark's configs, run their baselines and score them (into ``all_results``)."""
    from tqdm.auto import tqdm

    if not bench.tasks or bench.sample_release is None:
        return
    release = bench.sample_release(root)
    videos = bench.sample_videos(root) if bench.sample_videos is not None else None
    specs = [s for s in bench.configs() if configs is None or s.name in configs]
    if not specs:
        return
    if export:
        hub_dir = out / "hub" / bench.name
        echo(f"[2/5] Hub export of {len(specs)} {bench.name} configs (with video) -> {hub_dir}")
        _export_and_reload(bench.name, release, videos, hub_dir, specs, echo)
    echo(f"[3/5] baselines + metrics on {len(specs)} {bench.name} configs")
    state: dict[str, Any] = {}
    for spec in tqdm(specs, desc="configs", disable=not progress, unit="config"):
        for i, task in enumerate(bench.tasks_of_config(spec.name)):
            if task.baseline is None or (metrics is not None and task.metric not in metrics):
                continue
            ctx = BaselineContext(
                config=spec.name,
                release=release,
                load=_loader(bench.name, release, spec.name, videos, cache),
                state=state,
            )
            key = spec.name if i == 0 else f"{spec.name}.{task.metric}"  # a second metric of a config
            preds = task.baseline(ctx)
            all_results[key] = _score(bench.name, task, release, spec.name, key, preds, out, cache, judge)


class DemoJudge:
    """The demo's LLM judge: a fake OpenAI-compatible endpoint on ``127.0.0.1``, started on first use.

    The server (:class:`~proceval.judges.fake_server.FakeJudgeServer` with
    :func:`~proceval.judges.fake_server.prompt_keys_reply`) rates whatever keys each rubric's prompt asks
    for with integers in :data:`DEMO_JUDGE_SCALE`, derived from a hash of the prompt; the scores reach it
    through the real :class:`~proceval.judges.openai_backend.OpenAICompatibleBackend` and the SQLite judge
    cache, configured by the same ``judge_*`` options as ``proceval evaluate -o``.

    Args:
        cache: the judge cache's path (a re-run asks the server nothing it has already answered).
        echo: where the one line announcing the server goes.
    """

    def __init__(self, cache: Path, echo: Callable[[str], None]) -> None:
        self.cache = cache
        self.echo = echo
        self.server: Any = None

    @staticmethod
    def needed(task: Task) -> bool:
        """True when ``task`` takes a judge through the ``judge_*`` adapter options."""
        from proceval.judges.options import JUDGE_OPTIONS

        return all(name in task.extra_options for name in JUDGE_OPTIONS)

    def options(self) -> dict[str, str]:
        """The ``-o`` options naming the demo judge (the server is started on the first call)."""
        if self.server is None:
            from proceval.judges.fake_server import FakeJudgeServer, prompt_keys_reply

            self.server = FakeJudgeServer(reply=prompt_keys_reply(*DEMO_JUDGE_SCALE)).start()
            self.echo(
                f"      judge: {DEMO_JUDGE_MODEL} at {self.server.url} (fake OpenAI-compatible endpoint on "
                f"loopback, ratings from a hash of each prompt), cache {self.cache}"
            )
        return {
            "judge_model": DEMO_JUDGE_MODEL,
            "judge_endpoint": self.server.url,
            "judge_cache": str(self.cache),
        }

    def stop(self) -> None:
        """Stop the server if it was started."""
        if self.server is not None:
            self.server.stop()
            self.server = None


def _loader(
    benchmark: str, release: Path, config: str, videos: Path | None, cache: Path
) -> Callable[..., Any]:
    from proceval.datasets.load import load_config

    def load(split: str, media: bool = True, config: str = config) -> Any:
        return load_config(
            benchmark,
            release,
            config,
            split=split,
            videos_dir=videos if media else None,
            cache_dir=cache,
            decode_video=False,
        )

    return load


def _score(
    benchmark: str,
    task: Task,
    release: Path,
    config: str,
    key: str,
    preds: Any,
    out: Path,
    cache: Path,
    judge: DemoJudge,
) -> dict[str, Any]:
    """Score one config's baseline predictions, reusing a result already written for the same predictions.

    ``key`` names the result and predictions files (the config, or ``config.metric`` for a second metric);
    a task that takes a judge is judged by ``judge``.
    """
    from proceval.evaluation.runner import evaluate_config

    digest = _digest(preds)
    judged = DemoJudge.needed(task)
    res_path = out / "results" / f"{key}.json"
    if res_path.is_file():
        previous = json.loads(res_path.read_text())
        same_judge = not judged or f"judge:{DEMO_JUDGE_MODEL}|" in str(previous.get("signature"))
        if previous.get("predictions_sha256_16") == digest and same_judge:
            return previous
    write_predictions(out / "predictions" / f"{key}.json", preds)
    options = judge.options() if judged else None
    result = evaluate_config(
        task.metric, release, config, preds, benchmark=benchmark, options=options, cache_dir=cache
    )
    baseline = resolved(task.baseline)
    result["baseline"] = f"{baseline.__module__}.{baseline.__name__}"
    result["predictions_sha256_16"] = digest
    write_results(res_path, result)
    return result


def _export_and_reload(
    benchmark: str,
    release: Path,
    videos: Path | None,
    hub_dir: Path,
    specs: list,
    echo: Callable[[str], None],
) -> None:
    import datasets

    from proceval.hub.export import export_hub_repo

    export_hub_repo(benchmark, release, hub_dir, [s.name for s in specs], videos_dir=videos, progress=False)
    name = specs[0].name
    # A fresh datasets cache: stock datasets keys a local repo's cache by its folder name, so an earlier
    # export into another folder of the same name would otherwise be loaded instead of this one.
    with tempfile.TemporaryDirectory(prefix="proceval-demo-hf-") as hf_cache:
        split = specs[0].eval_split
        ds = datasets.load_dataset(str(hub_dir), name, split=split, cache_dir=hf_cache)
        example = ds[0]
        msg = f"      stock datasets.load_dataset({hub_dir.name!r}, {name!r}) -> {len(ds)} {split} examples"
        if "video" in example and example["video"] is not None:
            frame = example["video"].get_frame_at(0)
            msg += f"; video {example['video_id']} frame 0 decoded, shape {tuple(frame.data.shape)}"
        del ds, example
    echo(msg)


def _fmt(value: Any) -> str:
    v = float(value) if value is not None else math.nan
    return "nan" if math.isnan(v) else f"{v:.3f}"


def _task(result: dict[str, Any]) -> Task | None:
    """The task a result scored (None for a result of no registered benchmark)."""
    from proceval.registry import get_benchmark

    bench = get_benchmark(result.get("benchmark", "")) if result.get("benchmark") else None
    return bench.task_of_config(result["config"], result.get("metric")) if bench is not None else None


def _headline(result: dict[str, Any]) -> list[tuple[str, Any]]:
    """The (key, value) pairs a table shows for one result: its task's headline keys that are present."""
    task = _task(result)
    if task is None:
        return []
    values = [(h.key, h.value(result["scores"])) for h in task.headline]
    return [(key, value) for key, value in values if value is not None]


def format_table(results: dict[str, Any], *, notes: bool = False) -> str:
    """A plain-text table: config, metric, then the task's headline numbers (with CI / paired delta).

    With ``notes`` (the demo's table), a result whose task declares a
    :attr:`~proceval.registry.Task.demo_note` gets it on the next line (``note: ...``), e.g. why the demo
    baseline is perfect on the sample release.
    """
    lines = []
    width = max((len(c) for c in results), default=10)
    for config, res in results.items():
        cells = []
        scores = res["scores"]
        for key, value in _headline(res):
            cell = f"{key}={_fmt(value)}"
            group, _, leaf = key.rpartition(":")
            sub = scores.get(group, scores) if group else scores
            if "ci" in sub and leaf in sub["ci"]:
                lo, hi = sub["ci"][leaf]
                cell += f" [{_fmt(lo)}, {_fmt(hi)}]"
            if "paired" in sub and leaf in sub["paired"]:
                cell += f" (Δ={_fmt(sub['paired'][leaf]['delta'])}, p={_fmt(sub['paired'][leaf]['p_value'])})"
            cells.append(cell)
        lines.append(f"{config:<{width}}  {res['metric']:<6}  " + "  ".join(cells))
        task = _task(res) if notes else None
        if notes and task is not None and task.demo_note:
            lines.append(f"{'':<{width}}  note: {task.demo_note}")
    return "\n".join(lines)
