"""GraphQL types of the notifications domain."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from backend.areas.dataloaders import area_loader
from backend.areas.types import Area
from backend.auth.models import Locale
from backend.context import Info
from backend.errors import UserError
from backend.notifications.models import (
    AlertDoc,
    DeviceDoc,
    InboxItemDoc,
    OutboxDoc,
    Platform,
    PreferencesDoc,
    Severity,
)
from backend.pagination import Connection

PlatformEnum = strawberry.enum(Platform, name="DevicePlatform", description="A device's platform.")
SeverityEnum = strawberry.enum(
    Severity, name="AlertSeverity", description="How serious an alert is."
)


@strawberry.enum(description="Why a notifications mutation did not happen.")
class NotificationErrorCode(Enum):
    INVALID_INPUT = "invalid_input"
    TOKEN_EMPTY = strawberry.enum_value(
        "token_empty", description="deviceRegister: the token is empty or blank."
    )
    TOKEN_TOO_LONG = strawberry.enum_value(
        "token_too_long", description="deviceRegister: the token has more than 4,096 characters."
    )
    TOKEN_NOT_FCM = strawberry.enum_value(
        "token_not_fcm",
        description="deviceRegister: not the shape of an FCM registration token (URL-safe "
        "characters A-Z a-z 0-9 _ - :, at least 16).",
    )
    TOKEN_IS_APNS = strawberry.enum_value(
        "token_is_apns",
        description="deviceRegister: an APNs device token (64 hex digits); send the FCM "
        "registration token, which FCM maps to APNs.",
    )
    TOKEN_IS_EXPO = strawberry.enum_value(
        "token_is_expo",
        description="deviceRegister: an Expo push token (ExponentPushToken[...]), which only "
        "Expo's push service takes; send the FCM registration token.",
    )
    NOT_FOUND = "not_found"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"


@strawberry.type(description="A problem with a notifications mutation.")
class NotificationError(UserError):
    code: NotificationErrorCode = strawberry.field(description="What went wrong.")


@strawberry.type(description="A device that receives pushes.")
class Device:
    platform: PlatformEnum = strawberry.field(description="ANDROID, IOS or WEB.")  # type: ignore[valid-type]
    locale: str = strawberry.field(description="Language of this device's pushes (vi or en).")
    app_version: str | None = strawberry.field(description="The app version that registered it.")
    updated_at: datetime = strawberry.field(description="When it was last registered.")

    @classmethod
    def from_doc(cls, doc: DeviceDoc) -> Device:
        return cls(
            platform=doc.platform,
            locale=doc.locale,
            app_version=doc.app_version,
            updated_at=doc.updated_at,
        )


@strawberry.type(description="A daily period without non-urgent pushes (Asia/Ho_Chi_Minh).")
class QuietHoursType:
    start: str = strawberry.field(description="HH:MM when quiet starts.")
    end: str = strawberry.field(description="HH:MM when quiet ends (may be the next day).")


@strawberry.type(description="What the viewer wants to be told about.")
class NotificationPreferences:
    report_updates: bool = strawberry.field(description="Changes to reports they follow.")
    booking_updates: bool = strawberry.field(description="Booking confirmations and reminders.")
    area_alerts: bool = strawberry.field(description="Alerts for the areas they follow.")
    area_ids: list[strawberry.ID] = strawberry.field(
        description="Ids of the wards and communes whose alerts they get."
    )
    quiet_hours: QuietHoursType | None = strawberry.field(
        description="Non-urgent pushes wait until this period ends; urgent alerts go through."
    )

    @classmethod
    def from_doc(cls, doc: PreferencesDoc) -> NotificationPreferences:
        quiet = doc.quiet_hours
        return cls(
            report_updates=doc.report_updates,
            booking_updates=doc.booking_updates,
            area_alerts=doc.area_alerts,
            area_ids=[strawberry.ID(area) for area in doc.area_ids],
            quiet_hours=QuietHoursType(
                start=quiet.start.strftime("%H:%M"), end=quiet.end.strftime("%H:%M")
            )
            if quiet
            else None,
        )


def _in(texts: dict[str, str], locale: Locale) -> str:
    return texts.get(locale.value) or texts.get("vi") or texts.get("en") or ""


_REPORTER = 'The reporter reads "Your report...", followers "A report you follow...".'


@strawberry.enum(
    description="What a push and its inbox item are about. A push's `kind` data key is one of "
    "these names."
)
class NotificationKind(Enum):
    REPORT_CREATED = strawberry.enum_value(
        "report.created", description="The viewer's report was received (reportId)."
    )
    REPORT_STATUS_CHANGED = strawberry.enum_value(
        "report.status_changed",
        description="A report the viewer made or follows changed status (reportId, status). "
        "One push per change: when the department answered publicly with it, `answered` is "
        '"true" and the answer is on the report\'s timeline. ' + _REPORTER,
    )
    REPORT_MERGED = strawberry.enum_value(
        "report.merged",
        description="The viewer's report was merged into another (reportId, targetReportId).",
    )
    REPORT_REOPENED = strawberry.enum_value(
        "report.reopened",
        description="A report the viewer made or follows was reopened (reportId). " + _REPORTER,
    )
    REPORT_ME_TOO_MILESTONE = strawberry.enum_value(
        "report.me_too_milestone",
        description='Many residents said "me too" on the viewer\'s report (reportId).',
    )
    REPORT_PUBLIC_ANSWER = strawberry.enum_value(
        "report.public_answer",
        description="Inbox items from before answers travelled with the status change.",
        deprecation_reason="No longer sent: see REPORT_STATUS_CHANGED with answered.",
    )
    BOOKING_CONFIRMED = strawberry.enum_value(
        "booking.confirmed", description="A booking was confirmed (bookingId)."
    )
    BOOKING_CANCELLED = strawberry.enum_value(
        "booking.cancelled", description="A booking was cancelled (bookingId)."
    )
    BOOKING_NO_SHOW = strawberry.enum_value(
        "booking.no_show",
        description="The restaurant recorded that the guests did not come; the deposit is kept "
        "(bookingId).",
    )
    BOOKING_REMINDER = strawberry.enum_value(
        "booking.reminder", description="A booking is coming up (bookingId)."
    )
    STAFF_DIGEST = strawberry.enum_value(
        "staff.digest",
        description="Staff: news of their unit's reports (new, reopened, rated 1-2 stars, "
        "assigned to them, deadline near or past), at most one push per 15 minutes: one item "
        "in its own words (reportId), or several with their count.",
    )
    ALERT_AREA = strawberry.enum_value(
        "alert.area",
        description="An alert for an area the viewer follows or the whole city (alertId, "
        "severity).",
    )
    ACCOUNT_DELETION_STARTED = strawberry.enum_value(
        "account.deletion_started",
        description="The viewer asked for their account to be deleted: the last message it gets.",
    )


@strawberry.type(
    description="An item of the in-app inbox. Every push has one, written before the push is "
    "sent; the push's data (all strings, camelCase) carries: kind (NotificationKind), "
    "inboxItemId (this id: pass it to notificationsMarkRead when the push is tapped), "
    "unreadCount (the badge: unread items, this one included; also APNs aps.badge and "
    "Android notification_count), messageId (the same for a repeat of one push: drop repeats "
    "by it), deepLink (thanglong:// link), reportId / targetReportId / bookingId / alertId, "
    'status (ReportStatus, report pushes), answered ("true" or "false", '
    "REPORT_STATUS_CHANGED) and severity (AlertSeverity, ALERT_AREA)."
)
class InboxItem:
    id: strawberry.ID = strawberry.field(description="Opaque id; a push carries it as inboxItemId.")
    kind: NotificationKind = strawberry.field(
        description="What happened; a push carries the same name as kind."
    )
    title: str = strawberry.field(description="Title in the viewer's language.")
    body: str = strawberry.field(description="Text in the viewer's language.")
    deep_link: str | None = strawberry.field(description="thanglong:// link to open.")
    read: bool = strawberry.field(description="Whether the viewer has read it.")
    created_at: datetime = strawberry.field(description="When it was sent.")

    @classmethod
    def from_doc(cls, doc: InboxItemDoc, locale: Locale) -> InboxItem:
        return cls(
            id=strawberry.ID(str(doc.id)),
            kind=NotificationKind(doc.kind),
            title=_in(doc.title, locale),
            body=_in(doc.body, locale),
            deep_link=doc.deep_link,
            read=doc.read,
            created_at=doc.created_at,
        )


InboxConnection = Connection[InboxItem]


@strawberry.type(description="An alert for an area or the whole city (air quality, floods...).")
class Alert:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    severity: SeverityEnum = strawberry.field(description="INFO, WARNING or URGENT.")  # type: ignore[valid-type]
    title: str = strawberry.field(description="Title in the viewer's language.")
    body: str = strawberry.field(description="Text in the viewer's language.")
    area_ids: list[strawberry.ID] = strawberry.field(
        description="Ids of the wards and communes it concerns; empty for the whole city."
    )
    deep_link: str | None = strawberry.field(description="thanglong:// link to open.")
    expires_at: datetime = strawberry.field(description="When it stops being shown.")
    created_at: datetime = strawberry.field(description="When it was sent.")

    @classmethod
    def from_doc(cls, doc: AlertDoc, locale: Locale) -> Alert:
        return cls(
            id=strawberry.ID(str(doc.id)),
            severity=doc.severity,
            title=_in(doc.title, locale),
            body=_in(doc.body, locale),
            area_ids=[strawberry.ID(a) for a in doc.area_ids if a != "*"],
            deep_link=doc.deep_link,
            expires_at=doc.expires_at,
            created_at=doc.created_at,
        )

    @strawberry.field(description="The wards and communes it concerns; empty for the whole city.")
    async def areas(self, info: Info) -> list[Area]:
        found = await area_loader(info).load_many([str(area) for area in self.area_ids])
        locale = info.context.viewer.locale
        return [Area.from_doc(area, locale) for area in found if area is not None]


@strawberry.type(description="A push that could not be delivered after every attempt.")
class DeadLetter:
    id: strawberry.ID = strawberry.field(description="Outbox id, for outboxRetry.")
    kind: str = strawberry.field(description="What it was about.")
    attempts: int = strawberry.field(description="Attempts made.")
    last_error: str | None = strawberry.field(description="The last error FCM gave.")
    created_at: datetime = strawberry.field(description="When the event happened.")

    @classmethod
    def from_doc(cls, doc: OutboxDoc) -> DeadLetter:
        return cls(
            id=strawberry.ID(str(doc.id)),
            kind=doc.kind,
            attempts=doc.attempts,
            last_error=doc.last_error,
            created_at=doc.created_at,
        )


DeadLetterConnection = Connection[DeadLetter]
