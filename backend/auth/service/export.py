"""myDataExport: everything stored about a user as one JSON document, streamed.

The document is written section by section from one cursor per collection, in batches, so a
user with thousands of reports never has them all in memory at once; the route
(backend/auth/routes.py) sends each piece as it is made. Each domain's part comes from its
repository's named function.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from bson import ObjectId

from backend.auth import repository as auth_repository
from backend.auth.service import secrets
from backend.bookings.repository import bookings as booking_records
from backend.db import Database
from backend.media.models import photo_url, thumbnail_url
from backend.moderation import repository as moderation_repository
from backend.notifications import repository as notification_repository
from backend.reports import repository as report_repository
from backend.settings import Settings
from backend.tourism import repository as tourism_repository

FORMAT = "thanglong.data-export/1"
LINK_MINUTES = 10
BATCH = 200
EXPORT_PATH = "/account/export"
# Stored for the app's own work (search, grid cells, locks), not about the person.
_REPORT_INTERNALS = ("search_terms", "location_cells", "locked_by", "locked_until", "reporter")

Document = Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class Link:
    url: str
    expires_at: datetime


def link(settings: Settings, *, uid: str, base: str, now: datetime) -> Link:
    """A signed download link for the viewer's data, valid for LINK_MINUTES."""
    expires_at = now + timedelta(minutes=LINK_MINUTES)
    token = secrets.export_token(settings, uid=uid, expires_at=expires_at)
    return Link(url=f"{base}{EXPORT_PATH}/{token}", expires_at=expires_at)


def _default(value: object) -> str:
    if isinstance(value, ObjectId):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _json(value: object) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS)


def _with_id(doc: Document, *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    out = {"id": doc["_id"]} if "_id" in doc else {}
    out.update((key, value) for key, value in doc.items() if key != "_id" and key not in drop)
    return out


def _report(doc: Document, base: str) -> dict[str, Any]:
    out = _with_id(doc, drop=_REPORT_INTERNALS)
    location = doc.get("location") or {}
    coordinates = location.get("coordinates") or [None, None]
    out["location"] = {"lat": coordinates[1], "lng": coordinates[0]}
    out["photos"] = [
        {"url": photo_url(pid, base=base), "thumbnailUrl": thumbnail_url(pid, base=base)}
        for pid in doc.get("photo_ids") or ()
    ]
    out.pop("photo_ids", None)
    return out


async def _mapped[T](
    batches: AsyncIterator[list[T]], convert: Callable[[T], object]
) -> AsyncIterator[list[object]]:
    async for chunk in batches:
        yield [convert(item) for item in chunk]


async def _memberships(db: Database, collection: str, uid: str) -> AsyncIterator[list[object]]:
    async for chunk in report_repository.memberships(db, collection, uid, batch=BATCH):
        yield [{"reportId": report, "at": at} for report, at in chunk]


async def _one_batch(items: list[object]) -> AsyncIterator[list[object]]:
    yield items


async def document(db: Database, *, uid: str, base: str, now: datetime) -> AsyncIterator[bytes]:
    """The export, in pieces: a header, the profile, then one array per kind of record."""
    profile = await auth_repository.profile_document(db, uid) or {"uid": uid}
    profile.pop("banned_by", None)  # a moderator's uid: theirs, not the user's
    yield b'{"format":' + _json(FORMAT) + b',"exportedAt":' + _json(now)
    yield b',"profile":' + _json(profile)
    history = await auth_repository.consent_history(db, [uid])
    consents = [
        {"kind": c.kind.value, "granted": c.granted, "version": c.version, "at": c.at}
        for c in history
    ]
    devices = [
        {
            "platform": d.platform.value,
            "locale": d.locale,
            "appVersion": d.app_version,
            "updatedAt": d.updated_at,
            "token": d.token,
        }
        for d in await notification_repository.devices_of(db, [uid])
    ]
    sections: list[tuple[str, AsyncIterator[list[object]]]] = [
        ("consents", _one_batch(list(consents))),
        (
            "reports",
            _mapped(
                report_repository.reporter_batches(db, uid, batch=BATCH),
                lambda doc: _report(doc, base),
            ),
        ),
        ("follows", _memberships(db, report_repository.FOLLOWERS, uid)),
        ("meToo", _memberships(db, report_repository.ME_TOO, uid)),
        (
            "reviews",
            _mapped(
                tourism_repository.user_batches(
                    db, tourism_repository.REVIEWS, "author", uid, batch=BATCH
                ),
                lambda doc: _with_id(doc, drop=("author",)),
            ),
        ),
        (
            "journeys",
            _mapped(
                tourism_repository.user_batches(
                    db, tourism_repository.PROGRESS, "uid", uid, batch=BATCH
                ),
                lambda doc: _with_id(doc, drop=("uid",)),
            ),
        ),
        (
            "bookings",
            _mapped(
                booking_records.user_batches(db, uid, batch=BATCH),
                lambda doc: _with_id(doc, drop=("user",)),
            ),
        ),
        (
            "contentFlags",
            _mapped(
                moderation_repository.flagger_batches(db, uid, batch=BATCH),
                lambda flag: {
                    "id": flag.id,
                    "target": flag.target.value,
                    "targetId": flag.target_id,
                    "reason": flag.reason.value,
                    "note": flag.note,
                    "at": flag.at,
                },
            ),
        ),
        ("devices", _one_batch(list(devices))),
        (
            "notifications",
            _mapped(
                notification_repository.inbox_batches(db, uid, batch=BATCH),
                lambda item: {
                    "id": item.id,
                    "kind": item.kind,
                    "title": item.title,
                    "body": item.body,
                    "deepLink": item.deep_link,
                    "read": item.read,
                    "createdAt": item.created_at,
                },
            ),
        ),
    ]
    for name, batches in sections:
        yield b',"' + name.encode() + b'":['
        first = True
        async for chunk in batches:
            if not chunk:
                continue
            pieces = b",".join(_json(item) for item in chunk)
            yield pieces if first else b"," + pieces
            first = False
        yield b"]"
    yield b"}"
