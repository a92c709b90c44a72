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


# The department whose offices are the 126 wards' and communes' People's Committees: a report
# of its categories is handled by the committee of the unit it lies in (`report.area`).
WARD_COMMITTEES = "ubnd-phuong"


def unit_keys(department: str, areas: frozenset[str] | list[str]) -> list[str]:
    """A staff member's units: the department city-wide, or one key per ward/commune."""
    return [f"{department}:{area}" for area in sorted(areas)] if areas else [department]


def acting_units(department: str, area: str) -> list[str]:
    """The units that may act on a report: its department city-wide, or the department's
    office in the report's ward/commune."""
    return [department, f"{department}:{area}"]


@dataclass(frozen=True, kw_only=True)
class StaffMemberDoc:
    """A staff directory entry, kept by `users grant` next to the custom claims (who can be
    assigned, who is told of new and overdue reports)."""

    uid: str
    role: str
    department: str | None
    areas: list[str]
    lead: bool
    email: str | None = None

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> StaffMemberDoc:
        return cls(
            uid=doc["_id"],
            role=doc["role"],
            department=doc.get("department"),
            areas=list(doc.get("areas", [])),
            lead=bool(doc.get("lead", False)),
            email=doc.get("email"),
        )


@dataclass(frozen=True, kw_only=True)
class CannedAnswerDoc:
    """A ready answer to a category's reports, kept by admins, in Vietnamese and English."""

    id: ObjectId
    category: str
    title: dict[str, str]  # {"vi": ..., "en": ...}
    text: dict[str, str]
    updated_by: str
    updated_at: datetime

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> CannedAnswerDoc:
        return cls(
            id=doc["_id"],
            category=doc["category"],
            title=dict(doc["title"]),
            text=dict(doc["text"]),
            updated_by=doc["updated_by"],
            updated_at=doc["updated_at"],
        )

    def to_mongo(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "category": self.category,
            "title": self.title,
            "text": self.text,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at,
        }

    def audited(self) -> dict[str, Any]:
        """What the audit log keeps of it (before / after)."""
        return {"category": self.category, "title": self.title, "text": self.text}


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
    # Priority (URGENT first), then the deadline (soonest first): the order a city office works in.
    URGENCY = "URGENCY"


class SortDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


# The stored field behind each queue sort.
SORT_FIELDS = {
    QueueSort.CREATED_AT: "created_at",
    QueueSort.SLA_DUE_AT: "sla_due_at",
    QueueSort.ME_TOO_COUNT: "me_too_count",
}
# URGENCY reads one priority after another (an equality each), by deadline within each.
URGENCY_ORDER = (Priority.URGENT, Priority.NORMAL, Priority.LOW)


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
    NOT_IN_UNIT = "NOT_IN_UNIT"
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
    ASSIGN = "report.assign"
    BAN = "user.ban"
    UNBAN = "user.unban"
    FLAG = "content.flag"
    FLAG_RESOLVE = "content.flag_resolve"
    READ_REPORTER_CONTACT = "report.read_reporter_contact"
    CANNED_ANSWER_SET = "canned_answer.set"
    CANNED_ANSWER_DELETE = "canned_answer.delete"


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
    # Staff of ward offices: only reports in these units (None: no restriction).
    areas: frozenset[str] | None = None
    # ME and <id> become a uid; NONE is `unassigned`.
    assignee: str | None = None
    unassigned: bool = False
    hidden: bool | None = False
    # Reports residents flagged (contentFlag); the service fills `flagged_ids`.
    flagged: bool | None = None
    flagged_ids: frozenset[ObjectId] = frozenset()
    text: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class StatsFilter:
    start: datetime | None = None
    end: datetime | None = None
    area: str | None = None
    # Staff of ward offices: only their units (None: no restriction).
    areas: frozenset[str] | None = None
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


# --- content flags (residents report abuse to the moderators) ------------------------------------


class FlagTarget(StrEnum):
    """What a resident can flag: a report, a photo (by its media id) or a place review."""

    REPORT = "REPORT"
    PHOTO = "PHOTO"
    REVIEW = "REVIEW"


class FlagReason(StrEnum):
    SPAM = "SPAM"
    ABUSE = "ABUSE"  # insults, harassment, hate
    PERSONAL_DATA = "PERSONAL_DATA"  # someone's face, plate, phone number, address
    INAPPROPRIATE = "INAPPROPRIATE"  # sexual or violent content
    MISLEADING = "MISLEADING"
    OTHER = "OTHER"


class FlagErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_INPUT = "INVALID_INPUT"
    RATE_LIMITED = "RATE_LIMITED"
    BANNED = "BANNED"


FLAG_NOTE_MAX = 500


class FlagOutcome(StrEnum):
    """A moderator's word on an item's open flags: the content was abusive (and was dealt with
    through the usual actions) or not."""

    UPHELD = "UPHELD"
    DISMISSED = "DISMISSED"


@dataclass(frozen=True, kw_only=True)
class ContentFlagDoc:
    """One resident's flag on one item (a second flag of theirs on it changes nothing)."""

    id: ObjectId
    target: FlagTarget
    target_id: str
    flagger: str
    reason: FlagReason
    note: str | None
    at: datetime
    # Set when a moderator resolved the item's open flags (contentFlagsResolve).
    outcome: FlagOutcome | None = None
    resolved_at: datetime | None = None

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> ContentFlagDoc:
        return cls(
            id=doc["_id"],
            target=FlagTarget(doc["target"]),
            target_id=doc["target_id"],
            flagger=doc["flagger"],
            reason=FlagReason(doc["reason"]),
            note=doc.get("note"),
            at=doc["at"],
            outcome=FlagOutcome(doc["outcome"]) if doc.get("outcome") else None,
            resolved_at=doc.get("resolved_at"),
        )
