"""Shared parts of ``proceval push-results`` and ``proceval push-metric``: dry run by default, ``--yes`` uploads.

The commands live in :mod:`proceval.commands.push_results` and :mod:`proceval.commands.push_metric`
(one module per command name, as :mod:`proceval.cli` imports them); both print the upload plan
(:func:`proceval.hub.publish.describe`) and upload only with ``--yes`` / ``--no-dry-run``.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from proceval.hub.publish import UploadPlan

TOKEN_HELP = (
    "The token comes only from the HF_TOKEN environment variable or the stored Hub login (`hf auth login`); "
    "it is never printed."
)


def add_upload_arguments(p: argparse.ArgumentParser) -> None:
    """``--yes`` / ``--no-dry-run`` (upload) and ``--endpoint`` (another Hub, e.g. a local test server)."""
    p.add_argument(
        "--yes",
        "--no-dry-run",
        dest="upload",
        action="store_true",
        help="upload (default: a dry run that prints the files and paths it would upload)",
    )
    p.add_argument(
        "--endpoint",
        default=None,
        metavar="URL",
        help="the Hub to upload to (default: $HF_ENDPOINT or https://huggingface.co)",
    )


def run_plan(plan: UploadPlan, args: argparse.Namespace, *, after: str = "") -> int:
    """Print the plan; upload it if ``--yes``; print the commit URL (and ``after``). Returns 0."""
    from proceval.hub.publish import describe, upload

    for line in describe(plan, endpoint=args.endpoint, dry_run=not args.upload):
        print(line)
    if not args.upload:
        print("nothing uploaded: rerun with --yes to upload (token from HF_TOKEN or `hf auth login`)")
        return 0
    url = upload(plan, endpoint=args.endpoint)
    print(f"uploaded: {url}")
    if after:
        print(after)
    sys.stdout.flush()
    return 0
