"""``proceval evaluate``: score a predictions file against a dataset config (sacrebleu-style output)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from proceval.errors import InputValidationError


def _parse_option(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``evaluate`` sub-command; its description lists each task's prediction ids and shapes."""
    from proceval.registry import all_tasks, metric_names

    ids = "; ".join(f"{t.metric} ({t.name}): {t.id_column} -> {t.prediction_doc}" for t in all_tasks())
    p = sub.add_parser(
        "evaluate",
        help="score a predictions file against a dataset config",
        description="Score predictions (JSON {id: prediction}, JSONL {id, prediction} lines, or .npz) against the "
        "references of a dataset config, matched by id. Prints JSON (score, signature, every option) by "
        f"default. Ids and prediction shapes per task: {ids}.",
    )
    p.add_argument("metric", choices=tuple(metric_names()), help="metric module name")
    p.add_argument(
        "--source",
        required=True,
        help="the benchmark's release: a folder, its data sub-folder, or an archive",
    )
    p.add_argument("--benchmark", default=None, help="the benchmark (default: the one the metric belongs to)")
    p.add_argument(
        "--config", required=True, help="dataset config, e.g. tas_s_s1 (see `proceval list configs`)"
    )
    p.add_argument("--predictions", required=True, help="predictions file (.json, .jsonl or .npz)")
    p.add_argument(
        "--split",
        default=None,
        choices=("train", "validation", "test"),
        help="the split holding the references (default: test, or the config's last split if it has no test)",
    )
    p.add_argument(
        "--option",
        "-o",
        action="append",
        type=_parse_option,
        default=[],
        metavar="KEY=VALUE",
        help="score-function option, JSON-decoded when possible (e.g. -o convention=ltcontext -o 'overlaps=[0.5]')",
    )
    res = p.add_argument_group("resampling")
    res.add_argument(
        "--confidence-n",
        "--bootstrap",
        dest="bootstrap",
        type=int,
        default=None,
        help="bootstrap resamples for confidence intervals (0 = none; default 0, or 1000 with --model-id)",
    )
    res.add_argument("--confidence", type=float, default=0.95, help="interval coverage (default 0.95)")
    res.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    res.add_argument(
        "--paired",
        default=None,
        metavar="FILE",
        help="a second system's predictions: adds a paired bootstrap comparison",
    )
    rep = p.add_argument_group("reporting")
    rep.add_argument("--format", choices=("json", "text"), default="json")
    rep.add_argument(
        "--out",
        default=None,
        help="also write the results JSON to this file (atomically, after printing it); with --model-id a "
        "schema-v1 result file, e.g. results/ORG__NAME/<config>.json",
    )
    rep.add_argument("--cache-dir", default=None, help="Arrow cache folder for the dataset")
    rep.add_argument(
        "--plots",
        default=None,
        metavar="DIR",
        help="also draw the task's pictures (timelines, per-class bars, curves) as PNG files into DIR; with "
        "--model-id and --out the result file lists them (relative to its folder; pictures outside it are "
        "copied to <result stem>.plots/ beside it)",
    )
    sub_res = p.add_argument_group(
        "result file (schema v1, see docs/RESULTS.md)",
        "With --model-id the output is a validated result file: headline scores with CIs, every score, the "
        "signature, data version, config, split, model, the predictions' SHA-256, judge settings and the "
        "bootstrap replicates of the headline keys (so `proceval leaderboard` compares results without "
        "predictions). It bootstraps 1000 resamples unless --confidence-n says otherwise.",
    )
    sub_res.add_argument(
        "--model-id", default=None, metavar="ORG/NAME", help="the model that made the predictions"
    )
    sub_res.add_argument("--revision", default=None, help="the model's revision (commit or tag)")
    sub_res.add_argument(
        "--trained-on",
        action="append",
        default=[],
        metavar="SPLIT",
        help="a split the model was trained on, as declared by the submitter (repeatable)",
    )
    p.set_defaults(run=run)


DEFAULT_RESULT_RESAMPLES = 1000
"""Bootstrap resamples of a result file (``--model-id``) when ``--confidence-n`` is not given."""


def _check_model_id(model_id: str) -> None:
    org, sep, name = model_id.partition("/")
    if not sep or not org or not name or "/" in name or any(c.isspace() for c in model_id):
        raise InputValidationError(
            f"Expected argument `--model-id` to be ORG/NAME (one slash, no spaces), but got {model_id!r}."
        )


def _check_out(out: str | None) -> None:
    """Refuse an ``--out`` that cannot be a file before any work is done."""
    if out is None:
        return
    from pathlib import Path

    path = Path(out)
    if path.is_dir() or out.endswith(("/", "\\")):
        raise InputValidationError(
            f"Expected argument `--out` to be a file path, but got {out!r}, which is a directory."
        )
    parent = next((p for p in path.absolute().parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise InputValidationError(
            f"Expected argument `--out` to be a file path, but got {out!r}, under {str(parent)!r}, which is a file."
        )


def _write_out(out: str, write: Any) -> None:
    """Run ``write()``; an OS error becomes one line (the result was already printed)."""
    try:
        write()
    except OSError as exc:
        from proceval.errors import ProcevalError

        raise ProcevalError(
            f"could not write --out {out!r} ({exc.strerror or exc}); the result was printed above"
        ) from exc


def run(args: argparse.Namespace) -> int:
    """Score ``args.predictions`` against ``args.config``; print the results, then write ``--out``.

    ``--confidence-n``, ``--confidence`` and ``--seed`` are passed to the score function only when
    bootstrapping (``--confidence-n`` > 0 or ``--paired``). With ``--model-id`` the output is a schema-v1
    result file (:mod:`proceval.evaluation.results`), bootstrapped with :data:`DEFAULT_RESULT_RESAMPLES`
    resamples unless ``--confidence-n`` is given. The result is printed before ``--out`` is written, so a
    failing write never loses it; an ``--out`` that is a directory is refused before any scoring.

    Returns:
        The exit code 0 (errors are raised and mapped to exit codes by :mod:`proceval.cli`).

    Raises:
        InputValidationError: ``bootstrap``, ``confidence`` or ``seed`` was given with ``--option``; a
            malformed ``--model-id``; ``--out`` is a directory.
    """
    import contextlib

    from proceval.evaluation.predictions import read_predictions, to_jsonable, write_results
    from proceval.evaluation.runner import check_split, evaluate_config, resolve_task
    from proceval.io import dumps_outline

    model_id = getattr(args, "model_id", None)
    options = dict(args.option)
    for key in ("bootstrap", "confidence", "seed"):
        if key in options:
            raise InputValidationError(f"Pass `{key}` with --{key}, not with --option.")
    if model_id is not None:
        _check_model_id(model_id)
    _check_out(args.out)
    bootstrap = args.bootstrap
    if bootstrap is None:
        bootstrap = DEFAULT_RESULT_RESAMPLES if model_id is not None else 0
    if bootstrap or args.paired:
        options.update(bootstrap=bootstrap, confidence=args.confidence, seed=args.seed)
    bench, task = resolve_task(args.metric, args.config, args.benchmark)
    spec = bench.get_config(args.config)
    check_split(args.config, args.split or spec.eval_split, spec.splits)  # before a big file is read
    read = task.read_predictions or read_predictions  # a benchmark's official submission format, if any
    predictions = read(args.predictions)
    paired = read(args.paired) if args.paired else None
    if model_id is not None:
        from proceval.scores.bootstrap import keep_replicates

        recording = keep_replicates()
    else:
        recording = contextlib.nullcontext([])
    with recording as records:
        result = evaluate_config(
            args.metric,
            args.source,
            args.config,
            predictions,
            benchmark=args.benchmark,
            split=args.split,
            options=options,
            paired_predictions=paired,
            cache_dir=args.cache_dir,
            plots_dir=args.plots,
        )
    plots = result.pop("plots", [])
    if plots:
        print(f"wrote {len(plots)} pictures to {args.plots}", file=sys.stderr)
    result["options"] = options
    result["predictions_file"] = args.predictions
    if model_id is None:
        _print(args, result, dumps_outline(to_jsonable(result)))
        if args.out:
            _write_out(args.out, lambda: write_results(args.out, result))
        return 0
    from proceval.evaluation.results import build_result, dumps_result, write_result

    record = build_result(
        result,
        task=task,
        benchmark=bench,
        config=args.config,
        split=result["split"],
        model_id=model_id,
        revision=args.revision,
        trained_on=args.trained_on,
        predictions_path=args.predictions,
        replicates=records,
    )
    _print(args, result, dumps_result(record).rstrip("\n"))
    if args.out:
        if plots:
            from proceval.evaluation.plots import result_plot_entries

            _write_out(args.out, lambda: record.update(plots=result_plot_entries(plots, args.out)))
        _write_out(args.out, lambda: write_result(args.out, record))
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _print(args: argparse.Namespace, result: dict[str, Any], text: str) -> None:
    """Print ``text`` (JSON) or, with ``--format text``, the headline table and the signature."""
    if args.format == "json":
        print(text)
    else:
        from proceval.demo import format_table

        print(format_table({args.config: result}))
        print(f"signature: {result['signature']}")
