"""A corrupt, truncated or non-archive ``--source`` file gives one ReleaseFormatError naming it, no traceback."""

from __future__ import annotations

import importlib.util
import tarfile
from pathlib import Path

import pytest
from impact_mini_release import write_mini_release

from proceval.benchmarks.impact.release import resolve_dataset_dir
from proceval.errors import ReleaseFormatError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    write_mini_release(root / "src")
    path = root / "mini-release.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(root / "src" / "impact-release", arcname="impact-release")
    return path


def test_a_complete_archive_unpacks(archive: Path, tmp_path: Path) -> None:
    ds = resolve_dataset_dir(archive, cache_dir=tmp_path / "cache")
    assert (ds / "TAS" / "mapping_CAS.txt").is_file()
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".impact-unpack-")]


@pytest.mark.parametrize(
    ("fraction", "reason"),
    [(0.5, "truncated|corrupt"), (0.05, "truncated|corrupt"), (0.999, "truncated|corrupt")],
)
def test_a_truncated_archive_is_named(archive: Path, tmp_path: Path, fraction: float, reason: str) -> None:
    data = archive.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ReleaseFormatError, match=reason) as info:
        resolve_dataset_dir(cut, cache_dir=tmp_path / "cache")
    assert info.value.path == str(cut)
    # nothing half-extracted is left behind, and a later complete archive still unpacks
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".impact-unpack-")]


def test_corrupt_bytes_and_non_archives_are_named(archive: Path, tmp_path: Path) -> None:
    data = bytearray(archive.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 64] = b"\x00" * 64
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(bytes(data))
    with pytest.raises(ReleaseFormatError, match=r"corrupt|truncated") as info:
        resolve_dataset_dir(bad, cache_dir=tmp_path / "cache")
    assert info.value.path == str(bad)
    text = tmp_path / "notes.tar.gz"
    text.write_text("not an archive\n")
    with pytest.raises(ReleaseFormatError, match=r"not a \.tar\.gz archive") as info:
        resolve_dataset_dir(text, cache_dir=tmp_path / "cache")
    assert info.value.path == str(text)
    plain = tmp_path / "labels.txt"
    plain.write_text("0 a\n")
    with pytest.raises(ReleaseFormatError, match=r"Expected .*\.tar\.gz.*but got") as info:
        resolve_dataset_dir(plain, cache_dir=tmp_path / "cache")
    assert info.value.path == str(plain)


def test_the_build_script_prints_one_line(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROCEVAL_CACHE", str(tmp_path / "cache"))
    spec = importlib.util.spec_from_file_location("impact_build", ROOT / "dataset_scripts/impact/build.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[:300])
    code = script.main(["--source", str(cut), "--out", str(tmp_path / "repo"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and str(cut) in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "repo").exists()


@pytest.mark.parametrize("benchmark", ["impact", "pro2bench", "procobject"])
def test_every_benchmark_names_a_file_source(
    benchmark: str, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from proceval.registry import get_benchmark

    monkeypatch.setenv("PROCEVAL_CACHE", str(tmp_path / "cache"))
    resolve = get_benchmark(benchmark).resolve_release
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[:300])
    text = tmp_path / "notes.txt"
    text.write_text("not a release\n")
    for path in (cut, text):
        with pytest.raises(ReleaseFormatError) as info:
            resolve(path)
        assert info.value.path == str(path)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())  # no debris
