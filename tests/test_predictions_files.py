"""Prediction files: every malformed file is a one-line error naming the file (and line / id); reading streams."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.evaluation import predictions as pred_files
from proceval.evaluation.predictions import read_predictions, write_predictions, write_results
from proceval.evaluation.runner import evaluate_config, resolve_task
from proceval.io import iter_lines, read_json


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("p.json", b"", r"p\.json: the file is empty: expected predictions \(a JSON object"),
        ("p.json", b" \n\t\n", r"p\.json: the file is empty"),
        ("p.jsonl", b"", r"p\.jsonl: the file is empty"),
        ("p.jsonl", b"\n\r\n  \n", r"p\.jsonl: the file is empty: expected predictions \(one"),
        ("p.npz", b"", r"p\.npz: the file is empty"),
        ("p.json", b'{"a": [0.5],\n "b": [1],\n "a": [2]}', r"p\.json:3: id 'a' repeats \(first on line 1\)"),
        ("p.json", b'{"a": {"t": 1, "t": 2}}', r"p\.json:1: key 't' repeats inside the prediction of id 'a'"),
        ("p.jsonl", b'{"id": "a", "id": "b", "prediction": 1}\n', r"p\.jsonl:1: key 'id' repeats"),
        (
            "p.json",
            '{"a": [1]}'.encode("utf-16"),
            r"UTF-16 \(little-endian\) text \(byte-order mark ff fe\); expected UTF-8",
        ),
        (
            "p.json",
            '{"a": [1]}'.encode("utf-16-be"),
            r"p\.json: the file starts with NUL bytes \(UTF-16 or UTF-32",
        ),
        ("p.jsonl", '{"id": "a", "prediction": 1}\n'.encode("utf-16"), r"UTF-16 .*expected UTF-8"),
        ("p.json", b'{"a": 1,\n"\xe9": 2}', r"p\.json:2: the file is not UTF-8 text \(byte 0xe9 at column 2"),
        ("p.jsonl", b'{"id": "a", "prediction": 1}\n{"id": "\xff"}\n', r"p\.jsonl:2: the file is not UTF-8"),
        ("p.json", b"[1, 2]", r"expected a JSON object \{id: prediction\}, but the file holds an array"),
        ("p.json", b'"x"', r"but the file holds a string"),
        ("p.json", b'{"a": [1, }', r"p\.json:1: invalid JSON: Expecting value"),
        ("p.json", b'{"a": 1}\n{"b": 2}', r"p\.json:2: invalid JSON: extra data after the object"),
        ("p.json", b'{"a": 1 "b": 2}', r"invalid JSON: expected ',' or '}'"),
        ("p.json", b"{a: 1}", r"invalid JSON: expected an id in double quotes"),
        ("p.npz", b"not a zip at all", r"p\.npz: expected an \.npz archive .* the file is not a zip archive"),
        ("p.npz", b"\x93NUMPY\x01\x00rest", r"the file is a single \.npy array"),
        ("p.npz", b"PK\x03\x04truncated", r"p\.npz: the \.npz archive is damaged or truncated"),
        ("p.csv", b"a,b", r"expected a \.json, \.jsonl or \.npz predictions file, got '\.csv'"),
    ],
)
def test_malformed_files_are_named_errors(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReleaseFormatError, match=message) as exc:
        read_predictions(path, progress=False)
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_bytes(b'\xef\xbb\xbf{"a": [0.5, 1.0]}')
    (tmp_path / "p.jsonl").write_bytes(b'\xef\xbb\xbf{"id": "a", "prediction": [1, 2]}\n')
    assert read_predictions(tmp_path / "p.json")["a"].tolist() == [0.5, 1.0]
    assert read_predictions(tmp_path / "p.jsonl") == {"a": [1, 2]}
    (tmp_path / "r.json").write_bytes(b'\xef\xbb\xbf{"k": 1}')
    assert read_json(tmp_path / "r.json") == {"k": 1}


def test_directory_and_missing_paths(tmp_path: Path) -> None:
    folder = tmp_path / "preds.json"
    folder.mkdir()
    with pytest.raises(
        ReleaseFormatError, match=r"preds\.json: is a directory, but a predictions file was expected"
    ):
        read_predictions(folder)
    with pytest.raises(ReleaseFormatError, match="predictions file not found"):
        read_predictions(tmp_path / "missing.json")
    with pytest.raises(ReleaseFormatError, match="is a directory"):
        read_json(folder)
    with pytest.raises(ReleaseFormatError, match="is a directory"):
        list(iter_lines(folder))


def test_release_readers_name_encoding_errors(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes("x\n".encode("utf-16"))
    with pytest.raises(ReleaseFormatError, match=r"a\.txt: the file is UTF-16"):
        list(iter_lines(tmp_path / "a.txt"))
    (tmp_path / "b.txt").write_bytes(b"ok\n" * 5000 + b"caf\xe9\n")
    with pytest.raises(
        ReleaseFormatError, match=r"b\.txt:5001: the file is not UTF-8 text \(byte 0xe9 at column 4"
    ):
        list(iter_lines(tmp_path / "b.txt"))
    (tmp_path / "c.json").write_text("  ")
    with pytest.raises(ReleaseFormatError, match=r"c\.json: the file is empty"):
        read_json(tmp_path / "c.json")
    (tmp_path / "d.json").write_text('{"a": 1, "a": 2}')
    assert read_json(tmp_path / "d.json") == {"a": 2}  # release files keep json's behaviour unless asked

    def refuse(pairs: list[tuple[str, object]]) -> dict[str, object]:
        if len({k for k, _ in pairs}) != len(pairs):
            raise ReleaseFormatError(tmp_path / "d.json", "repeated key")
        return dict(pairs)

    with pytest.raises(ReleaseFormatError, match="repeated key"):
        read_json(tmp_path / "d.json", object_pairs_hook=refuse)


def test_long_ids_are_shortened(tmp_path: Path) -> None:
    big = "é" * 2_000_000
    path = tmp_path / "p.json"
    path.write_text(f'{{"{big}": [1], "b": [2], "{big}": [3]}}', encoding="utf-8")
    with pytest.raises(ReleaseFormatError, match=r"id 'ééé.*\[\d+ chars\].*éé' repeats") as exc:
        read_predictions(path)
    assert len(str(exc.value)) < 300


def test_float_lists_become_arrays_and_the_rest_stays_as_written(tmp_path: Path) -> None:
    preds = {
        "emb": [0.25, -1.5, 3.0],
        "mixed": [0, 0.5, 1],  # ints beside floats (as some JSON writers write 0.0)
        "frames": [[0.1, 0.9], [0.4, 0.6]],
        "labels": [0, 1, 1],
        "names": ["a", "b"],
        "bools": [True, 0.5],
        "nulls": [None, 0.5],
        "nan": [float("nan"), 0.5],
        "ragged": [[0.5], [0.5, 1.0]],
        "empty": [],
        "events": [{"step": 1, "t": 0.5}],
        "scalar": 0.5,
        "huge_int": [10**400, 0.5],
    }
    for name in ("p.json", "p.jsonl"):
        path = tmp_path / name
        if name.endswith(".json"):
            path.write_text(json.dumps(preds))
        else:
            path.write_text("".join(json.dumps({"id": k, "prediction": v}) + "\n" for k, v in preds.items()))
        got = read_predictions(path)
        assert list(got) == list(preds)
        for key in ("emb", "mixed", "frames"):
            assert isinstance(got[key], np.ndarray) and got[key].dtype == np.float64, (name, key)
            assert got[key].tolist() == preds[key]
        assert got["frames"].shape == (2, 2)
        for key in ("labels", "names", "bools", "nulls", "ragged", "empty", "events", "scalar"):
            assert got[key] == preds[key], (name, key)
            assert not isinstance(got[key], np.ndarray)
        assert isinstance(got["nan"], list) and got["nan"][1] == 0.5
        assert got["huge_int"] == preds["huge_int"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
def test_streaming_reader_is_exact_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    rng = np.random.default_rng(chunk)
    preds = {f"v{i}:{i % 3}": rng.normal(size=4).tolist() for i in range(30)}
    preds["labels"] = [3, 1, 2]
    preds["text"] = 'naïve 中文 \\ " escapes'
    preds["tiny"] = [1e-300, -2.5e300, 0.1]
    preds["nested"] = {"a": [0.5], "b": None}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(preds, ensure_ascii=False, indent=2))
    monkeypatch.setattr(pred_files, "CHUNK_BYTES", chunk)
    got = read_predictions(path)
    assert list(got) == list(preds)
    for key, value in preds.items():
        g = got[key]
        if isinstance(g, np.ndarray):
            assert g.tolist() == value  # bit-exact floats
        else:
            assert g == value
    # a late duplicate is still found, with its line
    path.write_text(json.dumps(preds, indent=1)[:-1] + ',\n"v0:0": [1]}')
    with pytest.raises(ReleaseFormatError, match=r"id 'v0:0' repeats \(first on line 2\)"):
        read_predictions(path)


def test_numbers_cut_by_a_chunk_boundary_are_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.json"
    text = '{"a": [1.25e+100, 12345.678, -0.5e-7], "b": true, "c": null, "d": 1234567}'
    path.write_text(text)
    for chunk in range(1, len(text) + 2):
        monkeypatch.setattr(pred_files, "CHUNK_BYTES", chunk)
        got = read_predictions(path)
        assert got["a"].tolist() == [1.25e100, 12345.678, -0.5e-7] and got["d"] == 1234567, chunk
        assert got["b"] is True and got["c"] is None


def test_npz_roundtrip_and_object_arrays(tmp_path: Path) -> None:
    np.savez(tmp_path / "p.npz", a=np.zeros((3, 2)), b=np.arange(4))
    got = read_predictions(tmp_path / "p.npz")
    assert got["a"].shape == (3, 2) and got["b"].tolist() == [0, 1, 2, 3]
    np.savez(tmp_path / "o.npz", a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ReleaseFormatError, match=r"o\.npz: .*(array 'a' holds Python objects|damaged)"):
        read_predictions(tmp_path / "o.npz")
    np.savez(tmp_path / "e.npz")
    with pytest.raises(ReleaseFormatError, match=r"e\.npz: the file is empty"):
        read_predictions(tmp_path / "e.npz")


def test_write_results_to_a_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputValidationError, match="but got a directory"):
        write_results(tmp_path, {"a": 1})
    with pytest.raises(InputValidationError, match="but got a directory"):
        write_predictions(tmp_path, {"a": [1]})
    assert json.loads(write_results(tmp_path / "r.json", {"a": float("nan")}).read_text()) == {"a": None}


# ------------------------------------------------------------------------------------------------ runner


@pytest.mark.parametrize(
    ("metric", "config", "benchmark", "message"),
    [
        ("tas", "tas_s_s9", None, r"Expected a config of 'impact' \(one of: tas_s_s1, .*but got 'tas_s_s9'"),
        ("tas", "tas_s_s9", "impact", r"Expected a config of 'impact' \(one of: tas_s_s1, "),
        ("tas", "egoproactive", "impact", r"Expected a config of 'impact'.*but got 'egoproactive'"),
        ("intervention", "tas_s_s1", None, r"Expected a config of 'pro2bench' \(one of: egoproactive"),
        ("intervention", "nope", "pro2bench", r"Expected a config of 'pro2bench'"),
        ("tas", "tas_s_s1", "pro2bench", r"Expected a metric of 'pro2bench'"),
        ("tas", "tas_s_s1", "nope", r"Expected a benchmark name \(one of: impact, "),
    ],
)
def test_unknown_config_is_a_proceval_error(
    tmp_path: Path, metric: str, config: str, benchmark: str | None, message: str
) -> None:
    with pytest.raises(InputValidationError, match=message):
        resolve_task(metric, config, benchmark)
    with pytest.raises(InputValidationError, match=message):  # before the release is looked at
        evaluate_config(metric, tmp_path / "no-release", config, {}, benchmark=benchmark)


def test_unknown_split_and_option_are_proceval_errors(tmp_path: Path) -> None:
    with pytest.raises(
        InputValidationError, match=r"Expected a split of config 'pro2bench_holoassist' \(one of: test\)"
    ):
        evaluate_config("intervention", tmp_path, "pro2bench_holoassist", {}, split="train")
    with pytest.raises(
        InputValidationError,
        match=r"split of config 'tas_s_s1' \(one of: train, validation, test\), but got 'dev'",
    ):
        evaluate_config("tas", tmp_path, "tas_s_s1", {}, split="dev")
    with pytest.raises(
        InputValidationError, match=r"Unknown option 'conventon' for `tas`.*allowed: convention"
    ):
        evaluate_config("tas", tmp_path, "tas_s_s1", {}, options={"conventon": "fact"})
    with pytest.raises(InputValidationError, match=r"Unknown option 'x' for `atr`.*allowed: .*bootstrap"):
        evaluate_config("atr", tmp_path, "atr_l_s1", {}, options={"x": 1})


# ------------------------------------------------------------------------------------------------ progress


def test_progress_bar_by_bytes_only_after_the_delay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_predictions(tmp_path / "p.json", {f"v{i}": [0.5] * 100 for i in range(200)})
    read_predictions(path)  # quick: nothing shown (delay 1 s)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(pred_files, "PROGRESS_DELAY_S", 0.0)
    monkeypatch.setattr(pred_files, "CHUNK_BYTES", 4096)
    read_predictions(path)
    err = capsys.readouterr().err
    assert "reading p.json" in err and "B/s" in err
    read_predictions(path, progress=False)
    assert capsys.readouterr().err == ""


def test_runner_shows_slow_stages(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    from proceval.evaluation import runner

    monkeypatch.setattr(pred_files, "PROGRESS_DELAY_S", 0.05)
    with runner._stage("not a terminal", True):
        time.sleep(0.3)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(runner, "_stderr_is_tty", lambda: True)
    with runner._stage("scoring tas_s_s1 (test) with tas", True):
        time.sleep(0.8)
    assert "scoring tas_s_s1 (test) with tas: 00:0" in capsys.readouterr().err
    with runner._stage("quick", True):
        pass
    with runner._stage("off", False):
        time.sleep(0.2)
    assert capsys.readouterr().err == ""
