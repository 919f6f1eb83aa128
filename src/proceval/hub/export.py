"""Export registered configs as a no-script Hugging Face dataset repository.

Layout written under ``out_dir``::

    README.md                                   dataset card; YAML ``configs:`` lists every config
    eval.yaml                                   benchmark tasks for Hub leaderboards
    <task>/<protocol>/<split>-00000-of-00001.parquet   (labels only; with videos: data/, see hub.layout)

Each Parquet file carries the ``datasets`` features in its schema metadata, so stock
``datasets.load_dataset(out_dir, "<task>_<protocol>")`` restores typed labels (``ClassLabel`` with
the official names). Where a videos folder is given, the repository holds the videos and uses the
``videofolder`` layout of :mod:`proceval.hub.layout` (``data/<config>-<split>.parquet`` and
``data/videos/``), so a moved copy or a pushed repository decodes frames with stock ``load_dataset``.
The repository is written in a temporary sibling folder and swapped in whole
(:mod:`proceval.hub.staging`); each config's YAML entry carries a content fingerprint so that
``datasets`` never serves the rows of an earlier export from its cache.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from datasets.features.features import encode_nested_example

from proceval.datasets.features import media_features, resolve_features
from proceval.datasets.media import iter_with_media
from proceval.datasets.spec import ConfigSpec
from proceval.hub.layout import (
    ExportReport,
    content_fingerprint,
    parquet_relpath,
    video_parquet_relpath,
)
from proceval.hub.repo_videos import RepoVideos, stored_video_features
from proceval.hub.staging import staged_folder
from proceval.io import atomic_write_bytes, atomic_write_text
from proceval.registry import Benchmark, get_benchmark

__all__ = [
    "ExportReport",
    "config_table",
    "examples_to_table",
    "export_hub_repo",
    "parquet_relpath",
    "write_parquet",
]


def _select(bench: Benchmark, configs: Sequence[str] | None) -> list[ConfigSpec]:
    if configs is None:
        return bench.configs()
    return [bench.get_config(name) for name in configs]


def _column(feature: Any, values: list[Any], type_: pa.DataType) -> pa.Array:
    if values and all(isinstance(v, np.ndarray) and v.ndim == 1 for v in values) and pa.types.is_list(type_):
        lengths = np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values))
        offsets = np.zeros(len(values) + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        flat = np.concatenate(values).astype(type_.value_type.to_pandas_dtype(), copy=False)
        return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat), type=type_)
    if isinstance(feature, datasets.Value) or not _needs_encoding(feature, values):
        return pa.array(values, type=type_)
    return pa.array([encode_nested_example(feature, v) for v in values], type=type_)


def _needs_encoding(feature: Any, values: list[Any]) -> bool:
    # As ``datasets`` does for lists: if the first non-null value encodes to itself, the column is
    # already in storage form (the generators yield ClassLabel ids, not names).
    first = next((v for v in values if v is not None), None)
    if first is None:
        return False
    return encode_nested_example(feature, first) != first


def examples_to_table(examples: list[dict[str, Any]], features: datasets.Features) -> pa.Table:
    """Encode examples column by column; 1-D numpy columns (per-frame labels) skip Python lists."""
    schema = features.arrow_schema
    missing = [name for name in features if examples and name not in examples[0]]
    if missing:
        raise ValueError(f"Expected examples with columns {list(features)}, but they lack {missing}.")
    columns = [
        _column(features[name], [ex[name] for ex in examples], schema.field(name).type) for name in features
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def config_table(
    spec: ConfigSpec,
    dataset_dir: Path,
    split: str,
    features: datasets.Features,
    videos_dir: str | os.PathLike[str] | None = None,
) -> pa.Table:
    """All examples of ``spec`` / ``split`` encoded with ``features`` as one Arrow table."""
    examples = [ex for _key, ex in iter_with_media(spec, dataset_dir, split, videos_dir)]
    return examples_to_table(examples, features)


def write_parquet(table: pa.Table, path: Path) -> str:
    """Write ``table`` (schema metadata included) to ``path`` atomically; return the file's sha256 (hex)."""
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    data = buf.getvalue()
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def export_hub_repo(
    benchmark: str | Benchmark,
    source: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    configs: Sequence[str] | None = None,
    videos_dir: str | os.PathLike[str] | None = None,
    *,
    progress: bool = True,
    card_writer: Callable[[list[ConfigSpec], ExportReport, Path], str] | None = None,
    copy_videos: bool = False,
) -> ExportReport:
    """Write Parquet files, ``README.md`` and ``eval.yaml`` for ``configs`` (default: all) of ``benchmark``.

    Args:
        benchmark: a registered benchmark's name (or its declaration).
        source: the release as the user has it; the benchmark's ``resolve_release`` finds the folder
            the configs read (a folder, a sub-folder or an archive).
        out_dir: repository folder to write. It is built in a temporary sibling folder and swapped in
            whole once complete (:mod:`proceval.hub.staging`): an existing export is replaced (its
            top-level dot entries such as ``.git`` kept), a failed build leaves it untouched. A folder
            holding other files than an export's is refused.
        configs: config names to export; None exports every config of the benchmark.
        videos_dir: folder of videos; the repository then holds the videos its rows name (under
            ``data/videos/``, hard links where the file system allows, else copies) and loads as a
            ``videofolder`` repository whose lazily decoded ``video`` column resolves relative to the
            repository, wherever it is (:mod:`proceval.hub.layout`); ``video_status`` is added for
            configs that record missing videos per row (:mod:`proceval.datasets.media`).
        progress: show a tqdm bar over configs.
        card_writer: ``(specs, report, release_dir) -> README text``; default: the benchmark's ``card``
            hook, else :func:`proceval.hub.card.default_card`.
        copy_videos: copy the video files into the repository instead of hard-linking them.

    Returns:
        The :class:`ExportReport` (counts per config and split, files, warnings met).

    Raises:
        InputValidationError: an unknown benchmark or config name, or an ``out_dir`` that may not be
            replaced.
        ReleaseFormatError: a release or video file is missing or malformed (file and line named).
    """
    from tqdm.auto import tqdm

    from proceval.datasets.load import resolve_source
    from proceval.hub.card import eval_yaml, render_card

    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    specs = _select(bench, configs)
    dataset_dir = resolve_source(bench, source)
    out = Path(out_dir)
    report = ExportReport(out_dir=out, with_videos=videos_dir is not None)
    with staged_folder(out) as stage:
        videos = RepoVideos(videos_dir, stage, copy=copy_videos)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for spec in tqdm(specs, desc=f"build {bench.name}", unit="config", disable=not progress):
                features = resolve_features(spec, dataset_dir)
                if videos_dir is not None:
                    features = stored_video_features(media_features(spec, features))
                report.counts[spec.name] = {}
                report.paths[spec.name] = {}
                digests = []
                for split in spec.splits:
                    examples = [ex for _key, ex in iter_with_media(spec, dataset_dir, split, videos_dir)]
                    if videos_dir is not None:
                        rel = video_parquet_relpath(spec, split)
                        examples = [videos.store(ex) for ex in examples]
                        digests += videos.digests(examples)
                    else:
                        rel = parquet_relpath(spec, split)
                    table = examples_to_table(examples, features)
                    digests.append(f"{split}:{write_parquet(table, stage / rel)}")
                    report.files.append(rel)
                    report.paths[spec.name][split] = rel
                    report.counts[spec.name][split] = table.num_rows
                report.fingerprints[spec.name] = content_fingerprint(digests)
            report.num_videos = len(videos.placed)
            report.files += sorted(videos.placed)
        seen: set[str] = set()
        for w in caught:
            msg = str(w.message)
            if msg not in seen:
                seen.add(msg)
                report.warnings.append(msg)
        card = (
            card_writer(specs, report, dataset_dir)
            if card_writer
            else render_card(bench, specs, report, dataset_dir)
        )
        atomic_write_text(stage / "README.md", card)
        atomic_write_text(stage / "eval.yaml", yaml.safe_dump(eval_yaml(bench, specs), sort_keys=False))
        report.files += ["README.md", "eval.yaml"]
    return report
