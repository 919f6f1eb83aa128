"""Pictures of results: every PNG is non-blank and of the documented size, and its data round-trips.

The hooks (``Task.plots``) are called on small hand-made splits scored by the tasks' own adapters, so
each plotted number can be compared with the result it came from: per-class F1 bar heights are the
result's ``per_class_f1``, the area under each precision-recall step curve is its ``per_class_ap``, the
recall@k points are the result's ``overall_recall_at_<k>``, the confusion matrix's diagonal gives the
frame accuracy, decision timelines give each session's TP / FP / TN / FN, and the IoU histogram holds
the per-question IoU whose mean is ``mean_iou``.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import datasets
import numpy as np
import pytest
from PIL import Image

from proceval.errors import InputValidationError
from proceval.evaluation.plots import plot_specs, write_plots
from proceval.hub import plots as hp
from proceval.registry import get_benchmark

STEPS = ["background", "open lid", "pour water", "close lid"]


def _check_png(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == (hp.WIDTH_PX, hp.HEIGHT_PX) == (960, 540)
    rgb = np.asarray(image.convert("RGB"))
    non_white = np.any(rgb < 245, axis=2).mean()
    packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    colours = len(np.unique(packed))
    assert non_white > 0.02, f"blank picture ({non_white:.3%} non-white pixels)"
    assert colours > 8


def _frames(spans: tuple[hp.Span, ...], scale: float) -> list[int]:
    """Back from spans to one label per step (the inverse of ``runs``)."""
    out: list[int] = []
    for s in spans:
        out += [s.label] * round((s.end - s.start) / scale)
    return out


def _task(benchmark: str, name: str):
    return get_benchmark(benchmark).get_task(name)


# --------------------------------------------------------------------------------------- generic


def test_runs_confusion_and_file_stem_by_hand():
    assert hp.runs([0, 0, 3, 3, 3, 1], scale=0.5) == (
        hp.Span(0.0, 1.0, 0),
        hp.Span(1.0, 2.5, 3),
        hp.Span(2.5, 3.0, 1),
    )
    assert hp.runs([]) == ()
    m = hp.confusion_counts(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]), 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    with pytest.raises(InputValidationError, match=r"Expected class ids in \[0, 3\)"):
        hp.confusion_counts(np.array([0, 3]), np.array([0, 0]), 3)
    with pytest.raises(InputValidationError, match="equal length"):
        hp.confusion_counts(np.array([0, 1]), np.array([0]), 3)
    assert hp.file_stem("timeline_a/b c:<d>.mp4") == "timeline_a_b_c_d_.mp4"
    assert hp.file_stem("///") == "plot"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_precision_recall_area_is_the_official_average_precision(seed):
    from proceval.scores.atr import average_precision

    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 5, 40) / 4.0  # many ties: the stable order decides, as in the AP
    labels = rng.integers(0, 2, 40)
    recall, precision = hp.precision_recall(scores, labels)
    assert recall[0] == 0.0 and recall[-1] == 1.0 and len(recall) == labels.sum() + 1
    assert float(np.sum(np.diff(recall) * precision[1:])) == pytest.approx(average_precision(scores, labels))
    assert hp.precision_recall(scores, np.zeros(40)) == (pytest.approx([0.0]), pytest.approx([1.0]))


def test_every_kind_renders_at_the_documented_size(tmp_path):
    specs = [
        hp.Timeline(
            "t",
            "T",
            (("ground truth", hp.runs([0, 0, 1, 2])), ("prediction", hp.runs([0, 1, 1, 2]))),
            tuple(STEPS[:3]),
        ),
        hp.Bars("b", "B", ("a", "b", "c"), (0.5, math.nan, 1.0), "F1 (fraction)"),
        hp.Confusion("c", "C", ("a", "b"), np.array([[3, 1], [0, 4]])),
        hp.Curves("k", "K", (hp.Curve("x", (1.0, 2.0, 3.0), (0.2, 0.5, 0.9)),), "k", "recall@k"),
        hp.Histogram(
            "h", "H", (0.1, 0.2, 0.25, math.nan, 0.9), (0.0, 0.5, 1.0), "IoU", "questions", (("m", 0.3),)
        ),
        hp.Bars("b", "same name", ("a",), (0.3,), "F1"),
    ]
    paths = hp.render_plots(specs, tmp_path)
    assert [p.name for p in paths] == ["t.png", "b.png", "c.png", "k.png", "h.png", "b-2.png"]
    for path in paths:
        _check_png(path.read_bytes())
    assert specs[4].counts().tolist() == [3, 1]  # NaN left out
    with pytest.raises(InputValidationError, match=r"Expected timeline labels in \[0, 1\)"):
        hp.render_png(hp.Timeline("t", "T", (("gt", hp.runs([0, 1])),), ("a",)))
    with pytest.raises(InputValidationError, match="Expected a 2x2 confusion matrix"):
        hp.render_png(hp.Confusion("c", "C", ("a", "b"), np.zeros((3, 3))))
    with pytest.raises(InputValidationError, match="Expected a plot specification"):
        hp.render_png("not a spec")  # type: ignore[arg-type]


def test_write_plots_without_a_hook_writes_nothing_and_bad_hooks_are_named(tmp_path):
    import dataclasses

    task = _task("impact", "psr")
    assert task.plots is None
    assert write_plots(task, None, {}, {}, tmp_path) == []
    bad = dataclasses.replace(task, plots=lambda ds, p, r: ["nope"])
    with pytest.raises(
        InputValidationError, match="Expected the plots of task 'psr' to be plot specifications"
    ):
        plot_specs(bad, None, {}, {})


# --------------------------------------------------------------------------------------- frame tasks


def _frame_split(names: list[str], labels: dict[str, list[int]], fps: float = 10.0) -> datasets.Dataset:
    features = datasets.Features(
        {
            "video_id": datasets.Value("string"),
            "fps": datasets.Value("float32"),
            "labels": datasets.List(datasets.ClassLabel(names=names)),
        }
    )
    return datasets.Dataset.from_dict(
        {"video_id": list(labels), "fps": [fps] * len(labels), "labels": list(labels.values())},
        features=features,
    )


def test_tas_timelines_and_confusion_round_trip(tmp_path):
    from proceval.benchmarks.impact.adapters import score_tas

    refs = {"v1": [0] * 5 + [1] * 10 + [2] * 10 + [3] * 5, "v2": [0] * 4 + [2] * 8 + [3] * 8}
    preds = {
        "v1": [0] * 7 + [1] * 8 + [2] * 12 + [3] * 3,
        "v2": [STEPS[i] for i in [0] * 4 + [1] * 4 + [2] * 4 + [3] * 8],
    }
    ds = _frame_split(STEPS, refs)
    result = score_tas(ds, preds, {}, None)
    task = _task("impact", "tas_s")
    specs = plot_specs(task, ds, preds, {"scores": result})
    timelines = [s for s in specs if isinstance(s, hp.Timeline)]
    assert [t.name for t in timelines] == ["timeline_v1", "timeline_v2"]
    for t, vid in zip(timelines, refs, strict=True):
        assert t.class_names == tuple(STEPS) and t.xlabel == "time (s)"
        (gt_name, gt), (pred_name, pred) = t.tracks
        assert (gt_name, pred_name) == ("ground truth", "prediction")
        assert _frames(gt, 0.1) == refs[vid]
        assert _frames(pred, 0.1) == [STEPS.index(x) if isinstance(x, str) else x for x in preds[vid]]
        assert gt[-1].end == pytest.approx(len(refs[vid]) / 10.0)  # seconds, exclusive end
    (confusion,) = [s for s in specs if isinstance(s, hp.Confusion)]
    assert confusion.class_names == tuple(STEPS)
    assert confusion.matrix.sum() == result["num_frames"] == 50
    assert np.trace(confusion.matrix) / confusion.matrix.sum() == pytest.approx(result["accuracy"])
    paths = write_plots(task, ds, preds, result, tmp_path)
    assert sorted(p.name for p in paths) == ["confusion_matrix.png", "timeline_v1.png", "timeline_v2.png"]
    for path in paths:
        _check_png(path.read_bytes())


def test_ppr_per_class_f1_bars_are_the_result(tmp_path):
    from proceval.benchmarks.impact.adapters import score_ppr

    names = ["NORMAL", "ANOMALY", "RECOVERY"]
    refs = {"a": [0] * 10 + [1] * 6 + [2] * 4, "b": [0] * 12 + [2] * 8}
    preds = {"a": [0] * 12 + [1] * 3 + [2] * 5, "b": [0] * 8 + [1] * 4 + [2] * 8}
    ds = _frame_split(names, refs, fps=25.0)
    result = score_ppr(ds, preds, {}, None)
    task = _task("impact", "ppr_l")
    specs = plot_specs(task, ds, preds, result)
    (bars,) = [s for s in specs if isinstance(s, hp.Bars)]
    assert bars.labels == tuple(names)
    assert bars.values == pytest.approx(tuple(result["per_class_f1"].values()))
    assert len([s for s in specs if isinstance(s, hp.Timeline)]) == 2
    for path in write_plots(task, ds, preds, result, tmp_path):
        _check_png(path.read_bytes())


def test_frame_plots_name_a_missing_or_short_prediction():
    ds = _frame_split(STEPS, {"v1": [0, 1, 1]})
    task = _task("impact", "tas_s")
    with pytest.raises(InputValidationError, match="Expected a prediction for video 'v1'"):
        plot_specs(task, ds, {}, {})
    with pytest.raises(InputValidationError, match="Expected 3 frame labels for video 'v1', but got 2"):
        plot_specs(task, ds, {"v1": [0, 1]}, {})


# --------------------------------------------------------------------------------------- ATR


def test_atr_precision_recall_areas_are_the_per_class_ap(tmp_path):
    from proceval.benchmarks.impact.adapters import score_atr
    from proceval.scores.atr import ATR_CLASSES

    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, (30, 6))
    labels[:, 3] = 0  # a class without positives: no curve, NaN AP
    labels[5] = 0  # an unlabeled segment: skipped by the score and the curves
    ds = datasets.Dataset.from_dict(
        {"sample_id": [f"s{i}" for i in range(30)], "labels": labels.tolist()},
        features=datasets.Features(
            {"sample_id": datasets.Value("string"), "labels": datasets.List(datasets.Value("int8"), length=6)}
        ),
    )
    preds = {f"s{i}": (labels[i] * 0.4 + rng.random(6)).tolist() for i in range(30)}
    result = score_atr(ds, preds, {}, None)
    assert result["num_unlabeled_skipped"] == 1
    (curves,) = plot_specs(_task("impact", "atr_l"), ds, preds, result)
    drawn = {c.label.split(" ")[0]: c for c in curves.curves}
    assert set(drawn) == {n for n in ATR_CLASSES if n != ATR_CLASSES[3]}
    assert ATR_CLASSES[3] in curves.title
    for name, curve in drawn.items():
        area = float(np.sum(np.diff(curve.x) * np.asarray(curve.y[1:])))
        assert area == pytest.approx(result["per_class_ap"][name])
        assert f"AP {result['per_class_ap'][name]:.2f}" in curve.label
    for path in write_plots(_task("impact", "atr_l"), ds, preds, result, tmp_path):
        _check_png(path.read_bytes())


# --------------------------------------------------------------------------------------- EgoProactive


def test_intervention_timelines_count_the_result_per_session(tmp_path):
    from proceval.benchmarks.pro2bench.adapters import score_intervention

    i, s = "$interrupt$ hold the lid", "$silent$"
    refs = {"s1.mp4": [s, i, i, s, s], "s2.mp4": [i, s, s]}
    preds = {"s1.mp4": [s, s, i, i, s], "s2.mp4": {"answers": [i, i, "no tag"]}}
    ds = datasets.Dataset.from_dict(
        {
            "video_path": list(refs),
            "video_intervals": [
                [[8.0 * k, 8.0 * k + 8] for k in range(5)],
                [[0.0, 1.0]],
            ],  # s2: lengths differ
            "answers": list(refs.values()),
            "task": ["tea", "tea"],
            "domain": ["cooking", "cooking"],
            "query": ["q", "q"],
        }
    )
    result = score_intervention(ds, preds, {}, None)
    task = _task("pro2bench", "intervention")
    specs = plot_specs(task, ds, preds, result)
    assert [t.name for t in specs] == ["decisions_s1.mp4", "decisions_s2.mp4"]
    assert [t.xlabel for t in specs] == ["time (s)", "decision chunk"]
    for spec in specs:
        vid = spec.name.removeprefix("decisions_")
        assert spec.class_names == ("silent", "interrupt")
        (_, ref), (_, pred) = spec.tracks
        r, p = np.array([x.label for x in ref], bool), np.array([x.label for x in pred], bool)
        counts = {"tp": (r & p).sum(), "fp": (~r & p).sum(), "tn": (~r & ~p).sum(), "fn": (r & ~p).sum()}
        expected = {k: result["per_session"][vid][k] for k in counts}
        assert {k: int(v) for k, v in counts.items()} == expected
        assert f"TP {expected['tp']}, FP {expected['fp']}" in spec.title
    assert specs[0].tracks[0][1][2] == hp.Span(16.0, 24.0, 1)  # chunk 2 of s1 spans 16-24 s
    for path in write_plots(task, ds, preds, result, tmp_path):
        _check_png(path.read_bytes())


def test_decision_point_timelines_group_rows_by_session():
    from proceval.benchmarks.pro2bench.adapters import score_intervention_decisions

    i, s = "$interrupt$ stop", "$silent$"
    rows = [  # (decision_id, session, interval_index, start_s, reference answer), out of order on purpose
        ("a/1", "a", 1, 8.0, i),
        ("a/0", "a", 0, 0.0, s),
        ("b/0", "b", 0, 0.0, i),
        ("a/2", "a", 2, 16.0, i),
    ]
    ds = datasets.Dataset.from_dict(
        {
            "decision_id": [r[0] for r in rows],
            "session_id": [r[1] for r in rows],
            "interval_index": [r[2] for r in rows],
            "start_s": [r[3] for r in rows],
            "end_s": [r[3] + 8.0 for r in rows],
            "answer": [r[4] for r in rows],
            "task": ["t"] * 4,
            "domain": ["d"] * 4,
            "query": ["q"] * 4,
        }
    )
    preds = {"a/0": i, "a/1": {"answer": i, "rating": None}, "a/2": s, "b/0": i}
    result = score_intervention_decisions(ds, preds, {}, None)
    specs = plot_specs(_task("pro2bench", "intervention_decisions"), ds, preds, result)
    assert [t.name for t in specs] == ["decisions_a", "decisions_b"]
    (_, ref), (_, pred) = specs[0].tracks
    assert ref == (hp.Span(0.0, 8.0, 0), hp.Span(8.0, 16.0, 1), hp.Span(16.0, 24.0, 1))
    assert [x.label for x in pred] == [1, 1, 0]
    assert result["per_session"]["a"]["tp"] == 1 and "TP 1, FP 1, TN 0, FN 1" in specs[0].title
    with pytest.raises(InputValidationError, match="Expected a prediction for decision point 'b/0'"):
        plot_specs(
            _task("pro2bench", "intervention_decisions"),
            ds,
            {k: v for k, v in preds.items() if k != "b/0"},
            {},
        )


# --------------------------------------------------------------------------------------- grounding


def test_iou_histogram_holds_the_per_question_iou(tmp_path):
    from proceval.scores.grounding import grounding_scores

    gold = [[[0.0, 4.0]], [[2.0, 6.0]], [[1.0, 2.0]], [[0.0, 10.0]]]
    pred = [[[0.0, 2.0]], [[2.0, 6.0]], [[5.0, 6.0]], []]
    result = grounding_scores(pred, gold, empty_prediction="skip")
    (hist,) = plot_specs(_task("procobject", "grounding"), None, {}, result)
    values = np.asarray(hist.values)
    assert np.isnan(values[3]) and "1 left out" in hist.title
    assert values[:3] == pytest.approx([0.5, 1.0, 0.0])
    assert float(np.nanmean(values)) == pytest.approx(result["mean_iou"])
    assert hist.counts().sum() == 3 and hist.counts()[-1] == 1  # IoU 1.0 lands in the closed last bin
    assert hist.marks == (("mean IoU 0.50", pytest.approx(0.5)),)
    for path in write_plots(_task("procobject", "grounding"), None, {}, result, tmp_path):
        _check_png(path.read_bytes())
    with pytest.raises(InputValidationError, match="per_question"):
        plot_specs(_task("procobject", "grounding"), None, {}, {"mean_iou": 0.5})


# --------------------------------------------------------------------------------------- cross-view


@pytest.fixture(scope="module")
def cv_split(sample_release: Path, tmp_path_factory):
    from proceval.benchmarks.impact.adapters import cv_segment_labels
    from proceval.benchmarks.impact.load import load_impact

    release = sample_release / "impact" / "impact-release"
    cache = tmp_path_factory.mktemp("arrow")
    out = {}
    rng = np.random.default_rng(0)
    for config in ("cv_ta_s1", "cv_smr_s1"):
        ds = load_impact(release, config, split="test", cache_dir=cache)
        labels = cv_segment_labels(ds)
        names = sorted(set(labels.values()))
        eye = np.eye(len(names))
        preds = {
            k: (eye[names.index(v)] + rng.normal(0, 0.7, len(names))).tolist() for k, v in labels.items()
        }
        out[config] = (ds, preds)
    return out


def test_recall_at_k_curves_hold_the_result(cv_split, tmp_path):
    from proceval.benchmarks.impact.adapters import score_cv_smr, score_cv_ta
    from proceval.registry import EvalContext

    ds, preds = cv_split["cv_ta_s1"]
    ctx = EvalContext(config="cv_ta_s1", protocol="s1", dataset_dir=Path("."), load_split=lambda s: ds)
    result = score_cv_ta(ds, preds, {}, ctx)
    (spec,) = plot_specs(_task("impact", "cv_ta"), ds, preds, result)
    assert [c.label for c in spec.curves] == ["TA-local", "TA-global"]
    for curve, protocol in zip(spec.curves, ("local", "global"), strict=True):
        assert curve.x == tuple(float(k) for k in range(1, 21))
        assert curve.y[0] == pytest.approx(result[protocol]["overall_recall_at_1"])
        assert curve.y[4] == pytest.approx(result[protocol]["overall_recall_at_5"])
        assert all(a <= b for a, b in zip(curve.y, curve.y[1:]))  # recall@k never falls with k
    _check_png(hp.render_png(spec))

    ds, preds = cv_split["cv_smr_s1"]
    result = score_cv_smr(ds, preds, {}, ctx)
    (spec,) = plot_specs(_task("impact", "cv_smr"), ds, preds, result)
    (curve,) = spec.curves
    assert (curve.y[0], curve.y[4]) == pytest.approx(
        (result["overall_recall_at_1"], result["overall_recall_at_5"])
    )
    assert [p.name for p in write_plots(_task("impact", "cv_smr"), ds, preds, result, tmp_path)] == [
        "recall_at_k.png"
    ]


def test_cli_evaluate_plots_writes_the_pictures(demo_baselines, tmp_path, capsys):
    """``proceval evaluate --plots DIR``: the task's pictures next to the printed result."""
    import json

    from proceval.cli import main

    sources, predictions = demo_baselines
    preds = tmp_path / "preds.json"
    preds.write_text(json.dumps(predictions["tas_s_s1"]))
    out = tmp_path / "plots"
    argv = ["evaluate", "tas", "--source", str(sources["impact"]), "--config", "tas_s_s1"]
    argv += ["--predictions", str(preds), "--cache-dir", str(sources["cache"]), "--plots", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr()
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert f"wrote {len(pngs)} pictures to {out}" in printed.err
    assert "confusion_matrix.png" in pngs
    timelines = [n for n in pngs if n.startswith("timeline_")]
    assert len(timelines) == min(8, len(predictions["tas_s_s1"]))
    assert "plots" not in json.loads(printed.out)  # the printed result stays the score
    with Image.open(out / "confusion_matrix.png") as img:
        assert img.size == (hp.WIDTH_PX, hp.HEIGHT_PX)


@pytest.mark.parametrize("inside", [False, True])
def test_cli_evaluate_result_records_its_pictures(demo_baselines, tmp_path, capsys, inside):
    """``--model-id --out FILE --plots DIR``: the result lists its PNGs relative to its folder, with titles."""
    import json

    from proceval.cli import main
    from proceval.evaluation.results import read_result

    sources, predictions = demo_baselines
    preds = tmp_path / "preds.json"
    preds.write_text(json.dumps(predictions["tas_s_s1"]))
    out = tmp_path / "results" / "org__m" / "tas_s_s1.json"
    plots = out.parent / "pictures" if inside else tmp_path / "plots"
    argv = ["evaluate", "tas", "--source", str(sources["impact"]), "--config", "tas_s_s1"]
    argv += ["--predictions", str(preds), "--cache-dir", str(sources["cache"]), "--plots", str(plots)]
    argv += ["--model-id", "org/m", "--confidence-n", "20", "--out", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    recorded = read_result(out)["plots"]
    written = sorted(p.name for p in plots.glob("*.png"))
    folder = "pictures" if inside else "tas_s_s1.plots"
    assert sorted(p["file"] for p in recorded) == [f"{folder}/{name}" for name in written]
    assert (out.parent / "pictures").exists() == inside and (out.parent / "tas_s_s1.plots").exists() != inside
    for p in recorded:
        assert (out.parent / p["file"]).read_bytes() == (plots / Path(p["file"]).name).read_bytes()
    captions = {Path(p["file"]).name: p["caption"] for p in recorded}
    assert "frame confusion matrix" in captions["confusion_matrix.png"]  # the spec's title
    assert all(c.strip() for c in captions.values())
