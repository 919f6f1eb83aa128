"""IMPACT video-id conventions: trial ids, views, ego/exo naming variants.

Canonical video ids (TAS / PPR / CV / ATR): ``{trial}_color_{view}_clipped`` for the exo views
``front, left, right, top`` and ``{trial}_color_ego_sync_clipped`` for ego. Variants seen in the
release: AF-S ego files use ``{trial}_color_ego_sync`` (no ``_clipped``), CV ego files are named
``{trial}_color_ego.json``, ASR uses ``{trial}_color``. :func:`canonical_video_id` maps all of them
to the canonical form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXO_VIEWS: tuple[str, ...] = ("front", "left", "right", "top")
EGO_VIEW = "ego"
VIEWS: tuple[str, ...] = (*EXO_VIEWS, EGO_VIEW)
EXO_FPS = 30.0
EGO_FPS = 25.0

_TRIAL = r"(?P<trial>\d{8}_\d{4})"
_VIDEO_RE = re.compile(
    rf"^{_TRIAL}_color(?:_(?P<view>front|left|right|top)_clipped|_(?P<ego>ego)(?:_sync)?(?:_clipped)?)?$"
)


@dataclass(frozen=True)
class VideoName:
    """A parsed IMPACT video id."""

    trial: str
    view: str  # one of VIEWS

    @property
    def video_id(self) -> str:
        """The canonical video id used by TAS / PPR / CV / ATR files."""
        if self.view == EGO_VIEW:
            return f"{self.trial}_color_ego_sync_clipped"
        return f"{self.trial}_color_{self.view}_clipped"

    @property
    def is_ego(self) -> bool:
        """Whether this is the ego (head-mounted) view."""
        return self.view == EGO_VIEW

    @property
    def fps(self) -> float:
        """Nominal frame rate of the view (ego 25 fps, exo 30 fps)."""
        return EGO_FPS if self.is_ego else EXO_FPS


def parse_video_id(name: str) -> VideoName:
    """Parse any IMPACT naming variant (file stem or id) into trial and view.

    ``{trial}_color`` (ASR) has no view and is read as the front view, the only view ASR/PSR release.

    Raises:
        ValueError: the name is not an IMPACT video id.

    Example:
        >>> parse_video_id("20250407_1345_color_ego_sync").video_id
        '20250407_1345_color_ego_sync_clipped'
        >>> parse_video_id("20250407_1345_color_front_clipped_asr".removesuffix("_asr")).view
        'front'
    """
    m = _VIDEO_RE.match(name.strip())
    if not m:
        raise ValueError(
            f"Expected an IMPACT video id like '20250407_1345_color_front_clipped', but got {name!r}."
        )
    view = "ego" if m.group("ego") else (m.group("view") or "front")
    return VideoName(trial=m.group("trial"), view=view)


def canonical_video_id(name: str) -> str:
    """Map any naming variant to the canonical ``..._clipped`` id."""
    return parse_video_id(name).video_id


def trial_of(name: str) -> str:
    """Trial id (``YYYYMMDD_HHMM``): the first two ``_`` tokens of a video name."""
    return parse_video_id(name).trial
