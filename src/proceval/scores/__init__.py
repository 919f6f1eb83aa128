"""Pure numpy score functions, one module per task family.

Each module follows the same layering: ``_<score>_arg_validation`` checks options,
``_<score>_update`` turns one video / query / instance into sufficient statistics, and
``_<score>_compute`` turns a list of statistics into numbers. Bootstrap confidence intervals and
paired comparisons (:mod:`proceval.scores.bootstrap`) resample those statistics.
"""
