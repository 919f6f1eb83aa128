"""Decision clips: each decision row decodes frames of its own window only, from H.265 session videos."""

from __future__ import annotations

from pathlib import Path

import datasets
import numpy as np
import pytest

from proceval.benchmarks.pro2bench import sample_release_dir, write_sample_release
from proceval.benchmarks.pro2bench.media import decision_clip_sampler, with_decision_clips
from proceval.datasets.load import load_config
from proceval.errors import InputValidationError
from proceval.sample import render_videos
from proceval.video.backends import open_reader
from proceval.video.sampling import seconds_to_frame_window, uniform_indices

FPS = 15


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-session sample release with only the EgoProactive (H.265) videos rendered."""
    root = tmp_path_factory.mktemp("pro2bench_clips")
    jobs = write_sample_release(root, seed=0, n_sessions=2)
    codecs, _, _ = render_videos(root, [j for j in jobs if j.codec == "libx265"], seed=0)
    assert codecs == "libx265"
    return sample_release_dir(root)


@pytest.fixture(scope="module")
def decisions(release: Path, tmp_path_factory: pytest.TempPathFactory) -> datasets.Dataset:
    ds = load_config(
        "pro2bench", release, "egoproactive_decisions", split="validation", videos_dir=release,
        cache_dir=tmp_path_factory.mktemp("cache"), decode_video=False,
    )  # fmt: skip
    assert set(ds["video_status"]) == {"ok"}
    return ds


def test_sample_videos_are_h265(release: Path) -> None:
    from torchcodec.decoders import VideoDecoder

    videos = sorted((release / "egoproactive" / "val").glob("*.mp4"))
    assert len(videos) == 2
    for path in videos:
        meta = VideoDecoder(str(path), seek_mode="approximate").metadata
        assert meta.codec == "hevc" and round(meta.average_fps) == FPS


@pytest.mark.parametrize("backend", ["torchcodec_exact", "pyav"])
def test_clip_frames_lie_in_the_decision_window(decisions: datasets.Dataset, backend: str) -> None:
    clips = with_decision_clips(decisions, num_frames=8, backend=backend, output="numpy")
    for i in range(decisions.num_rows):
        row, clip = decisions[i], clips[i]
        start, end = seconds_to_frame_window(row["start_s"], row["end_s"], FPS)
        expected = uniform_indices(start, end, 8)
        assert np.array_equal(clip["frame_indices"], expected), row["decision_id"]
        assert np.all(clip["pts_seconds"] >= row["start_s"] - 1e-9) and np.all(
            clip["pts_seconds"] < row["end_s"]
        )
        assert clip["frames"].shape == (8, 3, 96, 160)
        assert clip["decision_id"] == row["decision_id"] and "video" not in clip


def test_clip_frames_are_the_videos_frames(release: Path, decisions: datasets.Dataset) -> None:
    from torchcodec.decoders import VideoDecoder

    clips = with_decision_clips(decisions, num_frames=16, output="numpy")
    for i in (0, 3, decisions.num_rows - 1):
        row, clip = decisions[i], clips[i]
        full = VideoDecoder(row["video"]["path"])
        assert np.array_equal(clip["frames"], full.get_frames_at(clip["frame_indices"].tolist()).data.numpy())


def test_only_the_window_is_decoded(decisions: datasets.Dataset) -> None:
    """PyAV counts every frame it decodes: a clip costs its window plus the run-in from the keyframe before."""
    sampler = decision_clip_sampler(16, backend="pyav", output="numpy")
    for i in range(decisions.num_rows):
        batch = decisions[i : i + 1]
        reader = open_reader(batch["video"][0]["path"], backend="pyav")
        idx = sampler.indices_for(batch, 0, reader)
        reader.get_frames_at(idx)
        start, _ = seconds_to_frame_window(batch["start_s"][0], batch["end_s"][0], FPS)
        keyframe = (start // 30) * 30  # the sample's H.265 videos have a keyframe every 30 frames
        assert reader.decoded_frames <= idx.max() - keyframe + 1 + 2  # + the decoder's reorder delay
        assert reader.decoded_frames < reader.num_frames
        reader.close()


def test_windows_past_the_end_are_clamped_and_late_starts_refused(decisions: datasets.Dataset) -> None:
    row = decisions[0]
    reader = open_reader(row["video"]["path"], backend="torchcodec_exact")
    last = reader.num_frames - 1
    duration = reader.num_frames / FPS
    sampler = decision_clip_sampler(4, output="numpy")
    late = {k: [v] for k, v in row.items()} | {"start_s": [duration - 1.0], "end_s": [duration + 3.0]}
    out = sampler(late)
    assert out["frame_indices"][0].max() <= last and out["frame_indices"][0].min() >= last - FPS
    after = late | {"start_s": [duration + 1.0], "end_s": [duration + 9.0]}
    with pytest.raises(
        InputValidationError, match=rf"{row['video_id']}: .*`start_s` before the end of the video"
    ):
        sampler(after)


def test_seconds_windows_use_an_fps_column_when_given(decisions: datasets.Dataset) -> None:
    row = decisions[2]
    batch = {k: [v] for k, v in row.items()} | {"start_s": [1.0], "end_s": [2.0]}
    sampler = decision_clip_sampler(3, output="numpy")
    assert sampler(batch)["frame_indices"][0].tolist() == uniform_indices(15, 29, 3).tolist()
    # a declared rate overrides the container's: [1 s, 2 s) at 7.5 fps is frames 7..14
    slow = batch | {"fps": [7.5]}
    assert sampler(slow)["frame_indices"][0].tolist() == uniform_indices(7, 14, 3).tolist()


def test_h265_sample_videos_are_deterministic(tmp_path: Path) -> None:
    jobs = [
        j for j in write_sample_release(tmp_path / "labels", seed=3, n_sessions=1) if j.codec == "libx265"
    ]
    for name in ("a", "b"):
        render_videos(tmp_path / name, jobs, seed=3)
    (path,) = {j.relpath for j in jobs}
    assert (tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes()
