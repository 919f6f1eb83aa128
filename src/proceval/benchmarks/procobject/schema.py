"""ProcObject-10K's released vocabulary: file names, QA types, reasoning patterns, sources, config names.

The values are the strings of the official release (``data/training.json`` / ``data/testing.json``,
GitHub ``WenliangGuo/ProcObject-10K`` release ``4a7a6a9``; the Hugging Face dataset
``BrightGuo/ProcObject-10K`` v2.0 holds the same files). Config names are proceval's snake-case forms.
"""

from __future__ import annotations

DATA_DIR = "data"
"""The release folder holding the two annotation files."""

TRAIN_FILE = "training.json"
TEST_FILE = "testing.json"
SPLIT_FILES: dict[str, str] = {"train": TRAIN_FILE, "test": TEST_FILE}
"""Split name -> annotation file in ``data/``."""

SOURCES: tuple[str, ...] = ("CaptainCook4D", "EgoPER", "HoloAssist", "COIN")
"""The four upstream corpora (COIN is exocentric, the others egocentric)."""

QA_TYPES: tuple[str, ...] = (
    "Precondition Grounding",
    "Object State Evolution",
    "Counterfactual Reasoning",
    "Mistake Recognition",
    "Readiness Assessment",
)
"""The five QA types (``qa_type``), in the paper's order."""

NEEDLE = "Needle-in-a-Haystack"
MULTI_HOP = "Multi-hop Reasoning"
REASONINGS: tuple[str, ...] = (NEEDLE, MULTI_HOP)
"""The two temporal search patterns (``reasoning``; also the keys of a dict-shaped ``testing.json``)."""

ALL_CONFIG = "all"
REASONING_CONFIGS: dict[str, str] = {"needle": NEEDLE, "multihop": MULTI_HOP}
"""Config name -> the ``reasoning`` value its rows have."""

QA_TYPE_CONFIGS: dict[str, str] = {
    "precondition_grounding": "Precondition Grounding",
    "object_state_evolution": "Object State Evolution",
    "counterfactual_reasoning": "Counterfactual Reasoning",
    "mistake_recognition": "Mistake Recognition",
    "readiness_assessment": "Readiness Assessment",
}
"""Config name -> the ``qa_type`` value its rows have."""

CONFIG_NAMES: tuple[str, ...] = (ALL_CONFIG, *REASONING_CONFIGS, *QA_TYPE_CONFIGS)
"""Every config, in registration order: ``all``, the two reasoning patterns, the five QA types."""

SPLITS: tuple[str, ...] = ("train", "test")

RECORD_FIELDS: tuple[str, ...] = (
    "id",
    "domain",
    "task",
    "source",
    "qa_type",
    "reasoning",
    "video_path",
    "clip_start",
    "clip_end",
    "question",
    "answer",
    "evidence",
)
"""The fields of one released QA record (all required)."""
