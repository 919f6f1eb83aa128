"""A tiny test-only benchmark, declared the way a real one is, without touching a generic module.

The release is two files the tests write into a temporary folder::

    toy-release/
        labels.txt     one class name per line (line i = label id i)
        items.json     {"items": [{"id", "label" (int), "split_a", "split_b"}, ...]}

Two configs (``animals_a``, ``animals_b``: the task ``animals`` under split protocols ``a`` and ``b``),
one task scored by a score of its own (``toy_accuracy``, with a :class:`ScoreOptions` subclass). A
test registers :data:`BENCHMARK` with :func:`proceval.registry.register_benchmark` and removes it
afterwards.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import datasets

from proceval.datasets.spec import ConfigSpec
from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.io import read_json, tree_digest
from proceval.registry import Benchmark, EvalContext, Headline, Task
from proceval.scores.options import UNCERTAINTY_OPTIONS, ScoreOptions, Uncertainty, opt
from proceval.scores.signature import score_signature

NAME = "toy"
RELEASE_DIR = "toy-release"
LABELS: tuple[str, ...] = ("cat", "dog", "bird")
# id, label, split under protocol a, split under protocol b
ITEMS: tuple[tuple[str, int, str, str], ...] = (
    ("i00", 0, "train", "test"),
    ("i01", 1, "train", "test"),
    ("i02", 2, "train", "train"),
    ("i03", 0, "train", "train"),
    ("i04", 1, "train", "train"),
    ("i05", 2, "train", "train"),
    ("i06", 0, "test", "train"),
    ("i07", 1, "test", "train"),
    ("i08", 2, "test", "train"),
    ("i09", 0, "test", "train"),
)


def write_toy_release(root: str | os.PathLike[str]) -> Path:
    """Write the toy release under ``root`` and return its ``toy-release`` folder."""
    release = Path(root) / RELEASE_DIR
    release.mkdir(parents=True, exist_ok=True)
    (release / "labels.txt").write_text("\n".join(LABELS) + "\n")
    items = [{"id": i, "label": label, "split_a": a, "split_b": b} for i, label, a, b in ITEMS]
    (release / "items.json").write_text(json.dumps({"items": items}, indent=1) + "\n")
    return release


def resolve_release(source: str | os.PathLike[str]) -> Path:
    """The ``toy-release`` folder: ``source`` itself or its child of that name."""
    path = Path(source)
    if (path / RELEASE_DIR).is_dir():
        path = path / RELEASE_DIR
    if not (path / "items.json").is_file():
        raise ReleaseFormatError(path, "expected the toy release folder (holding items.json)")
    return path.resolve()


def data_version(release: Path) -> str:
    return f"{NAME}-{tree_digest(release)}"


def _features(release: Path) -> datasets.Features:
    names = (release / "labels.txt").read_text().split()
    return datasets.Features({"item_id": datasets.Value("string"), "label": datasets.ClassLabel(names=names)})


def _generator(protocol: str) -> Callable[[Path, str], Iterator[tuple[str, dict[str, Any]]]]:
    def generate(release: Path, split: str) -> Iterator[tuple[str, dict[str, Any]]]:
        path = release / "items.json"
        for item in read_json(path)["items"]:
            if item[f"split_{protocol}"] == split:
                yield item["id"], {"item_id": item["id"], "label": int(item["label"])}

    return generate


CONFIGS: tuple[ConfigSpec, ...] = tuple(
    ConfigSpec(
        benchmark=NAME,
        task="animals",
        protocol=protocol,
        description=f"Animal classification, split protocol {protocol}: one example per item.",
        features=datasets.Features({"item_id": datasets.Value("string"), "label": datasets.Value("int64")}),
        generate=_generator(protocol),
        media="none",
        splits=("train", "test"),
        extra={"features_fn": _features, "title": "animal classification"},
    )
    for protocol in ("a", "b")
)


@dataclass(frozen=True)
class ToyAccuracyOptions(ScoreOptions):
    """Options of :func:`toy_accuracy`.

    Attributes:
        average: ``micro`` (fraction of items right) or ``macro`` (mean of the per-class recalls).
    """

    score_name: ClassVar[str] = "toy_accuracy"
    average: Literal["micro", "macro"] = opt("micro", "avg")


def toy_accuracy(
    references: Mapping[str, int],
    predictions: Mapping[str, int],
    options: ToyAccuracyOptions | None = None,
    uncertainty: Uncertainty | None = None,
) -> dict[str, Any]:
    """Accuracy of label ids matched by item id (every reference needs a prediction)."""
    options = options or ToyAccuracyOptions()
    uncertainty = uncertainty or Uncertainty()
    missing = sorted(set(references) - set(predictions))
    if missing:
        raise InputValidationError(f"Expected a prediction for every item, but {missing[0]!r} has none.")
    right = {k: int(predictions[k] == v) for k, v in references.items()}
    if options.average == "micro":
        accuracy = sum(right.values()) / len(right)
    else:
        per_class: dict[int, list[int]] = {}
        for k, v in references.items():
            per_class.setdefault(v, []).append(right[k])
        accuracy = sum(sum(r) / len(r) for r in per_class.values()) / len(per_class)
    return {
        "accuracy": accuracy,
        "num_items": len(right),
        "signature": score_signature("toy_accuracy", options, uncertainty),
    }


def _score(
    ds: datasets.Dataset,
    predictions: Mapping[str, Any],
    options: Mapping[str, Any],
    ctx: EvalContext,
    paired: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    names = ds.features["label"].names
    to_id = {n: i for i, n in enumerate(names)}
    preds = {k: to_id[v] if isinstance(v, str) else int(v) for k, v in predictions.items()}
    refs = dict(zip(ds["item_id"], ds["label"], strict=True))
    opts = ToyAccuracyOptions.from_mapping(options, allowed_extra=UNCERTAINTY_OPTIONS)
    unc = Uncertainty(**{k: options[k] for k in UNCERTAINTY_OPTIONS if k in options})
    return toy_accuracy(refs, preds, opts, unc)


TASK = Task(
    name="animals",
    benchmark=NAME,
    metric="toy_accuracy",
    configs=tuple(spec.name for spec in CONFIGS),
    id_column="item_id",
    ids=lambda ds: list(ds["item_id"]),
    ids_doc="``item_id``",
    prediction_doc="a label name or id",
    resample="item",
    score=_score,
    options=ToyAccuracyOptions,
    headline=(Headline("accuracy"),),
    summary="accuracy (micro or macro over classes)",
)

BENCHMARK = Benchmark(
    name=NAME,
    title="Toy: a tiny test-only benchmark (animal labels)",
    resolve_release=resolve_release,
    data_version=data_version,
    configs=lambda: list(CONFIGS),
    tasks=(TASK,),
    citation="@misc{toy, title = {Toy}}",
    homepage="https://example.org/toy",
    license="cc0-1.0",
    description="Toy: ten items with one of three animal labels, for the test suite.",
)
