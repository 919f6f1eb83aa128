"""The EgoProactive challenge submission format: one ``{"video_path", "answers"}`` object per line.

This is what the official starter kit writes (``output/egoproactive/predictions.jsonl``) and its scorer
reads: ``video_path`` is the session's file name as in the challenge JSONL, ``answers`` one string per
decision chunk (``"$interrupt$<utterance>"`` or ``"$silent$"``). proceval reads it as the
:attr:`~proceval.registry.Task.read_predictions` of the EgoProactive tasks, so ``proceval evaluate
intervention --predictions preds.jsonl`` takes the official file unchanged.

Rules (errors name the file and the 1-based line; :class:`~proceval.errors.ReleaseFormatError`):

* blank lines are skipped (as the official ``load_jsonl`` skips them); every other line is a JSON object;
* ``video_path`` is a non-empty string and appears on one line only (a repeat names both lines; the
  official proactive scorer would silently score both copies against consecutive gold sessions);
* ``answers`` is a list of strings (the official scorer reads a missing ``answers`` as ``[]``; here it is
  an error, since a session with no answers is almost always a writer bug);
* an optional ``ratings`` list (proceval's extension, for ``pqs``) holds one entry per answer: ``null`` or
  the four judge ratings (``{"relevance", "specificity", "actionability", "conciseness"}`` or a list of
  four integers 1-5); it is checked by the score, which names the session and decision point;
* other keys are ignored, as the official scorer ignores them.

A ``.json`` file holding one JSON object keyed by ``video_path`` (``{video_path: answers}``, what
``proceval demo`` and :func:`proceval.evaluation.predictions.write_predictions` write) is read with the
generic prediction reader instead, with its rules (a repeated id is an error).

Which sessions are missing or unknown is decided against the references by the task's adapter
(:mod:`proceval.benchmarks.pro2bench.adapters`), which names them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from proceval.errors import ReleaseFormatError
from proceval.evaluation.predictions import read_predictions
from proceval.io import iter_lines

ID_FIELD = "video_path"
ANSWERS_FIELD = "answers"
RATINGS_FIELD = "ratings"


def read_submission(path: str | os.PathLike[str]) -> dict[str, Any]:
    r"""Read an official EgoProactive submission into ``{video_path: answers}``.

    A line with a ``ratings`` list gives ``{video_path: {"answers": [...], "ratings": [...]}}`` instead,
    the prediction form the ``pqs`` adapter reads.

    Raises:
        ReleaseFormatError: a missing file, a line that is not a JSON object, a missing or non-string
            ``video_path``, ``answers`` that is not a list of strings, ``ratings`` that is not a list,
            or a ``video_path`` on two lines (naming both).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "preds.jsonl"
        >>> _ = p.write_text('{"video_path": "a.mp4", "answers": ["$interrupt$ Hi.", "$silent$"]}\n\n')
        >>> read_submission(p)
        {'a.mp4': ['$interrupt$ Hi.', '$silent$']}
    """
    p = Path(path)
    if p.suffix.lower() == ".json" and _is_generic_mapping(p):
        return read_predictions(p)
    out: dict[str, Any] = {}
    first: dict[str, int] = {}
    for lineno, text in iter_lines(p):
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReleaseFormatError(
                p, f"expected a JSON object, but the line is invalid JSON ({exc.msg})", lineno
            ) from exc
        if not isinstance(row, dict):
            raise ReleaseFormatError(
                p, f'expected a JSON object {{"video_path", "answers"}}, but got {type(row).__name__}', lineno
            )
        key = row.get(ID_FIELD)
        if not isinstance(key, str) or not key:
            raise ReleaseFormatError(
                p, f"expected `video_path` to be a non-empty string, but got {key!r}", lineno
            )
        if key in first:
            raise ReleaseFormatError(
                p,
                f"expected each session once, but video_path {key!r} is on line {first[key]} and line {lineno}",
                lineno,
            )
        if ANSWERS_FIELD not in row:
            raise ReleaseFormatError(
                p, f"expected `answers` (a list of strings) for {key!r}, but it is missing", lineno
            )
        answers = row[ANSWERS_FIELD]
        if not isinstance(answers, list):
            raise ReleaseFormatError(
                p,
                f"expected `answers` of {key!r} to be a list of strings, but got {type(answers).__name__}",
                lineno,
            )
        for j, answer in enumerate(answers):
            if not isinstance(answer, str):
                raise ReleaseFormatError(
                    p,
                    f"expected `answers` of {key!r} to be strings, but got {type(answer).__name__} "
                    f"{answer!r} at index {j}",
                    lineno,
                )
        first[key] = lineno
        if row.get(RATINGS_FIELD) is None:
            out[key] = answers
            continue
        ratings = row[RATINGS_FIELD]
        if not isinstance(ratings, list):
            raise ReleaseFormatError(
                p,
                f"expected `ratings` of {key!r} to be a list (one entry per answer, null where not rated), "
                f"but got {type(ratings).__name__}",
                lineno,
            )
        out[key] = {ANSWERS_FIELD: answers, RATINGS_FIELD: ratings}
    return out


def _is_generic_mapping(path: Path) -> bool:
    """Whether a ``.json`` file is one JSON object ``{video_path: answers}`` rather than submission lines."""
    try:
        with path.open("rb") as f:
            head = f.read(1 << 16).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False  # the line reader names the problem
    if not head.startswith(b"{"):
        return False
    first_line = head.split(b"\n", 1)[0]
    try:
        row = json.loads(first_line)
    except ValueError:
        return True  # an object over several lines: not the one-object-per-line submission format
    return isinstance(row, dict) and ID_FIELD not in row
