"""IMPACT configs. Importing this package registers every ``<task>_s<n>`` config.

One module per task family; each module registers its ``ConfigSpec`` objects at import time.
"""

from proceval.benchmarks.impact.configs import af_l as af_l
from proceval.benchmarks.impact.configs import af_s as af_s
from proceval.benchmarks.impact.configs import asr as asr
from proceval.benchmarks.impact.configs import atr as atr
from proceval.benchmarks.impact.configs import cv as cv
from proceval.benchmarks.impact.configs import frame_tasks as frame_tasks
from proceval.benchmarks.impact.configs import psr as psr
