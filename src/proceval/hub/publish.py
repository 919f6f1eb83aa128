"""Upload model cards and metric modules to the Hugging Face Hub (``push-results``, ``push-metric``).

An :class:`UploadPlan` says what would be uploaded where (repo type and id, files and their bytes);
:func:`describe` prints it (the dry run, the default of both commands) and :func:`upload` sends it with
``HfApi(endpoint=...)``: ``whoami`` (the token works), ``create_repo(exist_ok=True)`` (a Space with
``space_sdk="gradio"``), then one ``create_commit`` of every file.

The token comes only from where ``huggingface_hub`` looks itself: the ``HF_TOKEN`` environment variable
or the stored Hub login (``hf auth login``). proceval never takes it as an argument, never prints or logs
it, and scrubs it from any error message. Network and Hub failures become one :class:`PublishError` line
(``proceval`` exits with 1), never a traceback.

Example:
    >>> plan = UploadPlan("org/model", "model", {"README.md": b"# card"}, "proceval: results")
    >>> for line in describe(plan, endpoint="https://huggingface.co"):
    ...     print(line)
    dry run: would upload 1 file to model repo org/model (https://huggingface.co/org/model):
      README.md  (6 bytes)
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from proceval.errors import InputValidationError, ProcevalError
from proceval.io import REPO_ROOT

METRICS_DIR = REPO_ROOT / "metrics"
"""The metric modules of a checkout (``metrics/<name>/``), the default folder of ``push-metric``."""

METRIC_FILES = ("{name}.py", "README.md", "app.py", "requirements.txt")
"""The files a metric module Space needs (``evaluate.load("ORG/<name>")`` reads ``<name>.py``)."""

_URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


class PublishError(ProcevalError):
    """An upload to the Hub failed (network, authentication or the Hub refused it): one line."""


@dataclass(frozen=True)
class UploadPlan:
    """Files to upload in one commit to one repo.

    Attributes:
        repo_id: ``ORG/NAME``.
        repo_type: ``model`` or ``space`` (``dataset`` works too).
        files: ``{path in repo: bytes}``, in upload order.
        commit_message: the commit summary.
        space_sdk: the SDK of a Space created by the upload (``gradio``).
        create_pr: open a pull request on an existing repo instead of committing to ``main`` (how results
            are submitted to someone else's model repo).
    """

    repo_id: str
    repo_type: str
    files: Mapping[str, bytes]
    commit_message: str
    space_sdk: str | None = None
    create_pr: bool = False


def repo_url(plan: UploadPlan, endpoint: str | None = None) -> str:
    """The web URL of the plan's repo (``<endpoint>/spaces/ORG/NAME`` for a Space)."""
    base = (endpoint or _default_endpoint()).rstrip("/")
    return f"{base}/{_URL_PREFIX[plan.repo_type]}{plan.repo_id}"


def _default_endpoint() -> str:
    from huggingface_hub import constants

    return constants.ENDPOINT


def describe(plan: UploadPlan, *, endpoint: str | None = None, dry_run: bool = True) -> list[str]:
    """The lines ``push-*`` prints before uploading: the repo, then each path in the repo and its size."""
    n = len(plan.files)
    verb = "dry run: would upload" if dry_run else "uploading"
    what = f"{plan.repo_type} repo" if plan.repo_type != "space" else f"Space (sdk {plan.space_sdk})"
    what = f"a pull request on {what}" if plan.create_pr else what
    lines = [f"{verb} {n} file{'s' if n != 1 else ''} to {what} {plan.repo_id} ({repo_url(plan, endpoint)}):"]
    width = max((len(p) for p in plan.files), default=0)
    lines += [f"  {p:<{width}}  ({len(b):,} bytes)" for p, b in plan.files.items()]
    return lines


# -- plans ---------------------------------------------------------------------------------------------
def results_plan(
    files: Mapping[str, bytes], repo_id: str, *, commit_message: str | None = None, create_pr: bool = False
) -> UploadPlan:
    """The upload of a model card bundle (:meth:`proceval.hub.model_card.ModelCardBundle.files`)."""
    from proceval.hub.model_card import check_repo_id

    check_repo_id(repo_id, "model repo")
    message = commit_message or "proceval: evaluation results"
    return UploadPlan(repo_id, "model", dict(files), message, create_pr=create_pr)


def metric_names(metrics_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """The metric module folders under ``metrics_dir`` (default :data:`METRICS_DIR`), sorted."""
    root = Path(metrics_dir) if metrics_dir is not None else METRICS_DIR
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / f"{p.name}.py").is_file())


def metric_plan(
    name: str, *, namespace: str, metrics_dir: str | os.PathLike[str] | None = None
) -> UploadPlan:
    """The upload of ``metrics/<name>/`` as the Space ``<namespace>/<name>`` (SDK gradio).

    The Space must be named like the module: ``evaluate.load("ORG/<name>")`` reads ``<name>.py`` from
    the Space ``ORG/<name>``. Every file of the folder is uploaded except caches and hidden files.

    Raises:
        InputValidationError: an unknown metric, a bad namespace, a module file missing, or a card whose
            YAML header does not declare ``sdk: gradio`` and ``app_file: app.py``.
    """
    from proceval.hub.model_card import check_repo_id

    root = Path(metrics_dir) if metrics_dir is not None else METRICS_DIR
    known = metric_names(root)
    if name not in known:
        raise InputValidationError(
            f"Expected argument `NAME` to be a metric module in {root} (one of: {', '.join(known) or 'none'}), "
            f"but got {name!r}."
        )
    repo_id = check_repo_id(f"{namespace}/{name}", "Space")
    folder = root / name
    for fname in METRIC_FILES:
        if not (folder / fname.format(name=name)).is_file():
            raise InputValidationError(
                f"Expected {folder / fname.format(name=name)} to exist, but it does not."
            )
    meta = _front_matter(folder / "README.md")
    if meta.get("sdk") != "gradio" or meta.get("app_file") != "app.py":
        raise InputValidationError(
            f"Expected {folder / 'README.md'}'s YAML header to declare `sdk: gradio` and `app_file: app.py`, "
            f"but got sdk={meta.get('sdk')!r}, app_file={meta.get('app_file')!r}."
        )
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            if path.suffix != ".pyc":
                files[rel.as_posix()] = path.read_bytes()
    return UploadPlan(repo_id, "space", files, f"proceval: metric module {name}", space_sdk="gradio")


def _front_matter(path: Path) -> dict[str, Any]:
    m = re.match(r"^---\n(.*?)\n---\n", path.read_text(encoding="utf-8"), re.S)
    meta = yaml.safe_load(m.group(1)) if m else None
    return meta if isinstance(meta, dict) else {}


# -- upload --------------------------------------------------------------------------------------------
def _scrub(text: str, token: str | None) -> str:
    text = " ".join(text.split())
    return text.replace(token, "<token>") if token else text


def _failure(exc: BaseException, endpoint: str, token: str | None) -> PublishError:
    """One line saying what failed, without the token."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    if isinstance(exc, OfflineModeIsEnabled):
        return PublishError("cannot upload: HF_HUB_OFFLINE is set (unset it to reach the Hub).")
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        if status == 401:
            return PublishError(
                f"the Hub at {endpoint} refused the token (HTTP 401): set HF_TOKEN to a token with write "
                "access, or run `hf auth login`."
            )
        detail = _scrub(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, token)
        server = _scrub(getattr(exc, "server_message", None) or "", token)
        return PublishError(f"the Hub at {endpoint} answered HTTP {status}: {server or detail}")
    if isinstance(exc, httpx2.TimeoutException):
        return PublishError(f"cannot reach the Hub at {endpoint}: timed out ({type(exc).__name__}).")
    reason = _scrub(str(exc) or type(exc).__name__, token)
    return PublishError(f"cannot reach the Hub at {endpoint}: {reason} ({type(exc).__name__}).")


@contextlib.contextmanager
def hub_session(endpoint: str | None = None) -> Iterator[Any]:
    """An authenticated ``HfApi`` for ``endpoint``; Hub and network failures inside become one :class:`PublishError`.

    Checks that ``huggingface_hub`` finds a token (``HF_TOKEN`` or the stored login) and that the Hub
    accepts it (``whoami``) before yielding. The token is read only to scrub it from messages.
    """
    import httpx2
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    from proceval import __version__

    base = (endpoint or _default_endpoint()).rstrip("/")
    token = get_token()
    if token is None:
        raise PublishError(
            "no Hugging Face token: set the HF_TOKEN environment variable or run `hf auth login` "
            "(proceval never takes a token on the command line)."
        )
    api = HfApi(endpoint=base, library_name="proceval", library_version=__version__)
    try:
        api.whoami()
        yield api
    except (HfHubHTTPError, OfflineModeIsEnabled, httpx2.HTTPError, OSError) as exc:
        raise _failure(exc, base, token) from None
    except ValueError as exc:  # huggingface_hub: README metadata refused by the Hub's validate-yaml
        raise PublishError(f"the Hub at {base} refused the upload: {_scrub(str(exc), token)}") from None


def upload(plan: UploadPlan, *, endpoint: str | None = None) -> str:
    """Create the repo if missing and commit every file of ``plan`` in one commit; returns the commit URL.

    With ``plan.create_pr`` the repo must exist: the commit opens a pull request, whose URL is returned.

    Args:
        plan: what to upload.
        endpoint: the Hub (default: ``HF_ENDPOINT`` or https://huggingface.co).

    Raises:
        PublishError: no token, the token is refused, the Hub cannot be reached or refuses the upload.
    """
    from huggingface_hub import CommitOperationAdd

    with hub_session(endpoint) as api:
        if not plan.create_pr:
            api.create_repo(plan.repo_id, repo_type=plan.repo_type, exist_ok=True, space_sdk=plan.space_sdk)
        info = api.create_commit(
            plan.repo_id,
            repo_type=plan.repo_type,
            operations=[CommitOperationAdd(path_in_repo=p, path_or_fileobj=b) for p, b in plan.files.items()],
            commit_message=plan.commit_message,
            create_pr=plan.create_pr,
        )
    return str(info.pr_url if plan.create_pr and info.pr_url else info.commit_url)


def push_folder(
    folder: str | os.PathLike[str],
    repo_id: str,
    *,
    repo_type: str = "dataset",
    endpoint: str | None = None,
    private: bool = False,
    commit_message: str | None = None,
) -> str:
    """Upload a whole folder (e.g. an exported dataset repo, Parquet via LFS) with ``upload_folder``.

    The same token rules and one-line failures as :func:`upload`; returns the commit URL. Used by
    ``proceval build --push``.

    Raises:
        PublishError: no token, the token is refused, the Hub cannot be reached or refuses the upload.
    """
    from proceval.hub.model_card import check_repo_id

    check_repo_id(repo_id, f"{repo_type} repo")
    with hub_session(endpoint) as api:
        api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True)
        info = api.upload_folder(
            folder_path=str(folder),
            repo_id=repo_id,
            repo_type=repo_type,
            commit_message=commit_message or f"proceval: {Path(folder).name}",
        )
    return str(info.commit_url)
