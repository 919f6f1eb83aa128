"""CV-SMC (cross-view semantic-matching classification): Top-1 and Macro-F1.

Labels are coarse step names, lower case, e.g. ``screw_on_anti_vibration_handle``. A label level derives
the class from the name by splitting on the first ``_`` (as the official classification script):
``verb`` = first token (``screw``), ``noun`` = the rest (``on_anti_vibration_handle``), ``verb_noun`` =
``"verb::noun"``, ``coarse`` = the name itself. The vocabulary is the sorted union of the labels of the
train and test segments. **Macro-F1 averages the per-class F1 over every vocabulary class** (precision 0
without predictions, recall 0 without support), so a class absent from the test references and never
predicted counts as F1 = 0, unlike scikit-learn's default (``labels=None``), which averages over the
classes present in references or predictions.

Entry points (one pattern, ``<metric>[_<variant>]_scores``): :func:`cv_smc_scores` scores one level, or
the four levels with ``label_level="all"``; :func:`cv_smc_levels_scores` scores any list of levels of one
set of coarse predictions in one call (each label is read once; the same numbers as one
:func:`cv_smc_scores` call per level). Options are :class:`CvSmcOptions`.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import itemgetter
from typing import Any, ClassVar, Literal, NamedTuple, get_args

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import format_id, format_ids
from proceval.scores._ranking import align_query_inputs
from proceval.scores.bootstrap import ColumnStats, with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, format_choices, opt
from proceval.scores.signature import score_signature

LabelLevel = Literal["coarse", "verb", "noun", "verb_noun"]
CV_SMC_LABEL_LEVELS: tuple[str, ...] = get_args(LabelLevel)
LabelLevelOrAll = Literal["coarse", "verb", "noun", "verb_noun", "all"]
InputLevel = Literal["coarse", "level"]
MacroAverage = Literal["vocabulary", "present"]
_PAIR_COUNT_MAX_NAMES = 256  # up to this many source names, levels are counted from (name, name) pair counts


@dataclass(frozen=True)
class CvSmcOptions(ScoreOptions):
    """Every option that changes a CV-SMC number.

    Attributes:
        label_level: ``coarse``, ``verb``, ``noun``, ``verb_noun``, or ``all`` (the four levels, from coarse
            inputs; a result per level).
        input_level: ``coarse`` (inputs are coarse names, derived to the level) or ``level`` (inputs are
            already classes of ``label_level``).
        macro_average: ``vocabulary`` (official: every vocabulary class) or ``present`` (classes in
            references or predictions, scikit-learn's default).
    """

    score_name: ClassVar[str] = "cv_smc"
    label_level: LabelLevelOrAll = opt("coarse", "lvl")
    input_level: InputLevel = opt("coarse", "in")
    macro_average: MacroAverage = opt("vocabulary", "avg")

    def check(self) -> None:
        """``label_level="all"`` derives every level from coarse inputs, so it needs ``input_level="coarse"``."""
        if self.label_level == "all" and self.input_level != "coarse":
            raise InputValidationError(
                "Expected argument `input_level` to be 'coarse' with label_level 'all' (every level derives "
                f"from coarse labels), but got {self.input_level!r}."
            )


def check_levels(levels: Any) -> tuple[str, ...]:
    """``levels`` as a tuple of distinct label levels (first occurrence kept), else an InputValidationError."""
    if isinstance(levels, (str, bytes)) or not isinstance(levels, Sequence) or not levels:
        raise InputValidationError(
            f"Expected argument `levels` to be a non-empty sequence of {format_choices(CV_SMC_LABEL_LEVELS)}, "
            f"but got {levels!r}."
        )
    for level in levels:
        if level not in CV_SMC_LABEL_LEVELS:
            raise InputValidationError(
                f"Expected argument `levels` to hold {format_choices(CV_SMC_LABEL_LEVELS)}, but got {level!r}."
            )
    return tuple(dict.fromkeys(levels))


class CVSMCInstanceStat(NamedTuple):
    """One test segment: predicted and reference class index in the level vocabulary."""

    pred: int
    ref: int


class CVSMCStats(ColumnStats[CVSMCInstanceStat]):
    """Per-instance statistics held as two int64 columns.

    Indexing gives :class:`CVSMCInstanceStat`; the bootstrap resamples instances with :meth:`take`.
    """

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

    def row(self, i: int) -> CVSMCInstanceStat:
        """Segment ``i`` as a :class:`CVSMCInstanceStat`."""
        return CVSMCInstanceStat(int(self.pred[i]), int(self.ref[i]))

    def take(self, indices: np.ndarray) -> CVSMCStats:
        """The segments at ``indices`` (repeats allowed, as a bootstrap resample draws them)."""
        return CVSMCStats(self.pred[indices], self.ref[indices])


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
    if label_level not in CV_SMC_LABEL_LEVELS:
        raise InputValidationError(
            f"Expected argument `label_level` to be one of {format_choices(CV_SMC_LABEL_LEVELS)}, "
            f"but got {label_level!r}."
        )
    return sorted({derive_label(label, label_level) for label in labels})


def _to_name(value: Any, source_vocab: Sequence[str] | None, what: str, unit_id: Hashable) -> str:
    if isinstance(value, (bool, np.bool_)):
        raise InputValidationError(
            f"Expected a label name or id in `{what}` for {format_id(unit_id)}, but got {format_id(value)}."
        )
    if isinstance(value, (float, np.floating)):  # JSON may give an id as 3.0; 2.5, NaN, inf are not ids
        if not (math.isfinite(value) and float(value).is_integer()):
            raise InputValidationError(
                f"Expected a label name or id in `{what}` for {format_id(unit_id)}, "
                f"but got {format_id(value)} (not an integer)."
            )
        value = int(value)
    if isinstance(value, (int, np.integer)):
        if source_vocab is None:
            raise InputValidationError(
                f"Got label id {value} in `{what}` for {format_id(unit_id)} but no `vocabulary` to map ids to names."
            )
        if not 0 <= int(value) < len(source_vocab):
            raise InputValidationError(
                f"Expected label ids in [0, {len(source_vocab)}) in `{what}` for {format_id(unit_id)}, "
                f"but got {value}."
            )
        return str(source_vocab[int(value)])
    if isinstance(value, str):
        return value
    raise InputValidationError(
        f"Expected a label name or id in `{what}` for {format_id(unit_id)}, but got {format_id(value)}."
    )


def _level_name(name: str, label_level: str, input_level: str) -> str:
    return derive_label(name, label_level) if input_level == "coarse" else str(name).strip().lower()


class _Inputs(NamedTuple):
    """Predictions, references and paired predictions in one order; ``ids`` name the instances in errors."""

    ids: Sequence[Hashable]
    preds: list[Any]
    refs: list[Any]
    paired: list[Any] | None


class _Source(NamedTuple):
    """The names labels are read against.

    Either a vocabulary in id order (``decodes_ids``), or the distinct train ∪ reference labels (first
    occurrence first; ids are then an error).
    """

    names: list[str]
    decodes_ids: bool


def _check_same_ids(name: str, values: Mapping[Hashable, Any], references: Mapping[Hashable, Any]) -> None:
    """Raise when ``values`` (predictions keyed by segment id) miss reference ids or have unknown ids."""
    if values.keys() == references.keys():
        return
    missing = [k for k in references if k not in values]
    extra = [k for k in values if k not in references]
    parts = []
    if missing:
        parts.append(f"{len(missing)} reference ids have no prediction: {format_ids(missing)}")
    if extra:
        parts.append(f"{len(extra)} are unknown ids (no reference segment): {format_ids(extra)}")
    raise InputValidationError(
        f"Expected `{name}` for exactly the reference segment ids, but " + "; and ".join(parts) + "."
    )


def _align(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None,
    ids: Sequence[Hashable] | None,
) -> _Inputs:
    if isinstance(references, Mapping):
        for name, values in (("predictions", predictions), ("paired_predictions", paired_predictions)):
            if isinstance(values, Mapping):
                _check_same_ids(name, values, references)
    ids, preds, other = align_query_inputs(
        predictions, {"references": references, "paired_predictions": paired_predictions}, ids
    )
    if other["references"] is None:
        raise InputValidationError("Expected `references`, but got None.")
    return _Inputs(ids, preds, other["references"], other["paired_predictions"])


def _source(
    vocabulary: Sequence[str] | None, train_labels: Sequence[Any] | None, references: Sequence[Any]
) -> _Source:
    """The vocabulary's names (unique), else the distinct names of ``train_labels`` then ``references``.

    Raises:
        InputValidationError: repeated vocabulary names, neither source, an id or non-name in the labels.
    """
    if vocabulary is not None:
        names = [str(v) for v in vocabulary]
        if len(set(names)) != len(names):
            raise InputValidationError("Expected unique names in `vocabulary`, but some repeat.")
        return _Source(names, True)
    if train_labels is None:
        raise InputValidationError(
            "Expected `vocabulary` (the sorted train ∪ test label names) or `train_labels` (to build it), "
            "but got neither."
        )
    train = list(train_labels)
    if not all(issubclass(t, str) for t in {*map(type, train), *map(type, references)}):
        for what, values in (("train_labels", train), ("references", references)):
            for i, v in enumerate(values):
                _to_name(v, None, what, i)  # raises on the first id or non-name
    return _Source(list(dict.fromkeys([*train, *references])), False)


def _level_table(names: Sequence[str], label_level: str, input_level: str) -> tuple[list[str], list[int]]:
    """(level vocabulary = sorted level classes of ``names``, class index of each name).

    Raises:
        InputValidationError: a name whose level class cannot be derived (e.g. ``null`` at ``verb``).
    """
    derived = [_level_name(name, label_level, input_level) for name in names]
    level_vocab = sorted(set(derived))
    index = {c: i for i, c in enumerate(level_vocab)}
    return level_vocab, [index[c] for c in derived]


class _CoarseTables(NamedTuple):
    """Lookup tables of one list of coarse source names at several levels (read-only; cached)."""

    codes: dict[str, Any]  # source name -> its index, as :func:`_fast_codes` reads it
    vocabs: tuple[tuple[str, ...], ...]  # level vocabulary of each level
    lut: np.ndarray  # [levels, names] int64: level class of each source name
    onehot: np.ndarray | None  # [names, classes of all levels] float64: 1 where the name is in the class
    offsets: tuple[int, ...]  # level i owns the classes offsets[i]:offsets[i + 1] (columns of `onehot`)


def _build_coarse_tables(names: tuple[str, ...], levels: tuple[str, ...]) -> _CoarseTables:
    """Raises as :func:`_level_table` for the first level (in order) that cannot be derived."""
    tables = [_level_table(names, level, "coarse") for level in levels]
    offsets = np.cumsum([0, *(len(vocab) for vocab, _ in tables)])
    lut = np.array([codes for _, codes in tables], dtype=np.int64).reshape(len(levels), len(names))
    lut.flags.writeable = False
    onehot = None
    if len(names) <= _PAIR_COUNT_MAX_NAMES:
        onehot = np.zeros((len(names), int(offsets[-1])))
        onehot[np.arange(len(names)), lut + offsets[:-1, None]] = 1.0
        onehot.flags.writeable = False
    codes = _code_values({name: i for i, name in enumerate(names)})
    return _CoarseTables(codes, tuple(tuple(v) for v, _ in tables), lut, onehot, tuple(offsets.tolist()))


_cached_coarse_tables = lru_cache(maxsize=32)(_build_coarse_tables)


def _coarse_tables(names: Sequence[str], levels: Sequence[str]) -> _CoarseTables:
    """:func:`_build_coarse_tables`, cached when the names are plain strings (the usual case)."""
    key = tuple(names)
    if all(type(name) is str for name in key):
        return _cached_coarse_tables(key, tuple(levels))
    return _build_coarse_tables(key, tuple(levels))


def _cv_smc_update(
    predictions: Sequence[Any],
    references: Sequence[Any],
    ids: Sequence[Hashable],
    level_vocab: Sequence[str],
    source_vocab: Sequence[str] | None,
    label_level: str,
    input_level: str,
    source_names: Sequence[str] | None = None,
) -> CVSMCStats:
    """Map every (prediction, reference) to class indices of the level vocabulary.

    ``source_names``: the coarse names (vocabulary, or train ∪ references) a coarse label must be one of.

    Fast path: one table of valid names (and ids) per call, then C-level lookups over all instances.

    Raises:
        InputValidationError: a label outside the vocabulary (naming the instance and the label).
    """
    index = {name: i for i, name in enumerate(level_vocab)}
    known = None  # coarse inputs: a name must be a source name, not just share its verb / noun class
    if input_level == "coarse" and source_names is not None:
        known = frozenset(str(n).strip().lower() for n in source_names)
    str_codes, id_codes = _code_tables(
        index, source_vocab, predictions, references, label_level, input_level, known
    )
    table = _code_values(str_codes)
    pred = _fast_codes(predictions, table, id_codes)
    ref = _fast_codes(references, table, id_codes) if pred is not None else None
    if pred is not None and ref is not None:
        return CVSMCStats(pred, ref)
    out: list[CVSMCInstanceStat] = []  # per-instance path: only reached when some value needs its own check
    for uid, p, r in zip(ids, predictions, references, strict=False):
        args = (uid, index, source_vocab, label_level, input_level, known)
        out.append(
            CVSMCInstanceStat(
                _instance_class(p, "predictions", *args), _instance_class(r, "references", *args)
            )
        )
    return CVSMCStats.from_stats(out)


def _instance_class(
    value: Any,
    what: str,
    uid: Hashable,
    index: Mapping[str, int],
    source_vocab: Sequence[str] | None,
    label_level: str,
    input_level: str,
    known: frozenset[str] | None = None,
) -> int:
    """Class index of one label (normalising its spelling), or an InputValidationError naming the instance.

    ``known``: the normalised coarse names a coarse label must be one of (None: not checked).
    """
    label = _to_name(value, source_vocab, what, uid)
    try:
        name = _level_name(label, label_level, input_level)
    except InputValidationError:
        raise InputValidationError(
            f"Expected a coarse label of the form 'verb_noun' in `{what}` for {format_id(uid)} to derive the "
            f"{label_level} class, but got {format_id(label)}."
        ) from None
    if name not in index:
        raise InputValidationError(
            f"Unknown {label_level} label {format_id(name)} in `{what}` for {format_id(uid)}: expected one of the "
            f"{len(index)} vocabulary classes (train ∪ test)."
        )
    if known is not None and label.strip().lower() not in known:  # e.g. 'store_lid': its verb exists
        raise InputValidationError(
            f"Unknown coarse label {format_id(label)} in `{what}` for {format_id(uid)}: expected one of the "
            f"{len(known)} vocabulary names (train ∪ test), not only a name whose {label_level} class exists."
        )
    return index[name]


def _code_tables(
    index: Mapping[str, int],
    source_vocab: Sequence[str] | None,
    predictions: Sequence[Any],
    references: Sequence[Any],
    label_level: str,
    input_level: str,
    known: frozenset[str] | None = None,
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
        if known is not None and name.strip().lower() not in known:
            continue  # not a source name: the per-instance path raises naming the instance
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


def _code_values(str_codes: dict[str, int]) -> dict[str, Any]:
    """The lookup table of :func:`_fast_codes`: each code as one character (code point = code).

    The looked-up codes then become an array by one join and encode, not one int conversion per value;
    tables with codes from ``0xD800`` (the surrogates) on keep int codes.
    """
    if str_codes and max(str_codes.values()) >= 0xD800:
        return str_codes
    return {name: chr(code) for name, code in str_codes.items()}


def _fast_codes(
    values: Sequence[Any], table: dict[str, Any], id_codes: np.ndarray | None
) -> np.ndarray | None:
    """int64 codes of all values at once (dict lookups in C, or one gather for integer ids), else None."""
    if not values:
        return np.zeros(0, dtype=np.int64)
    if isinstance(values[0], str):
        try:
            got = itemgetter(*values)(table) if len(values) > 1 else (table[values[0]],)
        except (KeyError, TypeError):  # a label not spelled as in the table, or not a string
            return None
        if isinstance(got[0], str):
            return np.frombuffer("".join(got).encode("utf-32-le"), dtype="<u4").astype(np.int64)
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


def _class_counts(pred: np.ndarray, ref: np.ndarray, n_classes: int) -> tuple[np.ndarray, ...]:
    """Per class (float64): true positives, predictions, references."""
    tp = np.bincount(ref[pred == ref], minlength=n_classes).astype(float)
    n_pred = np.bincount(pred, minlength=n_classes).astype(float)
    n_ref = np.bincount(ref, minlength=n_classes).astype(float)
    return tp, n_pred, n_ref


def _merged_counts(pred: np.ndarray, ref: np.ndarray, onehot: np.ndarray) -> tuple[np.ndarray, ...]:
    """:func:`_class_counts` of every class of ``onehot`` (see :class:`_CoarseTables`) from source indices.

    One count per (prediction, reference) pair of names, then sums of exact integers in float64 (as
    there).
    """
    n = onehot.shape[0]
    joint = np.bincount(pred * n + ref, minlength=n * n).reshape(n, n)
    by_ref_class = joint @ onehot  # [pred name, ref class]
    return (by_ref_class * onehot).sum(axis=0), joint.sum(axis=1) @ onehot, by_ref_class.sum(axis=0)


def _level_counts(pred: np.ndarray, ref: np.ndarray, tables: _CoarseTables) -> tuple[np.ndarray, ...]:
    """:func:`_class_counts` of every level, concatenated in level order (classes as ``tables.offsets``)."""
    if tables.onehot is not None:
        return _merged_counts(pred, ref, tables.onehot)
    per_level = [
        _class_counts(lut[pred], lut[ref], len(vocab))
        for lut, vocab in zip(tables.lut, tables.vocabs, strict=True)
    ]
    return tuple(np.concatenate(counts) for counts in zip(*per_level, strict=True))


def _f1(counts: tuple[np.ndarray, ...]) -> np.ndarray:
    """Per-class F1: precision 0 without predictions, recall 0 without support, F1 0 when both are 0."""
    tp, n_pred, n_ref = counts
    precision = np.divide(tp, n_pred, out=np.zeros_like(tp), where=n_pred > 0)
    recall = np.divide(tp, n_ref, out=np.zeros_like(tp), where=n_ref > 0)
    both = precision + recall
    return np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)


def _scores(
    counts: tuple[np.ndarray, ...], num_instances: int, vocabs: Sequence[Sequence[str]], macro_average: str
) -> list[dict[str, Any]]:
    """Top-1 accuracy, Macro-F1 and per-class F1 / support of each level.

    They come from :func:`_class_counts` of all their classes (level after level, as ``vocabs``). Empty
    input: NaN scores (policy "nan").

    The counts are exact integers, so sums over them are exact; Macro-F1 is ``sum / count`` of float64
    F1s, as ``np.mean`` computes it.
    """
    tp, n_pred, n_ref = counts
    f1 = _f1(counts)
    averaged = None if macro_average == "vocabulary" else (n_pred > 0) | (n_ref > 0)
    tps, f1s, supports = tp.tolist(), f1.tolist(), n_ref.astype(np.int64).tolist()
    empty = num_instances == 0
    out, start = [], 0
    for vocab in vocabs:
        part = slice(start, start + len(vocab))
        start = part.stop
        macro = f1[part] if averaged is None else f1[part][averaged[part]]
        support = supports[part]
        names = [str(c) for c in vocab]
        out.append(
            {
                "top1_accuracy": float("nan") if empty else sum(tps[part]) / num_instances,
                "macro_f1": float("nan") if empty or not macro.size else float(macro.sum() / macro.size),
                "num_instances": num_instances,
                "num_classes": len(vocab),
                "num_classes_in_references": len(support) - support.count(0),
                "per_class_f1": dict(zip(names, f1s[part], strict=True)),
                "per_class_support": dict(zip(names, support, strict=True)),
            }
        )
    return out


def _cv_smc_compute(
    stats: Sequence[CVSMCInstanceStat], level_vocab: Sequence[str], macro_average: str = "vocabulary"
) -> dict[str, Any]:
    """Top-1 accuracy, Macro-F1 and per-class F1 / support. Empty input: NaN scores (policy "nan")."""
    cols = CVSMCStats.from_stats(stats)
    counts = _class_counts(cols.pred, cols.ref, len(level_vocab))
    return _scores(counts, len(cols), [level_vocab], macro_average)[0]


def _finish(
    result: dict[str, Any],
    stats: CVSMCStats | None,
    paired_stats: CVSMCStats | None,
    level_vocab: Sequence[str],
    options: CvSmcOptions,
    uncertainty: Uncertainty,
) -> dict[str, Any]:
    """Add ``ci`` / ``paired`` (from the per-instance ``stats``, needed only then), level and signature.

    ``options.label_level`` is the level of this result (never ``"all"``).
    """
    if uncertainty.active:

        def compute(units: Sequence[CVSMCInstanceStat]) -> dict[str, Any]:
            return _cv_smc_compute(units, level_vocab, options.macro_average)

        assert stats is not None
        with_uncertainty(result, stats, compute, uncertainty=uncertainty, paired_units=paired_stats)
    result["label_level"] = options.label_level
    result["signature"] = score_signature("cv_smc", options, uncertainty, {"nc": len(level_vocab)})
    return result


def _score_level(
    inp: _Inputs, source: _Source, options: CvSmcOptions, uncertainty: Uncertainty
) -> dict[str, Any]:
    """One level, each label mapped to the level vocabulary (fast lookups, else per-instance checks)."""
    label_level, input_level = options.label_level, options.input_level
    level_vocab, _ = _level_table(source.names, label_level, input_level)
    ids_vocab = source.names if source.decodes_ids else None

    def update(values: list[Any]) -> CVSMCStats:
        return _cv_smc_update(
            values, inp.refs, inp.ids, level_vocab, ids_vocab, label_level, input_level, source.names
        )

    stats = update(inp.preds)
    paired = None if inp.paired is None else update(inp.paired)
    result = _cv_smc_compute(stats, level_vocab, options.macro_average)
    return _finish(result, stats, paired, level_vocab, options, uncertainty)


def _source_codes(inp: _Inputs, source: _Source, table: dict[str, Any]) -> list[np.ndarray | None] | None:
    """[predictions, references, paired or None] as indices into ``source.names``, or None.

    Exact names or ids are looked up at C level; None when some label needs the per-instance path (other
    spelling, unknown, bad).
    """
    id_codes = np.arange(len(source.names), dtype=np.int64) if source.decodes_ids else None
    codes: list[np.ndarray | None] = []
    for values in (inp.preds, inp.refs, inp.paired):
        got = None if values is None else _fast_codes(values, table, id_codes)
        if got is None and values is not None:
            return None
        codes.append(got)
    return codes


def _score_coarse_levels(
    inp: _Inputs, source: _Source, levels: Sequence[str], options: CvSmcOptions, uncertainty: Uncertainty
) -> dict[str, dict[str, Any]]:
    """Scores of every level from coarse inputs.

    Labels are coded once against the source names and each level is derived by a lookup table (source
    name -> level class); labels that need their own check go level by level.
    """
    per_level = {level: replace(options, label_level=level, input_level="coarse") for level in levels}
    try:
        tables = _coarse_tables(source.names, levels)
    except InputValidationError:  # a name without a level class: raise where one call per level would
        tables = None
    codes = None if tables is None else _source_codes(inp, source, tables.codes)
    if tables is None or codes is None:
        return {level: _score_level(inp, source, per_level[level], uncertainty) for level in levels}
    pred, ref, paired = codes
    results = _scores(_level_counts(pred, ref, tables), len(ref), tables.vocabs, options.macro_average)
    out: dict[str, dict[str, Any]] = {}
    for i, (level, vocab, result) in enumerate(zip(levels, tables.vocabs, results, strict=True)):
        stats = paired_stats = None
        if uncertainty.active:  # per-instance units, for resampling only
            lut = tables.lut[i]
            stats = CVSMCStats(lut[pred], lut[ref])
            paired_stats = None if paired is None else CVSMCStats(lut[paired], stats.ref)
        out[level] = _finish(result, stats, paired_stats, vocab, per_level[level], uncertainty)
    return out


def cv_smc_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    vocabulary: Sequence[str] | None = None,
    train_labels: Sequence[str] | None = None,
    label_level: LabelLevelOrAll = "coarse",
    input_level: InputLevel = "coarse",
    macro_average: MacroAverage = "vocabulary",
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """CV-SMC Top-1 accuracy and Macro-F1 at one label level (or the four, with ``label_level="all"``).

    Args:
        predictions: one predicted label per test segment (sequence, or mapping keyed by segment id):
            a name, or an int id indexing ``vocabulary``.
        references: the reference label per test segment, same forms.
        vocabulary: label names in id order. With ``input_level="coarse"`` the coarse names of train ∪
            test (their level classes form the level vocabulary); with ``"level"`` the level classes.
        train_labels: alternative to ``vocabulary``: the train segments' labels; the vocabulary is then the
            sorted union of train and reference labels at the level (official construction).
        label_level: ``coarse`` (default), ``verb``, ``noun`` or ``verb_noun``; or ``all``: the four levels
            from coarse inputs in one pass, returned as ``{level: result}`` (as
            :func:`cv_smc_levels_scores`).
        input_level: ``"coarse"`` (default): inputs are coarse names / ids, derived to ``label_level``
            (e.g. one coarse classifier scored at every level); ``"level"``: inputs are already classes of
            ``label_level`` (e.g. a verb probe).
        macro_average: ``"vocabulary"`` (official: all vocabulary classes, absent ones count 0) or
            ``"present"`` (scikit-learn's default: classes in references ∪ predictions).
        ids: segment ids of sequence inputs, for error messages.
        bootstrap: number of segment resamples for percentile CIs (0 = none).
        confidence: CI coverage.
        seed: resampling seed.
        paired_predictions: a second system's predictions for the same segments.

    Returns:
        ``top1_accuracy`` and ``macro_f1`` (fractions in [0, 1], higher is better), ``num_instances``,
        ``num_classes``, ``num_classes_in_references``, ``per_class_f1``, ``per_class_support``,
        ``label_level``, ``signature``; plus ``ci`` / ``ci_level`` / ``paired`` when asked. With
        ``label_level="all"``: ``{"coarse": {...}, "verb": {...}, "noun": {...}, "verb_noun": {...}}``.

    Raises:
        InputValidationError: a label outside the vocabulary, an id out of range, no vocabulary source,
            a level label that cannot be derived, mismatched ids, bad options (naming the argument).

    Example:
        >>> r = cv_smc_scores(["store_tool", "store_tool"], ["store_tool", "retrieve_adapter_plate"],
        ...                   vocabulary=["retrieve_adapter_plate", "store_adapter_plate", "store_tool"])
        >>> r["top1_accuracy"], round(r["macro_f1"], 4)
        (0.5, 0.2222)
    """
    options = CvSmcOptions(label_level=label_level, input_level=input_level, macro_average=macro_average)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    inp = _align(predictions, references, paired_predictions, ids)
    source = _source(vocabulary, train_labels, inp.refs)
    if options.label_level == "all":
        return _score_coarse_levels(inp, source, CV_SMC_LABEL_LEVELS, options, uncertainty)
    if options.input_level == "coarse":
        return _score_coarse_levels(inp, source, (options.label_level,), options, uncertainty)[label_level]
    return _score_level(inp, source, options, uncertainty)


def cv_smc_levels_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    levels: Sequence[str] = CV_SMC_LABEL_LEVELS,
    vocabulary: Sequence[str] | None = None,
    train_labels: Sequence[str] | None = None,
    macro_average: MacroAverage = "vocabulary",
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """CV-SMC at several label levels of one set of coarse predictions, in one call.

    Same arguments as :func:`cv_smc_scores` with ``input_level="coarse"`` (coarse names or ids), and
    ``levels`` (default: all four; repeats are dropped) instead of ``label_level``. Each label is mapped to
    the coarse vocabulary once; every level is then derived by a lookup table, so the labels are not read
    again per level.

    Returns:
        ``{level: the dict cv_smc_scores(..., label_level=level) returns}`` for each level of ``levels``,
        with identical values (scores are fractions in [0, 1], higher is better).

    Raises:
        InputValidationError: as :func:`cv_smc_scores` at the first level that fails; bad ``levels``.

    Example:
        >>> r = cv_smc_levels_scores(["store_tool", "store_tool"], ["store_tool", "retrieve_adapter_plate"],
        ...                          vocabulary=["retrieve_adapter_plate", "store_adapter_plate", "store_tool"])
        >>> {level: (s["top1_accuracy"], round(s["macro_f1"], 4)) for level, s in r.items()}
        {'coarse': (0.5, 0.2222), 'verb': (0.5, 0.3333), 'noun': (0.5, 0.3333), 'verb_noun': (0.5, 0.2222)}
    """
    levels = check_levels(levels)
    options = CvSmcOptions(label_level="all", input_level="coarse", macro_average=macro_average)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    inp = _align(predictions, references, paired_predictions, ids)
    source = _source(vocabulary, train_labels, inp.refs)
    return _score_coarse_levels(inp, source, levels, options, uncertainty)


__all__ = [
    "CV_SMC_LABEL_LEVELS",
    "CVSMCInstanceStat",
    "CVSMCStats",
    "CvSmcOptions",
    "build_vocabulary",
    "check_levels",
    "cv_smc_levels_scores",
    "cv_smc_scores",
    "derive_label",
]
