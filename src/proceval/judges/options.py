"""Judges configured from ``-o key=value`` adapter options (the command line's way to name a judge).

:data:`JUDGE_OPTIONS` are the option names a task declares (``extra_options``) when a judge rates its
predictions; :func:`judges_from_options` pops them from an options mapping and builds the backends:

* ``judge_ledger=ledger.jsonl``: replay a ledger (:meth:`PrecomputedBackend.from_ledger`), no model;
  ``judge_model`` / ``judge_revision`` pick judges in it (every judge of the ledger when not given);
* ``judge_model=M -o judge_endpoint=http://127.0.0.1:8000/v1``: an OpenAI-compatible endpoint
  (``judge_revision``; ``judge_api_key_env``: the environment variable holding the key, default none;
  ``judge_max_concurrency``: requests in flight per judge, default 16).

Several judges are comma-separated: ``judge_model=a,b,c`` with one endpoint for all or one per model
(``judge_endpoint=u1,u2,u3``), likewise ``judge_revision``. ``judge_cache`` is the judge cache's path
(default: none). The options are not signed by the runner: the score signs the judges themselves.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any, NamedTuple

from proceval.errors import InputValidationError

if TYPE_CHECKING:
    from proceval.judges.base import JudgeBackend

JUDGE_OPTIONS: dict[str, tuple[Any, None]] = {
    "judge_model": (None, None),
    "judge_endpoint": (None, None),
    "judge_revision": (None, None),
    "judge_api_key_env": (None, None),
    "judge_max_concurrency": (None, None),
    "judge_cache": (None, None),
    "judge_ledger": (None, None),
}
"""Adapter options that configure a judge: ``{name: (default, None)}`` (unsigned; the score signs the judge)."""


class JudgeSetup(NamedTuple):
    """The judges the options describe and the cache path (None: no cache)."""

    judges: list[JudgeBackend]
    cache: str | None


def _split(value: Any, name: str) -> list[str]:
    parts = [p.strip() for p in str(value).split(",")]
    if not all(parts):
        raise InputValidationError(
            f"Expected option `{name}` to be comma-separated non-empty values, but got {value!r}."
        )
    return parts


def _per_model(given: dict[str, Any], name: str, n: int) -> list[str | None]:
    """One value of option ``name`` per model: none, one for all, or exactly ``n``."""
    if name not in given:
        return [None] * n
    values = _split(given[name], name)
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise InputValidationError(
            f"Expected option `{name}` to give one value or one per judge model ({n}), but got {len(values)}."
        )
    return list(values)


def judges_from_options(options: MutableMapping[str, Any]) -> JudgeSetup | None:
    """Pop the :data:`JUDGE_OPTIONS` from ``options`` and build the judges they describe (None if none).

    Raises:
        InputValidationError: ``judge_model`` without ``judge_endpoint`` (or the reverse) and no ledger;
            mismatched comma-separated lists; ``judge_max_concurrency`` not an integer.

    Example:
        >>> opts = {"judge_model": "a,b", "judge_endpoint": "http://127.0.0.1:9/v1", "bootstrap": 0}
        >>> setup = judges_from_options(opts)
        >>> [j.label for j in setup.judges], opts
        (['a', 'b'], {'bootstrap': 0})
    """
    given = {k: options.pop(k) for k in list(options) if k in JUDGE_OPTIONS}
    given = {k: v for k, v in given.items() if v is not None}
    if not given:
        return None
    from proceval.judges.openai_backend import OpenAICompatibleBackend
    from proceval.judges.precomputed import PrecomputedBackend

    cache = None if given.get("judge_cache") is None else str(given["judge_cache"])
    if "judge_ledger" in given:
        path = given["judge_ledger"]
        if "judge_model" not in given and "judge_revision" not in given:
            return JudgeSetup(list(PrecomputedBackend.all_from_ledger(path)), cache)
        models: list[str | None] = (
            list(_split(given["judge_model"], "judge_model")) if "judge_model" in given else [None]
        )
        revisions = _per_model(given, "judge_revision", len(models))
        judges: list[JudgeBackend] = [
            PrecomputedBackend.from_ledger(path, model=m, revision=r)
            for m, r in zip(models, revisions, strict=True)
        ]
        return JudgeSetup(judges, cache)
    if "judge_model" not in given or "judge_endpoint" not in given:
        raise InputValidationError(
            "Expected both `judge_model` and `judge_endpoint` (or `judge_ledger`) to configure a judge, "
            f"but got only {sorted(given)}."
        )
    models_ = _split(given["judge_model"], "judge_model")
    endpoints = _per_model(given, "judge_endpoint", len(models_))
    revisions = _per_model(given, "judge_revision", len(models_))
    concurrency = given.get("judge_max_concurrency", 16)
    try:
        concurrency = int(concurrency)
    except (TypeError, ValueError):
        raise InputValidationError(
            f"Expected option `judge_max_concurrency` to be an integer, but got {concurrency!r}."
        ) from None
    judges = [
        OpenAICompatibleBackend(
            model,
            str(endpoint),
            revision=revision,
            api_key_env=given.get("judge_api_key_env"),
            max_concurrency=concurrency,
        )
        for model, endpoint, revision in zip(models_, endpoints, revisions, strict=True)
    ]
    return JudgeSetup(judges, cache)
