"""Auth inputs: the viewer's profile and consents."""

from __future__ import annotations

import strawberry

from backend.auth.types import ConsentKindEnum


@strawberry.input(description="Change the viewer's profile; a field left out stays as it is.")
class ViewerUpdateInput:
    display_name: str | None = strawberry.field(
        default=None,
        description="The name to show: trimmed, 1 to 60 characters, one line without control "
        "characters.",
    )
    locale: str | None = strawberry.field(
        default=None,
        description="The language the app speaks to this user when a request sends no "
        "Accept-Language: a BCP 47 tag (vi, vi-VN, en-US...); Vietnamese tags give vi, any "
        "other language en.",
    )


@strawberry.input(description="Give or withdraw one consent.")
class ConsentSetInput:
    kind: ConsentKindEnum = strawberry.field(description="What it is about.")  # type: ignore[valid-type]
    granted: bool = strawberry.field(description="True to give it, false to withdraw it.")
    version: str | None = strawberry.field(
        default=None,
        description="For TERMS and PRIVACY_NOTICE: the version read (legalDocuments), which "
        "must be the current one; ignored for other kinds.",
    )


@strawberry.input(description="Delete the viewer's account and personal data (cannot be undone).")
class AccountDeleteInput:
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Optional; the same key returns the first result. Asking twice without one "
        "is harmless too: there is one deletion per account.",
    )
