"""Architecture guards, read from the source with ``ast``.

(a) The generic layers (``scores``, ``judges``, ``datasets``, ``hub``, ``evaluation``, ``video``,
    ``commands``) name no benchmark: no import of a benchmark package and no string literal (docstrings
    aside) holding a benchmark's name. Everything that names one lives in ``proceval.benchmarks.<name>``.
(b) The import graph of ``proceval`` modules (function-level imports included, ``TYPE_CHECKING``
    imports excluded) has no cycle.
(c) No module imports another module's private name (``from x import _y``).
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from proceval.benchmarks import BUILTIN_PACKAGES
from proceval.registry import benchmarks

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "proceval"
GENERIC_LAYERS: tuple[str, ...] = (
    "scores",
    "judges",
    "datasets",
    "hub",
    "evaluation",
    "video",
    "commands",
    "native",
)
PRIVATE_SCAN: tuple[Path, ...] = (PACKAGE, ROOT / "metrics", ROOT / "dataset_scripts")


def benchmark_words() -> set[str]:
    """Registry names, benchmark package names, and the words of each builtin's display name."""
    words = {pkg.rsplit(".", 1)[-1] for pkg in BUILTIN_PACKAGES}
    for bench in benchmarks():
        words.add(bench.name)
        # "Pro2Bench / EgoProactive: ..." also names EgoProactive; keep word-like tokens of the title head.
        head = bench.title.partition(":")[0]
        words |= {t for t in re.split(r"[^A-Za-z0-9]+", head) if len(t) > 3 and re.search("[A-Za-z]", t)}
    return {w.lower() for w in words}


def word_pattern(words: set[str]) -> re.Pattern[str]:
    """Any of ``words``, case-insensitive, as a whole word (letters and digits continue a word)."""
    alternatives = "|".join(map(re.escape, sorted(words)))
    return re.compile(rf"(?<![a-z0-9])({alternatives})(?![a-z0-9])", re.IGNORECASE)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def rel(path: Path, root: Path = ROOT) -> str:
    return path.relative_to(root).as_posix()


def _docstring_nodes(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    out.add(id(body[0].value))
    # A bare string statement right after an assignment documents that attribute.
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for prev, stmt in itertools.pairwise(body):
            if (
                isinstance(prev, (ast.Assign, ast.AnnAssign))
                and isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                out.add(id(stmt.value))
    return out


@dataclass(frozen=True)
class Import:
    """One imported module (``name``) and the names taken from it, at a line, in or out of TYPE_CHECKING."""

    module: str
    names: tuple[str, ...]
    line: int
    type_checking: bool


def _resolve_relative(current: str, is_package: bool, level: int, module: str | None) -> str:
    base = current.split(".") if is_package else current.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def imports(path: Path, tree: ast.Module) -> Iterator[Import]:
    """Every import in ``tree`` (any depth), with relative imports resolved."""
    current = module_name(path) if path.is_relative_to(SRC) else path.stem
    is_package = path.name == "__init__.py"
    checking: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                checking |= {id(n) for n in ast.walk(inner)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, (), node.lineno, id(node) in checking)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = _resolve_relative(current, is_package, node.level, node.module)
            names = tuple(a.name for a in node.names)
            yield Import(module, names, node.lineno, id(node) in checking)


def _names_benchmark(module: str, words: set[str]) -> bool:
    parts = module.lower().split(".")
    return any(p in words for p in parts)


def benchmark_mentions(path: Path, words: set[str], root: Path = ROOT) -> list[str]:
    """``file:line: ...`` for each import of a benchmark package and each non-docstring string naming one."""
    pattern = word_pattern(words)
    tree = parse(path)
    found = []
    for imp in imports(path, tree):
        targets = [imp.module, *(f"{imp.module}.{n}" for n in imp.names)]
        bad = [t for t in targets if t.startswith("proceval.benchmarks") and _names_benchmark(t, words)]
        if bad or _names_benchmark(imp.module, words):
            found.append(f"{rel(path, root)}:{imp.line}: imports {bad[0] if bad else imp.module}")
    docstrings = _docstring_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            match = pattern.search(node.value)
            if match:
                found.append(
                    f"{rel(path, root)}:{node.lineno}: string names {match.group(0)!r}: {node.value[:70]!r}"
                )
    return found


def test_generic_layers_name_no_benchmark() -> None:
    words = benchmark_words()
    assert {"impact", "pro2bench", "procobject", "egoproactive"} <= words
    found: list[str] = []
    for layer in GENERIC_LAYERS:
        folder = PACKAGE / layer
        files = python_files(folder) if folder.is_dir() else []
        if (PACKAGE / f"{layer}.py").is_file():
            files.append(PACKAGE / f"{layer}.py")
        for path in files:
            found += benchmark_mentions(path, words)
    assert not found, "generic modules name a benchmark:\n" + "\n".join(found)


def test_the_guard_flags_imports_and_strings_not_docstrings(tmp_path: Path) -> None:
    module = tmp_path / "tests" / "sample_module.py"
    module.parent.mkdir()
    module.write_text(
        '"""Docstrings may say IMPACT."""\n'
        "from proceval.benchmarks import impact\n"
        "import proceval.benchmarks.procobject.sample\n"
        "X = 1\n"
        '"""Attribute docs may say EgoProactive."""\n'
        "def f():\n"
        '    """Nor is this one flagged: impact."""\n'
        '    return f"build {1} Pro2Bench", "impacted"\n'
    )
    found = benchmark_mentions(module, benchmark_words(), root=tmp_path)
    assert [f.split(": ", 1)[0] for f in found] == [
        "tests/sample_module.py:2",
        "tests/sample_module.py:3",
        "tests/sample_module.py:8",
    ]


def import_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], str]]:
    """``module -> modules it imports`` among ``proceval`` modules, and where each edge is written."""
    files = {module_name(p): p for p in python_files(PACKAGE)}
    graph: dict[str, set[str]] = {m: set() for m in files}
    where: dict[tuple[str, str], str] = {}
    for mod, path in files.items():
        for imp in imports(path, parse(path)):
            if imp.type_checking or not imp.module.startswith("proceval"):
                continue
            # ``from package import submodule`` depends on the submodule; the package itself only when a
            # name that is not a submodule is taken from it (or on ``import package``).
            submodules = [f"{imp.module}.{n}" for n in imp.names if f"{imp.module}.{n}" in files]
            targets = list(submodules)
            if imp.module in files and (not imp.names or len(submodules) < len(imp.names)):
                targets.append(imp.module)
            for target in targets:
                if target != mod:
                    graph[mod].add(target)
                    where.setdefault((mod, target), f"{rel(path)}:{imp.line}")
    return graph, where


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or None (iterative DFS)."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for start in sorted(graph):
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(child) == 1:
                return [*path[path.index(child) :], child]
            if not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))
    return None


def test_no_import_cycles() -> None:
    graph, where = import_graph()
    cycles = []
    # Report every cycle found by cutting one edge of each and searching again.
    remaining = {k: set(v) for k, v in graph.items()}
    while (cycle := find_cycle(remaining)) is not None and len(cycles) < 50:
        edges = [f"{a} -> {b} ({where[(a, b)]})" for a, b in itertools.pairwise(cycle)]
        cycles.append("\n  ".join(edges))
        remaining[cycle[-2]].discard(cycle[-1])
    assert not cycles, "import cycles among proceval modules:\n" + "\n".join(f"- {c}" for c in cycles)


def test_no_private_names_imported_across_modules() -> None:
    found = []
    for root in PRIVATE_SCAN:
        for path in python_files(root):
            current = module_name(path) if path.is_relative_to(SRC) else path.stem
            for imp in imports(path, parse(path)):
                if imp.module == "__future__":
                    continue
                for name in imp.names:
                    if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
                        continue
                    # A private submodule of one's own package is that package's business.
                    is_module = (SRC / Path(*f"{imp.module}.{name}".split("."))).with_suffix(".py").is_file()
                    package = current.rsplit(".", 1)[0] if "." in current else ""
                    if is_module and imp.module == package:
                        continue
                    found.append(f"{rel(path)}:{imp.line}: from {imp.module} import {name}")
    assert not found, "private names imported from another module:\n" + "\n".join(found)


def test_the_guard_sees_a_benchmark_name() -> None:
    """The guard's pattern: case-insensitive, whole words (``_``, ``-``, ``.``, ``/`` separate words)."""
    pattern = word_pattern(benchmark_words())
    assert pattern.search("proceval build IMPACT configs") and pattern.search("load_impact")
    assert pattern.search("sample/egoproactive/x") and not pattern.search("impacted")
