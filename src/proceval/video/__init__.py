"""Lazy video media: frame sampling, decoding backends, a clip-sampling transform, feature packs.

Importing this package needs only numpy: torch, torchcodec, decord and PyAV are imported inside the
functions that decode, so label-only code paths work without the ``video`` extra.
"""

from proceval.video.backends import (
    BACKENDS,
    DEFAULT_BACKEND,
    Clip,
    FrameReader,
    open_reader,
    read_frames,
)
from proceval.video.features import FeatureWindowLoader, feature_window, load_feature_window
from proceval.video.media import attach_features, attach_videos, find_video
from proceval.video.sampling import (
    fps_indices,
    fps_indices_seconds,
    seconds_to_frame_window,
    uniform_indices,
    uniform_indices_seconds,
)
from proceval.video.transforms import VideoClipSampler

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "Clip",
    "FeatureWindowLoader",
    "FrameReader",
    "VideoClipSampler",
    "attach_features",
    "attach_videos",
    "feature_window",
    "find_video",
    "fps_indices",
    "fps_indices_seconds",
    "load_feature_window",
    "open_reader",
    "read_frames",
    "seconds_to_frame_window",
    "uniform_indices",
    "uniform_indices_seconds",
]
