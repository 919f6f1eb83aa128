"""Exception types shared by every layer of proceval.

Library code raises these (never ``assert`` or ``sys.exit``); the CLI turns them into exit codes.
"""

from __future__ import annotations

from os import PathLike


class ProcevalError(Exception):
    """Base class of every error proceval raises on purpose."""


class ReleaseFormatError(ProcevalError, ValueError):
    """A release file is missing or does not follow the official format.

    The message always names the file and, where known, the 1-based line number.
    """

    def __init__(self, path: str | PathLike[str], message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class InputValidationError(ProcevalError, ValueError):
    """Predictions or references passed to a score function are malformed.

    Messages follow one template: the argument in backticks, what was expected, what was received,
    and the video / query / instance id where there is one.
    """


MAX_SHOWN_CHARS = 80
"""Characters of a user-supplied value (an id, a label) that an error message echoes at most."""


def shorten(value: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """``repr(value)`` for an error message, cut to about ``limit`` characters.

    A longer repr keeps its start and end around a note of how many characters were left out, so a
    2 MB id never floods a terminal or a log.

    Example:
        >>> shorten("a" * 1000, limit=20)
        "'aaaaaaaaa...[985 chars]...aaaaaa'"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    head = limit // 2
    tail = limit - head - 3
    return f"{text[:head]}...[{len(text) - head - tail} chars]...{text[-tail:]}"
