"""The layers import one way: foundations → knowledge → scheduler → handlers → bot.

A module may import its own layer or the ones below it, and no module may reach itself again
through its imports. Every import counts: at the top, inside functions, under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {"foundations": 0, "knowledge": 1, "scheduler": 2, "handlers": 3, "bot": 4}


def module_name(path: Path) -> str:
    """`bot/web/app.py` → `bot.web.app`; a package's `__init__.py` is the package itself."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every module of the layered packages, by dotted name."""
    return {
        module_name(path): path
        for package in LAYERS
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def imported_names(module: str, path: Path) -> Iterator[str]:
    """Every module name an import statement anywhere in the file names, made absolute."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = absolute_base(module, is_package, node.level, node.module)
            yield base
            # `from bot import outbox` imports the module bot.outbox, not just the package
            yield from (f"{base}.{alias.name}" for alias in node.names)


def absolute_base(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The module a `from … import` reads, with its leading dots resolved against `module`."""
    if level == 0:
        return name or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    package = package[: len(package) - (level - 1)]
    return ".".join([*package, name] if name else package)


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (not itself)."""
    modules = project_modules()
    return {
        module: {
            name for name in imported_names(module, path) if name in modules and name != module
        }
        for module, path in modules.items()
    }


def layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def upward_imports(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if layer(target) > layer(module)
    }


def strongly_connected(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The groups of modules that reach each other (Tarjan), only those of two or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[frozenset[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(frozenset(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def one_cycle(graph: dict[str, set[str]], group: frozenset[str]) -> list[str]:
    """A shortest way round inside `group`, from its first module back to it, for the report."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for target in sorted(graph[module] & group):
                if target == start:
                    return [*paths[module], start]
                if target not in paths:
                    paths[target] = [*paths[module], target]
                    following.append(target)
        frontier = following
    return [start]


def test_no_module_imports_a_higher_layer() -> None:
    new = sorted(upward_imports(import_graph()))
    assert not new, "Import lên tầng trên (foundations → … → bot), sửa import:\n" + "\n".join(
        f"  {module} → {target}" for module, target in new
    )


def test_no_module_reaches_itself_through_its_imports() -> None:
    graph = import_graph()
    cycles = [one_cycle(graph, group) for group in strongly_connected(graph)]
    assert not cycles, "Vòng import:\n" + "\n".join("  " + " → ".join(c) for c in cycles)
