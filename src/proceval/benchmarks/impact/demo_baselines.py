"""The demo's baseline per IMPACT task: the :attr:`~proceval.registry.Task.baseline` hooks.

Each hook takes a :class:`proceval.registry.BaselineContext` and returns predictions keyed by the task's
ids; the models themselves are in :mod:`proceval.benchmarks.impact.baselines`, imported when a hook runs
(scikit-learn and the video stack stay out of the registry's import, which every CLI call pays).
"""

from __future__ import annotations

from typing import Any

from proceval.registry import BaselineContext


def frame_task(ctx: BaselineContext) -> dict[str, Any]:
    """Nearest-centroid colour features per frame (TAS, PPR)."""
    from proceval.benchmarks.impact import baselines as models

    return models.frame_task(ctx.load("train"), ctx.load("test"))


def segment_embeddings(ctx: BaselineContext) -> dict[str, Any]:
    """Mean colour of each segment's frames as its embedding (CV-TA, CV-SMR)."""
    from proceval.benchmarks.impact import baselines as models

    return models.segment_embeddings(ctx.load("test"))


def cv_smc(ctx: BaselineContext) -> dict[str, Any]:
    """Nearest-centroid coarse labels of segments (CV-SMC)."""
    from proceval.benchmarks.impact import baselines as models

    return models.cv_smc(ctx.load("train"), ctx.load("test"))


def af_s(ctx: BaselineContext) -> dict[str, Any]:
    """Class priors given the current action (AF-S)."""
    from proceval.benchmarks.impact import baselines as models

    return models.af_s(ctx.load("train", media=False), ctx.load("test", media=False))


def af_l(ctx: BaselineContext) -> dict[str, Any]:
    """Bigram chains of steps (AF-L)."""
    from proceval.benchmarks.impact import baselines as models

    return models.af_l(ctx.load("train", media=False), ctx.load("test", media=False))


def asr(ctx: BaselineContext) -> dict[str, Any]:
    """Per-component state priors over time (ASR); kept in ``ctx.state`` for the PSR baseline."""
    from proceval.benchmarks.impact import baselines as models

    if "asr" not in ctx.state:
        ctx.state["asr"] = models.asr(
            ctx.load("train", media=False, config="asr_s1"), ctx.load("test", media=False, config="asr_s1")
        )
    return ctx.state["asr"]


def psr(ctx: BaselineContext) -> dict[str, Any]:
    """Step-completion events read off the ASR baseline's state changes (PSR)."""
    from proceval.benchmarks.impact import baselines as models
    from proceval.benchmarks.impact.formats.procedure_graph import load_component_alias, load_procedure_graph

    asr_preds = asr(ctx)
    asr_test = ctx.load("test", media=False, config="asr_s1")
    graph = load_procedure_graph(ctx.release, "psr")
    events = models.psr_from_asr(
        asr_preds, list(asr_test[0]["component_names"]), list(graph.nodes), load_component_alias(ctx.release)
    )
    test_ids = set(ctx.load("test", media=False)["video_id"])
    return {vid: ev for vid, ev in events.items() if vid in test_ids}


def atr(ctx: BaselineContext) -> dict[str, Any]:
    """Colour-feature logistic scores per anomaly type (ATR)."""
    from proceval.benchmarks.impact import baselines as models

    return models.atr(ctx.load("train"), ctx.load("test"))
