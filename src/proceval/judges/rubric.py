"""Judge rubrics: the prompt template, the rated dimensions and their integer scales, and the reply parser.

A :class:`Rubric` holds a system and a user template with named fields written ``{field}``, the
dimensions the judge rates (each an integer scale such as 1..5 or 0..5) and the reply shape: one JSON
object holding an integer per dimension (other keys, such as ``"reasoning"``, are allowed and ignored).
Only the declared fields are substituted, so a template can quote a JSON example verbatim
(``{"relevance": N}``) without doubling its braces.

:func:`render` turns a rubric and one item into chat messages, :func:`template_hash` fingerprints
everything that shapes the prompts and the parse (it goes into cache keys and signatures), and
:func:`parse_reply` reads a reply into ratings or a :class:`ParseFailure` with the reason.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _encode_basestring
from typing import Any

from proceval.errors import InputValidationError

Message = dict[str, str]
"""One chat message: ``{"role": "system" | "user" | "assistant", "content": str}``."""

DEFAULT_REMINDER = (
    "Your previous reply could not be read. Reply again with only a JSON object that holds an integer for "
    "each of these keys: {scales}. Write nothing else."
)
"""The format reminder sent after an unparseable reply; ``{scales}`` lists ``key (low-high)`` pairs."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SCAN_JSON = json.JSONDecoder().scan_once  # (text, index) -> (value, end), as json.loads decodes
_JSON_SPACE = " \t\n\r"
_MAX_REPLY_CHARS = 200_000


@dataclass(frozen=True)
class Dimension:
    """One rated dimension: an integer scale ``low..high`` (both ends inclusive).

    Args:
        name: the dimension's name in results (``mean_<name>``); an identifier.
        low: the lowest allowed rating (inclusive).
        high: the highest allowed rating (inclusive), greater than ``low``.
        key: the key holding this rating in the judge's JSON reply; defaults to ``name`` (VCGBench-style
            prompts, one per aspect, all reply ``{"score": N}``).

    Example:
        >>> Dimension("relevance", 1, 5).normalize(4)
        0.75
    """

    name: str
    low: int
    high: int
    key: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise InputValidationError(
                f"Expected argument `name` of a dimension to be an identifier, but got {self.name!r}."
            )
        for attr in ("low", "high"):
            value = getattr(self, attr)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputValidationError(
                    f"Expected argument `{attr}` of dimension `{self.name}` to be an integer, but got {value!r}."
                )
        if self.high <= self.low:
            raise InputValidationError(
                f"Expected dimension `{self.name}` to have `high` > `low`, but got {self.low}..{self.high}."
            )
        if not self.key:
            object.__setattr__(self, "key", self.name)

    def normalize(self, rating: float) -> float:
        """Map a rating (or a mean of ratings) on ``low..high`` linearly to [0, 1]."""
        return (rating - self.low) / (self.high - self.low)


@dataclass(frozen=True)
class Rubric:
    r"""A judge prompt with named fields, the dimensions it rates and the format reminder.

    Args:
        name: a short name, used as the signature's head (``guidance_quality``).
        dimensions: the rated dimensions, in reply order (at least one, distinct names and keys).
        user: the user message template; ``{field}`` for each name in ``fields``.
        fields: the item fields the templates use; each must occur in ``system`` or ``user``.
        system: the system message template (``""``: no system message).
        reminder: the message sent after an unparseable reply when the policy retries; ``{scales}`` is
            replaced by ``key (low-high)`` pairs.

    Example:
        >>> r = Rubric("qa", (Dimension("score", 0, 5),), user="Q: {question}\nA: {answer}",
        ...            fields=("question", "answer"))
        >>> render(r, {"question": "Which tool?", "answer": "a whisk"})
        [{'role': 'user', 'content': 'Q: Which tool?\nA: a whisk'}]
    """

    name: str
    dimensions: tuple[Dimension, ...]
    user: str
    fields: tuple[str, ...]
    system: str = ""
    reminder: str = DEFAULT_REMINDER
    _system: _Template | None = field(init=False, repr=False, compare=False)
    _user: _Template = field(init=False, repr=False, compare=False)
    _canonical: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise InputValidationError(
                f"Expected argument `name` to be an identifier, but got {self.name!r}."
            )
        dims = tuple(self.dimensions)
        if not dims or not all(isinstance(d, Dimension) for d in dims):
            raise InputValidationError(
                f"Expected argument `dimensions` to be a non-empty sequence of Dimension, but got {self.dimensions!r}."
            )
        for attr in ("name", "key"):
            values = [getattr(d, attr) for d in dims]
            if len(set(values)) != len(values):
                raise InputValidationError(
                    f"Expected the dimensions' {attr}s to be distinct, but got {values}."
                )
        fields = tuple(self.fields)
        bad = [f for f in fields if not isinstance(f, str) or not _NAME.match(f)]
        if bad or len(set(fields)) != len(fields):
            raise InputValidationError(
                f"Expected argument `fields` to be distinct identifiers, but got {list(self.fields)}."
            )
        missing = [f for f in fields if "{" + f + "}" not in self.system + self.user]
        if missing:
            raise InputValidationError(
                f"Expected every field to occur as {{field}} in `system` or `user`, but got no {missing} in them."
            )
        object.__setattr__(self, "dimensions", dims)
        object.__setattr__(self, "fields", fields)
        pattern = re.compile(r"\{(" + ("|".join(map(re.escape, fields)) if fields else r"(?!x)x") + r")\}")
        object.__setattr__(self, "_system", _Template.compile(self.system, pattern) if self.system else None)
        object.__setattr__(self, "_user", _Template.compile(self.user, pattern))
        object.__setattr__(self, "_canonical", _canonical_parts(self._system, self._user))

    def dimension_names(self) -> tuple[str, ...]:
        """The dimensions' names, in order."""
        return tuple(d.name for d in self.dimensions)

    def scales_text(self) -> str:
        """``key (low-high)`` for each dimension, comma-separated (what the reminder lists)."""
        return ", ".join(f"{d.key} ({d.low}-{d.high})" for d in self.dimensions)


def _json_escape(text: str) -> str:
    return _encode_basestring(text)[1:-1]


def _canonical_parts(system: _Template | None, user: _Template) -> tuple[str, ...]:
    """The canonical JSON of the rendered messages as escaped literals and field names (fields at odd indices).

    Joining the literals with the fields' JSON-escaped values gives ``canonical_messages(render(...))``:
    ``[{"content":"<system>","role":"system"},{"content":"<user>","role":"user"}]``.
    """
    pieces: list[str] = ['[{"content":"']
    for template, role, tail in ((system, "system", ',{"content":"'), (user, "user", "]")):
        if template is None:
            continue
        escaped = list(template.escaped)
        pieces[-1] += escaped[0]
        pieces.extend(escaped[1:])
        pieces[-1] += f'","role":"{role}"}}' + tail
    return tuple(pieces)


@dataclass(frozen=True)
class _Template:
    """A template split at its fields: ``parts`` = literal, field, literal, ..., literal.

    ``escaped`` holds the literals JSON-escaped (JSON escapes character by character, so the escape of
    a filled template is the concatenation of the escaped literals and the escaped values).
    """

    parts: tuple[str, ...]
    escaped: tuple[str, ...]

    @classmethod
    def compile(cls, template: str, pattern: re.Pattern[str]) -> _Template:
        parts = tuple(pattern.split(template))
        return cls(parts, tuple(p if i % 2 else _json_escape(p) for i, p in enumerate(parts)))

    def fill(self, values: Mapping[str, str]) -> str:
        # One pass: a value that itself contains "{field}" is not substituted again.
        out = list(self.parts)
        out[1::2] = [values[f] for f in out[1::2]]
        return "".join(out)

    def fill_escaped(self, escaped_values: Mapping[str, str]) -> str:
        out = list(self.escaped)
        out[1::2] = [escaped_values[f] for f in out[1::2]]
        return '"' + "".join(out) + '"'


def _values(rubric: Rubric, item: Mapping[str, Any], item_id: str | None) -> dict[str, str]:
    where = f" of item {item_id!r}" if item_id is not None else ""
    if not isinstance(item, Mapping):
        raise InputValidationError(
            f"Expected item{where} to be a mapping of fields, but got {type(item).__name__}."
        )
    values: dict[str, str] = {}
    for name in rubric.fields:
        if name not in item:
            raise InputValidationError(
                f"Expected item{where} to have the field `{name}`, but got the fields {sorted(item)}."
            )
        value = item[name]
        if type(value) is not str:
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise InputValidationError(
                    f"Expected field `{name}`{where} to be a string, but got {type(value).__name__} {value!r}."
                )
            value = value if isinstance(value, str) else str(value)
        values[name] = value
    return values


def render(rubric: Rubric, item: Mapping[str, Any], *, item_id: str | None = None) -> list[Message]:
    """The chat messages for one item: the system message (if any), then the user message.

    Args:
        rubric: the rubric.
        item: the item's fields; every name in ``rubric.fields`` must map to a string (an int or float
            is written with ``str``).
        item_id: the item's id, named in error messages.

    Returns:
        ``[{"role": "system", "content": ...}, {"role": "user", "content": ...}]`` (no system message
        when ``rubric.system`` is empty).

    Raises:
        InputValidationError: a field is missing or is not a string or number.
    """
    values = _values(rubric, item, item_id)
    messages: list[Message] = []
    if rubric._system is not None:
        messages.append({"role": "system", "content": rubric._system.fill(values)})
    messages.append({"role": "user", "content": rubric._user.fill(values)})
    return messages


def render_escaped(
    rubric: Rubric, item: Mapping[str, Any], *, item_id: str | None = None
) -> tuple[list[Message], list[str]]:
    """:func:`render`, plus each message's content as a JSON string literal (what cache keys hash).

    Example:
        >>> r = Rubric("qa", (Dimension("score", 0, 5),), user="Say {x}!", fields=("x",))
        >>> render_escaped(r, {"x": "hi"})
        ([{'role': 'user', 'content': 'Say hi!'}], ['"Say hi!"'])
    """
    values = _values(rubric, item, item_id)
    escaped = {k: _json_escape(v) for k, v in values.items()}
    messages: list[Message] = []
    literals: list[str] = []
    if rubric._system is not None:
        messages.append({"role": "system", "content": rubric._system.fill(values)})
        literals.append(rubric._system.fill_escaped(escaped))
    messages.append({"role": "user", "content": rubric._user.fill(values)})
    literals.append(rubric._user.fill_escaped(escaped))
    return messages, literals


def canonical_prompt(rubric: Rubric, item: Mapping[str, Any], *, item_id: str | None = None) -> str:
    """The canonical JSON of :func:`render`'s messages (what a cache key hashes), without building them.

    Equal to ``proceval.judges.cache.canonical_messages(render(rubric, item))``: each message as
    ``{"content": ..., "role": ...}`` with sorted keys, no spaces, non-ASCII kept. A cached item needs only
    this text; its messages are rendered only when a call is made. Checks the item as :func:`render` does.

    Example:
        >>> r = Rubric("qa", (Dimension("score", 0, 5),), user="Say {x}!", fields=("x",), system="Rate {x}.")
        >>> canonical_prompt(r, {"x": "hé"})
        '[{"content":"Rate hé.","role":"system"},{"content":"Say hé!","role":"user"}]'
    """
    escaped = {k: _json_escape(v) for k, v in _values(rubric, item, item_id).items()}
    out = list(rubric._canonical)
    out[1::2] = [escaped[f] for f in out[1::2]]
    return "".join(out)


def retry_messages(rubric: Rubric, messages: Sequence[Message], reply: str) -> list[Message]:
    """The messages of a format retry: the original ones, the unparseable reply, then the reminder."""
    reminder = rubric.reminder.replace("{scales}", rubric.scales_text())
    return [*messages, {"role": "assistant", "content": reply}, {"role": "user", "content": reminder}]


def template_hash(rubric: Rubric) -> str:
    """Hex sha256 of what shapes the prompts and the parse: templates, fields, reminder, dimension scales.

    The rubric's ``name`` is not part of it (renaming a rubric changes no prompt).

    Example:
        >>> r = Rubric("a", (Dimension("score", 0, 5),), user="{x}", fields=("x",))
        >>> template_hash(r) == template_hash(Rubric("b", (Dimension("score", 0, 5),), user="{x}", fields=("x",)))
        True
        >>> template_hash(r) == template_hash(Rubric("a", (Dimension("score", 1, 5),), user="{x}", fields=("x",)))
        False
    """
    payload = {
        "system": rubric.system,
        "user": rubric.user,
        "fields": list(rubric.fields),
        "reminder": rubric.reminder,
        "dimensions": [[d.name, d.key, d.low, d.high] for d in rubric.dimensions],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ParseFailure:
    """A reply that gave no ratings, with the reason (``"no JSON object in the reply"``)."""

    reason: str


def _balanced_end(text: str, start: int) -> int | None:
    """Index after the brace closing the one at ``start`` (quotes respected), or None."""
    depth = 0
    quote = ""
    escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _objects(text: str) -> list[dict[Any, Any]]:
    """The top-level objects in ``text``: JSON, or Python dict literals (``{'score': 4}``)."""
    if text[:1] == "{":  # the common case: the reply is one JSON object (the scanner json.loads runs)
        try:
            whole, end = _SCAN_JSON(text, 0)
        except (StopIteration, ValueError):
            pass
        else:
            if not text[end:].strip(_JSON_SPACE):
                return [whole]
    try:
        whole = json.loads(text)
    except ValueError:
        pass
    else:
        return [whole] if isinstance(whole, dict) else []
    decoder = json.JSONDecoder()
    found: list[dict[Any, Any]] = []
    pos = text.find("{")
    while pos != -1:
        end: int | None
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            obj, end = None, _balanced_end(text, pos)
            if end is not None:
                try:
                    obj = ast.literal_eval(text[pos:end])
                except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                    obj = None
        if isinstance(obj, dict) and end is not None:
            found.append(obj)
            pos = text.find("{", end)
        else:
            pos = text.find("{", pos + 1)
    return found


def _check_rating(dim: Dimension, value: Any) -> int | str:
    """The rating as an int, or the reason it is refused."""
    if type(value) is int and dim.low <= value <= dim.high:  # the common case
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"`{dim.key}` is {value!r}, not an integer"
    if isinstance(value, float) and not value.is_integer():
        return f"`{dim.key}` is {value!r}, not an integer"
    rating = int(value)
    if not dim.low <= rating <= dim.high:
        return f"`{dim.key}` is {rating}, outside {dim.low}..{dim.high}"
    return rating


def parse_reply(text: str | None, rubric: Rubric) -> dict[str, int] | ParseFailure:
    r"""Read a judge reply into ``{dimension name: rating}``, or say why it cannot be read.

    The reply may wrap the object in a code fence or surround it with prose (an analysis, then the
    object, as ProAssist's judge answers). Every top-level ``{...}`` in the reply is decoded as JSON, or
    else as a Python dict literal (VCGBench's judges answer ``{'score': 4}``); the objects holding every
    dimension's key are the candidates.

    Policy (strict, so that no value outside the scale is ever scored):

    * a rating must be an integer on its dimension's scale (``4`` and ``4.0`` are read as 4; ``4.5``,
      ``"4"``, ``true`` and out-of-range values are refused, and the reply with them);
    * no candidate object: failure; several candidates: they must give the same ratings, else failure
      (ambiguous).

    Args:
        text: the reply (``None`` counts as empty).
        rubric: the rubric whose dimensions are read.

    Returns:
        ``{name: int}`` for every dimension, or a :class:`ParseFailure`.

    Examples:
        >>> r = Rubric("q", (Dimension("relevance", 1, 5), Dimension("conciseness", 1, 5)), user="{a}",
        ...            fields=("a",))
        >>> parse_reply('```json\n{"relevance": 4, "conciseness": 2, "reasoning": "ok"}\n```', r)
        {'relevance': 4, 'conciseness': 2}
        >>> parse_reply('{"relevance": 6, "conciseness": 2}', r)
        ParseFailure(reason='`relevance` is 6, outside 1..5')
        >>> parse_reply("I would rate it highly.", r)
        ParseFailure(reason='no JSON object in the reply')
    """
    if text is None or not text.strip():
        return ParseFailure("empty reply")
    if len(text) > _MAX_REPLY_CHARS:
        return ParseFailure(f"reply longer than {_MAX_REPLY_CHARS} characters")
    objects = _objects(text)
    if not objects:
        return ParseFailure("no JSON object in the reply")
    dims = rubric.dimensions
    if len(objects) == 1:  # the common case: one object with every key and in-range integers
        obj, fast = objects[0], {}
        for d in dims:
            value = obj.get(d.key)
            if type(value) is not int or not d.low <= value <= d.high:
                break
            fast[d.name] = value
        else:
            return fast
    readings: list[dict[str, int]] = []
    for obj in objects:
        if not all(d.key in obj for d in dims):
            continue
        ratings: dict[str, int] = {}
        for dim in dims:
            checked = _check_rating(dim, obj[dim.key])
            if isinstance(checked, str):
                return ParseFailure(checked)
            ratings[dim.name] = checked
        readings.append(ratings)
    if not readings:
        return ParseFailure(f"no JSON object with the keys {', '.join(d.key for d in dims)}")
    for other in readings[1:]:
        if other != readings[0]:
            return ParseFailure(f"ambiguous: {len(readings)} objects with different ratings")
    return readings[0]
