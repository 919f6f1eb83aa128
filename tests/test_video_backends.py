"""Decoding backends and the clip-sampling transform on tiny generated videos.

Each video is written with PyAV's libx264 (64x48, 30 fps, GOP 10, B-frames); frame ``i`` has grey level
``4 i``, so the index of every decoded frame can be read back from its pixels.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="the video extra (torch) is not installed")
pytest.importorskip("torchcodec", reason="the video extra (torchcodec) is not installed")
pytest.importorskip("av", reason="the video extra (PyAV) is not installed")
pytest.importorskip("decord", reason="the video extra (decord) is not installed")

import datasets
import torch

from proceval.errors import InputValidationError
from proceval.video import BACKENDS, VideoClipSampler, open_reader, read_frames, uniform_indices
from proceval.video.backends import PyAVReader
from proceval.video.media import attach_videos
from proceval.video.synthetic import frame_index_of, write_index_video

pytestmark = pytest.mark.video

FPS = 30
ALL_BACKENDS = sorted(BACKENDS)


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> dict[str, Path]:
    """Three 60-frame videos; ``vid_c`` has only 40 frames."""
    root = tmp_path_factory.mktemp("videos")
    out = {}
    for name, n in (("vid_a", 60), ("vid_b", 60), ("vid_c", 40)):
        out[name] = write_index_video(root / f"{name}.mp4", num_frames=n, fps=FPS, gop=10, bframes=2)
    return out


def _indices_of(frames: torch.Tensor) -> list[int]:
    return frame_index_of(frames.numpy()).tolist()


@pytest.mark.parametrize("backend", ALL_BACKENDS)
class TestBackends:
    def test_exact_frames_any_order_with_repeats(self, videos, backend):
        reader = open_reader(videos["vid_a"], backend=backend)
        assert (reader.num_frames, reader.fps) == (60, 30.0)
        idx = [59, 3, 3, 17, 18, 40, 0, 9, 10, 11]
        clip = reader.get_frames_at(idx)
        assert clip.frames.dtype == torch.uint8
        assert tuple(clip.frames.shape) == (10, 3, 48, 64)
        assert _indices_of(clip.frames) == idx
        np.testing.assert_allclose(clip.pts_seconds.numpy(), np.array(idx) / FPS, atol=1e-6)
        # a second call on the same reader (decoder state after the first batch) is still exact
        idx2 = [25, 5, 58]
        assert _indices_of(reader.get_frames_at(idx2).frames) == idx2

    def test_nhwc(self, videos, backend):
        clip = read_frames(videos["vid_b"], [1, 2], backend=backend, dimension_order="NHWC")
        assert tuple(clip.frames.shape) == (2, 48, 64, 3)
        assert _indices_of(clip.frames) == [1, 2]

    def test_sources(self, videos, backend):
        path = videos["vid_a"]
        data = path.read_bytes()
        decoded = datasets.Video().decode_example({"path": str(path), "bytes": None})
        for source in (
            str(path),
            path,
            {"path": str(path), "bytes": None},
            {"path": None, "bytes": data},
            decoded,
        ):
            clip = read_frames(source, [12, 47], backend=backend)
            assert _indices_of(clip.frames) == [12, 47], type(source)

    def test_out_of_range_names_video(self, videos, backend):
        with pytest.raises(
            InputValidationError, match=r"vid_c\.mp4: expected frame `indices` in \[0, 39\].*\[40\]"
        ):
            read_frames(videos["vid_c"], [0, 40], backend=backend)

    def test_num_threads_auto(self, videos, backend):
        clip = read_frames(videos["vid_a"], [30, 31, 50], backend=backend, num_threads=0)
        assert _indices_of(clip.frames) == [30, 31, 50]


def test_read_frames_argument_errors(videos):
    with pytest.raises(InputValidationError, match="`backend` to be one of"):
        read_frames(videos["vid_a"], [0], backend="opencv")
    with pytest.raises(InputValidationError, match="`dimension_order` to be one of"):
        read_frames(videos["vid_a"], [0], backend="pyav", dimension_order="CHW")
    with pytest.raises(InputValidationError, match="non-empty 1-D"):
        read_frames(videos["vid_a"], [], backend="pyav")
    with pytest.raises(InputValidationError, match="`path` or `bytes`"):
        read_frames({"path": None, "bytes": None}, [0], backend="pyav")


class TestDecodesOnlyItsWindow:
    """A clip decodes from the keyframe at or before its first frame to its last frame, nothing else."""

    def test_pyav_counts_decoded_frames(self, videos):
        reader = PyAVReader(videos["vid_a"])
        reader.get_frames_at(list(range(22, 28)))
        # keyframes every 10 frames: decode 20..27 = 8 frames
        assert reader.decoded_frames == 8
        reader = PyAVReader(videos["vid_a"])
        idx = uniform_indices(41, 58, 4)
        assert idx.tolist() == [43, 47, 52, 56]
        reader.get_frames_at(idx)
        # 40..43 (4), forward 44..47 (4), seek to keyframe 50: 50..52 (3), forward 53..56 (4)
        assert reader.decoded_frames == 15

    def test_sampler_only_decodes_window(self, videos):
        sampler = VideoClipSampler(num_frames=4, backend="pyav")
        batch = {
            "video_id": ["vid_a"],
            "video": [str(videos["vid_a"])],
            "start_frame": [31],
            "end_frame": [38],
        }
        out = sampler(batch)
        assert out["frame_indices"][0].tolist() == [32, 34, 36, 38]
        (reader,) = sampler._readers.values()
        assert reader.decoded_frames == 9  # keyframe 30 .. last sampled frame 38

    @pytest.mark.parametrize("backend", ALL_BACKENDS)
    def test_pts_inside_window(self, videos, backend):
        sampler = VideoClipSampler(num_frames=5, backend=backend)
        batch = {
            "video_id": ["vid_a", "vid_b"],
            "video": [str(videos["vid_a"]), str(videos["vid_b"])],
            "start_frame": [13, 44],
            "end_frame": [21, 59],
        }
        out = sampler(batch)
        for i, (start, end) in enumerate([(13, 21), (44, 59)]):
            pts = out["pts_seconds"][i].numpy()
            assert pts.min() >= start / FPS - 1e-6 and pts.max() <= end / FPS + 1e-6
            assert _indices_of(out["frames"][i]) == uniform_indices(start, end, 5).tolist()


def _clip_dataset(videos: dict[str, Path], decode: bool = False) -> datasets.Dataset:
    rows = {
        "video_id": ["vid_a", "vid_a", "vid_b", "vid_c", "vid_b", "vid_c"],
        "label": [0, 1, 2, 3, 4, 5],
        "fps": [30.0] * 6,
        "start_frame": [0, 20, 5, 30, 50, 0],
        "end_frame": [15, 59, 9, 39, 52, 39],
    }
    rows["video"] = [str(videos[v]) for v in rows["video_id"]]
    ds = datasets.Dataset.from_dict(rows)
    return ds.cast_column("video", datasets.Video(decode=decode))


class TestVideoClipSampler:
    def test_set_transform_keeps_labels_and_drops_video(self, videos):
        ds = _clip_dataset(videos)
        ds.set_transform(VideoClipSampler(num_frames=4))
        row = ds[3]
        assert row["label"] == 3 and row["video_id"] == "vid_c"
        assert "video" not in row
        assert tuple(row["frames"].shape) == (4, 3, 48, 64)
        assert row["frame_indices"].tolist() == [31, 33, 36, 38]
        assert _indices_of(row["frames"]) == [31, 33, 36, 38]
        batch = ds[:6]
        for i in range(6):
            want = uniform_indices(batch["start_frame"][i], batch["end_frame"][i], 4).tolist()
            assert _indices_of(batch["frames"][i]) == want

    def test_decoded_video_feature(self, videos):
        ds = _clip_dataset(videos, decode=True)
        sampler = VideoClipSampler(num_frames=2, backend="decord")
        ds.set_transform(sampler)
        assert _indices_of(ds[1]["frames"]) == [30, 50]
        assert _indices_of(ds[0]["frames"]) == [4, 12]
        assert sampler.opened_readers == 1  # the decoder's path is reused, not reopened per example

    def test_short_window_repeats(self, videos):
        out = VideoClipSampler(num_frames=8)(
            {"video": [str(videos["vid_a"])], "start_frame": [50], "end_frame": [52]}
        )
        assert _indices_of(out["frames"][0]) == [50, 50, 50, 51, 51, 52, 52, 52]

    def test_fps_and_seconds_window(self, videos):
        base = {"video": [str(videos["vid_a"])], "fps": [30.0], "start_frame": [0], "end_frame": [59]}
        out = VideoClipSampler(fps=4)(base)
        assert out["frame_indices"][0].tolist() == [0, 7, 15, 22, 30, 37, 45, 52]
        out = VideoClipSampler(num_frames=2, window=1.0)(base)  # centred 30-frame window: [15, 44]
        assert out["frame_indices"][0].tolist() == [22, 37]
        out = VideoClipSampler(num_frames=2, window=1.0, window_position="start")(base)
        assert out["frame_indices"][0].tolist() == [7, 22]
        sampler = VideoClipSampler(num_frames=3, window=0.5, window_position="random", seed=3)
        for _ in range(5):
            idx = sampler(base)["frame_indices"][0].tolist()
            assert idx[2] - idx[0] == 10 and 0 <= idx[0] and idx[2] <= 59  # 15-frame window, bins of 5

    def test_default_is_16_frames(self, videos):
        out = VideoClipSampler()({"video": [str(videos["vid_a"])], "start_frame": [0], "end_frame": [31]})
        assert out["frame_indices"][0].tolist() == list(range(1, 32, 2))

    def test_video_root_and_numpy_output(self, videos):
        root = videos["vid_a"].parent
        sampler = VideoClipSampler(num_frames=2, video_root=root, output="numpy", dimension_order="NHWC")
        out = sampler({"video_id": ["vid_b"], "start_frame": [0], "end_frame": [9]})
        assert isinstance(out["frames"][0], np.ndarray) and out["frames"][0].shape == (2, 48, 64, 3)
        assert frame_index_of(out["frames"][0]).tolist() == [2, 7]
        out = sampler({"video": [{"path": "vid_c.mp4", "bytes": None}], "start_frame": [0], "end_frame": [9]})
        assert frame_index_of(out["frames"][0]).tolist() == [2, 7]

    def test_errors_name_the_video(self, videos):
        sampler = VideoClipSampler(num_frames=2)
        with pytest.raises(
            InputValidationError, match=r"vid_c: expected .* \[0, 39\], but got start_frame=30, end_frame=45"
        ):
            sampler(
                {
                    "video_id": ["vid_c"],
                    "video": [str(videos["vid_c"])],
                    "start_frame": [30],
                    "end_frame": [45],
                }
            )
        with pytest.raises(InputValidationError, match="nope: could not open video"):
            sampler({"video_id": ["nope"], "video": ["/nonexistent/nope.mp4"]})
        with pytest.raises(InputValidationError, match="`video` column or `video_root`"):
            sampler({"video_id": ["vid_a"]})

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"num_frames": 0}, "`num_frames` to be an integer >= 1"),
            ({"fps": -2}, "`fps` to be a number > 0"),
            ({"window": "clip"}, "`window` to be 'example'"),
            ({"window_position": "end"}, "`window_position` to be one of"),
            ({"backend": "cv2"}, "`backend` to be one of"),
            ({"output": "list"}, "`output` to be one of"),
            ({"num_frames": 8, "fps": 4}, "one of `num_frames` and `fps`, but got num_frames=8 and fps=4"),
        ],
    )
    def test_argument_errors(self, kwargs, match):
        with pytest.raises(InputValidationError, match=match):
            VideoClipSampler(**kwargs)

    def test_pickle_drops_decoders_and_new_process_reopens(self, videos):
        sampler = VideoClipSampler(num_frames=2, backend="pyav")
        batch = {"video": [str(videos["vid_a"])]}
        sampler(batch)
        sampler(batch)
        assert sampler.opened_readers == 1  # cached within a process
        clone = pickle.loads(pickle.dumps(sampler))
        assert clone._readers == {} and clone.opened_readers == 0
        assert _indices_of(clone(batch)["frames"][0]) == [15, 45]
        sampler._pid = -1  # as after a fork into a DataLoader worker
        sampler(batch)
        assert sampler.opened_readers == 1 and len(sampler._readers) == 1


class TestAttachVideos:
    def test_attach_then_sample(self, videos):
        labels = datasets.Dataset.from_dict(
            {"video_id": ["vid_b", "vid_c"], "label": [4, 5], "start_frame": [0, 30], "end_frame": [9, 39]}
        )
        ds = attach_videos(labels, videos["vid_a"].parent, decode=False)
        assert ds[1]["video"]["path"] == str(videos["vid_c"].resolve())
        ds.set_transform(VideoClipSampler(num_frames=2))
        assert _indices_of(ds[0]["frames"]) == [2, 7]
        assert _indices_of(ds[1]["frames"]) == [32, 37]
        decoded = attach_videos(labels, videos["vid_a"].parent)  # decode=True: lazy VideoDecoder on access
        assert decoded[0]["video"].metadata.num_frames == 60

    def test_missing_videos(self, videos):
        labels = datasets.Dataset.from_dict({"video_id": ["vid_a", "gone"], "label": [0, 1]})
        with pytest.raises(
            InputValidationError, match="video file for every video id, but found none for gone"
        ):
            attach_videos(labels, videos["vid_a"].parent)
        ds = attach_videos(labels, videos["vid_a"].parent, decode=False, missing="none")
        assert ds[1]["video"] is None and ds[1]["label"] == 1
        ds.set_transform(VideoClipSampler(num_frames=2))
        assert _indices_of(ds[0]["frames"]) == [15, 45]
        with pytest.raises(
            InputValidationError, match="gone: expected a video in the `video` column, but got None"
        ):
            ds[1]


class _PidSampler(VideoClipSampler):
    """Records which process decoded each example and how many readers that process had opened."""

    def __call__(self, batch):
        out = super().__call__(batch)
        out["pid"] = [os.getpid()] * len(out["frames"])
        out["opened"] = [self.opened_readers] * len(out["frames"])
        return out


@pytest.mark.parametrize("backend", ["pyav", "torchcodec_exact", "decord"])
def test_dataloader_workers_open_their_own_decoders(videos, backend):
    ds = _clip_dataset(videos)
    sampler = _PidSampler(num_frames=2, backend=backend)
    sampler({"video": [str(videos["vid_a"])]})  # the parent opens a reader before the workers fork
    assert sampler.opened_readers == 1
    ds.set_transform(sampler)
    loader = torch.utils.data.DataLoader(ds, batch_size=1, num_workers=2, shuffle=False)
    rows = [(int(b["pid"][0]), int(b["opened"][0]), b["video_id"][0]) for b in loader]
    pids = {pid for pid, _, _ in rows}
    assert len(pids) == 2 and os.getpid() not in pids
    for pid in pids:
        # each worker starts with no reader (the parent's is never reused) and opens each video once
        seen = [(opened, vid) for p, opened, vid in rows if p == pid]
        assert seen[0][0] == 1
        assert [opened for opened, _ in seen] == sorted(opened for opened, _ in seen)
        assert seen[-1][0] == len({vid for _, vid in seen})


@pytest.mark.parametrize("backend", ["torchcodec_exact", "torchcodec_approximate", "pyav"])
def test_dataloader_two_workers(videos, backend):
    ds = _clip_dataset(videos)
    starts, ends = ds["start_frame"], ds["end_frame"]
    ds.set_transform(VideoClipSampler(num_frames=4, backend=backend))
    loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=2, shuffle=False)
    labels, seen = [], []
    for batch in loader:
        assert tuple(batch["frames"].shape) == (2, 4, 3, 48, 64)
        labels.extend(batch["label"].tolist())
        for i in range(2):
            seen.append((_indices_of(batch["frames"][i]), batch["frame_indices"][i].tolist()))
    assert labels == [0, 1, 2, 3, 4, 5]
    for (decoded, reported), start, end in zip(seen, starts, ends, strict=True):
        assert decoded == reported == uniform_indices(start, end, 4).tolist()
