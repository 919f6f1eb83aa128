"""ProcObject-10K release reader: both file shapes, every malformed-record error, the beyond-clip policy."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from proceval.benchmarks.procobject.formats import (
    SPAN_EPS_S,
    flatten,
    read_qa_file,
    read_release,
    read_split,
)
from proceval.benchmarks.procobject.release import data_version, resolve_release
from proceval.errors import InputValidationError, ReleaseFormatError


def record(qid: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid released record (clip of 20 s starting at 10 s of the source video)."""
    base = {
        "id": qid,
        "domain": "Cooking & Food",
        "task": "Make Tea",
        "source": "EgoPER",
        "qa_type": "Readiness Assessment",
        "reasoning": "Needle-in-a-Haystack",
        "video_path": "EgoPER/tea/tea_u1_a1_normal_001.mp4",
        "clip_start": 10.0,
        "clip_end": 30.0,
        "question": "Is the tea bag ready to be removed?",
        "answer": "Yes, the water has turned brown.",
        "evidence": [[2.0, 4.5]],
    }
    base.update(overrides)
    return base


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")  # NaN / Infinity written as JSON allows
    return path


def release(tmp_path: Path, train: Any, test: Any, *, root: str = "rel") -> Path:
    """``<tmp>/<root>/data/{training,testing}.json``; returns the data folder."""
    data = tmp_path / root / "data"
    write(data / "training.json", train)
    write(data / "testing.json", test)
    return data


# ---- shapes ----------------------------------------------------------------------------------------


def test_list_and_dict_shapes_give_the_same_records(tmp_path: Path) -> None:
    needle = [record(5), record(6, evidence=[[0.0, 1.0]])]
    multi = [record(7, reasoning="Multi-hop Reasoning", evidence=[[1.0, 2.0], [5.5, 9.25]])]
    as_list = read_qa_file(write(tmp_path / "list.json", needle + multi))
    as_dict = read_qa_file(
        write(tmp_path / "dict.json", {"Needle-in-a-Haystack": needle, "Multi-hop Reasoning": multi})
    )
    assert (as_list.shape, as_dict.shape) == ("list", "dict")
    assert as_list.records == as_dict.records
    rec = as_dict.records[2]
    assert rec.id == 7 and rec.reasoning == "Multi-hop Reasoning"
    assert rec.evidence == ((1.0, 2.0), (5.5, 9.25)) and rec.clip_duration_s == 20.0
    assert (as_list.n_clipped_spans, as_list.warnings()) == (0, [])


def test_dict_shape_fills_a_missing_reasoning_from_its_key(tmp_path: Path) -> None:
    rows = [{k: v for k, v in record(3).items() if k != "reasoning"}]
    parsed = read_qa_file(write(tmp_path / "t.json", {"Multi-hop Reasoning": rows}))
    assert parsed.records[0].reasoning == "Multi-hop Reasoning"


def test_flatten_accepts_both_shapes() -> None:
    assert flatten({"Needle-in-a-Haystack": [1, 2], "Multi-hop Reasoning": [3]}) == [1, 2, 3]
    assert flatten([4]) == [4]


def test_clip_duration_removes_float_noise(tmp_path: Path) -> None:
    parsed = read_qa_file(
        write(tmp_path / "t.json", [record(1, clip_start=12.3, clip_end=80.1, evidence=[[0, 67.8]])])
    )
    assert parsed.records[0].clip_duration_s == 67.8  # 80.1 - 12.3 == 67.79999999999998
    assert parsed.n_clipped_spans == 0


# ---- malformed records: ReleaseFormatError naming the file and the id ---------------------------------

NAN = float("nan")
BAD_RECORDS = [
    ("reversed span", {"evidence": [[5.0, 2.0]]}, r"end >= start.*reversed"),
    ("negative span", {"evidence": [[-1.0, 2.0]]}, r"start at >= 0 s"),
    ("NaN span", {"evidence": [[NAN, 2.0]]}, r"`evidence\[0\]\[0\]` to be finite"),
    ("infinite span", {"evidence": [[1.0, float("inf")]]}, r"`evidence\[0\]\[1\]` to be finite"),
    ("string time in span", {"evidence": [[1.0, "2.5"]]}, r"`evidence\[0\]\[1\]` to be a number of seconds"),
    ("null time in span", {"evidence": [[None, 2.5]]}, r"`evidence\[0\]\[0\]` to be a number of seconds"),
    (
        "span after the clip",
        {"evidence": [[1.0, 2.0], [20.0, 21.0]]},
        r"`evidence\[1\]` to start inside the clip",
    ),
    ("span of three", {"evidence": [[1.0, 2.0, 3.0]]}, r"`evidence\[0\]` to be a \[start, end\] pair"),
    ("empty evidence", {"evidence": []}, r"non-empty list of \[start, end\] pairs"),
    ("evidence not a list", {"evidence": "0-5"}, r"non-empty list"),
    ("string clip_start", {"clip_start": "10.0"}, r"`clip_start` to be a number of seconds"),
    ("boolean clip_end", {"clip_end": True}, r"`clip_end` to be a number of seconds"),
    ("NaN clip_end", {"clip_end": NAN}, r"`clip_end` to be finite"),
    ("negative clip_start", {"clip_start": -1.0}, r"0 <= `clip_start` < `clip_end`"),
    ("empty clip", {"clip_end": 10.0}, r"0 <= `clip_start` < `clip_end`"),
    ("unknown QA type", {"qa_type": "Step Localization"}, r"`qa_type` to be one of"),
    ("unknown source", {"source": "Ego4D"}, r"`source` to be one of"),
    ("unknown reasoning", {"reasoning": "needle"}, r"`reasoning` to be one of"),
    ("absolute video path", {"video_path": "/data/EgoPER/x.mp4"}, r"`video_path` to be a relative path"),
    ("video path with ..", {"video_path": "EgoPER/../x.mp4"}, r"`video_path` to be a relative path"),
    ("numeric question", {"question": 3}, r"`question` to be a string"),
]


@pytest.mark.parametrize(
    ("overrides", "match"), [b[1:] for b in BAD_RECORDS], ids=[b[0] for b in BAD_RECORDS]
)
def test_malformed_record_names_file_and_id(tmp_path: Path, overrides: dict[str, Any], match: str) -> None:
    path = write(tmp_path / "training.json", [record(1), record(42, **overrides)])
    with pytest.raises(ReleaseFormatError, match=match) as info:
        read_qa_file(path)
    assert str(info.value).startswith(f"{path}: id 42: Expected")


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({k: v for k, v in record().items() if k != "id"}, r"record 1: Expected a field `id`"),
        (record("7"), r"record 1: Expected `id` to be an integer, but got '7'"),
        (record(7.0), r"record 1: Expected `id` to be an integer, but got 7.0"),
        (record(True), r"record 1: Expected `id` to be an integer, but got True"),
        ([record(2)], r"record 1: Expected a QA record \(a JSON object\), but got list"),
    ],
    ids=["missing id", "string id", "float id", "boolean id", "not an object"],
)
def test_record_without_usable_id_names_its_position(tmp_path: Path, raw: Any, match: str) -> None:
    path = write(tmp_path / "training.json", [record(1), raw])
    with pytest.raises(ReleaseFormatError, match=match) as info:
        read_qa_file(path)
    assert str(path) in str(info.value)


def test_missing_field_is_named(tmp_path: Path) -> None:
    raw = {k: v for k, v in record(9).items() if k not in ("answer", "clip_end")}
    with pytest.raises(ReleaseFormatError, match=r"id 9: .*\['clip_end', 'answer'\] are missing"):
        read_qa_file(write(tmp_path / "t.json", [raw]))


def test_duplicated_id_in_one_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.json",
        {
            "Needle-in-a-Haystack": [record(4)],
            "Multi-hop Reasoning": [record(4, reasoning="Multi-hop Reasoning")],
        },
    )
    with pytest.raises(
        ReleaseFormatError,
        match=r"id 4: Expected unique ids, but record 0 of 'Multi-hop Reasoning' repeats the id of record 0 of 'Needle-in-a-Haystack'",
    ):
        read_qa_file(path)


def test_id_in_both_files(tmp_path: Path) -> None:
    data = release(tmp_path, [record(1), record(2)], [record(3), record(2)])
    with pytest.raises(
        ReleaseFormatError, match=r"testing\.json: id 2: Expected ids unique over train and test"
    ) as info:
        read_release(data)
    assert str(data / "training.json") in str(info.value)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"Needle": [record()]}, r"Expected the dict's keys to be reasoning patterns"),
        ({"Needle-in-a-Haystack": record()}, r"Expected the value of 'Needle-in-a-Haystack' to be a list"),
        (
            {"Multi-hop Reasoning": [record(1)]},
            r"id 1: Expected `reasoning` to equal the key it is listed under",
        ),
        ("records", r"Expected a list of QA records or a dict keyed by reasoning pattern, but got str"),
    ],
    ids=["unknown key", "value not a list", "reasoning differs from key", "scalar"],
)
def test_malformed_file_shape(tmp_path: Path, data: Any, match: str) -> None:
    with pytest.raises(ReleaseFormatError, match=match):
        read_qa_file(write(tmp_path / "testing.json", data))


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "training.json"
    path.write_text('[\n  {"id": 1,\n  "task": }\n]\n', encoding="utf-8")
    with pytest.raises(ReleaseFormatError, match=r"training\.json:3: invalid JSON"):
        read_qa_file(path)


# ---- spans beyond the clip: clipped and counted, or an error ---------------------------------------


def test_spans_past_the_clip_are_cut_and_counted(tmp_path: Path) -> None:
    rows = [
        record(1, evidence=[[2.0, 25.0], [18.0, 20.0 + SPAN_EPS_S / 2]]),  # 1 cut, 1 within the tolerance
        record(2),
        record(3, evidence=[[0.0, 20.5], [19.0, 21.0]]),  # 2 cut
    ]
    path = write(tmp_path / "training.json", rows)
    parsed = read_qa_file(path)
    assert parsed.n_clipped_spans == 3 and parsed.clipped_ids == (1, 3)
    assert parsed.records[0].evidence == ((2.0, 20.0), (18.0, 20.0 + SPAN_EPS_S / 2))
    assert parsed.records[2].evidence == ((0.0, 20.0), (19.0, 20.0))
    (message,) = parsed.warnings()
    assert (
        message
        == f"{path}: 3 evidence spans of 2 records end after their clip; cut at the clip's end (ids 1, 3)"
    )
    with pytest.raises(
        ReleaseFormatError, match=r"id 1: Expected `evidence\[0\]` to end within the clip's 20.0 s"
    ):
        read_qa_file(path, beyond_clip="error")
    with pytest.raises(InputValidationError, match="beyond_clip"):
        read_qa_file(path, beyond_clip="drop")  # type: ignore[arg-type]


def test_unknown_fields_are_ignored_and_listed(tmp_path: Path) -> None:
    parsed = read_qa_file(write(tmp_path / "t.json", [record(1, clip_id="c1", notes="x")]))
    assert parsed.unknown_fields == ("clip_id", "notes")
    assert parsed.warnings() == [
        f"{tmp_path / 't.json'}: fields beyond the released ones ignored: clip_id, notes"
    ]


def test_zero_length_span_is_kept(tmp_path: Path) -> None:
    parsed = read_qa_file(write(tmp_path / "t.json", [record(1, evidence=[[3.0, 3.0]])]))
    assert parsed.records[0].evidence == ((3.0, 3.0),)


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path / "t.json", [record(1)])
    assert read_qa_file(path).records[0].answer == record()["answer"]
    write(path, [record(1, answer="No, not yet, the water is still clear.")])
    assert read_qa_file(path).records[0].answer.startswith("No, not yet")


def test_read_split(tmp_path: Path) -> None:
    data = release(tmp_path, [record(1)], {"Needle-in-a-Haystack": [record(2)]})
    assert [r.id for r in read_split(data, "test").records] == [2]
    with pytest.raises(InputValidationError, match="`split`"):
        read_split(data, "validation")


# ---- release resolution and data version ------------------------------------------------------------


def test_resolve_release_forms(tmp_path: Path) -> None:
    data = release(tmp_path, [record(1)], [record(2)], root="procobject")
    assert resolve_release(data) == data.resolve()
    assert resolve_release(data.parent) == data.resolve()  # the release root
    assert resolve_release(tmp_path) == data.resolve()  # a folder holding procobject/ (the sample root)
    (data / "testing.json").unlink()
    with pytest.raises(
        ReleaseFormatError,
        match=r"expected the release root \(holding data/training\.json and data/testing\.json\)",
    ):
        resolve_release(data.parent)
    with pytest.raises(ReleaseFormatError, match="release not found"):
        resolve_release(tmp_path / "nowhere")


def test_data_version_follows_the_content(tmp_path: Path) -> None:
    data = release(tmp_path, [record(1)], [record(2)])
    first = data_version(data)
    assert re.fullmatch(r"procobject-[0-9a-f]{8}", first)
    assert data_version(data) == first
    write(data / "testing.json", [record(2, answer="changed")])
    assert data_version(data) != first
