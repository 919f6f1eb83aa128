"""Split bundles of the sample IMPACT release, built with the official protocol semantics.

* S1 (IID): video-level random split. The test set is shared by the CAS and FAS bundles; train / val
  membership is drawn separately for CAS and FAS (as in the release).
* S2 (cross-subject): CAS test = the exo videos of one subject, whose ego videos stay in CAS train (the
  release's leak); FAS test = every view of a *different* subject (the release's CAS/FAS S2 test
  subjects differ).
* S3 (cross-configuration): test = every trial of configuration B, trial-disjoint from train / val.
* S4 (exo -> ego): test = every ego video; train / val are exo only.

Parts are ``train`` / ``val`` / ``test``; ids are canonical ``..._clipped`` video ids.
"""

from __future__ import annotations

import numpy as np

from proceval.benchmarks.impact.formats.naming import VideoName
from proceval.benchmarks.impact.sample.plan import TrialPlan

PARTS: tuple[str, ...] = ("train", "val", "test")
VIEWS_ORDER: tuple[str, ...] = ("ego", "front", "left", "right", "top")

Bundles = dict[int, dict[str, list[str]]]  # protocol -> part -> video ids


def video_ids(plan: TrialPlan, views: tuple[str, ...] = VIEWS_ORDER) -> list[str]:
    """Canonical video ids of a trial's ``views``."""
    return [VideoName(plan.trial, v).video_id for v in views]


def _subject_trials(plans: list[TrialPlan]) -> list[list[TrialPlan]]:
    order: dict[str, list[TrialPlan]] = {}
    for p in plans:
        order.setdefault(p.subject, []).append(p)
    return list(order.values())


def make_bundles(plans: list[TrialPlan], seed: int) -> dict[str, Bundles]:
    """Bundles of the ``"CAS"`` and ``"FAS"`` families for protocols 1..4 (test sorted, train shuffled)."""
    rng = np.random.default_rng([seed, 31337])
    all_videos = [v for p in plans for v in video_ids(p)]
    exo = ("front", "left", "right", "top")
    # S1: shared test, separate train/val draws.
    perm = [all_videos[i] for i in rng.permutation(len(all_videos))]
    n_test = max(1, round(0.25 * len(perm)))
    s1_test, rest = perm[:n_test], perm[n_test:]
    n_val = max(1, round(0.15 * len(perm)))
    s1 = {}
    for fam in ("CAS", "FAS"):
        order = [rest[i] for i in rng.permutation(len(rest))]
        s1[fam] = {"train": order[n_val:], "val": order[:n_val], "test": s1_test}
    # S2: subjects.
    groups = _subject_trials(plans)
    cas_test_subj, fas_test_subj, other = groups[1], groups[2], groups[0]
    s2_cas_test = [v for p in cas_test_subj for v in video_ids(p, exo)]
    s2_cas_val = [v for p in fas_test_subj for v in video_ids(p)]
    s2_fas_test = [v for p in fas_test_subj for v in video_ids(p)]
    s2_fas_val = [v for p in other for v in video_ids(p)]
    s2 = {
        "CAS": {
            "train": [v for v in all_videos if v not in set(s2_cas_test) | set(s2_cas_val)],
            "val": s2_cas_val,
            "test": s2_cas_test,
        },
        "FAS": {
            "train": [v for v in all_videos if v not in set(s2_fas_test) | set(s2_fas_val)],
            "val": s2_fas_val,
            "test": s2_fas_test,
        },
    }
    # S3: configuration B is the test configuration; the last configuration-A trial validates.
    cfg_a = [p for p in plans if p.configuration == "A"]
    cfg_b = [p for p in plans if p.configuration == "B"]
    s3_parts = {
        "train": [v for p in cfg_a[:-1] for v in video_ids(p)],
        "val": [v for p in cfg_a[-1:] for v in video_ids(p)],
        "test": [v for p in cfg_b for v in video_ids(p)],
    }
    # S4: every ego video is test; one trial's exo views validate (a different trial for CAS and FAS).
    s4 = {}
    for fam, val_idx in (("CAS", 1), ("FAS", 2)):
        val = video_ids(plans[val_idx], exo)
        s4[fam] = {
            "train": [v for p in plans for v in video_ids(p, exo) if v not in val],
            "val": val,
            "test": [v for p in plans for v in video_ids(p, ("ego",))],
        }
    out: dict[str, Bundles] = {}
    for fam in ("CAS", "FAS"):
        fam_rng = np.random.default_rng([seed, 4242, 0 if fam == "CAS" else 1])
        raw = {1: s1[fam], 2: s2[fam], 3: s3_parts, 4: s4[fam]}
        out[fam] = {}
        for proto, parts in raw.items():
            out[fam][proto] = {}
            for part in PARTS:
                ids = list(parts[part])
                if part == "test":
                    ids = sorted(ids)
                else:
                    ids = [ids[i] for i in fam_rng.permutation(len(ids))]
                out[fam][proto][part] = ids
    return out


def make_asr_split(plans: list[TrialPlan], seed: int) -> dict[str, list[TrialPlan]]:
    """Front-view ASR / PSR split1, stratified by workflow (one test trial per workflow, one val trial)."""
    rng = np.random.default_rng([seed, 3407])
    parts: dict[str, list[TrialPlan]] = {"train": [], "val": [], "test": []}
    for k, wf in enumerate(("assemble", "disassemble")):
        group = [p for p in plans if p.workflow == wf]
        group = [group[i] for i in rng.permutation(len(group))]
        parts["test"].append(group[0])
        if k == 0:
            parts["val"].append(group[1])
            parts["train"].extend(group[2:])
        else:
            parts["train"].extend(group[1:])
    for part in parts:
        parts[part].sort(key=lambda p: p.trial)
    return parts
