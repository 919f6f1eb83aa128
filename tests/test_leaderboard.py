"""Leaderboards from result files: ranking by direction, tie marks from replicates (exact), apart rows, CLI."""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from proceval.cli import main
from proceval.evaluation.predictions import write_predictions
from proceval.evaluation.results import read_result, write_result
from proceval.hub.leaderboard import (
    CSV_COLUMNS,
    build_leaderboard,
    render_csv,
    render_markdown,
    signature_difference,
    write_leaderboard,
)
from proceval.scores.bootstrap import compare_replicates, keep_replicates, paired_bootstrap
from proceval.scores.ppr import ppr_scores

SIG = "toy|conv:a|bs:{b}|ci:0.95|rs:0|data:toy-1|cfg:c1|split:test|v:0.1.0"


def make(
    model: str,
    value: float | None,
    *,
    reps: list[float] | None = None,
    key: str = "f1",
    higher: bool = True,
    unit: str = "fraction",
    signature: str | None = None,
    created_at: str = "2026-12-06T09:00:00Z",
    config: str = "c1",
) -> dict:
    """A schema-v1 result with one headline key (``reps``: its replicates; None: not bootstrapped)."""
    b = len(reps) if reps is not None else 0
    return {
        "schema_version": 1,
        "kind": "proceval-result",
        "proceval_version": "0.1.0",
        "created_at": created_at,
        "model": {"id": model, "revision": None, "trained_on": []},
        "benchmark": "toy",
        "task": "toy_task",
        "metric": "toy",
        "config": config,
        "split": "test",
        "data_version": "toy-1",
        "signature": signature or SIG.format(b=b),
        "options": {},
        "predictions": {"file": "p.json", "sha256": "0" * 64},
        "headline": [
            {
                "key": key,
                "value": value,
                "higher_is_better": higher,
                "unit": unit,
                "range": [0.0, None],
                "ci": None if reps is None else [min(reps), max(reps)],
            }
        ],
        "scores": {key: value},
        "ci": None,
        "ci_level": None,
        "bootstrap": None
        if reps is None
        else {"n_resamples": b, "seed": 0, "unit": "video", "num_units": 7, "replicates": {key: reps}},
        "judge": None,
        "details": {},
    }


def board(results: list[dict], tmp_path: Path) -> list[dict]:
    pairs = []
    for i, r in enumerate(results):
        path = write_result(tmp_path / "res" / f"{i:02d}.json", r)
        pairs.append((path, read_result(path)))
    return build_leaderboard(pairs, root=tmp_path / "res")


def test_ranking_by_direction_and_shared_ranks(tmp_path: Path) -> None:
    lower = [
        make("org/a", 2.0, key="delay", higher=False, unit="seconds"),
        make("org/b", 0.5, key="delay", higher=False, unit="seconds"),
        make("org/c", 1.0, key="delay", higher=False, unit="seconds"),
        make("org/d", 1.0, key="delay", higher=False, unit="seconds"),
    ]
    (group,) = board(lower, tmp_path)
    assert [(r["rank"], r["model"], r["value"]) for r in group["rows"]] == [
        (1, "org/b", 0.5),
        (2, "org/c", 1.0),
        (2, "org/d", 1.0),
        (4, "org/a", 2.0),
    ]
    assert group["higher_is_better"] is False and group["unit"] == "seconds" and group["apart"] == []
    assert group["rows"][2]["result_file"] == "03.json"
    higher = [make("org/a", 0.2), make("org/b", 0.9), make("org/c", 0.5)]
    (group,) = board(higher, tmp_path / "h")
    assert [r["model"] for r in group["rows"]] == ["org/b", "org/c", "org/a"]
    assert group["rows"][0]["tied_with_leader"] is True and group["rows"][0]["p_value_vs_leader"] is None
    assert group["rows"][1]["tied_with_leader"] is None, "no replicates: no mark"


def test_tie_marks_from_replicates(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(0.6, 0.02, 200)
    leader = make("org/lead", 0.6, reps=base.tolist())
    close = make("org/close", 0.599, reps=(base - 0.001 + rng.normal(0, 0.01, 200)).tolist())
    far = make("org/far", 0.5, reps=(base - 0.1 + rng.normal(0, 0.005, 200)).tolist())
    (group,) = board([far, close, leader], tmp_path)
    rows = {r["model"]: r for r in group["rows"]}
    for name, result in (("org/close", close), ("org/far", far)):
        want = compare_replicates(result["bootstrap"]["replicates"]["f1"], base.tolist())
        assert rows[name]["p_value_vs_leader"] == want["p_value"]
        assert rows[name]["tied_with_leader"] is (want["ci_low"] <= 0 <= want["ci_high"])
    assert rows["org/close"]["tied_with_leader"] is True and rows["org/far"]["tied_with_leader"] is False
    assert rows["org/far"]["p_value_vs_leader"] == pytest.approx(2 / 201)


def test_signature_differences_are_apart_with_the_reason(tmp_path: Path) -> None:
    other = SIG.format(b=0).replace("conv:a", "conv:b").replace("bs:0|", "")
    results = [
        make("org/a", 0.5),
        make("org/b", 0.6),
        make("org/c", 0.9, signature=other),
        make("org/nan", None),
        make("org/d", 0.4, config="c2"),
    ]
    groups = board(results, tmp_path)
    assert [(g["config"], [r["model"] for r in g["rows"]]) for g in groups] == [
        ("c1", ["org/b", "org/a"]),
        ("c2", ["org/d"]),
    ]
    assert board([make("org/x", None), make("org/y", None)], tmp_path / "none") == []
    apart = {r["model"]: r["reason"] for r in groups[0]["apart"]}
    assert apart == {
        "org/c": "signature differs (this vs ranked): conv:b vs conv:a, no bs vs bs:0",
        "org/nan": "no value (NaN)",
    }
    assert groups[0]["signature"] == SIG.format(b=0)


def test_largest_comparable_set_is_ranked(tmp_path: Path) -> None:
    new = SIG.format(b=0).replace("v:0.1.0", "v:0.2.0")
    results = [make("org/a", 0.5), make("org/b", 0.6, signature=new), make("org/c", 0.7, signature=new)]
    (group,) = board(results, tmp_path)
    assert [r["model"] for r in group["rows"]] == ["org/c", "org/b"]
    assert [(r["model"], r["reason"]) for r in group["apart"]] == [
        ("org/a", "signature differs (this vs ranked): v:0.1.0 vs v:0.2.0")
    ]


def test_signature_difference() -> None:
    assert signature_difference("a|x:1 + b|y:2", "a|x:1") == "2 signature parts vs 1"
    assert signature_difference("a|x:1|v:1", "b|x:1|v:1") == "score a vs b"


def test_markdown_and_csv_escape_and_round_trip(tmp_path: Path) -> None:
    evil = "<img src=x onerror=alert(1)>|*x*"
    groups = board([make(evil, 0.61234), make("org/b", 0.5)], tmp_path)
    md = render_markdown(groups)
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;\\|\\*x\\*" in md and "<img" not in md
    assert "| 1 | &lt;img" in md and "[61.23](00.json)" in md and "f1 (x100), higher is better" in md
    rows = list(csv.DictReader(io.StringIO(render_csv(groups))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert rows[0]["model"] == evil and float(rows[0]["value"]) == 0.61234 and rows[0]["status"] == "ranked"


def test_tie_mark_equals_paired_bootstrap_on_the_units(tmp_path: Path) -> None:
    """Exactness on a real metric: the mark from two results' replicates is ppr's paired bootstrap."""
    rng = np.random.default_rng(5)
    refs = [np.repeat([0, 1, 2, 0], rng.integers(3, 9, 4)).tolist() for _ in range(12)]

    def noisy(p: float) -> list[list[int]]:
        out = []
        for ref in refs:
            pred = np.array(ref)
            flip = rng.random(pred.size) < p
            pred[flip] = rng.integers(0, 3, int(flip.sum()))
            out.append(pred.tolist())
        return out

    preds = {"org/a": noisy(0.1), "org/b": noisy(0.15), "org/c": noisy(0.4)}
    results = []
    for model, pred in preds.items():
        with keep_replicates() as records:
            scores = ppr_scores(pred, refs, bootstrap=300, seed=4)
        (record,) = records
        result = make(model, scores["macro_f1"], reps=record.values["macro_f1"].tolist())
        results.append(result)
    (group,) = board(results, tmp_path)
    leader = group["rows"][0]["model"]
    assert leader == "org/a"
    for row in group["rows"][1:]:
        direct = ppr_scores(
            preds[row["model"]], refs, bootstrap=300, seed=4, paired_predictions=preds[leader]
        )
        paired = direct["paired"]["macro_f1"]
        assert row["p_value_vs_leader"] == paired["p_value"]
        assert row["tied_with_leader"] is (paired["ci_low"] <= 0.0 <= paired["ci_high"])
        # and the delta interval itself, bit for bit, from the generic paired_bootstrap
        units = {}
        for name in (row["model"], leader):
            with keep_replicates() as recs:
                ppr_scores(preds[name], refs, bootstrap=300, seed=4)
            units[name] = recs[0].values["macro_f1"]
        assert compare_replicates(units[row["model"]], units[leader]) == {
            k: paired[k] for k in ("ci_low", "ci_high", "p_value")
        }
    assert {r["model"]: r["tied_with_leader"] for r in group["rows"]}["org/c"] is False


def test_paired_bootstrap_matches_compare_replicates_on_plain_units() -> None:
    a = [1.0, 0.0, 1.0, 1.0, 0.5, 0.0, 1.0]
    b = [1.0, 1.0, 0.0, 1.0, 0.5, 0.0, 0.0]

    def compute(u):
        return {"mean": float(np.mean(u))}

    with keep_replicates() as recs:
        from proceval.scores.bootstrap import bootstrap_ci

        bootstrap_ci(a, compute, n_resamples=99, seed=1)
        bootstrap_ci(b, compute, n_resamples=99, seed=1)
    paired = paired_bootstrap(a, b, compute, n_resamples=99, seed=1)["mean"]
    got = compare_replicates(recs[0].values["mean"], recs[1].values["mean"])
    assert got == {k: paired[k] for k in ("ci_low", "ci_high", "p_value")}


# --------------------------------------------------------------------------------------------- the command


def _write_results(folder: Path) -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(0.5, 0.02, 100)
    for i, model in enumerate(("org/a", "org/b", "org/c")):
        reps = (base - 0.01 * i + rng.normal(0, 0.01, 100)).tolist()
        write_result(folder / model.replace("/", "__") / "c1.json", make(model, 0.5 - 0.01 * i, reps=reps))


def test_cli_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results, site = tmp_path / "results", tmp_path / "site"
    _write_results(results)
    assert main(["leaderboard", str(results), "--out", str(site)]) == 0
    out = capsys.readouterr().out
    assert "| 1 | org/a | - | [50.00](results/org__a/c1.json)" in out
    assert f"HTML: {site / 'index.html'}" in out or "HTML: not written" in out
    groups = json.loads((site / "leaderboard.json").read_text())
    assert [r["model"] for r in groups[0]["rows"]] == ["org/a", "org/b", "org/c"]
    for row in groups[0]["rows"]:
        assert read_result(site / row["result_file"])["model"]["id"] == row["model"]
    assert (site / "leaderboard.md").read_text() in out
    assert (site / "leaderboard.csv").read_text().startswith(",".join(CSV_COLUMNS))
    assert (
        groups[0]["chart"] == "plots/toy__toy_task__c1__test__f1.svg"
        and (site / groups[0]["chart"]).is_file()
    )
    assert main(["leaderboard", str(results), "--out", str(tmp_path / "bare"), "--no-charts"]) == 0
    assert not (tmp_path / "bare" / "plots").exists()
    assert "chart" not in json.loads((tmp_path / "bare" / "leaderboard.json").read_text())[0]
    # a re-run replaces the copies (a removed result disappears) and never reads its own output
    (results / "org__c" / "c1.json").unlink()
    inner = results / "site"
    assert main(["leaderboard", str(results), "--out", str(site)]) == 0
    assert main(["leaderboard", str(results), "--out", str(inner)]) == 0
    assert main(["leaderboard", str(results), "--out", str(inner)]) == 0
    capsys.readouterr()
    assert not (site / "results" / "org__c").exists()
    assert [r["model"] for r in json.loads((inner / "leaderboard.json").read_text())[0]["rows"]] == [
        "org/a",
        "org/b",
    ]


def test_cli_broken_file_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results"
    _write_results(results)
    bad = results / "org__b" / "c1.json"
    doc = json.loads(bad.read_text())
    doc["headline"][0]["higher_is_better"] = "yes"
    bad.write_text(json.dumps(doc))
    assert main(["leaderboard", str(results), "--out", str(tmp_path / "site")]) == 1
    err = capsys.readouterr().err
    assert (
        f"{bad}: result schema v1: at $.headline[0].higher_is_better: 'yes' is not of type 'boolean'" in err
    )
    assert err.count("\n") == 1
    assert main(["leaderboard", str(tmp_path / "empty"), "--out", str(tmp_path / "site")]) == 1
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["leaderboard", str(tmp_path / "empty"), "--out", str(tmp_path / "site")]) == 1
    assert "but found none" in capsys.readouterr().err


def test_write_leaderboard_html_when_available(tmp_path: Path) -> None:
    _write_results(tmp_path / "results")
    files = write_leaderboard(tmp_path / "results", tmp_path / "site")
    try:
        import proceval.hub.leaderboard_html  # noqa: F401
    except ModuleNotFoundError:
        assert files.html is None
    else:
        assert files.html == tmp_path / "site" / "index.html" and files.html.is_file()
    assert files.num_results == 3 and len(files.groups) == 1


def test_evaluate_then_leaderboard_is_exact_on_the_sample_release(
    sample_release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two `evaluate --model-id` results of ppr on the sample release: the leaderboard's p-value is the
    paired bootstrap of the runner on the two prediction files."""
    from proceval.benchmarks.impact.load import load_impact
    from proceval.evaluation.runner import evaluate_config

    release = sample_release / "impact" / "impact-release"
    cache = tmp_path / "cache"
    ds = load_impact(release, "ppr_r_s2", split="test", cache_dir=cache)
    names = ds.features["labels"].feature.names
    rng = np.random.default_rng(0)
    files = {}
    for model, noise in (("org/a", 0.1), ("org/b", 0.12)):
        preds = {}
        for vid, labels in zip(ds["video_id"], ds["labels"], strict=True):
            lab = np.array(labels)
            flip = rng.random(lab.size) < noise
            lab[flip] = rng.integers(0, 3, int(flip.sum()))
            preds[vid] = [names[i] for i in lab]
        files[model] = write_predictions(tmp_path / f"{model.replace('/', '__')}.json", preds)
        args = [
            "evaluate",
            "ppr",
            "--source",
            str(release),
            "--config",
            "ppr_r_s2",
            "--cache-dir",
            str(cache),
        ]
        out = tmp_path / "results" / model.replace("/", "__") / "ppr_r_s2.json"
        assert (
            main(
                [
                    *args,
                    "--predictions",
                    str(files[model]),
                    "--model-id",
                    model,
                    "--confidence-n",
                    "200",
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
    assert main(["leaderboard", str(tmp_path / "results"), "--out", str(tmp_path / "site")]) == 0
    capsys.readouterr()
    groups = json.loads((tmp_path / "site" / "leaderboard.json").read_text())
    by_key = {g["key"]: g for g in groups}
    assert set(by_key) == {"macro_f1", "accuracy"}
    loaded = {m: json.loads(p.read_text()) for m, p in files.items()}
    for key, group in by_key.items():
        leader, other = group["rows"][0]["model"], group["rows"][1]["model"]
        direct = evaluate_config(
            "ppr",
            release,
            "ppr_r_s2",
            loaded[other],
            options={"bootstrap": 200},
            paired_predictions=loaded[leader],
            cache_dir=cache,
        )["scores"]["paired"][key]
        assert group["rows"][1]["p_value_vs_leader"] == direct["p_value"]
        assert group["rows"][1]["tied_with_leader"] is (direct["ci_low"] <= 0.0 <= direct["ci_high"])


def test_compare_replicates_many_equals_one_by_one() -> None:
    from proceval.scores.bootstrap import compare_replicates_many

    rng = np.random.default_rng(7)
    ref = rng.normal(0.5, 0.05, 301)
    rows = rng.normal(0.5, 0.05, (6, 301))
    rows[2, 5] = np.nan  # a resample without a number: that row goes the slow way
    rows[3] = ref  # identical system: deltas all zero
    many = compare_replicates_many(rows, ref, confidence=0.9)
    for i in range(rows.shape[0]):
        one = compare_replicates(rows[i], ref, confidence=0.9)
        assert {k: float(many[k][i]) for k in one} == one
    assert many["p_value"][3] == 1.0 and many["ci_low"][3] == many["ci_high"][3] == 0.0


def _png(path: Path, colour: tuple[int, int, int]) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 18), colour).save(path)
    return path


def _results_with_pictures(folder: Path) -> None:
    _write_results(folder)
    a = folder / "org__a" / "c1.json"
    _png(a.parent / "c1.plots" / "f1 <bars>.png", (200, 0, 0))
    _png(a.parent / "timeline.png", (0, 0, 200))
    doc = read_result(a)
    doc["plots"] = [
        {"caption": "Per-class F1 <b>", "file": "c1.plots/f1 <bars>.png"},
        {"caption": "Timeline", "file": "timeline.png"},
        {"caption": "Gone", "file": "missing.png"},  # listed but not on disk: left out
    ]
    write_result(a, doc)


def test_leaderboard_copies_pictures_and_the_page_references_them(tmp_path: Path) -> None:
    from urllib.parse import quote

    _results_with_pictures(tmp_path / "results")
    site = tmp_path / "site"
    files = write_leaderboard(tmp_path / "results", site)
    (group,) = files.groups
    leader = group["rows"][0]
    assert leader["model"] == "org/a"
    assert leader["plots"] == [
        {"caption": "Per-class F1 <b>", "file": "results/org__a/c1.plots/f1 <bars>.png"},
        {"caption": "Timeline", "file": "results/org__a/timeline.png"},
    ]
    assert all("plots" not in row for row in group["rows"][1:])
    for plot in leader["plots"]:
        assert (site / plot["file"]).read_bytes() == (tmp_path / "results" / plot["file"][8:]).read_bytes()
    # the per-table chart, next to index.html
    assert group["chart"] == "plots/toy__toy_task__c1__test__f1.svg"
    assert ET.parse(site / group["chart"]).getroot().tag == SVG + "svg"
    assert sorted(p.name for p in (site / "plots").iterdir()) == ["toy__toy_task__c1__test__f1.svg"]
    assert json.loads((site / "leaderboard.json").read_text())[0]["chart"] == group["chart"]
    assert "[chart of this table](plots/toy__toy_task__c1__test__f1.svg)" in files.markdown.read_text()
    page = (site / "index.html").read_text()
    assert "img-src 'self' data:" in page
    assert json.dumps(group["chart"]) in page
    href = "results/org__a/c1.plots/" + quote("f1 <bars>.png")
    assert json.dumps(href) in page
    assert "Per-class F1 \\u003cb\\u003e" in page and "<b>" not in page  # escaped in the embedded JSON
    # a re-run without the pictures replaces the copies (and the charts)
    doc = read_result(tmp_path / "results" / "org__a" / "c1.json")
    del doc["plots"]
    write_result(tmp_path / "results" / "org__a" / "c1.json", doc)
    files = write_leaderboard(tmp_path / "results", site, charts=False)
    assert not (site / "results" / "org__a" / "timeline.png").exists()
    assert "chart" not in files.groups[0] and "plots" not in files.groups[0]["rows"][0]


def test_chart_bars_are_the_ranked_values(tmp_path: Path) -> None:
    from proceval.hub.leaderboard_plots import HEIGHT_PX, WIDTH_PX, leaderboard_chart, render_chart_svg

    groups = board(
        [
            make("org/a", 2.0, key="delay", higher=False, unit="seconds"),
            make("org/b", 1.5, key="delay", higher=False, unit="seconds"),
            make("org/c", 3.0, key="delay", higher=False, unit="seconds"),
        ],
        tmp_path,
    )
    (group,) = groups
    group["rows"][0]["ci"] = [1.25, 1.75]
    spec = leaderboard_chart(group)
    assert spec.values == tuple(r["value"] for r in group["rows"]) == (1.5, 2.0, 3.0)
    assert spec.labels == ("org/b", "org/a", "org/c")
    assert spec.ci[0] == (1.25, 1.75) and all(math.isnan(x) for x in spec.ci[1])
    assert spec.tied[0] is True and spec.scale == 1.0
    assert "delay (seconds, lower is better)" in spec.title and spec.xlabel.startswith("delay (seconds)")
    root = ET.fromstring(render_chart_svg(spec))
    assert (root.get("width"), root.get("height")) == (str(WIDTH_PX), str(HEIGHT_PX)) == ("960", "540")
    assert root.get("viewBox") == "0 0 960 540"
    assert _bar_labels(root) == ["org/b", "org/a", "org/c"]  # best on top
    assert _texts(root, "value") == ["1.500 s", "2.000 s", "3.000 s"]  # the values as the table shows them
    assert [p.get("class") for p in root.iter(f"{SVG}path")] == ["ci"]  # one whisker: the only row with a CI
    cut = leaderboard_chart(group, max_bars=2)
    assert cut.values == (1.5, 2.0) and cut.num_rows == 3
    assert cut.title.endswith("best 2 of 3")
    assert any(t.endswith("best 2 of 3") for t in _texts(ET.fromstring(render_chart_svg(cut))))


SVG = "{http://www.w3.org/2000/svg}"


def _texts(root: ET.Element, kind: str | None = None) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if kind is None or t.get("class") == kind]


def _bar_labels(root: ET.Element) -> list[str]:
    return _texts(root, "label")


def _no_active_content(root: ET.Element) -> None:
    for element in root.iter():
        assert element.tag.rsplit("}", 1)[-1] not in {"script", "foreignObject", "a", "image", "use"}
        assert not [name for name in element.attrib if name.lower().startswith("on")], element.attrib
        assert not [name for name in element.attrib if "href" in name.lower()], element.attrib


HOSTILE = ["<img src=x onerror=alert(1)>", "</svg><script>alert(2)</script>", "a&b \"q\" 'q' ]]>"]


def test_chart_svg_is_well_formed_sized_and_escaped(tmp_path: Path) -> None:
    from proceval.hub.leaderboard_plots import MAX_BARS, leaderboard_chart, render_chart_svg, write_charts

    results = [make(name, 0.9 - 0.01 * i) for i, name in enumerate(HOSTILE)]
    results += [make(f"org/m{i:02d}", 0.5 - 0.01 * i) for i in range(40)]
    groups = board(results, tmp_path)
    (group,) = groups
    written = write_charts(groups, tmp_path / "site")
    assert written == [tmp_path / "site" / group["chart"]] and group["chart"].endswith(".svg")
    text = written[0].read_text(encoding="utf-8")
    assert "<script" not in text and "<img" not in text
    root = ET.fromstring(text)
    _no_active_content(root)
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("960", "540", "0 0 960 540")
    labels = _bar_labels(root)
    assert len(labels) == MAX_BARS
    assert labels[:3] == HOSTILE  # text, not markup
    assert "best 30 of 43" in root.get("aria-label") and "fraction x100" in root.get("aria-label")
    assert _texts(root, "value")[:2] == ["90.00", "89.00"]  # fractions x100, two decimals, like the tables
    spec = leaderboard_chart(group)
    assert spec.values == tuple(r["value"] for r in group["rows"][:MAX_BARS]) and spec.scale == 100.0
    # every bar starts at 0 and its length is proportional to the value
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert len(bars) == MAX_BARS and len({b.get("x") for b in bars}) == 1
    # the leader green (no replicates here: the others' tie is unknown, grey), with the legend line
    assert bars[0].get("fill") == "#1a7f37" and {b.get("fill") for b in bars[1:]} == {"#8c959f"}
    assert any(t.startswith("leader, or \u2248 leader") for t in _texts(root))
    widths = np.array([float(b.get("width")) for b in bars])
    assert np.allclose(widths / widths[0], np.array(spec.values) / spec.values[0], atol=0.01)
    # a single zero value and no CI still gives a valid chart
    spec0 = leaderboard_chart({**group, "rows": [{"model": "z\x01", "value": 0.0, "ci": None}]})
    root0 = ET.fromstring(render_chart_svg(spec0))  # a character XML cannot hold is replaced
    _no_active_content(root0)
    assert _bar_labels(root0) == ["z\ufffd"]
