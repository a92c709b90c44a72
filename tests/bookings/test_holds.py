"""bookingHold: no overbooking, all nights or none, expiry and release, idempotency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from backend.bookings import service as booking_service
from tests.bookings.conftest import BOOKING_HOLD, Gql, key, stay

Factory = Any


async def test_200_concurrent_holds_never_oversell_50_seats(
    gql: Gql, create_departure: Factory, db: Any
) -> None:
    # given a departure with 50 seats
    departure = await create_departure(capacity=50)

    # when 200 tourists each try to hold a seat at once
    async def attempt(i: int) -> dict[str, Any]:
        variables = {
            "input": {"idempotencyKey": key(), "tour": {"departureId": departure["id"], "seats": 1}}
        }
        body = await gql(BOOKING_HOLD, variables, uid=f"tourist-{i}")
        return body["data"]["bookingHold"]

    results = await asyncio.gather(*(attempt(i) for i in range(200)))

    # then exactly 50 hold a seat, 150 are told SOLD_OUT, and no seat is left
    held = [r for r in results if r["hold"] is not None]
    sold_out = [r for r in results if [e["code"] for e in r["errors"]] == ["SOLD_OUT"]]
    assert len(held) == 50
    assert len(sold_out) == 150
    stored = await db.tour_departures.find_one({"_id": ObjectId(departure["id"])})
    assert stored["seats_left"] == 0
    assert await db.booking_holds.count_documents({"item": departure["id"]}) == 50


async def test_a_stay_whose_last_night_is_full_takes_nothing(gql: Gql, db: Any) -> None:
    # given a room type whose last night of the stay has no room left
    room_type = "ho-guom-heritage:family-suite"
    check_in, check_out = stay(offset=4, length=3)
    last = (check_out - timedelta(days=1)).isoformat()
    await db.room_nights.update_one(
        {"room_type": room_type, "date": last}, {"$set": {"rooms_left": 0}}
    )
    before = {
        d["date"]: d["rooms_left"] async for d in db.room_nights.find({"room_type": room_type})
    }
    # when a tourist tries to hold the stay
    room = {
        "roomTypeId": room_type,
        "checkIn": check_in.isoformat(),
        "checkOut": check_out.isoformat(),
        "rooms": 1,
    }
    body = await gql(BOOKING_HOLD, {"input": {"idempotencyKey": key(), "room": room}}, uid="t")
    # then it is sold out and no night lost a room
    assert [e["code"] for e in body["data"]["bookingHold"]["errors"]] == ["SOLD_OUT"]
    after = {
        d["date"]: d["rooms_left"] async for d in db.room_nights.find({"room_type": room_type})
    }
    assert after == before
    assert await db.booking_holds.count_documents({}) == 0


async def test_a_room_hold_takes_every_night_and_prices_the_stay(gql: Gql, db: Any) -> None:
    # given a free stay of three nights
    room_type = "van-mieu-garden-hotel:triple-room"
    check_in, check_out = stay(offset=10, length=3)
    room = {
        "roomTypeId": room_type,
        "checkIn": check_in.isoformat(),
        "checkOut": check_out.isoformat(),
        "rooms": 2,
    }
    # when two rooms are held
    body = await gql(BOOKING_HOLD, {"input": {"idempotencyKey": key(), "room": room}}, uid="t")
    hold = body["data"]["bookingHold"]["hold"]
    # then each night has two rooms fewer, and the price is the nights' prices times two
    nights = await db.room_nights.find(
        {
            "room_type": room_type,
            "date": {"$gte": check_in.isoformat(), "$lt": check_out.isoformat()},
        }
    ).to_list(None)
    assert [n["rooms_left"] for n in nights] == [3, 3, 3]
    assert hold["totalPrice"] == 2 * sum(n["price_vnd"] for n in nights)
    assert hold["checkIn"] == check_in.isoformat()
    assert hold["checkOut"] == check_out.isoformat()


async def test_an_expired_hold_cannot_be_confirmed_and_its_seats_come_back_once(
    create_departure: Factory, hold_tour: Factory, confirm: Factory, db: Any
) -> None:
    # given a hold of 3 seats whose 10 minutes have passed (expire_at written in the past)
    departure = await create_departure(capacity=10)
    hold = (await hold_tour(departure["id"], seats=3))["hold"]
    past = datetime.now(UTC) - timedelta(seconds=1)
    await db.booking_holds.update_one({"_id": ObjectId(hold["id"])}, {"$set": {"expire_at": past}})
    # when the tourist confirms
    payload = await confirm(hold["id"], guests=2)
    # then HOLD_EXPIRED, and no booking
    assert [e["code"] for e in payload["errors"]] == ["HOLD_EXPIRED"]
    assert await db.bookings.count_documents({}) == 0
    # when the sweep runs twice, and again racing itself
    now = datetime.now(UTC)
    first = await booking_service.sweep(db, now)
    again = await asyncio.gather(*(booking_service.sweep(db, now) for _ in range(5)))
    # then the seats came back exactly once, and the hold is released with a purge time
    assert (first, sum(again)) == (1, 0)
    stored = await db.tour_departures.find_one({"_id": ObjectId(departure["id"])})
    assert stored["seats_left"] == 10
    released = await db.booking_holds.find_one({"_id": ObjectId(hold["id"])})
    assert released["state"] == "RELEASED"
    assert released["purge_at"] > past
    # and confirming afterwards is still HOLD_EXPIRED
    payload = await confirm(hold["id"], guests=2)
    assert [e["code"] for e in payload["errors"]] == ["HOLD_EXPIRED"]


async def test_sweep_racing_confirm_returns_seats_only_when_confirm_lost(
    create_departure: Factory, hold_tour: Factory, confirm: Factory, db: Any
) -> None:
    # given a live hold of 2 seats out of 4
    departure = await create_departure(capacity=4)
    hold = (await hold_tour(departure["id"], seats=2))["hold"]
    # when a sweep runs "in the future" (the hold expired for it) while the tourist confirms
    # and pays now
    later = datetime.now(UTC) + timedelta(minutes=11)
    swept, payload = await asyncio.gather(booking_service.sweep(db, later), confirm(hold["id"]))
    # then exactly one of them won the hold, and the seats match the winner
    stored = await db.tour_departures.find_one({"_id": ObjectId(departure["id"])})
    if payload["booking"] is not None and payload["booking"]["status"] == "CONFIRMED":
        assert swept == 0
        assert stored["seats_left"] == 2
    else:
        assert swept == 1
        assert stored["seats_left"] == 4
        if payload["booking"] is None:  # the sweep won before the booking was made
            assert [e["code"] for e in payload["errors"]] == ["HOLD_EXPIRED"]
        else:  # the sweep won before the payment: the booking expired, any payment went back
            assert payload["booking"]["status"] == "EXPIRED"
            assert payload["booking"]["paymentStatus"] in ("UNPAID", "REFUNDED")


async def test_hold_releases_expired_holds_of_its_departure_first(
    create_departure: Factory, hold_tour: Factory, db: Any
) -> None:
    # given a departure whose only 2 seats are in an expired hold, and no worker running
    departure = await create_departure(capacity=2)
    first = (await hold_tour(departure["id"], uid="a", seats=2))["hold"]
    await db.booking_holds.update_one(
        {"_id": ObjectId(first["id"])},
        {"$set": {"expire_at": datetime.now(UTC) - timedelta(minutes=1)}},
    )
    # when another tourist holds both seats
    second = await hold_tour(departure["id"], uid="b", seats=2)
    # then the expired hold was released and the new one succeeds
    assert second["errors"] == []
    stored = await db.tour_departures.find_one({"_id": ObjectId(departure["id"])})
    assert stored["seats_left"] == 0


async def test_same_key_same_input_returns_the_first_hold_even_under_50_retries(
    create_departure: Factory, hold_tour: Factory, db: Any
) -> None:
    # given a departure and one idempotency key
    departure = await create_departure(capacity=50)
    idem = key()
    # when the same hold is sent 50 times at once with that key
    results = await asyncio.gather(
        *(hold_tour(departure["id"], seats=2, idem=idem) for _ in range(50))
    )
    # then every answer is the same single hold, and only its 2 seats are taken
    assert {r["hold"]["id"] for r in results} == {results[0]["hold"]["id"]}
    assert all(r["errors"] == [] for r in results)
    assert await db.booking_holds.count_documents({}) == 1
    stored = await db.tour_departures.find_one({"_id": ObjectId(departure["id"])})
    assert stored["seats_left"] == 48
    # and a later retry gets it too
    again = await hold_tour(departure["id"], seats=2, idem=idem)
    assert again["hold"]["id"] == results[0]["hold"]["id"]


async def test_same_key_with_different_input_is_refused(
    create_departure: Factory, hold_tour: Factory
) -> None:
    departure = await create_departure(capacity=10)
    idem = key()
    await hold_tour(departure["id"], seats=1, idem=idem)
    other = await hold_tour(departure["id"], seats=2, idem=idem)
    assert other["hold"] is None
    assert [e["code"] for e in other["errors"]] == ["IDEMPOTENCY_KEY_REUSED"]


async def test_bad_input_gets_payload_errors_not_crashes(gql: Gql) -> None:
    check_in, check_out = stay()
    room = {
        "roomTypeId": "ho-guom-heritage:superior-double",
        "checkIn": check_in.isoformat(),
        "checkOut": check_out.isoformat(),
        "rooms": 1,
    }
    cases = [
        ({"tour": {"departureId": "nope", "seats": 1}}, ["NOT_FOUND"]),
        ({"tour": {"departureId": str(ObjectId()), "seats": 1}}, ["NOT_FOUND"]),
        ({"tour": {"departureId": str(ObjectId()), "seats": 99}}, ["TOO_MANY_GUESTS"]),
        ({}, ["INVALID_INPUT"]),
        ({"tour": {"departureId": str(ObjectId()), "seats": 1}, "room": room}, ["INVALID_INPUT"]),
        ({"room": {**room, "roomTypeId": "no-such-room"}}, ["NOT_FOUND"]),
        ({"room": {**room, "checkOut": room["checkIn"]}}, ["INVALID_DATES"]),
        ({"room": {**room, "checkIn": "2000-01-01"}}, ["INVALID_DATES"]),
    ]
    for extra, codes in cases:
        body = await gql(BOOKING_HOLD, {"input": {"idempotencyKey": key(), **extra}}, uid="t")
        payload = body["data"]["bookingHold"]
        assert payload["hold"] is None
        assert [e["code"] for e in payload["errors"]] == codes, (extra, payload)


async def test_anonymous_users_cannot_hold(gql: Gql) -> None:
    variables = {"input": {"idempotencyKey": key(), "tour": {"departureId": "x", "seats": 1}}}
    body = await gql(BOOKING_HOLD, variables)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
