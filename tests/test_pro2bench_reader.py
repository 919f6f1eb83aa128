"""Pro2Bench / EgoProactive readers on hand-written files: the challenge JSONL and proceval's instance schema.

Every malformed-row case is a ``ReleaseFormatError`` naming the file, the line, the field and the row;
what the official scorer tolerates loads and is flagged in ``release_warnings``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from proceval.benchmarks.pro2bench.instances import from_challenge, read_instances
from proceval.benchmarks.pro2bench.reader import (
    answer_label,
    answer_utterance,
    read_challenge_file,
)
from proceval.benchmarks.pro2bench.release import data_version, resolve_release
from proceval.errors import ReleaseFormatError

NAME = "wearable_ai_2026_egoproactive_val_2.jsonl"


def _session(video: str = "s1.mp4") -> dict[str, Any]:
    q = "How do I make tea?"
    return {
        "video_path": video,
        "duration_in_sec": 30.0,
        "video_intervals": [[0.0, 2.0], [4.0, 12.0], [14, 22]],
        "query": q,
        "domain": "Cooking",
        "task": "Make tea",
        "answers": ["$interrupt$Sure. Boil water.", "$silent$", "$interrupt$ Now add the tea bag. "],
        "dialog": [
            [{"role": "user", "text": q}],
            [{"role": "user", "text": q}, {"role": "assistant", "text": "Sure. Boil water."}],
            [{"role": "user", "text": q}, {"role": "assistant", "text": "Sure. Boil water."}],
        ],
    }


def _write(root: Path, rows: list[Any], name: str = NAME) -> Path:
    path = root / "egoproactive" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), "utf-8")
    return path


def _read(tmp_path: Path, rows: list[Any]):
    read_challenge_file.cache_clear()
    return read_challenge_file(_write(tmp_path, rows))


# ---- the official tag rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "label", "utterance"),
    [
        ("$interrupt$Next, fold.", "interrupt", "Next, fold."),
        ("  $interrupt$ Next, fold. ", "interrupt", "Next, fold."),
        ("$interrupt$", "interrupt", ""),
        ("$silent$", "silent", ""),
        ("", "silent", ""),
        ("Next, fold.", "silent", ""),
        ("$INTERRUPT$x", "silent", ""),
        ("x $interrupt$", "silent", ""),
    ],
)
def test_answer_tag_rule(answer: str, label: str, utterance: str) -> None:
    assert answer_label(answer) == label
    assert answer_utterance(answer) == utterance


# ---- well-formed rows ------------------------------------------------------------------------------


def test_reads_sessions_and_decisions(tmp_path: Path) -> None:
    cf = _read(tmp_path, [_session("s1.mp4"), _session("sub/s2.mp4")])
    assert [s.video_id for s in cf.sessions] == ["s1", "sub/s2"]
    assert [s.line for s in cf.sessions] == [1, 2]
    s = cf.sessions[0]
    assert s.intervals == ((0.0, 2.0), (4.0, 12.0), (14.0, 22.0))
    assert s.warnings == () and cf.warnings == ()
    d = s.decisions()
    assert [(x.index, x.start_s, x.end_s, x.label) for x in d] == [
        (0, 0.0, 2.0, "interrupt"),
        (1, 4.0, 12.0, "silent"),
        (2, 14.0, 22.0, "interrupt"),
    ]
    assert d[2].utterance == "Now add the tea bag." and d[2].answer == "$interrupt$ Now add the tea bag. "
    assert d[1].dialog == (
        {"role": "user", "text": "How do I make tea?"},
        {"role": "assistant", "text": "Sure. Boil water."},
    )


def test_file_level_notes(tmp_path: Path) -> None:
    row = _session()
    row["extra_field"] = 1
    cf = _read(tmp_path, [row])  # the name declares 2 rows
    assert any("declares 2 sessions but it holds 1" in w for w in cf.warnings)
    assert any("['extra_field']" in w for w in cf.warnings)


# ---- tolerated as the official scorer tolerates them: loaded and flagged ---------------------------------


def test_more_intervals_than_answers_is_flagged(tmp_path: Path) -> None:
    row = _session()
    row["answers"] = row["answers"][:2]
    s = _read(tmp_path, [row]).sessions[0]
    assert len(s.intervals) == 3 and len(s.answers) == 2
    assert [d.index for d in s.decisions()] == [0, 1]
    assert len(s.warnings) == 1 and "3 video_intervals but 2 answers" in s.warnings[0]
    assert "skipped_chunks" in s.warnings[0]


def test_more_answers_than_intervals_is_flagged(tmp_path: Path) -> None:
    row = _session()
    row["answers"].append("$silent$")
    s = _read(tmp_path, [row]).sessions[0]
    assert [d.index for d in s.decisions()] == [0, 1, 2]
    assert "3 video_intervals but 4 answers" in s.warnings[0]


def test_non_canonical_answer_is_read_by_the_tag_rule(tmp_path: Path) -> None:
    row = _session()
    row["answers"][1] = "nothing to say"
    s = _read(tmp_path, [row]).sessions[0]
    assert s.decisions()[1].label == "silent"
    assert "answers [1] are neither" in s.warnings[0] and "['silent']" in s.warnings[0]


def test_chunk_after_the_video_end_is_flagged(tmp_path: Path) -> None:
    row = _session()
    row["duration_in_sec"] = 20.0
    s = _read(tmp_path, [row]).sessions[0]
    assert "video_intervals [2] end after duration_in_sec (20.0 s)" in s.warnings[0]


# ---- refused: file, line, field and row named ----------------------------------------------------------


def _bad(mutate) -> dict[str, Any]:
    row = _session("bad.mp4")
    mutate(row)
    return row


BAD_ROWS = [
    ("missing field", lambda r: r.pop("answers"), r"expected a `answers` field"),
    ("missing video_path", lambda r: r.pop("video_path"), r"row: expected a `video_path` field"),
    (
        "end before start",
        lambda r: r["video_intervals"].__setitem__(1, [12.0, 4.0]),
        r"`video_intervals`\[1\] to end after it starts, but got start 12.0 s, end 4.0 s",
    ),
    (
        "empty interval",
        lambda r: r["video_intervals"].__setitem__(1, [4.0, 4.0]),
        r"`video_intervals`\[1\] to end after it starts",
    ),
    (
        "string time",
        lambda r: r["video_intervals"].__setitem__(2, ["14", 22]),
        r"`video_intervals`\[2\]\[0\] to be a finite number of seconds, but got '14'",
    ),
    (
        "bool time",
        lambda r: r["video_intervals"].__setitem__(0, [False, 2.0]),
        r"`video_intervals`\[0\]\[0\] to be a finite number",
    ),
    (
        "null time",
        lambda r: r["video_intervals"].__setitem__(0, [0.0, None]),
        r"`video_intervals`\[0\]\[1\] to be a finite number",
    ),
    (
        "negative time",
        lambda r: r["video_intervals"].__setitem__(0, [-1.0, 2.0]),
        r"`video_intervals`\[0\]\[0\] to be >= 0",
    ),
    (
        "not a pair",
        lambda r: r["video_intervals"].__setitem__(0, [0.0, 1.0, 2.0]),
        r"`video_intervals`\[0\] to be a \[start_s, end_s\] pair",
    ),
    (
        "intervals not a list",
        lambda r: r.__setitem__("video_intervals", "0-2"),
        r"`video_intervals` to be a list",
    ),
    (
        "string duration",
        lambda r: r.__setitem__("duration_in_sec", "30"),
        r"`duration_in_sec` to be a finite number",
    ),
    (
        "answers not strings",
        lambda r: r.__setitem__("answers", ["$silent$", 1, "$silent$"]),
        r"`answers` to be a list of strings",
    ),
    ("query not a string", lambda r: r.__setitem__("query", None), r"`query` to be a string"),
    (
        "NaN time",  # json.dumps writes NaN: orjson refuses the line, json reads it, the check refuses it
        lambda r: r["video_intervals"].__setitem__(0, [float("nan"), 2.0]),
        r"`video_intervals`\[0\]\[0\] to be a finite number",
    ),
    (
        "infinite duration",
        lambda r: r.__setitem__("duration_in_sec", float("inf")),
        r"`duration_in_sec` to be a finite number",
    ),
    (
        "turn with an extra key",
        lambda r: r["dialog"][1][0].__setitem__("lang", "en"),
        r"`dialog`\[1\]\[0\] to be a \{role, text\} turn",
    ),
    (
        "turn text not a string",
        lambda r: r["dialog"][0][0].__setitem__("text", 3),
        r"`dialog`\[0\]\[0\] to be a \{role, text\} turn of strings",
    ),
    (
        "dialog entry not a list",
        lambda r: r["dialog"].__setitem__(0, "hello"),
        r"`dialog`\[0\] to be a list of \{role, text\} turns",
    ),
    (
        "dialog length",
        lambda r: r["dialog"].pop(),
        r"`dialog` to have one entry per `video_intervals` entry \(3\), but got 2",
    ),
    (
        "bad turn",
        lambda r: r["dialog"][1].append({"role": "user"}),
        r"`dialog`\[1\]\[2\] to be a \{role, text\} turn",
    ),
    (
        "absolute video_path",
        lambda r: r.__setitem__("video_path", "/data/x.mp4"),
        r"row '/data/x.mp4': .*absolute path",
    ),
    ("windows video_path", lambda r: r.__setitem__("video_path", "C:\\data\\x.mp4"), r"absolute path"),
    (
        "escaping video_path",
        lambda r: r.__setitem__("video_path", "../x.mp4"),
        r"row '../x.mp4': expected `video_path` to stay inside egoproactive/val/",
    ),
    (
        "deep escape",
        lambda r: r.__setitem__("video_path", "a/../../x.mp4"),
        r"row 'a/../../x.mp4': .*stay inside",
    ),
    (
        "empty video_path",
        lambda r: r.__setitem__("video_path", ""),
        r"`video_path` to be a non-empty relative path",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "message"), BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_malformed_rows_are_refused(tmp_path: Path, case: str, mutate, message: str) -> None:
    rows = [_session("ok.mp4"), _bad(mutate)]
    with pytest.raises(ReleaseFormatError, match=message) as info:
        _read(tmp_path, rows)
    assert info.value.line == 2 and info.value.path.endswith(NAME)
    assert str(info.value).startswith(f"{info.value.path}:2: row")


def test_numbers_orjson_refuses_are_read_as_json_reads_them(tmp_path: Path) -> None:
    """A literal 1e400 is refused by orjson; json reads it as inf, which the row check then refuses."""
    line = json.dumps(_session("big.mp4")).replace('"duration_in_sec": 30.0', '"duration_in_sec": 1e400')
    assert "1e400" in line
    with pytest.raises(
        ReleaseFormatError, match=r"`duration_in_sec` to be a finite number of seconds, but got inf"
    ):
        _read(tmp_path, [_session("ok.mp4"), line])


def test_integer_times_and_either_key_order_are_read(tmp_path: Path) -> None:
    row = _session("ints.mp4")
    row["video_intervals"] = [[0, 2], [4, 12], [14, 22]]
    row["dialog"][0] = [{"text": t["text"], "role": t["role"]} for t in row["dialog"][0]]
    (session,) = _read(tmp_path, [row]).sessions
    assert session.intervals == ((0.0, 2.0), (4.0, 12.0), (14.0, 22.0))
    assert all(type(x) is float for pair in session.intervals for x in pair)
    assert session.dialog[0][0]["role"] == row["dialog"][0][0]["role"]


def test_invalid_json_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(ReleaseFormatError, match="invalid JSON line") as info:
        _read(tmp_path, [_session(), "{not json"])
    assert info.value.line == 2
    with pytest.raises(
        ReleaseFormatError,
        match=r"row './s1.mp4': expected each session once, .* video id 's1' is already on line 1",
    ) as info:
        _read(tmp_path, [_session("s1.mp4"), _session("./s1.mp4")])
    assert info.value.line == 2


def test_video_path_inside_its_folder_is_kept_as_released(tmp_path: Path) -> None:
    s = _read(tmp_path, [_session("a/../s1.mp4")]).sessions[0]
    assert s.video_path == "a/../s1.mp4" and s.video_id == "s1"


# ---- release folder and data version --------------------------------------------------------------------


def test_resolve_release_forms(tmp_path: Path) -> None:
    root = tmp_path / "wearable-ai"
    jsonl = _write(root, [_session()])
    for source in (root, root / "egoproactive", jsonl):
        assert resolve_release(source) == root.resolve()
    sample_root = tmp_path / "sample"
    _write(sample_root / "egoproactive", [_session()])
    assert resolve_release(sample_root) == (sample_root / "egoproactive").resolve()
    with pytest.raises(ReleaseFormatError, match="release not found"):
        resolve_release(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReleaseFormatError, match="expected the release folder"):
        resolve_release(tmp_path / "empty")


def test_data_version_follows_annotations_not_videos(tmp_path: Path) -> None:
    root = tmp_path / "r"
    jsonl = _write(root, [_session()])
    first = data_version(root)
    assert first.startswith("pro2bench-") and len(first) == len("pro2bench-") + 8
    (root / "egoproactive" / "val").mkdir()
    (root / "egoproactive" / "val" / "s1.mp4").write_bytes(b"video")
    (root / "README.md").write_text("card")
    assert data_version(root) == first
    jsonl.write_text(jsonl.read_text().replace("Make tea", "Make green tea"))
    second = data_version(root)
    assert second != first
    inst = root / "pro2bench" / "ego4d" / "instances.jsonl"
    inst.parent.mkdir(parents=True)
    inst.write_text("")
    assert data_version(root) != second


# ---- proceval's Pro2Bench instance schema ---------------------------------------------------------------


def _instance(**over: Any) -> dict[str, Any]:
    row = {
        "session_id": "e1",
        "video_path": "pro2bench/ego4d/videos/e1.mp4",
        "start_s": 0.0,
        "end_s": 8.0,
        "label": "interrupt",
        "utterance": "Next, boil the water.",
        "goal": "Make tea",
    }
    row.update(over)
    return {k: v for k, v in row.items() if v is not ...}


def _instances(tmp_path: Path, rows: list[dict[str, Any]]):
    path = tmp_path / "pro2bench" / "ego4d" / "instances.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    read_instances.cache_clear()
    return read_instances(path, "ego4d")


def test_instances_without_our_fields_load_empty(tmp_path: Path) -> None:
    rows = _instances(
        tmp_path,
        [_instance(), _instance(start_s=8.0, end_s=16.0, label="silent", utterance=..., split="train")],
    )
    a, b = rows
    assert (a.decision_id, b.decision_id) == ("e1/0", "e1/1")  # default index: order in the session
    assert a.plan == () and a.step_complete_cues == () and a.oop is None and a.deviation_onset_s is None
    assert a.recovery_utterance is None and a.split == "test" and b.split == "train"
    assert a.answer == "$interrupt$Next, boil the water." and b.answer == "$silent$"
    assert b.utterance == "" and a.dialog == ()


def test_instances_with_our_fields(tmp_path: Path) -> None:
    plan = [{"step": "boil", "status": "completed"}, {"step": "steep", "status": "current"}]
    (row,) = _instances(
        tmp_path,
        [
            _instance(
                interval_index=7,
                plan=plan,
                step_complete_cues=["mug is full"],
                step_incomplete_cues=["kettle still on"],
                oop=True,
                deviation_type="ordering",
                deviation_onset_s=5.5,
                recovery_utterance="Boil the water first.",
                dialog=[{"role": "user", "text": "Make tea"}],
            )
        ],
    )
    assert row.decision_id == "e1/7" and row.plan == tuple(plan) and row.oop is True
    assert (row.deviation_type, row.deviation_onset_s, row.recovery_utterance) == (
        "ordering",
        5.5,
        "Boil the water first.",
    )


BAD_INSTANCES = [
    ("unknown field", {"deviation_onset": 3.0}, r"unknown fields \['deviation_onset'\]"),
    ("missing goal", {"goal": ...}, r"expected a `goal` field"),
    ("bad label", {"label": "speak"}, r"`label` to be one of \('silent', 'interrupt'\)"),
    ("silent with utterance", {"label": "silent"}, r"no `utterance` for a silent"),
    ("interrupt without utterance", {"utterance": ...}, r"non-empty `utterance` for an interrupt"),
    ("end before start", {"start_s": 9.0}, r"`end_s` after `start_s`, but got start_s=9.0, end_s=8.0"),
    ("string time", {"end_s": "8"}, r"`end_s` to be a finite number of seconds"),
    ("bad split", {"split": "val"}, r"`split` to be one of \('train', 'test'\)"),
    ("bad status", {"plan": [{"step": "a", "status": "done"}]}, r"`plan`\[0\] to be"),
    (
        "deviation without oop",
        {"deviation_type": "omission"},
        r"\['deviation_type'\] only on out-of-plan rows",
    ),
    (
        "oop without onset",
        {"oop": True, "deviation_type": "omission"},
        r"expected a `deviation_onset_s` field",
    ),
    (
        "bad deviation",
        {"oop": True, "deviation_type": "skip", "deviation_onset_s": 1.0},
        r"`deviation_type` to be one of",
    ),
    ("oop not bool", {"oop": "yes"}, r"`oop` to be true, false or null"),
    ("absolute video", {"video_path": "/v/e1.mp4"}, r"row 'e1': .*absolute path '/v/e1.mp4'"),
    (
        "escaping video",
        {"video_path": "../e1.mp4"},
        r"row 'e1': expected `video_path` to stay inside the release folder",
    ),
    ("slash in session id", {"session_id": "a/b"}, r"`session_id` to be a non-empty string without '/'"),
    ("negative index", {"interval_index": -1}, r"`interval_index` to be an integer >= 0"),
]


@pytest.mark.parametrize(("case", "over", "message"), BAD_INSTANCES, ids=[c[0] for c in BAD_INSTANCES])
def test_malformed_instances_are_refused(
    tmp_path: Path, case: str, over: dict[str, Any], message: str
) -> None:
    with pytest.raises(ReleaseFormatError, match=message) as info:
        _instances(tmp_path, [_instance(session_id="e0"), _instance(**over)])
    assert info.value.line == 2 and info.value.path.endswith("instances.jsonl")


def test_duplicate_decision_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReleaseFormatError, match=r"'e1/0' is already on line 1") as info:
        _instances(tmp_path, [_instance(), _instance(start_s=1.0, interval_index=0)])
    assert info.value.line == 2


def test_instances_from_the_challenge_file(tmp_path: Path) -> None:
    row = _session("s1.mp4")
    row["answers"] = row["answers"][:2]
    rows = from_challenge(_read(tmp_path, [row]))
    assert [r.decision_id for r in rows] == ["s1/0", "s1/1"]
    assert rows[0].video_path == "egoproactive/val/s1.mp4" and rows[0].goal == row["query"]
    assert rows[0].split == "test" and rows[0].plan == () and rows[0].oop is None
    assert rows[0].release_warnings and "skipped_chunks" in rows[0].release_warnings[0]
    assert copy.deepcopy(rows[1].dialog) == tuple(row["dialog"][1])
