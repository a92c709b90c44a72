"""Photo uploads per user per day: a count and a byte budget; RATE_LIMITED, retryAfterSeconds."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image
from pymongo import AsyncMongoClient

from backend import ratelimit
from backend.auth.models import Role, Viewer
from backend.media import service as media_service
from backend.settings import Settings, SettingsError, load_settings
from tests.conftest import with_settings

Serve = Callable[[Settings], AsyncIterator[httpx.AsyncClient]]


def png(size: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (10, 120, 40)).save(out, "PNG")
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient, token: str, data: bytes, *, locale: str = "en"
) -> httpx.Response:
    return await client.post(
        "/media",
        files={"file": ("p.png", data, "image/png")},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": locale},
    )


async def test_the_days_count_is_refused_with_retry_after(
    settings: Settings, serve: Serve, make_token: Callable[..., str]
) -> None:
    # given a limit of two photos a day
    token = make_token(uid="quota-1")
    async for client in serve(with_settings(settings, upload_daily_count=2)):
        # when a resident uploads three
        statuses = [(await upload(client, token, png())).status_code for _ in range(2)]
        refused = await upload(client, token, png(), locale="vi")
        # then the third is refused with when to try again (the end of the UTC day)
        assert statuses == [201, 201]
        assert refused.status_code == 429, refused.text
        error = refused.json()["error"]
        assert error["code"] == "RATE_LIMITED"
        assert 0 < error["retryAfterSeconds"] <= 86_400
        assert refused.headers["Retry-After"] == str(error["retryAfterSeconds"])
        assert "hôm nay" in error["message"]
        # and another resident is not affected
        other = await upload(client, make_token(uid="quota-2"), png())
        assert other.status_code == 201


async def test_the_days_bytes_are_refused_and_the_refused_upload_is_not_counted(
    settings: Settings,
    serve: Serve,
    make_token: Callable[..., str],
    db_client: AsyncMongoClient[dict[str, object]],
) -> None:
    # given a byte budget that one photo fits in but not two
    photo = png(200)
    limited = with_settings(settings, upload_daily_bytes=len(photo) * 3 // 2)
    token = make_token(uid="bytes-1")
    async for client in serve(limited):
        # when a resident uploads two
        first = await upload(client, token, photo)
        second = await upload(client, token, photo)
        # then the second is over the budget
        assert first.status_code == 201
        assert second.status_code == 429
        assert second.json()["error"]["code"] == "RATE_LIMITED"
        assert "data" in second.json()["error"]["message"]
        # and the refused upload does not use up the day's count either
        now = datetime.now(UTC)
        count_id = ratelimit.bucket_id(
            media_service.UPLOADS, "bytes-1", ratelimit.daily(limited.upload_daily_count), now
        )
        bucket = await db_client[limited.mongodb_db][ratelimit.COLLECTION].find_one(
            {"_id": count_id}
        )
        assert bucket is not None and bucket["count"] == 1


async def test_the_next_day_has_a_fresh_quota_and_staff_are_not_limited(
    settings: Settings, db_client: AsyncMongoClient[dict[str, object]]
) -> None:
    # given a resident who used up today's photo count (the service, with a controlled clock)
    db = db_client[settings.mongodb_db]
    quota = media_service.UploadQuota(count=1, bytes=10_000)
    resident = Viewer(uid="day-1", roles=frozenset({Role.RESIDENT}))
    today = datetime(2026, 3, 2, 23, 59, tzinfo=UTC)
    await media_service.admit(db=db, viewer=resident, size=100, quota=quota, now=today)
    with pytest.raises(media_service.UploadLimitedError) as refused:
        await media_service.admit(db=db, viewer=resident, size=100, quota=quota, now=today)
    # then the wait is until midnight UTC
    assert refused.value.retry_after_seconds == 60
    # when the day turns, the same upload is allowed
    tomorrow = today + timedelta(minutes=1)
    await media_service.admit(db=db, viewer=resident, size=100, quota=quota, now=tomorrow)
    # and staff upload answer photos without a quota
    staff = Viewer(uid="staff-1", roles=frozenset({Role.RESIDENT, Role.MODERATOR}))
    for _ in range(3):
        await media_service.admit(db=db, viewer=staff, size=100_000, quota=quota, now=today)
    await db_client.drop_database(settings.mongodb_db)


def test_the_quota_settings_have_defaults_and_refuse_zero() -> None:
    # given no setting, then sane defaults
    defaults = load_settings({"APP_ENV": "test"})
    assert (defaults.upload_daily_count, defaults.upload_daily_bytes) == (60, 200 * 1024 * 1024)
    # and a quota of zero is refused at start-up
    with pytest.raises(SettingsError, match="UPLOAD_DAILY_COUNT"):
        load_settings({"APP_ENV": "test", "UPLOAD_DAILY_BYTES": "0"})
