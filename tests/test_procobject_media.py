"""ProcObject-10K media: evidence in source-video time, clip-window decoding, the batched clip sampler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import proceval.benchmarks.procobject.media as media
from proceval.benchmarks.procobject.media import (
    ClipSampler,
    clip_frame_window,
    clip_frames,
    evidence_to_source_times,
    only_with_video,
    to_source_seconds,
)
from proceval.benchmarks.procobject.sample import FPS, make_videos
from proceval.datasets.load import load_config
from proceval.errors import InputValidationError
from proceval.sample import write_sample
from proceval.sample.video import palette

# ---- evidence times -----------------------------------------------------------------------------------


def test_to_source_seconds_hand_cases() -> None:
    assert to_source_seconds([[0.0, 1.5], [3.25, 10.0]], 12.5) == [[12.5, 14.0], [15.75, 22.5]]
    assert to_source_seconds([], 3.0) == []
    assert to_source_seconds([(1, 2)], 0) == [[1.0, 2.0]]
    assert evidence_to_source_times({"clip_start": 100.0, "evidence": [[0.5, 2.0]], "id": 1}) == [
        [100.5, 102.0]
    ]


@pytest.mark.parametrize(
    ("evidence", "clip_start", "match"),
    [
        ([[1.0, 2.0]], -1.0, r"`clip_start` to be >= 0 s"),
        ([[1.0, 2.0]], float("nan"), r"`clip_start` to be finite"),
        ([[1.0, 2.0]], "3", r"`clip_start` to be a number of seconds"),
        ([[1.0, 2.0, 3.0]], 0.0, r"`evidence\[0\]` to be a \[start, end\] pair"),
        ([[1.0, None]], 0.0, r"`evidence\[0\]\[1\]` to be a number of seconds"),
    ],
    ids=["negative start", "NaN start", "string start", "triple", "null end"],
)
def test_to_source_seconds_errors(evidence: Any, clip_start: Any, match: str) -> None:
    with pytest.raises(InputValidationError, match=match):
        to_source_seconds(evidence, clip_start)


def test_clip_frame_window() -> None:
    assert clip_frame_window(2.0, 5.0, 8, 100) == (16, 39)  # [2 s, 5 s) at 8 fps
    assert clip_frame_window(2.01, 4.99, 8, 100) == (16, 39)
    assert clip_frame_window(10.0, 99.0, 8, 100) == (80, 99)  # clamped to the last frame
    with pytest.raises(InputValidationError, match="start_s"):
        clip_frame_window(20.0, 30.0, 8, 100)  # starts after the video


# ---- decoding the sample's clips ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ProcObject sample with videos (seed 0)."""
    out = tmp_path_factory.mktemp("po_media") / "sample"
    write_sample(out, seed=0, benchmarks=["procobject"])
    return out


@pytest.fixture(scope="module")
def test_rows(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return load_config(
        "procobject",
        sample,
        "all",
        split="test",
        videos_dir=sample / "procobject/videos",
        cache_dir=tmp_path_factory.mktemp("po_cache"),
        decode_video=False,
    )


def _step_colours() -> dict[str, tuple[np.ndarray, list[tuple[float, float]]]]:
    """``video_path -> (palette of its step ids, step spans in source seconds)`` of the seed-0 sample."""
    out = {}
    for v in make_videos(0):
        out[v.video_path] = (
            palette(len(v.steps) + 1, offset=0.25).astype(float),
            [(s.start_s, s.end_s) for s in v.steps],
        )
    return out


def test_clip_frames_decode_only_the_clip_window(test_rows: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    readers = []
    real_open = media.open_reader

    def spy(source: Any, **kwargs: Any) -> Any:
        readers.append(real_open(source, **kwargs))
        return readers[-1]

    monkeypatch.setattr(media, "open_reader", spy)
    row = test_rows[0]
    clip = clip_frames(row, num_frames=6, backend="pyav")
    first, last = clip_frame_window(row["clip_start"], row["clip_end"], FPS, readers[0].num_frames)
    assert first > 0 and last < readers[0].num_frames - 1  # the clip is inside a longer source video
    # bin centres of the clip's frames (the rule of uniform_indices), in source-video frame indices
    length = last - first + 1
    assert clip.indices.tolist() == [first + (2 * k + 1) * length // 12 for k in range(6)]
    pts = clip.pts_seconds.numpy()
    assert (pts >= row["clip_start"]).all() and (pts < row["clip_end"]).all()
    assert clip.frames.shape == (6, 3, 72, 128)
    assert readers[0].decoded_frames <= last + 1 < readers[0].num_frames  # nothing after the clip decoded
    by_rate = clip_frames(row, None, fps=2.0)
    assert np.diff(by_rate.indices).tolist() == [4] * (len(by_rate.indices) - 1)  # 8 fps / 2 per second
    assert by_rate.indices[0] == first and by_rate.indices[-1] <= last


def test_evidence_in_source_time_shows_the_evidence_steps(test_rows: Any) -> None:
    """The frame at each evidence span's middle (clip_start + t) shows a step of the span, never the gap."""
    colours = _step_colours()
    n_checked = 0
    for row in test_rows:
        pal, steps = colours[row["video_path"]]
        for (s, e), (ss, se) in zip(row["evidence"], evidence_to_source_times(row), strict=True):
            assert (ss, se) == pytest.approx((s + row["clip_start"], e + row["clip_start"]))
            mid = (ss + se) / 2
            step = next(k + 1 for k, (a, b) in enumerate(steps) if a <= mid < b)
            probe = {**row, "clip_start": mid, "clip_end": mid + 1 / FPS}  # one frame at the span's middle
            frame = clip_frames(probe, num_frames=1).frames[0].float().mean(dim=(1, 2)).numpy()
            assert int(np.argmin(((pal - frame) ** 2).sum(axis=1))) == step, (row["id"], mid)
            n_checked += 1
    assert n_checked >= 40


def test_clip_sampler_transform(test_rows: Any) -> None:
    ds = test_rows.select(range(4))
    ds.set_transform(ClipSampler(num_frames=3, output="numpy"))
    batch = ds[:4]
    for k in range(4):
        row = test_rows[k]
        rel = batch["clip_pts_seconds"][k]
        assert batch["frames"][k].shape == (3, 3, 72, 128)
        assert np.allclose(rel, batch["pts_seconds"][k] - row["clip_start"])
        assert (rel >= 0).all() and (rel < row["clip_end"] - row["clip_start"]).all()
        direct = clip_frames(row, num_frames=3)
        assert batch["frame_indices"][k].tolist() == direct.indices.tolist()
    windowed = test_rows.select(range(2))
    windowed.set_transform(ClipSampler(fps=1.0, window=4.0, output="numpy"))  # 4 s at the clip's centre
    out = windowed[:2]
    for k in range(2):
        assert len(out["frame_indices"][k]) == 4
        row = test_rows[k]
        middle = (row["clip_start"] + row["clip_end"]) / 2
        assert abs(out["pts_seconds"][k].mean() - middle) < 2.0


def test_missing_video_is_a_clear_error(sample: Path, tmp_path: Path) -> None:
    import shutil

    videos = tmp_path / "videos"
    shutil.copytree(sample / "procobject/videos", videos)
    shutil.rmtree(videos / "COIN")
    with pytest.warns(UserWarning, match="video_status='missing'"):
        ds = load_config(
            "procobject",
            sample,
            "all",
            split="test",
            videos_dir=videos,
            cache_dir=tmp_path / "c",
            decode_video=False,
        )
    coin = next(i for i, s in enumerate(ds["source"]) if s == "COIN")
    row = ds[coin]
    with pytest.raises(InputValidationError, match=rf"id {row['id']}: .*missing.*only_with_video"):
        clip_frames(row)
    sampler_ds = ds.select([coin])
    sampler_ds.set_transform(ClipSampler(num_frames=2))
    with pytest.raises(InputValidationError, match=rf"id {row['id']}: .*video_status='missing'"):
        sampler_ds[0]
    kept = only_with_video(ds)
    kept.set_transform(ClipSampler(num_frames=2))
    assert len(kept[:3]["frames"]) == 3
    # without a video column, clip_frames finds the file under video_root (either layout)
    bare = {k: v for k, v in ds[0].items() if k not in ("video", "video_status")}
    assert clip_frames(bare, num_frames=2, video_root=sample / "procobject/videos").indices.size == 2
    with pytest.raises(InputValidationError, match="but got neither"):
        clip_frames(bare)
    with pytest.raises(InputValidationError, match="exactly one of `num_frames` and `fps`"):
        clip_frames(ds[0], num_frames=None)
