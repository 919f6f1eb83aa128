"""IMPACT: five-view industrial angle-grinder assembly (TAS, CV, AF, PSR, ASR, PPR, ATR; splits S1-S4).

Everything that names IMPACT lives in this package: release resolution (:mod:`.release`,
:mod:`.release_cache`), format parsers (:mod:`.formats`), config declarations (:mod:`.configs`), task
declarations and adapters (:mod:`.tasks`, :mod:`.adapters`), the cross-view protocols, the card text
(:mod:`.card`), the sample-release writer (:mod:`.sample`) and the demo baselines (:mod:`.baselines`).
Importing the package registers :data:`BENCHMARK`.
"""

from __future__ import annotations

from pathlib import Path

from proceval.registry import Benchmark, Lazy, register_benchmark


def _configs() -> list:
    import proceval.benchmarks.impact.configs  # noqa: F401  (registers every config)
    from proceval.datasets.spec import registered_configs

    return registered_configs("impact")


def _data_version(dataset_dir: Path) -> str:
    from proceval.io import tree_digest

    return f"impact-{tree_digest(dataset_dir)}"


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
        resolve_release=Lazy("proceval.benchmarks.impact.release:resolve_dataset_dir"),
        data_version=_data_version,
        configs=_configs,
        tasks=TASKS,
        citation=CITATION,
        homepage=HOMEPAGE,
        license=LICENSE,
        description=DESCRIPTION,
        card=Lazy("proceval.benchmarks.impact.card:impact_card"),
        write_sample=Lazy("proceval.benchmarks.impact.sample:write_sample_release"),
        sample_release=lambda root: root / "impact" / "impact-release",
        sample_videos=lambda root: root / "impact" / "videos",
    )
)
