"""Load a config of any registered benchmark as a ``datasets.Dataset`` straight from its release.

``datasets`` 5.x removed script loading, so :func:`load_config` instantiates the benchmark's builder
(:func:`proceval.datasets.builder.builder_class`) itself, runs ``download_and_prepare`` (generation
into the Arrow cache, once per release content) and ``as_dataset`` (memory-mapped; later loads of the
same config, release content and videos folder come straight from the cache).
"""

from __future__ import annotations

import os
from pathlib import Path

import datasets
from datasets.exceptions import DatasetGenerationError

from proceval.errors import ProcevalError, ReleaseFormatError
from proceval.io import default_cache_dir
from proceval.registry import Benchmark, get_benchmark


def resolve_source(benchmark: str | Benchmark, source: str | os.PathLike[str]) -> Path:
    """The release folder of ``source``: the benchmark's ``resolve_release``, else ``source`` itself.

    Raises:
        ReleaseFormatError: the benchmark has no resolver and ``source`` is not a folder (or the
            resolver's own error: the release is missing or not in the expected layout).
    """
    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    if bench.resolve_release is not None:
        return Path(bench.resolve_release(source))
    path = Path(source)
    if not path.is_dir():
        raise ReleaseFormatError(path, "release folder not found")
    return path.resolve()


def load_config(
    benchmark: str,
    source: str | os.PathLike[str],
    name: str,
    split: str | None = None,
    videos_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    decode_video: bool = True,
) -> datasets.Dataset | datasets.DatasetDict:
    """Build (first call) or reuse (later calls) the Arrow cache of ``benchmark``'s config ``name``.

    Args:
        benchmark: a registered benchmark's name (``proceval list benchmarks``).
        source: the release as the user has it (a folder, a sub-folder or an archive: whatever the
            benchmark's ``resolve_release`` accepts).
        name: a config name (``proceval list configs --benchmark BENCHMARK``).
        split: one of the config's splits; None returns a ``DatasetDict`` of all of them.
        videos_dir: folder of ``<video_id>.mp4`` (or ``<view>/<video_id>.mp4``, or the config's own
            layout, see :mod:`proceval.datasets.media`); adds a lazily decoded ``video`` column (and
            ``video_status`` where the config records missing videos per row). None loads labels only.
        cache_dir: Arrow cache folder (default ``<proceval cache>/datasets``).
        decode_video: False returns ``video`` as ``{"path", "bytes"}`` instead of a decoder.

    Raises:
        InputValidationError: ``benchmark`` or ``name`` is unknown (the message lists the known ones).
        ReleaseFormatError: a release file or a video file is missing or malformed (file and line named;
            a missing video of a config with the ``"status"`` policy is a row status instead).
    """
    from proceval.datasets.builder import builder_class, cache_hash, data_version
    from proceval.datasets.features import missing_video_policy
    from proceval.datasets.media import videos_digest

    bench = get_benchmark(benchmark)
    spec = bench.get_config(name)  # an unknown config fails before the release is read
    dataset_dir = resolve_source(bench, source)
    version = data_version(bench, dataset_dir)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir() / "datasets"
    extra: dict[str, str] = {}
    if videos_dir is not None and missing_video_policy(spec) == "status":
        # rows record which videos exist: the cache follows the folder's listing
        extra["videos_version"] = videos_digest(videos_dir)
    builder = builder_class(bench.name)(
        cache_dir=str(cache),
        config_name=name,
        hash=cache_hash(version),
        source_dir=str(dataset_dir),
        videos_dir=str(Path(videos_dir).resolve()) if videos_dir is not None else None,
        decode_video=decode_video,
        data_version=version,
        **extra,
    )
    try:
        builder.download_and_prepare()
    except DatasetGenerationError as exc:
        # Surface the release error (file and line) rather than the generic wrapper.
        if isinstance(exc.__cause__, ProcevalError):
            raise exc.__cause__ from None
        raise
    return builder.as_dataset(split=split)
