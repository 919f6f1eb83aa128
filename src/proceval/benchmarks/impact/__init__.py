"""IMPACT: five-view industrial angle-grinder assembly (TAS, CV, AF, PSR, ASR, PPR, ATR; splits S1-S4).

Everything that names IMPACT lives in this package: release resolution (:mod:`.release`,
:mod:`.release_cache`), format parsers (:mod:`.formats`), config declarations (:mod:`.configs`), task
declarations and adapters (:mod:`.tasks`, :mod:`.adapters`), the cross-view protocols, the card text
(:mod:`.card`), the sample-release writer (:mod:`.sample`) and the demo baselines (:mod:`.baselines`).
Importing the package registers :data:`BENCHMARK`.
"""

from __future__ import annotations

from pathlib import Path

from proceval.registry import Benchmark, register_benchmark


def _configs() -> list:
    import proceval.benchmarks.impact.configs  # noqa: F401  (registers every config)
    from proceval.datasets.spec import registered_configs

    return registered_configs("impact")


def _data_version(dataset_dir: Path) -> str:
    from proceval.io import tree_digest

    return f"impact-{tree_digest(dataset_dir)}"


def _resolve(source):
    from proceval.benchmarks.impact.release import resolve_dataset_dir

    return resolve_dataset_dir(source)


def _card(*args, **kwargs) -> str:
    from proceval.benchmarks.impact.card import impact_card

    return impact_card(*args, **kwargs)


def _write_sample(folder: Path, seed: int, n_units: int) -> list:
    from proceval.benchmarks.impact.sample import write_sample_release

    return write_sample_release(folder, seed, n_units)


from proceval.benchmarks.impact.metadata import CITATION, HOMEPAGE, LICENSE  # noqa: E402
from proceval.benchmarks.impact.tasks import TASKS  # noqa: E402

DESCRIPTION = (
    "IMPACT: a multi-view (1 ego + 4 exo) benchmark of angle-grinder assembly and disassembly, "
    "112 trials from 13 subjects, read from the official annotation release as it is."
)

BENCHMARK = register_benchmark(
    Benchmark(
        name="impact",
        title="IMPACT: five-view industrial angle-grinder assembly (TAS, CV, AF, PSR, ASR, PPR, ATR; splits S1-S4)",
        resolve_release=_resolve,
        data_version=_data_version,
        configs=_configs,
        tasks=TASKS,
        citation=CITATION,
        homepage=HOMEPAGE,
        license=LICENSE,
        description=DESCRIPTION,
        card=_card,
        write_sample=_write_sample,
        sample_release=lambda root: root / "impact" / "impact-release",
        sample_videos=lambda root: root / "impact" / "videos",
    )
)
