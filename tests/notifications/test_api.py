"""Devices, preferences, inbox and alerts through GraphQL; alerts delivered by the worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from backend import outbox
from backend.db import Database
from backend.notifications import repository as notification_repository
from tests.notifications.conftest import Clock, FcmControl, gql_as

DEVICE_REGISTER = """
mutation DeviceRegister($input: DeviceRegisterInput!) {
  deviceRegister(input: $input) { device { platform locale } errors { field message code } }
}"""
DEVICE_UNREGISTER = """
mutation DeviceUnregister($input: DeviceUnregisterInput!) {
  deviceUnregister(input: $input) { removed errors { code } }
}"""
PREFERENCES_UPDATE = """
mutation PreferencesUpdate($input: NotificationPreferencesUpdateInput!) {
  notificationPreferencesUpdate(input: $input) {
    preferences { reportUpdates bookingUpdates areaAlerts areaIds quietHours { start end } }
    errors { field message code }
  }
}"""
PREFERENCES = "query { notificationPreferences { areaAlerts areaIds quietHours { start end } } }"
INBOX = """
query Inbox($first: Int, $after: String) {
  notifications(first: $first, after: $after) {
    edges { cursor node { id kind title body deepLink read } }
    pageInfo { hasNextPage endCursor }
  }
  unreadNotificationCount
}"""
MARK_READ = """
mutation MarkRead($input: NotificationsMarkReadInput!) {
  notificationsMarkRead(input: $input) { marked unreadCount items { id read } errors { code } }
}"""
ALERT_SEND = """
mutation AlertSend($input: AlertSendInput!) {
  alertSend(input: $input) { alert { id severity title areaIds } errors { field message code } }
}"""
ALERTS = """
query Alerts($near: GeoPointInput) { alerts(near: $near) { title severity areaIds } }"""

HOAN_KIEM_LAKE = {"lat": 21.0287, "lng": 105.8524}
WEST_LAKE = {"lat": 21.056, "lng": 105.819}
# Wards since 1 July 2025 (official codes): Phường Hoàn Kiếm (the lake), Phường Tây Hồ (West Lake).
HOAN_KIEM, TAY_HO = "00070", "00103"


async def test_device_register_is_idempotent_and_moves_tokens(
    client: httpx.AsyncClient, make_token: Callable[..., str], db: Database
) -> None:
    gql = gql_as(client, make_token)
    device = {"token": "fid-shared-phone-0001", "platform": "ANDROID", "locale": "en"}
    for _ in range(2):
        first = await gql(DEVICE_REGISTER, {"input": device}, uid="an")
        assert first["data"]["deviceRegister"] == {
            "device": {"platform": "ANDROID", "locale": "en"},
            "errors": [],
        }
    assert [
        d.uid for d in await notification_repository.devices_by_token(db, [device["token"]])
    ] == ["an"]
    # when another user signs in on the same phone, the token moves to them
    await gql(DEVICE_REGISTER, {"input": device}, uid="binh")
    assert await notification_repository.devices_of(db, ["an"]) == []
    # and the first user cannot unregister it any more
    gone = await gql(DEVICE_UNREGISTER, {"input": {"token": device["token"]}}, uid="an")
    assert gone["data"]["deviceUnregister"]["removed"] is False
    removed = await gql(DEVICE_UNREGISTER, {"input": {"token": device["token"]}}, uid="binh")
    assert removed["data"]["deviceUnregister"]["removed"] is True


async def test_device_register_errors(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    gql = gql_as(client, make_token)
    bad = await gql(
        DEVICE_REGISTER, {"input": {"token": "x", "platform": "IOS", "locale": "fr"}}, uid="c"
    )
    assert bad["data"]["deviceRegister"]["errors"][0]["code"] == "TOKEN_NOT_FCM"
    anonymous = await gql(
        DEVICE_REGISTER, {"input": {"token": "fid-anon-000000000001", "platform": "IOS"}}
    )
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_preferences_round_trip_and_validation(
    client: httpx.AsyncClient, make_token: Callable[..., str], db: Database
) -> None:
    gql = gql_as(client, make_token)
    updated = await gql(
        PREFERENCES_UPDATE,
        {"input": {"areaIds": [HOAN_KIEM], "quietHours": {"start": "22:00", "end": "06:30"}}},
        uid="dung",
    )
    assert updated["data"]["notificationPreferencesUpdate"] == {
        "preferences": {
            "reportUpdates": True,
            "bookingUpdates": True,
            "areaAlerts": True,
            "areaIds": [HOAN_KIEM],
            "quietHours": {"start": "22:00", "end": "06:30"},
        },
        "errors": [],
    }
    read = await gql(PREFERENCES, uid="dung")
    assert read["data"]["notificationPreferences"]["areaIds"] == [HOAN_KIEM]
    unknown = await gql(PREFERENCES_UPDATE, {"input": {"areaIds": ["atlantis"]}}, uid="dung")
    assert unknown["data"]["notificationPreferencesUpdate"]["errors"][0]["code"] == "NOT_FOUND"
    bad_time = await gql(
        PREFERENCES_UPDATE,
        {"input": {"quietHours": {"start": "25:00", "end": "06:00"}}},
        uid="dung",
    )
    assert bad_time["data"]["notificationPreferencesUpdate"]["errors"][0]["field"] == "quietHours"
    # nothing changed by the refused updates
    again = await gql(PREFERENCES, uid="dung")
    assert again["data"]["notificationPreferences"] == read["data"]["notificationPreferences"]


async def test_alert_reaches_only_followers_of_its_area(
    client: httpx.AsyncClient,
    make_token: Callable[..., str],
    db: Database,
    fcm: FcmControl,
    clock: Clock,
    make_worker: Any,
) -> None:
    gql = gql_as(client, make_token)
    # given one resident following Hoàn Kiếm and one following Tây Hồ, each with a phone
    for uid, area in (("near", HOAN_KIEM), ("far", TAY_HO)):
        await gql(
            DEVICE_REGISTER,
            {"input": {"token": f"fid-{uid}-000000000001", "platform": "IOS"}},
            uid=uid,
        )
        await gql(PREFERENCES_UPDATE, {"input": {"areaIds": [area]}}, uid=uid)
    # when staff send a flood alert for Hoàn Kiếm
    expires = (datetime.now(UTC) + timedelta(hours=6)).isoformat()
    sent = await gql(
        ALERT_SEND,
        {
            "input": {
                "areaIds": [HOAN_KIEM],
                "severity": "URGENT",
                "title": {"vi": "Ngập úng phố Hàng Bài", "en": "Flooding on Hàng Bài"},
                "body": {
                    "vi": "Tránh khu vực Hàng Bài đến 18:00.",
                    "en": "Avoid Hàng Bài until 6 pm.",
                },
                "expiresAt": expires,
            }
        },
        uid="officer",
        role="staff",
    )
    assert sent["data"]["alertSend"]["errors"] == []
    assert sent["data"]["alertSend"]["alert"]["areaIds"] == [HOAN_KIEM]
    clock.now = datetime.now(UTC)
    await make_worker().run_once()
    # then only the follower's phone rang, urgently
    [push] = fcm.messages("fid-near-000000000001")
    assert push["message"]["notification"]["title"] == "Ngập úng phố Hàng Bài"
    assert push["message"]["android"]["priority"] == "high"
    assert fcm.messages("fid-far-000000000001") == []
    # and the app's home screen lists it for a point in that area only
    here = await gql(ALERTS, {"near": HOAN_KIEM_LAKE}, locale="en")
    assert here["data"]["alerts"] == [
        {"title": "Flooding on Hàng Bài", "severity": "URGENT", "areaIds": [HOAN_KIEM]}
    ]
    there = await gql(ALERTS, {"near": WEST_LAKE})
    assert there["data"]["alerts"] == []


async def test_residents_cannot_send_alerts_and_bad_alerts_are_refused(
    client: httpx.AsyncClient, make_token: Callable[..., str], db: Database
) -> None:
    gql = gql_as(client, make_token)
    alert = {
        "all": True,
        "severity": "INFO",
        "title": {"vi": "Chất lượng không khí kém"},
        "body": {"vi": "AQI 180 tại nội thành."},
        "expiresAt": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    }
    refused = await gql(ALERT_SEND, {"input": alert}, uid="resident")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    both = await gql(
        ALERT_SEND, {"input": {**alert, "areaIds": [HOAN_KIEM]}}, uid="m", role="moderator"
    )
    assert both["data"]["alertSend"]["errors"][0]["field"] == "areaIds"
    past = await gql(
        ALERT_SEND,
        {"input": {**alert, "expiresAt": "2020-01-01T00:00:00+00:00"}},
        uid="m",
        role="moderator",
    )
    assert past["data"]["alertSend"]["errors"][0]["field"] == "expiresAt"
    ok = await gql(ALERT_SEND, {"input": alert}, uid="m", role="moderator")
    assert ok["data"]["alertSend"]["alert"]["areaIds"] == []
    city = await gql(ALERTS, {"near": WEST_LAKE})
    assert [a["title"] for a in city["data"]["alerts"]] == ["Chất lượng không khí kém"]


async def test_inbox_pages_and_mark_read(
    client: httpx.AsyncClient, make_token: Callable[..., str], db: Database, clock: Clock
) -> None:
    gql = gql_as(client, make_token)
    # given three inbox items for a resident
    from bson import ObjectId

    items = [
        {
            "outbox_id": ObjectId(),
            "uid": "reader",
            "kind": "report.status_changed",
            "title": {"vi": f"Tiêu đề {i}", "en": f"Title {i}"},
            "body": {"vi": "Nội dung", "en": "Body"},
            "deep_link": "thanglong://reports/1",
            "read": False,
            "created_at": clock.now,
        }
        for i in range(3)
    ]
    await notification_repository.add_inbox_items(db, items)
    first = await gql(INBOX, {"first": 2}, uid="reader", locale="en")
    page = first["data"]["notifications"]
    assert [edge["node"]["title"] for edge in page["edges"]] == ["Title 2", "Title 1"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert first["data"]["unreadNotificationCount"] == 3
    rest = await gql(INBOX, {"first": 2, "after": page["pageInfo"]["endCursor"]}, uid="reader")
    assert [edge["node"]["title"] for edge in rest["data"]["notifications"]["edges"]] == [
        "Tiêu đề 0"
    ]
    # when one is marked read, then the count drops; another user cannot mark it
    one_id = page["edges"][0]["node"]["id"]
    other = await gql(MARK_READ, {"input": {"ids": [one_id]}}, uid="intruder")
    assert other["data"]["notificationsMarkRead"]["marked"] == 0
    assert other["data"]["notificationsMarkRead"]["items"] == []  # not theirs: not shown either
    marked = await gql(MARK_READ, {"input": {"ids": [one_id]}}, uid="reader")
    # the payload returns the item as it now is, so a client cache updates it in place
    assert marked["data"]["notificationsMarkRead"] == {
        "marked": 1,
        "unreadCount": 2,
        "items": [{"id": one_id, "read": True}],
        "errors": [],
    }
    everything = await gql(MARK_READ, {"input": {"all": True}}, uid="reader")
    assert everything["data"]["notificationsMarkRead"]["unreadCount"] == 0
    assert everything["data"]["notificationsMarkRead"]["items"] == []
    neither = await gql(MARK_READ, {"input": {}}, uid="reader")
    assert neither["data"]["notificationsMarkRead"]["errors"][0]["code"] == "INVALID_INPUT"
    bad_cursor = await gql(INBOX, {"after": "not-a-cursor"}, uid="reader")
    assert bad_cursor["data"] is None


async def test_dead_letters_are_for_admins(
    client: httpx.AsyncClient, make_token: Callable[..., str], db: Database, clock: Clock
) -> None:
    gql = gql_as(client, make_token)
    await db[outbox.COLLECTION].insert_one(
        {"kind": "report.created", "state": "dead", "attempts": 8, "last_error": "InternalError",
         "recipients": {"uids": ["x"]}, "data": {}, "created_at": clock.now}
    )  # fmt: skip
    query = "query { outboxDead(first: 10) { edges { node { id kind attempts lastError } } } }"
    refused = await gql(query, uid="m", role="moderator")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    listed = await gql(query, uid="root", role="admin")
    [edge] = listed["data"]["outboxDead"]["edges"]
    assert edge["node"]["attempts"] == 8
    retry = "mutation R($id: ID!) { outboxRetry(input: {id: $id}) { requeued errors { code } } }"
    done = await gql(retry, {"id": edge["node"]["id"]}, uid="root", role="admin")
    assert done["data"]["outboxRetry"] == {"requeued": True, "errors": []}
    again = await gql(retry, {"id": edge["node"]["id"]}, uid="root", role="admin")
    assert again["data"]["outboxRetry"]["errors"][0]["code"] == "NOT_FOUND"
