"""Load an IMPACT config straight from the official release: :func:`load_impact`.

A thin wrapper of :func:`proceval.datasets.load.load_config` with the benchmark fixed to IMPACT.
"""

from __future__ import annotations

import os

import datasets

from proceval.datasets.load import load_config


def load_impact(
    source_dir: str | os.PathLike[str],
    name: str,
    split: str | None = None,
    videos_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    decode_video: bool = True,
) -> datasets.Dataset | datasets.DatasetDict:
    """Build (first call) or reuse (later calls) the Arrow cache of IMPACT config ``name`` and return it.

    Args:
        source_dir: the release's top folder, its ``dataset/`` folder, or the ``.tar.gz`` archive.
        name: a config name such as ``tas_s_s2`` (see ``proceval list configs``).
        split: ``train``, ``validation`` or ``test``; None returns a ``DatasetDict`` of all splits.
        videos_dir: folder of ``<video_id>.mp4`` (or ``<view>/<video_id>.mp4``); adds a lazily
            decoded ``video`` column. None loads labels only.
        cache_dir: Arrow cache folder (default ``<proceval cache>/datasets``).
        decode_video: False returns ``video`` as ``{"path", "bytes"}`` instead of a decoder.

    Raises:
        InputValidationError: ``name`` is not an IMPACT config (the known ones are listed).
        ReleaseFormatError: a release file or a video file is missing or malformed (file and line named).
    """
    return load_config("impact", source_dir, name, split, videos_dir, cache_dir, decode_video=decode_video)
