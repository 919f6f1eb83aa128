"""Exit codes of ``proceval``: 0 ok, 1 bad input (one line naming file/row/id), 2 usage, 3 internal error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import proceval.commands.list as list_command
from proceval.cli import EXIT_CODES, build_parser, main
from proceval.errors import InputValidationError


def _evaluate_args(predictions: Path, *extra: str) -> list[str]:
    # the predictions are read before the release, so the source need not exist for these cases
    return [
        "evaluate",
        "tas",
        "--source",
        "/nonexistent",
        "--config",
        "tas_s_s1",
        "--predictions",
        str(predictions),
        *extra,
    ]


def test_help_documents_every_exit_code() -> None:
    text = build_parser().format_help()
    assert "exit codes:" in text
    for code, meaning in EXIT_CODES.items():
        assert f"  {code:<4} {meaning}" in text
    assert set(EXIT_CODES) == {0, 1, 2, 3, 130, 141}


def test_ok_is_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "benchmarks"]) == 0
    assert "impact" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],  # unknown command
        ["evaluate", "tas"],  # missing required arguments
        ["evaluate", "nometric", "--source", "x", "--config", "c", "--predictions", "p"],  # bad choice
        ["list", "--no-such-flag"],
        ["evaluate", "tas", "--source", "x", "--config", "c", "--predictions", "p", "-o", "novalue"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage: proceval" in capsys.readouterr().err


def test_no_command_prints_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: proceval" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"p\.json: the file is empty"),
        (b'{"a": [0], "b": [1],\n"a": [2]}', r"p\.json:2: id 'a' repeats \(first on line 1\)"),
        ('{"a": [0]}'.encode("utf-16"), r"p\.json: the file is UTF-16 .*expected UTF-8"),
        (b'{"caf\xe9": [0]}', r"p\.json:1: the file is not UTF-8 text .*0xe9.*expected UTF-8"),
    ],
)
def test_bad_input_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    import re

    path = tmp_path / "p.json"
    path.write_bytes(content)
    assert main(_evaluate_args(path)) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("proceval evaluate: error: ")
    assert re.search(message, err), err


def test_huge_id_is_not_echoed_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = "x" * 2_000_000
    path = tmp_path / "p.jsonl"
    path.write_text(f'{{"id": "{big}", "prediction": [0]}}\n{{"id": "{big}", "prediction": [1]}}\n')
    assert main(_evaluate_args(path)) == 1
    err = capsys.readouterr().err
    assert "p.jsonl:2: id 'xxx" in err and "chars]" in err and "repeats (first on line 1)" in err
    assert len(err) < 1000


def test_long_error_messages_are_shortened(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def bad(args: object) -> int:
        raise InputValidationError("Expected a short value, but got " + "y" * 100_000 + "\nsecond line")

    monkeypatch.setattr(list_command, "run", bad)
    assert main(["list", "benchmarks"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and len(err) < 2200
    assert err.rstrip().endswith("second line") and "characters]" in err


def test_internal_error_exits_3_with_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(args: object) -> int:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(list_command, "run", boom)
    assert main(["list", "benchmarks"]) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "ZeroDivisionError: a bug" in err
    assert "internal error (exit code 3)" in err and "Please report it" in err


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(list_command, "run", interrupted)
    assert main(["list", "benchmarks"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_console_script_exit_codes(tmp_path: Path) -> None:
    """One real process: bad input exits 1 with one line on stderr; a usage error exits 2."""
    path = tmp_path / "p.jsonl"
    path.write_text("\n")
    exe = Path(sys.executable).parent / "proceval"
    res = subprocess.run([str(exe), *_evaluate_args(path)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 1, res.stderr
    assert res.stderr.strip().splitlines() == [
        f"proceval evaluate: error: {path}: the file is empty: expected predictions "
        '(one {"id": ..., "prediction": ...} object per line)'
    ]
    assert res.stdout == ""


def test_output_closed_early_exits_141_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``proceval ... | head -1``: the reader has gone; the command stops quietly with 141."""

    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["list", "configs"]) == 141
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
