"""Model cards from proceval result files, with the results in both Hub formats.

:func:`render_model_card` turns result files (schema v1, ``docs/RESULTS.md``) of one model into a
:class:`ModelCardBundle`: the card's ``README.md`` (the template ``model_cards/template.md`` filled in,
with the legacy ``model-index`` YAML in its header) and the ``.eval_results/*.yaml`` files of the Hub's
Eval Results format. Each Eval Results entry is keyed to a task id of the benchmark dataset repo's
``eval.yaml`` (:func:`proceval.hub.card.eval_yaml`: one task per config, scored on one split): one entry
per task and headline metric (the Hub stores one value per entry), the metric key, its direction, the
CI and the signature in ``notes``. One file per benchmark task, ``.eval_results/<benchmark>_<config>.yaml``,
its entries in headline order (the first is the ranking key).

The bundle is checked with ``huggingface_hub``'s own parsers before it is returned
(:func:`validate_bundle`: ``ModelCard`` for the ``model-index``, ``parse_eval_result_entries`` for the
entries), so a card proceval writes always parses and carries exactly the values of the result files.

Example:
    >>> from proceval.hub.model_card import entry_notes
    >>> entry_notes({"key": "edit", "higher_is_better": True, "unit": "fraction", "ci": None}, "tas|v:0.1.0")
    'key: edit; higher is better; unit: fraction; signature: tas|v:0.1.0'
"""

from __future__ import annotations

import math
import os
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from proceval import __version__
from proceval.errors import InputValidationError, ProcevalError
from proceval.io import REPO_ROOT, atomic_write_text

TEMPLATE_PATH = REPO_ROOT / "model_cards" / "template.md"
"""The default card template (``string.Template`` placeholders: ``$card_data``, ``$results_table``, ...)."""

EVAL_RESULTS_FOLDER = ".eval_results"
"""The folder of a model repo the Hub reads Eval Results entries from."""

_PLACEHOLDERS = (
    "card_data",
    "model_id",
    "model_name",
    "proceval_version",
    "results_table",
    "provenance",
    "eval_results_list",
    "reproduce",
)


class ModelCardError(ProcevalError, ValueError):
    """A model card cannot be rendered from the given results (or fails the Hub's parsers)."""


@dataclass
class ModelCardBundle:
    """What ``proceval card`` writes and ``proceval push-results`` uploads.

    Attributes:
        model_id: the model repo id (``ORG/NAME``).
        readme: the card text (YAML header with ``model-index``, then Markdown).
        eval_results: ``{path in repo: YAML text}`` of the ``.eval_results/*.yaml`` files, sorted by path.
        notes: one line per result (or headline) left out of the Eval Results files, with the reason.
    """

    model_id: str
    readme: str
    eval_results: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def files(self) -> dict[str, bytes]:
        """``{path in repo: bytes}`` of every file of the bundle: ``README.md`` first, then the entries."""
        out = {"README.md": self.readme.encode("utf-8")}
        out.update({p: t.encode("utf-8") for p, t in self.eval_results.items()})
        return out


# -- reading -----------------------------------------------------------------------------------------
def load_results(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[Path, dict[str, Any]]]:
    """Result files named by ``paths`` (a folder stands for every result file under it), validated.

    Raises:
        InputValidationError: a path does not exist, or a folder holds no result file.
        ResultFormatError: a file fails the result schema (names the file and the JSON path).
    """
    from proceval.evaluation.results import iter_results, read_result

    out: list[tuple[Path, dict[str, Any]]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = list(iter_results(path))
            if not found:
                raise InputValidationError(
                    f"Expected argument `RESULTS` to name result files or folders holding them, but "
                    f"{str(path)!r} holds no result file."
                )
            out += found
        elif path.is_file():
            out.append((path, read_result(path)))
        else:
            raise InputValidationError(
                f"Expected argument `RESULTS` to name result files or folders, but {str(path)!r} does not exist."
            )
    if not out:
        raise InputValidationError(
            "Expected argument `RESULTS` to name at least one result file, but got none."
        )
    return out


# -- dataset repos and eval.yaml ---------------------------------------------------------------------
def resolve_dataset_ids(
    benchmarks: Iterable[str], *, dataset_ids: Mapping[str, str] | None = None, namespace: str | None = None
) -> dict[str, str]:
    """``{benchmark: Hub dataset repo id}``: from ``dataset_ids``, else ``<namespace>/<benchmark>``.

    The dataset repo is the one ``proceval build <benchmark> --push ORG/NAME`` wrote, holding the
    ``eval.yaml`` the entries are keyed to.

    Raises:
        InputValidationError: a benchmark has neither an explicit id nor a namespace, or an id is not
            ``ORG/NAME``.
    """
    given = dict(dataset_ids or {})
    out = {}
    for bench in sorted(set(benchmarks)):
        repo = given.get(bench) or (f"{namespace}/{bench}" if namespace else None)
        if repo is None:
            raise InputValidationError(
                f"Expected `--dataset-namespace ORG` or `--dataset {bench}=ORG/NAME` naming the Hub dataset repo "
                f"that holds {bench!r}'s eval.yaml, but got neither."
            )
        check_repo_id(repo, "dataset")
        out[bench] = repo
    return out


def check_repo_id(repo_id: str, what: str = "repo") -> str:
    """``repo_id`` if it is ``ORG/NAME`` (letters, digits, ``-_.``), else an :class:`InputValidationError`."""
    parts = repo_id.split("/")
    ok = len(parts) == 2 and all(
        p and all(c.isalnum() or c in "-_." for c in p) and not p.startswith((".", "-")) for p in parts
    )
    if not ok:
        raise InputValidationError(f"Expected the {what} id to be ORG/NAME, but got {repo_id!r}.")
    return repo_id


def eval_yaml_tasks(benchmark: str) -> dict[str, dict[str, Any]]:
    """``{task id: eval.yaml entry}`` of ``benchmark``'s exported repo (the registry's declaration)."""
    from proceval.hub.card import eval_yaml

    return {t["id"]: t for t in eval_yaml(benchmark)["tasks"]}


# -- the two Hub formats -----------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "—" if value is None else str(value)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def entry_notes(head: Mapping[str, Any], signature: str, ci_level: float | None = None) -> str:
    """The ``notes`` of one Eval Results entry: key, direction, unit, CI and signature, ``; ``-joined."""
    parts = [
        f"key: {head['key']}",
        "higher is better" if head.get("higher_is_better", True) else "lower is better",
        f"unit: {head.get('unit') or 'fraction'}",
    ]
    ci = head.get("ci")
    if ci:
        level = f"{round(100 * ci_level)}" if ci_level else ""
        parts.append(f"ci{level}: [{ci[0]!r}, {ci[1]!r}]")
    parts.append(f"signature: {signature}")
    return "; ".join(parts)


def eval_results_files(
    results: Sequence[tuple[Path, Mapping[str, Any]]], dataset_ids: Mapping[str, str]
) -> tuple[dict[str, list[Any]], list[str]]:
    """The Eval Results entries, grouped by file: ``({path in repo: [EvalResultEntry]}, notes)``.

    A result becomes entries only if its config is a task id of the benchmark's ``eval.yaml`` and it was
    scored by that task on that task's split; the others (and headline values that are not finite
    numbers) are left out with a note, and stay in the card's table and ``model-index``.
    """
    from huggingface_hub import EvalResultEntry

    files: dict[str, list[Any]] = {}
    notes: list[str] = []
    tasks_of: dict[str, dict[str, dict[str, Any]]] = {}
    for path, res in results:
        bench, config = res["benchmark"], res["config"]
        tasks = tasks_of.setdefault(bench, eval_yaml_tasks(bench))
        task = tasks.get(config)
        if task is None or task["task"] != res["task"] or task["split"] != res["split"]:
            want = f"task {task['task']!r} on split {task['split']!r}" if task else "no leaderboard task"
            notes.append(
                f"{path.name}: not an Eval Results entry: {bench}'s eval.yaml has {want} for config {config!r} "
                f"(this result: task {res['task']!r}, split {res['split']!r})"
            )
            continue
        entries = files.setdefault(f"{EVAL_RESULTS_FOLDER}/{bench}_{config}.yaml", [])
        for head in res["headline"]:
            if not _finite(head.get("value")):
                notes.append(
                    f"{path.name}: headline {head['key']!r} has no finite value ({head.get('value')!r})"
                )
                continue
            entries.append(
                EvalResultEntry(
                    dataset_id=dataset_ids[bench],
                    task_id=task["id"],
                    value=head["value"],
                    date=res.get("created_at"),
                    notes=entry_notes(head, res["signature"], res.get("ci_level")),
                )
            )
    return {p: e for p, e in sorted(files.items()) if e}, notes


def model_index_results(
    results: Sequence[tuple[Path, Mapping[str, Any]]], dataset_ids: Mapping[str, str]
) -> list[Any]:
    """The legacy ``model-index`` results: one ``EvalResult`` per result file and finite headline value.

    ``task.type`` is the proceval task (``tas_s``), ``dataset.type`` the benchmark's dataset repo,
    ``dataset.config`` / ``split`` the config and split, ``metric.type`` the headline key,
    ``metric.config`` the signature and ``metric.args`` the options the user passed.
    """
    from huggingface_hub import EvalResult

    from proceval.hub.card import pretty_name
    from proceval.registry import get_benchmark

    out = []
    for _, res in results:
        bench = res["benchmark"]
        for head in res["headline"]:
            if not _finite(head.get("value")):
                continue
            arrow = "↑" if head.get("higher_is_better", True) else "↓"
            out.append(
                EvalResult(
                    task_type=res["task"],
                    task_name=res["task"],
                    dataset_type=dataset_ids[bench],
                    dataset_name=pretty_name(get_benchmark(bench)),
                    dataset_config=res["config"],
                    dataset_split=res["split"],
                    metric_type=head["key"],
                    metric_name=f"{res['metric']} {head['key']} {arrow}",
                    metric_value=head["value"],
                    metric_config=res["signature"],
                    metric_args=dict(res.get("options") or {}) or None,
                )
            )
    return out


# -- Markdown sections -------------------------------------------------------------------------------
def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def results_table(results: Sequence[tuple[Path, Mapping[str, Any]]]) -> str:
    """The card's results table: one row per result file and headline key."""
    lines = [
        "| benchmark | task | config | split | metric | key | value | CI | unit |",
        "| --- | --- | --- | --- | --- | --- | ---: | --- | --- |",
    ]
    for _, res in results:
        for head in res["headline"]:
            ci = head.get("ci")
            ci_text = f"[{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else "—"
            arrow = "↑" if head.get("higher_is_better", True) else "↓"
            lines.append(
                f"| {_md(res['benchmark'])} | {_md(res['task'])} | {_md(res['config'])} | {_md(res['split'])} "
                f"| `{_md(res['metric'])}` | `{_md(head['key'])}` {arrow} | {_fmt(head.get('value'))} | {ci_text} "
                f"| {_md(head.get('unit') or 'fraction')} |"
            )
    return "\n".join(lines)


def provenance(results: Sequence[tuple[Path, Mapping[str, Any]]]) -> str:
    """Per result: signature, data version, predictions hash, revision, declared training splits, judge."""
    blocks = []
    for _, res in results:
        model = res.get("model") or {}
        lines = [
            f"**{_md(res['benchmark'])} / {_md(res['config'])} / {_md(res['split'])}** (`{_md(res['metric'])}`)",
            "",
            f"* signature: `{res['signature']}`",
            f"* data version: `{res['data_version']}`",
            f"* predictions: `{_md((res.get('predictions') or {}).get('file', '—'))}`, sha256 "
            f"`{(res.get('predictions') or {}).get('sha256', '—')}`",
            f"* model revision: `{model.get('revision') or '—'}`; trained on (declared): "
            f"{', '.join(model.get('trained_on') or []) or 'not declared'}",
        ]
        if res.get("options"):
            lines.append(
                f"* options: `{_md(yaml.safe_dump(res['options'], default_flow_style=True).strip())}`"
            )
        boot = res.get("bootstrap")
        if boot:
            lines.append(
                f"* bootstrap: {boot.get('n_resamples')} resamples of {boot.get('num_units')} "
                f"{boot.get('unit')}s, seed {boot.get('seed')}, CI level {res.get('ci_level')}"
            )
        judge = res.get("judge")
        if judge:
            hashes = ", ".join(
                f"{k}: `{v[:12]}`" for k, v in sorted((judge.get("prompt_hashes") or {}).items())
            )
            settings = yaml.safe_dump(judge.get("settings") or {}, default_flow_style=True).strip()
            lines.append(f"* judge: `{_md(settings)}`; prompt hashes: {hashes or '—'}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def eval_results_list(files: Mapping[str, str], dataset_ids: Mapping[str, str], notes: Sequence[str]) -> str:
    """The list of Eval Results files of the card, the dataset repos they point at, and what was left out."""
    lines = [f"* `{p}`" for p in files] or ["* (no result matches a leaderboard task of `eval.yaml`)"]
    lines += [
        "",
        "Benchmark dataset repos: " + ", ".join(f"`{r}` ({b})" for b, r in sorted(dataset_ids.items())),
    ]
    if notes:
        lines += ["", "Not published as Eval Results entries:", ""] + [f"* {_md(n)}" for n in notes]
    return "\n".join(lines)


def reproduce(results: Sequence[tuple[Path, Mapping[str, Any]]], model_id: str) -> str:
    """``proceval evaluate`` command lines that recompute each result (``RELEASE``: the release path)."""
    import json
    import shlex

    lines = []
    for _, res in results:
        parts = ["proceval", "evaluate", res["metric"], "--source", "RELEASE", "--config", res["config"]]
        parts += [
            "--split",
            res["split"],
            "--predictions",
            (res.get("predictions") or {}).get("file", "PREDICTIONS"),
        ]
        for key, value in sorted((res.get("options") or {}).items()):
            parts += ["-o", f"{key}={value if isinstance(value, str) else json.dumps(value)}"]
        boot = res.get("bootstrap")
        if boot:
            parts += ["--bootstrap", str(boot["n_resamples"]), "--seed", str(boot["seed"])]
            if res.get("ci_level") not in (None, 0.95):
                parts += ["--confidence", str(res["ci_level"])]
        model = res.get("model") or {}
        parts += ["--model-id", model_id]
        if model.get("revision"):
            parts += ["--revision", model["revision"]]
        for split in model.get("trained_on") or []:
            parts += ["--trained-on", split]
        lines.append(" ".join(shlex.quote(str(p)) for p in parts))
    return "\n".join(lines)


# -- the bundle ----------------------------------------------------------------------------------------
def _check_results(results: Sequence[tuple[Path, Mapping[str, Any]]], model_id: str) -> None:
    seen: dict[tuple[str, ...], Path] = {}
    for path, res in results:
        got = (res.get("model") or {}).get("id")
        if got != model_id:
            raise InputValidationError(
                f"Expected results of model `{model_id}` (--model-id), but got model {got!r} in {path}."
            )
        key = (res["benchmark"], res["config"], res["split"], res["metric"])
        if key in seen:
            raise InputValidationError(
                f"Expected one result per benchmark, config, split and metric, but got {'/'.join(key)} twice: "
                f"{seen[key]} and {path}."
            )
        seen[key] = path


def render_model_card(
    results: Sequence[tuple[Path, Mapping[str, Any]]],
    *,
    model_id: str,
    dataset_ids: Mapping[str, str],
    template: str | os.PathLike[str] | None = None,
    tags: Sequence[str] = (),
) -> ModelCardBundle:
    """Render the model card and Eval Results files of ``model_id`` from its result files.

    Args:
        results: ``(path, result dict)`` pairs (:func:`load_results`), all of ``model_id``.
        model_id: the model repo id, ``ORG/NAME``.
        dataset_ids: ``{benchmark: dataset repo id}`` (:func:`resolve_dataset_ids`).
        template: a ``string.Template`` Markdown file (default :data:`TEMPLATE_PATH`).
        tags: extra card tags (``proceval`` and the benchmark names are always there).

    Raises:
        InputValidationError: a result of another model, two results for one benchmark/config/split/
            metric, or a benchmark without a dataset repo id.
        ModelCardError: the template is missing or has unknown placeholders, or the rendered card does
            not parse with ``huggingface_hub`` into the same values.
    """
    from huggingface_hub import ModelCardData, eval_result_entries_to_yaml

    check_repo_id(model_id, "model")
    _check_results(results, model_id)
    missing = sorted({r["benchmark"] for _, r in results} - set(dataset_ids))
    if missing:
        raise InputValidationError(
            f"Expected a dataset repo id for every benchmark, but got none for {missing}."
        )
    entries_by_file, notes = eval_results_files(results, dataset_ids)
    files = {
        p: yaml.safe_dump(eval_result_entries_to_yaml(e), sort_keys=False, allow_unicode=True)
        for p, e in entries_by_file.items()
    }
    benches = sorted({r["benchmark"] for _, r in results})
    data = ModelCardData(
        model_name=model_id,
        eval_results=model_index_results(results, dataset_ids) or None,
        tags=["proceval", *benches, *tags],
    )
    template_path = Path(template) if template is not None else TEMPLATE_PATH
    try:
        text = template_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelCardError(
            f"{template_path}: cannot read the model card template ({exc.strerror})."
        ) from None
    values = {
        "card_data": data.to_yaml(),
        "model_id": model_id,
        "model_name": model_id.split("/")[-1],
        "proceval_version": __version__,
        "results_table": results_table(results),
        "provenance": provenance(results),
        "eval_results_list": eval_results_list(files, dataset_ids, notes),
        "reproduce": reproduce(results, model_id),
    }
    try:
        readme = string.Template(text).substitute(values)
    except (KeyError, ValueError) as exc:
        raise ModelCardError(
            f"{template_path}: Expected only the placeholders {', '.join('$' + p for p in _PLACEHOLDERS)}, "
            f"but got an unknown or malformed one ({exc})."
        ) from None
    bundle = ModelCardBundle(model_id=model_id, readme=readme, eval_results=files, notes=notes)
    validate_bundle(bundle, results, dataset_ids)
    return bundle


def validate_bundle(
    bundle: ModelCardBundle,
    results: Sequence[tuple[Path, Mapping[str, Any]]],
    dataset_ids: Mapping[str, str],
) -> None:
    """Parse the bundle with ``huggingface_hub`` (``ModelCard``, ``parse_eval_result_entries``) and compare.

    Raises:
        ModelCardError: a file does not parse, or a parsed value differs from the result files'.
    """
    from huggingface_hub import ModelCard, parse_eval_result_entries

    try:
        card = ModelCard(bundle.readme)
    except Exception as exc:  # huggingface_hub raises ValueError / yaml errors / KeyError on bad metadata
        raise ModelCardError(f"the rendered model card does not parse with huggingface_hub: {exc}") from None
    want_index = sorted(
        (r["config"], r["split"], h["key"], r["metric"], h["value"])
        for _, r in results
        for h in r["headline"]
        if _finite(h.get("value"))
    )
    got_index = sorted(
        (
            e.dataset_config,
            e.dataset_split,
            e.metric_type,
            (e.metric_name or "").split(" ")[0],
            e.metric_value,
        )
        for e in card.data.eval_results or []
    )
    if got_index != want_index:
        raise ModelCardError(
            f"Expected the card's model-index to hold {len(want_index)} values equal to the result files', "
            f"but huggingface_hub read {len(got_index)} (differing: "
            f"{sorted(set(want_index) ^ set(got_index))[:3]})."
        )
    expected, _ = eval_results_files(results, dataset_ids)
    for path, text in bundle.eval_results.items():
        try:
            parsed = parse_eval_result_entries(yaml.safe_load(text))
        except Exception as exc:  # KeyError / TypeError on a malformed entry
            raise ModelCardError(f"{path}: does not parse with huggingface_hub: {exc!r}") from None
        if parsed != expected.get(path):
            raise ModelCardError(f"{path}: huggingface_hub reads other entries than the result files hold.")
        if not PurePosixPath(path).parent == PurePosixPath(EVAL_RESULTS_FOLDER):
            raise ModelCardError(f"{path}: Eval Results files must lie in {EVAL_RESULTS_FOLDER}/.")


def write_bundle(bundle: ModelCardBundle, readme_path: str | os.PathLike[str]) -> list[Path]:
    """Write the card to ``readme_path`` and the entries to ``.eval_results/`` beside it (atomically).

    Returns:
        The paths written, card first.
    """
    readme = Path(readme_path)
    if readme.is_dir():
        raise InputValidationError(
            f"Expected argument `--out` to be a file path, but {str(readme)!r} is a folder."
        )
    written = [atomic_write_text(readme, bundle.readme)]
    for rel, text in bundle.eval_results.items():
        written.append(atomic_write_text(readme.parent / rel, text))
    return written
