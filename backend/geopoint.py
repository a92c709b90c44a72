"""The one GraphQL shape of a position: `GeoPoint` out, `GeoPointInput` in, with the same fields.

Every field that shows a position and every argument that takes one uses these two types, so a
point read from a query can be sent back as a variable once `__typename` is dropped (Apollo
Client's `removeTypenameFromVariables` link does that). Each domain checks the range itself, with
its own error codes.
"""

from __future__ import annotations

import strawberry

_ROUND_TRIP = (
    "The same fields as `{other}`: a point read from a query can be sent back as an argument "
    "once `__typename` is dropped (Apollo Client: the `removeTypenameFromVariables` link)."
)


@strawberry.type(
    description="A position (WGS 84 degrees). " + _ROUND_TRIP.format(other="GeoPointInput")
)
class GeoPoint:
    lat: float = strawberry.field(description="Latitude.")
    lng: float = strawberry.field(description="Longitude.")


@strawberry.input(
    description="A position (WGS 84 degrees), the one shape every argument and input takes. "
    + _ROUND_TRIP.format(other="GeoPoint")
)
class GeoPointInput:
    lat: float = strawberry.field(description="Latitude, -90 to 90.")
    lng: float = strawberry.field(description="Longitude, -180 to 180.")
