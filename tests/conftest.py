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


BAD_INPUT_CONFIGS = (
    "tas_s_s1",
    "ppr_l_s1",
    "cv_ta_s1",
    "cv_smr_s1",
    "cv_smc_s1",
    "af_s_s1",
    "af_l_s1",
    "psr_s1",
    "asr_s1",
    "atr_l_s1",
    "egoproactive",
    "egoproactive_decisions",
    "all",
)


@pytest.fixture(scope="session")
def demo_baselines(sample_release: Path):
    """The demo baselines' predictions of one config per metric: ``(sources, {config: predictions})``.

    ``sources`` maps a benchmark name to its sample release folder (what ``--source`` takes). The bad-input
    corpus edits these predictions (``tests/bad_inputs/``).
    """
    import hashlib
    import json

    from filelock import FileLock

    from proceval.demo import run_demo
    from proceval.io import default_cache_dir
    from proceval.registry import benchmarks

    code = hashlib.sha256()  # new baseline or scoring code, new predictions
    for path in sorted(Path(__file__).resolve().parents[1].joinpath("src", "proceval").rglob("*.py")):
        code.update(path.read_bytes())
    cache = default_cache_dir()
    out = cache / f"test-bad-input-baselines-{sample_release.name}-{code.hexdigest()[:12]}"
    with FileLock(str(cache / f"{out.name}.lock")):
        if not (out / ".complete").is_file():
            run_demo(
                out,
                configs=list(BAD_INPUT_CONFIGS),
                sample_root=sample_release,
                progress=False,
                export=False,
                echo=lambda _: None,
            )
            (out / ".complete").write_text("ok\n")
    predictions = {p.stem: json.loads(p.read_text()) for p in (out / "predictions").glob("*.json")}
    sources = {b.name: b.sample_release(sample_release) for b in benchmarks() if b.sample_release}
    sources["cache"] = out / "cache"
    return sources, predictions


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print ``N bad inputs tried, N handled`` when the bad-input corpus ran."""
    tried = handled = 0
    for key in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(key, []):
            props = dict(getattr(report, "user_properties", []))
            if report.when == "call" and "bad_input" in props:
                tried += 1
                handled += props["bad_input"] == "handled" and report.passed
    if tried:
        terminalreporter.write_line(f"{tried} bad inputs tried, {handled} handled")
