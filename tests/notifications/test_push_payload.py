"""What a push carries, through the API and the worker: one push per change, worded for the
reporter or a follower, camelCase data with the inbox item's id and the badge; deviceRegister's
refusals."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from backend.notifications import templates
from backend.notifications.models import Audience, kind_name
from backend.notifications.types import NotificationKind
from tests.notifications.conftest import Clock, FcmControl, Gql, gql_as

DEVICE_REGISTER = """
mutation DeviceRegister($input: DeviceRegisterInput!) {
  deviceRegister(input: $input) { device { platform } errors { field message code } }
}"""
REPORT_CREATE = """
mutation ReportCreate($input: ReportCreateInput!) {
  reportCreate(input: $input) { report { id } errors { code } }
}"""
REPORT_FOLLOW = """
mutation F($input: ReportFollowInput!) { reportFollow(input: $input) { errors { code } } }"""
SET_STATUS = """
mutation S($input: ReportSetStatusInput!) {
  reportSetStatus(input: $input) { report { status } errors { code } }
}"""
INBOX = """
query { notifications(first: 10) { edges { node { id kind title read } } }
        unreadNotificationCount }"""
MARK_READ = """
mutation M($input: NotificationsMarkReadInput!) {
  notificationsMarkRead(input: $input) { marked unreadCount errors { code } }
}"""

CAMEL_CASE = re.compile(r"[a-z]+(?:[A-Z][a-z]*)*")


def registration_token(name: str) -> str:
    """The shape getToken() gives: an installation id, a colon, then the rest."""
    fid = f"c{name}".ljust(22, "x")[:22]
    return f"{fid}:APA91b{uuid.uuid5(uuid.NAMESPACE_URL, name).hex * 4}"


async def given_phone(gql: Gql, uid: str, locale: str) -> str:
    token = registration_token(uid)
    device = {"token": token, "platform": "IOS", "locale": locale}
    registered = await gql(DEVICE_REGISTER, {"input": device}, uid=uid)
    assert registered["data"]["deviceRegister"]["errors"] == []
    return token


async def given_followed_report(gql: Gql, *, reporter: str, followers: list[str]) -> str:
    report = {
        "categoryId": "pothole",
        "description": "Ổ gà lớn giữa đường, xe máy dễ ngã",
        "location": {"lat": 21.0287, "lng": 105.8524},
        "idempotencyKey": uuid.uuid4().hex,
    }
    created = await gql(REPORT_CREATE, {"input": report}, uid=reporter)
    assert created["data"]["reportCreate"]["errors"] == []
    report_id: str = created["data"]["reportCreate"]["report"]["id"]
    for uid in followers:
        followed = await gql(REPORT_FOLLOW, {"input": {"reportId": report_id}}, uid=uid)
        assert followed["data"]["reportFollow"]["errors"] == []
    return report_id


async def test_a_status_change_with_a_public_note_is_one_push_per_recipient(
    client: httpx.AsyncClient,
    make_token: Callable[..., str],
    fcm: FcmControl,
    clock: Clock,
    make_worker: Any,
) -> None:
    gql = gql_as(client, make_token)
    # given a reporter (Vietnamese phone) and two followers (English, Vietnamese)
    phones = {
        "lan": await given_phone(gql, "lan", "vi"),
        "tom": await given_phone(gql, "tom", "en"),
        "hoa": await given_phone(gql, "hoa", "vi"),
    }
    report_id = await given_followed_report(gql, reporter="lan", followers=["tom", "hoa"])
    worker = make_worker()
    clock.now = datetime.now(UTC)  # the API stamps outbox messages with the real time
    await worker.run_once()  # "report received" reaches the reporter
    fcm.clear()
    # when a moderator acknowledges it with a public note
    change = {"reportId": report_id, "status": "ACKNOWLEDGED", "publicNote": "Đội duy tu sẽ vá"}
    changed = await gql(SET_STATUS, {"input": change}, uid="mod-1", role="moderator")
    assert changed["data"]["reportSetStatus"]["errors"] == []
    clock.now = datetime.now(UTC)
    await worker.run_once()
    # then each phone got exactly one push
    received = {uid: fcm.messages(token) for uid, token in phones.items()}
    assert {uid: len(pushes) for uid, pushes in received.items()} == {"lan": 1, "tom": 1, "hoa": 1}
    assert len(fcm.messages()) == 3
    lan, tom, hoa = (received[uid][0]["message"] for uid in ("lan", "tom", "hoa"))
    # worded for the reporter or a follower, in each phone's language
    assert lan["notification"]["title"] == "Phản ánh của bạn đã được trả lời"
    assert "phản ánh" in lan["notification"]["body"] and "của bạn" in lan["notification"]["body"]
    assert tom["notification"]["title"] == "A report you follow has been answered"
    assert "has answered a report you follow" in tom["notification"]["body"]
    assert "Your report" not in tom["notification"]["title"] + tom["notification"]["body"]
    assert hoa["notification"]["title"] == "Phản ánh bạn theo dõi đã được trả lời"
    # with camelCase data keys, all strings, naming the report and its new status
    for push in (lan, tom, hoa):
        data = push["data"]
        assert all(CAMEL_CASE.fullmatch(key) for key in data), sorted(data)
        assert all(isinstance(value, str) for value in data.values())
        assert data["kind"] == "REPORT_STATUS_CHANGED"
        assert data["reportId"] == report_id
        assert data["deepLink"] == f"thanglong://reports/{report_id}"
        assert data["status"] == "ACKNOWLEDGED"
        assert data["answered"] == "true"
        assert "report_id" not in data and "type" not in data
    # and a registration token is addressed as one (not as an installation id)
    assert lan["token"] == phones["lan"] and "fid" not in lan
    # and the badge is each user's unread count: the reporter also has "report received"
    assert lan["data"]["unreadCount"] == "2" and tom["data"]["unreadCount"] == "1"
    assert lan["apns"]["payload"]["aps"]["badge"] == 2
    assert lan["android"]["notification"]["notification_count"] == 2
    inbox = await gql(INBOX, uid="lan", locale="en")
    assert inbox["data"]["unreadNotificationCount"] == 2
    # and the push names the inbox item it stands for
    newest = inbox["data"]["notifications"]["edges"][0]["node"]
    assert newest["id"] == lan["data"]["inboxItemId"]
    assert newest == {
        "id": lan["data"]["inboxItemId"],
        "kind": "REPORT_STATUS_CHANGED",
        "title": "Your report has been answered",
        "read": False,
    }
    tom_inbox = await gql(INBOX, uid="tom", locale="en")
    assert tom_inbox["data"]["notifications"]["edges"][0]["node"]["title"] == (
        "A report you follow has been answered"
    )


async def test_tapping_a_push_marks_its_inbox_item_read(
    client: httpx.AsyncClient,
    make_token: Callable[..., str],
    fcm: FcmControl,
    clock: Clock,
    make_worker: Any,
) -> None:
    gql = gql_as(client, make_token)
    clock.now = datetime.now(UTC)  # the API stamps outbox messages with the real time
    # given a follower's push about a status change without a note
    token = await given_phone(gql, "minh", "en")
    report_id = await given_followed_report(gql, reporter="lan", followers=["minh"])
    change = {"reportId": report_id, "status": "ACKNOWLEDGED"}
    await gql(SET_STATUS, {"input": change}, uid="mod-1", role="moderator")
    clock.now = datetime.now(UTC)
    await make_worker().run_once()
    [push] = fcm.messages(token)
    data = push["message"]["data"]
    assert data["answered"] == "false"
    assert push["message"]["notification"]["body"].startswith("A report you follow")
    assert data["unreadCount"] == "1"
    # when the app marks the item the push names, as it does when the push is tapped
    marked = await gql(MARK_READ, {"input": {"ids": [data["inboxItemId"]]}}, uid="minh")
    # then that item is read and the badge goes to zero
    assert marked["data"]["notificationsMarkRead"] == {"marked": 1, "unreadCount": 0, "errors": []}
    inbox = await gql(INBOX, uid="minh")
    assert [edge["node"]["read"] for edge in inbox["data"]["notifications"]["edges"]] == [True]


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("", "TOKEN_EMPTY"),
        ("   ", "TOKEN_EMPTY"),
        ("c" * 4097, "TOKEN_TOO_LONG"),
        ("ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]", "TOKEN_IS_EXPO"),
        ("0a1b2c3d" * 8, "TOKEN_IS_APNS"),
        ("short", "TOKEN_NOT_FCM"),
        ("cAbCdEfGhIjKlMnOpQrStU:APA91b has spaces", "TOKEN_NOT_FCM"),
    ],
)
async def test_device_register_says_why_a_token_is_refused(
    client: httpx.AsyncClient, make_token: Callable[..., str], token: str, code: str
) -> None:
    gql = gql_as(client, make_token)
    refused = await gql(DEVICE_REGISTER, {"input": {"token": token, "platform": "IOS"}}, uid="an")
    payload = refused["data"]["deviceRegister"]
    assert payload["device"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("token", code)
    if code != "TOKEN_TOO_LONG":
        assert "getToken()" in error["message"]


async def test_device_register_takes_registration_tokens_and_installation_ids(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    gql = gql_as(client, make_token)
    for token in (registration_token("an"), "dAbCdEfGhIjKlMnOpQrStU"):
        taken = await gql(
            DEVICE_REGISTER, {"input": {"token": token, "platform": "ANDROID"}}, uid="an"
        )
        assert taken["data"]["deviceRegister"] == {"device": {"platform": "ANDROID"}, "errors": []}


def test_every_template_kind_is_a_documented_notification_kind() -> None:
    # the push's kind and InboxItem.kind are the same name, for every kind that pushes
    for kind in templates.kinds():
        assert NotificationKind(kind).name == kind_name(kind)


def test_reopened_is_worded_for_the_reporter_and_for_followers() -> None:
    data = {"title": "Ổ gà phố Huế", "reporter": "lan"}
    _, reporter = templates.render("report.reopened", data, "en", Audience.REPORTER)
    _, follower = templates.render("report.reopened", data, "vi", Audience.FOLLOWER)
    assert reporter.startswith('Your report "Ổ gà phố Huế"')
    assert follower.startswith('Phản ánh bạn theo dõi "Ổ gà phố Huế"')
