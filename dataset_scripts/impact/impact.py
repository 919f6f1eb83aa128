"""IMPACT as a ``datasets`` builder (for readers who expect a dataset script).

``datasets`` 5.x no longer executes loading scripts (``load_dataset("impact.py")`` raises), so this
file only re-exports the builder that proceval instantiates itself. Use either::

    from proceval.datasets.load import load_impact
    ds = load_impact("impact-release", "tas_s_s2", split="test", videos_dir="videos/")

or, with this file::

    from impact import Impact
    builder = Impact(config_name="tas_s_s2", source_dir="impact-release/dataset", cache_dir="cache")
    builder.download_and_prepare()
    ds = builder.as_dataset(split="test")

The builder (``proceval.datasets.builder``) is a ``datasets.GeneratorBasedBuilder`` whose
``BUILDER_CONFIGS`` come from the config registry (``proceval.datasets.spec``); its ``@dataclass``
config ``ImpactConfig`` has the fields ``task``, ``protocol``, ``source_dir``, ``videos_dir``,
``decode_video`` and ``annotation_version``. ``_info`` types labels with the release's own label
names (and adds a lazily decoded ``datasets.Video`` column when ``videos_dir`` is given),
``_split_generators`` resolves every path, and ``_generate_examples`` delegates to the spec's
``generate``. For a script-free Hub repository, run ``proceval build impact`` (see README.md).
"""

from __future__ import annotations

from proceval.datasets.builder import ImpactBuilder, ImpactConfig


class Impact(ImpactBuilder):
    """The IMPACT builder under the conventional script class name."""


__all__ = ["Impact", "ImpactConfig"]
