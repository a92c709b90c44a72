"""GraphQL execution with a short path for plain leaf fields.

A list of 52 places selects ~940 fields, and 5 in 6 of them are a scalar read from an attribute
(`name`, `location.lat`, `rating.count`, a cursor). graphql-core spends ~4 us on each: it builds a
resolve info, calls Strawberry's wrapper of the default resolver, then walks `complete_value`'s
checks. `FastLeafExecutionContext.execute_fields` reads such a field directly (the attribute, then
the type's own output coercion, skipped for a `str` in a String and the like) when nothing can
observe the difference:

- the field is a Strawberry *basic* field (no resolver, no permission classes or field
  extensions: Strawberry itself then skips the resolve info) whose type is a scalar or an enum,
  or a list of them, possibly non-null;
- the request has no field middleware (a schema extension with a `resolve` hook) and the field
  node has no arguments or directives (@include/@skip were applied when the selection was
  collected; a node with any directive takes the usual path).

Plain objects, and lists of them, go the same way when everything their selection asks for is
plain (`location { lat lng }`, `rating { average count }`, a place under `node`, the edges of a
connection): readers made once per selection per request build the answer. Anything unusual (a
null where the type says non-null, a value the scalar refuses, an exception stored in the
attribute, a list that is not a list) takes graphql-core's own path for that field, which reads
the attributes again and reports the error exactly as before. So the answer, errors included, is
the same; only the work per field is less. Nothing is cached across requests: every value is
read from the request's own objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import isfinite
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

GRAPHQL_MIN_INT, GRAPHQL_MAX_INT = -(2**31), 2**31 - 1


def _int_as_is(value: int) -> bool:
    return GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT


# Built-in scalars: the Python type their output coercion returns unchanged (with a check).
_AS_IS: dict[object, tuple[type, Callable[[Any], bool] | None]] = {
    GraphQLString: (str, None),
    GraphQLID: (str, None),
    GraphQLBoolean: (bool, None),
    GraphQLInt: (int, _int_as_is),
    GraphQLFloat: (float, isfinite),
}


@dataclass(frozen=True, slots=True)
class LeafPlan:
    """How to read one plain leaf field: attribute name and the type's output coercion."""

    attribute: str
    coerce: Callable[[Any], Any]
    nullable: bool
    is_list: bool = False
    items_nullable: bool = True
    as_is: type | None = None  # values of exactly this type need no coercion...
    check: Callable[[Any], bool] | None = None  # ...when they pass this check


Reader = Callable[[Any], Any]  # source -> the field's answer, or _NOT_PLAIN
Entry = tuple[str, FieldDetailsList, Reader | None, bool]  # name, fields, reader, is an object

_NOT_PLAIN: Any = object()  # this value needs graphql-core's path (an error to report, usually)


def _unwrap(type_: GraphQLOutputType) -> tuple[GraphQLOutputType, bool]:
    if isinstance(type_, GraphQLNonNull):
        return type_.of_type, False
    return type_, True


def _basic_attribute(field: GraphQLField) -> str | None:
    """The attribute a Strawberry basic field reads (no resolver, permissions or extensions:
    `default_resolver(source, python_name)`, getattr unless the config names another)."""
    if field.args or not getattr(field.resolve, "_is_default", False):
        return None
    strawberry_field = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(strawberry_field, StrawberryField) or not strawberry_field.is_basic_field:
        return None
    if strawberry_field.default_resolver is not getattr:
        return None
    return strawberry_field.python_name or None


def leaf_plan(field: GraphQLField) -> LeafPlan | None:
    """The short path for a leaf `field`, or None when it must take graphql-core's usual path."""
    attribute = _basic_attribute(field)
    if attribute is None:
        return None
    outer, nullable = _unwrap(field.type)
    is_list = isinstance(outer, GraphQLList)
    leaf, items_nullable = _unwrap(outer.of_type) if is_list else (outer, True)  # type: ignore[union-attr]
    if not is_leaf_type(leaf):
        return None
    as_is, check = _AS_IS.get(leaf, (None, None))
    return LeafPlan(
        attribute,
        leaf.coerce_output_value,  # type: ignore[union-attr]
        nullable,
        is_list=is_list,
        items_nullable=items_nullable,
        as_is=as_is,
        check=check,
    )


def _coerce(plan: LeafPlan, value: Any) -> Any:
    """graphql-core's completion of a leaf (or a list of leaves), without raising."""
    if value is None or value is Undefined:
        return None if plan.nullable else _NOT_PLAIN
    if isinstance(value, Exception):
        return _NOT_PLAIN
    try:
        if not plan.is_list:
            coerced = plan.coerce(value)
            return _NOT_PLAIN if coerced is None or coerced is Undefined else coerced
        if not isinstance(value, list | tuple):
            return _NOT_PLAIN
        items: list[Any] = []
        for item in value:
            if item is None or item is Undefined:
                if not plan.items_nullable:
                    return _NOT_PLAIN
                items.append(None)
                continue
            if isinstance(item, Exception):
                return _NOT_PLAIN
            coerced = plan.coerce(item)
            if coerced is None or coerced is Undefined:
                return _NOT_PLAIN
            items.append(coerced)
        return items
    except Exception:  # the usual path raises it again, located
        return _NOT_PLAIN


def leaf_reader(plan: LeafPlan, is_awaitable: Callable[[Any], bool]) -> Reader:
    attribute, as_is, check = plan.attribute, plan.as_is, plan.check

    if plan.is_list:

        def read_list(source: Any) -> Any:
            raw = getattr(source, attribute, _NOT_PLAIN)
            plain_list = type(raw) is list and as_is is not None and check is None
            if plain_list and all(type(item) is as_is for item in raw):
                return list(raw)
            if raw is _NOT_PLAIN or is_awaitable(raw):
                return _NOT_PLAIN
            return _coerce(plan, raw)

        return read_list

    def read(source: Any) -> Any:
        raw = getattr(source, attribute, _NOT_PLAIN)
        if type(raw) is as_is and (check is None or check(raw)):
            return raw
        if raw is _NOT_PLAIN or is_awaitable(raw):
            return _NOT_PLAIN
        return _coerce(plan, raw)

    return read


def object_reader(
    attribute: str,
    nullable: bool,
    fields: tuple[tuple[str, Reader], ...],
    is_awaitable: Callable[[Any], bool],
    *,
    is_list: bool = False,
    items_nullable: bool = True,
) -> Reader:
    """A plain object field (or a list of plain objects) whose selection is all plain."""

    def build(value: Any, nullable: bool) -> Any:
        if value is None or value is Undefined:
            return None if nullable else _NOT_PLAIN
        if value is _NOT_PLAIN or isinstance(value, Exception) or is_awaitable(value):
            return _NOT_PLAIN
        result = {}
        for response_name, reader in fields:
            answer = reader(value)
            if answer is _NOT_PLAIN:
                return _NOT_PLAIN
            result[response_name] = answer
        return result

    def read(source: Any) -> Any:
        return build(getattr(source, attribute, _NOT_PLAIN), nullable)

    def read_list(source: Any) -> Any:
        raw = getattr(source, attribute, _NOT_PLAIN)
        if raw is None or raw is Undefined:
            return None if nullable else _NOT_PLAIN
        if not isinstance(raw, list | tuple):
            return _NOT_PLAIN
        items = []
        for item in raw:
            answer = build(item, items_nullable)
            if answer is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(answer)
        return items

    return read_list if is_list else read


# Plans by field definition, for the life of the process (a schema is built a few times at most).
_plans: dict[int, tuple[GraphQLField, LeafPlan | None]] = {}


def _plan_for(field: GraphQLField) -> LeafPlan | None:
    known = _plans.get(id(field))
    if known is not None and known[0] is field:
        return known[1]
    plan = leaf_plan(field)
    _plans[id(field)] = (field, plan)
    return plan


class FastLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context; plain fields skip the per-field machinery."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A selection's readers, by the identity of graphql-core's grouped field set (memoised
        # per request, so the 52 places of a list share one); the set is kept alive with them.
        self._selection_plans: dict[int, tuple[GroupedFieldSet, tuple[Entry, ...]]] = {}

    def _entries(
        self, parent_type: GraphQLObjectType, fields: GroupedFieldSet
    ) -> tuple[Entry, ...]:
        """The reader of each field of a selection (None: the usual path), once per request."""
        known = self._selection_plans.get(id(fields))
        if known is not None and known[0] is fields:
            return known[1]
        middleware = self.middleware_manager
        plain = middleware is None or middleware._middleware_resolvers is None
        entries = []
        for response_name, field_details_list in fields.items():
            node = field_details_list[0].node
            reader: Reader | None = None
            is_object = False
            if node.name.value == "__typename" and not node.directives:
                name = parent_type.name
                reader = lambda _source, name=name: name  # noqa: E731
            elif plain and not node.arguments and not node.directives:
                field = self.schema.get_field(parent_type, node.name.value)
                plan = _plan_for(field) if field is not None else None
                if plan is not None:
                    reader = leaf_reader(plan, self.is_awaitable)
                elif field is not None:
                    reader = self._object_reader(field, field_details_list)
                    is_object = reader is not None
            entries.append((response_name, field_details_list, reader, is_object))
        self._selection_plans[id(fields)] = (fields, tuple(entries))
        return tuple(entries)

    def _object_reader(
        self, field: GraphQLField, field_details_list: FieldDetailsList
    ) -> Reader | None:
        """A plain object field, or list of them, whose selection here is all plain (leaves,
        __typename, more such objects), without @defer in it."""
        attribute = _basic_attribute(field)
        type_, nullable = _unwrap(field.type)
        is_list = isinstance(type_, GraphQLList)
        type_, items_nullable = _unwrap(type_.of_type) if is_list else (type_, True)  # type: ignore[union-attr]
        if attribute is None or not isinstance(type_, GraphQLObjectType) or type_.is_type_of:
            return None
        collected = self.collect_subfields(type_, field_details_list)
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            return None
        readers = []
        for response_name, _, reader, _ in self._entries(type_, collected.grouped_field_set):
            if reader is None:
                return None
            readers.append((response_name, reader))
        return object_reader(
            attribute,
            nullable,
            tuple(readers),
            self.is_awaitable,
            is_list=is_list,
            items_nullable=items_nullable,
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_fields`, with the short path for plain fields."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, reader, is_object in self._entries(
                parent_type, grouped_field_set
            ):
                # Objects inline only outside @defer (their usual path may plan deferred work).
                if reader is not None and (position_context is None or not is_object):
                    try:
                        value = reader(source_value)
                    except Exception:  # an attribute that raises: graphql-core reports it
                        value = _NOT_PLAIN
                    if value is not _NOT_PLAIN:
                        results[response_name] = value
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                # Ensure that awaitables created by other fields are settled, as they may also
                # fail.
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()
