"""Export registered configs as a no-script Hugging Face dataset repository.

Layout written under ``out_dir``::

    README.md                                   dataset card; YAML ``configs:`` lists every config
    eval.yaml                                   benchmark tasks for Hub leaderboards
    <task>/<protocol>/<split>-00000-of-00001.parquet

Each Parquet file carries the ``datasets`` features in its schema metadata, so stock
``datasets.load_dataset(out_dir, "<task>_<protocol>")`` restores typed labels (``ClassLabel`` with
the official names) and, where a videos folder was given, a lazily decoded ``video`` column holding
absolute paths. Every file is written atomically (temporary file + rename).
"""

from __future__ import annotations

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
from proceval.hub.layout import ExportReport, parquet_relpath
from proceval.io import atomic_write_bytes, atomic_write_text
from proceval.registry import Benchmark, get_benchmark

__all__ = [
    "ExportReport",
    "config_table",
    "examples_to_table",
    "export_hub_repo",
    "parquet_relpath",
    "push_to_hub",
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


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write ``table`` (schema metadata included) to ``path`` atomically."""
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    atomic_write_bytes(path, buf.getvalue())


def export_hub_repo(
    benchmark: str | Benchmark,
    source: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    configs: Sequence[str] | None = None,
    videos_dir: str | os.PathLike[str] | None = None,
    *,
    progress: bool = True,
    card_writer: Callable[[list[ConfigSpec], ExportReport, Path], str] | None = None,
) -> ExportReport:
    """Write Parquet files, ``README.md`` and ``eval.yaml`` for ``configs`` (default: all) of ``benchmark``.

    Args:
        benchmark: a registered benchmark's name (or its declaration).
        source: the release as the user has it; the benchmark's ``resolve_release`` finds the folder
            the configs read (a folder, a sub-folder or an archive).
        out_dir: repository folder to write (created; existing files of the same names are replaced).
        configs: config names to export; None exports every config of the benchmark.
        videos_dir: folder of videos; adds a ``video`` column with absolute paths (and ``video_status``
            for configs that record missing videos per row, see :mod:`proceval.datasets.media`).
        progress: show a tqdm bar over configs.
        card_writer: ``(specs, report, release_dir) -> README text``; default: the benchmark's ``card``
            hook, else :func:`proceval.hub.card.default_card`.

    Returns:
        The :class:`ExportReport` (counts per config and split, files, warnings met).

    Raises:
        InputValidationError: an unknown benchmark or config name.
        ReleaseFormatError: a release or video file is missing or malformed (file and line named).
    """
    from tqdm.auto import tqdm

    from proceval.datasets.load import resolve_source
    from proceval.hub.card import eval_yaml, render_card

    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    specs = _select(bench, configs)
    dataset_dir = resolve_source(bench, source)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = ExportReport(out_dir=out, with_videos=videos_dir is not None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for spec in tqdm(specs, desc=f"build {bench.name}", unit="config", disable=not progress):
            features = resolve_features(spec, dataset_dir)
            if videos_dir is not None:
                features = media_features(spec, features)
            report.counts[spec.name] = {}
            for split in spec.splits:
                table = config_table(spec, dataset_dir, split, features, videos_dir)
                rel = parquet_relpath(spec, split)
                write_parquet(table, out / rel)
                report.files.append(rel)
                report.counts[spec.name][split] = table.num_rows
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
    atomic_write_text(out / "README.md", card)
    atomic_write_text(out / "eval.yaml", yaml.safe_dump(eval_yaml(bench, specs), sort_keys=False))
    report.files += ["README.md", "eval.yaml"]
    return report


def push_to_hub(
    out_dir: str | os.PathLike[str], repo_id: str, *, private: bool = False, message: str | None = None
) -> Any:
    """Upload ``out_dir`` to the Hub dataset repo ``repo_id`` (created if missing) via ``upload_folder``.

    Args:
        out_dir: the exported repository folder.
        repo_id: ``org/name`` of the dataset repo.
        private: create the repo private.
        message: the commit message (default ``proceval build: <folder name>``).
    """
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(repo_id=repo_id, repo_type="dataset", private=private, exist_ok=True)
    return api.upload_folder(
        folder_path=str(out_dir),
        repo_id=repo_id,
        repo_type="dataset",
        commit_message=message or f"proceval build: {Path(out_dir).name}",
    )
