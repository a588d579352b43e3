"""The package's structure: no import cycles between ctassist's modules, and no module (of
ctassist, the UI, the evals or the benchmarks) reaching into another package's private
modules.

The import graph is built from the source (the AST of ``ctassist/**/*.py``), so a cycle is
found whether or not an import order happens to work today. Imports inside
functions are kept (they run, later); imports under ``if TYPE_CHECKING:`` never run, so
they are left out of the first cycle check, and kept in a second, stricter one.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "ctassist"
#: Whose imports of private modules are checked (the tests may test private modules).
CHECKED = (PACKAGE, "ui", "evals", "benchmarks")

#: The private imports across packages that are still to be removed: this list only shrinks.
ALLOWED_CROSSINGS_FILE = Path(__file__).with_name("private_imports.toml")


@dataclass(frozen=True)
class Edge:
    """``importer`` imports ``target`` at ``line``; ``typing_only`` when under TYPE_CHECKING."""

    importer: str
    target: str
    line: int
    typing_only: bool


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str, path: Path) -> str:
    """The package a module's relative imports are resolved against."""
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, typing_only: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement below ``tree``, with whether it runs only for type checkers."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, typing_only
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                yield from _imports(ast.Module(body=[child], type_ignores=[]), True)
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]), typing_only)
        else:
            yield from _imports(node, typing_only)


def import_edges(modules: dict[str, Path]) -> list[Edge]:
    """The imports between the given modules, each to the module it names (``from a import b``
    names module ``a.b`` when there is one), plus the ``__init__`` of every package entered
    from outside, which Python runs first."""
    edges: list[Edge] = []
    for importer, path in sorted(modules.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, typing_only in _imports(tree):
            named: list[str] = []
            if isinstance(node, ast.Import):
                named = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package_of(importer, path).split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    named.append(submodule if submodule in modules else base)
            for target in named:
                for entered in _entered(importer, target):
                    if entered in modules and entered != importer:
                        edges.append(Edge(importer, entered, node.lineno, typing_only))
    return edges


def _entered(importer: str, target: str) -> list[str]:
    """``target`` and the packages above it that importing it runs, as seen from ``importer``:
    those that are not ``importer``'s own packages (already running when it imports)."""
    parts = target.split(".")
    own = {".".join(importer.split(".")[:n]) for n in range(1, importer.count(".") + 2)}
    above = [".".join(parts[:n]) for n in range(1, len(parts))]
    return [package for package in above if package not in own] + [target]


def cycles(edges: list[Edge]) -> list[list[str]]:
    """One cycle through each group of modules that import each other (Tarjan's strongly
    connected components), as the modules in import order, the first repeated at the end."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_one_cycle(graph, set(component)) for component in sorted(components)]


def _one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the first module of a strongly connected component."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & component):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover - a component has one


def private_owner(module: str) -> str | None:
    """The package whose private module ``module`` is (``ctassist.answer`` for
    ``ctassist.answer._decision``), or ``None`` for a public module."""
    parts = module.split(".")
    for n, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:n])
    return None


def private_crossings(edges: list[Edge]) -> set[tuple[str, str]]:
    """``(importer, target)`` where ``target`` is a private module of a package that does not
    hold ``importer``: it should be reached through that package's ``__init__``."""
    found = set()
    for edge in edges:
        owner = private_owner(edge.target)
        if owner is not None and edge.importer != owner and not edge.importer.startswith(owner + "."):
            found.add((edge.importer, edge.target))
    return found


def package_modules(root: Path = ROOT, packages: tuple[str, ...] = (PACKAGE,)) -> dict[str, Path]:
    """Every module of the given top-level folders under ``root``, by dotted name."""
    return {
        module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }


def test_no_import_cycles_between_ctassist_modules() -> None:
    edges = [edge for edge in import_edges(package_modules()) if not edge.typing_only]
    found = cycles(edges)
    assert not found, "import cycles:\n" + "\n".join(" → ".join(cycle) for cycle in found)


def test_no_cycles_even_through_imports_for_type_checkers() -> None:
    """Types are no excuse for a cycle either: a module that needs part of another that
    imports it names what it uses in a Protocol (as agenda and intake do of the Assistant)."""
    found = cycles(import_edges(package_modules()))
    assert not found, "import cycles:\n" + "\n".join(" → ".join(cycle) for cycle in found)


def test_no_new_private_imports_across_packages() -> None:
    """A private module (``_name``) is imported only from inside its own package; the few
    crossings left are listed in ``private_imports.toml``, which only shrinks."""
    found = private_crossings(import_edges(package_modules(ROOT, CHECKED)))
    allowed = {
        (importer, target)
        for importer, targets in tomllib.loads(ALLOWED_CROSSINGS_FILE.read_text(encoding="utf-8"))[
            "crossings"
        ].items()
        for target in targets
    }
    new = sorted(found - allowed)
    assert not new, (
        "private modules imported from another package (import from the package instead):\n"
        + "\n".join(f"{importer} imports {target}" for importer, target in new)
    )
    gone = sorted(allowed - found)
    assert not gone, "remove from private_imports.toml, no longer imported:\n" + "\n".join(
        f"{importer} imports {target}" for importer, target in gone
    )


def _graph_of(files: dict[str, str], root: Path) -> list[Edge]:
    """The edges of a package written from ``{relative path: source}`` under ``root``."""
    for name, source in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source, encoding="utf-8")
    return import_edges(package_modules(root, ("pkg",)))


def test_the_checks_find_a_cycle_and_a_private_crossing(tmp_path: Path) -> None:
    """The checks are not vacuous: a made-up package with a cycle (one of its imports
    relative, one inside a function) and a private crossing is caught; an import under
    TYPE_CHECKING is not a cycle."""
    edges = _graph_of(
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import thing\n",
            "pkg/b.py": "def f():\n    from . import a\n",
            "pkg/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.d import X\n",
            "pkg/d.py": "import pkg.c\n",
            "pkg/sub/__init__.py": "from pkg.sub._hidden import y\n",
            "pkg/sub/_hidden.py": "y = 1\n",
            "pkg/e.py": "from pkg.sub._hidden import y\n",
        },
        tmp_path,
    )
    runtime = [edge for edge in edges if not edge.typing_only]
    assert cycles(runtime) == [["pkg.a", "pkg.b", "pkg.a"]]
    assert ["pkg.c", "pkg.d", "pkg.c"] in cycles(edges)
    assert private_crossings(edges) == {("pkg.e", "pkg.sub._hidden")}
