"""Decision clips: decode each decision point's window of its session video, and nothing else.

``egoproactive_decisions`` and ``pro2bench_<source>`` rows carry the decision window as ``start_s`` /
``end_s`` (seconds, half-open) and, when loaded with videos, the session's whole video in ``video``.
:func:`with_decision_clips` sets a :class:`~proceval.video.transforms.VideoClipSampler` as the dataset's
transform: indexing a row then decodes ``num_frames`` frames spread over that window only (frame ``i``
is on screen during ``[i / fps, (i + 1) / fps)``; the window maps to frames
``floor(start_s * fps) .. ceil(end_s * fps) - 1``, clamped to the video's last frame), seeking to the
keyframe at or before the window. The official baseline looks at 16 frames per 8 s chunk (spec §1.3),
the default here.

Example::

    ds = load_config("pro2bench", release, "egoproactive_decisions", split="validation",
                     videos_dir=release, decode_video=False)
    clips = with_decision_clips(ds, num_frames=16)
    clips[0]["frames"].shape        # torch.Size([16, 3, 1080, 1920]) for a real 1080p video
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proceval.video.backends import DEFAULT_BACKEND
from proceval.video.transforms import VideoClipSampler

if TYPE_CHECKING:
    import datasets

CLIP_FRAMES = 16
"""Frames per decision clip by default (the challenge baseline's 16 frames per 8 s chunk)."""


def decision_clip_sampler(
    num_frames: int = CLIP_FRAMES, *, backend: str = DEFAULT_BACKEND, **options: Any
) -> VideoClipSampler:
    """A :class:`VideoClipSampler` that samples ``num_frames`` frames over each row's ``[start_s, end_s)``.

    ``options`` go to :class:`VideoClipSampler` (``output``, ``dimension_order``, ``num_threads``, ...).
    """
    return VideoClipSampler(num_frames=num_frames, backend=backend, **options)


def with_decision_clips(
    ds: datasets.Dataset, num_frames: int = CLIP_FRAMES, *, backend: str = DEFAULT_BACKEND, **options: Any
) -> datasets.Dataset:
    """``ds`` with a transform that decodes each row's decision window (see the module docstring).

    The rows keep their columns (``video`` is replaced by ``frames``, ``frame_indices`` and
    ``pts_seconds``); a row whose video is missing (``video_status = "missing"``) raises when indexed.
    """
    return ds.with_transform(decision_clip_sampler(num_frames, backend=backend, **options))
