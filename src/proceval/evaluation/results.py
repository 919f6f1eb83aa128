"""Result files, schema v1: one validated JSON object per (model, config, metric, split).

A result file holds everything a model card or a leaderboard needs without the predictions: the
headline scores with direction, unit, range and confidence interval, every numeric score, the
signature, the data version, config and split, the model id and revision, the splits the submitter
declares they trained on, the prediction file's SHA-256, the judge settings and prompt hashes where a
judge rated the predictions, and the bootstrap *replicates* (each headline score on every resample).
Two results with the same signature drew the same resample indices (resample ``b`` of ``n`` units is
``numpy.random.default_rng(seed).integers(0, n, (B, n))[b]``), so their paired-bootstrap comparison on
a key is ``replicates_A[key] - replicates_B[key]`` elementwise, exactly
(:func:`proceval.scores.bootstrap.compare_replicates`).

The schema is :data:`RESULT_SCHEMA` (also shipped as ``result.schema.json`` beside this module and
documented in ``docs/RESULTS.md``); :func:`read_result` and :func:`write_result` validate against it
and name the file and the JSON path of the first error.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import re
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from proceval import __version__
from proceval.errors import ReleaseFormatError
from proceval.evaluation.predictions import to_jsonable
from proceval.io import atomic_write_text

if TYPE_CHECKING:
    from proceval.registry import Benchmark, Task
    from proceval.scores.bootstrap import Replicates

SCHEMA_VERSION = 1
RESULT_KIND = "proceval-result"
RESULT_SCHEMA_FILE = Path(__file__).with_name("result.schema.json")

_NUMBER_OR_NULL: dict[str, Any] = {"type": ["number", "null"]}
_INTERVAL: dict[str, Any] = {"type": "array", "items": _NUMBER_OR_NULL, "minItems": 2, "maxItems": 2}
_NAME: dict[str, Any] = {"type": "string", "minLength": 1}

PLOT_FILE_PATTERN = r"^(?!/)(?!(?:.*/)?\.\.(?:/|$))[^\\:\x00-\x1f\x7f]+\.[Pp][Nn][Gg]$"
"""A result's picture path: relative (POSIX ``/``, not absolute, no backslash or ``:``), no ``..`` part, ``.png``."""

RESULT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "proceval result file, schema v1",
    "description": "One score of one model on one (config, metric, split); see docs/RESULTS.md.",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "schema_version",
        "kind",
        "proceval_version",
        "created_at",
        "model",
        "benchmark",
        "task",
        "metric",
        "config",
        "split",
        "data_version",
        "signature",
        "options",
        "predictions",
        "headline",
        "scores",
        "ci",
        "ci_level",
        "bootstrap",
        "judge",
        "details",
    ],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "kind": {"const": RESULT_KIND},
        "proceval_version": _NAME,
        "created_at": {
            "type": "string",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$",
            "description": "UTC, ISO 8601",
        },
        "model": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "revision", "trained_on"],
            "properties": {
                "id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 256,
                    "pattern": "^[^\\x00-\\x1f\\x7f]+$",
                },
                "revision": {"type": ["string", "null"], "minLength": 1},
                "trained_on": {"type": "array", "items": _NAME, "uniqueItems": True},
            },
        },
        "benchmark": _NAME,
        "task": _NAME,
        "metric": _NAME,
        "config": _NAME,
        "split": _NAME,
        "data_version": _NAME,
        "signature": _NAME,
        "options": {"type": "object"},
        "predictions": {
            "type": "object",
            "additionalProperties": False,
            "required": ["file", "sha256"],
            "properties": {"file": _NAME, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
        },
        "headline": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["key", "value", "higher_is_better", "unit", "range", "ci"],
                "properties": {
                    "key": _NAME,
                    "value": _NUMBER_OR_NULL,
                    "higher_is_better": {"type": "boolean"},
                    "unit": {"enum": ["fraction", "seconds", "frames", "rank", "count", "score"]},
                    "range": _INTERVAL,
                    "ci": {"anyOf": [_INTERVAL, {"type": "null"}]},
                },
            },
        },
        "scores": {"type": "object", "additionalProperties": _NUMBER_OR_NULL},
        "ci": {"anyOf": [{"type": "object", "additionalProperties": _INTERVAL}, {"type": "null"}]},
        "ci_level": {
            "anyOf": [{"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, {"type": "null"}]
        },
        "bootstrap": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["n_resamples", "seed", "unit", "num_units", "replicates"],
                    "properties": {
                        "n_resamples": {"type": "integer", "minimum": 1},
                        "seed": {"type": "integer"},
                        "unit": _NAME,
                        "num_units": {"type": "integer", "minimum": 1},
                        "num_units_per_key": {
                            "type": "object",
                            "additionalProperties": {"type": "integer", "minimum": 1},
                        },
                        "replicates": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": _NUMBER_OR_NULL},
                        },
                    },
                },
            ]
        },
        "judge": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["settings", "prompt_hashes"],
                    "properties": {
                        "settings": {"type": "object"},
                        "prompt_hashes": {
                            "type": "object",
                            "additionalProperties": {
                                "type": "string",
                                "pattern": "^([0-9a-f]{8}|[0-9a-f]{64})$",
                            },
                        },
                    },
                },
            ]
        },
        "details": {"type": "object"},
        "plots": {
            "type": "array",
            "description": "optional: the result's pictures, PNG files relative to the result file's folder",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["caption", "file"],
                "properties": {
                    "caption": {"type": "string"},
                    "file": {"type": "string", "pattern": PLOT_FILE_PATTERN},
                },
            },
        },
    },
}
"""The JSON Schema (draft 2020-12) of a result file, schema v1."""

JUDGE_SIGNATURE_KEYS: tuple[str, ...] = (
    "rubric",
    "rt",
    "judge",
    "tmpl",
    "temp",
    "maxtok",
    "seed",
    "json",
    "extra",
    "agg",
    "unparse",
    "fail",
)
"""Signature keys that describe a judging (:func:`proceval.judges.runner.judge_signature_items`)."""

_JUDGE_OPTION_KEYS = ("judge_model", "judge_revision", "judge_ledger", "judge_max_concurrency")
_SKIPPED_GROUPS = ("ci", "ci_level", "paired", "signature")


class ResultFormatError(ReleaseFormatError):
    """A result file is not valid JSON or does not follow the result schema.

    The message names the file and the JSON path of the first error (``$.headline[0].value``).
    """

    def __init__(self, path: str | os.PathLike[str], json_path: str, message: str, line: int | None = None):
        self.json_path = json_path
        super().__init__(path, f"result schema v{SCHEMA_VERSION}: at {json_path}: {message}", line)


# ---------------------------------------------------------------------------------------------- signatures


def signature_fields(signature: str) -> list[tuple[str, dict[str, str]]]:
    """Parse a signature (or several joined by ``" + "``) into ``(name, {key: value})`` parts.

    Example:
        >>> signature_fields("tas|conv:mstcn|thr:0.1,0.5|v:0.1.0")
        [('tas', {'conv': 'mstcn', 'thr': '0.1,0.5', 'v': '0.1.0'})]
    """
    parts = []
    for sig in signature.split(" + "):
        name, *items = sig.split("|")
        fields: dict[str, str] = {}
        for item in items:
            key, _, value = item.partition(":")
            fields[key] = value
        parts.append((name, fields))
    return parts


# ------------------------------------------------------------------------------------------------ building


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _number(value: Any) -> float | None:
    """A finite number (an int stays an int), or None (NaN, missing, non-numeric)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _interval(value: Any) -> list[float | None] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return [_number(value[0]), _number(value[1])]
    return None


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))


def _node(scores: Mapping[str, Any], key: str) -> tuple[Mapping[str, Any] | None, str]:
    """The (sub-)result dict holding headline ``key`` and the key's last part (``g:k`` -> scores[g], k)."""
    *groups, leaf = key.split(":")
    node: Any = scores
    for part in groups:
        node = node.get(part) if isinstance(node, Mapping) else None
    return (node if isinstance(node, Mapping) else None), leaf


def flatten_scores(
    scores: Mapping[str, Any],
) -> tuple[dict[str, float | None], dict[str, list[float | None]]]:
    """Every numeric score and interval of a raw score dict, nested keys joined with ``":"``.

    Top-level numbers, and the numbers of each nested result (a dict value such as one protocol's
    result) are kept; ``per_*`` breakdowns, ``ci``, ``paired`` and signatures are not scores.

    Returns:
        ``(scores, ci)``: ``{key: value or None (NaN)}`` and ``{key: [low, high]}``.
    """
    flat: dict[str, float | None] = {}
    ci: dict[str, list[float | None]] = {}

    def add(node: Mapping[str, Any], prefix: str) -> None:
        for key, value in node.items():
            if _is_number(value) and key != "ci_level":
                flat[prefix + str(key)] = _number(value)
        for key, value in (node.get("ci") or {}).items():
            interval = _interval(value)
            if interval is not None:
                ci[prefix + str(key)] = interval

    add(scores, "")
    for group, value in scores.items():
        if isinstance(value, Mapping) and group not in _SKIPPED_GROUPS and not str(group).startswith("per_"):
            add(value, f"{group}:")
    return flat, ci


def _record_of(node: Mapping[str, Any], records: Sequence[Replicates]) -> Replicates | None:
    """The bootstrap record whose interval dict is ``node["ci"]`` (by identity, else by equal content)."""
    ci = node.get("ci")
    for record in records:
        if record.ci is not None and record.ci is ci:
            return record
    for record in records:
        if record.result is node:
            return record
    for record in records:
        if record.ci is not None and isinstance(ci, Mapping) and record.ci == ci:
            return record
    return None


def _bootstrap_block(
    scores: Mapping[str, Any], headline: Sequence[Any], records: Sequence[Replicates], unit: str
) -> dict[str, Any] | None:
    replicates: dict[str, list[float | None]] = {}
    units: dict[str, int] = {}
    settings: tuple[int, int] | None = None
    for h in headline:
        node, leaf = _node(scores, h.key)
        record = _record_of(node, records) if node is not None else None
        if record is None or leaf not in record.values:
            continue
        if settings is None:
            settings = (record.n_resamples, record.seed)
        replicates[h.key] = [_number(v) for v in record.values[leaf].tolist()]
        units[h.key] = record.num_units
    if settings is None:
        return None
    block: dict[str, Any] = {
        "n_resamples": settings[0],
        "seed": settings[1],
        "unit": unit,
        "num_units": next(iter(units.values())),
        "replicates": replicates,
    }
    if len(set(units.values())) > 1:
        block["num_units_per_key"] = units
    return block


def _rubric_hashes() -> dict[str, str]:
    """``{template_hash: rubric name}`` of every loaded rubric constant.

    Module-level :class:`~proceval.judges.rubric.Rubric` objects of loaded ``proceval`` modules (the judges'
    prompts).
    """
    rubric_mod = sys.modules.get("proceval.judges.rubric")
    if rubric_mod is None:
        return {}
    out: dict[str, str] = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith("proceval.") or module is None:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, rubric_mod.Rubric):
                out[rubric_mod.template_hash(value)] = value.name
    return out


def judge_block(
    signature: str, options: Mapping[str, Any], scores: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The ``judge`` entry of a result: judge settings and prompt hashes, or None when no judge rated.

    The settings are the judging keys of the signature (:data:`JUDGE_SIGNATURE_KEYS`: judges as
    ``model@revision``, template hash, decoding, policies), the ``judge_*`` options the user passed
    (not the endpoint, which may carry credentials, nor the cache path) and the judges the result lists.
    ``prompt_hashes`` maps each rubric to the full SHA-256 of its templates
    (:func:`proceval.judges.rubric.template_hash`) when the rubric is a loaded module constant, else to
    the signature's 8-hex prefix.
    """
    parts = [fields for _, fields in signature_fields(signature) if "judge" in fields or "tmpl" in fields]
    if not parts:
        return None
    settings: dict[str, Any] = {}
    hashes: dict[str, str] = {}
    known = _rubric_hashes()
    for fields in parts:
        for key in JUDGE_SIGNATURE_KEYS:
            if key in fields:
                settings.setdefault(key, fields[key])
        prefix = fields.get("tmpl")
        if prefix:
            full = [(h, name) for h, name in known.items() if h.startswith(prefix)]
            name = fields.get("rubric") or (full[0][1] if full else "template")
            hashes[name] = full[0][0] if len(full) == 1 else prefix
    for key in _JUDGE_OPTION_KEYS:
        if options.get(key) is not None:
            settings[key] = to_jsonable(options[key])
    for key in ("judges", "judge_runs"):
        if key in scores:
            settings[key] = to_jsonable(scores[key])
    return {"settings": settings, "prompt_hashes": hashes}


def _without_credentials(value: Any) -> Any:
    """A URL option without its user info and query (``http://user:key@host/v1?k=x`` -> ``http://host/v1``)."""
    if not isinstance(value, str) or "://" not in value:
        return value
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(value)
    if "@" not in parts.netloc and not parts.query:
        return value
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def _utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_result(
    raw_result: Mapping[str, Any],
    *,
    task: Task,
    benchmark: Benchmark | str,
    config: str,
    split: str,
    model_id: str,
    revision: str | None,
    trained_on: Sequence[str],
    predictions_path: str | os.PathLike[str],
    replicates: Sequence[Replicates] = (),
    created_at: str | None = None,
) -> dict[str, Any]:
    """A schema-v1 result from :func:`proceval.evaluation.runner.evaluate_config`'s output.

    Args:
        raw_result: the runner's dict (``scores``, ``signature``, ``data_version``, ...; ``options`` if
            the caller added the options it passed).
        task: the task that scored the config (headline keys, resampling unit).
        benchmark: the benchmark (or its name).
        config: the config scored.
        split: the split scored.
        model_id: ``ORG/NAME`` as declared by the submitter.
        revision: the model's revision (a commit or tag), or None.
        trained_on: the splits the submitter declares the model was trained on.
        predictions_path: the predictions file (its bytes are hashed; its name is recorded).
        replicates: the records of :func:`proceval.scores.bootstrap.keep_replicates` around the scoring;
            each headline key's per-resample values are stored so results compare without predictions.
        created_at: UTC ISO-8601 time (default: now).

    Returns:
        The result dict (validated; :func:`write_result` writes it).

    Raises:
        ResultFormatError: the result does not follow the schema (e.g. a model id with a newline).
    """
    scores = raw_result["scores"]
    flat, ci = flatten_scores(scores)
    headline = []
    for h in task.headline:
        node, leaf = _node(scores, h.key)
        value = _number(h.value(scores))
        flat.setdefault(h.key, value)
        node_ci = (node or {}).get("ci") or {}
        headline.append(
            {
                "key": h.key,
                "value": value,
                "higher_is_better": bool(h.higher_is_better),
                "unit": h.unit,
                "range": [_number(h.range[0]), _number(h.range[1])],
                "ci": _interval(node_ci.get(leaf)) if isinstance(node_ci, Mapping) else None,
            }
        )
    ci_level = _number(scores.get("ci_level"))
    if ci_level is None:
        levels = [_number(v.get("ci_level")) for v in scores.values() if isinstance(v, Mapping)]
        ci_level = next((lv for lv in levels if lv is not None), None)
    options = dict(raw_result.get("options") or {})
    details = {
        k: v for k, v in scores.items() if k not in ("ci", "ci_level", "signature") and not _is_number(v)
    }
    details["num_references"] = raw_result.get("num_references")
    result: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": RESULT_KIND,
        "proceval_version": __version__,
        "created_at": created_at or _utc_now(),
        "model": {"id": model_id, "revision": revision, "trained_on": list(dict.fromkeys(trained_on))},
        "benchmark": benchmark if isinstance(benchmark, str) else benchmark.name,
        "task": task.name,
        "metric": task.metric,
        "config": config,
        "split": split,
        "data_version": raw_result["data_version"],
        "signature": raw_result["signature"],
        "options": to_jsonable({k: _without_credentials(v) for k, v in options.items()}),
        "predictions": {"file": Path(predictions_path).name, "sha256": file_sha256(predictions_path)},
        "headline": headline,
        "scores": flat,
        "ci": ci or None,
        "ci_level": ci_level if ci else None,
        "bootstrap": _bootstrap_block(scores, task.headline, replicates, task.resample),
        "judge": judge_block(raw_result["signature"], options, scores),
        "details": to_jsonable(details),
    }
    validate_result(result, "<result>")
    return result


# ---------------------------------------------------------------------------------------------- validation


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    cls = jsonschema.validators.validator_for(RESULT_SCHEMA)
    cls.check_schema(RESULT_SCHEMA)
    return cls(RESULT_SCHEMA)


def _json_path(parts: Sequence[Any]) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


_REPLICATE_TYPES = frozenset({int, float, type(None)})

_ANNOTATIONS = frozenset({"$schema", "title", "description"})
_JSON_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


@lru_cache(maxsize=64)
def _pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, bool) == isinstance(b, bool) and type(a) is not dict and a == b


def _conforms(value: Any, schema: Mapping[str, Any]) -> bool:
    """True when ``value`` certainly follows ``schema``; False when it does not or when unsure.

    A fast check of the JSON Schema keywords :data:`RESULT_SCHEMA` uses (an unknown keyword answers
    False), so valid files skip ``jsonschema``'s slower walk; :func:`validate_result` asks ``jsonschema``
    (the reference, which words the error) whenever this says False.
    """
    for keyword, arg in schema.items():
        if keyword == "type":
            kinds = [arg] if isinstance(arg, str) else arg
            if not any(_JSON_TYPES[k](value) for k in kinds):
                return False
        elif keyword == "const":
            if not _same(value, arg):
                return False
        elif keyword == "enum":
            if not any(_same(value, a) for a in arg):
                return False
        elif keyword == "anyOf":
            if not any(_conforms(value, sub) for sub in arg):
                return False
        elif keyword in ("required", "properties", "additionalProperties"):
            if not isinstance(value, dict):
                continue
            if keyword == "required":
                if any(k not in value for k in arg):
                    return False
            elif keyword == "properties":
                if any(k in value and not _conforms(value[k], sub) for k, sub in arg.items()):
                    return False
            else:
                known = schema.get("properties", {})
                extra = [v for k, v in value.items() if k not in known]
                if arg is False and extra:
                    return False
                if isinstance(arg, dict) and not all(_conforms(v, arg) for v in extra):
                    return False
        elif keyword in ("items", "minItems", "maxItems", "uniqueItems"):
            if not isinstance(value, list):
                continue
            if keyword == "items" and not all(_conforms(v, arg) for v in value):
                return False
            if (keyword == "minItems" and len(value) < arg) or (keyword == "maxItems" and len(value) > arg):
                return False
            if keyword == "uniqueItems" and arg:
                if not all(isinstance(v, str) for v in value) or len(set(value)) != len(value):
                    return False
        elif keyword in ("minLength", "maxLength", "pattern"):
            if not isinstance(value, str):
                continue
            if (keyword == "minLength" and len(value) < arg) or (keyword == "maxLength" and len(value) > arg):
                return False
            if keyword == "pattern" and _pattern(arg).search(value) is None:
                return False
        elif keyword in ("minimum", "exclusiveMinimum", "exclusiveMaximum"):
            if not _JSON_TYPES["number"](value):
                continue
            if (
                (keyword == "minimum" and value < arg)
                or (keyword == "exclusiveMinimum" and value <= arg)
                or (keyword == "exclusiveMaximum" and value >= arg)
            ):
                return False
        elif keyword not in _ANNOTATIONS:
            return False  # a keyword this check does not know: let jsonschema decide
    return True


def validate_result(doc: Any, path: str | os.PathLike[str] = "<result>") -> None:
    """Check ``doc`` against :data:`RESULT_SCHEMA` and the rules a schema cannot say.

    Beyond the schema: every replicate vector has ``n_resamples`` values and belongs to a headline key.
    The replicate vectors (thousands of numbers per file) are type-checked directly rather than item by
    item through ``jsonschema``, with the same rule (numbers or null), and a valid file passes a fast
    check of the schema's keywords (:func:`_conforms`) instead of ``jsonschema``'s walk; any file that
    fails it is checked by ``jsonschema``, whose first error is reported. So reading many results stays
    fast.

    Raises:
        ResultFormatError: naming ``path`` and the JSON path of the first error.
    """
    import jsonschema

    light = doc
    reps = doc.get("bootstrap") if isinstance(doc, dict) else None
    reps = reps.get("replicates") if isinstance(reps, dict) else None
    if isinstance(reps, dict) and all(isinstance(v, list) for v in reps.values()):
        light = {**doc, "bootstrap": {**doc["bootstrap"], "replicates": {k: [] for k in reps}}}
    error = (
        None
        if _conforms(light, RESULT_SCHEMA)
        else jsonschema.exceptions.best_match(_validator().iter_errors(light))
    )
    if error is not None:
        where = list(error.absolute_path)
        if error.validator == "pattern" and where[:1] == ["plots"] and where[-1:] == ["file"]:
            raise ResultFormatError(
                path,
                _json_path(where),
                'expected a relative path to a .png file inside the result file\'s folder ("/" separators, '
                f'no ".." part, not absolute), got {_short(repr(error.instance), 120)}',
            )
        raise ResultFormatError(path, _json_path(where), _short(error.message))
    if not isinstance(reps, dict):
        return
    boot = doc["bootstrap"]
    keys = {h["key"] for h in doc["headline"]}
    for key, values in reps.items():
        where = _json_path(["bootstrap", "replicates", key])
        if key not in keys:
            raise ResultFormatError(
                path, where, f"expected a headline key (one of {sorted(keys)}), got {key!r}"
            )
        if not set(map(type, values)) <= _REPLICATE_TYPES:
            bad = next(i for i, v in enumerate(values) if type(v) not in _REPLICATE_TYPES)
            raise ResultFormatError(
                path, f"{where}[{bad}]", f"{_short(repr(values[bad]), 60)} is not a number or null"
            )
        if len(values) != boot["n_resamples"]:
            raise ResultFormatError(
                path, where, f"expected {boot['n_resamples']} values (n_resamples), got {len(values)}"
            )


# ----------------------------------------------------------------------------------------------------- I/O


def dumps_result(result: Mapping[str, Any]) -> str:
    """The result as indented strict JSON, each replicate vector on one line.

    Raises:
        ValueError: a non-finite number (the schema has none: NaN is ``null``).
    """
    doc = to_jsonable(result)
    boot = doc.get("bootstrap")
    compact: dict[str, str] = {}
    if isinstance(boot, dict) and isinstance(boot.get("replicates"), dict):
        token = uuid.uuid4().hex
        reps = {}
        for i, (key, values) in enumerate(boot["replicates"].items()):
            marker = f"@@{token}:{i}@@"
            compact[json.dumps(marker)] = json.dumps(values, separators=(",", ":"), allow_nan=False)
            reps[key] = marker
        doc = {**doc, "bootstrap": {**boot, "replicates": reps}}
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    for marker, values in compact.items():
        text = text.replace(marker, values, 1)
    return text + "\n"


def write_result(path: str | os.PathLike[str], result: Mapping[str, Any]) -> Path:
    """Validate ``result`` and write it to ``path`` atomically (parent folders are created).

    Raises:
        ResultFormatError: the result does not follow the schema (nothing is written).
        OSError: the file cannot be written.
    """
    validate_result(to_jsonable(result), path)
    return atomic_write_text(path, dumps_result(result))


def read_result(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate one result file.

    Raises:
        ResultFormatError: not UTF-8 JSON, or not schema v1 (naming the file and the JSON path).
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ResultFormatError(p, "$", f"cannot read the file ({exc.strerror or exc})") from exc
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ResultFormatError(p, "$", f"not UTF-8 (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise ResultFormatError(p, "$", f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
    validate_result(doc, p)
    return doc


def iter_results(
    folder: str | os.PathLike[str], *, exclude: Sequence[str | os.PathLike[str]] = ()
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every ``*.json`` file under ``folder`` (recursively, sorted by path), read and validated.

    Args:
        folder: the results folder (a single file is read alone).
        exclude: folders to skip (e.g. a leaderboard written inside ``folder``).

    Raises:
        ResultFormatError: a file that is not a schema-v1 result (every ``*.json`` must be one).
        InputValidationError: ``folder`` does not exist.
    """
    root = Path(folder)
    if root.is_file():
        yield root, read_result(root)
        return
    if not root.is_dir():
        from proceval.errors import InputValidationError

        raise InputValidationError(f"Expected a results folder, but got {str(root)!r}, which does not exist.")
    skipped = [Path(e).resolve() for e in exclude]
    for path in sorted(root.rglob("*.json")):
        resolved = path.resolve()
        if any(resolved.is_relative_to(s) for s in skipped) or any(
            p.startswith(".") for p in path.relative_to(root).parts
        ):
            continue
        yield path, read_result(path)


def write_schema_file(path: str | os.PathLike[str] = RESULT_SCHEMA_FILE) -> Path:
    """Write :data:`RESULT_SCHEMA` as indented JSON (the shipped ``result.schema.json``)."""
    return atomic_write_text(path, json.dumps(RESULT_SCHEMA, indent=2) + "\n")


__all__ = [
    "JUDGE_SIGNATURE_KEYS",
    "PLOT_FILE_PATTERN",
    "RESULT_KIND",
    "RESULT_SCHEMA",
    "SCHEMA_VERSION",
    "ResultFormatError",
    "build_result",
    "dumps_result",
    "file_sha256",
    "flatten_scores",
    "iter_results",
    "judge_block",
    "read_result",
    "signature_fields",
    "validate_result",
    "write_result",
    "write_schema_file",
]
