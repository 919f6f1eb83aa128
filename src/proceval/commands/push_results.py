"""``proceval push-results RESULTS... --repo-id ORG/NAME``: upload a model card and its Eval Results entries."""

from __future__ import annotations

import argparse
import sys

from proceval.commands.card import add_dataset_arguments, bundle_from_args
from proceval.commands.push import TOKEN_HELP, add_upload_arguments, run_plan

EPILOG = f"""\
examples:
  proceval push-results results/my-model/ --repo-id my-org/my-model --dataset-namespace bench-org
  proceval push-results results/my-model/ --repo-id my-org/my-model --dataset-namespace bench-org --yes

Uploads README.md (the card, replacing the repo's card; --entries-only keeps it) and
.eval_results/<benchmark>_<config>.yaml in one commit. {TOKEN_HELP}
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``push-results`` sub-command."""
    p = sub.add_parser(
        "push-results",
        help="upload a model card and .eval_results entries to a model repo (dry run by default)",
        description="Render the model card of result files (as `proceval card` does) and upload it with its "
        ".eval_results/*.yaml entries to a Hugging Face model repo. Dry run by default.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("results", nargs="+", metavar="RESULTS", help="result files or folders holding them")
    p.add_argument("--repo-id", required=True, metavar="ORG/NAME", help="the model repo to upload to")
    p.add_argument(
        "--model-id",
        default=None,
        metavar="ORG/NAME",
        help="the model the results are of (default: --repo-id)",
    )
    p.add_argument(
        "--entries-only",
        action="store_true",
        help="upload only the .eval_results entries, not README.md",
    )
    p.add_argument(
        "--create-pr",
        action="store_true",
        help="open a pull request on the (existing) model repo instead of committing to main",
    )
    add_dataset_arguments(p)
    add_upload_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Render the bundle, print the plan, upload with ``--yes``. Returns 0."""
    from proceval.hub.publish import results_plan

    args.model_id = args.model_id or args.repo_id
    bundle = bundle_from_args(args)
    for note in bundle.notes:
        print(f"note: {note}", file=sys.stderr)
    files = bundle.files()
    if args.entries_only:
        files = {p: b for p, b in files.items() if p != "README.md"}
    plan = results_plan(files, args.repo_id, create_pr=args.create_pr)
    return run_plan(plan, args)
