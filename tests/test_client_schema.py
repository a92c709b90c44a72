"""The schema stays safe for normalised client caches and takes back the points it gives out.

Apollo Client, urql and Relay keep one record per `(__typename, id)`: a field of such a record
whose value depends on the list that reached it (a distance from that list's point) shows one
list's value in another. And an app passes a point it read back as an argument, so there is one
position shape, the same fields out and in.
"""

from __future__ import annotations

from graphql import (
    GraphQLInputObjectType,
    GraphQLObjectType,
    get_named_type,
    is_non_null_type,
)

from backend.schema import schema

TYPES = schema._schema.type_map
# Distances that belong to the object itself, whatever the query: a journey's route length.
INTRINSIC_DISTANCES = {("Journey", "distanceMeters")}


def _identified() -> dict[str, GraphQLObjectType]:
    return {
        name: t
        for name, t in TYPES.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__") and "id" in t.fields
    }


def test_identified_types_hold_no_distance_from_a_query_point() -> None:
    # given every type a client cache normalises (it has an id), then no field of it is a
    # distance from somewhere, except the object's own length
    found = {
        (name, field)
        for name, t in _identified().items()
        for field in t.fields
        if "distance" in field.lower()
    }
    assert found == INTRINSIC_DISTANCES


def test_lists_ordered_by_distance_carry_it_on_their_edges() -> None:
    for connection in ("PoiConnection", "JourneyConnection", "TourConnection", "HotelConnection"):
        edge = get_named_type(TYPES[connection].fields["edges"].type)  # type: ignore[union-attr]
        assert isinstance(edge, GraphQLObjectType)
        assert "distanceMeters" in edge.fields, connection
        assert "id" not in edge.fields  # an edge is stored with its list, never shared


def test_one_position_shape_out_and_in() -> None:
    # given every type with a latitude or longitude field
    with_coordinates = {
        name
        for name, t in TYPES.items()
        if isinstance(t, GraphQLObjectType | GraphQLInputObjectType)
        and {"lat", "lng", "latitude", "longitude"} & set(t.fields)
    }
    # then there are exactly two: the output point and the input point
    assert with_coordinates == {"GeoPoint", "GeoPointInput"}
    out, into = TYPES["GeoPoint"], TYPES["GeoPointInput"]
    assert isinstance(out, GraphQLObjectType) and isinstance(into, GraphQLInputObjectType)
    # with the same fields, so a point read can be sent back once __typename is dropped
    assert {n: str(f.type) for n, f in out.fields.items()} == {
        n: str(f.type) for n, f in into.fields.items()
    }
    assert all(is_non_null_type(f.type) for f in into.fields.values())
    assert "removeTypenameFromVariables" in (into.description or "")


def test_every_argument_that_takes_a_position_takes_a_geo_point_input() -> None:
    positional = {"near", "location", "point", "at", "center"}
    arguments = [
        (f"{name}.{field_name}({arg_name})", arg.type)
        for name, t in TYPES.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__")
        for field_name, field in t.fields.items()
        for arg_name, arg in field.args.items()
        if arg_name in positional
    ]
    inputs = [
        (f"{name}.{field_name}", field.type)
        for name, t in TYPES.items()
        if isinstance(t, GraphQLInputObjectType)
        for field_name, field in t.fields.items()
        if field_name in positional
    ]
    assert len(arguments) >= 4 and len(inputs) >= 6
    wrong = [
        where
        for where, type_ in arguments + inputs
        if get_named_type(type_).name != "GeoPointInput"
    ]
    assert wrong == []
