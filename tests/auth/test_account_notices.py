"""The confirmation of an account deletion reaches the user whatever they switched off: no
topic (report updates, bookings, area alerts) and no quiet hours hold back a notice about the
account itself."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import firebase_admin

from backend import outbox
from backend.auth.service import deletion, secrets
from backend.db import Database
from backend.notifications.models import always_delivered
from backend.settings import Settings
from notifications.worker import Worker
from tests.auth.deletion_world import (
    ACCOUNT_DELETE,
    DEVICE_REGISTER,
    PREFERENCES_UPDATE,
    Api,
    Clock,
    create_person,
)
from tests.notifications.conftest import FcmControl

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def test_only_account_kinds_bypass_the_topics() -> None:
    assert always_delivered(deletion.CONFIRM_KIND)
    assert not always_delivered("report.status_changed")
    assert not always_delivered("booking.confirmed")
    assert not always_delivered("alert.sent")


async def test_the_deletion_notice_ignores_switched_off_topics_and_quiet_hours(
    api: Api,
    db: Database,
    firebase_app: firebase_admin.App,
    worker: Worker,
    clock: Clock,
    fcm: FcmControl,
    deletion_settings: Settings,
) -> None:
    # given a resident with a phone, who switched every topic off and is in their quiet hours
    person = await create_person(firebase_app)
    uid = person.uid
    token = f"fcm-{uuid.uuid4().hex}"
    await api.ok(DEVICE_REGISTER, {"input": {"token": token, "platform": "ANDROID"}}, uid=uid)
    local = clock().astimezone(HANOI)
    quiet = {
        "start": (local - timedelta(hours=1)).strftime("%H:%M"),
        "end": (local + timedelta(hours=1)).strftime("%H:%M"),
    }
    switched_off = {
        "reportUpdates": False, "bookingUpdates": False, "areaAlerts": False,
        "quietHours": quiet,
    }  # fmt: skip
    await api.ok(PREFERENCES_UPDATE, {"input": switched_off}, uid=uid)

    # when they delete their account and the worker delivers the confirmation (only it)
    await api.ok(ACCOUNT_DELETE, {"input": {}}, uid=uid)
    job = deletion.job_id(secrets.pseudonym(deletion_settings, uid))
    while (confirmation := await outbox.get(db, f"{job}:confirm")) and (
        confirmation.state.value != "sent"
    ):
        assert await worker.run_once(max_messages=1)

    # then it was pushed to their phone at once, and is in their inbox, before the account goes
    pushed = [m["message"]["data"]["kind"] for m in fcm.messages(token)]
    assert pushed == ["ACCOUNT_DELETION_STARTED"]
    inbox = await db["notifications"].find({"uid": uid}).to_list(None)
    assert [item["kind"] for item in inbox] == [deletion.CONFIRM_KIND]
    stored = await outbox.get(db, job)
    assert stored is not None and stored.state.value == "pending"  # the job: not run yet
