"""Follow, "me too", reopen and rate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from tests.reports.conftest import Gql

FIELDS = (
    "report { id status followerCount meTooCount viewerIsFollowing viewerHasMeToo "
    "timeline { kind note } } errors { field code message }"
)
FOLLOW = f"mutation F($input: ReportFollowInput!) {{ reportFollow(input: $input) {{ {FIELDS} }} }}"
UNFOLLOW = (
    f"mutation U($input: ReportUnfollowInput!) {{ reportUnfollow(input: $input) {{ {FIELDS} }} }}"
)
ME_TOO = f"mutation M($input: ReportMeTooInput!) {{ reportMeToo(input: $input) {{ {FIELDS} }} }}"
REOPEN = f"mutation R($input: ReportReopenInput!) {{ reportReopen(input: $input) {{ {FIELDS} }} }}"
RATE = (
    "mutation Rate($input: ReportRateInput!) { reportRate(input: $input) { "
    "report { rating { stars comment } } errors { field code } } }"
)
REASON = "Ổ gà vẫn còn nguyên, chưa ai sửa"


async def _set_status(
    db_client: Any, settings: Any, report_id: str, status: str, days: int
) -> None:
    # moderation is not built yet: the "given" step writes what it will write
    await db_client[settings.mongodb_db].reports.update_one(
        {"_id": ObjectId(report_id)},
        {"$set": {"status": status, "resolved_at": datetime.now(UTC) - timedelta(days=days)}},
    )


async def test_follow_is_idempotent_and_counts_once(
    create_report: Callable[..., Any], gql: Gql, settings: Any, db_client: Any
) -> None:
    report_id = (await create_report(uid="reporter"))["report"]["id"]
    # when a neighbour follows twice
    for _ in range(2):
        payload = (await gql(FOLLOW, {"input": {"reportId": report_id}}, uid="n"))["data"]
    # then they follow once
    report = payload["reportFollow"]["report"]
    assert (report["followerCount"], report["viewerIsFollowing"]) == (2, True)
    db = db_client[settings.mongodb_db]
    assert await db.outbox.count_documents({"kind": "report.followed"}) == 1
    # and unfollowing twice brings the count back once
    for _ in range(2):
        payload = (await gql(UNFOLLOW, {"input": {"reportId": report_id}}, uid="n"))["data"]
    report = payload["reportUnfollow"]["report"]
    assert (report["followerCount"], report["viewerIsFollowing"]) == (1, False)


async def test_follow_unknown_report_is_not_found(gql: Gql) -> None:
    for report_id in ("bad", str(ObjectId())):
        payload = (await gql(FOLLOW, {"input": {"reportId": report_id}}, uid="n"))["data"]
        assert payload["reportFollow"]["errors"][0]["code"] == "NOT_FOUND"


async def test_me_too_is_idempotent_and_follows(
    create_report: Callable[..., Any], gql: Gql
) -> None:
    report_id = (await create_report(uid="reporter"))["report"]["id"]
    for _ in range(2):
        payload = (await gql(ME_TOO, {"input": {"reportId": report_id}}, uid="n"))["data"]
    report = payload["reportMeToo"]["report"]
    assert (report["meTooCount"], report["viewerHasMeToo"]) == (1, True)
    assert (report["followerCount"], report["viewerIsFollowing"]) == (2, True)
    # and the reporter cannot back their own report
    own = (await gql(ME_TOO, {"input": {"reportId": report_id}}, uid="reporter"))["data"]
    assert own["reportMeToo"]["errors"][0]["code"] == "OWN_REPORT"


async def test_reopen_rules(
    create_report: Callable[..., Any], gql: Gql, settings: Any, db_client: Any
) -> None:
    report_id = (await create_report(uid="reporter"))["report"]["id"]
    request = {"input": {"reportId": report_id, "reason": REASON}}
    # an open report cannot be reopened
    payload = (await gql(REOPEN, request, uid="reporter"))["data"]["reportReopen"]
    assert payload["errors"][0]["code"] == "NOT_REOPENABLE"
    # nor one resolved 31 days ago
    await _set_status(db_client, settings, report_id, "RESOLVED", days=31)
    payload = (await gql(REOPEN, request, uid="reporter"))["data"]["reportReopen"]
    assert payload["errors"][0]["code"] == "REOPEN_WINDOW_CLOSED"
    # a stranger may not reopen one resolved 10 days ago
    await _set_status(db_client, settings, report_id, "RESOLVED", days=10)
    payload = (await gql(REOPEN, request, uid="stranger"))["data"]["reportReopen"]
    assert payload["errors"][0]["code"] == "FORBIDDEN"
    # but a follower may
    await gql(FOLLOW, {"input": {"reportId": report_id}}, uid="follower")
    payload = (await gql(REOPEN, request, uid="follower"))["data"]["reportReopen"]
    assert payload["errors"] == []
    assert payload["report"]["status"] == "REOPENED"
    assert payload["report"]["timeline"][-1] == {"kind": "REOPENED", "note": REASON}
    # and the reporter is told
    message = await db_client[settings.mongodb_db].outbox.find_one({"kind": "report.reopened"})
    assert message["recipients"] == {"uids": ["reporter"]}


async def test_rate_rules(
    create_report: Callable[..., Any], gql: Gql, settings: Any, db_client: Any
) -> None:
    report_id = (await create_report(uid="reporter"))["report"]["id"]

    async def rate(uid: str, stars: int = 4) -> dict[str, Any]:
        variables = {"input": {"reportId": report_id, "stars": stars, "comment": "Nhanh"}}
        return (await gql(RATE, variables, uid=uid))["data"]["reportRate"]

    assert (await rate("reporter"))["errors"] == [{"field": None, "code": "NOT_RATEABLE"}]
    await _set_status(db_client, settings, report_id, "RESOLVED", days=1)
    assert (await rate("reporter", stars=6))["errors"][0]["code"] == "INVALID_RATING"
    assert (await rate("stranger"))["errors"][0]["code"] == "FORBIDDEN"
    assert (await rate("reporter"))["report"]["rating"] == {"stars": 4, "comment": "Nhanh"}
    assert (await rate("reporter"))["errors"][0]["code"] == "ALREADY_RATED"


async def test_hidden_reports_cannot_be_backed_or_followed_by_others(
    create_report: Callable[..., Any], gql: Gql, settings: Any, db_client: Any
) -> None:
    from bson import ObjectId

    report_id = (await create_report(uid="reporter"))["report"]["id"]
    # given a moderator hid the report (abuse)
    await db_client[settings.mongodb_db]["reports"].update_one(
        {"_id": ObjectId(report_id)}, {"$set": {"hidden": True}}
    )
    # then another resident cannot back or follow it: it does not exist for them
    for mutation in (ME_TOO, FOLLOW):
        payload = (await gql(mutation, {"input": {"reportId": report_id}}, uid="stranger"))["data"]
        assert next(iter(payload.values()))["errors"][0]["code"] == "NOT_FOUND"
