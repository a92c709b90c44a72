"""reportCreate: checks, area, idempotency, rate limit, duplicates, outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bson import ObjectId

from tests.reports.conftest import LAKE, REPORT_CREATE, Gql, report_input


async def test_create_report_in_hoan_kiem(gql: Gql, settings: Any, db_client: Any) -> None:
    # given a resident, when they report a pothole by the lake
    body = await gql(REPORT_CREATE, {"input": report_input()}, uid="resident-1")
    payload = body["data"]["reportCreate"]
    # then the report is submitted, in Hoàn Kiếm, followed by its reporter, with a deadline
    assert payload["errors"] == []
    report = payload["report"]
    assert report["status"] == "SUBMITTED"
    assert report["area"] == {"id": "00070"}  # Phường Hoàn Kiếm
    assert report["followerCount"] == 1
    assert report["viewerIsFollowing"] is True
    assert report["slaDueAt"]
    assert report["timeline"] == [{"kind": "CREATED", "status": "SUBMITTED"}]
    # and the report, its search terms and its outbox message are stored
    db = db_client[settings.mongodb_db]
    stored = await db.reports.find_one({"_id": ObjectId(report["id"])})
    assert {"o", "ga", "lon", "dinh", "tien", "hoang"} <= set(stored["search_terms"])
    message = await db.outbox.find_one({"kind": "report.created"})
    assert message["recipients"] == {"uids": ["resident-1"]}
    assert message["data"]["report_id"] == report["id"]
    assert message["state"] == "pending"
    assert message["attempts"] == 0


async def test_bad_input_gives_every_field_error_at_once(gql: Gql) -> None:
    # given a report with a short description, an unknown category and a place in Saigon
    bad = report_input(
        categoryId="volcano", description="short", location={"lat": 10.776, "lng": 106.70}
    )
    # when it is sent
    payload = (await gql(REPORT_CREATE, {"input": bad}, uid="resident-1"))["data"]["reportCreate"]
    # then nothing is created and each field has its error
    assert payload["report"] is None
    codes = {(e["field"], e["code"]) for e in payload["errors"]}
    assert codes == {
        ("categoryId", "UNKNOWN_CATEGORY"),
        ("description", "DESCRIPTION_LENGTH"),
        ("location", "OUTSIDE_CITY"),
    }


async def test_impossible_coordinates_are_an_error(gql: Gql) -> None:
    bad = report_input(location={"lat": 123.0, "lng": 500.0})
    payload = (await gql(REPORT_CREATE, {"input": bad}, uid="resident-1"))["data"]["reportCreate"]
    assert [e["code"] for e in payload["errors"]] == ["INVALID_LOCATION"]


async def test_a_point_off_the_old_district_outlines_gets_its_ward(gql: Gql) -> None:
    # given a point just east of where the old Long Biên district outline ended
    outer = report_input(location={"lat": 21.04, "lng": 105.93})
    # when reported, then it is accepted and placed in the ward with the nearest centre
    payload = (await gql(REPORT_CREATE, {"input": outer}, uid="resident-1"))["data"]
    report = payload["reportCreate"]["report"]
    assert report is not None, payload
    assert report["area"] == {"id": "00136"}  # Phường Phúc Lợi


async def test_photo_ids_are_checked(gql: Gql) -> None:
    cases = [
        (["not-an-id"], "INVALID_PHOTO"),
        ([str(ObjectId())], "INVALID_PHOTO"),  # nobody uploaded it
        ([str(ObjectId())] * 2, "INVALID_PHOTO"),
        ([str(ObjectId()) for _ in range(6)], "TOO_MANY_PHOTOS"),
    ]
    for photo_ids, code in cases:
        payload = await gql(REPORT_CREATE, {"input": report_input(photoIds=photo_ids)}, uid="r")
        errors = payload["data"]["reportCreate"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("photoIds", code)]


async def test_signed_out_user_cannot_report(gql: Gql) -> None:
    body = await gql(REPORT_CREATE, {"input": report_input()})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_same_idempotency_key_gives_one_report(
    gql: Gql, settings: Any, db_client: Any
) -> None:
    # given a report sent once
    first_input = report_input(idempotencyKey="key-1")
    first = (await gql(REPORT_CREATE, {"input": first_input}, uid="resident-1"))["data"]
    # when the app retries with the same key and input
    again = (await gql(REPORT_CREATE, {"input": first_input}, uid="resident-1"))["data"]
    # then the first report comes back, and only one exists
    assert again["reportCreate"]["report"]["id"] == first["reportCreate"]["report"]["id"]
    assert await db_client[settings.mongodb_db].reports.count_documents({}) == 1
    # and the same key with other input is refused
    other = report_input(idempotencyKey="key-1", description="Một mô tả hoàn toàn khác")
    refused = (await gql(REPORT_CREATE, {"input": other}, uid="resident-1"))["data"]
    assert [e["code"] for e in refused["reportCreate"]["errors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    # while another user may use the same key
    mine = (await gql(REPORT_CREATE, {"input": first_input}, uid="resident-2"))["data"]
    assert mine["reportCreate"]["report"]["id"] != first["reportCreate"]["report"]["id"]


async def test_seventh_report_in_an_hour_is_rate_limited(
    create_report: Callable[..., Any], gql: Gql, settings: Any, db_client: Any
) -> None:
    # given six reports within the hour
    for _ in range(6):
        assert (await create_report(uid="busy"))["errors"] == []
    # when a seventh is sent
    payload = (await gql(REPORT_CREATE, {"input": report_input()}, uid="busy", locale="en"))["data"]
    # then it is refused with the time to wait (in the viewer's language)
    [error] = payload["reportCreate"]["errors"]
    assert error["code"] == "RATE_LIMITED"
    assert 0 < error["retryAfterSeconds"] <= 3600
    assert "try again in" in error["message"]
    # and the refused attempt did not use up the day's allowance
    day = await db_client[settings.mongodb_db].rate_limits.find_one({"_id": {"$regex": ":day:"}})
    assert day["count"] == 6
    # and staff are not limited
    assert (await create_report(uid="busy", role="moderator"))["errors"] == []


async def test_duplicates_suggest_nearby_open_reports_of_the_same_category(
    create_report: Callable[..., Any],
) -> None:
    # given a pothole by the lake, another 2 km away, and a broken light at the same spot
    near = await create_report(uid="a")
    await create_report(uid="b", location={"lat": LAKE["lat"] + 0.018, "lng": LAKE["lng"]})
    await create_report(uid="c", categoryId="broken-street-light")
    # when someone reports a pothole 20 m from the first
    payload = await create_report(
        uid="d", location={"lat": LAKE["lat"] + 0.0002, "lng": LAKE["lng"]}
    )
    # then only the first pothole is suggested
    assert payload["duplicates"] == [{"id": near["report"]["id"]}]
