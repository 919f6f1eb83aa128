"""The config registry: one :class:`ConfigSpec` per ``<task>_s<n>`` (or per benchmark config).

A spec says what a config's examples look like (``features``, media excluded) and how to produce
them from the release folder (``generate``). The ``datasets`` builder (:mod:`proceval.datasets.builder`),
the Hub export (:mod:`proceval.hub.export`) and the CLI all read the same registry, so a config exists in
exactly one place.

Media convention: every example has ``video_id``; clip-level examples also carry ``start_frame``
and ``end_frame`` (inclusive, in the view's own frame index) and ``fps``. Media columns (a
``datasets.Video`` or a feature reference) are attached afterwards from a videos folder
(:mod:`proceval.datasets.media`; a spec may name its own file layout and missing-video policy in
``extra``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import datasets

Example = dict[str, Any]
GenerateFn = Callable[[Path, str], Iterator[tuple[str, Example]]]
MediaKind = Literal["video", "clip", "none"]
SPLITS: tuple[str, ...] = ("train", "validation", "test")


@dataclass(frozen=True)
class ConfigSpec:
    """One dataset config.

    Attributes:
        benchmark: the owning benchmark's registry name.
        task: task key, e.g. ``tas_s``, ``af_s``.
        protocol: split protocol, e.g. ``s1``; the config name is ``f"{task}_{protocol}"`` (just
            ``task`` where a benchmark has no protocols and ``protocol`` is empty).
        description: one paragraph for the dataset card.
        features: example features without media columns, or a zero-argument function returning them
            (so that declaring a config does not import ``datasets``; read them with
            :meth:`static_features`).
        generate: ``(release_dataset_dir, split) -> iterator of (key, example)``; keys are stable.
        media: ``video`` (one example per stream), ``clip`` (a window of a stream) or ``none``.
        splits: the splits this config has.
        derived: True where the protocol is derived by proceval rather than released (AF-L).
        extra: optional hooks and card text: ``features_fn`` (:mod:`proceval.datasets.features`),
            ``title``, ``video_candidates`` and ``missing_video`` (:mod:`proceval.datasets.media`).
    """

    benchmark: str
    task: str
    protocol: str
    description: str
    features: datasets.Features | Callable[[], datasets.Features]
    generate: GenerateFn
    media: MediaKind = "video"
    splits: tuple[str, ...] = SPLITS
    derived: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def static_features(self) -> datasets.Features:
        """The example features without media columns (calling :attr:`features` when it is a function)."""
        return self.features() if callable(self.features) else self.features

    @property
    def eval_split(self) -> str:
        """The split scores are reported on: ``test``, else the last split (a validation-only release)."""
        return "test" if "test" in self.splits else self.splits[-1]

    @property
    def name(self) -> str:
        """The config name: ``{task}_{protocol}`` (``tas_s_s1``), or ``task`` without a protocol."""
        return f"{self.task}_{self.protocol}" if self.protocol else self.task


_REGISTERED: dict[str, dict[str, ConfigSpec]] = {}


def register(spec: ConfigSpec) -> ConfigSpec:
    """Add ``spec`` to its benchmark's config table; a second spec with the same name is an error.

    A benchmark package calls this for each of its configs and declares
    ``configs=lambda: registered_configs(name)`` in its :class:`~proceval.registry.Benchmark`.
    """
    configs = _REGISTERED.setdefault(spec.benchmark, {})
    if spec.name in configs:
        raise ValueError(f"config {spec.benchmark}/{spec.name} is registered twice")
    configs[spec.name] = spec
    return spec


def registered_configs(benchmark: str) -> list[ConfigSpec]:
    """The configs registered for ``benchmark`` so far, in registration order."""
    return list(_REGISTERED.get(benchmark, {}).values())


def list_configs(benchmark: str) -> list[ConfigSpec]:
    """All configs of ``benchmark`` (from the registry); an unknown benchmark lists the known ones."""
    from proceval.registry import get_benchmark

    return get_benchmark(benchmark).configs()


def get_config(benchmark: str, name: str) -> ConfigSpec:
    """The config ``name`` of ``benchmark``; an unknown benchmark or config lists the known ones."""
    from proceval.registry import get_benchmark

    return get_benchmark(benchmark).get_config(name)
