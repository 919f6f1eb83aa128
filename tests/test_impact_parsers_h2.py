"""Parsers of AF-S, ASR, PSR, procedure-graph and ATR release files: real files and corrupted copies."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from proceval.benchmarks.impact.formats import afs, asr, atr, procedure_graph, psr
from proceval.benchmarks.impact.state_events import states_to_events
from proceval.errors import ReleaseFormatError

# ---------------------------------------------------------------------------------------------
# tiny hand-made files


def _afs_doc(**overrides) -> dict:
    doc = {
        "video_id": "20990101_0000_color_front_clipped",
        "view": "front",
        "meta_data": {"fps": 30.0, "num_frames": 100, "view_start": 0, "view_end": 99},
        "anomaly_types": [{"id": i, "name": f"type{i}"} for i in range(6)],
        "verbs": [{"id": 0, "name": "pick"}, {"id": 1, "name": "put"}],
        "nouns": [{"id": 0, "name": "bolt"}],
        "action_labels": [
            {"id": 0, "name": "null"},
            {"id": 1, "name": "pick_bolt"},
            {"id": 2, "name": "put_bolt"},
        ],
        "segments": [
            _seg("left", 0, 39, 0, -1, -1),
            _seg("left", 40, 99, 1, 0, 0),
            _seg("right", 0, 99, 2, 1, 0, phase="anomaly", anomaly=[0, 1, 0, 0, 0, 0]),
        ],
    }
    doc.update(overrides)
    return doc


def _seg(hand, start, end, action, verb, noun, phase="normal", anomaly=None) -> dict:
    return {
        "entity": hand,
        "start_frame": start,
        "end_frame": end,
        "action_label": action,
        "verb": verb,
        "noun": noun,
        "phase": phase,
        "anomaly_type": anomaly or [0] * 6,
    }


def _write_json(path: Path, obj) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1))
    return path


def test_afs_reads_hand_made_file(tmp_path: Path) -> None:
    f = afs.read_afs_file(_write_json(tmp_path / "20990101_0000_color_front_clipped.json", _afs_doc()))
    assert (
        f.video_id == "20990101_0000_color_front_clipped"
        and f.view == "front"
        and f.trial_id == "20990101_0000"
    )
    assert [(s.hand, s.start_frame, s.end_frame, s.action, s.verb, s.noun) for s in f.segments] == [
        ("left", 0, 39, 0, -1, -1),
        ("left", 40, 99, 1, 0, 0),
        ("right", 0, 99, 2, 1, 0),
    ]
    assert f.segments[2].anomaly == (0, 1, 0, 0, 0, 0) and f.segments[2].phase == "anomaly"
    assert f.vocab.actions == ("null", "pick_bolt", "put_bolt")


def test_afs_ego_name_and_view_field(tmp_path: Path) -> None:
    doc = _afs_doc(video_id="20990101_0000_color_ego_sync", view="Top")
    f = afs.read_afs_file(_write_json(tmp_path / "20990101_0000_color_ego_sync.json", doc))
    assert (
        f.video_id == "20990101_0000_color_ego_sync_clipped"
        and f.raw_video_id == "20990101_0000_color_ego_sync"
    )
    assert f.view == "ego" and f.view_field_mismatch


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d["segments"][1].update(action_label=3), r"segments\[1\]: unknown action_label 3"),
        (lambda d: d["segments"][1].update(verb=2), r"segments\[1\]: unknown verb 2"),
        (lambda d: d["segments"][0].update(phase="broken"), r"segments\[0\]: expected `phase`"),
        (lambda d: d["segments"][2].update(end_frame=100), r"segments\[2\]: expected 0 <= start_frame"),
        (
            lambda d: d["segments"][1].update(anomaly_type=[0, 0, 2, 0, 0, 0]),
            r"segments\[1\]: expected `anomaly_type`",
        ),
        (lambda d: d["segments"][0].pop("entity"), r"segments\[0\]: missing keys \['entity'\]"),
        (lambda d: d["verbs"].__setitem__(1, {"id": 5, "name": "put"}), r"`verbs\[1\]`"),
        (lambda d: d.update(video_id="20990101_0001_color_front_clipped"), "does not match the file name"),
    ],
)
def test_afs_errors_name_file_and_segment(tmp_path: Path, change, match: str) -> None:
    doc = _afs_doc()
    change(doc)
    path = _write_json(tmp_path / "20990101_0000_color_front_clipped.json", doc)
    with pytest.raises(ReleaseFormatError, match=match) as info:
        afs.read_afs_file(path)
    assert info.value.path == str(path)


def test_afs_invalid_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "20990101_0000_color_front_clipped.json"
    path.write_text('{\n "video_id": "x",\n "view": ,\n}')
    with pytest.raises(ReleaseFormatError, match=r"clipped\.json:3: invalid JSON"):
        afs.read_afs_file(path)


def test_afs_real_files_parse(impact_dataset_dir: Path) -> None:
    index = afs.index_afs_files(impact_dataset_dir / "AF-S" / "Annotation")
    assert len(index) == 560
    raw_total = 0
    parsed_total = 0
    mismatched = []
    for vid, path in index.items():
        raw_total += len(json.loads(path.read_text())["segments"])
        f = afs.read_afs_file(path)
        parsed_total += len(f.segments)
        assert f.video_id == vid
        if f.view_field_mismatch:
            mismatched.append((f.view, f.view_field))
    assert parsed_total == raw_total
    # the 4 ego files that say "Top" (capitalised "Ego" is not a mismatch)
    assert mismatched == [("ego", "Top")] * 4


# ---------------------------------------------------------------------------------------------
# ASR


def _asr_doc(**overrides) -> dict:
    doc = {
        "video_id": "20990101_0000_color",
        "fps": 30.0,
        "frame_count": 10,
        "workflow": "assemble",
        "initial_state_vector": [0] * 17,
        "components": [{"id": i, "name": f"c{i}"} for i in range(17)],
        "state_sequence": [
            {"frame": 0, "state": [0] * 17},
            {"frame": 4, "state": [-1] + [0] * 16},
            {"frame": 7, "state": [1] + [0] * 16},
        ],
    }
    doc.update(overrides)
    return doc


def test_asr_dense_states(tmp_path: Path) -> None:
    ann = asr.read_asr_file(_write_json(tmp_path / "20990101_0000_color_front_clipped_asr.json", _asr_doc()))
    assert ann.video_id == "20990101_0000_color_front_clipped"
    dense = ann.dense()
    assert dense.shape == (17, 10) and dense.dtype == np.int8
    assert dense[0].tolist() == [0, 0, 0, 0, -1, -1, -1, 1, 1, 1]
    assert not dense[1:].any()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d["state_sequence"][1].update(state=[2] + [0] * 16), r"`state_sequence\[1\]`.state"),
        (
            lambda d: d["state_sequence"][2].update(frame=4),
            r"`state_sequence\[2\]`.frame: expected a frame in \(4, 10\)",
        ),
        (lambda d: d["state_sequence"][2].update(frame=10), r"`state_sequence\[2\]`.frame"),
        (lambda d: d["state_sequence"][0].update(frame=1), r"`state_sequence\[0\]`.frame: expected 0"),
        (lambda d: d.update(workflow="repair"), "`workflow`"),
        (
            lambda d: d["state_sequence"][1].update(state=[0] * 16),
            r"`state_sequence\[1\]`.state: expected 17",
        ),
        (lambda d: d.pop("frame_count"), "missing key `frame_count`"),
    ],
)
def test_asr_errors(tmp_path: Path, change, match: str) -> None:
    doc = _asr_doc()
    change(doc)
    path = _write_json(tmp_path / "20990101_0000_color_front_clipped_asr.json", doc)
    with pytest.raises(ReleaseFormatError, match=match) as info:
        asr.read_asr_file(path)
    assert info.value.path == str(path)


# ---------------------------------------------------------------------------------------------
# PSR CSVs


def _steps() -> list[psr.ProcedureStep]:
    return [
        psr.ProcedureStep(0, "Install a", True, 0, {}),
        psr.ProcedureStep(1, "Incorrectly installed a", True, 0, {}),
        psr.ProcedureStep(2, "Remove a", False, 0, {}),
    ]


def test_psr_events_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "PSR_labels.csv"
    good.write_bytes(b"10.jpg,0,Install a\r\n25.jpg,2,Remove a\r\n")
    assert psr.read_psr_events(good, _steps()) == [
        psr.PsrEvent(10, 0, "Install a"),
        psr.PsrEvent(25, 2, "Remove a"),
    ]
    cases = [
        (b"10.jpg,0,Install a\n11,2,Remove a\n", r"PSR_labels.csv:2: expected '<frame>.jpg'"),
        (b"10.jpg,7,Install a\n", r"PSR_labels.csv:1: unknown step id 7"),
        (b"10.jpg,0,Install b\n", r"PSR_labels.csv:1: description 'Install b' differs"),
        (b"10.jpg,0,Install a\n5.jpg,2,Remove a\n", r"PSR_labels.csv:2: frame 5 is before"),
        (b"10.jpg;0;Install a\n", r"PSR_labels.csv:1: expected"),
    ]
    for content, match in cases:
        good.write_bytes(content)
        with pytest.raises(ReleaseFormatError, match=match):
            psr.read_psr_events(good, _steps())


def test_psr_raw_states_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "PSR_labels_raw.csv"
    path.write_text("0.jpg," + ",".join(["1"] * 17) + "\n9.jpg,-1," + ",".join(["1"] * 16) + "\n")
    frames, states = psr.read_psr_raw_states(path)
    assert frames.tolist() == [0, 9] and states.shape == (2, 17) and states[1, 0] == -1
    path.write_text("0.jpg," + ",".join(["1"] * 16) + "\n")
    with pytest.raises(
        ReleaseFormatError, match=r"PSR_labels_raw.csv:1: expected '<frame>.jpg' and 17 states"
    ):
        psr.read_psr_raw_states(path)
    path.write_text("0.jpg," + ",".join(["1"] * 17) + "\n3.jpg,5," + ",".join(["1"] * 16) + "\n")
    with pytest.raises(ReleaseFormatError, match=r"PSR_labels_raw.csv:2: expected states in"):
        psr.read_psr_raw_states(path)


def test_procedure_info_real(impact_dataset_dir: Path) -> None:
    steps = psr.read_procedure_info(
        impact_dataset_dir / "PSR/labels_front_only_v1/procedure_info_IMPACT.json"
    )
    names = psr.read_component_names(impact_dataset_dir / "PSR/labels_front_only_v1/component_names.json")
    assert len(steps) == 51 and len(names) == 17
    for k, name in enumerate(names):
        assert steps[3 * k].description == f"Install {name}" and steps[3 * k].state_idx == k
        assert steps[3 * k + 2].description == f"Remove {name}" and not steps[3 * k + 2].install


# ---------------------------------------------------------------------------------------------
# procedure graph, alias maps, graph events


def test_procedure_graph_real(impact_release: Path) -> None:
    g_psr = procedure_graph.load_procedure_graph(impact_release, "psr")
    g_asr = procedure_graph.load_procedure_graph(impact_release / "dataset", "asr")
    raw = json.loads(
        (impact_release / "task_configs/PSR/gemini_3_1_pro/configs/procedure_graph.json").read_text()
    )
    assert list(g_psr.nodes) == raw["nodes"] and len(g_psr.edges) == len(raw["edges"])
    assert {(q, n) for n, pre in g_psr.prereq.items() for q in pre} == set(g_psr.edges)
    assert g_psr.nodes == g_asr.nodes and set(g_psr.edges) != set(g_asr.edges)  # the two copies differ
    alias = procedure_graph.load_component_alias(impact_release, "ms_tcn2")
    assert alias["M6_nut"] == "nut_M6"
    with pytest.raises(ValueError, match="`which`"):
        procedure_graph.load_procedure_graph(impact_release, "tas")  # type: ignore[arg-type]


def test_procedure_graph_errors(tmp_path: Path) -> None:
    path = _write_json(tmp_path / "g.json", {"nodes": ["a", "b"], "edges": [["a", "c"]], "prereq": {}})
    with pytest.raises(ReleaseFormatError, match=r"g.json: `edges\[0\]`"):
        procedure_graph.read_procedure_graph(path)
    path = _write_json(tmp_path / "g.json", {"nodes": ["a", "b"], "edges": [["a", "b"]], "prereq": {"b": []}})
    with pytest.raises(ReleaseFormatError, match="different relations"):
        procedure_graph.read_procedure_graph(path)
    with pytest.raises(ReleaseFormatError, match="task_configs folder not found"):
        procedure_graph.load_procedure_graph(tmp_path)


def test_state_graph_events_match_dense_reference(impact_dataset_dir: Path) -> None:
    """Sparse-state events equal the dense-array events of the score module on every real ASR file."""
    alias = procedure_graph.load_component_alias(impact_dataset_dir, "ms_tcn2")
    n_events = 0
    for path in sorted((impact_dataset_dir / "ASR" / "annotations").glob("*_asr.json")):
        ann = asr.read_asr_file(path)
        ours = procedure_graph.state_graph_events(ann.state_frames, ann.states, ann.component_names, alias)
        ref = states_to_events(ann.dense(), ann.component_names, alias=alias)
        assert ours == [(e["frame"], e["label"]) for e in ref], path.name
        n_events += len(ours)
    assert n_events > 0


# ---------------------------------------------------------------------------------------------
# ATR manifests


def _atr_line(**overrides) -> str:
    rec = {
        "sample_id": "s1",
        "video_id": "20990101_0000_color_ego_sync_clipped",
        "view": "Top",
        "entity": "left",
        "start_frame": 5,
        "end_frame": 9,
        "num_frames": 5,
        "labels": [0, 1, 0, 0, 0, 1],
        "label_indices": [1, 5],
        "source_segment_count": 1,
        "source_action_labels": [3],
        "source_verbs": [1],
        "source_nouns": [2],
    }
    rec.update(overrides)
    return json.dumps(rec)


def test_atr_manifest_reads(tmp_path: Path) -> None:
    path = tmp_path / "test.split1.jsonl"
    path.write_text(_atr_line() + "\n" + _atr_line(sample_id="s2", labels=[0] * 6, label_indices=[]) + "\n")
    recs = atr.read_atr_manifest(path, "left")
    assert [r.sample_id for r in recs] == ["s1", "s2"]
    assert (
        recs[0].view == "ego" and recs[0].view_field == "Top" and recs[0].has_label and not recs[1].has_label
    )
    assert recs[0].labels == (0, 1, 0, 0, 0, 1) and recs[1].line == 2


@pytest.mark.parametrize(
    ("line2", "match"),
    [
        ("{not json", r"test.split1.jsonl:2: invalid JSON line"),
        (_atr_line(sample_id="s1"), r"test.split1.jsonl:2: sample_id 's1' repeats \(first on line 1\)"),
        (_atr_line(sample_id="s2", labels=[0, 1, 0, 0, 0]), r"test.split1.jsonl:2: `labels`: expected 6"),
        (
            _atr_line(sample_id="s2", label_indices=[1]),
            r"test.split1.jsonl:2: `label_indices` \[1\] disagree",
        ),
        (_atr_line(sample_id="s2", num_frames=4), r"test.split1.jsonl:2: `num_frames` 4 differs"),
        (_atr_line(sample_id="s2", entity="right"), r"test.split1.jsonl:2: expected `entity` 'left'"),
        (_atr_line(sample_id="s2", end_frame=2), r"test.split1.jsonl:2: expected 0 <= start_frame"),
        (_atr_line(sample_id="s2", video_id="clip7"), r"test.split1.jsonl:2: Expected an IMPACT video id"),
    ],
)
def test_atr_manifest_errors(tmp_path: Path, line2: str, match: str) -> None:
    path = tmp_path / "test.split1.jsonl"
    path.write_text(_atr_line() + "\n" + line2 + "\n")
    with pytest.raises(ReleaseFormatError, match=match):
        atr.read_atr_manifest(path, "left")


# ---------------------------------------------------------------------------------------------
# the embedded sample release (``proceval sample``) goes through the same code


@pytest.fixture(scope="module")
def sample_dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from proceval.sample import write_sample

    out = tmp_path_factory.mktemp("h2_sample") / "out"
    write_sample(out, seed=0, videos=False)
    return out / "impact" / "impact-release" / "dataset"


def _nonblank(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def test_sample_release_reads_with_expected_counts(sample_dataset_dir: Path) -> None:
    import warnings

    from proceval.benchmarks.impact.metadata import ImpactQuirkWarning
    from proceval.datasets.spec import get_config

    ds = sample_dataset_dir
    parts = {"train": "train", "validation": "val", "test": "test"}
    afs_index = afs.index_afs_files(ds / "AF-S" / "Annotation")
    for split, part in parts.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImpactQuirkWarning)
            got = {
                name: list(get_config("impact", name).generate(ds, split))
                for name in ("af_s_s1", "af_l_s1", "asr_s1", "psr_s1", "atr_l_s1", "atr_r_s3")
            }
        afs_bundle = _nonblank(ds / "AF-S/Annotation/splits" / f"{part}.split1.bundle")
        assert len(got["af_s_s1"]) == sum(
            len(json.loads(afs_index[v].read_text())["segments"]) for v in afs_bundle
        )
        asr_bundle = _nonblank(ds / "ASR/splits_front_only_v1" / f"{part}.split1.bundle")
        assert [k for k, _ in got["asr_s1"]] == [k for k, _ in got["psr_s1"]] == asr_bundle
        assert len(got["atr_l_s1"]) == len(_nonblank(ds / "ATR/atr_segments_L" / f"{part}.split1.jsonl"))
        assert len(got["atr_r_s3"]) == len(_nonblank(ds / "ATR/atr_segments_R" / f"{part}.split3.jsonl"))
        assert got["af_l_s1"] and not any(ex["is_ego"] for _, ex in got["af_l_s1"])
