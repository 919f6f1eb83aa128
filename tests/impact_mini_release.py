"""A hand-made miniature IMPACT release (official layout, synthetic labels) for fast builder tests.

Three trials x five views. Labels are synthetic names, not the official ones. Frame counts: exo 12,
ego 10. Bundles use CRLF line endings as most official bundles do. Split protocol n (1..4): train =
trial 0, validation = trial 1, test = trial 2 (all views); S4 instead tests the three ego videos and
trains / validates on exo only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

TRIALS = ("20250101_1000", "20250101_1100", "20250101_1200")
SUBJECTS = ("subject01", "subject01", "subject02")
EXO = ("front", "left", "right", "top")
VIEWS = (*EXO, "ego")
CAS = ("NULL", "STEP_ALPHA", "STEP_BETA")
FAS = ("NULL", "PICK_UP_PART", "HOLD_PART")
PPR = ("NORMAL", "ANOMALY", "RECOVERY")
FAMILIES = {
    "TAS/groundTruth_CAS": ("TAS/splits_CAS", CAS),
    "TAS/groundTruth_FAS_L": ("TAS/splits_FAS_L", FAS),
    "TAS/groundTruth_FAS_R": ("TAS/splits_FAS_R", FAS),
    "PPR/groundTruth_PPR_L": ("PPR/splits_PPR_L", PPR),
    "PPR/groundTruth_PPR_R": ("PPR/splits_PPR_R", PPR),
}


def video_id(trial: str, view: str) -> str:
    return f"{trial}_color_ego_sync_clipped" if view == "ego" else f"{trial}_color_{view}_clipped"


def n_frames(view: str) -> int:
    return 10 if view == "ego" else 12


def frame_labels(names: tuple[str, ...], t: int, view: str) -> list[str]:
    """Deterministic labels: runs of 0, 1, 2, 0 whose lengths depend on trial and view."""
    n = n_frames(view)
    a = 2 + (t + VIEWS.index(view)) % 3
    b = a + 4
    return [
        names[0] if i < a else names[1] if i < b else names[2] if i < n - 1 else names[0] for i in range(n)
    ]


def bundle_ids(protocol: int, split: str) -> list[str]:
    if protocol == 4:
        if split == "test":
            return [video_id(t, "ego") for t in TRIALS]
        trials = TRIALS[:1] + TRIALS[2:] if split == "train" else TRIALS[1:2]
        return [video_id(t, v) for t in trials for v in EXO]
    trial = {"train": TRIALS[0], "val": TRIALS[1], "test": TRIALS[2]}[split]
    return [video_id(trial, v) for v in VIEWS]


def write_mini_release(root: Path) -> Path:
    """Write the release under ``root`` and return its ``dataset/`` folder."""
    ds = root / "impact-release" / "dataset"
    (ds / "TAS").mkdir(parents=True)
    (ds / "PPR").mkdir(parents=True)
    (ds / "TAS/mapping_CAS.txt").write_text("".join(f"{i} {n}\n" for i, n in enumerate(CAS)))
    (ds / "TAS/mapping_FAS.txt").write_text("".join(f"{i} {n}\n" for i, n in enumerate(FAS)))
    (ds / "PPR/mapping_PPR.txt").write_text("".join(f"{i} {n}\n" for i, n in enumerate(PPR)))
    for label_dir, (splits_dir, names) in FAMILIES.items():
        (ds / label_dir).mkdir(parents=True)
        for t, trial in enumerate(TRIALS):
            for view in VIEWS:
                lines = frame_labels(names, t, view)
                (ds / label_dir / f"{video_id(trial, view)}.txt").write_text("\n".join(lines) + "\n")
        _write_bundles(ds / splits_dir)
    _write_bundles(ds / "CV/splits_CAS")
    for t, trial in enumerate(TRIALS):
        for view in VIEWS:
            vid = video_id(trial, view)
            labels = frame_labels(CAS, t, view)
            segs, start = [], 0
            for i in range(1, len(labels) + 1):
                if i == len(labels) or labels[i] != labels[start]:
                    segs.append(
                        {
                            "id": len(segs),
                            "label": labels[start].lower(),
                            "has_anomaly": i - start == 4,
                            "meta_activity": "none",
                            "f_start": start,
                            "f_end": i - 1,
                        }
                    )
                    start = i
            doc = {
                "video_id": vid,
                "view": view,
                "view_start": 0,
                "view_end": len(labels) - 1,
                "segments": segs,
                "labels": [{"id": i, "name": n.lower()} for i, n in enumerate(CAS)],
            }
            if view == "ego":
                path = ds / "CV/annotations_CAS/ego" / f"{trial}_color_ego.json"
            else:
                path = ds / "CV/annotations_CAS" / view / SUBJECTS[t] / f"{vid}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(doc))
    asr = ds / "ASR/annotations"
    asr.mkdir(parents=True)
    for trial, workflow in zip(TRIALS[:2], ("assemble", "disassemble"), strict=True):
        doc = {
            "task": "ASR",
            "workflow": workflow,
            "meta_data": {"model_type": "MODEL-A", "workflow": workflow},
        }
        (asr / f"{trial}_color_front_clipped_asr.json").write_text(json.dumps(doc))
    return ds


def _write_bundles(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for protocol in (1, 2, 3, 4):
        for split in ("train", "val", "test"):
            text = "".join(f"{v}\r\n" for v in bundle_ids(protocol, split))
            (folder / f"{split}.split{protocol}.bundle").write_bytes(text.encode())


def write_tiny_video(path: Path, n: int, fps: int, size: tuple[int, int] = (32, 24)) -> None:
    """A tiny H.264 mp4 whose frame i is a flat grey of value 8*i (mod 256)."""
    av = pytest.importorskip("av")
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(n):
            img = np.full((size[1], size[0], 3), (8 * i) % 256, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def write_videos(root: Path, *, nested_views: tuple[str, ...] = ()) -> Path:
    """One tiny video per stream of the mini release; views in ``nested_views`` go to ``<view>/``."""
    for trial in TRIALS:
        for view in VIEWS:
            sub = root / view if view in nested_views else root
            write_tiny_video(
                sub / f"{video_id(trial, view)}.mp4", n_frames(view), 25 if view == "ego" else 30
            )
    return root


_SHARED_VIDEOS: list[Path] = []


def shared_videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Videos of every mini-release stream, rendered once per session (``ego`` and ``top`` nested)."""
    if not _SHARED_VIDEOS:
        _SHARED_VIDEOS.append(write_videos(tmp_path_factory.mktemp("videos"), nested_views=("ego", "top")))
    return _SHARED_VIDEOS[0]
