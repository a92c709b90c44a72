"""Storage shapes of the notifications domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import Any

from bson import ObjectId


class Platform(StrEnum):
    ANDROID = "android"
    IOS = "ios"
    WEB = "web"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


class Topic(StrEnum):
    """What a user can switch off: every outbox kind belongs to one."""

    REPORT_UPDATES = "report_updates"
    BOOKING_UPDATES = "booking_updates"
    AREA_ALERTS = "area_alerts"


def always_delivered(kind: str) -> bool:
    """account.* (the confirmation of a deletion): notices about the account itself, delivered
    whatever topics the user switched off (they must hear before the account goes)."""
    return kind.split(".", 1)[0] == "account"


def topic_of(kind: str) -> Topic:
    """report.* -> report updates, booking.* -> booking updates, alert.* -> area alerts."""
    prefix = kind.split(".", 1)[0]
    return {
        "report": Topic.REPORT_UPDATES,
        "booking": Topic.BOOKING_UPDATES,
        "alert": Topic.AREA_ALERTS,
    }.get(prefix, Topic.REPORT_UPDATES)


def kind_name(kind: str) -> str:
    """A stored kind as the app sees it: `report.status_changed` -> `REPORT_STATUS_CHANGED`.

    The push's `kind` data key and the `NotificationKind` enum of the SDL both use this name.
    """
    return kind.replace(".", "_").upper()


class Audience(StrEnum):
    """Whom a report's push speaks to: its reporter ("Your report...") or a follower ("A report
    you follow..."). Messages about a report name its reporter in `data["reporter"]`."""

    REPORTER = "reporter"
    FOLLOWER = "follower"


def audience_of(data: dict[str, Any], uid: str) -> Audience:
    """The reporter named in a message's data hears "your report"; everyone else follows it."""
    return Audience.REPORTER if data.get("reporter") == uid else Audience.FOLLOWER


MAX_ATTEMPTS = 8
MAX_AREAS_FOLLOWED = 50


@dataclass(frozen=True, kw_only=True)
class QuietHours:
    """A daily window in Asia/Ho_Chi_Minh; may cross midnight (22:00-06:30)."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True, kw_only=True)
class PreferencesDoc:
    uid: str
    report_updates: bool = True
    booking_updates: bool = True
    area_alerts: bool = True
    area_ids: tuple[str, ...] = ()
    quiet_hours: QuietHours | None = None

    def wants(self, topic: Topic) -> bool:
        return bool(getattr(self, topic.value))

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None, uid: str) -> PreferencesDoc:
        if doc is None:
            return cls(uid=uid)
        quiet = doc.get("quiet_hours")
        return cls(
            uid=uid,
            report_updates=doc.get("report_updates", True),
            booking_updates=doc.get("booking_updates", True),
            area_alerts=doc.get("area_alerts", True),
            area_ids=tuple(doc.get("area_ids", ())),
            quiet_hours=(
                QuietHours(
                    start=time.fromisoformat(quiet["start"]), end=time.fromisoformat(quiet["end"])
                )
                if quiet
                else None
            ),
        )


@dataclass(frozen=True, kw_only=True)
class DeviceDoc:
    token: str
    uid: str
    platform: Platform
    locale: str
    app_version: str | None
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class InboxItemDoc:
    id: ObjectId
    uid: str
    kind: str
    title: dict[str, str]
    body: dict[str, str]
    deep_link: str | None
    read: bool
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class AlertDoc:
    id: ObjectId
    area_ids: tuple[str, ...]  # empty = the whole city
    severity: Severity
    title: dict[str, str]
    body: dict[str, str]
    deep_link: str | None
    expires_at: datetime
    created_at: datetime
    created_by: str

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> AlertDoc:
        return cls(
            id=doc["_id"],
            area_ids=tuple(doc.get("area_ids", ())),
            severity=Severity(doc["severity"]),
            title=doc["title"],
            body=doc["body"],
            deep_link=doc.get("deep_link"),
            expires_at=doc["expires_at"],
            created_at=doc["created_at"],
            created_by=doc["created_by"],
        )


@dataclass(kw_only=True)
class OutboxDoc:
    id: ObjectId
    kind: str
    recipients: dict[str, Any]
    data: dict[str, Any]
    state: OutboxState
    attempts: int
    created_at: datetime
    urgent: bool = False
    deferred: bool = False  # a copy made for quiet hours: never deferred again
    skip_inbox: bool = False  # the inbox item was written with the original
    origin_id: Any = None  # a deferred copy's original, whose inbox items its pushes name
    progress: dict[str, Any] = field(default_factory=dict)
    last_error: str | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> OutboxDoc:
        return cls(
            id=doc["_id"],
            kind=doc["kind"],
            recipients=doc.get("recipients", {}),
            data=doc.get("data", {}),
            state=OutboxState(doc["state"]),
            attempts=doc.get("attempts", 0),
            created_at=doc["created_at"],
            urgent=bool(doc.get("urgent", False)),
            deferred=bool(doc.get("deferred", False)),
            skip_inbox=bool(doc.get("skip_inbox", False)),
            origin_id=doc.get("origin_id"),
            progress=doc.get("progress", {}),
            last_error=doc.get("last_error"),
        )

    @property
    def event_id(self) -> Any:
        """The id of the event this message tells of: the original's for a deferred copy.

        Inbox items are keyed by it, and the push's `messageId` is built from it.
        """
        return self.origin_id if self.origin_id is not None else self.id


class StaffNoticeKind(StrEnum):
    """What a staff member is told about a report of their unit (batched into digests)."""

    NEW = "new"
    REOPENED = "reopened"
    LOW_RATING = "low_rating"
    ASSIGNED = "assigned"
    REMINDER = "reminder"
    OVERDUE = "overdue"


@dataclass(frozen=True, kw_only=True)
class StaffNoticeDoc:
    """One thing to tell one staff member; the digest job pushes a person's pending ones at most
    once per window, as one message with a count."""

    id: ObjectId
    uid: str
    kind: StaffNoticeKind
    report_id: ObjectId
    title: str
    created_at: datetime
    due_at: datetime | None = None
    stage: str | None = None
    stars: int | None = None
    urgent: bool = False

    def to_mongo(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "uid": self.uid,
            "kind": self.kind.value,
            "report_id": self.report_id,
            "title": self.title,
            "created_at": self.created_at,
            "due_at": self.due_at,
            "stage": self.stage,
            "stars": self.stars,
            "urgent": self.urgent,
            "state": "pending",
        }

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> StaffNoticeDoc:
        return cls(
            id=doc["_id"],
            uid=doc["uid"],
            kind=StaffNoticeKind(doc["kind"]),
            report_id=doc["report_id"],
            title=doc["title"],
            created_at=doc["created_at"],
            due_at=doc.get("due_at"),
            stage=doc.get("stage"),
            stars=doc.get("stars"),
            urgent=bool(doc.get("urgent", False)),
        )
