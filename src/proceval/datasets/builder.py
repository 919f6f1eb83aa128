"""One ``datasets`` builder per registered benchmark, its configs taken from the registry.

``datasets`` 5.x no longer runs loading scripts, so proceval instantiates the builder itself
(:func:`proceval.datasets.load.load_config`). :func:`builder_class` creates (once per benchmark
declaration) a ``GeneratorBasedBuilder`` subclass whose ``BUILDER_CONFIGS`` are the benchmark's
:class:`~proceval.datasets.spec.ConfigSpec` list and whose description, citation, homepage and license
come from its :class:`~proceval.registry.Benchmark`, so adding a spec adds a builder config and adding a
benchmark adds a builder, with no change here.

The Arrow cache is keyed by the release's data version (a hash of the annotation files' content, from
the benchmark's ``data_version``): an edited ground-truth file gives a new cache folder, never a stale
table.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import datasets
import numpy as np

from proceval import __version__
from proceval.datasets.features import media_features, resolve_features
from proceval.datasets.media import iter_with_media
from proceval.datasets.spec import ConfigSpec
from proceval.errors import ReleaseFormatError
from proceval.registry import Benchmark, get_benchmark

BUILDER_VERSION = "1.0.0"
_SPLIT_NAMES = {
    "train": datasets.Split.TRAIN,
    "validation": datasets.Split.VALIDATION,
    "test": datasets.Split.TEST,
}


@dataclass
class BenchmarkConfig(datasets.BuilderConfig):
    """A config of a registered benchmark (named as its :class:`ConfigSpec`).

    Attributes:
        benchmark: the registry name of the benchmark.
        task: task key (``tas_s``, ``cv_ta``, ...).
        protocol: split protocol (``s1``, ...; empty where the benchmark has none).
        source_dir: the release folder the configs read (absolute, as ``resolve_release`` returns it).
        videos_dir: folder of ``<video_id>.mp4`` (or ``<view>/<video_id>.mp4``, or the spec's own
            layout: :mod:`proceval.datasets.media`); None loads labels only.
        decode_video: decode ``video`` lazily to a decoder (True) or return ``{"path", "bytes"}``.
        data_version: the release's content version (``<benchmark>-<hash>``); derived from
            ``source_dir`` when not given.
        videos_version: the videos folder's listing digest
            (:func:`proceval.datasets.media.videos_digest`), set by :func:`proceval.datasets.load.load_config`
            for specs whose missing videos are a per-row status, so the cache follows the files present.
    """

    benchmark: str = ""
    task: str = ""
    protocol: str = ""
    source_dir: str | None = None
    videos_dir: str | None = None
    decode_video: bool = True
    data_version: str | None = None
    videos_version: str | None = None


def data_version(benchmark: str | Benchmark, dataset_dir: str | os.PathLike[str]) -> str:
    """The release's content version: the benchmark's ``data_version``, else ``<name>-<tree digest>``."""
    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    if bench.data_version is not None:
        return bench.data_version(Path(dataset_dir))
    from proceval.io import tree_digest

    return f"{bench.name}-{tree_digest(dataset_dir)}"


def cache_hash(version: str) -> str:
    """The builder's cache-key part: the proceval version and the release's data version."""
    return f"proceval-{__version__}-{version}".replace(".", "_")


class BenchmarkBuilder(datasets.GeneratorBasedBuilder):
    """Builds one config of :attr:`BENCHMARK` from its release folder (and optionally a videos folder).

    Subclasses are made by :func:`builder_class`; instantiate one with ``config_name`` and
    ``source_dir`` (``videos_dir``, ``decode_video`` optional). The cache folder is named after the
    benchmark and its ``hash`` holds the release's data version.
    """

    BENCHMARK: ClassVar[str] = ""
    BUILDER_CONFIG_CLASS = BenchmarkConfig
    config: BenchmarkConfig

    def __init__(self, *args: Any, hash: str | None = None, dataset_name: str | None = None, **kwargs: Any):
        source = kwargs.get("source_dir")
        if source and not kwargs.get("data_version"):
            kwargs["data_version"] = data_version(self.BENCHMARK, source)
        version = kwargs.get("data_version")
        if hash is None and version:
            hash = cache_hash(version)
        kwargs.setdefault("benchmark", self.BENCHMARK)
        super().__init__(*args, hash=hash, dataset_name=dataset_name or self.BENCHMARK, **kwargs)

    @property
    def benchmark(self) -> Benchmark:
        """The registered :class:`~proceval.registry.Benchmark` named by :attr:`BENCHMARK`."""
        return get_benchmark(self.BENCHMARK)

    @property
    def spec(self) -> ConfigSpec:
        """The :class:`~proceval.datasets.spec.ConfigSpec` of the config being built."""
        return self.benchmark.get_config(self.config.name)

    def _source(self) -> Path:
        if not self.config.source_dir:
            raise ReleaseFormatError(
                "source_dir",
                f"config {self.config.name!r} of {self.BENCHMARK!r} needs `source_dir` (the release folder)",
            )
        path = Path(self.config.source_dir)
        if not path.is_dir():
            raise ReleaseFormatError(path, "release folder not found")
        return path

    def _info(self) -> datasets.DatasetInfo:
        bench = self.benchmark
        features = resolve_features(self.spec, self._source())
        if self.config.videos_dir is not None:
            features = media_features(self.spec, features, decode=self.config.decode_video)
        description = "\n\n".join(t for t in (bench.description or bench.title, self.config.description) if t)
        return datasets.DatasetInfo(
            description=description,
            features=features,
            homepage=bench.homepage,
            license=bench.license,
            citation=bench.citation,
            version=self.config.version,
        )

    def _split_generators(self, dl_manager: datasets.DownloadManager) -> list[datasets.SplitGenerator]:
        source = self._source()
        videos = self.config.videos_dir
        if videos is not None and not Path(videos).is_dir():
            raise ReleaseFormatError(videos, "videos folder not found")
        return [
            datasets.SplitGenerator(
                name=_SPLIT_NAMES.get(split, split),
                gen_kwargs={"dataset_dir": str(source), "split": split, "videos_dir": videos},
            )
            for split in self.spec.splits
        ]

    def _generate_examples(
        self, dataset_dir: str, split: str, videos_dir: str | None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        for key, example in iter_with_media(self.spec, Path(dataset_dir), split, videos_dir):
            # Per-frame arrays become plain lists (``datasets`` would encode numpy scalars one by one).
            yield key, {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in example.items()}


_BUILDERS: dict[str, tuple[Benchmark, type[BenchmarkBuilder]]] = {}


def _class_name(benchmark: str) -> str:
    return "".join(part.capitalize() for part in benchmark.replace("-", "_").split("_")) + "Builder"


def builder_configs(benchmark: str | Benchmark) -> list[BenchmarkConfig]:
    """One :class:`BenchmarkConfig` per config of ``benchmark`` (name, description, task, protocol)."""
    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    return [
        BenchmarkConfig(
            name=spec.name,
            version=datasets.Version(BUILDER_VERSION),
            description=spec.description,
            benchmark=bench.name,
            task=spec.task,
            protocol=spec.protocol,
        )
        for spec in bench.configs()
    ]


def builder_class(benchmark: str) -> type[BenchmarkBuilder]:
    """The ``GeneratorBasedBuilder`` subclass of a registered benchmark (made once per declaration).

    Raises:
        InputValidationError: ``benchmark`` is not registered (the message lists the known ones).
    """
    bench = get_benchmark(benchmark)
    cached = _BUILDERS.get(benchmark)
    if cached is not None and cached[0] is bench:
        return cached[1]
    cls = type(
        _class_name(bench.name),
        (BenchmarkBuilder,),
        {
            "__doc__": f"The ``datasets`` builder of {bench.title or bench.name}.",
            "__module__": __name__,
            "BENCHMARK": bench.name,
            "BUILDER_CONFIGS": builder_configs(bench),
        },
    )
    _BUILDERS[benchmark] = (bench, cls)
    return cls
