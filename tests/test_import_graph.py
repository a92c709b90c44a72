"""The import graph of backend/ and notifications/ has no circle.

Module-level imports form no cycle at all, and counting imports inside functions and under
TYPE_CHECKING neither: the moderation fields of Report name types of
backend.moderation.types.report_fields, which name no Report. Report still imports them late
(and through `strawberry.lazy`): importing that module runs the moderation.types package,
whose payloads and queue types build on Report.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Cycles allowed through deferred imports (none since the types modules were split by job).
ALLOWED_WITH_DEFERRED: list[list[str]] = []


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("backend", "notifications"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path], *, deferred: bool) -> set[str]:
    """What a module imports: a submodule when it names one, else the module itself."""
    found: set[str] = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]

    def record(node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            return
        base = node.module or ""
        if node.level:
            parent = package[: len(package) - (node.level - 1)]
            base = ".".join([*parent, *([base] if base else [])])
        subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
        found.update(subs)
        if len(subs) < len(node.names):
            found.add(base)

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                if deferred:
                    visit(node.body)
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if deferred:
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.Import | ast.ImportFrom):
                            record(inner)
                continue
            if isinstance(node, ast.Import | ast.ImportFrom):
                record(node)
                continue
            for block in ("body", "orelse", "finalbody"):
                visit(getattr(node, block, []))
            for handler in getattr(node, "handlers", []):
                visit(handler.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {target for target in found if target in known and target != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return sorted(cycles)


def test_module_level_imports_form_no_cycle() -> None:
    known = _modules()
    graph = {name: _imports(name, path, known, deferred=False) for name, path in known.items()}
    assert _cycles(graph) == []


def test_with_deferred_imports_only_the_allowed_cycles_remain() -> None:
    known = _modules()
    graph = {name: _imports(name, path, known, deferred=True) for name, path in known.items()}
    assert _cycles(graph) == ALLOWED_WITH_DEFERRED


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
