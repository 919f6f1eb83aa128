"""``proceval.video.collate.VideoCollate``: picklable, works in spawn workers, handles mixed ego/exo sizes."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from proceval.errors import InputValidationError
from proceval.video.collate import ORIGINAL_SIZE_KEY, VideoCollate

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader, default_collate  # noqa: E402


def _clip(video_id: str, h: int, w: int, value: int, n: int = 3) -> dict:
    """A decoded clip as VideoClipSampler returns it (uint8 NCHW frames, indices, pts), constant colour."""
    return {
        "video_id": video_id,
        "frames": torch.full((n, 3, h, w), value, dtype=torch.uint8),
        "frame_indices": np.arange(n, dtype=np.int64),
        "pts_seconds": np.arange(n) / 25.0,
        "fps": 25.0,
    }


# an ego clip (wider frames) and an exo clip in one batch, as IMPACT's views give them
MIXED = [_clip("ego", 9, 16, 200), _clip("exo", 12, 12, 40), _clip("exo2", 12, 12, 90)]


def test_pickles_and_keeps_options() -> None:
    collate = VideoCollate(size=(4, 6), dimension_order="NHWC", frames_key="clip")
    again = pickle.loads(pickle.dumps(collate))
    assert (again.size, again.dimension_order, again.frames_key) == ((4, 6), "NHWC", "clip")
    assert repr(again) == "VideoCollate(size=(4, 6), frames_key='clip', dimension_order='NHWC')"
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(lambda b: b)  # what the quickstart used to pass


def test_mixed_frame_sizes_fail_the_default_collate_but_not_this_one() -> None:
    with pytest.raises(RuntimeError):
        default_collate(MIXED)
    batch = VideoCollate()(MIXED)  # no size: frames kept per example, the rest collated
    assert isinstance(batch["frames"], list) and [tuple(f.shape) for f in batch["frames"]] == [
        (3, 3, 9, 16),
        (3, 3, 12, 12),
        (3, 3, 12, 12),
    ]
    assert batch["video_id"] == ["ego", "exo", "exo2"]
    assert batch["frame_indices"].shape == (3, 3) and batch["pts_seconds"].dtype == np.float64
    assert batch["fps"].tolist() == [25.0, 25.0, 25.0]
    resized = VideoCollate(size=(8, 8))(MIXED)
    frames = resized["frames"]
    assert frames.shape == (3, 3, 3, 8, 8) and frames.dtype == torch.uint8
    # a constant frame stays constant through the antialiased bilinear resize
    assert [int(frames[i].min()) for i in range(3)] == [200, 40, 90]
    assert [int(frames[i].max()) for i in range(3)] == [200, 40, 90]
    assert resized[ORIGINAL_SIZE_KEY].tolist() == [[9, 16], [12, 12], [12, 12]]


def test_equal_sizes_stack_like_the_default_collate() -> None:
    same = [_clip("a", 6, 8, 1), _clip("b", 6, 8, 2)]
    ours, theirs = VideoCollate()(same), default_collate(same)
    assert torch.equal(ours["frames"], theirs["frames"])
    assert ours["video_id"] == theirs["video_id"]
    # a clip already at the target size is not resampled
    kept = VideoCollate(size=(6, 8))(same)
    assert torch.equal(kept["frames"], theirs["frames"])


def test_resize_matches_torch_interpolate_and_nhwc_and_numpy() -> None:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, size=(2, 3, 10, 14), dtype=np.uint8)
    batch = VideoCollate(size=(5, 7))([{"frames": frames}])
    want = torch.nn.functional.interpolate(
        torch.as_tensor(frames).float(), size=(5, 7), mode="bilinear", align_corners=False, antialias=True
    )
    assert isinstance(batch["frames"], np.ndarray) and batch["frames"].dtype == np.uint8
    assert np.array_equal(batch["frames"][0], want.round().clamp(0, 255).to(torch.uint8).numpy())
    nhwc = VideoCollate(size=(5, 7), dimension_order="NHWC")([{"frames": frames.transpose(0, 2, 3, 1)}])
    assert np.array_equal(nhwc["frames"][0], batch["frames"][0].transpose(0, 2, 3, 1))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"size": (0, 4)}, "`size`"),
        ({"size": 224}, "`size`"),
        ({"size": (2.5, 4)}, "`size`"),
        ({"dimension_order": "CHW"}, "`dimension_order`"),
    ],
)
def test_bad_options(kwargs: dict, match: str) -> None:
    with pytest.raises(InputValidationError, match=match):
        VideoCollate(**kwargs)


def test_bad_batches_name_the_example() -> None:
    with pytest.raises(InputValidationError, match="example 1 has"):
        VideoCollate()([{"a": 1}, {"b": 1}])
    with pytest.raises(
        InputValidationError, match=r"`frames` of example 0 to be 4-D \(NCHW\), but got shape \(3, 4\)"
    ):
        VideoCollate(size=(2, 2))([{"frames": np.zeros((3, 4), np.uint8)}])
    assert VideoCollate()([]) == {}


def test_dataloader_worker_under_spawn_with_mixed_sizes() -> None:
    """One spawned worker: the collate (and the batch) cross the process boundary by pickling."""
    data = [
        {"video_id": f"v{i}", "frames": np.full((2, 3, 6 + 3 * (i % 2), 10), i, np.uint8)} for i in range(4)
    ]
    loader = DataLoader(
        data,
        batch_size=2,
        num_workers=1,
        collate_fn=VideoCollate(size=(6, 10)),
        multiprocessing_context="spawn",
    )
    batches = list(loader)
    assert [b["video_id"] for b in batches] == [["v0", "v1"], ["v2", "v3"]]
    for k, batch in enumerate(batches):
        assert batch["frames"].shape == (2, 2, 3, 6, 10)
        assert [int(batch["frames"][j].max()) for j in range(2)] == [2 * k, 2 * k + 1]
        assert batch[ORIGINAL_SIZE_KEY].tolist() == [[6, 10], [9, 10]]
