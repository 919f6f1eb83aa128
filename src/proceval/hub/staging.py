"""Write an exported repository into a temporary sibling folder and swap it in whole.

A rebuild over an existing export never leaves a mix of two releases: every file is written to
``<parent>/.<name>.building-<pid>-<random>/``; only once the export is complete is the old folder
renamed aside (``.<name>.old-<pid>-<random>``), the new one renamed into place and the old one deleted.
If the build fails, the temporary folder is removed and the old folder is untouched. A build killed
outright (``kill -9``, power loss) leaves at most a temporary folder of a dead process, which the next
build into the same place removes (restoring the old folder if the kill fell between the two renames).

Top-level entries whose names start with ``.`` (``.git``, ``.gitattributes`` of a Hub clone) are not
written by the export and are carried over from the old folder to the new one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from proceval.errors import InputValidationError

EXPORT_MARKERS: tuple[str, ...] = ("README.md", "eval.yaml")
"""Files whose presence marks a folder as a previous export (that a build may replace whole)."""

_BUILDING = "building"
_OLD = "old"


def _sibling(out: Path, kind: str) -> Path:
    return out.parent / f".{out.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def _debris(out: Path, kind: str) -> list[Path]:
    """Sibling folders of ``kind`` left by processes that no longer run."""
    prefix = f".{out.name}.{kind}-"
    found = []
    if not out.parent.is_dir():
        return found
    for path in out.parent.iterdir():
        if not path.name.startswith(prefix):
            continue
        pid = path.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            found.append(path)
    return sorted(found)


def _carry_hidden(old: Path, new: Path) -> None:
    """Move ``old``'s top-level dot entries that ``new`` lacks into ``new``."""
    for entry in sorted(old.iterdir()):
        if entry.name.startswith(".") and not (new / entry.name).exists():
            os.replace(entry, new / entry.name)


def clean_debris(out: str | os.PathLike[str]) -> list[Path]:
    """Remove what killed builds into ``out`` left beside it; return the folders removed or restored.

    An old folder renamed aside by a build killed before it renamed the new one in is put back
    (when ``out`` is missing) or has its dot entries carried over to ``out`` and is deleted.
    """
    target = Path(out)
    handled = []
    for old in _debris(target, _OLD):
        if not target.exists():
            os.replace(old, target)
        else:
            _carry_hidden(old, target)
            shutil.rmtree(old, ignore_errors=True)
        handled.append(old)
    for tmp in _debris(target, _BUILDING):
        shutil.rmtree(tmp, ignore_errors=True)
        handled.append(tmp)
    return handled


def check_replaceable(out: str | os.PathLike[str]) -> None:
    """Refuse to replace a folder that is neither new, empty, nor a previous export.

    Raises:
        InputValidationError: ``out`` is a file, or a folder holding other files than an export's
            (no ``README.md`` / ``eval.yaml``) besides dot entries.
    """
    target = Path(out)
    if not target.exists():
        return
    if not target.is_dir():
        raise InputValidationError(f"Expected argument `out_dir` to be a folder, but {target} is a file.")
    visible = sorted(p.name for p in target.iterdir() if not p.name.startswith("."))
    if visible and not any((target / m).is_file() for m in EXPORT_MARKERS):
        shown = ", ".join(visible[:5]) + (", ..." if len(visible) > 5 else "")
        raise InputValidationError(
            f"Expected argument `out_dir` to be a new folder, an empty one or a previous export (holding "
            f"{' and '.join(EXPORT_MARKERS)}), but {target} holds other files ({shown}); it would be replaced "
            "whole."
        )


@contextlib.contextmanager
def staged_folder(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary sibling folder of ``out``; on success it replaces ``out`` whole.

    On an exception (``KeyboardInterrupt`` included) the temporary folder is removed and ``out`` is
    left as it was.

    Raises:
        InputValidationError: ``out`` may not be replaced (:func:`check_replaceable`).
    """
    target = Path(out).resolve()  # a symlinked folder: build beside its target, the link keeps working
    check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_debris(target)
    tmp = _sibling(target, _BUILDING)
    tmp.mkdir()
    try:
        yield tmp
        swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def swap_in(new: Path, out: Path) -> None:
    """Replace ``out`` (if any) by the complete folder ``new``: two renames, then delete the old folder."""
    if not out.exists():
        os.replace(new, out)
        return
    old = _sibling(out, _OLD)
    os.replace(out, old)
    try:
        os.replace(new, out)
    except BaseException:
        os.replace(old, out)
        raise
    _carry_hidden(old, out)
    shutil.rmtree(old, ignore_errors=True)
