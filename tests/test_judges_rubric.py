"""Rubrics: rendering, template hashes, and the reply parser (tables of replies and error tables)."""

from __future__ import annotations

import pytest

from proceval.errors import InputValidationError
from proceval.judges.rubric import (
    DEFAULT_REMINDER,
    Dimension,
    ParseFailure,
    Rubric,
    parse_reply,
    render,
    retry_messages,
    template_hash,
)

GUIDANCE = Rubric(
    "guidance",
    (Dimension("relevance", 1, 5), Dimension("specificity", 1, 5)),
    system="You are a strict evaluator. Output only a JSON object: "
    '{"relevance": N, "specificity": N, "reasoning": "..."}',
    user="Task: {task_context}\nGolden: {golden}\nModel: {model}",
    fields=("golden", "model", "task_context"),
)
VCG = Rubric(
    "temporal",
    (Dimension("temporal", 0, 5, key="score"),),
    user="Question: {question}\nPredicted Answer: {pred}\nReply as {'score': N}.",
    fields=("question", "pred"),
)


def test_render_substitutes_declared_fields_once_and_keeps_other_braces():
    item = {"golden": "Add {model} salt", "model": "Stir", "task_context": "soup", "extra": "ignored"}
    messages = render(GUIDANCE, item)
    assert messages == [
        {"role": "system", "content": GUIDANCE.system},  # the JSON example's braces are left alone
        {"role": "user", "content": "Task: soup\nGolden: Add {model} salt\nModel: Stir"},  # no second pass
    ]


def test_render_without_system_message_and_numbers():
    assert render(VCG, {"question": "When?", "pred": 3}) == [
        {"role": "user", "content": "Question: When?\nPredicted Answer: 3\nReply as {'score': N}."}
    ]


@pytest.mark.parametrize(
    ("item", "match"),
    [
        ({"question": "q"}, r"item 'x' to have the field `pred`"),
        ({"question": "q", "pred": None}, r"field `pred` of item 'x' to be a string, but got NoneType"),
        ({"question": "q", "pred": ["a"]}, r"to be a string, but got list"),
        ({"question": "q", "pred": True}, r"to be a string, but got bool"),
        ("not a mapping", r"to be a mapping of fields"),
    ],
)
def test_render_errors(item, match):
    with pytest.raises(InputValidationError, match=match):
        render(VCG, item, item_id="x")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "bad name"}, r"`name` to be an identifier"),
        ({"dimensions": ()}, r"`dimensions` to be a non-empty sequence"),
        ({"dimensions": (Dimension("a", 1, 5), Dimension("a", 0, 5))}, r"names to be distinct"),
        ({"dimensions": (Dimension("a", 1, 5), Dimension("b", 1, 5, key="a"))}, r"keys to be distinct"),
        ({"fields": ("x", "y")}, r"got no \['y'\] in them"),
        ({"fields": ("x", "x")}, r"`fields` to be distinct identifiers"),
    ],
)
def test_rubric_errors(kwargs, match):
    base = {"name": "r", "dimensions": (Dimension("a", 1, 5),), "user": "{x}", "fields": ("x",)}
    with pytest.raises(InputValidationError, match=match):
        Rubric(**{**base, **kwargs})


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("a", 5, 5), r"`high` > `low`, but got 5..5"),
        (("a", 1.0, 5), r"`low` of dimension `a` to be an integer"),
        (("a", 1, True), r"`high` of dimension `a` to be an integer"),
        (("", 1, 5), r"`name` of a dimension to be an identifier"),
    ],
)
def test_dimension_errors(args, match):
    with pytest.raises(InputValidationError, match=match):
        Dimension(*args)


def test_template_hash_covers_prompt_scales_and_reminder_but_not_the_name():
    h = template_hash(GUIDANCE)
    assert len(h) == 64
    same = Rubric("renamed", GUIDANCE.dimensions, GUIDANCE.user, GUIDANCE.fields, GUIDANCE.system)
    assert template_hash(same) == h
    changed = [
        Rubric("g", GUIDANCE.dimensions, GUIDANCE.user + ".", GUIDANCE.fields, GUIDANCE.system),
        Rubric("g", GUIDANCE.dimensions, GUIDANCE.user, GUIDANCE.fields, GUIDANCE.system + "."),
        Rubric(
            "g",
            (Dimension("relevance", 0, 5), Dimension("specificity", 1, 5)),
            GUIDANCE.user,
            GUIDANCE.fields,
            GUIDANCE.system,
        ),
        Rubric(
            "g", GUIDANCE.dimensions, GUIDANCE.user, GUIDANCE.fields, GUIDANCE.system, reminder="JSON please."
        ),
    ]
    assert all(template_hash(r) != h for r in changed)


def test_retry_messages_append_reply_and_reminder():
    messages = render(VCG, {"question": "q", "pred": "p"})
    again = retry_messages(VCG, messages, "It is good.")
    assert again[:-2] == messages
    assert again[-2] == {"role": "assistant", "content": "It is good."}
    assert again[-1]["role"] == "user"
    assert again[-1]["content"] == DEFAULT_REMINDER.replace("{scales}", "score (0-5)")


OK = {"relevance": 4, "specificity": 2}
PARSE_TABLE = [
    ('{"relevance": 4, "specificity": 2}', OK),
    ('{"relevance": 4, "specificity": 2, "reasoning": "close to {golden}"}', OK),
    ('```json\n{"relevance": 4, "specificity": 2}\n```', OK),
    ('Analysis: mostly right.\n---\n{"relevance": 4, "specificity": 2}', OK),
    ("{'relevance': 4, 'specificity': 2}", OK),  # a Python dict literal (VCGBench style)
    ('{"relevance": 4.0, "specificity": 2}', OK),  # an integral float is an integer
    ('Notes {not json} then {"relevance": 4, "specificity": 2}', OK),
    ('{"relevance": 4, "specificity": 2} and again {"relevance": 4, "specificity": 2}', OK),
    (
        '{"scores": {"relevance": 4, "specificity": 2}}',
        ParseFailure("no JSON object with the keys relevance, specificity"),
    ),
    ('{"relevance": 4.5, "specificity": 2}', ParseFailure("`relevance` is 4.5, not an integer")),
    ('{"relevance": "4", "specificity": 2}', ParseFailure("`relevance` is '4', not an integer")),
    ('{"relevance": true, "specificity": 2}', ParseFailure("`relevance` is True, not an integer")),
    ('{"relevance": null, "specificity": 2}', ParseFailure("`relevance` is None, not an integer")),
    ('{"relevance": 0, "specificity": 2}', ParseFailure("`relevance` is 0, outside 1..5")),
    ('{"relevance": 4, "specificity": 6}', ParseFailure("`specificity` is 6, outside 1..5")),
    ('{"relevance": 4}', ParseFailure("no JSON object with the keys relevance, specificity")),
    (
        '{"relevance": 4, "specificity": 2} {"relevance": 3, "specificity": 2}',
        ParseFailure("ambiguous: 2 objects with different ratings"),
    ),
    ('{"relevance": 4, "specificity": 2', ParseFailure("no JSON object in the reply")),
    ("Relevance: 4, specificity: 2", ParseFailure("no JSON object in the reply")),
    ("[4, 2]", ParseFailure("no JSON object in the reply")),
    ("", ParseFailure("empty reply")),
    ("   \n", ParseFailure("empty reply")),
    (None, ParseFailure("empty reply")),
]


@pytest.mark.parametrize(("reply", "expected"), PARSE_TABLE)
def test_parse_reply_table(reply, expected):
    assert parse_reply(reply, GUIDANCE) == expected


def test_parse_reply_reads_the_reply_key_into_the_dimension_name():
    assert parse_reply("{'score': 0}", VCG) == {"temporal": 0}
    assert parse_reply("{'score': 5}", VCG) == {"temporal": 5}
    assert parse_reply('{"temporal": 5}', VCG) == ParseFailure("no JSON object with the keys score")


def test_parse_reply_refuses_very_long_replies():
    reply = '{"relevance": 4, "specificity": 2}' + " " * 200_001
    assert isinstance(parse_reply(reply, GUIDANCE), ParseFailure)


def test_normalize_maps_scale_to_unit_interval():
    d = Dimension("relevance", 1, 5)
    assert [d.normalize(v) for v in (1, 3, 5)] == [0.0, 0.5, 1.0]
    assert Dimension("score", 0, 5).normalize(4) == pytest.approx(0.8)
