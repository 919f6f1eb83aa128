"""Write the sample IMPACT release in the official layout (``impact-release/dataset`` + ``task_configs``).

Everything is derived from :mod:`proceval.benchmarks.impact.sample.plan`. File names, folder names, encodings and
line endings follow the real release file by file: split bundles, CV / AF-S JSON files, PSR CSVs and
the PSR procedure graph are CRLF; ASR JSON files are CRLF but for one LF file (the release mixes
both); ground-truth txt, mapping files, ASR bundles, ATR JSONL and the other JSON files are LF; the label-occurrence CSVs start with a UTF-8 BOM. Known quirks are kept
in miniature (see :func:`write_impact_release`).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from proceval.benchmarks.impact.formats.naming import EXO_VIEWS, VideoName, parse_video_id
from proceval.benchmarks.impact.sample import vocab
from proceval.benchmarks.impact.sample.plan import HANDS, TrialPlan
from proceval.benchmarks.impact.sample.splits import PARTS, VIEWS_ORDER, make_asr_split, make_bundles
from proceval.io import atomic_write_text
from proceval.sample._text import write_json, write_jsonl, write_lines

EXO_SIZE = (160, 96)  # width, height of the sample exo videos
EGO_SIZE = (192, 108)
AFS_FOLDER = {"front": "Front", "left": "Left", "right": "Right", "top": "Top", "ego": "ego_valid"}
HAND_SUFFIX = {"left": "L", "right": "R"}
SPLIT_COLUMN_NAMES = ("cross_subject", "subject_exclusive", "model_split", "ego_exclusive")  # split1..4


def write_impact_release(release_dir: Path, plans: list[TrialPlan], seed: int) -> dict[str, int]:
    """Write ``release_dir/dataset`` and ``release_dir/task_configs``; return file counts per family.

    Quirks reproduced: the ego video of trial 1 has a CAS file 4 frames longer than its FAS / PPR
    files; the AF-S ego file of trial 2 says ``"view": "Top"``; trial 0's right hand has an anomaly
    with an all-zero type vector (an ATR record with all-zero labels); ATR records of trial 3's exo
    views carry a capitalised ``view``; CAS S2 test exo videos have their ego video in CAS train.
    """
    ds = release_dir / "dataset"
    bundles = make_bundles(plans, seed)
    asr_split = make_asr_split(plans, seed)
    counts: Counter[str] = Counter()
    counts["mapping"] += _write_maps(ds)
    counts["groundTruth"] += _write_frame_labels(ds, plans)
    counts["CV"] += _write_cv(ds, plans)
    counts["AF-S"] += _write_afs(ds, plans)
    counts["bundles"] += _write_bundles(ds, bundles)
    counts["ATR"] += _write_atr(ds, plans, bundles["FAS"])
    counts["label_counts"] += _write_label_counts(ds, plans, bundles["FAS"])
    counts["ASR"] += _write_asr(ds, plans, asr_split, seed)
    counts["PSR"] += _write_psr(ds, asr_split)
    counts["task_configs"] += _write_task_configs(release_dir / "task_configs", plans, asr_split)
    counts["README"] += _write_readmes(ds)
    return dict(counts)


def all_video_ids(plans: list[TrialPlan]) -> list[str]:
    """Canonical ids of every sample video (five per trial)."""
    return [VideoName(p.trial, v).video_id for p in plans for v in VIEWS_ORDER]


# ---- label maps and per-frame ground truth ------------------------------------------------------------


def _write_maps(ds: Path) -> int:
    maps = {
        "TAS/mapping_CAS.txt": vocab.CAS_STEPS,
        "TAS/mapping_FAS.txt": vocab.FAS_NAMES,
        "PPR/mapping_PPR.txt": vocab.PPR_PHASES,
        "ATR/mapping_ATR.txt": vocab.ANOMALY_TYPES,
    }
    for rel, names in maps.items():
        write_lines(ds / rel, [f"{i} {n}" for i, n in enumerate(names)])
    return len(maps)


def _write_frame_labels(ds: Path, plans: list[TrialPlan]) -> int:
    n = 0
    phases = vocab.PPR_PHASES
    for p in plans:
        for view in VIEWS_ORDER:
            vid = VideoName(p.trial, view).video_id
            write_lines(
                ds / "TAS/groundTruth_CAS" / f"{vid}.txt", [vocab.CAS_STEPS[i] for i in p.cas_labels(view)]
            )
            n += 1
            for hand in HANDS:
                s = HAND_SUFFIX[hand]
                fas = [vocab.FAS_NAMES[i] for i in p.fas_labels(view, hand)]
                write_lines(ds / f"TAS/groundTruth_FAS_{s}" / f"{vid}.txt", fas)
                write_lines(
                    ds / f"PPR/groundTruth_PPR_{s}" / f"{vid}.txt",
                    [phases[i] for i in p.ppr_labels(view, hand)],
                )
                n += 2
    return n


# ---- CV (coarse segments per view) ----------------------------------------------------------------------


def _cv_name(name: str) -> str:
    return "null" if name == "NULL" else name.lower()


def _write_cv(ds: Path, plans: list[TrialPlan]) -> int:
    labels = [{"id": i, "name": _cv_name(n)} for i, n in enumerate(vocab.CAS_STEPS)]
    n = 0
    for p in plans:
        for view in VIEWS_ORDER:
            spans = p.cas_spans(view)
            anomalous = _anomalous_frames(p, view, len_frames=p.view_frames(view, cas=True))
            segments = [
                {
                    "id": s.label,
                    "label": _cv_name(vocab.CAS_STEPS[s.label]),
                    "has_anomaly": bool(anomalous[s.start : s.end].any()),
                    "meta_activity": "none",
                    "f_start": s.start,
                    "f_end": s.end - 1,
                }
                for s in spans
            ]
            n_frames = p.view_frames(view, cas=True)
            doc = {
                "video_id": VideoName(p.trial, view).video_id,
                "view": view,
                "view_start": 0,
                "view_end": n_frames - 1,
                "segments": segments,
                "labels": labels,
            }
            if view == "ego":
                path = ds / "CV/annotations_CAS/ego" / f"{p.trial}_color_ego.json"
            else:
                path = ds / "CV/annotations_CAS" / view / p.subject / f"{p.trial}_color_{view}_clipped.json"
            write_json(path, doc, crlf=True)
            n += 1
    return n


def _anomalous_frames(p: TrialPlan, view: str, len_frames: int) -> np.ndarray:
    out = np.zeros(len_frames, dtype=bool)
    for hand in HANDS:
        for h in p.hand_spans(view, hand):
            if h.phase == "anomaly":
                out[h.start : h.end] = True
    return out


# ---- AF-S (per-hand segments with verbs, nouns, phases and anomaly types) -------------------------------


def _afs_vocab() -> dict[str, Any]:
    return {
        "anomaly_types": [{"id": i, "name": n.lower()} for i, n in enumerate(vocab.ANOMALY_TYPES)],
        "verbs": [{"id": i, "name": n} for i, n in enumerate(vocab.VERBS)],
        "nouns": [{"id": i, "name": n} for i, n in enumerate(vocab.NOUNS)],
        "action_labels": [{"id": i, "name": n.lower()} for i, n in enumerate(vocab.FAS_NAMES)],
    }


def afs_segments(p: TrialPlan, view: str) -> list[dict[str, Any]]:
    """AF-S segments of a view: left hand first, then right; inclusive ``end_frame``."""
    out = []
    for hand in HANDS:
        for h in p.hand_spans(view, hand):
            verb, noun = vocab.FAS_ACTIONS[h.action]
            out.append(
                {
                    "action_label": h.action,
                    "verb": vocab.VERBS.index(verb) if verb else -1,
                    "noun": vocab.NOUNS.index(noun) if noun else -1,
                    "start_frame": h.start,
                    "end_frame": h.end - 1,
                    "phase": h.phase,
                    "anomaly_type": list(h.anomaly),
                    "entity": hand,
                }
            )
    return out


def _write_afs(ds: Path, plans: list[TrialPlan]) -> int:
    voc = _afs_vocab()
    n = 0
    for p in plans:
        for view in VIEWS_ORDER:
            n_frames = p.view_frames(view)
            width, height = EGO_SIZE if view == "ego" else EXO_SIZE
            if view == "ego":
                video_id, view_field, fps = f"{p.trial}_color_ego_sync", p.ego_view_field, 25.0
                name = f"{p.trial}_color_ego_sync.json"
            else:
                video_id, view_field, fps = VideoName(p.trial, view).video_id, view, 30.0
                name = f"{video_id}.json"
            doc = {
                "video_id": video_id,
                "view": view_field,
                "meta_data": {
                    "fps": fps,
                    "resolution": {"width": width, "height": height},
                    "num_frames": n_frames,
                    "view_start": 0,
                    "view_end": n_frames - 1,
                },
                "view_start": 0,
                "view_end": n_frames - 1,
                **voc,
                "segments": afs_segments(p, view),
            }
            # exo files end with a CRLF, ego files with the closing brace (as in the release)
            write_json(
                ds / "AF-S/Annotation" / AFS_FOLDER[view] / name,
                doc,
                crlf=True,
                trailing_newline=view != "ego",
            )
            n += 1
    return n


# ---- split bundles ---------------------------------------------------------------------------------------


def _write_bundles(ds: Path, bundles: dict[str, dict[int, dict[str, list[str]]]]) -> int:
    folders = {
        "CAS": ("TAS/splits_CAS", "CV/splits_CAS"),
        "FAS": (
            "TAS/splits_FAS_L",
            "TAS/splits_FAS_R",
            "PPR/splits_PPR_L",
            "PPR/splits_PPR_R",
            "ATR/splits_FAS_L",
            "ATR/splits_FAS_R",
        ),
    }
    n = 0
    for fam, dirs in folders.items():
        for d in dirs:
            for proto, parts in bundles[fam].items():
                for part, ids in parts.items():
                    write_lines(ds / d / f"{part}.split{proto}.bundle", ids, crlf=True)
                    n += 1
    for part, ids in bundles["FAS"][1].items():
        write_lines(ds / "AF-S/Annotation/splits" / f"{part}.split1.bundle", ids, crlf=True)
        n += 1
    return n


# ---- ATR segment manifests -------------------------------------------------------------------------------


def atr_records(p: TrialPlan, view: str, hand: str, proto: int, part: str) -> list[dict[str, Any]]:
    """ATR records of one video and hand: consecutive anomaly segments merged, inclusive ends."""
    vid = VideoName(p.trial, view).video_id
    if view == "ego":
        annotation_path, view_field = f"Ego/{p.trial}_color_ego_sync.json", p.ego_view_field
    else:
        annotation_path = f"{AFS_FOLDER[view]}/{vid}.json"
        view_field = view.capitalize() if p.index == 3 else view
    runs: list[list[dict[str, Any]]] = []
    prev_anomalous = False
    for seg in (s for s in afs_segments(p, view) if s["entity"] == hand):
        if seg["phase"] == "anomaly":
            if prev_anomalous:
                runs[-1].append(seg)
            else:
                runs.append([seg])
        prev_anomalous = seg["phase"] == "anomaly"
    out = []
    for run in runs:
        labels = [int(any(s["anomaly_type"][k] for s in run)) for k in range(len(vocab.ANOMALY_TYPES))]
        start, end = run[0]["start_frame"], run[-1]["end_frame"]
        idx = [k for k, v in enumerate(labels) if v]
        out.append(
            {
                "sample_id": f"{vid}__{hand}__{start}_{end}",
                "video_id": vid,
                "annotation_path": annotation_path,
                "view": view_field,
                "entity": hand,
                "split": proto,
                "part": part,
                "start_frame": start,
                "end_frame": end,
                "num_frames": end - start + 1,
                "labels": labels,
                "label_indices": idx,
                "label_names": [vocab.ANOMALY_TYPES[k].lower() for k in idx],
                "source_segment_count": len(run),
                "source_action_labels": sorted({s["action_label"] for s in run}),
                "source_verbs": sorted({s["verb"] for s in run}),
                "source_nouns": sorted({s["noun"] for s in run}),
            }
        )
    return out


def _write_atr(ds: Path, plans: list[TrialPlan], fas_bundles: dict[int, dict[str, list[str]]]) -> int:
    by_trial = {p.trial: p for p in plans}
    n = 0
    for hand in HANDS:
        for proto, parts in fas_bundles.items():
            for part in PARTS:
                rows = []
                for vid in parts[part]:
                    name = parse_video_id(vid)
                    rows.extend(atr_records(by_trial[name.trial], name.view, hand, proto, part))
                write_jsonl(ds / f"ATR/atr_segments_{HAND_SUFFIX[hand]}" / f"{part}.split{proto}.jsonl", rows)
                n += 1
    return n


# ---- label occurrence counts (segments per fine label, per split part) ------------------------------------


def _write_label_counts(
    ds: Path, plans: list[TrialPlan], fas_bundles: dict[int, dict[str, list[str]]]
) -> int:
    n = 0
    for hand in HANDS:
        per_video: dict[str, Counter[int]] = {}
        for p in plans:
            for view in VIEWS_ORDER:
                labels = p.fas_labels(view, hand)
                starts = np.flatnonzero(np.diff(labels, prepend=-1))
                per_video[VideoName(p.trial, view).video_id] = Counter(int(labels[s]) for s in starts)
        overall: Counter[int] = sum(per_video.values(), Counter())
        present = sorted(overall, key=str)  # the release sorts label ids as strings
        cols: list[tuple[str, Counter[int]]] = []
        for proto, colname in enumerate(SPLIT_COLUMN_NAMES, start=1):
            for part in PARTS:
                cols.append(
                    (f"{colname}_{part}", sum((per_video[v] for v in fas_bundles[proto][part]), Counter()))
                )
        wide = ["label,overall," + ",".join(c for c, _ in cols)]
        wide += [f"{lab},{overall[lab]}," + ",".join(str(c[lab]) for _, c in cols) for lab in present]
        long = ["label,scope,split,subset,count"]
        long += [f"{lab},overall,overall,overall,{overall[lab]}" for lab in present]
        for colname, counter in cols:
            split, part = colname.rsplit("_", 1)
            long += [f"{lab},split,{split},{part},{counter[lab]}" for lab in present]
        for folder in ("TAS", "ATR"):
            d = ds / folder / f"splits_FAS_{HAND_SUFFIX[hand]}"
            write_lines(d / "label_occurrence_counts_wide.csv", wide, crlf=True, bom=True)
            write_lines(d / "label_occurrence_counts_long.csv", long, crlf=True, bom=True)
            n += 2
    return n


# ---- ASR / PSR -------------------------------------------------------------------------------------------


def asr_document(p: TrialPlan) -> dict[str, Any]:
    """The ASR JSON of a trial (front view): states, per-frame changes and metadata."""
    width, height = EXO_SIZE
    initial = p.asr_states[0][1][0]
    changes = []
    prev: tuple[int, ...] | None = None
    for frame, state in p.asr_states:
        changed = range(len(state)) if prev is None else [c for c in range(len(state)) if state[c] != prev[c]]
        for c in sorted(changed, key=str):  # the release lists component ids in string order
            changes.append({"frame": frame, "component_id": c, "state": state[c]})
        prev = state
    n = p.exo_frames
    return {
        "task": "ASR",
        "version": "1.0",
        "video_id": f"{p.trial}_color",
        "fps": 30.0,
        "view_start": 0,
        "view_end": n - 1,
        "meta_data": {
            "fps": 30.0,
            "resolution": {"width": width, "height": height},
            "num_frames": n,
            "view_start": 0,
            "view_end": n - 1,
            "video_num_frames": n,
            "workflow": p.workflow,
            "initial_state": initial,
            "initial_state_label": "Installed" if initial == 1 else "Not installed",
            "model_type": vocab.ASR_MODEL_TYPE,
        },
        "frame_count": n,
        "workflow": p.workflow,
        "initial_state": initial,
        "initial_state_vector": list(p.asr_states[0][1]),
        "components": [{"id": i, "name": c} for i, c in enumerate(vocab.COMPONENTS)],
        "state_sequence": [{"frame": f, "state": list(s)} for f, s in p.asr_states],
        "state_changes": changes,
    }


def _write_asr(ds: Path, plans: list[TrialPlan], split: dict[str, list[TrialPlan]], seed: int) -> int:
    for p in plans:
        # most ASR files are CRLF, a few LF (as in the release); trial 4's is LF
        path = ds / "ASR/annotations" / f"{p.trial}_color_front_clipped_asr.json"
        write_json(path, asr_document(p), crlf=p.index != 4)
    for part in PARTS:
        write_lines(
            ds / "ASR/splits_front_only_v1" / f"{part}.split1.bundle", [_front(p) for p in split[part]]
        )
    summary: dict[str, Any] = {}
    for wf in ("assemble", "disassemble"):
        summary[wf] = {}
        for part in PARTS:
            group = [p for p in split[part] if p.workflow == wf]
            change_sum = sum(len(asr_document(p)["state_changes"]) for p in group)
            summary[wf][part] = {
                "count": len(group),
                "change_sum": change_sum,
                "change_mean": change_sum / len(group) if group else 0.0,
            }
    doc = {
        "seed": seed,
        "method": "workflow-stratified split of the sample trials (one test trial per workflow)",
        "total_records": len(plans),
        "summary": summary,
        "splits": {part: [f"{p.trial}_color" for p in split[part]] for part in PARTS},
    }
    write_json(ds / "ASR/splits_front_only_v1/split1_summary.json", doc)
    return len(plans) + 4


def _front(p: TrialPlan) -> str:
    return f"{p.trial}_color_front_clipped"


def psr_events(states: list[tuple[int, tuple[int, ...]]], *, with_errors: bool) -> list[tuple[int, int]]:
    """PSR ``(frame, step_id)`` events from ASR state vectors, as the release's CSVs encode them.

    Without errors, -1 is mapped to 0 before diffing: 0->1 gives "Install X" (3k), 1->0 "Remove X"
    (3k+2), so "Remove X" fires at the 1->-1 frame. With errors, any change into -1 gives
    "Incorrectly installed X" (3k+1), a change into 1 gives "Install X", 1->0 gives "Remove X", and
    -1->0 gives nothing. Events of one frame are in component order.
    """
    out = []
    for (_, prev), (frame, cur) in itertools.pairwise(states):
        for k, (a, b) in enumerate(zip(prev, cur, strict=False)):
            if with_errors:
                if a == b or (a == -1 and b == 0):
                    continue
                step = 3 * k + (1 if b == -1 else 0 if b == 1 else 2)
            else:
                a, b = max(a, 0), max(b, 0)
                if a == b:
                    continue
                step = 3 * k + (0 if b == 1 else 2)
            out.append((frame, step))
    return out


def _step_description(step: int) -> str:
    comp = vocab.COMPONENTS[step // 3]
    return ("Install {}", "Incorrectly installed {}", "Remove {}")[step % 3].format(comp)


def _write_psr(ds: Path, split: dict[str, list[TrialPlan]]) -> int:
    root = ds / "PSR/labels_front_only_v1"
    n = 0
    summary = {}
    for part in PARTS:
        stats = Counter()
        for p in split[part]:
            d = root / part / _front(p)
            raw = [f"{f}.jpg," + ",".join(str(v) for v in s) for f, s in p.asr_states]
            plain = psr_events(p.asr_states, with_errors=False)
            errs = psr_events(p.asr_states, with_errors=True)
            write_lines(d / "PSR_labels_raw.csv", raw, crlf=True)
            write_lines(
                d / "PSR_labels.csv", [f"{f}.jpg,{s},{_step_description(s)}" for f, s in plain], crlf=True
            )
            write_lines(
                d / "PSR_labels_with_errors.csv",
                [f"{f}.jpg,{s},{_step_description(s)}" for f, s in errs],
                crlf=True,
            )
            n += 3
            stats.update(records=1, states=len(raw), events_no_error=len(plain), events_with_errors=len(errs))
        summary[part] = {k: stats[k] for k in ("records", "states", "events_no_error", "events_with_errors")}
    write_json(root / "component_names.json", list(vocab.COMPONENTS))
    info = [
        {
            "id": step,
            "description": _step_description(step),
            "install": step % 3 != 2,
            "state_idx": step // 3,
            "expected_in_assy": False,
            "expected_before_subgoal": False,
            "expected_in_main": False,
        }
        for step in range(3 * len(vocab.COMPONENTS))
    ]
    write_json(root / "procedure_info_IMPACT.json", info)
    conv = {
        "annotation_dir": "dataset/ASR/annotations",
        "split_dir": "dataset/ASR/splits_front_only_v1",
        "impact_split": "split1",
        "splits": summary,
    }
    write_json(root / "conversion_summary_split1.json", conv, trailing_newline=True)
    return n + 3


# ---- task_configs: procedure graphs and alias maps --------------------------------------------------------

EVENT_TYPES = ("install_ok", "recover_ok", "remove_ok")


def graph_events(p: TrialPlan) -> list[tuple[int, str]]:
    """Graph events of a trial from its dense states: 0->1 install_ok, -1->1 recover_ok, 1->0 remove_ok."""
    out = []
    for (_, prev), (frame, cur) in zip(p.asr_states, p.asr_states[1:], strict=False):
        for k, (a, b) in enumerate(zip(prev, cur, strict=False)):
            kind = {(0, 1): "install_ok", (-1, 1): "recover_ok", (1, 0): "remove_ok"}.get((a, b))
            if kind:
                name = vocab.COMPONENT_ALIAS.get(vocab.COMPONENTS[k], vocab.COMPONENTS[k])
                out.append((frame, f"{name}__{kind}"))
    return out


def mine_procedure_graph(plans: list[TrialPlan]) -> dict[str, Any]:
    """Prerequisite graph mined from the trials' events (thresholds as the release's meta records).

    ``a`` is a prerequisite of ``b`` when both occur in at least ``min_cooccur`` trials, each in at
    least ``min_support`` trials, and ``a``'s first occurrence precedes ``b``'s in at least
    ``min_confidence`` of the trials where both occur.
    """
    n = len(plans)
    cooccur_frac, support_frac, confidence = 0.25, 0.20, 0.90
    min_cooccur, min_support = max(1, math.ceil(cooccur_frac * n)), max(1, math.ceil(support_frac * n))
    nodes = sorted(
        f"{vocab.COMPONENT_ALIAS.get(c, c)}__{kind}" for c in vocab.COMPONENTS for kind in EVENT_TYPES
    )
    firsts = []
    for p in plans:
        first: dict[str, int] = {}
        for frame, label in graph_events(p):
            first.setdefault(label, frame)
        firsts.append(first)
    support = Counter(label for f in firsts for label in f)
    prereq: dict[str, list[str]] = {node: [] for node in nodes}
    edges = []
    for b in nodes:
        for a in nodes:
            if a == b or support[a] < min_support or support[b] < min_support:
                continue
            both = [f for f in firsts if a in f and b in f]
            if len(both) < min_cooccur:
                continue
            if sum(f[a] < f[b] for f in both) / len(both) >= confidence:
                prereq[b].append(a)
                edges.append([a, b])
    meta = {
        "num_videos": n,
        "min_cooccur_frac": cooccur_frac,
        "min_support_frac": support_frac,
        "min_cooccur": min_cooccur,
        "min_support": min_support,
        "min_confidence": confidence,
        "event_types": list(EVENT_TYPES),
        "alias_map_used": True,
        "note": "Sample graph: prerequisites mined from the sample trials; no edge means any order.",
    }
    return {"meta": meta, "nodes": nodes, "edges": edges, "prereq": prereq}


def _write_task_configs(root: Path, plans: list[TrialPlan], split: dict[str, list[TrialPlan]]) -> int:
    psr_graph = mine_procedure_graph(plans)
    asr_graph = mine_procedure_graph(split["train"] + split["val"])  # the two official copies differ slightly
    write_json(root / "PSR/gemini_3_1_pro/configs/procedure_graph.json", psr_graph, crlf=True)
    write_json(root / "ASR/gemini_3_1_pro/configs/procedure_graph.json", asr_graph)
    write_json(root / "PSR/gemini_3_1_pro/configs/component_alias.json", vocab.COMPONENT_ALIAS)
    write_json(
        root / "ASR/gemini_3_1_pro/configs/component_alias.json", vocab.COMPONENT_ALIAS, trailing_newline=True
    )
    for method in ("ms_tcn2", "videomae_v2_head"):
        write_json(
            root / f"PSR/{method}/configs/component_alias.json",
            vocab.COMPONENT_ALIAS_LEGACY,
            trailing_newline=True,
        )
    return 6


# ---- READMEs ----------------------------------------------------------------------------------------------

_READMES = {
    "README.md": (
        "# Sample dataset assets\n\n"
        "A miniature, generated stand-in for the IMPACT annotation release, written by\n"
        "`proceval sample`. Folder and file names, encodings and line endings follow the official\n"
        "release; the vocabularies (a cordless-drill service procedure) and all labels are synthetic.\n\n"
        "Task folders: `TAS/`, `CV/`, `AF-S/`, `AF-L/` (placeholder), `PSR/`, `ASR/`, `PPR/`, `ATR/`.\n"
    ),
    "AF-S/README.md": (
        "# AF-S sample assets\n\n"
        "- `Annotation/Front`, `Left`, `Right`, `Top`: exo annotations\n"
        "- `Annotation/ego_valid`: ego annotations\n"
        "- `Annotation/splits`: split1 bundles\n"
    ),
    "CV/README.md": (
        "# CV sample assets\n\n"
        "- `annotations_CAS/{front,left,right,top}/subjectNN/`: exo step segments\n"
        "- `annotations_CAS/ego/`: ego step segments\n"
        "- `splits_CAS/`: split bundles\n"
    ),
    "AF-L/README.md": "# AF-L\n\nPlaceholder: the official release ships no AF-L assets.\n",
}


def _write_readmes(ds: Path) -> int:
    for rel, text in _READMES.items():
        atomic_write_text(ds / rel, text)
    return len(_READMES)


__all__ = ["EXO_VIEWS", "all_video_ids", "asr_document", "psr_events", "write_impact_release"]
