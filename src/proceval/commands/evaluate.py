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
        default=0,
        help="bootstrap resamples for confidence intervals (0 = none)",
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
    rep.add_argument("--out", default=None, help="also write the results JSON here (atomically)")
    rep.add_argument("--cache-dir", default=None, help="Arrow cache folder for the dataset")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Score ``args.predictions`` against ``args.config`` and print (and with ``--out`` write) the results.

    ``--confidence-n``, ``--confidence`` and ``--seed`` are passed to the score function only when
    bootstrapping (``--confidence-n`` > 0 or ``--paired``).

    Returns:
        The exit code 0 (errors are raised and mapped to exit codes by :mod:`proceval.cli`).

    Raises:
        InputValidationError: ``bootstrap``, ``confidence`` or ``seed`` was given with ``--option``.
    """
    from proceval.evaluation.predictions import read_predictions, write_results
    from proceval.evaluation.runner import evaluate_config, resolve_task

    options = dict(args.option)
    for key in ("bootstrap", "confidence", "seed"):
        if key in options:
            raise InputValidationError(f"Pass `{key}` with --{key}, not with --option.")
    if args.bootstrap or args.paired:
        options.update(bootstrap=args.bootstrap, confidence=args.confidence, seed=args.seed)
    _, task = resolve_task(args.metric, args.config, args.benchmark)
    read = task.read_predictions or read_predictions  # a benchmark's official submission format, if any
    predictions = read(args.predictions)
    paired = read(args.paired) if args.paired else None
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
    )
    result["options"] = options
    result["predictions_file"] = args.predictions
    if args.out:
        write_results(args.out, result)
    if args.format == "json":
        from proceval.evaluation.predictions import to_jsonable

        json.dump(to_jsonable(result), sys.stdout, indent=2)
        print()
    else:
        from proceval.demo import format_table

        print(format_table({args.config: result}))
        print(f"signature: {result['signature']}")
    return 0
