"""IMPACT configs. Importing this package registers every ``<task>_s<n>`` config.

One module per task family; each module registers its ``ConfigSpec`` objects at import time.
"""

from proceval.datasets.impact import af_l as af_l
from proceval.datasets.impact import af_s as af_s
from proceval.datasets.impact import asr as asr
from proceval.datasets.impact import atr as atr
from proceval.datasets.impact import cv as cv
from proceval.datasets.impact import frame_tasks as frame_tasks
from proceval.datasets.impact import psr as psr
