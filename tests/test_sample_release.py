"""The embedded sample release (``proceval sample``): determinism, official layout, internal consistency."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from proceval.cli import main
from proceval.errors import InputValidationError
from proceval.sample import write_sample

EXO = ("front", "left", "right", "top")
VIEWS = ("ego", *EXO)


# ---- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_labels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A label-only sample (seed 0)."""
    out = tmp_path_factory.mktemp("sample_labels") / "out"
    write_sample(out, seed=0, videos=False)
    return out


@pytest.fixture(scope="module")
def sample_full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full sample with videos (seed 0)."""
    out = tmp_path_factory.mktemp("sample_full") / "out"
    write_sample(out, seed=0, videos=True)
    return out


def _ds(root: Path) -> Path:
    return root / "impact" / "impact-release" / "dataset"


def _hashes(root: Path, *, videos: bool = False) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and (videos or p.suffix != ".mp4")
    }


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _trials(root: Path) -> list[str]:
    return sorted({p.name[:13] for p in (_ds(root) / "TAS/groundTruth_CAS").iterdir()})


def _vid(trial: str, view: str) -> str:
    return f"{trial}_color_ego_sync_clipped" if view == "ego" else f"{trial}_color_{view}_clipped"


def _bundle(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---- determinism ---------------------------------------------------------------------------------


def test_same_seed_gives_identical_label_files(sample_labels: Path, tmp_path: Path) -> None:
    write_sample(tmp_path / "again", seed=0, videos=False)
    first, second = _hashes(sample_labels), _hashes(tmp_path / "again")
    assert len(first) > 300
    assert first == second


def test_other_seed_changes_labels(sample_labels: Path, tmp_path: Path) -> None:
    write_sample(tmp_path / "other", seed=1, videos=False)
    other = _hashes(tmp_path / "other")
    first = _hashes(sample_labels)
    assert len(other) == len(first)  # same number of files (the PSR split folders depend on the seed)
    mapping = "impact/impact-release/dataset/TAS/mapping_CAS.txt"
    assert other[mapping] == first[mapping]  # vocabularies do not depend on the seed
    changed = [k for k in first if k in other and other[k] != first[k]]
    assert len(changed) > len(first) // 2


def test_video_encoding_is_deterministic(tmp_path: Path) -> None:
    from proceval.benchmarks.impact.sample import impact_video_jobs
    from proceval.benchmarks.impact.sample.plan import plan_trials
    from proceval.sample import render_videos

    jobs = impact_video_jobs(plan_trials(6, 0))[:2]  # one ego and one exo video
    for name in ("a", "b"):
        render_videos(tmp_path / name, jobs, seed=0)
    assert _hashes(tmp_path / "a", videos=True) == _hashes(tmp_path / "b", videos=True)


# ---- layout against the real release -------------------------------------------------------------


def _shape(root: Path) -> dict[str, set[str]]:
    """Folder -> file names with trial ids and subject numbers abstracted away."""
    out: dict[str, set[str]] = {}
    for p in root.rglob("*"):
        rel = re.sub(
            r"subject\d+", "subjectNN", re.sub(r"\d{8}_\d{4}", "TRIAL", p.relative_to(root).as_posix())
        )
        if p.is_dir():
            out.setdefault(rel, set())
        else:
            parent, _, name = rel.rpartition("/")
            out.setdefault(parent, set()).add(name)
    return out


def _encoding(root: Path, max_per_pattern: int | None = None) -> dict[str, set[tuple[str, bool]]]:
    """File pattern -> set of (line endings, starts with BOM), from at most ``max_per_pattern`` files each.

    ASR annotation files are always read in full: the release mixes CRLF and LF there.
    """
    out: dict[str, set[tuple[str, bool]]] = {}
    seen: dict[str, int] = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        rel = re.sub(
            r"subject\d+", "subjectNN", re.sub(r"\d{8}_\d{4}", "TRIAL", p.relative_to(root).as_posix())
        )
        seen[rel] = seen.get(rel, 0) + 1
        if max_per_pattern and seen[rel] > max_per_pattern and "ASR/annotations" not in rel:
            continue
        b = p.read_bytes()
        n_lf, n_crlf = b.count(b"\n"), b.count(b"\r\n")
        eol = "CRLF" if n_crlf and n_crlf == n_lf else ("LF" if n_crlf == 0 else "mixed")
        out.setdefault(rel, set()).add((eol, b.startswith(b"\xef\xbb\xbf")))
    return out


def test_layout_matches_real_release(impact_release: Path, sample_labels: Path) -> None:
    real = _shape(impact_release)
    sample = _shape(sample_labels / "impact" / "impact-release")
    assert set(real) == set(sample)
    for folder, names in real.items():
        assert sample[folder] == names, folder


def test_line_endings_match_real_release(impact_release: Path, sample_labels: Path) -> None:
    real = _encoding(impact_release, max_per_pattern=30)
    sample = _encoding(sample_labels / "impact" / "impact-release")
    for pattern, kinds in real.items():
        # where the release mixes encodings within one pattern (ASR JSON: CRLF and LF), the sample
        # must use only encodings the release uses; otherwise exactly the same one
        assert sample[pattern] <= kinds, pattern


def test_crlf_bundles_and_lf_ground_truth(sample_labels: Path) -> None:
    ds = _ds(sample_labels)
    assert b"\r\n" in (ds / "TAS/splits_CAS/test.split1.bundle").read_bytes()
    assert b"\r\n" in (ds / "AF-S/Annotation/splits/train.split1.bundle").read_bytes()
    assert b"\r" not in (ds / "ASR/splits_front_only_v1/test.split1.bundle").read_bytes()
    gt = next((ds / "TAS/groundTruth_CAS").iterdir()).read_bytes()
    assert b"\r" not in gt and gt.endswith(b"\n")
    assert (ds / "TAS/splits_FAS_L/label_occurrence_counts_wide.csv").read_bytes().startswith(b"\xef\xbb\xbf")


# ---- internal consistency ------------------------------------------------------------------------


def test_exo_views_share_every_frame_label(sample_labels: Path) -> None:
    ds = _ds(sample_labels)
    for trial in _trials(sample_labels):
        for folder in (
            "TAS/groundTruth_CAS",
            "TAS/groundTruth_FAS_L",
            "TAS/groundTruth_FAS_R",
            "PPR/groundTruth_PPR_R",
        ):
            front = _lines(ds / folder / f"{_vid(trial, 'front')}.txt")
            for view in EXO[1:]:
                assert _lines(ds / folder / f"{_vid(trial, view)}.txt") == front, (folder, trial, view)


def test_ego_follows_the_same_step_order(sample_labels: Path) -> None:
    ds = _ds(sample_labels)

    def runs(trial: str, view: str) -> list[str]:
        labels = _lines(ds / "TAS/groundTruth_CAS" / f"{_vid(trial, view)}.txt")
        return [lab for k, lab in enumerate(labels) if k == 0 or labels[k - 1] != lab]

    for trial in _trials(sample_labels):
        assert runs(trial, "ego") == runs(trial, "front")


def test_length_quirk_is_the_only_length_mismatch(sample_labels: Path) -> None:
    ds = _ds(sample_labels)
    mismatches = {}
    for trial in _trials(sample_labels):
        for view in VIEWS:
            vid = _vid(trial, view)
            n_cas = len(_lines(ds / "TAS/groundTruth_CAS" / f"{vid}.txt"))
            others = {
                len(_lines(ds / folder / f"{vid}.txt"))
                for folder in (
                    "TAS/groundTruth_FAS_L",
                    "TAS/groundTruth_FAS_R",
                    "PPR/groundTruth_PPR_L",
                    "PPR/groundTruth_PPR_R",
                )
            }
            assert len(others) == 1
            if n_cas != others.pop():
                mismatches[vid] = n_cas - len(_lines(ds / "TAS/groundTruth_FAS_L" / f"{vid}.txt"))
    assert len(mismatches) == 1
    ((vid, diff),) = mismatches.items()
    assert vid.endswith("_ego_sync_clipped") and diff == 4


def _expand_afs(doc: dict, hand: str, n: int) -> tuple[list[str], list[str]]:
    actions, phases = [None] * n, [None] * n
    names = [a["name"] for a in doc["action_labels"]]
    for seg in doc["segments"]:
        if seg["entity"] != hand:
            continue
        for f in range(seg["start_frame"], seg["end_frame"] + 1):
            actions[f] = names[seg["action_label"]].upper()
            phases[f] = seg["phase"].upper()
    return actions, phases


def test_afs_cv_and_frame_labels_agree(sample_labels: Path) -> None:
    ds = _ds(sample_labels)
    folders = {"front": "Front", "left": "Left", "right": "Right", "top": "Top"}
    for trial in _trials(sample_labels):
        for view in VIEWS:
            vid = _vid(trial, view)
            if view == "ego":
                afs_path = ds / "AF-S/Annotation/ego_valid" / f"{trial}_color_ego_sync.json"
            else:
                afs_path = ds / "AF-S/Annotation" / folders[view] / f"{vid}.json"
            doc = json.loads(afs_path.read_text(encoding="utf-8"))
            assert doc["video_id"] == (f"{trial}_color_ego_sync" if view == "ego" else vid)
            for hand, s in (("left", "L"), ("right", "R")):
                fas = _lines(ds / f"TAS/groundTruth_FAS_{s}" / f"{vid}.txt")
                ppr = _lines(ds / f"PPR/groundTruth_PPR_{s}" / f"{vid}.txt")
                assert doc["meta_data"]["num_frames"] == len(fas)
                assert _expand_afs(doc, hand, len(fas)) == (fas, ppr)
            # CV segments (inclusive ends, lower-case, 'null') reproduce the CAS frame labels
            cv_path = (
                ds / "CV/annotations_CAS/ego" / f"{trial}_color_ego.json"
                if view == "ego"
                else next((ds / "CV/annotations_CAS" / view).glob(f"subject*/{vid}.json"))
            )
            cv = json.loads(cv_path.read_text(encoding="utf-8"))
            assert cv["video_id"] == vid
            cas = _lines(ds / "TAS/groundTruth_CAS" / f"{vid}.txt")
            assert cv["view_end"] - cv["view_start"] + 1 == len(cas)
            rebuilt = [None] * len(cas)
            for seg in cv["segments"]:
                for f in range(seg["f_start"], seg["f_end"] + 1):
                    rebuilt[f] = seg["label"].upper()
            assert rebuilt == cas


def test_atr_records_are_the_anomalous_afs_runs(sample_labels: Path) -> None:
    ds = _ds(sample_labels)
    records = [json.loads(line) for line in _lines(ds / "ATR/atr_segments_L/test.split4.jsonl")]
    assert records and all(r["video_id"].endswith("_ego_sync_clipped") for r in records)  # S4 test = ego
    for r in records:
        trial = r["video_id"][:13]
        doc = json.loads(
            (ds / "AF-S/Annotation/ego_valid" / f"{trial}_color_ego_sync.json").read_text("utf-8")
        )
        _, phases = _expand_afs(doc, "left", doc["meta_data"]["num_frames"])
        assert set(phases[r["start_frame"] : r["end_frame"] + 1]) == {"ANOMALY"}
        assert r["num_frames"] == r["end_frame"] - r["start_frame"] + 1
        assert r["label_indices"] == [k for k, v in enumerate(r["labels"]) if v]


def _plain_psr(states: list[list[int]], frames: list[int], *, with_errors: bool) -> list[tuple[int, int]]:
    out = []
    for prev, cur, frame in zip(states, states[1:], frames[1:], strict=False):
        for k in range(len(cur)):
            a, b = prev[k], cur[k]
            if with_errors:
                if a != b and b == -1:
                    out.append((frame, 3 * k + 1))
                elif a != b and b == 1:
                    out.append((frame, 3 * k))
                elif a == 1 and b == 0:
                    out.append((frame, 3 * k + 2))
            else:
                a, b = (0 if a == -1 else a), (0 if b == -1 else b)
                if (a, b) == (0, 1):
                    out.append((frame, 3 * k))
                elif (a, b) == (1, 0):
                    out.append((frame, 3 * k + 2))
    return out


def test_psr_csvs_are_derived_from_asr_states(sample_labels: Path) -> None:
    ds = _ds(sample_labels)
    n_videos = 0
    for d in sorted((ds / "PSR/labels_front_only_v1").glob("*/*_color_front_clipped")):
        asr = json.loads((ds / "ASR/annotations" / f"{d.name}_asr.json").read_text(encoding="utf-8"))
        frames = [s["frame"] for s in asr["state_sequence"]]
        states = [s["state"] for s in asr["state_sequence"]]
        raw = [line.split(",") for line in _lines(d / "PSR_labels_raw.csv")]
        assert [int(r[0].removesuffix(".jpg")) for r in raw] == frames
        assert [[int(v) for v in r[1:]] for r in raw] == states
        for name, with_errors in (("PSR_labels.csv", False), ("PSR_labels_with_errors.csv", True)):
            got = [
                (int(r.split(",")[0].removesuffix(".jpg")), int(r.split(",")[1])) for r in _lines(d / name)
            ]
            assert got == _plain_psr(states, frames, with_errors=with_errors), (d.name, name)
        n_videos += 1
    assert n_videos == 6


def test_asr_transitions_pass_through_the_in_between_state(sample_labels: Path) -> None:
    ds = _ds(sample_labels)
    for path in (ds / "ASR/annotations").glob("*_asr.json"):
        asr = json.loads(path.read_text(encoding="utf-8"))
        assert asr["video_id"].endswith("_color") and len(asr["components"]) == 17
        states = np.array([s["state"] for s in asr["state_sequence"]])
        start, end = (1, 0) if asr["workflow"] == "disassemble" else (0, 1)
        assert (states[0] == start).all() and (states[-1] == end).all()
        for k in range(17):
            seq = [int(v) for i, v in enumerate(states[:, k]) if i == 0 or v != states[i - 1, k]]
            assert seq in ([start, -1, end], [start, end])  # direct transitions are the rare exception
        assert asr["frame_count"] == len(
            _lines(ds / "TAS/groundTruth_CAS" / f"{path.name[:13]}_color_front_clipped.txt")
        )


def test_split_protocol_semantics(sample_labels: Path) -> None:
    ds = _ds(sample_labels)
    subject = {
        p.stem: p.parent.name
        for view in EXO
        for p in (ds / "CV/annotations_CAS" / view).glob("subject*/*.json")
    }

    def parts(folder: str, proto: int) -> dict[str, list[str]]:
        return {
            part: _bundle(ds / folder / f"{part}.split{proto}.bundle") for part in ("train", "val", "test")
        }

    for folder in ("TAS/splits_CAS", "TAS/splits_FAS_L"):
        for proto in (1, 2, 3, 4):
            p = parts(folder, proto)
            assert all(p.values()), (folder, proto)
            assert not (set(p["train"]) & set(p["test"])) and not (set(p["val"]) & set(p["test"]))
    cas2, fas2 = parts("TAS/splits_CAS", 2), parts("TAS/splits_FAS_L", 2)
    cas_subjects = {subject[v] for v in cas2["test"]}
    fas_subjects = {subject[_vid(v[:13], "front")] for v in fas2["test"]}
    assert len(cas_subjects) == 1 and len(fas_subjects) == 1 and cas_subjects != fas_subjects
    assert all("_ego_" not in v for v in cas2["test"])
    assert all(_vid(v[:13], "ego") in cas2["train"] for v in cas2["test"])  # the release's ego leak
    s3 = parts("TAS/splits_CAS", 3)
    assert not ({v[:13] for v in s3["test"]} & {v[:13] for v in s3["train"] + s3["val"]})
    s4 = parts("TAS/splits_FAS_R", 4)
    assert sorted(s4["test"]) == sorted(_vid(t, "ego") for t in _trials(sample_labels))
    assert all("_ego_" not in v for v in s4["train"] + s4["val"])
    assert parts("TAS/splits_CAS", 1)["test"] == parts("TAS/splits_FAS_L", 1)["test"]
    for proto in (1, 2, 3, 4):
        assert parts("PPR/splits_PPR_L", proto) == parts("TAS/splits_FAS_L", proto)
        assert parts("ATR/splits_FAS_R", proto) == parts("TAS/splits_FAS_R", proto)
        assert parts("CV/splits_CAS", proto) == parts("TAS/splits_CAS", proto)


def test_release_quirks_are_present(sample_labels: Path) -> None:
    ds = _ds(sample_labels)
    ego_views = [
        json.loads(p.read_text("utf-8"))["view"] for p in (ds / "AF-S/Annotation/ego_valid").glob("*.json")
    ]
    assert ego_views.count("Top") == 1 and ego_views.count("Ego") == len(ego_views) - 1
    records = [json.loads(line) for p in (ds / "ATR").glob("atr_segments_*/*.jsonl") for line in _lines(p)]
    assert any(sum(r["labels"]) == 0 for r in records)
    assert any(
        r["view"] in ("Front", "Left", "Right", "Top") and "_ego_" not in r["video_id"] for r in records
    )
    assert any(r["source_segment_count"] == 2 for r in records)
    anomaly_types = {k for r in records for k, v in enumerate(r["labels"]) if v}
    assert anomaly_types == set(range(6))


def test_procedure_graph_agrees_with_asr_order(sample_labels: Path) -> None:
    """Every prerequisite edge of the PSR graph copy holds in every trial where both events occur."""
    configs = sample_labels / "impact/impact-release/task_configs/PSR/gemini_3_1_pro/configs"
    graph = json.loads((configs / "procedure_graph.json").read_text("utf-8"))
    alias = json.loads((configs / "component_alias.json").read_text("utf-8"))
    assert set(graph) == {"meta", "nodes", "edges", "prereq"} and len(graph["nodes"]) == 51
    assert graph["edges"] and all(a in graph["prereq"][b] for a, b in graph["edges"])
    kinds = {(0, 1): "install_ok", (-1, 1): "recover_ok", (1, 0): "remove_ok"}
    n_checked = 0
    for path in sorted((_ds(sample_labels) / "ASR/annotations").glob("*.json")):
        asr = json.loads(path.read_text("utf-8"))
        names = [c["name"] for c in asr["components"]]
        first: dict[str, int] = {}
        seq = asr["state_sequence"]
        for prev, cur in itertools.pairwise(seq):
            for k, (a, b) in enumerate(zip(prev["state"], cur["state"], strict=True)):
                if (a, b) in kinds:
                    node = f"{alias.get(names[k], names[k])}__{kinds[(a, b)]}"
                    assert node in graph["nodes"]
                    first.setdefault(node, cur["frame"])
        for b, prereqs in graph["prereq"].items():
            for a in prereqs:
                if a in first and b in first:
                    assert first[a] < first[b], (path.name, a, b)
                    n_checked += 1
    assert n_checked >= len(graph["edges"])


# ---- the project's readers accept the sample -----------------------------------------------------


def test_impact_readers_accept_the_sample(sample_labels: Path) -> None:
    from proceval.benchmarks.impact.formats import (
        afs,
        asr,
        atr,
        bundles,
        cv,
        frame_labels,
        labelmaps,
        procedure_graph,
        psr,
    )

    ds = _ds(sample_labels)
    cas = labelmaps.read_label_map(ds / "TAS/mapping_CAS.txt")
    fas = labelmaps.read_label_map(ds / "TAS/mapping_FAS.txt")
    ppr = labelmaps.read_label_map(ds / "PPR/mapping_PPR.txt")
    assert cas[0] == fas[0] == "NULL" and ppr == ["NORMAL", "ANOMALY", "RECOVERY"]
    assert len(labelmaps.read_label_map(ds / "ATR/mapping_ATR.txt")) == 6
    for p in (ds / "TAS/groundTruth_CAS").iterdir():
        frame_labels.read_frame_label_ids(p, cas)
    for p in (ds / "PPR").glob("groundTruth_PPR_*/*.txt"):
        frame_labels.read_frame_label_ids(p, ppr)
    for p in list(ds.glob("*/splits*/*.bundle")) + list(ds.glob("AF-S/Annotation/splits/*.bundle")):
        assert bundles.read_bundle(p)
    files = cv.find_cv_files(ds)
    assert len(files) == 30
    names = ["null" if n == "NULL" else n.lower() for n in cas]
    for path, subj in files.values():
        cv.read_cv_annotation(path, names, subj)
    afs_files = afs.index_afs_files(ds / "AF-S/Annotation")
    assert len(afs_files) == 30
    for path in afs_files.values():
        afs.read_afs_file(path)
    for path in (ds / "ASR/annotations").glob("*.json"):
        asr.read_asr_file(path)
    for path in ds.glob("ATR/atr_segments_*/*.jsonl"):
        atr.read_atr_manifest(path, expected_hand="left" if "_L" in path.parent.name else "right")
    release = ds.parent
    assert procedure_graph.load_procedure_graph(release) and procedure_graph.load_procedure_graph(
        release, "asr"
    )
    assert procedure_graph.load_component_alias(release)
    steps = psr.read_procedure_info(ds / "PSR/labels_front_only_v1/procedure_info_IMPACT.json")
    assert (
        len(steps) == 51
        and len(psr.read_component_names(ds / "PSR/labels_front_only_v1/component_names.json")) == 17
    )
    for split in ("train", "validation", "test"):
        for d in psr.psr_video_dirs(ds / "PSR/labels_front_only_v1", split):
            psr.read_psr_events(d / "PSR_labels.csv", steps)
            psr.read_psr_events(d / "PSR_labels_with_errors.csv", steps)
            psr.read_psr_raw_states(d / "PSR_labels_raw.csv")


def test_every_impact_config_generates_examples(sample_labels: Path) -> None:
    from proceval.datasets.spec import list_configs

    specs = list_configs("impact")
    assert specs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample's quirks raise ImpactQuirkWarning on purpose
        for spec in specs:
            for split in ("train", "validation", "test"):
                assert any(True for _ in spec.generate(_ds(sample_labels), split)), (spec.name, split)


# ---- EgoProactive and ProcObject -----------------------------------------------------------------


def test_egoproactive_rows_follow_the_challenge_schema(sample_labels: Path) -> None:
    path = sample_labels / "egoproactive/egoproactive/wearable_ai_2026_egoproactive_val_4.jsonl"
    rows = [json.loads(line) for line in _lines(path)]
    assert len(rows) == 4
    keys = {
        "video_path",
        "duration_in_sec",
        "video_intervals",
        "query",
        "domain",
        "task",
        "answers",
        "dialog",
    }
    for row in rows:
        assert set(row) == keys
        n = len(row["video_intervals"])
        assert n == len(row["answers"]) == len(row["dialog"]) and n >= 3
        assert row["answers"][0].startswith("$interrupt$")
        assert all(a == "$silent$" or a.startswith("$interrupt$") for a in row["answers"])
        assert any(a == "$silent$" for a in row["answers"])
        assert all(0 <= s < e <= row["duration_in_sec"] for s, e in row["video_intervals"])
        assert all(e - s <= 8.0 for s, e in row["video_intervals"])  # 8 s chunks, shorter at the start
        assert row["dialog"][0] == [{"role": "user", "text": row["query"]}]
        for j in range(1, n):
            prev, ans = row["dialog"][j - 1], row["answers"][j - 1]
            expected = prev + (
                [{"role": "assistant", "text": ans[len("$interrupt$") :]}] if ans != "$silent$" else []
            )
            assert row["dialog"][j] == expected
    assert "config_name: egoproactive" in (sample_labels / "egoproactive/README.md").read_text("utf-8")


def test_pro2bench_instance_files_follow_our_schema(sample_labels: Path) -> None:
    from proceval.benchmarks.pro2bench.instances import RICH_FIELDS, read_instances
    from proceval.benchmarks.pro2bench.release import SOURCES

    jsonl = sample_labels / "egoproactive/egoproactive/wearable_ai_2026_egoproactive_val_4.jsonl"
    public = [json.loads(line) for line in _lines(jsonl)]
    for source in SOURCES:
        path = sample_labels / "egoproactive/pro2bench" / source / "instances.jsonl"
        raw = [json.loads(line) for line in _lines(path)]
        rows = read_instances(path, source)  # checks every row against the schema
        assert len(rows) == len(raw) > 0
        assert any(set(RICH_FIELDS) & set(r) for r in raw) and any(not set(RICH_FIELDS) & set(r) for r in raw)
        if source == "egoproactive":  # the same decision points as the challenge rows
            assert [(r.start_s, r.end_s) for r in rows] == [
                tuple(iv) for p in public for iv in p["video_intervals"]
            ]
            assert [r.answer for r in rows] == [a.strip() for p in public for a in p["answers"]]
            assert {r.deviation_type for r in rows if r.oop} == {"omission"}


def test_procobject_files_follow_the_released_schema(sample_labels: Path) -> None:
    from proceval.benchmarks.procobject.schema import QA_TYPES, REASONINGS, RECORD_FIELDS, SOURCES

    data = sample_labels / "procobject/data"
    training = json.loads((data / "training.json").read_text("utf-8"))
    testing = json.loads((data / "testing.json").read_text("utf-8"))
    assert isinstance(training, list) and list(testing) == ["Needle-in-a-Haystack", "Multi-hop Reasoning"]
    assert all(r["reasoning"] == key for key, rows in testing.items() for r in rows)
    test_rows = testing["Needle-in-a-Haystack"] + testing["Multi-hop Reasoning"]
    rows = training + test_rows
    assert len({r["id"] for r in rows}) == len(rows) and all(type(r["id"]) is int for r in rows)
    for r in rows:
        assert list(r) == list(RECORD_FIELDS)
        assert r["source"] in SOURCES and r["qa_type"] in QA_TYPES and r["reasoning"] in REASONINGS
        assert r["video_path"].split("/", 1)[0] == r["source"]
        assert 0 < r["clip_start"] < r["clip_end"]
        duration = r["clip_end"] - r["clip_start"]
        assert 1 <= len(r["evidence"]) <= 5
        assert all(0 <= s <= e <= duration for s, e in r["evidence"])  # clip-relative
    assert all(len(r["evidence"]) == 1 for r in testing["Needle-in-a-Haystack"])
    assert all(len(r["evidence"]) >= 2 for r in testing["Multi-hop Reasoning"])
    assert {len(r["evidence"]) for r in rows} == {1, 2, 3, 4, 5}
    for split_rows in (training, test_rows):  # every (QA type, reasoning) pair in both splits
        assert {(r["qa_type"], r["reasoning"]) for r in split_rows} == {
            (t, p) for t in QA_TYPES for p in REASONINGS
        }
        assert {r["source"] for r in split_rows} == set(SOURCES)
    # video-disjoint split, several clips (and QA pairs) per source video
    assert not {r["video_path"] for r in training} & {r["video_path"] for r in test_rows}
    assert len({(r["video_path"], r["clip_start"]) for r in rows}) > len({r["video_path"] for r in rows})


# ---- videos --------------------------------------------------------------------------------------


def test_every_video_has_its_label_files_frame_count(sample_full: Path) -> None:
    from torchcodec.decoders import VideoDecoder

    ds = _ds(sample_full)
    videos = sorted((sample_full / "impact/videos").glob("*.mp4"))
    assert len(videos) == 30
    exact = VideoDecoder(str(videos[0]), seek_mode="exact")  # decode one video completely
    assert sum(1 for _ in exact) == len(_lines(ds / "TAS/groundTruth_CAS" / f"{videos[0].stem}.txt"))
    for path in videos:
        dec = VideoDecoder(str(path), seek_mode="approximate")  # container header only: fast
        n = dec.metadata.num_frames
        assert n == len(_lines(ds / "TAS/groundTruth_CAS" / f"{path.stem}.txt")), path.name
        fps = 25 if "_ego_" in path.stem else 30
        assert round(dec.metadata.average_fps) == fps
        assert dec.metadata.codec in ("h264", "mpeg4")
    rows = [
        json.loads(line)
        for line in _lines(
            sample_full / "egoproactive/egoproactive/wearable_ai_2026_egoproactive_val_4.jsonl"
        )
    ]
    for row in rows:
        dec = VideoDecoder(
            str(sample_full / "egoproactive/egoproactive/val" / row["video_path"]), seek_mode="approximate"
        )
        assert dec.metadata.num_frames == round(row["duration_in_sec"] * 15)
        assert dec.metadata.codec == "hevc"  # H.265, as the challenge videos
    pro2bench = sorted((sample_full / "egoproactive/pro2bench").glob("*/videos/*.mp4"))
    assert len(pro2bench) == 14
    for path in pro2bench:
        assert VideoDecoder(str(path), seek_mode="approximate").metadata.codec in ("h264", "mpeg4")
    po = json.loads((sample_full / "procobject/data/training.json").read_text("utf-8"))
    longer = 0
    for r in po:
        dec = VideoDecoder(str(sample_full / "procobject/videos" / r["video_path"]), seek_mode="approximate")
        duration = dec.metadata.num_frames / dec.metadata.average_fps
        assert round(dec.metadata.average_fps) == 8
        assert 0 < r["clip_start"] and r["clip_end"] <= duration  # the clip lies inside the source video
        assert max(e for _, e in r["evidence"]) + r["clip_start"] <= r["clip_end"]
        longer += duration - (r["clip_end"] - r["clip_start"]) > 2
    assert longer == len(po)  # every source video is longer than its clips


def test_mean_colour_nearest_centroid_learns_coarse_steps(sample_full: Path) -> None:
    """A per-frame mean-colour baseline trained on one trial's front view labels another trial's."""
    from torchcodec.decoders import VideoDecoder

    ds = _ds(sample_full)
    trials = _trials(sample_full)

    def features(trial: str, view: str) -> tuple[np.ndarray, list[str]]:
        vid = _vid(trial, view)
        frames = VideoDecoder(str(sample_full / "impact/videos" / f"{vid}.mp4"))[::3]
        x = frames[:, :, 8:40, 8:-8].float().mean(dim=(2, 3)).numpy()  # top band: the coarse-step colour
        return x, _lines(ds / "TAS/groundTruth_CAS" / f"{vid}.txt")[::3]

    x_tr, y_tr = features(trials[0], "front")
    centroids = {lab: x_tr[[i for i, y in enumerate(y_tr) if y == lab]].mean(axis=0) for lab in set(y_tr)}
    names = sorted(centroids)
    c = np.stack([centroids[n] for n in names])
    x_te, y_te = features(trials[4], "left")  # same workflow (disassembly), another trial and view
    pred = [names[i] for i in np.argmin(((x_te[:, None, :] - c[None]) ** 2).sum(-1), axis=1)]
    acc = np.mean([p == y for p, y in zip(pred, y_te, strict=True)])
    assert acc > 0.9


def test_egoproactive_video_changes_at_interrupts(sample_full: Path) -> None:
    from torchcodec.decoders import VideoDecoder

    row = json.loads(
        _lines(sample_full / "egoproactive/egoproactive/wearable_ai_2026_egoproactive_val_4.jsonl")[0]
    )
    dec = VideoDecoder(str(sample_full / "egoproactive/egoproactive/val" / row["video_path"]))
    for (_start, end), ans in zip(row["video_intervals"][1:], row["answers"][1:], strict=True):
        if ans.startswith("$interrupt$"):
            # the step boundary lies 1 s before the chunk end: colours 1.5 s and 0.5 s before the end differ
            before = dec[round((end - 1.5) * 15)].float().mean(dim=(1, 2))
            after = dec[round((end - 0.5) * 15) - 1].float().mean(dim=(1, 2))
            assert (before - after).abs().max() > 20


# ---- CLI -----------------------------------------------------------------------------------------


def test_cli_writes_and_refuses_to_clobber(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s"
    assert main(["sample", str(out), "--no-videos", "--quiet"]) == 0
    assert "impact:" in capsys.readouterr().out
    assert (out / "impact/impact-release/dataset/TAS/mapping_CAS.txt").is_file()
    assert main(["sample", str(out), "--no-videos", "--quiet"]) == 1
    assert "already has content" in capsys.readouterr().err
    assert main(["sample", str(out), "--no-videos", "--quiet", "--overwrite", "--seed", "3"]) == 0
    assert not list(tmp_path.glob(".s.*"))  # no temporary folders left behind


def test_path_helpers_point_into_the_sample(sample_full: Path) -> None:
    from proceval.benchmarks.impact.sample import impact_release_dir, impact_video_path
    from proceval.benchmarks.pro2bench import egoproactive_jsonl, egoproactive_video_dir
    from proceval.benchmarks.procobject import procobject_dir

    assert (impact_release_dir(sample_full) / "dataset/TAS/mapping_CAS.txt").is_file()
    trial = _trials(sample_full)[0]
    assert impact_video_path(sample_full, f"{trial}_color_ego_sync").is_file()  # AF-S ego naming variant
    row = json.loads(_lines(egoproactive_jsonl(sample_full))[0])
    assert (egoproactive_video_dir(sample_full) / row["video_path"]).is_file()
    assert (procobject_dir(sample_full) / "data/testing.json").is_file()
    po = json.loads((procobject_dir(sample_full) / "data/training.json").read_text("utf-8"))
    assert (procobject_dir(sample_full) / "videos" / po[0]["video_path"]).is_file()


def test_too_few_trials_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputValidationError, match="n_trials"):
        write_sample(tmp_path / "x", sizes={"impact": 3}, videos=False)
    assert not (tmp_path / "x").exists()
