"""Pro2Bench / EgoProactive's task declarations (:class:`~proceval.registry.Task`): filled in as metrics land."""

from __future__ import annotations

from proceval.registry import Task

TASKS: tuple[Task, ...] = ()
