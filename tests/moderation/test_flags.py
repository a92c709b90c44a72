"""contentFlag: residents flag a report, photo or review; moderators see them, with counts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from bson import ObjectId

from tests.moderation.conftest import MODERATOR, RESIDENT, STAFF_ROADS, Gql
from tests.moderation.test_actions import upload_photo

FLAG = """mutation F($input: ContentFlagInput!) {
  contentFlag(input: $input) {
    flag { id target targetId reason note }
    errors { field code message retryAfterSeconds } } }"""
QUEUE = """query Q($filter: ModerationQueueFilter) {
  moderationQueue(filter: $filter) { edges { node { id flagCount } } } }"""
REPORT = """query R($id: ID!) { report(id: $id) { id flagCount } }"""
FLAGS = """query L($target: ContentFlagTarget!, $first: Int, $after: String) {
  contentFlags(target: $target, first: $first, after: $after) {
    edges { node { target targetId reason note } }
    pageInfo { hasNextPage endCursor } } }"""


def flag_input(target: str, item: str, reason: str = "ABUSE", note: str | None = None) -> dict:
    return {"input": {"target": target, "id": item, "reason": reason, "note": note}}


async def test_flags_reach_the_queue_filter_with_counts_and_are_audited(
    gql: Gql, given_report: Callable[..., Awaitable[str]], db: Any
) -> None:
    # given two reports
    flagged, clean = await given_report(), await given_report()
    # when two residents flag one of them (one twice), with a note
    first = await gql(FLAG, flag_input("REPORT", flagged, note="Chửi bới"), RESIDENT)
    again = await gql(FLAG, flag_input("REPORT", flagged, reason="SPAM"), RESIDENT)
    other = await gql(FLAG, flag_input("REPORT", flagged, reason="SPAM"), {"uid": "resident-3"})
    # then each resident's flag is recorded once (the repeat returns the first)
    recorded = first["data"]["contentFlag"]
    assert recorded["errors"] == []
    assert recorded["flag"]["reason"] == "ABUSE" and recorded["flag"]["note"] == "Chửi bới"
    assert again["data"]["contentFlag"]["flag"] == recorded["flag"]
    assert other["data"]["contentFlag"]["errors"] == []
    assert await db.content_flags.count_documents({}) == 2
    # and moderators find only the flagged report with the queue's filter, with its count
    only = await gql(QUEUE, {"filter": {"flagged": True}}, MODERATOR)
    assert only["data"]["moderationQueue"]["edges"] == [{"node": {"id": flagged, "flagCount": 2}}]
    rest = await gql(QUEUE, {"filter": {"flagged": False}}, STAFF_ROADS)
    assert rest["data"]["moderationQueue"]["edges"] == [{"node": {"id": clean, "flagCount": 0}}]
    # and residents do not see the count
    seen = await gql(REPORT, {"id": flagged}, RESIDENT)
    assert seen["data"]["report"] == {"id": flagged, "flagCount": None}
    # and each new flag is audited without its free-text note (it may name people)
    entries = await db.audit_log.find({"action": "content.flag"}).to_list(None)
    assert sorted(e["actor"] for e in entries) == ["resident-3", "resident-9"]
    assert {e["object_id"] for e in entries} == {flagged}
    assert all("Chửi" not in str(e) for e in entries)


async def test_photos_and_reviews_are_listed_for_moderators_only(
    gql: Gql, client: httpx.AsyncClient, make_token: Callable[..., str], db: Any
) -> None:
    # given a photo and a review
    photo = await upload_photo(client, make_token(uid="resident-2"))
    review = ObjectId()
    now = datetime.now(UTC)
    await db.reviews.insert_one(
        {"_id": review, "poi": "ho-hoan-kiem", "author": "resident-2", "rating": 1,
         "text": "...", "hidden": False, "created_at": now, "updated_at": now}
    )  # fmt: skip
    # when a resident flags both
    for target, item in (("PHOTO", photo), ("REVIEW", str(review))):
        body = await gql(FLAG, flag_input(target, item, "PERSONAL_DATA"), RESIDENT)
        assert body["data"]["contentFlag"]["errors"] == [], body
    # then moderators list them by kind, newest first, with the resident's note field
    photos = await gql(FLAGS, {"target": "PHOTO"}, MODERATOR)
    assert photos["data"]["contentFlags"]["edges"] == [
        {"node": {"target": "PHOTO", "targetId": photo, "reason": "PERSONAL_DATA", "note": None}}
    ]
    reviews = await gql(FLAGS, {"target": "REVIEW", "first": 1}, MODERATOR)
    assert reviews["data"]["contentFlags"]["edges"][0]["node"]["targetId"] == str(review)
    assert reviews["data"]["contentFlags"]["pageInfo"]["hasNextPage"] is False
    # and residents and department staff may not read the list
    for who in (RESIDENT, STAFF_ROADS, None):
        denied = await gql(FLAGS, {"target": "PHOTO"}, who)
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_unknown_hidden_and_invalid_flags_are_refused(
    gql: Gql, given_report: Callable[..., Awaitable[str]], db: Any
) -> None:
    hidden = await given_report(hidden=True)
    cases = [
        (flag_input("REPORT", str(ObjectId())), "NOT_FOUND"),
        (flag_input("REPORT", "not-an-id"), "NOT_FOUND"),
        (flag_input("PHOTO", str(ObjectId())), "NOT_FOUND"),
        (flag_input("REVIEW", str(ObjectId())), "NOT_FOUND"),
        (flag_input("REPORT", hidden), "NOT_FOUND"),  # other residents cannot see it
        (flag_input("REPORT", hidden, note="x" * 501), "INVALID_INPUT"),
    ]
    for variables, code in cases:
        body = await gql(FLAG, variables, RESIDENT)
        assert body["data"]["contentFlag"]["errors"][0]["code"] == code, (variables, body)
    # and anonymous users must sign in
    anonymous = await gql(FLAG, flag_input("REPORT", hidden), None)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await db.content_flags.count_documents({}) == 0


async def test_flags_are_limited_per_user(
    gql: Gql, given_report: Callable[..., Awaitable[str]], db: Any
) -> None:
    # given eleven reports
    reports = [await given_report() for _ in range(11)]
    # when one resident flags all of them within the hour
    answers = [
        (await gql(FLAG, flag_input("REPORT", item, "SPAM"), RESIDENT))["data"]["contentFlag"]
        for item in reports
    ]
    # then the eleventh is refused with when to try again, in the viewer's language
    assert [a["errors"] for a in answers[:10]] == [[]] * 10
    (error,) = answers[10]["errors"]
    assert error["code"] == "RATE_LIMITED"
    assert 0 < error["retryAfterSeconds"] <= 3600
    assert await db.content_flags.count_documents({}) == 10
