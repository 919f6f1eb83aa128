"""The evaluation layer on the sample release: adapters, id matching, prediction files, the runner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from proceval.benchmarks.impact.adapters import reference_states
from proceval.benchmarks.impact.load import load_impact
from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.evaluation.predictions import read_predictions, write_predictions
from proceval.evaluation.runner import evaluate_config, metric_for_config


@pytest.fixture(scope="module")
def release(sample_release: Path) -> Path:
    return sample_release / "impact" / "impact-release"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("arrow-cache")


def _ds(release: Path, cache: Path, name: str, split: str = "test"):
    return load_impact(release, name, split=split, cache_dir=cache)


def test_every_config_has_exactly_one_task_and_metric() -> None:
    from proceval.registry import get_benchmark

    impact = get_benchmark("impact")
    by_task = [c for t in impact.tasks for c in t.configs]
    assert sorted(by_task) == sorted(impact.config_names())  # each config in exactly one task
    assert metric_for_config("tas_bl_s3") == "tas"
    assert metric_for_config("atr_r_s2") == "atr"
    with pytest.raises(InputValidationError, match=r"Expected a config name \(one of: tas_s_s1, .*'nope_s1'"):
        metric_for_config("nope_s1")


def test_oracle_frame_predictions_score_perfectly_and_names_equal_ids(release: Path, cache: Path) -> None:
    ds = _ds(release, cache, "tas_s_s1")
    names = ds.features["labels"].feature.names
    by_id = {v: lbl for v, lbl in zip(ds["video_id"], ds["labels"])}
    by_name = {v: [names[i] for i in lbl] for v, lbl in by_id.items()}
    r_ids = evaluate_config("tas", release, "tas_s_s1", by_id, cache_dir=cache)
    r_names = evaluate_config("tas", release, "tas_s_s1", by_name, cache_dir=cache)
    for r in (r_ids, r_names):
        assert (
            r["scores"]["accuracy"] == 1.0 and r["scores"]["edit"] == 1.0 and r["scores"]["f1_at_50"] == 1.0
        )
    assert r_ids["num_references"] == len(ds)
    from proceval import __version__

    assert r_ids["signature"].startswith("tas|conv:mstcn|ign:0|")
    assert re.search(
        rf"\|data:impact-[0-9a-f]{{8}}\|cfg:tas_s_s1\|split:test\|v:{__version__}$", r_ids["signature"]
    )
    assert r_ids["data_version"] == r_ids["signature"].split("|data:")[1].split("|")[0]


def test_shifted_frame_predictions_match_direct_score_call(release: Path, cache: Path) -> None:
    from proceval.scores.tas import tas_scores

    ds = _ds(release, cache, "tas_bl_s2")
    refs = {v: np.asarray(lbl) for v, lbl in zip(ds["video_id"], ds["labels"])}
    preds = {v: np.concatenate([lbl[:1].repeat(7), lbl[:-7]]) for v, lbl in refs.items()}
    via_runner = evaluate_config("tas", release, "tas_bl_s2", preds, cache_dir=cache)["scores"]
    direct = tas_scores(preds, refs)
    for key in ("accuracy", "edit", "f1_at_10", "f1_at_25", "f1_at_50"):
        assert via_runner[key] == pytest.approx(direct[key])
    assert via_runner["accuracy"] < 1.0


def test_missing_and_unknown_ids_are_named(release: Path, cache: Path) -> None:
    ds = _ds(release, cache, "ppr_l_s1")
    preds = {v: lbl for v, lbl in zip(ds["video_id"], ds["labels"])}
    first = ds["video_id"][0]
    missing = {k: v for k, v in preds.items() if k != first}
    with pytest.raises(InputValidationError, match=first):
        evaluate_config("ppr", release, "ppr_l_s1", missing, cache_dir=cache)
    with pytest.raises(InputValidationError, match="no_such_video"):
        evaluate_config("ppr", release, "ppr_l_s1", {**preds, "no_such_video": [0]}, cache_dir=cache)
    with pytest.raises(InputValidationError, match=r"scored by `ppr`.*'tas_s_s1', which `tas` scores"):
        evaluate_config("ppr", release, "tas_s_s1", preds, cache_dir=cache)


def test_length_mismatch_names_video_and_lengths(release: Path, cache: Path) -> None:
    ds = _ds(release, cache, "tas_s_s1")
    preds = {v: lbl for v, lbl in zip(ds["video_id"], ds["labels"])}
    vid = ds["video_id"][0]
    preds[vid] = preds[vid][:-3]
    n = len(ds[0]["labels"])
    with pytest.raises(InputValidationError, match=rf"{vid}.*\({n}\).*{n - 3}"):
        evaluate_config("tas", release, "tas_s_s1", preds, cache_dir=cache)


def test_state_and_event_tasks_oracle(release: Path, cache: Path) -> None:
    asr_ds = _ds(release, cache, "asr_s1")
    refs = reference_states(asr_ds)
    runlength = {
        v: {"frames": list(f), "states": [list(s) for s in st]}
        for v, f, st in zip(asr_ds["video_id"], asr_ds["state_frames"], asr_ds["states"])
    }
    dense = evaluate_config("asr", release, "asr_s1", refs, cache_dir=cache)["scores"]
    rl = evaluate_config("asr", release, "asr_s1", runlength, cache_dir=cache)["scores"]
    assert dense["transition_f1"] == rl["transition_f1"] == 1.0
    assert dense["final_state_accuracy"] == 1.0
    psr_ds = _ds(release, cache, "psr_s1")
    events = {
        v: [{"frame": e["frame"], "label": e["label"]} for e in evs if e["in_graph"]]
        for v, evs in zip(psr_ds["video_id"], psr_ds["graph_events"])
    }
    r = evaluate_config("psr", release, "psr_s1", events, cache_dir=cache)["scores"]
    assert r["mean_pos"] == 1.0 and r["mean_delay_s"] == 0.0 and r["system_fp"] == 0
    late = {v: [{**e, "frame": e["frame"] + 30} for e in evs] for v, evs in events.items()}
    r_late = evaluate_config("psr", release, "psr_s1", late, cache_dir=cache)["scores"]
    assert r_late["mean_delay_s"] == pytest.approx(1.0)  # 30 frames at 30 fps


def test_anticipation_and_anomaly_oracles(release: Path, cache: Path) -> None:
    afl = _ds(release, cache, "af_l_s1")
    preds = {
        f"{v}:{i}": [list(f)] * 5
        for v, i, f in zip(afl["video_id"], afl["instance_index"], afl["future_steps"])
    }
    assert evaluate_config("af_l", release, "af_l_s1", preds, cache_dir=cache)["scores"]["aued"] == 0.0
    atr = _ds(release, cache, "atr_r_s1")
    r = evaluate_config(
        "atr", release, "atr_r_s1", dict(zip(atr["sample_id"], atr["labels"])), cache_dir=cache
    )
    assert r["scores"]["mean_ap"] == 1.0
    afs = _ds(release, cache, "af_s_s1")
    n_action = len(afs.features["action"].names)
    one_hot = {}
    for v, i, a in zip(afs["video_id"], afs["segment_index"], afs["action"]):
        s = [0.0] * n_action
        s[a] = 1.0
        one_hot[f"{v}:{i}"] = {"action": s}
    r = evaluate_config("af_s", release, "af_s_s1", one_hot, cache_dir=cache)["scores"]
    assert r["overall_action_mean_top5_recall"] == 1.0
    assert r["num_predictions_outside_protocol"] == sum(1 for x in afs["in_official_protocol"] if not x)


def test_cv_smc_oracle_and_paired_comparison(release: Path, cache: Path) -> None:
    ds = _ds(release, cache, "cv_smc_s1")
    names = [n.lower() for n in ds.features["label"].names]
    oracle = {
        f"{v}:{i}": names[lab]
        for v, i, lab, null in zip(ds["video_id"], ds["segment_index"], ds["label"], ds["is_null"])
        if not null
    }
    worst = {k: "not_a_label" for k in oracle}
    with pytest.raises(InputValidationError, match="not_a_label"):
        evaluate_config("cv_smc", release, "cv_smc_s1", worst, cache_dir=cache)
    first = sorted(set(oracle.values()))[0]
    const = {k: first for k in oracle}
    r = evaluate_config(
        "cv_smc",
        release,
        "cv_smc_s1",
        oracle,
        paired_predictions=const,
        options={"bootstrap": 50},
        cache_dir=cache,
    )
    coarse = r["scores"]["coarse"]
    assert coarse["top1_accuracy"] == 1.0
    assert coarse["paired"]["top1_accuracy"]["delta"] > 0
    assert coarse["ci"]["top1_accuracy"] == [1.0, 1.0]


def test_prediction_files_roundtrip_and_errors(tmp_path: Path) -> None:
    preds = {"v1": np.array([0, 1, 1]), "v2": [2, 2]}
    p = write_predictions(tmp_path / "p.json", preds)
    assert read_predictions(p) == {"v1": [0, 1, 1], "v2": [2, 2]}
    jl = tmp_path / "p.jsonl"
    jl.write_text('{"id": "a", "prediction": [1]}\r\n{"id": "a", "prediction": [2]}\r\n')
    with pytest.raises(ReleaseFormatError, match=r"p\.jsonl:2: id 'a' repeats \(first on line 1\)"):
        read_predictions(jl)
    jl.write_text('{"id": "a"}\n')
    with pytest.raises(ReleaseFormatError, match=r"p\.jsonl:1: expected"):
        read_predictions(jl)
    np.savez(tmp_path / "p.npz", v1=np.zeros((17, 4)))
    assert read_predictions(tmp_path / "p.npz")["v1"].shape == (17, 4)
    (tmp_path / "p.csv").write_text("x")
    with pytest.raises(ReleaseFormatError, match=r"expected a \.json, \.jsonl or \.npz"):
        read_predictions(tmp_path / "p.csv")
    (tmp_path / "list.json").write_text(json.dumps([1, 2]))
    with pytest.raises(ReleaseFormatError, match="expected a JSON object"):
        read_predictions(tmp_path / "list.json")


# ----------------------------------------------------------------------------------------- signatures


def test_data_version_is_a_content_hash(release: Path, tmp_path: Path, impact_dataset_dir: Path) -> None:
    import shutil

    from proceval.registry import get_benchmark

    impact = get_benchmark("impact")
    sample_version = impact.data_version(impact.resolve_release(release))
    real_version = impact.data_version(impact.resolve_release(impact_dataset_dir))
    assert re.fullmatch(r"impact-[0-9a-f]{8}", sample_version)
    assert sample_version != real_version  # the sample is never signed like the real release
    copy = tmp_path / "copy"
    shutil.copytree(release, copy)
    assert impact.data_version(impact.resolve_release(copy)) == sample_version  # content, not path
    gt = next((copy / "dataset" / "TAS").rglob("*.txt"))
    gt.write_text(gt.read_text() + "\n")
    assert impact.data_version(impact.resolve_release(copy)) != sample_version


def test_adapter_options_and_paired_resamples_are_signed(release: Path, cache: Path) -> None:
    ds = _ds(release, cache, "af_s_s1")
    num_actions = len(ds.features["action"].names)
    preds = {
        f"{v}:{i}": {"action": [1.0 / (1 + (k + a) % num_actions) for k in range(num_actions)]}
        for v, i, a in zip(ds["video_id"], ds["segment_index"], ds["action"])
    }
    official = evaluate_config("af_s", release, "af_s_s1", preds, cache_dir=cache)
    every = evaluate_config("af_s", release, "af_s_s1", preds, options={"instances": "all"}, cache_dir=cache)
    assert "|inst:official|" in official["signature"] and "|inst:all|" in every["signature"]
    tas = _ds(release, cache, "tas_s_s1")
    refs = {v: list(lbl) for v, lbl in zip(tas["video_id"], tas["labels"])}
    shifted = {v: lbl[3:] + lbl[-1:] * 3 for v, lbl in refs.items()}
    paired = evaluate_config("tas", release, "tas_s_s1", refs, paired_predictions=shifted, cache_dir=cache)
    assert "|bs:1000|ci:0.95|rs:0|paired:yes|" in paired["signature"]
    assert "paired" in paired["scores"]
