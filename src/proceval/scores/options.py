"""Score options declared once: a frozen dataclass per score, validated on construction.

Each score function's options are the fields of one frozen dataclass that subclasses
:class:`ScoreOptions`. A field says, in one place, its type (a ``Literal`` for a choice), its default
and its signature abbreviation::

    @dataclass(frozen=True)
    class PprOptions(ScoreOptions):
        average: Literal["pooled", "per_video"] = opt("pooled", "avg")

Construction checks every ``Literal`` field against its choices and calls :meth:`ScoreOptions.check`
for the rest, so an options object that exists is valid. Presets are ``dataclasses.replace`` of a base
object. :meth:`ScoreOptions.signature_items` gives the ``abbreviation -> value`` pairs of the signature
(every field, so no option goes unrecorded), and :meth:`ScoreOptions.from_mapping` turns a CLI
``-o key=value`` mapping into options, naming the allowed keys when one is unknown.

The uncertainty options every score shares (``bootstrap``, ``confidence``, ``seed`` and whether a paired
comparison ran) are :class:`Uncertainty`, written here once.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar, get_args, get_origin

import numpy as np

from proceval.errors import InputValidationError

O = TypeVar("O", bound="ScoreOptions")  # noqa: E741

DEFAULT_PAIRED_RESAMPLES = 1000
"""Resamples of a paired comparison when ``bootstrap`` is 0 (recorded in the signature as ``bs``)."""

UNCERTAINTY_OPTIONS: tuple[str, ...] = ("bootstrap", "confidence", "seed")
"""The keyword options every score function shares (besides ``paired_predictions``)."""


def opt(default: Any, abbr: str, *, signed: bool = True) -> Any:
    """A dataclass field with a signature abbreviation.

    Args:
        default: the default value (an immutable value; tuples for sequences).
        abbr: the key of this option in the signature (``conv``, ``thr``).
        signed: False for an option that cannot change a number (left out of the signature).

    Returns:
        A ``dataclasses.field`` carrying ``abbr`` in its metadata.
    """
    return field(default=default, metadata={"abbr": abbr, "signed": signed})


def _literal_choices(annotation: Any) -> tuple[Any, ...] | None:
    """The choices of a ``Literal[...]`` annotation (also inside ``Optional``), else None."""
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    if get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in get_args(annotation):
            choices = _literal_choices(arg)
            if choices is not None:
                return choices
    return None


def _allows_none(annotation: Any) -> bool:
    return annotation is type(None) or (
        get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in get_args(annotation)
    )


def format_choices(choices: tuple[Any, ...]) -> str:
    """``("a", "b")`` as ``"a" or "b"`` for messages."""
    quoted = [repr(c) for c in choices]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


@dataclass(frozen=True)
class ScoreOptions:
    """Base of every score's options dataclass (subclasses are ``@dataclass(frozen=True)``)."""

    score_name: ClassVar[str] = ""

    def __post_init__(self) -> None:
        """Check every ``Literal`` field, then the subclass's own :meth:`check`."""
        for name, choices, nullable in _choice_fields(type(self)):
            value = getattr(self, name)
            if value is None and nullable:
                continue
            if value not in choices or isinstance(value, bool) != any(isinstance(c, bool) for c in choices):
                raise InputValidationError(
                    f"Expected argument `{name}` to be one of {format_choices(choices)}, but got {value!r}."
                )
        self.check()

    def check(self) -> None:
        """Checks beyond the ``Literal`` choices (ranges, types); raise InputValidationError."""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The option names, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """``{name: default}`` of every option."""
        return {f.name: f.default for f in dataclasses.fields(cls)}

    @classmethod
    def from_mapping(cls: type[O], values: Mapping[str, Any], *, allowed_extra: tuple[str, ...] = ()) -> O:
        """Options from a ``{name: value}`` mapping; an unknown name lists the allowed ones.

        Args:
            values: option names and values; names in ``allowed_extra`` are ignored here.
            allowed_extra: other keys the caller accepts (listed in the message too).

        Raises:
            InputValidationError: an unknown key, or a value the field refuses.
        """
        names = cls.field_names()
        unknown = [k for k in values if k not in names and k not in allowed_extra]
        if unknown:
            raise InputValidationError(
                f"Unknown option {unknown[0]!r} for `{cls.score_name or cls.__name__}`; "
                f"allowed: {', '.join((*names, *allowed_extra))}."
            )
        return cls(**{k: v for k, v in values.items() if k in names})

    def signature_items(self) -> dict[str, Any]:
        """``{abbreviation: value}`` of every signed option, in declaration order."""
        return {
            f.metadata.get("abbr", f.name): getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.metadata.get("signed", True)
        }


@functools.cache
def _choice_fields(cls: type) -> tuple[tuple[str, tuple[Any, ...], bool], ...]:
    """``(name, choices, allows None)`` of every ``Literal`` field of an options class (resolved once)."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        choices = _literal_choices(hints.get(f.name))
        if choices is not None:
            out.append((f.name, choices, _allows_none(hints.get(f.name))))
    return tuple(out)


def check_fraction(name: str, value: Any, *, low_open: bool = False, high_open: bool = False) -> None:
    """Raise unless ``value`` is a real number in [0, 1] (ends open as asked)."""
    ok = (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
        and (0.0 < float(value) if low_open else 0.0 <= float(value))
        and (float(value) < 1.0 if high_open else float(value) <= 1.0)
    )
    if not ok:
        interval = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
        raise InputValidationError(
            f"Expected argument `{name}` to be a float in {interval}, but got {value!r}."
        )


@dataclass(frozen=True)
class Uncertainty:
    """The resampling options every score shares, and their signature keys.

    Attributes:
        bootstrap: resamples of the units for a percentile interval (0 = none).
        confidence: the interval's coverage, in (0, 1).
        seed: the resampling seed.
        paired: whether a paired comparison with a second system ran.
    """

    bootstrap: int = 0
    confidence: float = 0.95
    seed: int = 0
    paired: bool = False

    def __post_init__(self) -> None:
        """Check ``bootstrap`` (a non-negative int) and ``confidence`` (in (0, 1))."""
        b = self.bootstrap
        if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 0:
            raise InputValidationError(
                f"Expected argument `bootstrap` to be a non-negative integer, but got {b!r}."
            )
        c = self.confidence
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not 0.0 < c < 1.0:
            raise InputValidationError(f"Expected argument `confidence` to be in (0, 1), but got {c!r}.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)):
            raise InputValidationError(f"Expected argument `seed` to be an integer, but got {self.seed!r}.")

    @property
    def resamples(self) -> int:
        """Resamples actually drawn: ``bootstrap``, or the paired default when only a comparison runs."""
        if self.bootstrap:
            return int(self.bootstrap)
        return DEFAULT_PAIRED_RESAMPLES if self.paired else 0

    @property
    def active(self) -> bool:
        """Whether any resampling runs."""
        return self.resamples > 0

    def signature_items(self) -> dict[str, Any]:
        """``bs``, ``ci``, ``rs`` and ``paired`` when resampling runs; nothing otherwise."""
        if not self.active:
            return {}
        return {
            "bs": self.resamples,
            "ci": self.confidence,
            "rs": int(self.seed),
            "paired": True if self.paired else None,
        }
