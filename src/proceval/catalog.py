"""What proceval offers: benchmarks and metric modules, for ``proceval list`` and the demo.

The metric table is the one place that says which score function a metric module wraps, which
config tasks it scores, and which direction is better for its headline key.
"""

from __future__ import annotations

from dataclasses import dataclass

BENCHMARKS: dict[str, str] = {
    "impact": "IMPACT: five-view industrial angle-grinder assembly (TAS, CV, AF, PSR, ASR, PPR, ATR; splits S1-S4)",
    "egoproactive": "Pro2Bench / EgoProactive: proactive assistance (interrupt or silent, what to say)",
    "procobject": "ProcObject-10K: grounded open-ended VideoQA (answer + temporal evidence spans)",
}


@dataclass(frozen=True)
class MetricEntry:
    """A metric module: its folder name, what it scores and its headline result key."""

    name: str
    benchmark: str
    tasks: tuple[str, ...]
    summary: str
    headline: str
    higher_is_better: bool = True


METRICS: tuple[MetricEntry, ...] = (
    MetricEntry("tas", "impact", ("tas_s", "tas_bl", "tas_br"), "MoF, Edit, F1@{10,25,50}", "f1_at_50"),
    MetricEntry("ppr", "impact", ("ppr_l", "ppr_r"), "phase accuracy, Macro-F1, per-class F1", "macro_f1"),
    MetricEntry(
        "cv_ta",
        "impact",
        ("cv_ta",),
        "R@1, R@5, MedR, coverage (TA-Local/Global, Exo->Ego)",
        "overall_recall_at_1",
    ),
    MetricEntry(
        "cv_smr", "impact", ("cv_smr",), "R@1, R@5, mAP (other trial, other view gallery)", "overall_map"
    ),
    MetricEntry(
        "cv_smc", "impact", ("cv_smc",), "Top-1, Macro-F1 at verb / noun / verb-noun level", "macro_f1"
    ),
    MetricEntry(
        "af_s",
        "impact",
        ("af_s",),
        "mean top-5 recall per hand (action, verb, noun)",
        "overall_action_mean_top5_recall",
    ),
    MetricEntry(
        "af_l", "impact", ("af_l",), "ED@Z and AUED, best of K (Ego4D)", "aued", higher_is_better=False
    ),
    MetricEntry("psr", "impact", ("psr",), "step completion F1, delay (s), POS (partial order)", "mean_f1"),
    MetricEntry("asr", "impact", ("asr",), "Macro-F1, Transition F1, Final-State Accuracy", "macro_f1"),
    MetricEntry(
        "atr", "impact", ("atr_l", "atr_r"), "per-class AP and mAP over six anomaly types", "mean_ap"
    ),
)


def metric(name: str) -> MetricEntry:
    """The catalog entry of metric ``name``; an unknown name lists the known ones."""
    for entry in METRICS:
        if entry.name == name:
            return entry
    raise ValueError(
        f"Expected a metric name (one of: {', '.join(m.name for m in METRICS)}), but got {name!r}."
    )
