"""``proceval push-metric NAME --namespace ORG``: upload ``metrics/NAME/`` as a Space, for ``evaluate.load("ORG/NAME")``."""

from __future__ import annotations

import argparse

from proceval.commands.push import TOKEN_HELP, add_upload_arguments, run_plan

EPILOG = f"""\
examples:
  proceval push-metric pqs --namespace my-org          # dry run: the files and paths
  proceval push-metric pqs --namespace my-org --yes    # then evaluate.load("my-org/pqs")

The Space is named like the module (ORG/NAME, sdk gradio): evaluate.load("ORG/NAME") reads NAME.py
from it, and its app.py loads the module under the Space's own id ($SPACE_ID). {TOKEN_HELP}
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``push-metric`` sub-command."""
    p = sub.add_parser(
        "push-metric",
        help="upload a metric module folder as a Hugging Face Space (dry run by default)",
        description="Upload metrics/NAME/ (module, card, app.py, requirements.txt) as the Gradio Space "
        "ORG/NAME, so that evaluate.load('ORG/NAME') works. Dry run by default.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="NAME", help="the metric module (a folder of metrics/)")
    p.add_argument("--namespace", required=True, metavar="ORG", help="the user or organisation of the Space")
    p.add_argument(
        "--metrics-dir",
        default=None,
        metavar="DIR",
        help="the folder holding the metric modules (default: the checkout's metrics/)",
    )
    add_upload_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the plan of ``metrics/NAME``, print it, upload with ``--yes``. Returns 0."""
    from proceval.hub.publish import metric_plan

    plan = metric_plan(args.name, namespace=args.namespace, metrics_dir=args.metrics_dir)
    return run_plan(plan, args, after=f'load it with: evaluate.load("{plan.repo_id}")')
