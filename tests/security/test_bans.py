"""A ban stops every write of the banned user that others see (BANNED), and nothing else.

Through the API as the app uses it: a moderator bans a resident, whose reports, "me too",
follows, reopen, ratings, reviews, photo uploads and flags are then refused with the one code
BANNED; their own account (profile, unfollow) stays theirs. Unbanned, the same calls go through.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PIL import Image

from tests.moderation import conftest as moderation
from tests.moderation.conftest import ADMIN, MODERATOR, Gql

# The moderation tests' fixtures: the seeded app, GraphQL as a role, reports written directly.
content = moderation.content
db = moderation.db
given_report = moderation.given_report
gql = moderation.gql


SPAMMER = {"uid": "spammer"}
BAN = """mutation Ban($input: UserBanInput!) {
  userBan(input: $input) { banned errors { code } } }"""
UNBAN = """mutation U($input: UserBanInput!) {
  userUnban(input: $input) { banned errors { code } } }"""
CREATE = """mutation C($input: ReportCreateInput!) {
  reportCreate(input: $input) { report { id } errors { code message } } }"""
ME_TOO = """mutation M($input: ReportMeTooInput!) {
  reportMeToo(input: $input) { report { id } errors { code } } }"""
FOLLOW = """mutation F($input: ReportFollowInput!) {
  reportFollow(input: $input) { report { id } errors { code } } }"""
UNFOLLOW = """mutation F($input: ReportUnfollowInput!) {
  reportUnfollow(input: $input) { report { id } errors { code } } }"""
REOPEN = """mutation R($input: ReportReopenInput!) {
  reportReopen(input: $input) { report { id status } errors { code } } }"""
RATE = """mutation R($input: ReportRateInput!) {
  reportRate(input: $input) { report { id } errors { code } } }"""
REVIEW = """mutation V($input: ReviewCreateInput!) {
  reviewCreate(input: $input) { review { id } errors { code } } }"""
FLAG = """mutation G($input: ContentFlagInput!) {
  contentFlag(input: $input) { flag { id } errors { code } } }"""
PROFILE = """mutation P($input: ViewerUpdateInput!) {
  viewerUpdate(input: $input) { errors { code } } }"""


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 30), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


async def upload(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/media",
        files={"file": ("p.png", png(), "image/png")},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "vi"},
    )


def first_code(body: dict[str, Any], field: str) -> str | None:
    assert "errors" not in body, body
    errors = body["data"][field]["errors"]
    return errors[0]["code"] if errors else None


async def writes(
    gql: Gql, given_report: Callable[..., Awaitable[str]], reopened: str, rated: str
) -> dict[str, str | None]:
    """Every resident write of a report, review or flag, as the spammer: field -> first code."""
    other = await given_report(reporter="resident-2")
    draft = {
        "categoryId": "pothole",
        "description": "Ổ gà lớn giữa đường, xe máy dễ ngã",
        "location": {"lat": 21.0287, "lng": 105.8524},
        "idempotencyKey": uuid.uuid4().hex,
    }
    calls = {
        "reportCreate": (CREATE, {"input": draft}),
        "reportMeToo": (ME_TOO, {"input": {"reportId": other}}),
        "reportFollow": (FOLLOW, {"input": {"reportId": other}}),
        "reportReopen": (
            REOPEN,
            {"input": {"reportId": reopened, "reason": "Ổ gà lại xuất hiện sau mưa"}},
        ),
        "reportRate": (RATE, {"input": {"reportId": rated, "stars": 1}}),
        "reviewCreate": (REVIEW, {"input": {"poiId": "no-such-place", "rating": 1}}),
        "contentFlag": (
            FLAG,
            {"input": {"target": "REPORT", "id": other, "reason": "SPAM"}},
        ),
    }
    return {
        name: first_code(await gql(query, variables, SPAMMER), name)
        for name, (query, variables) in calls.items()
    }


async def test_a_ban_refuses_every_write_with_banned_and_unban_lifts_it(
    gql: Gql,
    given_report: Callable[..., Awaitable[str]],
    client: httpx.AsyncClient,
    make_token: Callable[..., str],
    db: Any,
) -> None:
    # given the spammer's resolved reports (one to reopen, one to rate), then a ban
    resolved_at = datetime.now(UTC) - timedelta(days=1)
    reopened = await given_report(reporter="spammer", status="RESOLVED", resolved_at=resolved_at)
    rated = await given_report(reporter="spammer", status="RESOLVED", resolved_at=resolved_at)
    banned = await gql(BAN, {"input": {"userId": "spammer", "reason": "spam"}}, MODERATOR)
    assert banned["data"]["userBan"] == {"banned": True, "errors": []}
    token = make_token(uid="spammer")

    # when the banned user writes anything others see, then each call answers BANNED
    assert await writes(gql, given_report, reopened, rated) == {
        "reportCreate": "BANNED",
        "reportMeToo": "BANNED",
        "reportFollow": "BANNED",
        "reportReopen": "BANNED",
        "reportRate": "BANNED",
        "reviewCreate": "BANNED",
        "contentFlag": "BANNED",
    }
    # and an upload is refused before its bytes are decoded: 403 BANNED, in their language
    refused = await upload(client, token)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "BANNED"
    assert "tạm khóa" in refused.json()["error"]["message"]
    # and nothing was written: no new report, membership, review, flag or photo
    assert await db.reports.count_documents({"reporter": "spammer"}) == 2
    assert await db.report_followers.count_documents({"uid": "spammer"}) == 2  # their own two
    assert await db.report_me_too.count_documents({}) == 0
    assert await db.content_flags.count_documents({}) == 0
    assert await db["media.files"].count_documents({}) == 0

    # and what concerns their own account still works: profile, unfollowing
    profile = await gql(PROFILE, {"input": {"displayName": "Người dùng"}}, SPAMMER)
    assert first_code(profile, "viewerUpdate") is None
    unfollow = await gql(UNFOLLOW, {"input": {"reportId": reopened}}, SPAMMER)
    assert first_code(unfollow, "reportUnfollow") is None

    # when an admin lifts the ban, then the same writes pass the ban check
    lifted = await gql(UNBAN, {"input": {"userId": "spammer"}}, ADMIN)
    assert lifted["data"]["userUnban"] == {"banned": False, "errors": []}
    await gql(FOLLOW, {"input": {"reportId": reopened}}, SPAMMER)  # a reopener follows it
    after = await writes(gql, given_report, reopened, rated)
    assert after == {
        "reportCreate": None,
        "reportMeToo": None,
        "reportFollow": None,
        "reportReopen": None,
        "reportRate": None,
        "reviewCreate": "NOT_FOUND",  # past the ban check: the place does not exist
        "contentFlag": None,
    }
    assert (await upload(client, token)).status_code == 201


async def test_a_ban_is_audited_and_staff_writes_are_unaffected(gql: Gql, db: Any) -> None:
    # when a moderator bans a user
    await gql(BAN, {"input": {"userId": "spammer", "reason": "spam"}}, MODERATOR)
    # then the audit log says who, whom and why
    entry = await db.audit_log.find_one({"action": "user.ban"})
    assert (entry["actor"], entry["object_id"], entry["reason"]) == ("mod-1", "spammer", "spam")
    # and another user's write is not refused
    draft = {
        "categoryId": "pothole",
        "description": "Ổ gà lớn giữa đường, xe máy dễ ngã",
        "location": {"lat": 21.0287, "lng": 105.8524},
        "idempotencyKey": uuid.uuid4().hex,
    }
    created = await gql(CREATE, {"input": draft}, {"uid": "resident-7"})
    assert first_code(created, "reportCreate") is None
