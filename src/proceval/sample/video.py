"""Tiny synthetic videos whose frames show their labels (so trivial baselines can learn something).

Each frame is a flat colour chosen by the frame's main label (an IMPACT coarse step, an EgoProactive
step, a ProcObject step), plus optional corner patches for secondary labels (e.g. the left / right
hand fine actions), an optional border whose colour encodes a phase, a view-dependent tint and a
little seeded noise. Videos are encoded with PyAV: H.264 (``libx264``, yuv420p, one thread, so the
output is byte-identical for the same input) or MPEG-4 Part 2 where libx264 is unavailable; a sample
writer may ask for H.265 (``libx265``, one thread pool, also byte-stable) per video. The
frame count of every file equals the length of the label array it was rendered from.
"""

from __future__ import annotations

import colorsys
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from proceval.io import atomic_output

PHASE_BORDER: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0),
    (230, 30, 30),
    (240, 200, 20),
)  # normal/anomaly/recovery


def palette(n: int, *, offset: float = 0.0, null_grey: bool = True) -> np.ndarray:
    """``n`` well-separated RGB colours (uint8, shape ``[n, 3]``); class 0 is mid grey when ``null_grey``."""
    out = np.zeros((n, 3), dtype=np.uint8)
    for k in range(n):
        if null_grey and k == 0:
            out[k] = (128, 128, 128)
            continue
        h = (offset + (k - (1 if null_grey else 0)) / max(1, n - (1 if null_grey else 0))) % 1.0
        r, g, b = colorsys.hsv_to_rgb(h, 0.75, 0.9 if k % 2 else 0.6)
        out[k] = (int(r * 255), int(g * 255), int(b * 255))
    return out


@dataclass
class FrameSpec:
    """What to draw, per frame (all arrays have one entry per frame).

    Attributes:
        main: per-frame ids coloured with ``main_palette`` over the whole frame.
        main_palette: ``[K, 3]`` uint8 colours.
        patches: per-frame ids for corner patches (bottom-left, bottom-right, ...), each with a palette.
        border: optional per-frame phase ids (0 normal, 1 anomaly, 2 recovery) drawn as a 4-pixel border.
        tint: RGB offset added to every pixel (view-dependent).
        noise: amplitude of the uniform per-pixel noise.
    """

    main: np.ndarray
    main_palette: np.ndarray
    patches: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    border: np.ndarray | None = None
    tint: tuple[int, int, int] = (0, 0, 0)
    noise: int = 6


class FrameRenderer:
    """Renders the frames of a :class:`FrameSpec`, caching one base image per distinct label combination.

    Noise comes from a bank of 16 pre-drawn tiles (blocks of 4x4 pixels) picked per frame by ``rng``, so
    rendering costs one addition per frame.
    """

    def __init__(self, spec: FrameSpec, width: int, height: int, rng: np.random.Generator) -> None:
        self.spec, self.width, self.height, self.rng = spec, width, height, rng
        self._cache: dict[tuple[int, ...], np.ndarray] = {}
        a = spec.noise
        self._noise = [
            rng.integers(-a, a + 1, size=(height // 4, width // 4, 1), dtype=np.int16)
            .repeat(4, axis=0)
            .repeat(4, axis=1)
            for _ in range(16 if a else 0)
        ]

    def _base(self, key: tuple[int, ...]) -> np.ndarray:
        spec, width, height = self.spec, self.width, self.height
        img = np.empty((height, width, 3), dtype=np.int16)
        img[:] = spec.main_palette[key[0]]
        ph, pw = height // 3, width // 4
        for k, (_, pal) in enumerate(spec.patches):
            x0 = 6 + (k // 2) * (pw + 6) if k % 2 == 0 else width - 6 - pw - (k // 2) * (pw + 6)
            img[height - ph - 6 : height - 6, x0 : x0 + pw] = pal[key[1 + k]]
        if spec.border is not None and key[-1]:
            color = PHASE_BORDER[key[-1]]
            img[:4], img[-4:], img[:, :4], img[:, -4:] = color, color, color, color
        img += np.asarray(spec.tint, dtype=np.int16)
        return img

    def _key(self, i: int) -> tuple[int, ...]:
        spec = self.spec
        key = (int(spec.main[i]), *(int(ids[i]) for ids, _ in spec.patches))
        return (*key, int(spec.border[i]) if spec.border is not None else 0)

    def frame(self, i: int) -> np.ndarray:
        """The ``i``-th frame as an ``[height, width, 3]`` uint8 RGB array."""
        key = self._key(i)
        base = self._cache.get(key)
        if base is None:
            base = self._cache[key] = self._base(key)
        if self._noise:
            base = base + self._noise[int(self.rng.integers(0, len(self._noise)))]
        return np.clip(base, 0, 255).astype(np.uint8)

    def frame_yuv420p(self, i: int) -> np.ndarray:
        """The ``i``-th frame as planar yuv420p (BT.601, limited range): shape ``[height * 3 // 2, width]``.

        Noise is added to the luma plane only; converting in numpy avoids a per-frame swscale call.
        """
        key = ("yuv", *self._key(i))
        planes = self._cache.get(key)
        if planes is None:
            planes = self._cache[key] = rgb_to_yuv420p(np.clip(self._base(key[1:]), 0, 255))
        y, uv = planes
        if self._noise:
            y = y + self._noise[int(self.rng.integers(0, len(self._noise)))][:, :, 0]
        return np.concatenate([np.clip(y, 0, 255).astype(np.uint8), uv])


def rgb_to_yuv420p(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BT.601 limited-range RGB -> luma ``[H, W]`` (int16) and packed chroma rows ``[H // 2, W]`` (uint8)."""
    r, g, b = (rgb[..., k].astype(np.float64) for k in range(3))
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    h, w = y.shape

    def sub(c: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(c.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))), 0, 255).astype(np.uint8)

    chroma = np.concatenate([sub(u).reshape(h // 4, w), sub(v).reshape(h // 4, w)])
    return np.rint(y).astype(np.int16), chroma


def pick_codec() -> str:
    """``libx264`` where PyAV has it, else ``mpeg4``."""
    return "libx264" if "libx264" in av.codecs_available else "mpeg4"


def can_encode(codec: str) -> bool:
    """Whether this PyAV build has an encoder named ``codec`` (``libx264``, ``libx265``, ``mpeg4``...)."""
    try:
        av.codec.Codec(codec, "w")
    except Exception:  # PyAV raises its own UnknownCodecError (a ValueError) or FFmpegError
        return False
    return True


# Encoder options per codec: one thread everywhere, so the same input gives the same bytes.
_ENCODER_OPTIONS: dict[str, dict[str, str]] = {
    "libx264": {"preset": "ultrafast", "crf": "26", "threads": "1"},
    # keyframe every 2 s at 15 fps, no scene-cut keyframes, no encoder-version SEI (byte-stable output)
    "libx265": {
        "preset": "ultrafast",
        "crf": "28",
        "x265-params": "pools=1:frame-threads=1:keyint=30:min-keyint=30:scenecut=0:info=0:log-level=error",
    },
}


def write_video(
    path: str | os.PathLike[str],
    spec: FrameSpec,
    *,
    fps: int,
    size: tuple[int, int],
    seed: int,
    codec: str | None = None,
) -> int:
    """Render and encode ``spec`` to an MP4 at ``path`` atomically; return the number of frames.

    Args:
        path: output ``.mp4`` path (written to a temp file in the same folder, then renamed).
        spec: per-frame content; its ``main`` array fixes the frame count.
        fps: frame rate (frames per second; constant).
        size: ``(width, height)`` in pixels, both even.
        seed: noise seed (combined with the file name, so videos differ but are reproducible).
        codec: ``"libx264"``, ``"libx265"`` (H.265, keyframe every 30 frames) or ``"mpeg4"``; default
            :func:`pick_codec`.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    codec = codec or pick_codec()
    rng = np.random.default_rng([seed, zlib.crc32(target.name.encode())])
    n = len(spec.main)
    with atomic_output(target, suffix=".mp4") as tmp:
        with av.open(str(tmp), mode="w", format="mp4") as container:
            stream = container.add_stream(codec, rate=Fraction(fps))
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.codec_context.time_base = Fraction(1, fps)
            stream.thread_count = 1
            stream.options = dict(_ENCODER_OPTIONS.get(codec, {"qscale": "5"}))
            renderer = FrameRenderer(spec, width, height, rng)
            for i in range(n):
                frame = av.VideoFrame.from_ndarray(renderer.frame_yuv420p(i), format="yuv420p")
                frame.pts = i
                frame.time_base = Fraction(1, fps)
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
    return n


def view_tint(view: str) -> tuple[int, int, int]:
    """A small, fixed colour offset per camera view."""
    return {
        "front": (0, 0, 0),
        "left": (12, -8, 0),
        "right": (-8, 12, 0),
        "top": (0, -8, 12),
        "ego": (10, 10, -10),
    }.get(view, (0, 0, 0))


def ids_from_spans(spans: Sequence[tuple[int, float, float]], n_frames: int, fps: float) -> np.ndarray:
    """Per-frame ids from ``(id, start_s, end_s)`` spans in seconds (frames not covered get id 0)."""
    out = np.zeros(n_frames, dtype=np.int64)
    for label, start_s, end_s in spans:
        out[round(start_s * fps) : round(end_s * fps)] = label
    return out
