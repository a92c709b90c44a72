"""Which parts of a GraphQL selection depend on who asks: what decides whether a signed-in
viewer's answer may come from, and go into, the response cache shared with everybody.

A token says who asks; it does not make an answer personal. `pois { name rating }` is the same
for every viewer in a language, `poi { reviews { mine } }` is not. A field is viewer-dependent
when it is declared so below (its value is computed from the viewer by a parent or a loader),
when permission classes guard it (the answer is data for some viewers, an error for others), or
when its resolver reads the viewer for anything but the language. Any such field anywhere in the
document (fragments included, used or not) keeps a signed-in request out of the shared cache.
"""

from __future__ import annotations

import inspect
import re
from collections import OrderedDict
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    visit,
)

# Computed from the viewer outside the field's own resolver (by the parent's resolver or a
# DataLoader built for the viewer), so no reading of this field's code can tell.
DECLARED = frozenset(
    {
        "Review.mine",
        "Report.viewerIsFollowing",
        "Report.viewerHasMeToo",
        "Report.viewerIsReporter",
        "Report.reporter",
        "Report.location",
        "Report.locationIsApproximate",
        "Report.address",
        "Query.viewer",
    }
)
# `info.context.viewer` followed by anything but `.locale` (`viewer.uid`, `viewer.roles`, or the
# viewer handed to a rule).
_READS_VIEWER = re.compile(r"context\.viewer(?!\.locale\b)")
MAX_REMEMBERED = 1024


def _reads_viewer(resolver: Any) -> bool:
    try:
        source = inspect.getsource(resolver)
    except (OSError, TypeError):
        return False
    return bool(_READS_VIEWER.search(source))


def viewer_dependent_fields(schema: GraphQLSchema) -> frozenset[str]:
    """`Type.field` coordinates whose value depends on the viewer (beyond the language)."""
    found = set(DECLARED)
    for type_name, named in schema.type_map.items():
        if not isinstance(named, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in named.fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            if definition is None:
                continue
            if getattr(definition, "permission_classes", None):
                found.add(f"{type_name}.{field_name}")
            resolver = getattr(getattr(definition, "base_resolver", None), "wrapped_func", None)
            if resolver is not None and _reads_viewer(resolver):
                found.add(f"{type_name}.{field_name}")
    return frozenset(found)


class _Collect(Visitor):
    def __init__(self, type_info: TypeInfo, coordinates: set[str]) -> None:
        super().__init__()
        self.type_info = type_info
        self.coordinates = coordinates

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None:
            self.coordinates.add(f"{parent.name}.{node.name.value}")


class ViewerFields:
    """Answers "does this document select a viewer-dependent field?", remembered per document."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.fields = viewer_dependent_fields(schema)
        self._seen: OrderedDict[str, bool] = OrderedDict()

    def selected(self, document: str) -> frozenset[str]:
        """Every `Type.field` the document names (unknown fields are left to validation)."""
        coordinates: set[str] = set()
        type_info = TypeInfo(self.schema)
        visit(parse(document), TypeInfoVisitor(type_info, _Collect(type_info, coordinates)))
        return frozenset(coordinates)

    def touched(self, document: str) -> bool:
        """True when the document selects a viewer-dependent field (or cannot be read)."""
        known = self._seen.get(document)
        if known is not None:
            self._seen.move_to_end(document)
            return known
        try:
            touched = bool(self.selected(document) & self.fields)
        except GraphQLError:
            touched = True  # unparsable: not shared (GraphQL answers with the error anyway)
        self._seen[document] = touched
        if len(self._seen) > MAX_REMEMBERED:
            self._seen.popitem(last=False)
        return touched
