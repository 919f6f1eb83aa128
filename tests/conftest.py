"""Shared fixtures: the real IMPACT release (skipped with a reason where ../shared is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proceval.release_cache import find_impact_archive, unpack_impact_release


@pytest.fixture(scope="session")
def impact_release() -> Path:
    """The unpacked ``impact-release`` folder of the real annotation release (holds ``dataset/``)."""
    archive = find_impact_archive()
    if archive is None:
        pytest.skip("needs ../shared/impact/impact-release-v1.tar.gz (the IMPACT annotation release) beside the repo")
    return unpack_impact_release(archive)


@pytest.fixture(scope="session")
def impact_dataset_dir(impact_release: Path) -> Path:
    """``impact-release/dataset`` of the real release."""
    return impact_release / "dataset"
