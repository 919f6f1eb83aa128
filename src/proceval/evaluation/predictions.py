"""Prediction files: one prediction per id, as JSON, JSON lines or ``.npz``.

* ``.json``: an object ``{id: prediction}``;
* ``.jsonl``: one object per line, ``{"id": ..., "prediction": ...}``;
* ``.npz``: one array per id (array names are the ids).

Ids are the ones :mod:`proceval.benchmarks.impact.adapters` documents per metric (video ids for frame-level
tasks, ``"{video_id}:{segment_index}"`` for cross-view segments, ...). A repeated id is an error.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from proceval.errors import ReleaseFormatError
from proceval.io import atomic_write_text, iter_lines, read_json


def read_predictions(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a predictions file into ``{id: prediction}``.

    Raises:
        ReleaseFormatError: missing file, unknown extension, malformed content or a repeated id
            (naming the file and line).
    """
    p = Path(path)
    if not p.is_file():
        raise ReleaseFormatError(p, "predictions file not found")
    suffix = p.suffix.lower()
    if suffix == ".json":
        data = read_json(p)
        if not isinstance(data, dict):
            raise ReleaseFormatError(
                p, f"expected a JSON object {{id: prediction}}, got {type(data).__name__}"
            )
        return {str(k): v for k, v in data.items()}
    if suffix == ".jsonl":
        out: dict[str, Any] = {}
        first: dict[str, int] = {}
        for lineno, text in iter_lines(p):
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ReleaseFormatError(p, f"invalid JSON line: {exc.msg}", lineno) from exc
            if not isinstance(obj, dict) or "id" not in obj or "prediction" not in obj:
                raise ReleaseFormatError(p, 'expected {"id": ..., "prediction": ...}', lineno)
            key = str(obj["id"])
            if key in first:
                raise ReleaseFormatError(p, f"id {key!r} repeats (first on line {first[key]})", lineno)
            first[key] = lineno
            out[key] = obj["prediction"]
        return out
    if suffix == ".npz":
        with np.load(p, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    raise ReleaseFormatError(
        p, f"expected a .json, .jsonl or .npz predictions file, got {suffix or 'no extension'!r}"
    )


def to_jsonable(obj: Any) -> Any:
    """A copy of ``obj`` that ``json.dump`` accepts: string keys, lists for tuples and arrays, Python scalars.

    NaN becomes ``None`` and +/-inf becomes +/-1e308, so the output is strict JSON.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None if np.isnan(obj) else (1e308 if obj > 0 else -1e308)
    return obj


def write_predictions(path: str | os.PathLike[str], predictions: dict[str, Any]) -> Path:
    """Write ``{id: prediction}`` as a JSON object, atomically."""
    return atomic_write_text(path, json.dumps(to_jsonable(predictions)) + "\n")


def write_results(path: str | os.PathLike[str], results: dict[str, Any]) -> Path:
    """Write a results dict as indented JSON, atomically (NaN written as null)."""
    return atomic_write_text(path, json.dumps(to_jsonable(results), indent=2) + "\n")
