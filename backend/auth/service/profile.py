"""The viewer's profile: a display name others may see and the language the app speaks to them."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from backend.auth import repository as auth_repository
from backend.auth.models import Locale, ProfileDoc
from backend.db import Database
from backend.errors import DomainError, DomainErrors
from backend.notifications import repository as notifications_repository

MAX_DISPLAY_NAME = 60
# Control characters, and line/paragraph separators: a name is one line of plain text.
_REFUSED_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def clean_display_name(value: str) -> str:
    """The display name as stored (trimmed), or a DomainError saying what is wrong with it."""
    name = value.strip()
    if not 1 <= len(name) <= MAX_DISPLAY_NAME:
        raise DomainError(
            "DISPLAY_NAME_LENGTH",
            en=f"A display name has 1 to {MAX_DISPLAY_NAME} characters",
            vi=f"Tên hiển thị có từ 1 đến {MAX_DISPLAY_NAME} ký tự",
            field="displayName",
        )
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in name):
        raise DomainError(
            "DISPLAY_NAME_INVALID",
            en="A display name cannot contain control characters or line breaks",
            vi="Tên hiển thị không được chứa ký tự điều khiển hoặc xuống dòng",
            field="displayName",
        )
    return name


def parse_locale_tag(tag: str) -> Locale:
    """The app's language for a BCP 47 tag (`en-US` -> en), or a DomainError."""
    try:
        return Locale(tag.strip())
    except ValueError:
        raise DomainError(
            "LOCALE_INVALID",
            en="The language must be a BCP 47 tag such as vi, vi-VN or en-US",
            vi="Ngôn ngữ phải là thẻ BCP 47, ví dụ vi, vi-VN hoặc en-US",
            field="locale",
        ) from None


async def update(
    db: Database, *, uid: str, display_name: str | None, locale: str | None, now: datetime
) -> ProfileDoc:
    """Set the viewer's display name and/or language; every field error is reported at once."""
    errors: list[DomainError] = []
    name: str | None = None
    language: Locale | None = None
    if display_name is not None:
        try:
            name = clean_display_name(display_name)
        except DomainError as error:
            errors.append(error)
    if locale is not None:
        try:
            language = parse_locale_tag(locale)
        except DomainError as error:
            errors.append(error)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors("INVALID_INPUT", errors)
    profile = await auth_repository.set_profile(
        db, uid, display_name=name, locale=language, now=now
    )
    if language is not None:
        # Pushes are written in each device's language: the user's choice now speaks on all of
        # them (a device registered later states its own again).
        await notifications_repository.set_user_devices_locale(db, uid, language.value)
    return profile
