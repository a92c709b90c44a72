"""Rules of the notifications domain: devices, preferences, inbox, area alerts, dead letters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import outbox
from backend.areas import repository as area_repository
from backend.auth.models import Locale, Viewer
from backend.db import Database, run_transaction
from backend.errors import DomainError
from backend.ids import parse_object_ids
from backend.notifications import repository as notification_repository
from backend.notifications.models import (
    MAX_AREAS_FOLLOWED,
    AlertDoc,
    DeviceDoc,
    InboxItemDoc,
    OutboxDoc,
    Platform,
    PreferencesDoc,
    QuietHours,
    Severity,
)
from backend.notifications.service.texts import alert_texts
from backend.notifications.service.tokens import check_token

MAX_ALERT_DAYS = 14
MAX_TITLE = 120
MAX_BODY = 1000


def _require(viewer: Viewer) -> str:
    if viewer.uid is None:
        raise DomainError("UNAUTHENTICATED")
    return viewer.uid


async def register_device(
    db: Database,
    *,
    viewer: Viewer,
    token: str,
    platform: Platform,
    locale: str,
    app_version: str | None,
    now: datetime,
) -> DeviceDoc:
    """Register (or move to this user) an FCM registration token; idempotent."""
    uid = _require(viewer)
    check_token(token)
    try:
        language = Locale(locale)  # any BCP 47 tag: vi-VN gets Vietnamese pushes, others English
    except ValueError:
        raise DomainError(
            "INVALID_INPUT",
            en="Locale must be a language tag such as vi, vi-VN or en-US",
            vi="Ngôn ngữ phải là một mã ngôn ngữ như vi, vi-VN hoặc en-US",
            field="locale",
        ) from None
    if app_version is not None and len(app_version) > 40:
        raise DomainError(
            "INVALID_INPUT",
            en="appVersion is too long",
            vi="appVersion quá dài",
            field="appVersion",
        )
    return await notification_repository.upsert_device(
        db,
        token=token,
        uid=uid,
        platform=platform,
        locale=language.value,
        app_version=app_version,
        now=now,
    )


async def unregister_device(db: Database, *, viewer: Viewer, token: str) -> bool:
    """Forget one of the viewer's devices (sign-out); unknown tokens are not an error."""
    uid = _require(viewer)
    return await notification_repository.delete_device(db, token=token, uid=uid)


def parse_quiet_hours(start: str, end: str) -> QuietHours:
    """HH:MM strings to a quiet-hours window; equal ends are refused (a window of nothing)."""
    try:
        window = QuietHours(start=time.fromisoformat(start), end=time.fromisoformat(end))
    except ValueError:
        raise DomainError(
            "INVALID_INPUT",
            en="Quiet hours are HH:MM times",
            vi="Giờ yên lặng phải có dạng HH:MM",
            field="quietHours",
        ) from None
    if window.start == window.end:
        raise DomainError(
            "INVALID_INPUT",
            en="Quiet hours must not be empty",
            vi="Khoảng giờ yên lặng không được rỗng",
            field="quietHours",
        )
    return window


async def update_preferences(
    db: Database,
    *,
    viewer: Viewer,
    changes: dict[str, Any],
    now: datetime,
) -> PreferencesDoc:
    """Apply the given changes (absent keys keep their value)."""
    uid = _require(viewer)
    current = await notification_repository.get_preferences(db, uid)
    area_ids = changes.get("area_ids", current.area_ids)
    area_ids = tuple(dict.fromkeys(area_ids))
    if len(area_ids) > MAX_AREAS_FOLLOWED:
        raise DomainError(
            "INVALID_INPUT",
            en=f"Follow at most {MAX_AREAS_FOLLOWED} areas",
            vi=f"Chỉ theo dõi tối đa {MAX_AREAS_FOLLOWED} khu vực",
            field="areaIds",
        )
    if area_ids:
        known = {area.id for area in await area_repository.get_many(db, list(area_ids))}
        unknown = [area for area in area_ids if area not in known]
        if unknown:
            raise _unknown_areas(unknown)
    updated = PreferencesDoc(
        uid=uid,
        report_updates=changes.get("report_updates", current.report_updates),
        booking_updates=changes.get("booking_updates", current.booking_updates),
        area_alerts=changes.get("area_alerts", current.area_alerts),
        area_ids=area_ids,
        quiet_hours=changes.get("quiet_hours", current.quiet_hours),
    )
    await notification_repository.save_preferences(db, updated, now=now)
    return updated


def _unknown_areas(unknown: list[str]) -> DomainError:
    names = ", ".join(unknown)
    return DomainError(
        "NOT_FOUND",
        en=f"Unknown areas: {names}",
        vi=f"Không có khu vực: {names}",
        field="areaIds",
    )


async def send_alert(
    db: Database,
    *,
    viewer: Viewer,
    area_ids: list[str] | None,
    whole_city: bool,
    severity: Severity,
    title: dict[str, str],
    body: dict[str, str],
    deep_link: str | None,
    expires_at: datetime,
    now: datetime,
) -> AlertDoc:
    """Record an area alert and, in the same transaction, the outbox message that pushes it."""
    uid = _require(viewer)
    if whole_city == bool(area_ids):
        raise DomainError(
            "INVALID_INPUT",
            en="Give either areaIds or all: true",
            vi="Hãy cho areaIds hoặc all: true (chỉ một trong hai)",
            field="areaIds",
        )
    if area_ids:
        area_ids = list(dict.fromkeys(area_ids))
        known = {area.id for area in await area_repository.get_many(db, area_ids)}
        unknown = [area for area in area_ids if area not in known]
        if unknown:
            raise _unknown_areas(unknown)
    if expires_at <= now or expires_at > now + timedelta(days=MAX_ALERT_DAYS):
        raise DomainError(
            "INVALID_INPUT",
            en=f"expiresAt must be in the next {MAX_ALERT_DAYS} days",
            vi=f"expiresAt phải nằm trong {MAX_ALERT_DAYS} ngày tới",
            field="expiresAt",
        )
    if deep_link is not None and not deep_link.startswith("thanglong://"):
        raise DomainError(
            "INVALID_INPUT",
            en="deepLink must be a thanglong:// link",
            vi="deepLink phải là liên kết thanglong://",
            field="deepLink",
        )
    title = alert_texts(title, field="title", limit=MAX_TITLE)
    body = alert_texts(body, field="body", limit=MAX_BODY)
    stored_areas = [notification_repository.CITY_WIDE] if whole_city else list(area_ids or [])
    alert, message = _alert_documents(
        area_ids=stored_areas,
        everyone=whole_city,
        severity=severity,
        title=title,
        body=body,
        deep_link=deep_link,
        expires_at=expires_at,
        created_by=uid,
        now=now,
    )

    async def write(session: AsyncClientSession) -> None:
        await notification_repository.insert_alert(db, alert, session=session)
        await outbox.enqueue(db, [message], session=session)

    await run_transaction(db, write)
    return AlertDoc.from_doc(alert)


def _alert_documents(
    *,
    area_ids: list[str],
    everyone: bool,
    severity: Severity,
    title: dict[str, str],
    body: dict[str, str],
    deep_link: str | None,
    expires_at: datetime,
    created_by: str,
    now: datetime,
    origin: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An alert and the outbox message that pushes it to the followers of its areas."""
    alert_id = ObjectId()
    alert: dict[str, Any] = {
        "_id": alert_id,
        "area_ids": area_ids,
        "severity": severity.value,
        "title": title,
        "body": body,
        "deep_link": deep_link,
        "expires_at": expires_at,
        "created_at": now,
        "created_by": created_by,
    }
    if origin is not None:
        alert["origin"] = origin
    message = outbox.message(
        kind="alert.area",
        areas=area_ids,
        everyone=everyone,
        data={
            "alert_id": str(alert_id),
            "title": title,
            "body": body,
            "deep_link": deep_link,
            "severity": severity.value,
        },
        urgent=severity is Severity.URGENT,
        now=now,
    )
    return alert, message


async def send_automatic_alert(
    db: Database,
    *,
    area_ids: list[str],
    severity: Severity,
    title: dict[str, str],
    body: dict[str, str],
    deep_link: str | None,
    expires_at: datetime,
    origin: dict[str, Any],
    actor: str,
    now: datetime,
    push: bool = True,
    also: Callable[[AsyncClientSession, AlertDoc], Awaitable[None]] | None = None,
) -> AlertDoc:
    """Record an alert a system raised (air quality) and its push, with `also`'s writes, at once.

    `origin` says what raised it ({"kind": "air", ...}); `push=False` records an alert shown in
    the app only (air improving to a lower alert band); `also` runs in the same transaction
    (the caller's audit entry and state), so an alert is never sent without its record.
    """
    alert, message = _alert_documents(
        area_ids=list(dict.fromkeys(area_ids)),
        everyone=False,
        severity=severity,
        title=title,
        body=body,
        deep_link=deep_link,
        expires_at=expires_at,
        created_by=actor,
        now=now,
        origin=origin,
    )
    doc = AlertDoc.from_doc(alert)

    async def write(session: AsyncClientSession) -> None:
        await notification_repository.insert_alert(db, alert, session=session)
        if push:
            await outbox.enqueue(db, [message], session=session)
        if also is not None:
            await also(session, doc)

    await run_transaction(db, write)
    return doc


async def active_alerts(
    db: Database, *, lng: float | None, lat: float | None, now: datetime
) -> list[AlertDoc]:
    """Alerts in force for the whole city and for the area of a point, if given."""
    area_id = None
    if lng is not None and lat is not None:
        area = await area_repository.locate(db, lng=lng, lat=lat)
        area_id = area.id if area else None
    return await notification_repository.active_alerts(db, area_id=area_id, now=now)


async def retry_dead(db: Database, *, outbox_id: str, now: datetime) -> bool:
    """Requeue a dead message (ids are ObjectIds, or derived strings for deferred copies)."""
    parsed: Any = ObjectId(outbox_id) if ObjectId.is_valid(outbox_id) else outbox_id
    return await outbox.retry_dead(db, outbox_id=parsed, now=now)


async def dead_letters(db: Database, *, after: str | None, limit: int) -> list[OutboxDoc]:
    parsed: Any = None
    if after is not None:
        parsed = ObjectId(after) if ObjectId.is_valid(after) else after
    return await outbox.dead_page(db, after=parsed, limit=limit)


async def preferences(db: Database, *, viewer: Viewer) -> PreferencesDoc:
    """The viewer's notification preferences (defaults until they change any)."""
    return await notification_repository.get_preferences(db, _require(viewer))


async def inbox(
    db: Database, *, viewer: Viewer, before: ObjectId | None, limit: int
) -> list[InboxItemDoc]:
    """The viewer's inbox items, newest first, before an id cursor."""
    return await notification_repository.inbox_page(
        db, uid=_require(viewer), before=before, limit=limit
    )


async def unread_count(db: Database, *, viewer: Viewer) -> int:
    """How many of the viewer's inbox items are unread."""
    return await notification_repository.unread_count(db, _require(viewer))


async def mark_read(
    db: Database, *, viewer: Viewer, ids: list[str] | None
) -> tuple[int, list[InboxItemDoc]]:
    """Mark some of the viewer's items read (at most 100 ids), or all with None: how many
    changed, and the named items as they are now (none for all)."""
    parsed = None
    if ids is not None:
        parsed = parse_object_ids(ids[:100])
        if parsed is None:
            raise DomainError(
                "NOT_FOUND",
                en="Unknown notification id",
                vi="Không có thông báo với mã này",
                field="ids",
            )
    uid = _require(viewer)
    marked = await notification_repository.mark_read(db, uid=uid, ids=parsed)
    items = await notification_repository.inbox_items(db, uid=uid, ids=parsed) if parsed else []
    return marked, items
