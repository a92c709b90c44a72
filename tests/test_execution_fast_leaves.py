"""backend/execution.py: plain leaf fields take a short path that answers exactly as graphql-core
does, errors included, and fields with resolvers, permissions or directives keep the usual one."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
import strawberry
from graphql.execution.executor import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from backend import schema as app_schema
from backend.auth.permissions import IsSignedIn
from backend.execution import FastLeafExecutionContext, leaf_plan


@strawberry.enum
class Colour(Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Point:
    lat: float
    lng: float


@strawberry.type
class Place:
    id: strawberry.ID
    name: str
    count: int
    score: float | None
    open: bool | None
    colour: Colour
    tags: list[str]
    maybe_tags: list[str | None] | None
    location: Point
    near: Point | None
    points: list[Point]
    maybe_points: list[Point | None] | None
    broken: int  # holds what the test puts there
    strings: list[str]  # holds what the test puts there

    @strawberry.field
    def shout(self, suffix: str = "!") -> str:
        return self.name.upper() + suffix

    @strawberry.field(permission_classes=[IsSignedIn])
    def secret(self) -> str:
        return "nobody's"


def _place(n: int, **changes: Any) -> Place:
    values: dict[str, Any] = {
        "id": strawberry.ID(f"p{n}"),
        "name": f"Chùa {n}",
        "count": n,
        "score": None if n % 2 else n / 3,
        "open": n % 3 == 0 or None,
        "colour": Colour.RED if n % 2 else Colour.GREEN,
        "tags": ["a", f"t{n}"],
        "maybe_tags": None if n % 4 == 0 else ["x", None],
        "location": Point(lat=21.0 + n / 1000, lng=105.8),
        "near": None if n % 2 else Point(lat=21.0, lng=105.0 + n),
        "points": [Point(lat=float(i), lng=-float(i)) for i in range(n % 3)],
        "maybe_points": None if n % 2 else [None, Point(lat=1.5, lng=2.5)],
        "broken": n,
        "strings": ["s"],
    }
    values.update(changes)
    return Place(**values)


PLACES: list[Place] = []


@strawberry.type
class Query:
    @strawberry.field
    def places(self) -> list[Place]:
        return PLACES


class Counting(FastLeafExecutionContext):
    """Counts the fields that took graphql-core's usual path."""

    usual = 0

    def execute_field(self, *args: Any, **kwargs: Any) -> Any:
        Counting.usual += 1
        return super().execute_field(*args, **kwargs)


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    return (
        strawberry.Schema(query=Query, execution_context_class=Counting),
        strawberry.Schema(
            query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext
        ),
    )


FIELDS = """
  id name count score open colour tags maybeTags
  location { lat lng }
  near { __typename lat where: lng }
  points { lat } maybePoints { lng }
  renamed: name
  ... on Place { count }
"""
ALL = f'{{ places {{ __typename {FIELDS} shout(suffix: "?") }} }}'


async def _both(query: str, variables: dict[str, Any] | None = None) -> tuple[Any, Any]:
    fast, usual = _schemas()
    mine = await fast.execute(query, variable_values=variables)
    theirs = await usual.execute(query, variable_values=variables)
    return mine, theirs


def _shape(result: Any) -> tuple[Any, Any]:
    errors = [(e.message, e.path, [(loc.line, loc.column) for loc in e.locations or []])
              for e in result.errors or []]  # fmt: skip
    return result.data, sorted(errors, key=repr)


async def test_plain_leaves_answer_as_graphql_core_does_with_fewer_field_calls() -> None:
    # given places with every kind of plain leaf: scalars, an enum, lists, nulls, nested objects
    PLACES[:] = [_place(n) for n in range(1, 9)]
    Counting.usual = 0
    # when the same document runs on both execution contexts
    mine, theirs = await _both(ALL)
    # then the answers are identical
    assert theirs.errors is None
    assert _shape(mine) == _shape(theirs)
    assert mine.data["places"][1]["colour"] == "GREEN"
    assert mine.data["places"][0]["shout"] == "CHÙA 1?"
    # and only the root and `shout` (a resolver with an argument) took the usual path; the
    # leaves, `__typename` and the plain objects `location`, `near` and the lists of them did not
    assert Counting.usual == 1 + len(PLACES)


@pytest.mark.parametrize(
    "bad",
    [
        {"broken": None},  # null in a non-null field
        {"broken": "not a number"},  # a value the scalar refuses
        {"broken": 2**40},  # out of Int's range
        {"broken": ValueError("stored error")},  # an error held as the value
        {"strings": ["ok", None]},  # null in a non-null list item
        {"strings": "not a list"},
        {"location": None},  # null in a non-null object
        {"location": Point(lat=None, lng=1.0)},  # null inside a plain object
        {"near": "not a point"},
        {"points": [Point(lat=1.0, lng=2.0), None]},  # null in a non-null list of objects
        {"points": Point(lat=1.0, lng=2.0)},  # not a list
        {"maybe_points": [None, Point(lat=None, lng=2.0)]},
    ],
)
async def test_bad_values_are_reported_exactly_as_before(bad: dict[str, Any]) -> None:
    # given one place among good ones holds a value its field's type refuses
    PLACES[:] = [_place(1), _place(2, **bad), _place(3)]
    # when it is selected
    query = """{ places { id broken strings location { lat } near { lng }
      points { lat } maybePoints { lat } } }"""
    mine, theirs = await _both(query)
    # then the error, its path and the nulls that spread from it are the same
    assert theirs.errors
    assert _shape(mine) == _shape(theirs)


async def test_directives_fragments_and_variables_keep_their_meaning() -> None:
    PLACES[:] = [_place(n) for n in range(1, 4)]
    query = """
    query Q($with: Boolean!, $without: Boolean!) {
      places {
        id @include(if: $with)
        name @skip(if: $with)
        count @include(if: $without)
        ...F
      }
    }
    fragment F on Place { tags colour @skip(if: $without) }
    """
    for variables in ({"with": True, "without": False}, {"with": False, "without": True}):
        mine, theirs = await _both(query, variables)
        assert theirs.errors is None
        assert _shape(mine) == _shape(theirs)


async def test_fields_with_permissions_or_resolvers_keep_the_usual_path() -> None:
    # given a field behind a permission class
    PLACES[:] = [_place(1)]
    mine, theirs = await _both("{ places { id secret } }")
    # then it is still refused, as before
    assert theirs.errors and mine.errors
    assert _shape(mine) == _shape(theirs)
    # and no plan is made for a field with a resolver or a permission
    place = _schemas()[0]._schema.type_map["Place"]
    assert place.fields["secret"].resolve is not None
    assert leaf_plan(place.fields["secret"]) is None
    assert leaf_plan(place.fields["shout"]) is None
    assert leaf_plan(place.fields["location"]) is None  # an object: completed as usual
    assert leaf_plan(place.fields["name"]) is not None


def test_the_app_schema_runs_on_the_short_path() -> None:
    assert app_schema.schema.execution_context_class is FastLeafExecutionContext
    assert app_schema.build_schema(production=True).execution_context_class is (
        FastLeafExecutionContext
    )
    # and the short path replaces graphql-core's field loop, nothing else
    assert FastLeafExecutionContext.execute_fields is not Executor.execute_fields
    assert FastLeafExecutionContext.execute_field is Executor.execute_field


@strawberry.type
class Inner:
    n: int


@strawberry.type
class Holder:
    name: str
    inner: Inner | None


class Raising:
    """A source whose attribute raises what getattr's default does not catch."""

    name = "w"

    @property
    def inner(self) -> Inner:
        raise ValueError("inner boom")


@strawberry.type
class HolderQuery:
    @strawberry.field
    def holders(self) -> list[Holder | None]:
        return [Holder(name="a", inner=Inner(n=1)), Raising()]  # type: ignore[list-item]


async def test_an_attribute_that_raises_is_reported_where_graphql_core_reports_it() -> None:
    query = "{ holders { name inner { n } } }"
    fast = strawberry.Schema(query=HolderQuery, execution_context_class=FastLeafExecutionContext)
    usual = strawberry.Schema(
        query=HolderQuery, execution_context_class=StrawberryGraphQLCoreExecutionContext
    )
    mine, theirs = await fast.execute(query), await usual.execute(query)
    assert _shape(mine) == _shape(theirs)
    assert mine.data == {
        "holders": [{"name": "a", "inner": {"n": 1}}, {"name": "w", "inner": None}]
    }
    assert [e.path for e in mine.errors or []] == [["holders", 1, "inner"]]
