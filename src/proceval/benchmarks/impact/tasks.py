"""IMPACT's task declarations: one :class:`~proceval.registry.Task` per task family.

Each declaration says, once, which configs a task has, which metric scores it, how predictions are keyed,
what the bootstrap resamples and which keys a results table shows (with direction, range and unit).
The references and predictions are read by the functions of :mod:`proceval.benchmarks.impact.adapters`.
"""

from __future__ import annotations

from proceval.benchmarks.impact import demo_baselines as bl
from proceval.registry import Headline, Lazy, LazyModule, Task

# Adapters, plots and options are named, not imported: declaring IMPACT imports none of them (registry.Lazy).
ad = LazyModule("proceval.benchmarks.impact.adapters")
ip = LazyModule("proceval.benchmarks.impact.plots")
AfLOptions = Lazy("proceval.scores.af_l:AfLOptions")
AfSOptions = Lazy("proceval.scores.af_s:AfSOptions")
AsrOptions = Lazy("proceval.scores.asr:AsrOptions")
AtrOptions = Lazy("proceval.scores.atr:AtrOptions")
CvSmcOptions = Lazy("proceval.scores.cv_smc:CvSmcOptions")
CvSmrOptions = Lazy("proceval.scores.cv_smr:CvSmrOptions")
CvTaOptions = Lazy("proceval.scores.cv_ta:CvTaOptions")
PprOptions = Lazy("proceval.scores.ppr:PprOptions")
PsrOptions = Lazy("proceval.scores.psr:PsrOptions")
TasOptions = Lazy("proceval.scores.tas:TasOptions")

PROTOCOLS: tuple[str, ...] = ("s1", "s2", "s3", "s4")


def _configs(task: str, protocols: tuple[str, ...] = PROTOCOLS) -> tuple[str, ...]:
    return tuple(f"{task}_{p}" for p in protocols)


F = Headline
_TAS_HEADLINE = (F("f1_at_50"), F("accuracy"), F("edit"), F("f1_at_10"), F("f1_at_25"))
_FRAME_IDS = "``video_id``"
_SEGMENT_IDS = '``"{video_id}:{segment_index}"`` (non-null segments)'
_TAS_S_DEMO_NOTE = (
    "1.000 is expected on the sample: each frame is drawn in its coarse step's colour and the baseline "
    "(nearest colour centroid per frame) reads that colour back; it says nothing about real video."
)


def _tas(name: str, title: str, demo_note: str = "") -> Task:
    return Task(
        name=name,
        benchmark="impact",
        metric="tas",
        configs=_configs(name),
        id_column="video_id",
        ids=ad.frame_ids,
        ids_doc=_FRAME_IDS,
        prediction_doc="per-frame labels (ids or official names), one per frame",
        resample="video",
        score=ad.score_tas,
        options=TasOptions,
        headline=_TAS_HEADLINE,
        summary=f"{title}: MoF, Edit, F1@{{10,25,50}}",
        baseline=bl.frame_task,
        plots=ip.tas_plots,
        demo_note=demo_note,
    )


def _ppr(name: str, hand: str) -> Task:
    return Task(
        name=name,
        benchmark="impact",
        metric="ppr",
        configs=_configs(name),
        id_column="video_id",
        ids=ad.frame_ids,
        ids_doc=_FRAME_IDS,
        prediction_doc="per-frame phase labels (ids or official names), one per frame",
        resample="video",
        score=ad.score_ppr,
        options=PprOptions,
        headline=(F("macro_f1"), F("accuracy")),
        summary=f"procedure phase, {hand} hand: phase accuracy, Macro-F1, per-class F1",
        baseline=bl.frame_task,
        plots=ip.ppr_plots,
    )


def _atr(name: str, hand: str) -> Task:
    return Task(
        name=name,
        benchmark="impact",
        metric="atr",
        configs=_configs(name),
        id_column="sample_id",
        ids=ad.atr_ids,
        ids_doc="``sample_id``",
        prediction_doc="six scores (one per anomaly type)",
        resample="sample",
        score=ad.score_atr,
        options=AtrOptions,
        headline=(F("mean_ap"),),
        summary=f"anomaly type, {hand} hand: per-class AP and mAP over six anomaly types",
        baseline=bl.atr,
        plots=ip.atr_plots,
    )


TASKS: tuple[Task, ...] = (
    _tas("tas_s", "coarse steps", demo_note=_TAS_S_DEMO_NOTE),
    _tas("tas_bl", "left-hand actions"),
    _tas("tas_br", "right-hand actions"),
    _ppr("ppr_l", "left"),
    _ppr("ppr_r", "right"),
    Task(
        name="cv_ta",
        benchmark="impact",
        metric="cv_ta",
        configs=_configs("cv_ta"),
        id_column="video_id:segment_index",
        ids=ad.cv_ids,
        ids_doc=_SEGMENT_IDS,
        prediction_doc="embedding vector",
        resample="query",
        score=ad.score_cv_ta,
        options=CvTaOptions,
        extra_options={"protocols": (None, "protos")},
        headline=(
            F("local:overall_recall_at_1"),
            F("global:overall_recall_at_1"),
            F("exo2ego:overall_recall_at_1"),
            F("local:overall_recall_at_5"),
            F("global:overall_recall_at_5"),
            F("exo2ego:overall_recall_at_5"),
            F("local:overall_median_rank", higher_is_better=False, range=(1.0, None), unit="rank"),
            F("global:overall_median_rank", higher_is_better=False, range=(1.0, None), unit="rank"),
            F("exo2ego:overall_median_rank", higher_is_better=False, range=(1.0, None), unit="rank"),
            F("local:overall_coverage"),
            F("global:overall_coverage"),
            F("exo2ego:overall_coverage"),
        ),
        summary="R@1, R@5, MedR, coverage (TA-Local/Global, Exo->Ego)",
        baseline=bl.segment_embeddings,
        plots=ip.cv_ta_plots,
    ),
    Task(
        name="cv_smr",
        benchmark="impact",
        metric="cv_smr",
        configs=_configs("cv_smr"),
        id_column="video_id:segment_index",
        ids=ad.cv_ids,
        ids_doc=_SEGMENT_IDS,
        prediction_doc="embedding vector",
        resample="query",
        score=ad.score_cv_smr,
        options=CvSmrOptions,
        headline=(F("overall_map"), F("overall_recall_at_1"), F("overall_recall_at_5")),
        summary="R@1, R@5, mAP (other trial, other view gallery)",
        baseline=bl.segment_embeddings,
        plots=ip.cv_smr_plots,
    ),
    Task(
        name="cv_smc",
        benchmark="impact",
        metric="cv_smc",
        configs=_configs("cv_smc"),
        id_column="video_id:segment_index",
        ids=ad.cv_ids,
        ids_doc=_SEGMENT_IDS,
        prediction_doc="coarse label (lower-case name or id)",
        resample="segment",
        score=ad.score_cv_smc,
        options=CvSmcOptions,
        extra_options={"label_levels": (None, "levels")},
        headline=tuple(
            F(f"{level}:{key}")
            for level in ("coarse", "verb", "noun", "verb_noun")
            for key in ("top1_accuracy", "macro_f1")
        ),
        summary="Top-1, Macro-F1 at coarse / verb / noun / verb-noun level",
        baseline=bl.cv_smc,
        demo_note=(
            "1.000 is expected on the sample: each segment is drawn in its coarse step's colour and the "
            "baseline (nearest centroid of a segment's mean colour) reads that colour back; it says nothing "
            "about real video."
        ),
    ),
    Task(
        name="af_s",
        benchmark="impact",
        metric="af_s",
        configs=("af_s_s1",),
        id_column="video_id:segment_index",
        ids=ad.af_s_ids,
        ids_doc='``"{video_id}:{segment_index}"``',
        prediction_doc='``{"action": scores or ranked ids, "verb": ..., "noun": ...}``',
        resample="instance",
        score=ad.score_af_s,
        options=AfSOptions,
        extra_options={"instances": ("official", "inst")},
        headline=(
            F("overall_action_mean_top5_recall"),
            F("left_action_mean_top5_recall"),
            F("right_action_mean_top5_recall"),
        ),
        summary="mean top-5 recall per hand (action, verb, noun)",
        baseline=bl.af_s,
    ),
    Task(
        name="af_l",
        benchmark="impact",
        metric="af_l",
        configs=("af_l_s1",),
        id_column="video_id:instance_index",
        ids=ad.af_l_ids,
        ids_doc='``"{video_id}:{instance_index}"``',
        prediction_doc="K candidate futures, each Z step labels (ids or names)",
        resample="instance",
        score=ad.score_af_l,
        options=AfLOptions,
        headline=(
            F("aued", higher_is_better=False),
            F("ed_at_horizon", higher_is_better=False),
        ),
        summary="ED@Z and AUED, best of K (Ego4D)",
        baseline=bl.af_l,
    ),
    Task(
        name="psr",
        benchmark="impact",
        metric="psr",
        configs=("psr_s1",),
        id_column="video_id",
        ids=ad.video_ids,
        ids_doc=_FRAME_IDS,
        prediction_doc='events ``[{"frame": int, "label": str}, ...]`` in time order',
        resample="video",
        score=ad.score_psr,
        options=PsrOptions,
        extra_options={
            # events / procedure_graph / input are signed by the adapter with their resolved values
            "events": ("graph", None),
            "procedure_graph": ("released", None),
            "input": ("events", None),
            "preset": (None, "preset"),
            "return_per_video": (False, None),
        },
        headline=(
            F("mean_f1"),
            F("mean_delay_s", higher_is_better=False, range=(0.0, None), unit="seconds"),
            F("mean_pos"),
        ),
        summary="step completion F1, delay (s), POS (partial order)",
        baseline=bl.psr,
    ),
    Task(
        name="asr",
        benchmark="impact",
        metric="asr",
        configs=("asr_s1",),
        id_column="video_id",
        ids=ad.video_ids,
        ids_doc=_FRAME_IDS,
        prediction_doc='dense states ``[17][T]`` in {-1, 0, 1}, or ``{"frames": [...], "states": [[17 ints], ...]}``',
        resample="video",
        score=ad.score_asr,
        options=AsrOptions,
        headline=(F("macro_f1"), F("transition_f1"), F("final_state_accuracy")),
        summary="Macro-F1, Transition F1, Final-State Accuracy",
        baseline=bl.asr,
    ),
    _atr("atr_l", "left"),
    _atr("atr_r", "right"),
)
