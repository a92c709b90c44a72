"""The deletion world's staff member at work (test_account_delete): the reports, alerts, bans,
hidden reviews and redeemed tickets that name them until their account is deleted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from backend.bookings.repository import bookings as booking_records
from backend.db import Database, run_transaction
from tests.auth.deletion_world import (
    BOOKING_CONFIRM,
    BOOKING_HOLD,
    DEPARTURE_CREATE,
    OPERATIONS,
    REVIEW_CREATE,
    Api,
    Person,
)
from tests.bookings.tickets_support import FREE_TOUR, add_free_tour

REPORT_ASSIGN = (OPERATIONS / "moderation" / "ReportAssign.graphql").read_text()
REPORT_LOCK = (OPERATIONS / "moderation" / "ReportLock.graphql").read_text()
ALERT_SEND = (OPERATIONS / "notifications" / "AlertSend.graphql").read_text()
REPORT_EDIT = (OPERATIONS / "moderation" / "ReportEdit.graphql").read_text()
CANNED_ANSWER_SET = (OPERATIONS / "moderation" / "CannedAnswerSet.graphql").read_text()
USER_BAN = (OPERATIONS / "moderation" / "UserBan.graphql").read_text()
REVIEW_HIDE = next(OPERATIONS.glob("*/ReviewHide.graphql")).read_text()
BOOKING_REDEEM = next(OPERATIONS.glob("*/BookingRedeem.graphql")).read_text()


async def given_staff_work(
    api: Api, db: Database, person: Person, made: dict[str, Any]
) -> dict[str, Any]:
    """The person at work for the street-lighting company (staff of hapulico, in the directory
    since given_a_user_with_data): a moderator assigns them the neighbour's street-light
    report, they lock their own report (as a moderator would), send an area alert, edit a
    report, write a canned answer, ban a user, hide a review, redeem a ticket and mark a
    no-show (given_door_work)."""
    uid = person.uid
    assign = {"reportId": made["their_report"], "assigneeId": uid}
    assigned = await api.ok(REPORT_ASSIGN, {"input": assign}, uid="mod-1", role="moderator")
    assert assigned["report"]["assignee"]["id"] == uid
    lock = {"reportId": made["own_report"]}
    locked = await api.ok(REPORT_LOCK, {"input": lock}, uid=uid, role="moderator")
    assert locked["report"]["lockedBy"]["id"] == uid
    alert = {
        "all": True,
        "severity": "INFO",
        "title": {"vi": "Mất điện chiếu sáng phố Hàng Bạc", "en": "Street lights out"},
        "body": {"vi": "Đang sửa chữa.", "en": "Repairs under way."},
        "expiresAt": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
    }
    sent = await api.ok(ALERT_SEND, {"input": alert}, uid=uid, role="moderator")
    # (as a moderator they also edit the report assigned to them, which keeps its original,
    # and as an admin write a canned answer)
    edit = {"reportId": made["their_report"], "description": "Đèn đường hỏng cả tuần nay."}
    await api.ok(REPORT_EDIT, {"input": edit}, uid=uid, role="moderator")
    answer = {
        "categoryId": "broken-street-light",
        "titleVi": "Đã sửa đèn",
        "titleEn": "Light fixed",
        "textVi": "Đèn đã được thay.",
        "textEn": "Replaced.",
    }
    canned = await api.ok(CANNED_ANSWER_SET, {"input": answer}, uid=uid, role="admin")
    # as a moderator they ban a troll and hide the neighbour's review
    troll = f"troll-{uuid.uuid4().hex[:6]}"
    ban = {"userId": troll, "reason": "Spam"}
    await api.ok(USER_BAN, {"input": ban}, uid=uid, role="moderator")
    poi = await db["pois"].find_one({}, {"_id": 1})
    assert poi is not None
    review = {"poiId": poi["_id"], "rating": 1, "text": "Tệ quá, đừng đến"}
    await api.ok(REVIEW_CREATE, {"input": review}, uid=made["neighbour"])
    hidden = await db["reviews"].find_one({"poi": poi["_id"], "author": made["neighbour"]})
    assert hidden is not None
    hide = {"reviewId": str(hidden["_id"]), "reason": "Xúc phạm"}
    await api.ok(REVIEW_HIDE, {"input": hide}, uid=uid, role="moderator")
    return {"assigned": made["their_report"], "locked": made["own_report"],
            "alert": sent["alert"]["id"], "canned": canned["cannedAnswer"]["id"],
            "banned": troll, "hidden": str(hidden["_id"]),
            **await given_door_work(api, db, person)}  # fmt: skip


async def given_door_work(api: Api, db: Database, person: Person) -> dict[str, str]:
    """The person, as the Department of Tourism's staff, redeems a guest's ticket for the city's
    free tour (through the API) and marks another guest a no-show (written through the bookings
    repository: the API's no-show is for restaurant tables, 15 minutes after a seating)."""
    await add_free_tour(db)  # confirmed at once, with its ticket
    at = datetime.now(UTC).replace(hour=3, minute=11, second=0, microsecond=0)
    at += timedelta(days=2, minutes=uuid.uuid4().int % 500)
    departure = await api.ok(
        DEPARTURE_CREATE,
        {"input": {"tourId": FREE_TOUR, "startsAt": at.isoformat(), "capacity": 4}},
        uid="staff-1", role="staff",
    )  # fmt: skip
    booked = []
    for guest in ("guest-redeemed", "guest-no-show"):
        hold = await api.ok(
            BOOKING_HOLD,
            {"input": {"idempotencyKey": uuid.uuid4().hex,
                       "tour": {"departureId": departure["departure"]["id"], "seats": 1}}},
            uid=guest,
        )  # fmt: skip
        contact = {"name": "Khách", "phone": "+84900000000", "email": "khach@example.com"}
        booking = await api.ok(
            BOOKING_CONFIRM,
            {"input": {"holdId": hold["hold"]["id"], "idempotencyKey": uuid.uuid4().hex,
                       "contact": contact, "guests": 1}},
            uid=guest,
        )  # fmt: skip
        booked.append(ObjectId(booking["booking"]["id"]))
    redeemed, no_show = booked
    stored = await db["bookings"].find_one({"_id": redeemed}, {"ticket": 1})
    assert stored is not None and stored.get("ticket"), "a confirmed tour booking has a ticket"
    code = {"code": stored["ticket"]["code"]}
    done = await api.ok(BOOKING_REDEEM, {"input": code}, uid=person.uid, role="staff")
    assert done["booking"]["id"] == str(redeemed)
    marked = await run_transaction(
        db,
        lambda session: booking_records.mark_no_show(
            db, no_show, by=person.uid, now=datetime.now(UTC), session=session
        ),
    )
    assert marked is not None and marked.status.value == "NO_SHOW"
    return {"redeemed": str(redeemed), "no_show": str(no_show)}
