"""The one check a banned user's writes go through.

A moderator's ban (`userBan`) stops everything a user writes that others see or that uses the
city's shared resources: reports, "me too", follows, reopen, ratings, reviews, photo uploads and
content flags. It does not stop what the user does about their own account and data (profile,
consents, devices, notification settings, unfollowing, deletion and export): the personal data
law keeps those rights for everyone, banned or not.
"""

from __future__ import annotations

from backend.auth import repository as auth_repository
from backend.db import Database
from backend.errors import DomainError

BANNED = "BANNED"


class BannedError(DomainError):
    """The viewer is banned: code BANNED in every domain's error enum (HTTP 403 over REST)."""

    def __init__(self) -> None:
        super().__init__(
            BANNED,
            en="A moderator suspended your account: you cannot post, react or upload",
            vi="Tài khoản của bạn đã bị kiểm duyệt viên tạm khóa: bạn không thể gửi, tương tác "
            "hay tải ảnh lên",
        )


async def ensure_not_banned(*, db: Database, uid: str | None) -> None:
    """Raise BannedError when a moderator banned this user (anonymous viewers pass)."""
    if uid is not None and await auth_repository.is_banned(db, uid):
        raise BannedError()
