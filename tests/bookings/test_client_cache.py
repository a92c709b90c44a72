"""What a normalised client cache (Apollo's InMemoryCache) shows after bookings answers.

The mutations are the app's own documents (graphql/operations/bookings), sent as Apollo sends
them (`__typename` everywhere); the answers go into tests.normalised_cache, and the screens read
earlier (a tour's departures, a room type's availability) must show what changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from backend import geo
from tests.bookings.conftest import CONTACT, Gql, key, stay
from tests.normalised_cache import NormalisedCache, with_typename
from tests.payments.conftest import Sandbox

Factory = Callable[..., Awaitable[dict[str, Any]]]

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations" / "bookings"


def operation(name: str) -> str:
    return with_typename((OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8"))


TOUR_DEPARTURES = with_typename("""
query TourDepartures($id: ID!) {
  tour(id: $id) { id title departures { id capacity seatsLeft } }
}
""")
ROOM_AVAILABILITY = with_typename("""
query Room($id: ID!, $checkIn: Date!, $checkOut: Date!) {
  hotel(id: $id) {
    id
    roomTypes { id availability(checkIn: $checkIn, checkOut: $checkOut) { available roomsLeft } }
  }
}
""")
HOTELS_NEAR = with_typename("""
query HotelsNear($near: GeoPointInput!) {
  hotels(filter: {near: $near, radiusMeters: 50000}, first: 20) {
    edges { distanceMeters node { id name location { lat lng } } }
  }
}
""")
TOURS_NEAR = with_typename("""
query ToursNear($near: GeoPointInput!) {
  tours(filter: {near: $near, radiusMeters: 50000}, first: 20) {
    edges { distanceMeters node { id title meetingPoint { name location { lat lng } } } }
  }
}
""")
LAKE = {"lat": 21.0287, "lng": 105.8524}
TEMPLE = {"lat": 21.0282, "lng": 105.8356}


def data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body
    return body["data"]


def seats_left(cache: NormalisedCache, departure_id: str) -> int:
    departures = cache.read("tour")["tour"]["departures"]
    return next(d["seatsLeft"] for d in departures if d["id"] == departure_id)


async def test_hold_confirm_and_cancel_update_the_cached_seats_left(
    gql: Gql, create_departure: Factory, sandbox: Sandbox
) -> None:
    # given a 10-seat departure read into the cache with its tour
    departure = await create_departure(capacity=10)
    cache = NormalisedCache()
    cache.write("tour", data(await gql(TOUR_DEPARTURES, {"id": "old-quarter-walking"})))
    assert seats_left(cache, departure["id"]) == 10
    # when 3 seats are held, then the hold's answer brings the departure's 7 seats left
    hold_input = {"idempotencyKey": key(), "tour": {"departureId": departure["id"], "seats": 3}}
    held = data(await gql(operation("BookingHold"), {"input": hold_input}, uid="tourist-1"))
    assert held["bookingHold"]["hold"]["departure"] == {
        "id": departure["id"],
        "seatsLeft": 7,
        "__typename": "TourDeparture",
    }
    cache.write("bookingHold", held)
    assert seats_left(cache, departure["id"]) == 7
    # when it is confirmed, then the cached hold is CONFIRMED
    hold_id = held["bookingHold"]["hold"]["id"]
    confirm_input = {
        "holdId": hold_id,
        "idempotencyKey": key(),
        "contact": CONTACT,
        "guests": 3,
    }
    confirmed = data(
        await gql(operation("BookingConfirm"), {"input": confirm_input}, uid="tourist-1")
    )
    # (a priced booking is HELD until paid: pay on the sandbox, then the replay shows it)
    assert confirmed["bookingConfirm"]["booking"]["status"] == "HELD"
    await sandbox.decide(confirmed["bookingConfirm"]["paymentUrl"], "pay")
    assert await sandbox.deliver_ipns() == [{"RspCode": "00", "Message": "Confirm Success"}]
    confirmed = data(
        await gql(operation("BookingConfirm"), {"input": confirm_input}, uid="tourist-1")
    )
    assert confirmed["bookingConfirm"]["booking"]["status"] == "CONFIRMED"
    cache.write("bookingConfirm", confirmed)
    assert cache.read("bookingHold")["bookingHold"]["hold"]["state"] == "CONFIRMED"
    # when the booking is cancelled, then the seats come back in the cache too
    booking_id = confirmed["bookingConfirm"]["booking"]["id"]
    cancel_input = {"bookingId": booking_id, "reason": "plans changed"}
    cancelled = data(
        await gql(operation("BookingCancel"), {"input": cancel_input}, uid="tourist-1")
    )
    assert cancelled["bookingCancel"]["errors"] == []
    cache.write("bookingCancel", cancelled)
    assert seats_left(cache, departure["id"]) == 10
    # and the cache agrees with a fresh read
    assert cache.read("tour") == data(await gql(TOUR_DEPARTURES, {"id": "old-quarter-walking"}))


async def test_a_room_hold_updates_the_cached_availability_of_the_stay(gql: Gql) -> None:
    # given the hotel's availability for a stay, read into the cache
    check_in, check_out = stay(offset=12, length=2)
    dates = {"checkIn": check_in.isoformat(), "checkOut": check_out.isoformat()}
    room_type = "van-mieu-garden-hotel:triple-room"
    cache = NormalisedCache()
    cache.write(
        "hotel", data(await gql(ROOM_AVAILABILITY, {"id": "van-mieu-garden-hotel", **dates}))
    )

    def rooms_left() -> int:
        rooms = cache.read("hotel")["hotel"]["roomTypes"]
        return next(r["availability"]["roomsLeft"] for r in rooms if r["id"] == room_type)

    before = rooms_left()
    # when two rooms are held with the app's document for rooms
    room = {"roomTypeId": room_type, "rooms": 2, **dates}
    variables = {"input": {"idempotencyKey": key(), "room": room}, **dates}
    held = data(await gql(operation("BookingHoldRooms"), variables, uid="tourist-2"))
    assert held["bookingHold"]["errors"] == []
    cache.write("bookingHold", held)
    # then the cached availability of that stay shows two rooms fewer
    assert rooms_left() == before - 2


@pytest.mark.parametrize(("document", "field"), [(HOTELS_NEAR, "hotels"), (TOURS_NEAR, "tours")])
async def test_lists_near_two_points_keep_their_own_distances(
    gql: Gql, document: str, field: str
) -> None:
    # given the same list asked near the lake, then near the temple, in one cache
    cache = NormalisedCache()
    near_lake = data(await gql(document, {"near": LAKE}))
    near_temple = data(await gql(document, {"near": TEMPLE}))
    cache.write("lake", near_lake)
    cache.write("temple", near_temple)
    # then the first list reads back as sent: distances live on edges, not on shared records
    assert cache.read("lake") == near_lake
    assert cache.read("temple") == near_temple
    for answer, point in ((near_lake, LAKE), (near_temple, TEMPLE)):
        edges = answer[field]["edges"]
        assert edges
        for edge in edges:
            node = edge["node"]
            where = node["location"] if field == "hotels" else node["meetingPoint"]["location"]
            expected = geo.haversine_meters(
                lat1=point["lat"], lng1=point["lng"], lat2=where["lat"], lng2=where["lng"]
            )
            assert edge["distanceMeters"] == pytest.approx(expected, abs=1.0)
    lake = {e["node"]["id"]: e["distanceMeters"] for e in near_lake[field]["edges"]}
    temple = {e["node"]["id"]: e["distanceMeters"] for e in near_temple[field]["edges"]}
    assert any(abs(lake[i] - temple[i]) > 100 for i in lake.keys() & temple.keys())
