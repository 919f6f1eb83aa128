"""Load an IMPACT config as a ``datasets.Dataset`` straight from the official release.

``datasets`` 5.x removed script loading, so :func:`load_impact` instantiates
:class:`~proceval.datasets.builder.ImpactBuilder` itself, runs ``download_and_prepare``
(generation into the Arrow cache, once) and ``as_dataset`` (memory-mapped; later loads of the same
config, release and videos folder come straight from the cache).
"""

from __future__ import annotations

import os
from pathlib import Path

import datasets
from datasets.exceptions import DatasetGenerationError

from proceval.benchmarks.impact.release import resolve_dataset_dir
from proceval.errors import ProcevalError
from proceval.io import default_cache_dir


def load_impact(
    source_dir: str | os.PathLike[str],
    name: str,
    split: str | None = None,
    videos_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    decode_video: bool = True,
) -> datasets.Dataset | datasets.DatasetDict:
    """Build (first call) or reuse (later calls) the Arrow cache of config ``name`` and return it.

    Args:
        source_dir: the release's top folder, its ``dataset/`` folder, or the ``.tar.gz`` archive.
        name: a config name such as ``tas_s_s2`` (see ``proceval list impact``).
        split: ``train``, ``validation`` or ``test``; None returns a ``DatasetDict`` of all splits.
        videos_dir: folder of ``<video_id>.mp4`` (or ``<view>/<video_id>.mp4``); adds a lazily
            decoded ``video`` column. None loads labels only.
        cache_dir: Arrow cache folder (default ``<proceval cache>/datasets``).
        decode_video: False returns ``video`` as ``{"path", "bytes"}`` instead of a decoder.

    Raises:
        ValueError: ``name`` is not an IMPACT config.
        ReleaseFormatError: a release file or a video file is missing or malformed (file and line named).
    """
    from proceval.datasets.builder import ImpactBuilder, builder_hash

    dataset_dir = resolve_dataset_dir(source_dir)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir() / "datasets"
    builder = ImpactBuilder(
        cache_dir=str(cache),
        config_name=name,
        hash=builder_hash(),
        source_dir=str(dataset_dir),
        videos_dir=str(Path(videos_dir).resolve()) if videos_dir is not None else None,
        decode_video=decode_video,
    )
    try:
        builder.download_and_prepare()
    except DatasetGenerationError as exc:
        # Surface the release error (file and line) rather than the generic wrapper.
        if isinstance(exc.__cause__, ProcevalError):
            raise exc.__cause__ from None
        raise
    return builder.as_dataset(split=split)
