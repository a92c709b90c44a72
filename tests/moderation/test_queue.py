"""The moderation queue: filters, sorts, cursors, text without diacritics, served by indexes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from backend.moderation.models import QueueSort
from backend.reports import repository as report_repository
from backend.reports.models import ReportDoc, ReportStatus
from tests.moderation.conftest import MODERATOR, STAFF_ROADS, Gql

QUEUE = """query Q(
  $filter: ModerationQueueFilter, $sort: ModerationQueueOrder, $first: Int, $after: String
) {
  moderationQueue(filter: $filter, sort: $sort, first: $first, after: $after) {
    edges { node { id description meTooCount } } pageInfo { hasNextPage endCursor } } }"""
BASE = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


async def _all(gql: Gql, who: Any, **variables: Any) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        body = await gql(QUEUE, {**variables, "first": 2, "after": after}, who)
        assert "errors" not in body, body
        page = body["data"]["moderationQueue"]
        seen += [edge["node"]["description"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def test_queue_filters_sorts_and_pages(gql: Gql, given_report: Any) -> None:
    # given five reports: two share a me-too count (ties page by id), one closed, one of
    # another department, one overdue
    now = datetime.now(UTC)
    await given_report(
        description="r1 đường ngập",
        created_at=BASE,
        me_too_count=3,
        sla_due_at=now + timedelta(days=1),
    )
    await given_report(
        description="r2 vỉa hè",
        created_at=BASE + timedelta(hours=1),
        me_too_count=3,
        sla_due_at=now - timedelta(hours=1),
    )
    await given_report(
        description="r3 ổ gà",
        created_at=BASE + timedelta(hours=2),
        me_too_count=7,
        sla_due_at=now + timedelta(days=2),
        reopen_count=1,
        status="REOPENED",
    )
    await given_report(
        description="r4 closed", created_at=BASE + timedelta(hours=3), status="RESOLVED"
    )
    await given_report(
        description="r5 rác",
        created_at=BASE + timedelta(hours=4),
        category="uncollected-garbage",
        department="urenco",
        area="00004",  # Phường Ba Đình
        sla_due_at=now + timedelta(days=3),
    )
    # when moderators page the open queue oldest first, then every open report once
    assert await _all(gql, MODERATOR) == ["r1 đường ngập", "r2 vỉa hè", "r3 ổ gà", "r5 rác"]
    # when sorted by me-too descending, ties ordered by id, across pages
    by_me_too = await _all(gql, MODERATOR, sort={"field": "ME_TOO_COUNT", "direction": "DESC"})
    assert by_me_too[:3] == ["r3 ổ gà", "r2 vỉa hè", "r1 đường ngập"]
    # staff see their department only
    assert await _all(gql, STAFF_ROADS) == ["r1 đường ngập", "r2 vỉa hè", "r3 ổ gà"]
    # the filters
    assert await _all(gql, MODERATOR, filter={"overdue": True}) == ["r2 vỉa hè"]
    assert await _all(gql, MODERATOR, filter={"reopened": True}) == ["r3 ổ gà"]
    assert await _all(gql, MODERATOR, filter={"status": "RESOLVED"}) == ["r4 closed"]
    assert await _all(gql, MODERATOR, filter={"areaId": "00004"}) == ["r5 rác"]
    assert await _all(gql, MODERATOR, filter={"categoryId": "uncollected-garbage"}) == ["r5 rác"]
    window = {
        "createdFrom": (BASE + timedelta(minutes=30)).isoformat(),
        "createdTo": (BASE + timedelta(hours=2)).isoformat(),
    }
    assert await _all(gql, MODERATOR, filter=window) == ["r2 vỉa hè"]
    by_sla = await _all(
        gql,
        MODERATOR,
        sort={"field": "SLA_DUE_AT", "direction": "ASC"},
        filter={"departmentId": "so-xay-dung"},
    )
    assert by_sla == ["r2 vỉa hè", "r1 đường ngập", "r3 ổ gà"]


async def test_queue_text_ignores_diacritics(gql: Gql, given_report: Any) -> None:
    await given_report(
        description="Cống đường Láng bị tắc", search_terms=["cong", "duong", "lang", "bi", "tac"]
    )
    await given_report(
        description="Đèn đường hỏng",
        search_terms=["den", "duong", "hong"],
        created_at=BASE + timedelta(hours=1),
    )
    await given_report(description="Rác ở chợ", search_terms=["rac", "o", "cho"])
    assert await _all(gql, MODERATOR, filter={"text": "duong"}) == [
        "Cống đường Láng bị tắc",
        "Đèn đường hỏng",
    ]
    assert await _all(gql, MODERATOR, filter={"text": "đường lan"}) == ["Cống đường Láng bị tắc"]


async def test_queue_queries_are_served_by_indexes(gql: Gql, given_report: Any, db: Any) -> None:
    # given the app started (indexes ensured) and a report
    await gql("query { reportCategories { id } }")
    await given_report()
    sample = ReportDoc.from_mongo(await db.reports.find_one())
    prefixes: list[dict[str, str]] = [
        {},
        {"category": "pothole"},
        {"department": "so-xay-dung"},
        {"area": "00070"},
    ]
    for prefix in prefixes:
        for sort in QueueSort:
            value = report_repository.sort_value(sample, sort)
            for after in (None, (value, sample.id)):
                for query in report_repository.queue_queries(
                    prefix=prefix,
                    statuses=[ReportStatus.SUBMITTED],
                    sort=sort,
                    descending=True,
                    after=after,
                ):
                    # when explained, then an index scan and no collection scan
                    command = {"find": "reports", "filter": query.filter, "sort": dict(query.sort)}
                    explained = await db.command("explain", command, verbosity="queryPlanner")
                    plan = str(explained["queryPlanner"]["winningPlan"])
                    assert "IXSCAN" in plan and "COLLSCAN" not in plan, (query, plan)
    text = await db.command(
        "explain",
        {"find": "reports", "filter": {"search_terms": {"$gte": "duong", "$lt": "duonh"}}},
        verbosity="queryPlanner",
    )
    assert "COLLSCAN" not in str(text["queryPlanner"]["winningPlan"])
