"""GraphQL inputs of the notifications domain."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.notifications.types import PlatformEnum, SeverityEnum


@strawberry.input(description="Register this device for pushes.")
class DeviceRegisterInput:
    token: str = strawberry.field(
        description="The FCM registration token the Firebase SDK gives this app instance: "
        "getToken(messaging) in the Firebase JS SDK, messaging().getToken() in React Native "
        "Firebase (on iOS too: FCM maps it to APNs). Not the APNs device token, not an Expo "
        "push token (TOKEN_IS_APNS, TOKEN_IS_EXPO). An app that opted in to installation-id "
        "messaging may send its Firebase installation id. Register again when the SDK gives a "
        "new one (onTokenRefresh)."
    )
    platform: PlatformEnum = strawberry.field(description="ANDROID, IOS or WEB.")  # type: ignore[valid-type]
    locale: str = strawberry.field(
        default="vi",
        description="Language of its pushes: a BCP 47 tag (vi, vi-VN, en-US...); Vietnamese "
        "tags give Vietnamese, any other language English.",
    )
    app_version: str | None = strawberry.field(default=None, description="App version.")


@strawberry.input(description="Stop pushes to this device (sign-out).")
class DeviceUnregisterInput:
    token: str = strawberry.field(description="The token given to deviceRegister.")


@strawberry.input(description="A daily quiet period, HH:MM in Asia/Ho_Chi_Minh.")
class QuietHoursInput:
    start: str = strawberry.field(description="e.g. 22:00")
    end: str = strawberry.field(description="e.g. 06:30")


@strawberry.input(description="Change notification preferences; omitted fields keep their value.")
class NotificationPreferencesUpdateInput:
    report_updates: bool | None = strawberry.field(default=None, description="Report changes.")
    booking_updates: bool | None = strawberry.field(default=None, description="Bookings.")
    area_alerts: bool | None = strawberry.field(default=None, description="Area alerts.")
    area_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Ids of the wards and communes to follow (at most 50)."
    )
    quiet_hours: QuietHoursInput | None = strawberry.field(
        default=None, description="Quiet period; set clearQuietHours to remove it."
    )
    clear_quiet_hours: bool = strawberry.field(default=False, description="Remove quiet hours.")


@strawberry.input(description="Mark inbox items read: some ids, or all.")
class NotificationsMarkReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Items to mark.")
    all: bool = strawberry.field(default=False, description="Mark every item read.")


@strawberry.input(description="A text in both languages (one may be empty).")
class LocalizedTextInput:
    vi: str = strawberry.field(default="", description="Vietnamese.")
    en: str = strawberry.field(default="", description="English.")


@strawberry.input(description="Send an alert to everyone who follows some areas, or to the city.")
class AlertSendInput:
    area_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Ids of the wards and communes concerned (or set all)."
    )
    all: bool = strawberry.field(default=False, description="The whole city.")
    severity: SeverityEnum = strawberry.field(description="URGENT ignores quiet hours.")  # type: ignore[valid-type]
    title: LocalizedTextInput = strawberry.field(description="Title (at most 120 characters).")
    body: LocalizedTextInput = strawberry.field(description="Text (at most 1,000 characters).")
    deep_link: str | None = strawberry.field(default=None, description="thanglong:// link.")
    expires_at: datetime = strawberry.field(description="When it stops (at most 14 days ahead).")


@strawberry.input(description="Requeue a dead push.")
class OutboxRetryInput:
    id: strawberry.ID = strawberry.field(description="The DeadLetter id.")
