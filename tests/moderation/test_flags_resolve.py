"""contentFlagsResolve: a moderator closes an item's open flags (audited); open flags are
counted per item, so the queue's `flagged` filter and the counts hold for any number of flags;
flags from before resolutions are counted by migrate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from backend.moderation import repository as moderation_repository
from backend.moderation.service import flags as flag_service
from tests.moderation.conftest import MODERATOR, RESIDENT, Gql

FLAG = """mutation F($input: ContentFlagInput!) {
  contentFlag(input: $input) {
    flag { id reason outcome resolvedAt }
    errors { field code message } } }"""
RESOLVE = """mutation R($input: ContentFlagsResolveInput!) {
  contentFlagsResolve(input: $input) {
    resolvedCount report { id flagCount }
    errors { field code message } } }"""
QUEUE = """query Q($filter: ModerationQueueFilter, $first: Int) {
  moderationQueue(filter: $filter, first: $first) { edges { node { id flagCount } } } }"""
FLAGS = """query L($target: ContentFlagTarget!) {
  contentFlags(target: $target) { edges { node { targetId reason outcome resolvedAt } } } }"""


def flag_input(item: str, reason: str = "ABUSE") -> dict[str, Any]:
    return {"input": {"target": "REPORT", "id": item, "reason": reason}}


def resolve_input(item: str, outcome: str, note: str | None = None) -> dict[str, Any]:
    return {"input": {"target": "REPORT", "targetId": item, "outcome": outcome, "note": note}}


async def test_a_moderator_resolves_a_reports_flags_and_residents_may_flag_again(
    gql: Gql, given_report: Callable[..., Awaitable[str]], db: Any
) -> None:
    # given a report two residents flagged
    report = await given_report()
    for who in (RESIDENT, {"uid": "resident-3"}):
        body = await gql(FLAG, flag_input(report), who)
        assert body["data"]["contentFlag"]["errors"] == [], body

    # when a moderator dismisses them, with a note
    body = await gql(RESOLVE, resolve_input(report, "DISMISSED", "Không vi phạm"), MODERATOR)

    # then both flags closed, and the report counts none and leaves the flagged queue
    payload = body["data"]["contentFlagsResolve"]
    assert payload == {
        "resolvedCount": 2,
        "report": {"id": report, "flagCount": 0},
        "errors": [],
    }
    flagged = await gql(QUEUE, {"filter": {"flagged": True}}, MODERATOR)
    assert flagged["data"]["moderationQueue"]["edges"] == []
    # and moderators see the outcome on each flag
    listed = await gql(FLAGS, {"target": "REPORT"}, MODERATOR)
    outcomes = [edge["node"]["outcome"] for edge in listed["data"]["contentFlags"]["edges"]]
    assert outcomes == ["DISMISSED", "DISMISSED"]
    # and the resolution is audited, with the note and how many it closed
    [entry] = await db.audit_log.find({"action": "content.flag_resolve"}).to_list(None)
    assert entry["actor"] == "mod-1" and entry["object_id"] == report
    assert entry["reason"] == "Không vi phạm"
    assert entry["before"] == {"open_flags": 2} and entry["after"]["outcome"] == "DISMISSED"

    # when a resident flags it again, then a new open flag counts (and they see no outcome)
    again = await gql(FLAG, flag_input(report, "SPAM"), RESIDENT)
    flag = again["data"]["contentFlag"]
    assert flag["errors"] == [] and flag["flag"]["reason"] == "SPAM"
    assert flag["flag"]["outcome"] is None and flag["flag"]["resolvedAt"] is None
    flagged = await gql(QUEUE, {"filter": {"flagged": True}}, MODERATOR)
    assert flagged["data"]["moderationQueue"]["edges"] == [{"node": {"id": report, "flagCount": 1}}]
    # and flagging it once more while open changes nothing
    repeat = await gql(FLAG, flag_input(report), RESIDENT)
    assert repeat["data"]["contentFlag"]["flag"]["id"] == flag["flag"]["id"]
    assert await db.content_flags.count_documents({"target_id": report}) == 3

    # when it is upheld, then that one closes too; resolving with nothing open is NOT_FOUND
    upheld = await gql(RESOLVE, resolve_input(report, "UPHELD"), MODERATOR)
    assert upheld["data"]["contentFlagsResolve"]["resolvedCount"] == 1
    nothing = await gql(RESOLVE, resolve_input(report, "UPHELD"), MODERATOR)
    assert nothing["data"]["contentFlagsResolve"]["resolvedCount"] is None
    assert [e["code"] for e in nothing["data"]["contentFlagsResolve"]["errors"]] == ["NOT_FOUND"]
    assert await db.audit_log.count_documents({"action": "content.flag_resolve"}) == 2


async def test_the_flagged_filter_holds_beyond_two_thousand_flags(
    gql: Gql, given_report: Callable[..., Awaitable[str]], db: Any
) -> None:
    # given an older report flagged once, and then 2,001 newer flags on another report, stored
    # as before resolutions (no open state) and counted by the migration
    older = await given_report(created_at=datetime(2026, 1, 5, 2, 0, tzinfo=UTC))
    newer = await given_report()
    assert (await gql(FLAG, flag_input(older), RESIDENT))["data"]["contentFlag"]["errors"] == []
    at = datetime.now(UTC) + timedelta(minutes=5)
    await db.content_flags.insert_many(
        [
            {"_id": ObjectId(), "target": "REPORT", "target_id": newer, "flagger": f"r-{n}",
             "reason": "SPAM", "note": None, "at": at}
            for n in range(2_001)
        ]
    )  # fmt: skip
    assert await flag_service.migrate_flags(db, now=at) == 2_001
    assert await flag_service.migrate_flags(db, now=at) == 0  # idempotent

    # when a moderator filters the queue on flagged reports
    body = await gql(QUEUE, {"filter": {"flagged": True}}, MODERATOR)

    # then both come, each with its count of open flags
    counts = {edge["node"]["id"]: edge["node"]["flagCount"] for edge in body["data"][
        "moderationQueue"]["edges"]}  # fmt: skip
    assert counts == {older: 1, newer: 2_001}
    unflagged = await gql(QUEUE, {"filter": {"flagged": False}}, MODERATOR)
    assert unflagged["data"]["moderationQueue"]["edges"] == []

    # and one resolution closes all 2,001
    body = await gql(RESOLVE, resolve_input(newer, "UPHELD"), MODERATOR)
    assert body["data"]["contentFlagsResolve"]["resolvedCount"] == 2_001
    body = await gql(QUEUE, {"filter": {"flagged": True}}, MODERATOR)
    assert [edge["node"]["id"] for edge in body["data"]["moderationQueue"]["edges"]] == [older]


async def test_flag_reads_and_writes_are_served_by_indexes(gql: Gql, db: Any) -> None:
    # given the app started (indexes ensured), when each flag query is explained
    finds = [
        (moderation_repository.FLAG_TARGETS, {"_id": {"$in": ["REPORT:a", "REPORT:b"]}}),
        ("content_flags", {"target": "REPORT", "target_id": "a", "resolution": None}),
        (
            "content_flags",
            {"target": "REPORT", "target_id": "a", "resolution": None, "flagger": "u"},
        ),
        ("content_flags", {"open": None}),
        ("content_flags", {"flagger": "u"}),
    ]
    for collection, query in finds:
        command = {"find": collection, "filter": query}
        explained = await db.command("explain", command, verbosity="queryPlanner")
        plan = str(explained["queryPlanner"]["winningPlan"])
        # then an index serves it
        assert "COLLSCAN" not in plan and ("IXSCAN" in plan or "IDHACK" in plan), (query, plan)


async def test_migrate_drops_the_unique_index_from_before_resolutions(gql: Gql, db: Any) -> None:
    # given a database from before resolutions, with its one-flag-per-user-ever index
    await db.content_flags.create_index(
        [("target", 1), ("target_id", 1), ("flagger", 1)],
        unique=True,
        name=moderation_repository.OBSOLETE_FLAG_INDEX,
    )
    # when migrate's flag step runs, twice
    await flag_service.migrate_flags(db, now=datetime.now(UTC))
    await flag_service.migrate_flags(db, now=datetime.now(UTC))
    # then the old index is gone and the new one stays
    names = {index["name"] async for index in await db.content_flags.list_indexes()}
    assert moderation_repository.OBSOLETE_FLAG_INDEX not in names
    assert "target_item_resolution_flagger" in names


async def test_an_item_whose_open_flags_expired_counts_none(
    gql: Gql, given_report: Callable[..., Awaitable[str]], db: Any
) -> None:
    # given a report whose only flag is older than flags are kept (the TTL deletes it without
    # touching the item's count), and a report flagged today
    stale, fresh = await given_report(), await given_report()
    long_ago = datetime.now(UTC) - moderation_repository.FLAG_TTL - timedelta(days=1)
    await db.content_flags.insert_one(
        {"_id": ObjectId(), "target": "REPORT", "target_id": stale, "flagger": "r-old",
         "reason": "SPAM", "note": None, "at": long_ago}
    )  # fmt: skip
    assert await flag_service.migrate_flags(db, now=long_ago) == 1
    await db.content_flags.delete_many({"target_id": stale})  # as the TTL monitor would
    assert (await gql(FLAG, flag_input(fresh), RESIDENT))["data"]["contentFlag"]["errors"] == []
    # when a moderator filters the queue on flagged reports
    body = await gql(QUEUE, {"filter": {"flagged": True}}, MODERATOR)
    # then only the fresh one comes
    assert body["data"]["moderationQueue"]["edges"] == [{"node": {"id": fresh, "flagCount": 1}}]
