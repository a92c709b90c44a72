"""bookingConfirm, bookingCancel, reminders, reads, permissions, staff inventory, catalogue."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from backend.auth.models import Role, Viewer
from backend.bookings import repository as booking_repository
from backend.bookings import service as booking_service
from backend.bookings.service.common import TOURISM_DEPARTMENT
from tests.bookings.conftest import BOOKING_CANCEL, DEPARTURE_CREATE, Gql, stay, tomorrow_at

Factory = Any

BOOKING = """
query Booking($id: ID!) { booking(id: $id) { id code status } }
"""
MY_BOOKINGS = """
query MyBookings($status: BookingStatus) {
  myBookings(status: $status, first: 10) { edges { node { id code status } } }
}
"""
INVENTORY_SET = """
mutation RoomInventorySet($input: RoomInventorySetInput!) {
  roomInventorySet(input: $input) { nights roomType { id } errors { field code } }
}
"""
TOURS = """
query Tours($filter: TourFilter) {
  tours(filter: $filter, first: 20) {
    edges { distanceMeters node { id title languages pricePerPerson
                   departures { id seatsLeft } } }
  }
}
"""
TOUR_DEPARTURES = """
query TourDepartures($id: ID!, $from: DateTime, $to: DateTime) {
  tour(id: $id) { departures(from: $from, to: $to) { id } }
}
"""
HOTEL = """
query Hotel($id: ID!, $in: Date!, $out: Date!) {
  hotel(id: $id) { id name stars roomTypes { id capacity
    availability(checkIn: $in, checkOut: $out) { available roomsLeft totalPrice nightlyPrices } } }
}
"""
HOTELS = """
query Hotels($filter: HotelFilter) { hotels(filter: $filter, first: 20) { edges { node { id } } } }
"""


async def _booked(
    create_departure: Factory, hold_tour: Factory, confirm: Factory, **kw: Any
) -> dict[str, Any]:
    departure = await create_departure(**kw)
    hold = (await hold_tour(departure["id"], seats=2))["hold"]
    payload = await confirm(hold["id"], guests=2)
    assert payload["errors"] == [], payload
    return {"departure": departure, "booking": payload["booking"]}


async def test_confirm_gives_a_code_and_writes_the_outbox(
    create_departure: Factory, hold_tour: Factory, confirm: Factory, db: Any
) -> None:
    # given a live hold, when confirmed
    made = await _booked(create_departure, hold_tour, confirm)
    booking = made["booking"]
    # then the booking is confirmed with a readable code, and a notice waits in the outbox
    assert booking["status"] == "CONFIRMED"
    assert booking["code"].startswith("TL-") and len(booking["code"]) == 9
    assert not set(booking["code"][3:]) & set("01IOL")
    assert booking["totalPrice"] == 2 * 450_000
    message = await db.outbox.find_one({"kind": "booking.confirmed"})
    assert message["recipients"] == {"uids": ["tourist-1"]}
    assert message["data"]["code"] == booking["code"]
    assert message["data"]["service"]["en"] == "Old Quarter walking tour"
    assert set(message["data"]) >= {"service", "date", "time", "place"}
    hold = await db.booking_holds.find_one({"state": "CONFIRMED"})
    assert hold["purge_at"] > hold["expire_at"]


async def test_two_racing_cancels_return_the_seats_once(
    gql: Gql, create_departure: Factory, hold_tour: Factory, confirm: Factory, db: Any
) -> None:
    # given a booking of 2 seats on a 10-seat departure, 8 left
    made = await _booked(create_departure, hold_tour, confirm, capacity=10)
    # when the tourist and staff cancel at the same moment
    variables = {"input": {"bookingId": made["booking"]["id"], "reason": "weather"}}
    results = await asyncio.gather(
        gql(BOOKING_CANCEL, variables, uid="tourist-1"),
        gql(BOOKING_CANCEL, variables, uid="staff-1", role="staff"),
    )
    payloads = [r["data"]["bookingCancel"] for r in results]
    # then one cancel wins, the other is ALREADY_CANCELLED, and the seats came back once
    assert sorted(bool(p["booking"]) for p in payloads) == [False, True]
    loser = next(p for p in payloads if p["booking"] is None)
    assert [e["code"] for e in loser["errors"]] == ["ALREADY_CANCELLED"]
    stored = await db.tour_departures.find_one({"_id": ObjectId(made["departure"]["id"])})
    assert stored["seats_left"] == 10
    assert await db.outbox.count_documents({"kind": "booking.cancelled"}) == 1


async def test_refund_follows_the_policy_and_time_left(
    create_departure: Factory, hold_tour: Factory, confirm: Factory, db: Any
) -> None:
    # given a booking on Old Quarter walking (24 h: 100 %, 6 h: 50 %, 0 h: 0 %)
    made = await _booked(create_departure, hold_tour, confirm)
    booking_id = made["booking"]["id"]
    starts_at = datetime.fromisoformat(made["departure"]["startsAt"])
    owner = Viewer(uid="tourist-1", roles=frozenset({Role.RESIDENT}))
    # when cancelled by its owner 10 hours before the start
    cancelled = await booking_service.cancel(
        db=db, viewer=owner, booking_id=booking_id, reason=None, now=starts_at - timedelta(hours=10)
    )
    # then half is refunded
    assert (cancelled.refund_percent, cancelled.refund_vnd) == (50, 450_000)


async def test_a_tourist_cannot_cancel_after_the_start_but_staff_can(
    create_departure: Factory, hold_tour: Factory, confirm: Factory, db: Any
) -> None:
    made = await _booked(create_departure, hold_tour, confirm)
    booking_id = made["booking"]["id"]
    after = datetime.fromisoformat(made["departure"]["startsAt"]) + timedelta(minutes=5)
    owner = Viewer(uid="tourist-1", roles=frozenset({Role.RESIDENT}))
    try:
        await booking_service.cancel(
            db=db, viewer=owner, booking_id=booking_id, reason=None, now=after
        )
    except booking_service.BookingError as error:
        assert error.code == "CANCELLATION_NOT_ALLOWED"
    else:
        raise AssertionError("a late cancel was allowed")
    staff = Viewer(
        uid="staff-1", roles=frozenset({Role.RESIDENT, Role.STAFF}), department=TOURISM_DEPARTMENT
    )
    cancelled = await booking_service.cancel(
        db=db, viewer=staff, booking_id=booking_id, reason="guide ill", now=after
    )
    assert cancelled.refund_percent == 100


async def test_reminders_are_written_once_for_tours_within_24_hours(
    create_departure: Factory, hold_tour: Factory, confirm: Factory, db: Any
) -> None:
    # given a booking on a departure tomorrow
    made = await _booked(create_departure, hold_tour, confirm)
    starts_at = datetime.fromisoformat(made["departure"]["startsAt"])
    # when reminders run 2 days before, then within 24 hours, twice
    early = await booking_service.enqueue_reminders(db, starts_at - timedelta(hours=48))
    due = await booking_service.enqueue_reminders(db, starts_at - timedelta(hours=20))
    again = await booking_service.enqueue_reminders(db, starts_at - timedelta(hours=19))
    # then exactly one reminder, written when due
    assert (early, due, again) == (0, 1, 0)
    message = await db.outbox.find_one({"kind": "booking.reminder"})
    assert message["data"]["booking_id"] == made["booking"]["id"]


async def test_only_the_owner_and_staff_see_a_booking(
    gql: Gql, create_departure: Factory, hold_tour: Factory, confirm: Factory
) -> None:
    made = await _booked(create_departure, hold_tour, confirm)
    variables = {"id": made["booking"]["id"]}
    mine = await gql(BOOKING, variables, uid="tourist-1")
    other = await gql(BOOKING, variables, uid="tourist-2")
    staff = await gql(BOOKING, variables, uid="staff-1", role="staff")
    bad = await gql(BOOKING, {"id": "garbage"}, uid="tourist-1")
    assert mine["data"]["booking"]["code"] == made["booking"]["code"]
    assert other["data"]["booking"] is None
    assert staff["data"]["booking"]["code"] == made["booking"]["code"]
    assert bad["data"]["booking"] is None
    listed = await gql(MY_BOOKINGS, {"status": "CONFIRMED"}, uid="tourist-1")
    assert [e["node"]["id"] for e in listed["data"]["myBookings"]["edges"]] == [variables["id"]]
    cancel = await gql(BOOKING_CANCEL, {"input": {"bookingId": variables["id"]}}, uid="tourist-2")
    assert [e["code"] for e in cancel["data"]["bookingCancel"]["errors"]] == ["NOT_FOUND"]


async def test_staff_of_other_departments_have_no_booking_powers(
    gql: Gql, create_departure: Factory, hold_tour: Factory, confirm: Factory
) -> None:
    # given a booking, and a member of the waste company's staff
    made = await _booked(create_departure, hold_tour, confirm)
    variables = {"id": made["booking"]["id"]}
    waste = {"uid": "urenco-1", "role": "staff", "department": "urenco"}
    # when they read it, cancel it and create a departure
    seen = await gql(BOOKING, variables, **waste)
    cancel = await gql(BOOKING_CANCEL, {"input": {"bookingId": variables["id"]}}, **waste)
    departure = {"tourId": "old-quarter-walking", "startsAt": tomorrow_at().isoformat()}
    create = await gql(DEPARTURE_CREATE, {"input": departure}, **waste)
    # then the customer's booking stays out of reach, and the catalogue too
    assert seen["data"]["booking"] is None
    assert [e["code"] for e in cancel["data"]["bookingCancel"]["errors"]] == ["NOT_FOUND"]
    assert create["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # while the Department of Tourism's staff reach it
    tourism = await gql(BOOKING, variables, uid="staff-1", role="staff")
    assert tourism["data"]["booking"]["code"] == made["booking"]["code"]


async def test_residents_cannot_create_departures_or_set_inventory(gql: Gql) -> None:
    departure = {"tourId": "old-quarter-walking", "startsAt": tomorrow_at().isoformat()}
    body = await gql(DEPARTURE_CREATE, {"input": departure}, uid="tourist-1")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    check_in, check_out = stay()
    inventory = {
        "roomTypeId": "ho-guom-heritage:superior-double",
        "from": check_in.isoformat(),
        "to": check_out.isoformat(),
        "rooms": 50,
    }
    body = await gql(INVENTORY_SET, {"input": inventory}, uid="tourist-1")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_inventory_set_moves_rooms_left_but_never_below_sold(gql: Gql, db: Any) -> None:
    # given 3 family suites, 2 of them held on a night
    room_type = "ho-guom-heritage:family-suite"
    night, _ = stay(offset=7, length=1)
    await db.room_nights.update_one(
        {"room_type": room_type, "date": night.isoformat()}, {"$inc": {"rooms_left": -2}}
    )
    inventory = {"roomTypeId": room_type, "from": night.isoformat(), "to": night.isoformat()}
    # when staff set 1 room, then 5 rooms
    below = await gql(INVENTORY_SET, {"input": {**inventory, "rooms": 1}}, uid="s", role="staff")
    raised = await gql(INVENTORY_SET, {"input": {**inventory, "rooms": 5}}, uid="s", role="admin")
    # then 1 is refused, 5 leaves 3 to sell
    assert [e["code"] for e in below["data"]["roomInventorySet"]["errors"]] == [
        "INVENTORY_BELOW_SOLD"
    ]
    assert raised["data"]["roomInventorySet"]["nights"] == 1
    stored = await db.room_nights.find_one({"room_type": room_type, "date": night.isoformat()})
    assert (stored["rooms_total"], stored["rooms_left"]) == (5, 3)


async def test_catalogue_lists_tours_and_hotel_availability(gql: Gql) -> None:
    tours = (await gql(TOURS, {"filter": {"language": "fr"}}))["data"]["tours"]["edges"]
    assert {e["node"]["id"] for e in tours} == {
        "old-quarter-walking",
        "french-colonial-architecture",
    }
    assert all(e["node"]["departures"] for e in tours)
    near = {"near": {"lat": 21.0287, "lng": 105.8524}, "radiusMeters": 1500}
    nearest = (await gql(TOURS, {"filter": near}))["data"]["tours"]["edges"]
    distances = [e["distanceMeters"] for e in nearest]
    assert distances == sorted(distances) and distances[-1] <= 1500
    check_in, check_out = stay(offset=3, length=2)
    hotel = await gql(
        HOTEL, {"id": "ho-guom-heritage", "in": check_in.isoformat(), "out": check_out.isoformat()}
    )
    rooms = hotel["data"]["hotel"]["roomTypes"]
    assert all(r["availability"]["available"] for r in rooms)
    assert all(len(r["availability"]["nightlyPrices"]) == 2 for r in rooms)
    family = {"checkIn": check_in.isoformat(), "checkOut": check_out.isoformat(), "guests": 20}
    found = (await gql(HOTELS, {"filter": family}))["data"]["hotels"]["edges"]
    ids = {e["node"]["id"] for e in found}
    # 12 superior doubles sleep 24; the inn's 16 dorm beds or 8 twins sleep only 16
    assert "ho-guom-heritage" in ids
    assert "pho-co-lantern-inn" not in ids


async def test_dates_at_the_ends_of_the_calendar_are_refused(gql: Gql) -> None:
    # given the first day of year 1 (year 0 in UTC), and a `from` less than 60 days before
    # the end of year 9999 (found by fuzzing: an unhandled OverflowError)
    # when asked for, then each is INVALID_DATES, not an internal error
    tours = await gql(TOURS, {"filter": {"date": "0001-01-01"}})
    assert tours["errors"][0]["extensions"]["code"] == "INVALID_DATES", tours
    late = {"id": "old-quarter-walking", "from": "9999-12-01T00:00:00Z"}
    departures = await gql(TOUR_DEPARTURES, late)
    assert departures["errors"][0]["extensions"]["code"] == "INVALID_DATES", departures
    # and the last days still work
    assert (await gql(TOURS, {"filter": {"date": "9999-12-31"}}))["data"]["tours"]["edges"] == []
    late["to"] = "9999-12-31T00:00:00Z"
    assert (await gql(TOUR_DEPARTURES, late))["data"]["tour"]["departures"] == []


async def test_departure_and_room_night_queries_use_an_index(db: Any) -> None:
    now = datetime.now(UTC)
    explained = (
        await db[booking_repository.DEPARTURES]
        .find(
            booking_repository.departures_filter(
                "old-quarter-walking", now, now + timedelta(days=7)
            )
        )
        .explain()
    )
    assert "IXSCAN" in str(explained["queryPlanner"]["winningPlan"])
    assert "tour_starts_at" in str(explained["queryPlanner"]["winningPlan"])
    explained = (
        await db[booking_repository.DEPARTURES]
        .find(booking_repository.departing_between_filter(now, now + timedelta(days=1)))
        .explain()
    )
    assert "starts_at_seats" in str(explained["queryPlanner"]["winningPlan"])
    check_in, check_out = stay()
    explained = (
        await db[booking_repository.ROOM_NIGHTS]
        .find(
            booking_repository.room_nights_filter(
                "ho-guom-heritage:family-suite", check_in, check_out
            )
        )
        .explain()
    )
    assert "room_type_date" in str(explained["queryPlanner"]["winningPlan"])
