"""Retry timing: exponential backoff with full jitter, and the ``Retry-After`` header.

The wait before retry ``n`` (0-based) is drawn uniformly from ``[0, min(max_s, base_s * 2**n)]``
("full jitter"): clients that failed together spread out instead of retrying in lock-step. A server's
``Retry-After`` (seconds) is honoured when it asks for longer, up to ``max_s``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

RETRYABLE_STATUS: frozenset[int] = frozenset({408, 409, 429, 500, 502, 503, 504})
"""HTTP statuses retried (timeouts, rate limits, server errors); any other 5xx is retried too."""

FATAL_STATUS: frozenset[int] = frozenset({401, 403, 404})
"""HTTP statuses that concern every call (credentials, unknown model or endpoint): the run stops."""


def is_retryable_status(status: int) -> bool:
    """True for 408, 409, 429 and every 5xx.

    Example:
        >>> [is_retryable_status(s) for s in (200, 400, 429, 500, 503, 599)]
        [False, False, True, True, True, True]
    """
    return status in RETRYABLE_STATUS or 500 <= status <= 599


def backoff_delay_s(
    attempt: int,
    *,
    base_s: float,
    max_s: float,
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry ``attempt`` (0 = the first retry).

    Args:
        attempt: 0-based retry number.
        base_s: the first retry's cap, in seconds.
        max_s: the largest wait, in seconds.
        retry_after_s: the server's ``Retry-After`` in seconds, if it sent one.
        rng: the random source (default: the ``random`` module's).

    Example:
        >>> import random
        >>> 0 <= backoff_delay_s(3, base_s=0.5, max_s=30.0, rng=random.Random(0)) <= 4.0
        True
        >>> backoff_delay_s(0, base_s=0.5, max_s=30.0, retry_after_s=2.0, rng=random.Random(0))
        2.0
    """
    cap = min(max_s, base_s * (2.0 ** min(attempt, 60)))
    delay = (rng or random).uniform(0.0, cap)
    if retry_after_s is not None and retry_after_s > delay:
        delay = min(retry_after_s, max_s)
    return delay


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """The ``Retry-After`` header in seconds (a number of seconds; HTTP dates are ignored), or None."""
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
