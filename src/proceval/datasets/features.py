"""Resolve a config's exact ``datasets.Features`` for a given release folder.

Label names live in the release (``mapping_*.txt``), not in the code, so a spec's static
``features`` types label columns as plain integer ids. A spec whose labels are typed with the
official names sets ``extra["features_fn"]``: ``(release_dataset_dir) -> datasets.Features``;
:func:`resolve_features` calls it, or falls back to ``spec.features``. Media columns are added by
:func:`with_media`.
"""

from __future__ import annotations

from pathlib import Path

import datasets

from proceval.datasets.spec import ConfigSpec

MEDIA_COLUMN = "video"


def resolve_features(spec: ConfigSpec, dataset_dir: Path) -> datasets.Features:
    """The features of ``spec``'s examples when generated from ``dataset_dir`` (no media column)."""
    fn = spec.extra.get("features_fn")
    if fn is None:
        return spec.features
    return fn(Path(dataset_dir))


def with_media(features: datasets.Features, *, decode: bool = True) -> datasets.Features:
    """``features`` plus a ``video`` column (``datasets.Video``; lazily decoded when ``decode``)."""
    out = datasets.Features(dict(features))
    out[MEDIA_COLUMN] = datasets.Video(decode=decode)
    return out
