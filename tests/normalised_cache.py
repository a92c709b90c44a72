"""A normalised client cache, as Apollo Client's InMemoryCache keeps one, for the tests to read.

Apollo adds `__typename` to every selection set of a document (`with_typename` does the same),
stores each object that has `__typename` and `id` once, under `Typename:id`, merging into it the
fields of every response that reaches it, and rebuilds a query's result from those records. So a
field whose value depends on the list that reached the object (a distance from that list's point)
or an id shared by two different objects shows one answer's value in another answer: reading an
earlier query back from the cache then gives something other than what the server sent.

Simplified: fields are keyed by their response name (Apollo also keys them by their arguments),
so a test asks each field of an object with one set of arguments.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, NameNode, OperationDefinitionNode, SelectionSetNode, parse, print_ast
from graphql.language import Visitor, visit


class _AddTypename(Visitor):
    def enter_selection_set(
        self, node: SelectionSetNode, _key: Any, parent: Any, *_: Any
    ) -> SelectionSetNode | None:
        if isinstance(parent, OperationDefinitionNode):
            return None  # Apollo leaves the root selection alone
        names = {s.name.value for s in node.selections if isinstance(s, FieldNode)}
        if "__typename" in names:
            return None
        typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
        return SelectionSetNode(selections=(*node.selections, typename))


def with_typename(document: str) -> str:
    """The document with `__typename` in every selection set below the root, as Apollo sends it."""
    return print_ast(visit(parse(document), _AddTypename()))


class NormalisedCache:
    """Records by `Typename:id` and root results by a key the test chooses (its arguments)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.roots: dict[str, Any] = {}

    def write(self, root_key: str, data: Any) -> None:
        """Store a result: identified objects merged into their records, the rest inline."""
        self.roots[root_key] = self._normalise(data)

    def read(self, root_key: str) -> Any:
        """The result as the cache shows it now (records as they are after every write)."""
        return self._denormalise(self.roots[root_key])

    def record(self, typename: str, id_: str) -> dict[str, Any]:
        """One record, as stored (nested objects as references)."""
        return self.records[f"{typename}:{id_}"]

    def _normalise(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._normalise(item) for item in value]
        if not isinstance(value, dict):
            return value
        fields = {name: self._normalise(field) for name, field in value.items()}
        if "__typename" in value and value.get("id") is not None:
            key = f"{value['__typename']}:{value['id']}"
            self.records.setdefault(key, {}).update(fields)
            return {"__ref": key}
        return fields

    def _denormalise(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._denormalise(item) for item in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"__ref"}:
            value = self.records[value["__ref"]]
        return {name: self._denormalise(field) for name, field in value.items()}
