"""accountDelete: the Firebase account and every personal record go; what the city keeps stays
de-identified; the deletion job is idempotent and resumes after a crash.

The app runs against the Firebase Auth emulator (user lifecycle), the local FCM endpoint (the
confirmation push) and the real database; the push worker runs the job with a test clock.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import firebase_admin
import httpx
import pytest
from bson import ObjectId
from firebase_admin import auth as firebase_auth

from backend import outbox
from backend.auth.service import deletion, erasure, secrets
from backend.console import routes as console_routes
from backend.db import Database
from backend.moderation import repository as moderation_repository
from backend.notifications.service import staff as staff_notices
from backend.settings import Settings
from notifications.worker import Worker
from tests.auth.deletion_staff_world import given_staff_work
from tests.auth.deletion_world import (
    ACCOUNT_DELETE,
    DEVICE_REGISTER,
    LAKE,
    REPORT_CREATE,
    Api,
    Clock,
    assert_clean,
    create_person,
    delete_account,
    given_a_user_with_data,
    run_until_done,
    scan,
)
from tests.notifications.conftest import FcmControl


async def test_a_deleted_account_leaves_no_personal_data(
    api: Api,
    db: Database,
    firebase_app: firebase_admin.App,
    worker: Worker,
    clock: Clock,
    fcm: FcmControl,
    deletion_settings: Settings,
) -> None:
    # given a resident who used every part of the app, with their data in the database
    person = await create_person(firebase_app)
    made = await given_a_user_with_data(api, db, person)
    # and who, as staff, was assigned a report, locked one and sent an alert
    work = await given_staff_work(api, db, person, made)
    pseudonym = secrets.pseudonym(deletion_settings, person.uid)
    assert await scan(db, person, pseudonym), "the scan must see the data before"
    # (the booking's tour is over by the time the job runs)
    clock.now = made["departure_at"] + timedelta(days=2)
    # the staff digests: theirs (of the neighbour's report), and their colleague's, quoting theirs
    assert await staff_notices.send_digests(db, clock()) >= 2
    await worker.run_once()  # the pushes so far: the neighbour's inbox quotes their report
    neighbours_inbox = await db["notifications"].find({"uid": made["neighbour"]}).to_list(None)
    assert any(person.display_name in str(item) for item in neighbours_inbox)
    colleagues_inbox = await db["notifications"].find({"uid": made["colleague"]}).to_list(None)
    assert any(person.display_name in str(item) for item in colleagues_inbox)
    # (their own unit's new report, and the assignment)
    assert await db["staff_notices"].count_documents({"uid": person.uid}) == 2
    assert await db["schedule_slots"].count_documents({"_id": f"push:{person.uid}"}) == 1

    # when they delete their account, twice (a retry)
    first = await delete_account(api, person.uid)
    again = await delete_account(api, person.uid)
    assert again["deletion"] == first["deletion"]
    assert first["deletion"]["done"] is False
    # and the worker runs the job
    await run_until_done(worker, clock, db, deletion.job_id(pseudonym))

    # then they were told first, by push
    pushed = fcm.messages(made["device"])
    assert any(m["message"]["data"]["kind"] == "ACCOUNT_DELETION_STARTED" for m in pushed), pushed
    # and the Firebase account is gone
    with pytest.raises(firebase_auth.UserNotFoundError):
        await asyncio.to_thread(firebase_auth.get_user, person.uid, app=firebase_app)
    # and no collection holds their uid, e-mail, phone or name, except as the pseudonym
    assert_clean(await scan(db, person, pseudonym))
    # and their report stays, de-identified, with its photo
    report = await db["reports"].find_one({"_id": ObjectId(made["own_report"])})
    assert report is not None
    assert report["reporter"] == pseudonym
    assert report["description"] == erasure.REDACTED  # flagged: the whole text went
    assert report["photo_ids"]
    # and the booking stays for accounting, without contact
    booking = await db["bookings"].find_one({"_id": ObjectId(made["booking"])})
    assert booking is not None and booking["user"] == pseudonym
    assert booking["contact"] == {"name": "", "phone": "", "email": ""}
    # and the neighbour keeps their inbox item about it, without the reporter's name
    neighbours_inbox = await db["notifications"].find({"uid": made["neighbour"]}).to_list(None)
    assert any(erasure.REDACTED in str(item) for item in neighbours_inbox)
    # and the colleague's notice and digest keep the report, not its words (flagged: all gone)
    [notice] = await db["staff_notices"].find({"uid": made["colleague"]}).to_list(None)
    assert notice["title"] == erasure.REDACTED
    colleagues_inbox = await db["notifications"].find({"uid": made["colleague"]}).to_list(None)
    assert any(erasure.REDACTED in str(item) for item in colleagues_inbox)
    # and they are out of the staff directory, with their notices
    assert await db["staff_members"].count_documents({"_id": person.uid}) == 0
    assert await db["staff_notices"].count_documents({"uid": person.uid}) == 0
    # and the report assigned to them is back in its unit's queue, the one they locked free
    assigned = await db["reports"].find_one({"_id": ObjectId(work["assigned"])})
    assert assigned is not None and assigned["assignee"] is None
    assert assigned["assigned_at"] is None and assigned["department"] == "hapulico"
    locked = await db["reports"].find_one({"_id": ObjectId(work["locked"])})
    assert locked is not None and locked["locked_by"] is None and locked["locked_until"] is None
    # and the alert they sent stays, sent by the pseudonym
    alert = await db["alerts"].find_one({"_id": ObjectId(work["alert"])})
    assert alert is not None and alert["created_by"] == pseudonym
    # and so do the original their edit kept and the canned answer they wrote
    [original] = (
        await db["report_originals"].find({"report": ObjectId(work["assigned"])}).to_list(None)
    )
    assert original["actor"] == pseudonym
    canned = await db["canned_answers"].find_one({"_id": ObjectId(work["canned"])})
    assert canned is not None and canned["updated_by"] == pseudonym
    # and the ban they set, the review they hid, the ticket they redeemed and the no-show they
    # marked stay, by the pseudonym
    banned = await db["users"].find_one({"uid": work["banned"]})
    assert banned is not None and banned["banned"] and banned["banned_by"] == pseudonym
    hidden = await db["reviews"].find_one({"_id": ObjectId(work["hidden"])})
    assert hidden is not None and hidden["hidden"] and hidden["hidden_by"] == pseudonym
    redeemed = await db["bookings"].find_one({"_id": ObjectId(work["redeemed"])})
    assert redeemed is not None and redeemed["redeemed_by"] == pseudonym
    no_show = await db["bookings"].find_one({"_id": ObjectId(work["no_show"])})
    assert no_show is not None and no_show["no_show_by"] == pseudonym
    # and the audit trail names the pseudonym, with the deletion itself recorded
    trail = await db["audit_log"].find({"actor": pseudonym}).to_list(None)
    assert {entry["action"] for entry in trail} >= {"test.action", "account.delete"}
    # (the moderator's assignment names the pseudonym; letting go of the assignment and the
    # lock is recorded under it, with the reason)
    [assignment] = (
        await db["audit_log"].find({"actor": "mod-1", "action": "report.assign"}).to_list(None)
    )
    assert assignment["after"] == {"assignee": pseudonym}
    released = {
        (entry["action"], entry["object_id"], entry["reason"])
        for entry in trail
        if entry["after"] in ({"assignee": None}, {"locked_by": None})
    }
    assert released == {
        ("report.assign", work["assigned"], erasure.ACCOUNT_DELETED),
        ("report.lock", work["locked"], erasure.ACCOUNT_DELETED),
    }
    # and asking again once done answers with the finished deletion
    repeated = await delete_account(api, person.uid)
    assert repeated["deletion"]["done"] is True


async def test_an_interrupted_deletion_resumes_where_it_stopped(
    api: Api,
    db: Database,
    firebase_app: firebase_admin.App,
    worker: Worker,
    clock: Clock,
    deletion_settings: Settings,
) -> None:
    # given a resident with a device and a report, who asked for deletion
    person = await create_person(firebase_app)
    uid = person.uid
    await api.ok(
        DEVICE_REGISTER, {"input": {"token": f"fcm-token-{uid}", "platform": "IOS"}}, uid=uid
    )
    # (a long text: the staff notice quoting it cuts the e-mail at 80 characters)
    colleague = f"colleague-{uuid.uuid4().hex[:6]}"
    await moderation_repository.set_staff_member(
        db, uid=colleague, role="staff", department="so-xay-dung", areas=[], lead=False,
        email=None, now=datetime.now(UTC),
    )  # fmt: skip
    description = (
        f"Ổ gà rất sâu ở đầu ngõ 12 phố Hàng Bạc, ai biết thì báo giúp, hỏi {person.email}"
    )
    created = await api.ok(
        REPORT_CREATE,
        {"input": {"categoryId": "pothole", "description": description,
                   "location": LAKE, "idempotencyKey": uuid.uuid4().hex}},
        uid=uid,
    )  # fmt: skip
    [notice] = await db["staff_notices"].find({"uid": colleague}).to_list(None)
    assert notice["title"].endswith("…") and person.email[:10] in notice["title"]
    await delete_account(api, uid)
    pseudonym = secrets.pseudonym(deletion_settings, uid)
    job_id = deletion.job_id(pseudonym)
    # (the messages before it, then the confirmation, one at a time: the job is due last)
    while (confirmation := await outbox.get(db, f"{job_id}:confirm")) and (
        confirmation.state.value != "sent"
    ):
        assert await worker.run_once(max_messages=1)

    # when a worker takes the job and dies after four steps (its lease left to run out)
    claimed = await outbox.claim(db, worker="doomed", now=clock(), lease=timedelta(seconds=60))
    assert claimed is not None and claimed.id == job_id
    job = deletion.DeletionJob(db, firebase_app, worker="doomed", lease=timedelta(seconds=60))
    assert (await job.run(claimed, clock(), max_steps=4)).value == "sending"

    # then what was done is recorded, and the rest is not done yet
    stored = await outbox.get(db, job_id)
    assert stored is not None
    assert stored.progress["done"] == ["confirm", "identify", "firebase", "notifications"]
    assert await db["devices"].count_documents({"uid": uid}) == 0
    assert await db["reports"].count_documents({"reporter": uid}) == 1

    # when the lease runs out and another worker claims it
    clock.advance(minutes=2)
    await run_until_done(worker, clock, db, job_id)

    # then it finished from where it stopped: each step once, nothing left
    stored = await outbox.get(db, job_id)
    assert stored is not None
    assert stored.progress["done"] == [name for name, _ in job._steps("", "", {}, clock())]
    assert stored.data == {"pseudonym": pseudonym}
    report = await db["reports"].find_one({"_id": ObjectId(created["report"]["id"])})
    assert report is not None and report["reporter"] == pseudonym
    assert person.email not in report["description"]
    assert_clean(await scan(db, person, pseudonym))
    # and the colleague's notice quotes the new text, not the cut e-mail
    [notice] = await db["staff_notices"].find({"uid": colleague}).to_list(None)
    assert person.email[:10] not in notice["title"]
    assert notice["title"] == staff_notices.notice_title(report["description"])


async def test_booking_contacts_wait_for_the_service_date(
    api: Api,
    db: Database,
    firebase_app: firebase_admin.App,
    worker: Worker,
    clock: Clock,
    deletion_settings: Settings,
) -> None:
    # given a resident with a tour booked for tomorrow, who deletes their account today
    person = await create_person(firebase_app)
    made = await given_a_user_with_data(api, db, person)
    await delete_account(api, person.uid)
    pseudonym = secrets.pseudonym(deletion_settings, person.uid)
    job_id = deletion.job_id(pseudonym)
    for _ in range(3):
        await worker.run_once()
        clock.advance(minutes=1)

    # then the booking keeps its contact (the operator may need it) under the pseudonym
    booking = await db["bookings"].find_one({"_id": ObjectId(made["booking"])})
    assert booking is not None and booking["user"] == pseudonym
    assert booking["contact"]["phone"] == person.phone
    stored = await outbox.get(db, job_id)
    assert stored is not None and stored.state.value == "pending"
    assert stored.data == {"pseudonym": pseudonym}  # the job itself no longer names them

    # when the tour is over and the job comes due again
    clock.now = made["departure_at"] + timedelta(days=1)
    await run_until_done(worker, clock, db, job_id)

    # then the contact is erased and nothing names them any more
    booking = await db["bookings"].find_one({"_id": ObjectId(made["booking"])})
    assert booking is not None and booking["contact"]["phone"] == ""
    assert_clean(await scan(db, person, pseudonym))


async def test_deletion_needs_a_signed_in_viewer(client: httpx.AsyncClient) -> None:
    # when nobody is signed in, then accountDelete is refused and nothing is queued
    response = await client.post("/graphql", json={"query": ACCOUNT_DELETE})
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_web_page_is_served_from_the_console_build(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a built console (a stand-in dist/; tests/console/test_account_delete_page.py uses
    # the real build in a browser)
    (tmp_path / "account-delete.html").write_text(
        '<!doctype html><script type="module" src="/console/assets/account-delete-abc.js">'
        "</script><h1>Xoá tài khoản · Delete my account</h1>"
    )
    monkeypatch.setattr(console_routes, "DIST", tmp_path)
    # when the page is fetched
    page = await client.get("/account/delete")
    # then it is the built page, revalidated, with a CSP that allows no inline script
    assert page.status_code == 200
    assert "account-delete-abc.js" in page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["referrer-policy"] == "no-referrer"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # and nothing else is served under it (the scripts are the console's hashed assets)
    assert (await client.get("/account/delete/delete.js")).status_code == 404


async def test_the_web_page_before_a_build_answers_503(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_routes, "DIST", tmp_path / "missing")
    page = await client.get("/account/delete")
    assert page.status_code == 503
    assert "not built" in page.text


async def test_the_staff_steps_are_served_by_indexes(api: Api, db: Database) -> None:
    # given the app started (its indexes ensured), when each query of the staff step is
    # explained, then an index serves it
    finds = [
        ("reports", {"assignee": "someone"}),
        ("reports", {"locked_by": "someone"}),
        ("alerts", {"created_by": "someone"}),
        ("alerts", {"edited_by": "someone"}),
        ("alerts", {"cancelled_by": "someone"}),
        ("audit_log", {"people": "someone"}),
        ("report_originals", {"actor": "someone"}),
        ("canned_answers", {"updated_by": "someone"}),
        ("users", {"banned_by": "someone"}),
        ("reviews", {"hidden_by": "someone"}),
        ("bookings", {"redeemed_by": "someone"}),
        ("bookings", {"no_show_by": "someone"}),
    ]
    # (the batched writes then go by id)
    finds += [
        (collection, {"_id": {"$in": [ObjectId(), ObjectId()]}})
        for collection in ("users", "reviews", "bookings")
    ]
    for collection, query in finds:
        command = {"find": collection, "filter": query}
        explained = await db.command("explain", command, verbosity="queryPlanner")
        plan = str(explained["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in plan and "COLLSCAN" not in plan, (collection, plan)
