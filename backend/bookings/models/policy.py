"""Cancellation policies and the Hanoi calendar of stays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from backend.bookings.models.statuses import CHECK_IN_HOUR
from backend.clock import HANOI


@dataclass(frozen=True)
class PolicyRule:
    """Cancelling at least `hours_before` the start refunds `refund_percent`."""

    hours_before: int
    refund_percent: int


def parse_policy(rules: list[dict[str, Any]]) -> list[PolicyRule]:
    """Policy rules, most generous (longest notice) first."""
    parsed = [PolicyRule(int(r["hours_before"]), int(r["refund_percent"])) for r in rules]
    return sorted(parsed, key=lambda rule: -rule.hours_before)


def refund_percent(policy: list[PolicyRule], *, hours_left: float) -> int | None:
    """The refund for cancelling `hours_left` before the start; None when no rule allows it."""
    for rule in policy:  # longest notice first: the first rule met is the best one
        if hours_left >= rule.hours_before:
            return rule.refund_percent
    return None


def hanoi_date(at: datetime) -> date:
    return at.astimezone(HANOI).date()


def stay_start(check_in: date) -> datetime:
    """When a stay begins (check-in time, Hanoi), for cancellation windows and reminders."""
    return datetime(check_in.year, check_in.month, check_in.day, CHECK_IN_HOUR, tzinfo=HANOI)


def nights(check_in: date, check_out: date) -> list[date]:
    return [check_in + timedelta(days=i) for i in range((check_out - check_in).days)]
