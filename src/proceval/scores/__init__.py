"""Pure numpy score functions, one module per metric; no I/O and no benchmark names.

Each public ``<metric>_scores`` function reads as validate → update → compute → finish: its options
are one frozen :class:`~proceval.scores.options.ScoreOptions` dataclass (checked on construction),
``_<score>_update`` turns one video / query / instance into sufficient statistics, ``_<score>_compute``
turns a list of statistics into numbers, and the result is signed with
:func:`~proceval.scores.signature.score_signature`. Bootstrap confidence intervals and paired
comparisons (:mod:`proceval.scores.bootstrap`) resample those statistics.
"""
