"""Lazy video media: frame sampling, decoding backends, a clip-sampling transform, feature packs.

Importing this package needs only numpy: torch, torchcodec, decord and PyAV are imported inside the
functions that decode, so label-only code paths work without the ``video`` extra.

Typical use (clip examples carry ``video_id``, ``fps``, ``start_frame`` / ``end_frame`` inclusive)::

    ds = attach_videos(labels, "/data/impact/videos", decode=False)   # lazy {"path", "bytes"} column
    ds.set_transform(VideoClipSampler(num_frames=16))                  # decodes only each clip's window
    loader = torch.utils.data.DataLoader(ds, batch_size=8, num_workers=2)

    feats = attach_features(labels, "/data/impact/features/i3d", feature_fps=30 / 16)
    feats.set_transform(FeatureWindowLoader(pool="mean_l2"))          # window mapped onto the feature axis
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
