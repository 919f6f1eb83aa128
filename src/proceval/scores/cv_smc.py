"""CV-SMC (IMPACT cross-view semantic-matching classification): Top-1 and Macro-F1.

Labels are IMPACT coarse (CAS) step names, lower case, e.g. ``screw_on_anti_vibration_handle``. A label
level derives the class from the name by splitting on the first ``_`` (official
``cv_smc_classification.py``): ``verb`` = first token (``screw``), ``noun`` = the rest
(``on_anti_vibration_handle``), ``verb_noun`` = ``"verb::noun"``, ``coarse`` = the name itself. The
vocabulary is the sorted union of the labels of the train and test segments. **Macro-F1 averages the
per-class F1 over every vocabulary class** (precision 0 without predictions, recall 0 without support), so
a class absent from the test references and never predicted counts as F1 = 0, unlike scikit-learn's
default (``labels=None``), which averages over the classes present in references or predictions.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Mapping, Sequence
from operator import itemgetter
from typing import Any, Literal, NamedTuple

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import check_choice
from proceval.scores._ranking import align_query_inputs
from proceval.scores.bootstrap import with_uncertainty
from proceval.scores.signature import make_signature

CV_SMC_LABEL_LEVELS: tuple[str, ...] = ("coarse", "verb", "noun", "verb_noun")
CV_SMC_INPUT_LEVELS: tuple[str, ...] = ("coarse", "level")
CV_SMC_MACRO_AVERAGES: tuple[str, ...] = ("vocabulary", "present")
LabelLevel = Literal["coarse", "verb", "noun", "verb_noun"]
InputLevel = Literal["coarse", "level"]
MacroAverage = Literal["vocabulary", "present"]
_ABBREV = {"label_level": "lvl", "macro_average": "avg", "vocabulary_size": "nc"}


class CVSMCInstanceStat(NamedTuple):
    """One test segment: predicted and reference class index in the level vocabulary."""

    pred: int
    ref: int


class CVSMCStats(Sequence[CVSMCInstanceStat]):
    """Per-instance statistics held as two int64 columns; indexing gives :class:`CVSMCInstanceStat`."""

    def __init__(self, pred: np.ndarray, ref: np.ndarray) -> None:
        self.pred = pred
        self.ref = ref

    @classmethod
    def from_stats(cls, stats: Sequence[CVSMCInstanceStat]) -> CVSMCStats:
        """Columns from any sequence of :class:`CVSMCInstanceStat` (e.g. a bootstrap resample)."""
        if isinstance(stats, CVSMCStats):
            return stats
        pred = np.fromiter((s.pred for s in stats), np.int64, len(stats))
        ref = np.fromiter((s.ref for s in stats), np.int64, len(stats))
        return cls(pred, ref)

    def __len__(self) -> int:
        return int(self.pred.shape[0])

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return CVSMCInstanceStat(int(self.pred[i]), int(self.ref[i]))


def derive_label(coarse: str, label_level: str) -> str:
    """Map a coarse CAS name to its class at ``label_level`` (split on the first ``_``).

    Raises:
        InputValidationError: a verb/noun level on a name without ``_`` (e.g. ``null``).

    Example:
        >>> derive_label("Screw_on_anti_vibration_handle", "verb_noun")
        'screw::on_anti_vibration_handle'
    """
    name = str(coarse).strip().lower()
    if label_level == "coarse":
        return name
    verb, sep, noun = name.partition("_")
    if not sep or not verb or not noun:
        raise InputValidationError(
            f"Expected a coarse label of the form 'verb_noun' to derive the {label_level} class, "
            f"but got {coarse!r}."
        )
    return {"verb": verb, "noun": noun, "verb_noun": f"{verb}::{noun}"}[label_level]


def build_vocabulary(labels: Sequence[str], label_level: LabelLevel = "coarse") -> list[str]:
    """Sorted union of the level classes of ``labels`` (coarse names); pass train and test labels together.

    Example:
        >>> build_vocabulary(["store_tool", "store_adapter_plate", "retrieve_adapter_plate"], "verb")
        ['retrieve', 'store']
    """
    check_choice("label_level", label_level, CV_SMC_LABEL_LEVELS)
    return sorted({derive_label(label, label_level) for label in labels})


def _cv_smc_arg_validation(label_level: str, input_level: str, macro_average: str) -> None:
    """Check the options (shared by :func:`cv_smc` and the evaluate module)."""
    check_choice("label_level", label_level, CV_SMC_LABEL_LEVELS)
    check_choice("input_level", input_level, CV_SMC_INPUT_LEVELS)
    check_choice("macro_average", macro_average, CV_SMC_MACRO_AVERAGES)


def _to_name(value: Any, source_vocab: Sequence[str] | None, what: str, unit_id: Hashable) -> str:
    if isinstance(value, (bool, np.bool_)):
        raise InputValidationError(
            f"Expected a label name or id in `{what}` for {unit_id!r}, but got {value!r}."
        )
    if isinstance(value, (int, np.integer)):
        if source_vocab is None:
            raise InputValidationError(
                f"Got label id {value} in `{what}` for {unit_id!r} but no `vocabulary` to map ids to names."
            )
        if not 0 <= int(value) < len(source_vocab):
            raise InputValidationError(
                f"Expected label ids in [0, {len(source_vocab)}) in `{what}` for {unit_id!r}, "
                f"but got {value}."
            )
        return str(source_vocab[int(value)])
    if isinstance(value, str):
        return value
    raise InputValidationError(f"Expected a label name or id in `{what}` for {unit_id!r}, but got {value!r}.")


def _level_name(name: str, label_level: str, input_level: str) -> str:
    return derive_label(name, label_level) if input_level == "coarse" else str(name).strip().lower()


def _cv_smc_update(
    predictions: Sequence[Any],
    references: Sequence[Any],
    ids: Sequence[Hashable],
    level_vocab: Sequence[str],
    source_vocab: Sequence[str] | None,
    label_level: str,
    input_level: str,
) -> CVSMCStats:
    """Map every (prediction, reference) to class indices of the level vocabulary.

    Fast path: one table of valid names (and ids) per call, then C-level lookups over all instances.

    Raises:
        InputValidationError: a label outside the vocabulary (naming the instance and the label).
    """
    index = {name: i for i, name in enumerate(level_vocab)}
    str_codes, id_codes = _code_tables(index, source_vocab, predictions, references, label_level, input_level)
    pred = _fast_codes(predictions, str_codes, id_codes)
    ref = _fast_codes(references, str_codes, id_codes) if pred is not None else None
    if pred is not None and ref is not None:
        return CVSMCStats(pred, ref)
    out: list[CVSMCInstanceStat] = []  # per-instance path: only reached when some value needs its own check
    for uid, p, r in zip(ids, predictions, references, strict=False):
        pair = []
        for value, what in ((p, "predictions"), (r, "references")):
            name = _level_name(_to_name(value, source_vocab, what, uid), label_level, input_level)
            if name not in index:
                raise InputValidationError(
                    f"Unknown {label_level} label {name!r} in `{what}` for {uid!r}: expected one of the "
                    f"{len(level_vocab)} vocabulary classes (train ∪ test)."
                )
            pair.append(index[name])
        out.append(CVSMCInstanceStat(pair[0], pair[1]))
    return CVSMCStats.from_stats(out)


def _code_tables(
    index: Mapping[str, int],
    source_vocab: Sequence[str] | None,
    predictions: Sequence[Any],
    references: Sequence[Any],
    label_level: str,
    input_level: str,
) -> tuple[dict[str, int], np.ndarray | None]:
    """Class index of every valid label *name* (exact string) and of every label *id* (None without ids).

    With a vocabulary the names are its entries; without one, the distinct strings of the inputs whose
    level class is in the vocabulary. Anything else (other spellings, unknown labels, bad types) is left
    to the per-instance path, which normalises or raises naming the instance.
    """
    if source_vocab is not None:
        names = source_vocab
    else:
        try:
            names = [v for v in dict.fromkeys([*predictions, *references]) if type(v) is str]
        except TypeError:  # an unhashable value: the per-instance path names it
            names = []
    str_codes: dict[str, int] = {}
    for name in names:
        try:
            level = _level_name(name, label_level, input_level)
        except InputValidationError:
            continue
        if level in index:
            str_codes[name] = index[level]
    id_codes = None
    if source_vocab is not None and all(n in str_codes for n in source_vocab):
        id_codes = np.asarray([str_codes[n] for n in source_vocab], dtype=np.int64)
    return str_codes, id_codes


def _fast_codes(
    values: Sequence[Any], str_codes: dict[str, int], id_codes: np.ndarray | None
) -> np.ndarray | None:
    """Class indices of all values at once (dict lookups in C, or one gather for integer ids), else None."""
    if not values:
        return np.zeros(0, dtype=np.int64)
    if isinstance(values[0], str):
        try:
            got = itemgetter(*values)(str_codes) if len(values) > 1 else (str_codes[values[0]],)
        except (KeyError, TypeError):  # a label not spelled as in the table, or not a string
            return None
        return np.frombuffer(array("q", got), dtype=np.int64)
    if id_codes is None:
        return None
    types = set(map(type, values))  # bools are not ids, though numpy would read True as 1
    if not all(issubclass(t, (int, np.integer)) and not issubclass(t, (bool, np.bool_)) for t in types):
        return None
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        return None
    if arr.ndim != 1 or arr.dtype.kind not in "iu" or arr.min() < 0 or arr.max() >= id_codes.size:
        return None
    return id_codes[arr]


def _cv_smc_compute(
    stats: Sequence[CVSMCInstanceStat], level_vocab: Sequence[str], macro_average: str = "vocabulary"
) -> dict[str, Any]:
    """Top-1 accuracy, Macro-F1 and per-class F1 / support. Empty input: NaN scores (policy "nan")."""
    n_classes = len(level_vocab)
    cols = CVSMCStats.from_stats(stats)
    pred, ref = cols.pred, cols.ref
    tp = np.bincount(ref[pred == ref], minlength=n_classes).astype(float)
    n_pred = np.bincount(pred, minlength=n_classes).astype(float)
    n_ref = np.bincount(ref, minlength=n_classes).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(n_pred > 0, tp / n_pred, 0.0)
        recall = np.where(n_ref > 0, tp / n_ref, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    if macro_average == "present":
        mask = (n_pred > 0) | (n_ref > 0)
    else:
        mask = np.ones(n_classes, dtype=bool)
    empty = len(stats) == 0
    return {
        "top1_accuracy": float("nan") if empty else float(np.mean(pred == ref)),
        "macro_f1": float("nan") if empty or not mask.any() else float(f1[mask].mean()),
        "num_instances": len(stats),
        "num_classes": n_classes,
        "num_classes_in_references": int(np.count_nonzero(n_ref)),
        "per_class_f1": {str(c): float(v) for c, v in zip(level_vocab, f1, strict=False)},
        "per_class_support": {str(c): int(v) for c, v in zip(level_vocab, n_ref, strict=False)},
    }


def _resolve_vocabularies(
    vocabulary: Sequence[str] | None,
    train_labels: Sequence[Any] | None,
    references: Sequence[Any],
    label_level: str,
    input_level: str,
) -> tuple[list[str], list[str] | None]:
    """(level vocabulary, source vocabulary used to decode ids or None)."""
    if vocabulary is not None:
        source = [str(v) for v in vocabulary]
        if len(set(source)) != len(source):
            raise InputValidationError("Expected unique names in `vocabulary`, but some repeat.")
        level = sorted({_level_name(v, label_level, input_level) for v in source})
        return level, source
    if train_labels is None:
        raise InputValidationError(
            "Expected `vocabulary` (the sorted train ∪ test label names) or `train_labels` (to build it), "
            "but got neither."
        )
    names = [_to_name(v, None, "train_labels", i) for i, v in enumerate(train_labels)]
    names += [_to_name(v, None, "references", i) for i, v in enumerate(references)]
    return sorted({_level_name(v, label_level, input_level) for v in names}), None


def cv_smc(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    vocabulary: Sequence[str] | None = None,
    train_labels: Sequence[str] | None = None,
    label_level: LabelLevel = "coarse",
    input_level: InputLevel = "coarse",
    macro_average: MacroAverage = "vocabulary",
    segment_ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    validate_args: bool = True,
) -> dict[str, Any]:
    """CV-SMC Top-1 accuracy and Macro-F1 at one label level.

    Args:
        predictions: one predicted label per test segment (sequence, or mapping keyed by segment id):
            a name, or an int id indexing ``vocabulary``.
        references: the reference label per test segment, same forms.
        vocabulary: label names in id order. With ``input_level="coarse"`` the coarse names of train ∪
            test (their level classes form the level vocabulary); with ``"level"`` the level classes.
        train_labels: alternative to ``vocabulary``: the train segments' labels; the vocabulary is then the
            sorted union of train and reference labels at the level (official construction).
        label_level: ``coarse`` (default), ``verb``, ``noun`` or ``verb_noun``.
        input_level: ``"coarse"`` (default): inputs are coarse names / ids, derived to ``label_level``
            (e.g. one coarse classifier scored at every level); ``"level"``: inputs are already classes of
            ``label_level`` (e.g. the output of a verb probe).
        macro_average: ``"vocabulary"`` (official: all vocabulary classes, absent ones count 0) or
            ``"present"`` (scikit-learn's default: classes in references ∪ predictions).
        segment_ids: ids for error messages when the inputs are sequences.
        bootstrap: number of segment resamples for percentile CIs (0 = none).
        confidence: CI coverage.
        seed: resampling seed.
        paired_predictions: a second system's predictions for the same segments.
        validate_args: check the options.

    Returns:
        ``top1_accuracy`` and ``macro_f1`` (fractions in [0, 1], higher is better), ``num_instances``,
        ``num_classes``, ``num_classes_in_references``, ``per_class_f1``, ``per_class_support``,
        ``label_level``, ``signature``; plus ``ci`` / ``paired`` when asked.

    Raises:
        InputValidationError: a label outside the vocabulary, an id out of range, no vocabulary source,
            a level label that cannot be derived, mismatched ids, bad options.

    Example:
        >>> r = cv_smc(["store_tool", "store_tool"], ["store_tool", "retrieve_adapter_plate"],
        ...            vocabulary=["retrieve_adapter_plate", "store_adapter_plate", "store_tool"])
        >>> r["top1_accuracy"], round(r["macro_f1"], 4)
        (0.5, 0.2222)
    """
    if validate_args:
        _cv_smc_arg_validation(label_level, input_level, macro_average)
    ids, preds, other = align_query_inputs(
        predictions, {"references": references, "paired_predictions": paired_predictions}, segment_ids
    )
    refs = other["references"]
    if refs is None:
        raise InputValidationError("Expected `references`, but got None.")
    level_vocab, source_vocab = _resolve_vocabularies(
        vocabulary, train_labels, refs, label_level, input_level
    )
    stats = _cv_smc_update(preds, refs, ids, level_vocab, source_vocab, label_level, input_level)
    paired_stats = None
    if other["paired_predictions"] is not None:
        paired_stats = _cv_smc_update(
            other["paired_predictions"], refs, ids, level_vocab, source_vocab, label_level, input_level
        )

    def compute(units: Sequence[CVSMCInstanceStat]) -> dict[str, Any]:
        return _cv_smc_compute(units, level_vocab, macro_average)

    result = with_uncertainty(
        compute(stats),
        stats,
        compute,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_units=paired_stats,
    )
    result["label_level"] = label_level
    options: dict[str, Any] = {
        "label_level": label_level,
        "macro_average": macro_average,
        "vocabulary_size": len(level_vocab),
    }
    if bootstrap:
        options.update({"bs": bootstrap, "rs": seed})
    result["signature"] = make_signature("cv_smc", options, _ABBREV)
    return result
