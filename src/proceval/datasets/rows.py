"""A config's split read straight from the release into memory, without ``datasets`` or an Arrow cache.

Scoring a small annotation-only config from a fresh process is dominated by importing ``datasets`` (about
a second) and by building the Arrow cache on first use. A task whose score reads its references only
through the calls :class:`Rows` implements (``len``, ``rows[column]``, ``column_names``,
``select_columns(...).to_dict()``) declares ``Task.reads_rows``; :func:`read_rows` then gives it the rows
that the config's ``generate`` yields, the same rows the Arrow table would hold. This module imports
nothing beyond the standard library and :mod:`proceval.io`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from proceval.datasets.spec import ConfigSpec
from proceval.io import paused_gc


class Rows:
    """A split's examples as columns: the reading calls of ``datasets.Dataset`` that score functions use.

    Attributes:
        column_names: the columns, in the order of the first example.
    """

    def __init__(self, columns: Mapping[str, list[Any]]) -> None:
        """Wrap ``{column: values}`` (every column the same length).

        Raises:
            ValueError: the columns differ in length.
        """
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"Expected columns of one length, but got lengths {sorted(lengths)}.")
        self._columns = dict(columns)
        self._len = lengths.pop() if lengths else 0
        self.column_names: list[str] = list(self._columns)

    @classmethod
    def from_examples(cls, examples: Iterable[Mapping[str, Any]]) -> Rows:
        """Columns from example dicts; every example must have the first one's keys.

        Raises:
            ValueError: an example whose keys differ from the first example's (named by its index).
        """
        columns: dict[str, list[Any]] = {}
        for i, example in enumerate(examples):
            if i == 0:
                columns = {key: [] for key in example}
            elif example.keys() != columns.keys():
                raise ValueError(
                    f"Expected example {i} to have the columns {sorted(columns)}, but got {sorted(example)}."
                )
            for key, value in example.items():
                columns[key].append(value)
        return cls(columns)

    def __len__(self) -> int:
        """The number of rows."""
        return self._len

    def __getitem__(self, column: str) -> list[Any]:
        """The values of ``column`` (a list, as ``datasets`` returns a column).

        Raises:
            KeyError: no such column (the known ones are listed).
        """
        if not isinstance(column, str) or column not in self._columns:
            raise KeyError(f"Expected a column (one of: {', '.join(self.column_names)}), but got {column!r}.")
        return self._columns[column]

    def select_columns(self, column_names: str | Iterable[str]) -> Rows:
        """These columns only, in the order given.

        Raises:
            KeyError: an unknown column.
        """
        names = [column_names] if isinstance(column_names, str) else list(column_names)
        return Rows({name: self[name] for name in names})

    def to_dict(self) -> dict[str, list[Any]]:
        """``{column: values}`` (the lists are shared with this object: do not change them)."""
        return dict(self._columns)


def read_rows(spec: ConfigSpec, dataset_dir: Path, split: str) -> Rows:
    """The examples ``spec.generate`` yields for ``split`` of the release at ``dataset_dir``, as :class:`Rows`.

    No media column is attached (a task reading rows needs none).

    Raises:
        ValueError: ``split`` is not one of the config's splits.
        ReleaseFormatError: as the config's reader raises for a malformed release file.
    """
    if split not in spec.splits:
        raise ValueError(
            f"Expected a split of config {spec.name!r} (one of: {', '.join(spec.splits)}), but got {split!r}."
        )
    with paused_gc():  # thousands of row containers, no reference cycle among them
        return Rows.from_examples(example for _, example in spec.generate(Path(dataset_dir), split))
