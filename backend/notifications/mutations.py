"""Notifications mutations: each takes one `input` and returns a payload with `errors`."""

from __future__ import annotations

from typing import Any

import strawberry

from backend import clock
from backend.auth.permissions import IsAdmin, IsSignedIn, IsStaff
from backend.context import Info
from backend.errors import DomainError, payload_errors, returns_errors
from backend.notifications import service as notification_service
from backend.notifications.inputs import (
    AlertSendInput,
    DeviceRegisterInput,
    DeviceUnregisterInput,
    NotificationPreferencesUpdateInput,
    NotificationsMarkReadInput,
    OutboxRetryInput,
)
from backend.notifications.models import Platform, Severity
from backend.notifications.types import (
    Alert,
    Device,
    InboxItem,
    NotificationError,
    NotificationErrorCode,
    NotificationPreferences,
)


@strawberry.type(description="The result of deviceRegister.")
class DeviceRegisterPayload:
    device: Device | None = strawberry.field(default=None, description="The registered device.")
    errors: list[NotificationError] = strawberry.field(
        default_factory=list, description="Why it was not registered."
    )


@strawberry.type(description="The result of deviceUnregister.")
class DeviceUnregisterPayload:
    removed: bool = strawberry.field(description="False when the token was not registered.")
    errors: list[NotificationError] = strawberry.field(
        default_factory=list, description="Problems, if any."
    )


@strawberry.type(description="The result of notificationPreferencesUpdate.")
class NotificationPreferencesUpdatePayload:
    preferences: NotificationPreferences | None = strawberry.field(
        default=None, description="Now in force."
    )
    errors: list[NotificationError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="The result of notificationsMarkRead.")
class NotificationsMarkReadPayload:
    marked: int = strawberry.field(description="How many items became read.")
    unread_count: int = strawberry.field(description="Unread items left.")
    items: list[InboxItem] = strawberry.field(
        default_factory=list,
        description="The items named by ids, as they are now (read): a client cache updates "
        "them in place. Empty for all: true (refetch the inbox then).",
    )
    errors: list[NotificationError] = strawberry.field(
        default_factory=list, description="Problems, if any."
    )


@strawberry.type(description="The result of alertSend.")
class AlertSendPayload:
    alert: Alert | None = strawberry.field(
        default=None, description="The alert, queued for delivery."
    )
    errors: list[NotificationError] = strawberry.field(
        default_factory=list, description="Why it was not sent."
    )


@strawberry.type(description="The result of outboxRetry.")
class OutboxRetryPayload:
    requeued: bool = strawberry.field(description="True when the push is queued again.")
    errors: list[NotificationError] = strawberry.field(
        default_factory=list, description="Problems, if any."
    )


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(
        description="Register this device for pushes: send the FCM registration token from "
        "the Firebase SDK's getToken() (see DeviceRegisterInput.token), after sign-in and "
        "whenever it changes. A token moves to the latest user to register it. A refused "
        "token comes back in errors with a code saying why (TOKEN_EMPTY, TOKEN_TOO_LONG, "
        "TOKEN_NOT_FCM, TOKEN_IS_APNS, TOKEN_IS_EXPO).",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(DeviceRegisterPayload, NotificationError, NotificationErrorCode)
    async def device_register(
        self, info: Info, input: DeviceRegisterInput
    ) -> DeviceRegisterPayload:
        device = await notification_service.register_device(
            info.context.db,
            viewer=info.context.viewer,
            token=input.token,
            platform=Platform(input.platform),
            locale=input.locale,
            app_version=input.app_version,
            now=clock.now(),
        )
        return DeviceRegisterPayload(device=Device.from_doc(device))

    @strawberry.mutation(description="Stop pushes to this device.", permission_classes=[IsSignedIn])
    async def device_unregister(
        self, info: Info, input: DeviceUnregisterInput
    ) -> DeviceUnregisterPayload:
        removed = await notification_service.unregister_device(
            info.context.db, viewer=info.context.viewer, token=input.token
        )
        return DeviceUnregisterPayload(removed=removed)

    @strawberry.mutation(
        description="Change what the viewer is told about.", permission_classes=[IsSignedIn]
    )
    @returns_errors(NotificationPreferencesUpdatePayload, NotificationError, NotificationErrorCode)
    async def notification_preferences_update(
        self, info: Info, input: NotificationPreferencesUpdateInput
    ) -> NotificationPreferencesUpdatePayload:
        changes: dict[str, Any] = {}
        for name in ("report_updates", "booking_updates", "area_alerts"):
            value = getattr(input, name)
            if value is not None:
                changes[name] = value
        if input.area_ids is not None:
            changes["area_ids"] = [str(area) for area in input.area_ids]
        if input.clear_quiet_hours:
            changes["quiet_hours"] = None
        elif input.quiet_hours is not None:
            changes["quiet_hours"] = notification_service.parse_quiet_hours(
                input.quiet_hours.start, input.quiet_hours.end
            )
        prefs = await notification_service.update_preferences(
            info.context.db, viewer=info.context.viewer, changes=changes, now=clock.now()
        )
        return NotificationPreferencesUpdatePayload(
            preferences=NotificationPreferences.from_doc(prefs)
        )

    @strawberry.mutation(
        description="Mark inbox items read (some ids, or all).", permission_classes=[IsSignedIn]
    )
    async def notifications_mark_read(
        self, info: Info, input: NotificationsMarkReadInput
    ) -> NotificationsMarkReadPayload:
        db, viewer = info.context.db, info.context.viewer
        marked, items, errors = 0, [], []
        try:
            if input.all == (input.ids is not None):
                raise DomainError(
                    "INVALID_INPUT",
                    en="Give either ids or all: true",
                    vi="Hãy cho ids hoặc all: true (chỉ một trong hai)",
                    field="ids",
                )
            ids = None if input.ids is None else [str(item) for item in input.ids]
            marked, docs = await notification_service.mark_read(db, viewer=viewer, ids=ids)
            items = [InboxItem.from_doc(doc, viewer.locale) for doc in docs]
        except DomainError as error:
            # The payload still carries the unread count, so the badge stays right.
            errors = payload_errors(
                error, NotificationError, NotificationErrorCode, locale=viewer.locale
            )
        unread = await notification_service.unread_count(db, viewer=viewer)
        return NotificationsMarkReadPayload(
            marked=marked, unread_count=unread, items=items, errors=errors
        )

    @strawberry.mutation(
        description="Send an alert to the followers of some areas, or to the whole city "
        "(moderators and staff).",
        permission_classes=[IsStaff],
    )
    @returns_errors(AlertSendPayload, NotificationError, NotificationErrorCode)
    async def alert_send(self, info: Info, input: AlertSendInput) -> AlertSendPayload:
        alert = await notification_service.send_alert(
            info.context.db,
            viewer=info.context.viewer,
            area_ids=[str(area) for area in input.area_ids] if input.area_ids else None,
            whole_city=input.all,
            severity=Severity(input.severity),
            title={"vi": input.title.vi, "en": input.title.en},
            body={"vi": input.body.vi, "en": input.body.en},
            deep_link=input.deep_link,
            expires_at=input.expires_at,
            now=clock.now(),
        )
        return AlertSendPayload(alert=Alert.from_doc(alert, info.context.viewer.locale))

    @strawberry.mutation(
        description="Queue a dead push again with a fresh attempt budget (admins).",
        permission_classes=[IsAdmin],
    )
    async def outbox_retry(self, info: Info, input: OutboxRetryInput) -> OutboxRetryPayload:
        requeued = await notification_service.retry_dead(
            info.context.db, outbox_id=str(input.id), now=clock.now()
        )
        missing = DomainError(
            "NOT_FOUND",
            en="No dead push with this id",
            vi="Không có thông báo đẩy lỗi nào với mã này",
            field="id",
        )
        locale = info.context.viewer.locale
        errors = (
            []
            if requeued
            else payload_errors(missing, NotificationError, NotificationErrorCode, locale=locale)
        )
        return OutboxRetryPayload(requeued=requeued, errors=errors)
