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
    INVALID_TOKEN = "invalid_token"  # noqa: S105 - an error code, not a secret
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


@strawberry.type(description="An item of the in-app inbox (every push is one).")
class InboxItem:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    kind: str = strawberry.field(description="What happened, e.g. report.status_changed.")
    title: str = strawberry.field(description="Title in the viewer's language.")
    body: str = strawberry.field(description="Text in the viewer's language.")
    deep_link: str | None = strawberry.field(description="thanglong:// link to open.")
    read: bool = strawberry.field(description="Whether the viewer has read it.")
    created_at: datetime = strawberry.field(description="When it was sent.")

    @classmethod
    def from_doc(cls, doc: InboxItemDoc, locale: Locale) -> InboxItem:
        return cls(
            id=strawberry.ID(str(doc.id)),
            kind=doc.kind,
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
