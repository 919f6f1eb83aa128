"""``proceval card RESULTS... --model-id ORG/NAME``: a model card with the results in both Hub formats."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from proceval.hub.model_card import ModelCardBundle

EPILOG = """\
examples:
  proceval card results/my-org__my-model/ --model-id my-org/my-model --dataset-namespace bench-org
  proceval card r1.json r2.json --model-id my-org/my-model --dataset BENCHMARK=bench-org/NAME --out card/README.md

Writes README.md (YAML header with the legacy `model-index`) and .eval_results/<benchmark>_<config>.yaml
beside it (the Hub's Eval Results format, keyed to the task ids of the benchmark repo's eval.yaml).
Without --out the card is printed and nothing is written. Both are checked with huggingface_hub's parsers.
"""


def add_dataset_arguments(p: argparse.ArgumentParser) -> None:
    """``--dataset BENCHMARK=ORG/NAME`` (repeatable) and ``--dataset-namespace ORG`` (shared with push-results)."""
    p.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="BENCHMARK=ORG/NAME",
        help="the Hub dataset repo holding a benchmark's eval.yaml (repeatable)",
    )
    p.add_argument(
        "--dataset-namespace",
        default=None,
        metavar="ORG",
        help="dataset repos are ORG/<benchmark> for benchmarks without --dataset",
    )
    p.add_argument("--template", default=None, help="card template (default: model_cards/template.md)")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``card`` sub-command."""
    p = sub.add_parser(
        "card",
        help="render a model card (model-index + .eval_results) from result files",
        description="Render a Hugging Face model card from proceval result files of one model: a results "
        "table with CIs and signatures, the legacy model-index YAML and the .eval_results/*.yaml entries "
        "keyed to the benchmark dataset repo's eval.yaml task ids.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("results", nargs="+", metavar="RESULTS", help="result files or folders holding them")
    p.add_argument("--model-id", required=True, metavar="ORG/NAME", help="the model repo the card is for")
    add_dataset_arguments(p)
    p.add_argument("--out", default=None, help="write the card here (README.md) and .eval_results/ beside it")
    p.set_defaults(run=run)


def parse_dataset_ids(items: list[str]) -> dict[str, str]:
    """``["impact=org/impact", ...]`` -> ``{"impact": "org/impact"}``.

    Raises:
        InputValidationError: an item is not ``BENCHMARK=ORG/NAME``.
    """
    from proceval.errors import InputValidationError

    out = {}
    for item in items:
        bench, sep, repo = item.partition("=")
        if not sep or not bench or not repo:
            raise InputValidationError(
                f"Expected argument `--dataset` to be BENCHMARK=ORG/NAME, but got {item!r}."
            )
        out[bench] = repo
    return out


def bundle_from_args(args: argparse.Namespace) -> ModelCardBundle:
    """Load the results named on the command line and render the card bundle."""
    from proceval.hub.model_card import load_results, render_model_card, resolve_dataset_ids

    results = load_results(args.results)
    dataset_ids = resolve_dataset_ids(
        {r["benchmark"] for _, r in results},
        dataset_ids=parse_dataset_ids(args.dataset),
        namespace=args.dataset_namespace,
    )
    return render_model_card(results, model_id=args.model_id, dataset_ids=dataset_ids, template=args.template)


def run(args: argparse.Namespace) -> int:
    """Render the card; print it (no ``--out``) or write it and list the files written. Returns 0."""
    from proceval.hub.model_card import write_bundle

    bundle = bundle_from_args(args)
    for note in bundle.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.out is None:
        sys.stdout.write(bundle.readme)
        for path, text in bundle.eval_results.items():
            sys.stdout.write(f"\n--- {path}\n{text}")
        return 0
    for path in write_bundle(bundle, args.out):
        print(f"wrote {path}")
    return 0
