"""One owner per collection: the repository that declares a collection's indexes is the only
module that names it in a `db[...]` lookup, and services hold no MongoDB operators.

Both checks read the code (its syntax tree, the constants resolved in each module's namespace),
so a second owner fails here before it drifts. OWED lists what the structural step has not yet
moved into its owner; it may only shrink: an entry that is no longer true fails too.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from backend import domains

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("backend", "notifications")

# collection -> modules that still touch it outside its owner (to be moved, never added to).
OWED: dict[str, set[str]] = {}
# Collections whose indexes more than one module declares (owed: to move into the owner).
INDEXES_OWED: dict[str, set[str]] = {}
OPERATOR = re.compile(r"^\$[a-zA-Z]+$")
# Services that still hold operator literals (to be moved into their repositories).
OPERATORS_OWED: set[str] = set()

# The owner of a collection whose indexes are still declared in several modules.
OWNER = {"reports": "backend.reports.repository", "outbox": "backend.outbox"}


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "console" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def owners() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for module in domains.REPOSITORIES:
        for collection in module.INDEXES:
            found.setdefault(collection, set()).add(module.__name__)
    return found


def collection_lookups(name: str, path: Path, collections: set[str]) -> set[str]:
    """The collections a module looks up as `something[<name or constant>]`."""
    namespace: dict[str, Any] = dict(vars(importlib.import_module(name)))
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        # db[...], self.db[...], database[...]: a collection of a database handle.
        if not isinstance(node, ast.Subscript) or not _is_database(node.value):
            continue
        try:
            value = eval(  # noqa: S307 (names and constants of our own modules only)
                compile(ast.Expression(node.slice), str(path), "eval"),
                {"__builtins__": {}},
                namespace,
            )
        except Exception:  # noqa: S112 (not a constant expression: not a collection lookup)
            continue
        if isinstance(value, str) and value in collections:
            found.add(value)
    return found


def _is_database(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ("db", "database")
    return isinstance(node, ast.Attribute) and node.attr in ("db", "database")


def within(module: str, owner: str) -> bool:
    return module == owner or module.startswith(owner + ".")


def test_each_collection_has_one_owner_and_owed_uses_only_shrink() -> None:
    declared = owners()
    assert {c: o for c, o in declared.items() if len(o) > 1} == INDEXES_OWED, (
        "indexes of a collection are declared by its owner only"
    )
    outside: dict[str, set[str]] = {}
    for name, path in modules():
        for collection in collection_lookups(name, path, set(declared)):
            owning = {OWNER[collection]} if collection in OWNER else declared[collection]
            if not any(within(name, o) for o in owning):
                outside.setdefault(collection, set()).add(name)
    new = {c: m - OWED.get(c, set()) for c, m in outside.items() if m - OWED.get(c, set())}
    assert not new, f"a collection used outside its repository: {new}"
    gone = {c: m - outside.get(c, set()) for c, m in OWED.items() if m - outside.get(c, set())}
    assert not gone, f"moved into the owner: take these out of OWED: {gone}"


def test_services_hold_no_mongodb_operators_but_the_owed() -> None:
    holding = set()
    for name, path in modules():
        if ".service" not in name or name.endswith("__init__"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and OPERATOR.match(node.value)
            for node in ast.walk(tree)
        ):
            holding.add(name)
    assert holding - OPERATORS_OWED == set(), "operators belong in repositories"
    assert OPERATORS_OWED - holding == set(), "no longer holding operators: shrink OPERATORS_OWED"


RESOLVERS = ("types", "queries", "mutations", "routes")


def test_resolvers_and_types_reach_data_through_services_only() -> None:
    """GraphQL types, resolvers and HTTP routes import no repository: reads and writes go
    through the domain's service (types get data from DataLoaders on the typed Context)."""
    reaching: dict[str, set[str]] = {}
    for name, path in modules():
        if name.rsplit(".", 1)[-1] not in RESOLVERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            if any(t.endswith(".repository") or ".repository." in t for t in targets):
                reaching.setdefault(name, set()).update(targets)
    assert reaching == {}, reaching
