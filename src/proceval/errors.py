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
