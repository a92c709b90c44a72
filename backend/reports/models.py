"""Storage models of the reports domain: categories, reports, timeline events, state sets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId

from backend import geo
from backend.auth.models import Locale


class ReportStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    REJECTED = "REJECTED"
    DUPLICATE = "DUPLICATE"
    REOPENED = "REOPENED"


# As FixMyStreet's state sets: rules ask "is it open?", not "is it one of these four?".
OPEN_STATES = frozenset(
    {
        ReportStatus.SUBMITTED,
        ReportStatus.ACKNOWLEDGED,
        ReportStatus.IN_PROGRESS,
        ReportStatus.REOPENED,
    }
)
CLOSED_STATES = frozenset({ReportStatus.RESOLVED, ReportStatus.REJECTED, ReportStatus.DUPLICATE})
# Waiting for a moderator to acknowledge: the SLA clock is the acknowledgement one.
AWAITING_ACKNOWLEDGEMENT = frozenset({ReportStatus.SUBMITTED, ReportStatus.REOPENED})
RATEABLE_STATES = frozenset({ReportStatus.RESOLVED, ReportStatus.REJECTED})


class EventKind(StrEnum):
    CREATED = "CREATED"
    STATUS_CHANGED = "STATUS_CHANGED"
    MERGED = "MERGED"
    REOPENED = "REOPENED"
    TRIAGED = "TRIAGED"
    NOTE = "NOTE"
    EDITED = "EDITED"


@dataclass(frozen=True, kw_only=True)
class CategoryDoc:
    """A report category from content/reports/categories.json; `id` is its slug."""

    id: str
    name: dict[str, str]
    department: str
    acknowledge_hours: int
    resolve_hours: int
    duplicate_radius_m: float
    private: bool
    urgent: bool
    # A RESOLVED answer must show the fix (a photo) unless the category says none can exist.
    resolution_photo_required: bool = True

    def localized_name(self, locale: Locale) -> str:
        return self.name.get(locale.value) or self.name.get("vi") or self.id

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> CategoryDoc:
        return cls(
            id=doc["_id"],
            name=doc["name"],
            department=doc["department"],
            acknowledge_hours=int(doc["sla_hours"]["acknowledge"]),
            resolve_hours=int(doc["sla_hours"]["resolve"]),
            duplicate_radius_m=float(doc["duplicate_radius_m"]),
            private=bool(doc["private"]),
            urgent=bool(doc.get("urgent", False)),
            resolution_photo_required=bool(doc.get("resolution_photo_required", True)),
        )


@dataclass(frozen=True, kw_only=True)
class Rating:
    stars: int
    comment: str | None
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ReportDoc:
    """A report as stored; `location` is a GeoJSON Point ([lng, lat])."""

    id: ObjectId
    category: str
    department: str
    status: ReportStatus
    description: str
    lng: float
    lat: float
    address: str | None
    area: str
    photo_ids: list[ObjectId]
    reporter: str
    anonymous: bool
    me_too_count: int
    follower_count: int
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None
    resolved_at: datetime | None = None
    rating: Rating | None = None
    search_terms: list[str] = field(default_factory=list)
    # Moderation (backend/moderation): routing priority, SLA deadlines, visibility, merge, lock.
    priority: str = "NORMAL"
    ack_due_at: datetime | None = None
    resolve_due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    hidden: bool = False
    duplicate_of: ObjectId | None = None
    reopen_count: int = 0
    locked_by: str | None = None
    locked_until: datetime | None = None
    # A staff member of the acting unit who took it (reportAssign), and when.
    assignee: str | None = None
    assigned_at: datetime | None = None
    # Stages whose deadline reminder or escalation went out ("ack.reminder", "ack.overdue"...).
    sla_alerts: list[str] = field(default_factory=list)
    # The open status a report had when hiding it as spam/abuse closed it (reportUnhide restores).
    closed_by_hide: ReportStatus | None = None

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> ReportDoc:
        lng, lat = doc["location"]["coordinates"][:2]
        rating = doc.get("rating")
        return cls(
            id=doc["_id"],
            category=doc["category"],
            department=doc["department"],
            status=ReportStatus(doc["status"]),
            description=doc["description"],
            lng=float(lng),
            lat=float(lat),
            address=doc.get("address"),
            area=doc["area"],
            photo_ids=list(doc.get("photo_ids", [])),
            reporter=doc["reporter"],
            anonymous=bool(doc.get("anonymous", False)),
            me_too_count=int(doc.get("me_too_count", 0)),
            follower_count=int(doc.get("follower_count", 0)),
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
            sla_due_at=doc.get("sla_due_at"),
            resolved_at=doc.get("resolved_at"),
            rating=Rating(stars=rating["stars"], comment=rating.get("comment"), at=rating["at"])
            if rating
            else None,
            search_terms=list(doc.get("search_terms", [])),
            priority=doc.get("priority") or "NORMAL",
            ack_due_at=doc.get("ack_due_at"),
            resolve_due_at=doc.get("resolve_due_at"),
            acknowledged_at=doc.get("acknowledged_at"),
            hidden=bool(doc.get("hidden", False)),
            duplicate_of=doc.get("duplicate_of"),
            reopen_count=int(doc.get("reopen_count", 0)),
            locked_by=doc.get("locked_by"),
            locked_until=doc.get("locked_until"),
            assignee=doc.get("assignee"),
            assigned_at=doc.get("assigned_at"),
            sla_alerts=list(doc.get("sla_alerts", [])),
            closed_by_hide=(
                ReportStatus(doc["closed_by_hide"]) if doc.get("closed_by_hide") else None
            ),
        )

    def to_mongo(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "category": self.category,
            "department": self.department,
            "status": self.status.value,
            "description": self.description,
            "location": {"type": "Point", "coordinates": [self.lng, self.lat]},
            # Derived from the location, for nearest-first reads (reports/repository/nearby.py).
            "location_cells": geo.grid_cells(lat=self.lat, lng=self.lng),
            "address": self.address,
            "area": self.area,
            "photo_ids": self.photo_ids,
            "reporter": self.reporter,
            "anonymous": self.anonymous,
            "me_too_count": self.me_too_count,
            "follower_count": self.follower_count,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "sla_due_at": self.sla_due_at,
            "resolved_at": self.resolved_at,
            "search_terms": self.search_terms,
            "priority": self.priority,
            "ack_due_at": self.ack_due_at,
            "resolve_due_at": self.resolve_due_at,
            "acknowledged_at": self.acknowledged_at,
            "hidden": self.hidden,
            "duplicate_of": self.duplicate_of,
            "reopen_count": self.reopen_count,
            "locked_by": self.locked_by,
            "locked_until": self.locked_until,
            "assignee": self.assignee,
            "assigned_at": self.assigned_at,
            "sla_alerts": self.sla_alerts,
            "closed_by_hide": self.closed_by_hide.value if self.closed_by_hide else None,
        }


@dataclass(frozen=True, kw_only=True)
class ReportEventDoc:
    """A timeline entry; only `public` ones are shown to residents."""

    id: ObjectId
    report: ObjectId
    kind: EventKind
    at: datetime
    public: bool
    status: ReportStatus | None = None
    note: str | None = None
    photo_ids: list[ObjectId] = field(default_factory=list)
    merged_into: ObjectId | None = None

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> ReportEventDoc:
        return cls(
            id=doc["_id"],
            report=doc["report"],
            kind=EventKind(doc["kind"]),
            at=doc["at"],
            public=bool(doc.get("public", False)),
            status=ReportStatus(doc["status"]) if doc.get("status") else None,
            note=doc.get("note"),
            photo_ids=list(doc.get("photo_ids", [])),
            merged_into=doc.get("merged_into"),
        )

    def to_mongo(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "report": self.report,
            "kind": self.kind.value,
            "at": self.at,
            "public": self.public,
            "status": self.status.value if self.status else None,
            "note": self.note,
            "photo_ids": self.photo_ids,
            "merged_into": self.merged_into,
        }


class ReportErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_INPUT = "INVALID_INPUT"
    UNKNOWN_CATEGORY = "UNKNOWN_CATEGORY"
    DESCRIPTION_LENGTH = "DESCRIPTION_LENGTH"
    INVALID_LOCATION = "INVALID_LOCATION"
    OUTSIDE_CITY = "OUTSIDE_CITY"
    TOO_MANY_PHOTOS = "TOO_MANY_PHOTOS"
    INVALID_PHOTO = "INVALID_PHOTO"
    RATE_LIMITED = "RATE_LIMITED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    OWN_REPORT = "OWN_REPORT"
    REPORT_CLOSED = "REPORT_CLOSED"
    NOT_REOPENABLE = "NOT_REOPENABLE"
    REOPEN_WINDOW_CLOSED = "REOPEN_WINDOW_CLOSED"
    NOT_RATEABLE = "NOT_RATEABLE"
    ALREADY_RATED = "ALREADY_RATED"
    INVALID_RATING = "INVALID_RATING"
    BANNED = "BANNED"
