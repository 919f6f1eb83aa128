"""Shared fixtures: the real IMPACT release (skipped with a reason where ../shared is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proceval.benchmarks.impact.release_cache import find_impact_archive, unpack_impact_release

pytest.register_assert_rewrite("helpers")  # tests/helpers: MetricTester's asserts report their operands


@pytest.fixture(scope="session")
def impact_release() -> Path:
    """The unpacked ``impact-release`` folder of the real annotation release (holds ``dataset/``)."""
    archive = find_impact_archive()
    if archive is None:
        pytest.skip(
            "needs ../shared/impact/impact-release-v1.tar.gz (the IMPACT annotation release) beside the repo"
        )
    return unpack_impact_release(archive)


@pytest.fixture(scope="session")
def impact_dataset_dir(impact_release: Path) -> Path:
    """``impact-release/dataset`` of the real release."""
    return impact_release / "dataset"


@pytest.fixture(scope="session")
def sample_release() -> Path:
    """The embedded sample release with videos (seed 0), written once into ``.cache/`` and shared.

    Returns the sample root (holding ``impact/``, ``egoproactive/``, ``procobject/``). A file lock makes
    pytest-xdist workers write it once; ``write_sample`` moves a complete folder into place atomically.
    """
    from filelock import FileLock

    from proceval.io import default_cache_dir
    from proceval.sample import write_sample, writer_fingerprint

    cache = default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    root = cache / f"test-sample-seed0-{writer_fingerprint()}"  # new writer code, new sample
    marker = root / ".complete"
    with FileLock(str(cache / f"{root.name}.lock")):
        if not marker.is_file():
            write_sample(root, seed=0, overwrite=True)
            marker.write_text("ok\n")
    return root
