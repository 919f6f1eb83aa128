"""Frame sampling rules and feature-pack windows (numpy only: no torch, no decoder)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.video.features import FeatureWindowLoader, feature_window, load_feature_window
from proceval.video.media import attach_features
from proceval.video.sampling import (
    fps_indices,
    fps_indices_seconds,
    seconds_to_frame_window,
    uniform_indices,
    uniform_indices_seconds,
)


def _reference_uniform(start: int, end: int, n: int) -> list[int]:
    """Plain float version of the bin-centre rule: the frame under the centre of each of n equal bins."""
    length = end - start + 1
    return [start + math.floor((k + 0.5) * length / n) for k in range(n)]


def _reference_fps(start: int, end: int, video_fps: float, target_fps: float) -> list[int]:
    out, j = [], 0
    while True:
        f = start + math.floor(j * video_fps / target_fps + 1e-9)
        if f > end:
            return out
        out.append(f)
        j += 1


class TestUniformIndices:
    @pytest.mark.parametrize(
        ("start", "end", "n", "expected"),
        [
            (0, 59, 4, [7, 22, 37, 52]),
            (0, 15, 16, list(range(16))),
            (100, 101, 4, [100, 100, 101, 101]),
            (5, 5, 3, [5, 5, 5]),
            (0, 9, 1, [5]),
            (30, 89, 3, [40, 60, 80]),
        ],
    )
    def test_hand_values(self, start, end, n, expected):
        assert uniform_indices(start, end, n).tolist() == expected

    def test_matches_reference_on_random_windows(self):
        rng = np.random.default_rng(0)
        for _ in range(500):
            start = int(rng.integers(0, 1000))
            end = start + int(rng.integers(0, 200))
            n = int(rng.integers(1, 40))
            got = uniform_indices(start, end, n)
            assert got.tolist() == _reference_uniform(start, end, n)
            assert got.dtype == np.int64
            assert got.min() >= start and got.max() <= end
            assert np.all(np.diff(got) >= 0)
            if end - start + 1 >= n:
                assert len(set(got.tolist())) == n

    def test_short_window_repeats_each_frame_floor_or_ceil_times(self):
        got = uniform_indices(10, 12, 8).tolist()  # 3 frames for 8 samples
        counts = [got.count(f) for f in (10, 11, 12)]
        assert sorted(counts) == [2, 3, 3]
        assert got == sorted(got)

    def test_short_window_error_policy(self):
        with pytest.raises(InputValidationError, match=r"at least `num_frames`=8 frames.*\[10, 12\]"):
            uniform_indices(10, 12, 8, short_window="error")

    @pytest.mark.parametrize(
        ("args", "kwargs", "match"),
        [
            ((5, 4, 2), {}, r"`end_frame` >= `start_frame`.*start_frame=5, end_frame=4"),
            ((-1, 4, 2), {}, r"`start_frame` to be >= 0, but got -1"),
            ((0, 4, 0), {}, r"`num_frames` to be >= 1, but got 0"),
            ((0.5, 4, 2), {}, r"`start_frame` to be an integer, but got 0.5"),
            ((0, 4, 2), {"short_window": "pad"}, r"`short_window` to be one of"),
        ],
    )
    def test_errors(self, args, kwargs, match):
        with pytest.raises(InputValidationError, match=match):
            uniform_indices(*args, **kwargs)


class TestFpsIndices:
    @pytest.mark.parametrize(
        ("start", "end", "vfps", "tfps", "expected"),
        [
            (0, 29, 30, 4, [0, 7, 15, 22]),
            (0, 59, 30, 1, [0, 30]),
            (10, 19, 30, 30, list(range(10, 20))),
            (100, 102, 30, 60, [100, 100, 101, 101, 102, 102]),
            (0, 24, 25, 2, [0, 12]),
            (7, 7, 30, 4, [7]),
        ],
    )
    def test_hand_values(self, start, end, vfps, tfps, expected):
        assert fps_indices(start, end, vfps, tfps).tolist() == expected

    def test_ntsc_rate_is_exact(self):
        # 30000/1001 fps sampled at 30000/1001: every frame, no drift after thousands of frames.
        got = fps_indices(0, 8999, 30000 / 1001, 30000 / 1001)
        assert got.tolist() == list(range(9000))

    def test_matches_reference(self):
        rng = np.random.default_rng(1)
        for _ in range(300):
            start = int(rng.integers(0, 500))
            end = start + int(rng.integers(0, 300))
            vfps = float(rng.choice([25, 30, 60]))
            tfps = float(rng.choice([1, 2, 4, 5, 8, 10]))
            assert fps_indices(start, end, vfps, tfps).tolist() == _reference_fps(start, end, vfps, tfps)

    @pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "30"])
    def test_bad_rates(self, bad):
        with pytest.raises(InputValidationError, match="target_fps"):
            fps_indices(0, 10, 30, bad)


class TestSecondsVariants:
    @pytest.mark.parametrize(
        ("start_s", "end_s", "fps", "num_frames", "expected"),
        [
            (1.0, 3.0, 30, None, (30, 89)),
            (0.0, 0.1, 30, None, (0, 2)),  # 0.1 * 30 = 3.0000000000000004 must not add a frame
            (0.05, 0.06, 30, None, (1, 1)),  # shorter than a frame: the frame on screen at start_s
            (1.0, 10.0, 30, 60, (30, 59)),  # clamped to the video
        ],
    )
    def test_seconds_to_frame_window(self, start_s, end_s, fps, num_frames, expected):
        assert seconds_to_frame_window(start_s, end_s, fps, num_frames) == expected

    def test_window_after_video_end(self):
        with pytest.raises(InputValidationError, match=r"before the end of the video \(60 frames"):
            seconds_to_frame_window(2.5, 3.0, 30, 60)

    def test_empty_seconds_window(self):
        with pytest.raises(InputValidationError, match="`end_s` > `start_s`"):
            seconds_to_frame_window(1.0, 1.0, 30)

    def test_uniform_seconds(self):
        assert uniform_indices_seconds(1.0, 2.0, 30, 3).tolist() == [35, 45, 55]
        assert uniform_indices_seconds(1.0, 9.0, 30, 2, video_num_frames=60).tolist() == [37, 52]

    def test_fps_seconds(self):
        assert fps_indices_seconds(0.5, 1.5, 30, 4).tolist() == [15, 22, 30, 37]
        assert fps_indices_seconds(1.0, 3.0, 30, 1, video_num_frames=45).tolist() == [
            30
        ]  # video ends at 1.5 s


class TestFeatureWindow:
    @pytest.mark.parametrize(
        ("start", "end", "vfps", "ffps", "total", "expected"),
        [
            (0, 29, 30, 30, None, (0, 29)),  # same rate: identity
            (16, 47, 30, 30 / 16, None, (1, 2)),  # one feature per 16 frames
            (20, 20, 30, 30 / 16, None, (1, 1)),  # single frame inside feature 1
            (15, 16, 30, 30 / 16, None, (0, 1)),  # straddles a feature boundary
            (0, 89, 30, 1, None, (0, 2)),  # 1 feature per second
            (30, 31, 30, 1, None, (1, 1)),
            (50, 99, 30, 30 / 16, 5, (3, 4)),  # end clamped: needs feature 6, pack has 5
        ],
    )
    def test_hand_values(self, start, end, vfps, ffps, total, expected):
        assert feature_window(start, end, vfps, ffps, total) == expected

    def test_overflow_error_policy(self):
        with pytest.raises(InputValidationError, match=r"maps to features \[3, 6\]"):
            feature_window(50, 99, 30, 30 / 16, 5, on_overflow="error")

    def test_window_after_pack_end_always_raises(self):
        with pytest.raises(InputValidationError, match="start inside the feature pack"):
            feature_window(200, 210, 30, 30 / 16, 5)


@pytest.fixture()
def feature_pack(tmp_path: Path) -> Path:
    """A [12, 3] pack at 30/16 features per second; row i is (i, 10 i, 1)."""
    arr = np.stack([np.arange(12), 10 * np.arange(12), np.ones(12)], axis=1).astype(np.float32)
    path = tmp_path / "vid_a.npy"
    np.save(path, arr)
    return path


class TestFeatureLoading:
    def test_load_window(self, feature_pack):
        x, (first, last) = load_feature_window(feature_pack, 16, 47, 30, 30 / 16)
        assert (first, last) == (1, 2)
        np.testing.assert_array_equal(x, [[1, 10, 1], [2, 20, 1]])

    def test_bad_pack_names_file(self, tmp_path):
        path = tmp_path / "bad.npy"
        np.save(path, np.zeros(5))
        with pytest.raises(ReleaseFormatError, match=r"bad\.npy.*shape \[T', D\].*\(5,\)"):
            load_feature_window(path, 0, 1, 30, 30)
        with pytest.raises(ReleaseFormatError, match=r"missing\.npy: feature file not found"):
            load_feature_window(tmp_path / "missing.npy", 0, 1, 30, 30)

    def test_window_outside_pack_names_file(self, feature_pack):
        with pytest.raises(InputValidationError, match=r"vid_a\.npy: .*start inside"):
            load_feature_window(feature_pack, 900, 910, 30, 30 / 16)

    def test_transform_with_datasets(self, feature_pack):
        import datasets

        ds = datasets.Dataset.from_dict(
            {
                "video_id": ["vid_a", "vid_a"],
                "label": [3, 7],
                "fps": [30.0, 30.0],
                "start_frame": [16, 0],
                "end_frame": [47, 15],
                "feature_path": [str(feature_pack)] * 2,
                "feature_fps": [30 / 16] * 2,
            }
        )
        ds.set_transform(FeatureWindowLoader(pool="mean"))
        row = ds[0]
        assert row["label"] == 3
        assert (row["feature_first"], row["feature_last"]) == (1, 2)
        np.testing.assert_allclose(row["features"], [1.5, 15.0, 1.0])
        ds.set_transform(FeatureWindowLoader(pool="mean_l2"))
        np.testing.assert_allclose(ds[1]["features"], [0.0, 0.0, 1.0])

    def test_attach_features_then_load(self, feature_pack):
        import datasets

        ds = datasets.Dataset.from_dict(
            {
                "video_id": ["vid_a", "vid_a"],
                "fps": [30.0, 30.0],
                "start_frame": [16, 0],
                "end_frame": [47, 15],
            }
        )
        ds = attach_features(ds, feature_pack.parent, 30 / 16)
        assert ds[0]["feature_path"] == str(feature_pack.resolve()) and ds[0]["feature_fps"] == 1.875
        ds.set_transform(FeatureWindowLoader())
        np.testing.assert_array_equal(ds[0]["features"], [[1, 10, 1], [2, 20, 1]])

    def test_attach_features_missing_policy(self, feature_pack):
        import datasets

        ds = datasets.Dataset.from_dict({"video_id": ["vid_a", "vid_zz"], "label": [1, 2]})
        with pytest.raises(InputValidationError, match=r"feature file \(\.npy\) for every video id.*vid_zz"):
            attach_features(ds, feature_pack.parent, 1.0)
        out = attach_features(ds, feature_pack.parent, 1.0, missing="none")
        assert out["feature_path"] == [str(feature_pack.resolve()), None]
        assert out["label"] == [1, 2]

    def test_transform_requires_columns(self):
        with pytest.raises(InputValidationError, match="`feature_fps` column"):
            FeatureWindowLoader()({"feature_path": ["x.npy"]})
        with pytest.raises(InputValidationError, match="`pool` to be one of"):
            FeatureWindowLoader(pool="max")


def test_import_without_torch():
    """Label-only paths: importing proceval.video and sampling must not need torch or any decoder."""
    code = (
        "import sys\n"
        "for m in ('torch', 'torchcodec', 'decord', 'av'):\n"
        "    sys.modules[m] = None\n"
        "import proceval.video as v\n"
        "print(v.uniform_indices(0, 59, 4).tolist(), v.DEFAULT_BACKEND in v.BACKENDS)\n"
        "s = v.VideoClipSampler(num_frames=4)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[7, 22, 37, 52] True"
