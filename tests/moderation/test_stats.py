"""reportStats on a small data set whose figures are worked out by hand below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.moderation.conftest import MODERATOR, STAFF_ROADS, Gql

STATS = """query S($filter: ReportStatsFilter) { reportStats(filter: $filter) {
  total byStatus { key count } byCategory { key count } byArea { key count }
  acknowledgeMedianSeconds acknowledgeP90Seconds resolveMedianSeconds resolveP90Seconds
  acknowledgedWithinSla resolvedWithinSla reopenRate averageRating } }"""
BASE = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
# Wards since 1 July 2025 (official codes): Phường Hoàn Kiếm, Phường Ba Đình.
HOAN_KIEM, BA_DINH = "00070", "00004"


def at(hours: float) -> datetime:
    return BASE + timedelta(hours=hours)


async def test_stats_on_a_known_data_set(gql: Gql, given_report: Any) -> None:
    # given five reports created at BASE, with deadlines ack +8 h and resolve +72 h:
    #   A RESOLVED  ack +1 h  resolved +10 h  rating 4
    #   B RESOLVED  ack +2 h  resolved +100 h (late) rating 2, reopened once before
    #   C ACKNOWLEDGED ack +10 h (late), noise in Phường Ba Đình (the others in Hoàn Kiếm)
    #   D SUBMITTED, never acknowledged
    #   E REOPENED  ack +4 h, resolved then reopened (resolved_at cleared)
    # and F a month earlier (outside the period)
    due = {"ack_due_at": at(8), "resolve_due_at": at(72)}
    here = {**due, "area": HOAN_KIEM}
    await given_report(
        status="RESOLVED",
        acknowledged_at=at(1),
        resolved_at=at(10),
        rating={"stars": 4, "comment": None, "at": at(11)},
        **here,
    )
    await given_report(
        status="RESOLVED",
        acknowledged_at=at(2),
        resolved_at=at(100),
        rating={"stars": 2, "comment": None, "at": at(101)},
        reopen_count=1,
        **here,
    )
    await given_report(
        status="ACKNOWLEDGED",
        acknowledged_at=at(10),
        category="noise",
        department="ubnd-phuong",
        area=BA_DINH,
        **due,
    )
    await given_report(status="SUBMITTED", **here)
    await given_report(status="REOPENED", acknowledged_at=at(4), reopen_count=1, **here)
    await given_report(
        status="RESOLVED",
        created_at=at(-24 * 30),
        acknowledged_at=at(-24 * 30 + 1),
        resolved_at=at(-24 * 29),
    )
    period = {"from": BASE.isoformat(), "to": at(24 * 30).isoformat()}
    # when a moderator asks for the period's statistics
    stats = (await gql(STATS, {"filter": period}, MODERATOR))["data"]["reportStats"]
    # then counts by status, category and area
    assert stats["total"] == 5
    assert {c["key"]: c["count"] for c in stats["byStatus"]} == {
        "RESOLVED": 2,
        "ACKNOWLEDGED": 1,
        "SUBMITTED": 1,
        "REOPENED": 1,
    }
    assert {c["key"]: c["count"] for c in stats["byCategory"]} == {"pothole": 4, "noise": 1}
    assert {c["key"]: c["count"] for c in stats["byArea"]} == {HOAN_KIEM: 4, BA_DINH: 1}
    # acknowledgement times sorted: 1, 2, 4, 10 h; n = 4: median at floor(0.5*3) = 1 -> 2 h,
    # p90 at floor(0.9*3) = 2 -> 4 h; within 8 h: A, B, E = 3/4
    assert stats["acknowledgeMedianSeconds"] == 2 * 3600
    assert stats["acknowledgeP90Seconds"] == 4 * 3600
    assert stats["acknowledgedWithinSla"] == 0.75
    # resolution times: 10, 100 h; n = 2: both percentiles at index 0 -> 10 h; within 72 h: 1/2
    assert stats["resolveMedianSeconds"] == 10 * 3600
    assert stats["resolveP90Seconds"] == 10 * 3600
    assert stats["resolvedWithinSla"] == 0.5
    # ever resolved: A, B (RESOLVED), E (reopened) = 3; reopened: B, E = 2
    assert stats["reopenRate"] == 2 / 3
    assert stats["averageRating"] == 3.0
    # when the roads staff ask, then only their department's reports count (C is not theirs)
    staff = (await gql(STATS, {"filter": period}, STAFF_ROADS))["data"]["reportStats"]
    assert staff["total"] == 4 and staff["acknowledgedWithinSla"] == 1.0
