"""``proceval demo``: the whole pipeline on the embedded sample release.

1. write the sample release of every benchmark (official on-disk formats, small generated videos);
2. build every IMPACT config from it with the same code that reads the real release, videos attached;
3. export a no-script Hub repo and load one config back with stock ``datasets.load_dataset``;
4. run a simple baseline per task (:mod:`proceval.benchmarks.impact.baselines`), write its predictions;
5. score them with the metrics through :mod:`proceval.evaluation` and print a results table.

Every file is written atomically; per-config results already present for the same predictions are
reused, so an interrupted demo resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from proceval.evaluation.predictions import write_predictions, write_results
from proceval.io import atomic_write_text

SAMPLE_MARKER = ".proceval-sample-complete"


def ensure_sample(out: Path, *, seed: int = 0, progress: bool = True) -> Path:
    """Write the sample release under ``out/sample`` once (a marker file says it is complete)."""
    from proceval.sample import write_sample

    root = out / "sample"
    marker = root / SAMPLE_MARKER
    if not marker.is_file():
        write_sample(root, seed=seed, overwrite=True, progress=progress)
        atomic_write_text(marker, f"seed {seed}\n")
    return root


def _headline(metric: str, scores: dict[str, Any]) -> list[tuple[str, float]]:
    """The numbers a results table shows for one metric (fractions unless the key says otherwise)."""
    pick = {
        "tas": ("accuracy", "edit", "f1_at_10", "f1_at_25", "f1_at_50"),
        "ppr": ("accuracy", "macro_f1"),
        "cv_smr": ("overall_recall_at_1", "overall_recall_at_5", "overall_map"),
        "af_l": ("ed_at_horizon", "aued"),
        "psr": ("mean_f1", "mean_delay_s", "mean_pos"),
        "asr": ("macro_f1", "transition_f1", "final_state_accuracy"),
        "atr": ("mean_ap",),
        "af_s": (
            "left_action_mean_top5_recall",
            "right_action_mean_top5_recall",
            "overall_action_mean_top5_recall",
        ),
    }
    if metric == "cv_ta":
        return [
            (f"{proto}:{k}", v[k])
            for proto, v in scores.items()
            for k in ("overall_recall_at_1", "overall_recall_at_5", "overall_median_rank", "overall_coverage")
            if k in v
        ]
    if metric == "cv_smc":
        return [(f"{lvl}:{k}", v[k]) for lvl, v in scores.items() for k in ("top1_accuracy", "macro_f1")]
    return [(k, scores[k]) for k in pick.get(metric, ()) if k in scores]


def _load(release: Path, name: str, split: str, videos: Path | None, cache: Path):
    from proceval.datasets.load import load_impact

    return load_impact(release, name, split=split, videos_dir=videos, cache_dir=cache, decode_video=False)


def _predictions_for(spec, release: Path, videos: Path, cache: Path, state: dict[str, Any]) -> dict[str, Any]:
    from proceval.benchmarks.impact import baselines as bl

    def split(name: str, media: bool = True):
        return _load(release, spec.name, name, videos if media else None, cache)

    task = spec.task
    if task in ("tas_s", "tas_bl", "tas_br", "ppr_l", "ppr_r"):
        return bl.frame_task(split("train"), split("test"))
    if task in ("cv_ta", "cv_smr"):
        return bl.segment_embeddings(split("test"))
    if task == "cv_smc":
        return bl.cv_smc(split("train"), split("test"))
    if task == "af_s":
        return bl.af_s(split("train", False), split("test", False))
    if task == "af_l":
        return bl.af_l(split("train", False), split("test", False))
    if task == "asr":
        preds = bl.asr(split("train", False), split("test", False))
        state["asr"] = preds
        return preds
    if task == "psr":
        from proceval.benchmarks.impact.formats.procedure_graph import load_component_alias, load_procedure_graph

        asr_test = _load(release, "asr_s1", "test", None, cache)
        asr_preds = state.get("asr") or bl.asr(_load(release, "asr_s1", "train", None, cache), asr_test)
        graph = load_procedure_graph(release, "psr")
        events = bl.psr_from_asr(
            asr_preds, list(asr_test[0]["component_names"]), list(graph.nodes), load_component_alias(release)
        )
        test_ids = set(split("test", False)["video_id"])
        return {vid: ev for vid, ev in events.items() if vid in test_ids}
    if task in ("atr_l", "atr_r"):
        return bl.atr(split("train"), split("test"))
    raise ValueError(f"no demo baseline for task {task!r}")


def _digest(obj: Any) -> str:
    from proceval.evaluation.predictions import _to_jsonable

    return hashlib.sha256(json.dumps(_to_jsonable(obj), sort_keys=True).encode()).hexdigest()[:16]


def run_demo(
    out: str | os.PathLike[str],
    *,
    seed: int = 0,
    progress: bool = True,
    configs: list[str] | None = None,
    sample_root: str | os.PathLike[str] | None = None,
    export: bool = True,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the demo into ``out`` and return ``{config: results}`` (also in ``out/results.json``).

    Args:
        out: output folder (sample, Arrow cache, Hub export, predictions, results).
        seed: seed of the sample release.
        progress: show progress bars.
        configs: config names to run (default: every IMPACT config).
        sample_root: an existing sample release (``proceval sample`` output) to use instead of writing one.
        export: also export a Hub repo and load it back with stock ``datasets.load_dataset``.
        echo: where progress lines go.
    """
    import datasets
    from tqdm.auto import tqdm

    from proceval.datasets.spec import list_configs
    from proceval.evaluation.runner import evaluate_config, metric_for_config

    out = Path(out).resolve()
    datasets.disable_progress_bars()
    warnings.filterwarnings("ignore", module=r"proceval\.datasets.*")
    echo(f"[1/4] sample release -> {sample_root or out / 'sample'}")
    root = (
        Path(sample_root).resolve()
        if sample_root is not None
        else ensure_sample(out, seed=seed, progress=progress)
    )
    release = root / "impact" / "impact-release"
    videos = root / "impact" / "videos"
    cache = out / "cache"

    specs = [s for s in list_configs("impact") if configs is None or s.name in configs]
    if export:
        echo(f"[2/4] Hub export of {len(specs)} IMPACT configs (with video) -> {out / 'hub' / 'impact'}")
        _export_and_reload(release, videos, out / "hub" / "impact", specs, echo)

    echo(f"[3/4] baselines + metrics on {len(specs)} configs")
    state: dict[str, Any] = {}
    all_results: dict[str, Any] = {}
    ordered = sorted(specs, key=lambda s: s.task != "asr")  # ASR first: PSR reuses its predictions
    for spec in tqdm(ordered, desc="configs", disable=not progress, unit="config"):
        metric = metric_for_config(spec.name)
        preds = _predictions_for(spec, release, videos, cache, state)
        digest = _digest(preds)
        pred_path = out / "predictions" / f"{spec.name}.json"
        res_path = out / "results" / f"{spec.name}.json"
        if res_path.is_file():
            previous = json.loads(res_path.read_text())
            if previous.get("predictions_sha256_16") == digest:
                all_results[spec.name] = previous
                continue
        write_predictions(pred_path, preds)
        result = evaluate_config(metric, release, spec.name, preds, cache_dir=cache)
        result["baseline"] = "proceval.benchmarks.impact.baselines"
        result["predictions_sha256_16"] = digest
        write_results(res_path, result)
        all_results[spec.name] = result
    write_results(out / "results.json", all_results)

    echo("[4/4] results (fractions in [0, 1] unless the key says _s / rank)")
    echo(format_table(all_results))
    echo(f"results: {out / 'results.json'}")
    return all_results


def _export_and_reload(
    release: Path, videos: Path, hub_dir: Path, specs: list, echo: Callable[[str], None]
) -> None:
    import datasets

    from proceval.hub.export import export_hub_repo

    export_hub_repo("impact", release, hub_dir, [s.name for s in specs], videos_dir=videos, progress=False)
    name = "tas_s_s1" if any(s.name == "tas_s_s1" for s in specs) else specs[0].name
    ds = datasets.load_dataset(str(hub_dir), name, split="test")
    example = ds[0]
    msg = f"      stock datasets.load_dataset({hub_dir.name!r}, {name!r}) -> {len(ds)} test examples"
    if "video" in example and example["video"] is not None:
        frame = example["video"].get_frame_at(0)
        msg += f"; video {example['video_id']} frame 0 decoded, shape {tuple(frame.data.shape)}"
    echo(msg)


def _fmt(value: Any) -> str:
    v = float(value) if value is not None else math.nan
    return "nan" if math.isnan(v) else f"{v:.3f}"


def format_table(results: dict[str, Any]) -> str:
    """A plain-text table: config, metric, then the metric's headline numbers."""
    lines = []
    width = max((len(c) for c in results), default=10)
    for config, res in results.items():
        cells = []
        scores = res["scores"]
        for key, value in _headline(res["metric"], scores):
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
    return "\n".join(lines)
