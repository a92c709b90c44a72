"""Notifications queries: preferences, inbox, alerts, dead letters."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from backend.auth.permissions import IsAdmin, IsSignedIn
from backend.context import Info
from backend.geopoint import GeoPointInput
from backend.ids import parse_object_id
from backend.notifications import service as notification_service
from backend.notifications.types import (
    Alert,
    DeadLetter,
    DeadLetterConnection,
    InboxConnection,
    InboxItem,
    NotificationPreferences,
)
from backend.pagination import (
    Connection,
    InvalidCursorError,
    decode_cursor,
    encode_cursor,
    page_size,
)


@strawberry.type
class NotificationQueries:
    @strawberry.field(
        description="The viewer's notification preferences.", permission_classes=[IsSignedIn]
    )
    async def notification_preferences(self, info: Info) -> NotificationPreferences:
        prefs = await notification_service.preferences(info.context.db, viewer=info.context.viewer)
        return NotificationPreferences.from_doc(prefs)

    @strawberry.field(
        description="The viewer's in-app inbox, newest first.", permission_classes=[IsSignedIn]
    )
    async def notifications(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> InboxConnection:
        limit = page_size(first)
        before = None
        if after is not None:
            before = parse_object_id(decode_cursor(after, 1)[0])
            if before is None:
                raise InvalidCursorError
        viewer = info.context.viewer
        items = await notification_service.inbox(
            info.context.db, viewer=viewer, before=before, limit=limit + 1
        )
        page = items[:limit]
        return Connection.from_page(
            [InboxItem.from_doc(item, viewer.locale) for item in page],
            [encode_cursor([str(item.id)]) for item in page],
            has_next_page=len(items) > limit,
        )

    @strawberry.field(
        description="How many inbox items the viewer has not read.",
        permission_classes=[IsSignedIn],
    )
    async def unread_notification_count(self, info: Info) -> int:
        return await notification_service.unread_count(info.context.db, viewer=info.context.viewer)

    @strawberry.field(
        description="Alerts in force for the whole city and, given a point, for its area."
    )
    async def alerts(
        self, info: Info, near: GeoPointInput | None = None, active: bool = True
    ) -> list[Alert]:
        if not active:
            return []  # past alerts are not part of the home screen
        if near is not None and not (-90 <= near.lat <= 90 and -180 <= near.lng <= 180):
            return []
        alerts = await notification_service.active_alerts(
            info.context.db,
            lng=near.lng if near else None,
            lat=near.lat if near else None,
            now=datetime.now(UTC),
        )
        return [Alert.from_doc(alert, info.context.viewer.locale) for alert in alerts]

    @strawberry.field(
        description="Pushes that failed every attempt (admins).", permission_classes=[IsAdmin]
    )
    async def outbox_dead(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> DeadLetterConnection:
        limit = page_size(first)
        start = str(decode_cursor(after, 1)[0]) if after is not None else None
        docs = await notification_service.dead_letters(
            info.context.db, after=start, limit=limit + 1
        )
        page = docs[:limit]
        return Connection.from_page(
            [DeadLetter.from_doc(doc) for doc in page],
            [encode_cursor([str(doc.id)]) for doc in page],
            has_next_page=len(docs) > limit,
        )
