"""Storage models and rules of moderation: the status state machine, priorities, audit entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bson import ObjectId

from backend.reports.models import ReportStatus

S = ReportStatus

# The state machine of reportSetStatus, as FixMyStreet's state sets: from -> allowed targets.
# DUPLICATE is reached only through reportMerge and REOPENED only through the residents'
# reportReopen; closed states are final for moderators (a wrong answer is reopened by the
# resident, who is the one to say it is not fixed).
TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    S.SUBMITTED: frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.RESOLVED, S.REJECTED}),
    S.REOPENED: frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.RESOLVED, S.REJECTED}),
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.RESOLVED, S.REJECTED}),
    S.IN_PROGRESS: frozenset({S.ACKNOWLEDGED, S.RESOLVED, S.REJECTED}),
    S.RESOLVED: frozenset(),
    S.REJECTED: frozenset(),
    S.DUPLICATE: frozenset(),
}
# States a report may be merged from (open ones) and into (anything but a duplicate).
MERGEABLE_FROM = frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED})


def can_transition(current: ReportStatus, target: ReportStatus) -> bool:
    """True when reportSetStatus may move a report from `current` to `target`."""
    return target in TRANSITIONS[current]


def allowed_transitions(current: ReportStatus) -> list[ReportStatus]:
    """The targets reportSetStatus accepts from `current`, in the enum's order (for clients)."""
    return [status for status in ReportStatus if can_transition(current, status)]


LOCK_DURATION = timedelta(minutes=10)
MAX_BULK = 100
NOTE_MAX = 4_000
REASON_MAX = 1_000


class Priority(StrEnum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    URGENT = "URGENT"


class QueueSort(StrEnum):
    CREATED_AT = "CREATED_AT"
    SLA_DUE_AT = "SLA_DUE_AT"
    ME_TOO_COUNT = "ME_TOO_COUNT"


class SortDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


# The stored field behind each queue sort.
SORT_FIELDS = {
    QueueSort.CREATED_AT: "created_at",
    QueueSort.SLA_DUE_AT: "sla_due_at",
    QueueSort.ME_TOO_COUNT: "me_too_count",
}


class ModerationErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_INPUT = "INVALID_INPUT"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    NOTE_REQUIRED = "NOTE_REQUIRED"
    PHOTO_REQUIRED = "PHOTO_REQUIRED"
    INVALID_PHOTO = "INVALID_PHOTO"
    LOCKED = "LOCKED"
    INVALID_MERGE = "INVALID_MERGE"
    UNKNOWN_CATEGORY = "UNKNOWN_CATEGORY"
    UNKNOWN_DEPARTMENT = "UNKNOWN_DEPARTMENT"
    TOO_MANY_REPORTS = "TOO_MANY_REPORTS"
    CHANGED = "CHANGED"


class AuditAction(StrEnum):
    TRIAGE = "report.triage"
    SET_STATUS = "report.set_status"
    MERGE = "report.merge"
    EDIT = "report.edit"
    HIDE = "report.hide"
    UNHIDE = "report.unhide"
    LOCK = "report.lock"
    BAN = "user.ban"
    UNBAN = "user.unban"


@dataclass(frozen=True, kw_only=True)
class ModerationOriginalDoc:
    """A report's content as it was before a moderator edit (FixMyStreet ModerationOriginalData)."""

    id: ObjectId
    report: ObjectId
    description: str
    photo_ids: list[ObjectId]
    actor: str
    at: datetime

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> ModerationOriginalDoc:
        return cls(
            id=doc["_id"],
            report=doc["report"],
            description=doc["description"],
            photo_ids=list(doc.get("photo_ids", [])),
            actor=doc["actor"],
            at=doc["at"],
        )


@dataclass(frozen=True, kw_only=True)
class QueueFilter:
    """moderationQueue's filter, typed (no user dict reaches a query)."""

    status: ReportStatus | None = None
    category: str | None = None
    department: str | None = None
    area: str | None = None
    overdue: bool | None = None
    reopened: bool | None = None
    hidden: bool | None = False
    text: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class StatsFilter:
    start: datetime | None = None
    end: datetime | None = None
    area: str | None = None
    department: str | None = None
    category: str | None = None


@dataclass(frozen=True, kw_only=True)
class Stats:
    total: int
    by_status: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_area: dict[str, int] = field(default_factory=dict)
    ack_median_s: float | None = None
    ack_p90_s: float | None = None
    resolve_median_s: float | None = None
    resolve_p90_s: float | None = None
    ack_within_sla: float | None = None
    resolve_within_sla: float | None = None
    reopen_rate: float | None = None
    average_rating: float | None = None
