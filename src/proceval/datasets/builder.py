"""The IMPACT ``datasets`` builder: one ``BuilderConfig`` per registered ``<task>_s<n>`` config.

``datasets`` 5.x no longer runs loading scripts, so proceval instantiates this builder itself
(:func:`proceval.datasets.load.load_impact`); ``dataset_scripts/impact/impact.py`` re-exports it
for readers who expect a script. Configs come from the registry
(:func:`proceval.datasets.spec.list_configs`), so adding a spec adds a builder config.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import datasets
import numpy as np

from proceval import __version__
from proceval.datasets.features import resolve_features, with_media
from proceval.benchmarks.impact.metadata import ANNOTATION_VERSION, CITATION, HOMEPAGE, LICENSE
from proceval.datasets.media import iter_with_media
from proceval.datasets.spec import ConfigSpec, get_config, list_configs
from proceval.errors import ReleaseFormatError

_DESCRIPTION = (
    "IMPACT: a multi-view (1 ego + 4 exo) benchmark of angle-grinder assembly and disassembly, "
    "112 trials from 13 subjects, read from the official annotation release as it is."
)
_SPLIT_NAMES = {
    "train": datasets.Split.TRAIN,
    "validation": datasets.Split.VALIDATION,
    "test": datasets.Split.TEST,
}


@dataclass
class ImpactConfig(datasets.BuilderConfig):
    """A config ``<task>_<protocol>``.

    Attributes:
        task: task key (``tas_s``, ``cv_ta``, ...).
        protocol: split protocol (``s1``..``s4``).
        source_dir: the release's ``dataset/`` folder (absolute).
        videos_dir: folder of ``<video_id>.mp4`` (or ``<view>/<video_id>.mp4``); None loads labels only.
        decode_video: decode ``video`` lazily to a decoder (True) or return ``{"path", "bytes"}``.
        annotation_version: the release version the config reads.
    """

    task: str = ""
    protocol: str = ""
    source_dir: str | None = None
    videos_dir: str | None = None
    decode_video: bool = True
    annotation_version: str = ANNOTATION_VERSION


def _builder_configs() -> list[ImpactConfig]:
    return [
        ImpactConfig(
            name=spec.name,
            version=datasets.Version("1.0.0"),
            description=spec.description,
            task=spec.task,
            protocol=spec.protocol,
        )
        for spec in list_configs("impact")
    ]


class ImpactBuilder(datasets.GeneratorBasedBuilder):
    """Builds one IMPACT config from the official release folder (and optionally a videos folder)."""

    BUILDER_CONFIG_CLASS = ImpactConfig
    BUILDER_CONFIGS = _builder_configs()
    config: ImpactConfig

    @property
    def spec(self) -> ConfigSpec:
        return get_config("impact", self.config.name)

    def _source(self) -> Path:
        if not self.config.source_dir:
            raise ReleaseFormatError(
                "source_dir",
                f"config {self.config.name!r} needs `source_dir` (the release's dataset/ folder)",
            )
        path = Path(self.config.source_dir)
        if not path.is_dir():
            raise ReleaseFormatError(path, "release dataset/ folder not found")
        return path

    def _info(self) -> datasets.DatasetInfo:
        features = resolve_features(self.spec, self._source())
        if self.config.videos_dir is not None:
            features = with_media(features, decode=self.config.decode_video)
        return datasets.DatasetInfo(
            description=f"{_DESCRIPTION}\n\n{self.config.description}",
            features=features,
            homepage=HOMEPAGE,
            license=LICENSE,
            citation=CITATION,
            version=self.config.version,
        )

    def _split_generators(self, dl_manager: datasets.DownloadManager) -> list[datasets.SplitGenerator]:
        source = self._source()
        videos = self.config.videos_dir
        if videos is not None and not Path(videos).is_dir():
            raise ReleaseFormatError(videos, "videos folder not found")
        return [
            datasets.SplitGenerator(
                name=_SPLIT_NAMES[split],
                gen_kwargs={"dataset_dir": str(source), "split": split, "videos_dir": videos},
            )
            for split in self.spec.splits
        ]

    def _generate_examples(self, dataset_dir: str, split: str, videos_dir: str | None):
        for key, example in iter_with_media(self.spec, Path(dataset_dir), split, videos_dir):
            # Per-frame arrays become plain lists (``datasets`` would encode numpy scalars one by one).
            yield key, {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in example.items()}


def builder_hash() -> str:
    """Cache-key part that changes with the proceval and annotation versions."""
    return f"proceval-{__version__}-{ANNOTATION_VERSION}".replace(".", "_")
