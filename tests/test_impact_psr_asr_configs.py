"""asr_s1 and psr_s1 on the real release: counts, dense-state round trips, event columns, errors."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from proceval.benchmarks.impact.configs.asr import dense_states
from proceval.benchmarks.impact.formats.procedure_graph import load_component_alias, load_procedure_graph
from proceval.benchmarks.impact.metadata import ImpactQuirkWarning
from proceval.benchmarks.impact.state_events import states_to_events
from proceval.datasets.spec import get_config
from proceval.errors import ReleaseFormatError
from proceval.registry import get_benchmark


def metric_of(config: str) -> str:
    """The metric that scores ``config`` (from the registry's task declarations)."""
    return get_benchmark("impact").task_of_config(config).metric


SPLIT_FILES = {"train": "train", "validation": "val", "test": "test"}


def _bundle(dataset_dir: Path, split: str) -> list[str]:
    path = dataset_dir / "ASR" / "splits_front_only_v1" / f"{SPLIT_FILES[split]}.split1.bundle"
    return path.read_text().split()


def _reference_dense(doc: dict) -> np.ndarray:
    """Plain densification: entry i holds from its frame to the next entry's frame (last: to frame_count)."""
    T = doc["frame_count"]
    out = np.zeros((17, T), dtype=np.int64)
    seq = doc["state_sequence"]
    for i, entry in enumerate(seq):
        end = seq[i + 1]["frame"] if i + 1 < len(seq) else T
        for t in range(entry["frame"], end):
            out[:, t] = entry["state"]
    return out


def _generate(name: str, dataset_dir: Path, split: str) -> list[tuple[str, dict]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactQuirkWarning)
        return list(get_config("impact", name).generate(dataset_dir, split))


@pytest.fixture(scope="module")
def asr_examples(impact_dataset_dir: Path) -> dict[str, list[tuple[str, dict]]]:
    return {split: _generate("asr_s1", impact_dataset_dir, split) for split in SPLIT_FILES}


@pytest.fixture(scope="module")
def psr_examples(impact_dataset_dir: Path) -> dict[str, list[tuple[str, dict]]]:
    return {split: _generate("psr_s1", impact_dataset_dir, split) for split in SPLIT_FILES}


# ---------------------------------------------------------------------------------------------
# ASR


def test_asr_counts_equal_bundles(impact_dataset_dir: Path, asr_examples) -> None:
    for split, examples in asr_examples.items():
        assert [k for k, _ in examples] == _bundle(impact_dataset_dir, split)
    assert [len(v) for v in asr_examples.values()] == [64, 10, 18]


def test_asr_dense_round_trip(impact_dataset_dir: Path, asr_examples) -> None:
    for split in ("validation", "test"):
        for vid, ex in asr_examples[split]:
            trial = vid.split("_color")[0]
            doc = json.loads(
                (impact_dataset_dir / "ASR/annotations" / f"{trial}_color_front_clipped_asr.json").read_text()
            )
            dense = dense_states(ex)
            assert dense.shape == (17, doc["frame_count"]) and ex["num_frames"] == doc["frame_count"]
            np.testing.assert_array_equal(dense, _reference_dense(doc))
            assert (
                ex["workflow"] == doc["workflow"]
                and ex["initial_state_vector"] == doc["initial_state_vector"]
            )
            assert ex["view"] == "front" and ex["fps"] == 30.0


def test_asr_component_alias_quirk(impact_dataset_dir: Path, asr_examples) -> None:
    reference = json.loads((impact_dataset_dir / "PSR/labels_front_only_v1/component_names.json").read_text())
    assert all(ex["component_names"] == reference for exs in asr_examples.values() for _, ex in exs)
    split = next(s for s, exs in asr_examples.items() if any(k.startswith("20250408_1130") for k, _ in exs))
    with pytest.warns(
        ImpactQuirkWarning, match=r"20250408_1130_color_front_clipped_asr.json: component names differ"
    ):
        list(get_config("impact", "asr_s1").generate(impact_dataset_dir, split))


def test_asr_features_encode(asr_examples) -> None:
    spec = get_config("impact", "asr_s1")
    assert spec.media == "video" and metric_of(spec.name) == "asr"
    for _, ex in asr_examples["test"][:3]:
        spec.features.encode_example(ex)


# ---------------------------------------------------------------------------------------------
# PSR


def _csv_events(path: Path) -> list[dict]:
    out = []
    for line in path.read_text().splitlines():
        if line.strip():
            frame, step, desc = line.strip().split(",", 2)
            out.append({"frame": int(frame.removesuffix(".jpg")), "step_id": int(step), "description": desc})
    return out


def test_psr_counts_and_summary(impact_dataset_dir: Path, psr_examples) -> None:
    labels = impact_dataset_dir / "PSR" / "labels_front_only_v1"
    summary = json.loads((labels / "conversion_summary_split1.json").read_text())["splits"]
    for split, examples in psr_examples.items():
        assert [k for k, _ in examples] == _bundle(impact_dataset_dir, split)
        assert sorted(k for k, _ in examples) == sorted(
            p.name for p in (labels / SPLIT_FILES[split]).iterdir()
        )
        s = summary[SPLIT_FILES[split]]
        assert len(examples) == s["records"]
        assert sum(len(ex["completion_events"]) for _, ex in examples) == s["events_no_error"]
        assert sum(len(ex["completion_events_with_errors"]) for _, ex in examples) == s["events_with_errors"]
        assert sum(len(ex["raw_state_frames"]) for _, ex in examples) == s["states"]


def test_psr_event_columns_equal_csv(impact_dataset_dir: Path, psr_examples) -> None:
    labels = impact_dataset_dir / "PSR" / "labels_front_only_v1" / "test"
    for vid, ex in psr_examples["test"]:
        assert ex["completion_events"] == _csv_events(labels / vid / "PSR_labels.csv")
        assert ex["completion_events_with_errors"] == _csv_events(labels / vid / "PSR_labels_with_errors.csv")
        rows = [line.split(",") for line in (labels / vid / "PSR_labels_raw.csv").read_text().split()]
        assert ex["raw_state_frames"] == [int(r[0].removesuffix(".jpg")) for r in rows]
        assert ex["raw_states"] == [[int(x) for x in r[1:]] for r in rows]


def test_psr_graph_events_equal_dense_pipeline(impact_release: Path, asr_examples, psr_examples) -> None:
    """graph_events = the dense-state events of the score module (ms_tcn2 alias, no graph filter)."""
    alias = load_component_alias(impact_release, "ms_tcn2")
    nodes = set(load_procedure_graph(impact_release, "psr").nodes)
    asr_by_id = {k: ex for exs in asr_examples.values() for k, ex in exs}
    n_total = n_in_graph = 0
    for exs in psr_examples.values():
        for vid, ex in exs:
            ref = states_to_events(
                dense_states(asr_by_id[vid]), asr_by_id[vid]["component_names"], alias=alias
            )
            assert [(e["frame"], e["label"]) for e in ex["graph_events"]] == [
                (e["frame"], e["label"]) for e in ref
            ]
            assert [e["in_graph"] for e in ex["graph_events"]] == [e["label"] in nodes for e in ref]
            n_total += len(ref)
            n_in_graph += sum(e["label"] in nodes for e in ref)
    assert 0 < n_in_graph <= n_total


def test_psr_features_and_metadata(impact_dataset_dir: Path, psr_examples) -> None:
    spec = get_config("impact", "psr_s1")
    assert spec.media == "video" and metric_of(spec.name) == "psr"
    feats = spec.extra["features_fn"](impact_dataset_dir)
    assert feats["completion_events"].feature["step_id"].num_classes == 51
    for _, ex in psr_examples["test"][:3]:
        feats.encode_example(ex)
    graph = spec.extra["procedure_graph_fn"](impact_dataset_dir, "psr")
    assert len(graph.nodes) == 53


# ---------------------------------------------------------------------------------------------
# errors on a small copy of the release


def _mini_release(src: Path, dst: Path, videos: list[str]) -> Path:
    shutil.copytree(src.parent / "task_configs", dst / "task_configs")
    data = dst / "dataset"
    (data / "ASR" / "annotations").mkdir(parents=True)
    (data / "ASR" / "splits_front_only_v1").mkdir()
    labels = data / "PSR" / "labels_front_only_v1"
    (labels / "test").mkdir(parents=True)
    for name in ("component_names.json", "procedure_info_IMPACT.json"):
        shutil.copy(src / "PSR" / "labels_front_only_v1" / name, labels)
    for v in videos:
        trial = v.split("_color")[0]
        shutil.copy(
            src / "ASR" / "annotations" / f"{trial}_color_front_clipped_asr.json",
            data / "ASR" / "annotations",
        )
        shutil.copytree(src / "PSR" / "labels_front_only_v1" / "test" / v, labels / "test" / v)
    (data / "ASR" / "splits_front_only_v1" / "test.split1.bundle").write_text("\n".join(videos) + "\n")
    return data


def test_psr_folder_missing_from_bundle(impact_dataset_dir: Path, tmp_path: Path) -> None:
    videos = _bundle(impact_dataset_dir, "test")[:2]
    data = _mini_release(impact_dataset_dir, tmp_path, videos)
    (data / "ASR" / "splits_front_only_v1" / "test.split1.bundle").write_text(videos[0] + "\n")
    with pytest.raises(ReleaseFormatError, match=rf"{videos[1]}: PSR folder is not in the ASR bundle"):
        list(get_config("impact", "psr_s1").generate(data, "test"))


def test_bundle_id_without_psr_folder_or_asr_file(impact_dataset_dir: Path, tmp_path: Path) -> None:
    videos = _bundle(impact_dataset_dir, "test")[:2]
    data = _mini_release(impact_dataset_dir, tmp_path, videos)
    shutil.rmtree(data / "PSR" / "labels_front_only_v1" / "test" / videos[1])
    with pytest.raises(
        ReleaseFormatError, match=rf"test.split1.bundle:2: video id '{videos[1]}' has no PSR label"
    ):
        list(get_config("impact", "psr_s1").generate(data, "test"))
    trial = videos[1].split("_color")[0]
    (data / "ASR" / "annotations" / f"{trial}_color_front_clipped_asr.json").unlink()
    with pytest.raises(
        ReleaseFormatError, match=rf"test.split1.bundle:2: video id '{videos[1]}' has no ASR annotation"
    ):
        list(get_config("impact", "asr_s1").generate(data, "test"))


def test_corrupted_psr_csv_names_file_and_line(impact_dataset_dir: Path, tmp_path: Path) -> None:
    videos = _bundle(impact_dataset_dir, "test")[:1]
    data = _mini_release(impact_dataset_dir, tmp_path, videos)
    csv = data / "PSR" / "labels_front_only_v1" / "test" / videos[0] / "PSR_labels.csv"
    lines = csv.read_bytes().split(b"\r\n")
    lines[2] = b"436.jpg,99,Remove nothing"
    csv.write_bytes(b"\r\n".join(lines))
    with pytest.raises(ReleaseFormatError, match=r"PSR_labels.csv:3: unknown step id 99"):
        list(get_config("impact", "psr_s1").generate(data, "test"))


def test_non_alias_component_name_is_an_error(impact_dataset_dir: Path, tmp_path: Path) -> None:
    videos = _bundle(impact_dataset_dir, "test")[:1]
    data = _mini_release(impact_dataset_dir, tmp_path, videos)
    path = next((data / "ASR" / "annotations").glob("*.json"))
    doc = json.loads(path.read_text())
    doc["components"][4]["name"] = "flux_capacitor"
    path.write_text(json.dumps(doc))
    with pytest.raises(ReleaseFormatError, match=r"`components\[4\]` is 'flux_capacitor'"):
        list(get_config("impact", "asr_s1").generate(data, "test"))
