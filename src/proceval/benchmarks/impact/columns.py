"""The ``datasets`` features of the metadata columns every IMPACT config carries (per video and per trial).

Kept apart from :mod:`proceval.benchmarks.impact.metadata`, which reads the values: declaring the IMPACT
benchmark imports that module, and must not import ``datasets`` (only the config modules, which build
the features, import this one).
"""

from __future__ import annotations

import datasets

VIDEO_FEATURES: dict[str, datasets.features.features.FeatureType] = {
    "video_id": datasets.Value("string"),
    "trial_id": datasets.Value("string"),
    "view": datasets.Value("string"),
    "is_ego": datasets.Value("bool"),
    "fps": datasets.Value("float32"),
}
"""Columns read from the video id (:func:`proceval.benchmarks.impact.metadata.video_fields`)."""
TRIAL_FEATURES: dict[str, datasets.features.features.FeatureType] = {
    "subject": datasets.Value("string"),
    "grinder_model": datasets.Value("string"),
    "workflow": datasets.Value("string"),
}
"""Columns read from the release's trial tables (:func:`proceval.benchmarks.impact.metadata.trial_fields`)."""
