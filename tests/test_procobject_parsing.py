"""What VLMs write: the tolerant span parser, ProcObject-10K prediction files and records."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from proceval.benchmarks.procobject.parsing import (
    read_official_predictions,
    record_answer,
    record_evidence,
)
from proceval.errors import ReleaseFormatError
from proceval.evaluation.span_parsing import parse_grounded_reply, parse_spans, parse_time

# ------------------------------------------------------------------------------------------ parse_spans

SPANS = [
    # (what the model wrote, spans, status)
    ('{"answer": "It is open.", "evidence": [[3, 7.5], [10, 12]]}', ((3, 7.5), (10, 12)), "structured"),
    ('```json\n{"answer": "a", "evidence": [[1, 2]]}\n```', ((1, 2),), "structured"),
    ("```\n[[1, 2], [4, 5]]\n```", ((1, 2), (4, 5)), "structured"),
    ("Sure! Here it is: {'answer': 'x', 'evidence': [(1, 2)]} Hope it helps.", ((1, 2),), "structured"),
    ('{"evidence": "12.5-20s"}', ((12.5, 20),), "structured"),
    ('{"Evidence": [{"start": 1, "end": 2}]}', ((1, 2),), "structured"),
    ('{"segments": [["0:05", "0:09"]]}', ((5, 9),), "structured"),
    ("[3, 7]", ((3, 7),), "structured"),
    ("[[3, 7]]", ((3, 7),), "structured"),
    ("12.5-20s", ((12.5, 20),), "text"),
    ("12.5 s – 20 s", ((12.5, 20),), "text"),
    ("from 3 to 7 seconds", ((3, 7),), "text"),
    ("From 3s until 7s, then between 10 and 12.5 sec.", ((3, 7), (10, 12.5)), "text"),
    ("00:12 - 00:20", ((12, 20),), "text"),
    ("1:02:03–1:02:10.5", ((3723, 3730.5),), "text"),
    ("The lid opens at [12.0s, 15.5s] and closes (20, 22).", ((12, 15.5), (20, 22)), "text"),
    ('{"answer": "x", "evidence": [[1, 2], [3, 4', ((1, 2),), "text"),  # truncated reply: what is complete
    ("", (), "empty"),
    ("None", (), "empty"),
    ("[]", (), "empty"),
    ('{"answer": "x", "evidence": []}', (), "empty"),
    ("I think it happens at 12 s.", (), "unparseable"),
    ("no idea", (), "unparseable"),
]


@pytest.mark.parametrize(("text", "spans", "status"), SPANS, ids=[s[0][:30] for s in SPANS])
def test_parse_spans_text(text, spans, status):
    got = parse_spans(text)
    assert got.status == status
    assert got.spans == tuple((float(a), float(b)) for a, b in spans)


@pytest.mark.parametrize(
    ("value", "spans", "status"),
    [
        ([[1, 2], [3, 4]], ((1, 2), (3, 4)), "structured"),
        ((1, 2), ((1, 2),), "structured"),
        ([["0:01", "0:02"]], ((1, 2),), "structured"),
        ([{"start_s": 1, "end_s": 2}], ((1, 2),), "structured"),
        (np.array([[1.0, 2.0]]), ((1, 2),), "structured"),
        ({"evidence": [[1, 2]]}, ((1, 2),), "structured"),
        ({"evidence": None}, (), "empty"),
        (None, (), "empty"),
        (float("nan"), (), "empty"),
        ([], (), "empty"),
        ([1, 2, 3], (), "unparseable"),
        ([["a", "b"]], (), "unparseable"),
        (42, (), "unparseable"),
    ],
)
def test_parse_spans_structured(value, spans, status):
    got = parse_spans(value)
    assert (got.spans, got.status) == (tuple((float(a), float(b)) for a, b in spans), status)


def test_nothing_is_repaired_by_the_parser():
    assert parse_spans("[[7, 3], [-1, 2]]").spans == ((7.0, 3.0), (-1.0, 2.0))
    assert math.isnan(parse_spans([[float("nan"), 1]]).spans[0][0])


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("12", 12.0),
        ("12.5s", 12.5),
        ("12 seconds", 12.0),
        ("1:05", 65.0),
        ("01:05.5", 65.5),
        ("1:00:00", 3600.0),
        (3, 3.0),
        ("soon", None),
        (True, None),
        (None, None),
    ],
)
def test_parse_time(value, seconds):
    assert parse_time(value) == seconds


def test_parse_grounded_reply():
    r = parse_grounded_reply('```json\n{"answer": "The egg is cracked.", "evidence": [[2, 4]]}\n```')
    assert (r.answer, r.evidence.spans, r.structured) == ("The egg is cracked.", ((2.0, 4.0),), True)
    prose = parse_grounded_reply("The egg is cracked, from 2 to 4 seconds.")
    assert prose.answer == "The egg is cracked, from 2 to 4 seconds." and prose.evidence.spans == (
        (2.0, 4.0),
    )
    assert not prose.structured


# ------------------------------------------------------------------------------------------ prediction files


RECORDS = [
    {"id": 7, "predicted_answer": "It is hot.", "predicted_evidence": [[1, 2]]},
    {"id": 9, "predicted_answer": "Closed.", "predicted_evidence": "from 3 to 4 s"},
]


def _write(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_official_list_and_reasoning_dict(tmp_path):
    want = {"7": RECORDS[0], "9": RECORDS[1]}
    assert read_official_predictions(_write(tmp_path / "a.json", RECORDS)) == want
    grouped = {"Needle-in-a-Haystack": [RECORDS[0]], "Multi-hop Reasoning": [RECORDS[1]]}
    assert read_official_predictions(_write(tmp_path / "b.json", grouped)) == want
    by_id = {"7": {k: v for k, v in RECORDS[0].items() if k != "id"}, "9": RECORDS[1]}
    assert (
        read_official_predictions(_write(tmp_path / "c.json", by_id))["7"]["predicted_answer"] == "It is hot."
    )
    lines = tmp_path / "d.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    assert read_official_predictions(lines) == want


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([RECORDS[0], RECORDS[0]], r"id '7' repeats \(record 1; first in record 0\)"),
        ({"Needle-in-a-Haystack": [RECORDS[0]], "Multi-hop Reasoning": [RECORDS[0]]}, r"id '7' repeats"),
        ([{"predicted_answer": "x"}], r"record 0 to have an `id`"),
        ([["not", "a", "record"]], r"record 0 to be an object"),
        ([{"id": True}], r"integer or string `id`"),
        ("just text", r"JSON list or object of records"),
        ({"7": {"id": 8}}, r"record keyed '7' has id 8"),
    ],
)
def test_official_file_errors(tmp_path, data, match):
    with pytest.raises(ReleaseFormatError, match=match):
        read_official_predictions(_write(tmp_path / "p.json", data))


def test_jsonl_errors_name_the_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(ReleaseFormatError, match=r"p\.jsonl:2: invalid JSON line"):
        read_official_predictions(path)
    path.write_text(json.dumps(RECORDS[0]) + "\n" + json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    with pytest.raises(ReleaseFormatError, match=r"p\.jsonl:2: id '7' repeats \(line 2; first in line 1\)"):
        read_official_predictions(path)
    with pytest.raises(ReleaseFormatError, match="not found"):
        read_official_predictions(tmp_path / "nope.json")


# ------------------------------------------------------------------------------------------ records


def test_record_evidence_picks_the_field():
    assert record_evidence(RECORDS[1]) == "from 3 to 4 s"
    assert record_evidence({"id": 1, "evidence": [[0, 1]]}) == [[0, 1]]
    reply = '{"answer": "a", "evidence": [[5, 6]]}'
    assert record_evidence({"id": 1, "response": reply}) == reply
    assert record_evidence({"id": 1, "predicted_answer": "a"}) is None
    assert record_evidence([[1, 2]]) == [[1, 2]]


@pytest.mark.parametrize(
    ("prediction", "text", "source"),
    [
        (RECORDS[0], "It is hot.", "field"),
        ({"id": 1, "predicted_answer": '{"answer": "Hot.", "evidence": [[1, 2]]}'}, "Hot.", "reply"),
        ({"id": 1, "predicted_answer": "```json\n{'answer': 'Hot.'}\n```"}, "Hot.", "reply"),
        ({"id": 1, "predicted_answer": "The set {1, 2} answers it."}, "The set {1, 2} answers it.", "field"),
        ({"id": 1, "response": '{"answer": "Hot.", "evidence": []}'}, "Hot.", "reply"),
        ({"id": 1, "response": "Plain words."}, "Plain words.", "text"),
        ({"id": 1, "predicted_evidence": [[1, 2]]}, None, "missing"),
        ({"id": 1, "predicted_answer": None}, None, "missing"),
        ("Hot.", "Hot.", "text"),
        (None, None, "missing"),
    ],
)
def test_record_answer(prediction, text, source):
    got = record_answer(prediction)
    assert (got.text, got.source) == (text, source)
