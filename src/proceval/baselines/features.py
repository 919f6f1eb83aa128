"""Per-frame colour features decoded from a video: the mean RGB of a coarse spatial grid."""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=256)
def frame_colour_features(
    path: str | os.PathLike[str], grid: int = 4, backend: str | None = None
) -> np.ndarray:
    """Decode every frame of ``path`` and return ``[T, 3 * grid * grid]`` float32 features in [0, 1].

    Each frame is split into ``grid × grid`` cells; a cell's feature is its mean R, G, B.
    """
    from proceval.video.backends import DEFAULT_BACKEND, open_reader

    reader = open_reader(str(path), backend=backend or DEFAULT_BACKEND)
    try:
        n = reader.num_frames
        feats = []
        for start in range(0, n, 256):
            idx = np.arange(start, min(n, start + 256))
            frames = reader.get_frames_at(idx).frames  # [N, C, H, W] uint8
            arr = frames.numpy() if hasattr(frames, "numpy") else np.asarray(frames)
            N, C, H, W = arr.shape
            h, w = H // grid * grid, W // grid * grid
            cells = arr[:, :, :h, :w].reshape(N, C, grid, h // grid, grid, w // grid).mean(axis=(3, 5))
            feats.append(cells.reshape(N, -1).astype(np.float32) / 255.0)
    finally:
        reader.close()
    out = np.concatenate(feats) if feats else np.zeros((0, 3 * grid * grid), np.float32)
    out.setflags(write=False)
    return out


def window_mean(features: np.ndarray, start_frame: int, end_frame: int) -> np.ndarray:
    """Mean feature over frames ``[start_frame, end_frame]`` (inclusive, clipped to the video)."""
    lo = max(0, min(int(start_frame), len(features) - 1))
    hi = max(lo, min(int(end_frame), len(features) - 1))
    return features[lo : hi + 1].mean(axis=0)
