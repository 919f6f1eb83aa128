"""The layout of an exported Hub repository: where each config's Parquet files go, and what was written.

Shared by :mod:`proceval.hub.export` (which writes the files) and :mod:`proceval.hub.card` (which lists
them in the card's YAML ``configs:``), so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from proceval.datasets.spec import ConfigSpec

PARQUET_NAME = "{split}-00000-of-00001.parquet"
SPLIT_ORDER: tuple[str, ...] = ("train", "validation", "test")


@dataclass
class ExportReport:
    """What an export wrote.

    Attributes:
        out_dir: the repository folder.
        counts: config name → split → number of examples.
        files: every file written, relative to ``out_dir``.
        warnings: messages of the warnings raised while reading the release (release quirks and others).
        with_videos: whether a ``video`` column was written.
    """

    out_dir: Path
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    with_videos: bool = False


def parquet_relpath(spec: ConfigSpec, split: str) -> str:
    """``<task>/<protocol>/<split>-00000-of-00001.parquet`` (``<task>/<split>-...`` without a protocol)."""
    folder = "/".join(part for part in (spec.task, spec.protocol) if part)
    return f"{folder}/{PARQUET_NAME.format(split=split)}"
