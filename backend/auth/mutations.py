"""Auth mutations: the viewer's profile and consents; each takes one `input` and returns a
payload with `errors`."""

from __future__ import annotations

from dataclasses import replace

import strawberry

from backend import clock
from backend.auth import dataloaders as auth_dataloaders
from backend.auth.inputs import AccountDeleteInput, ConsentSetInput, ViewerUpdateInput
from backend.auth.models import ConsentKind
from backend.auth.permissions import IsSignedIn
from backend.auth.service import consent as consent_service
from backend.auth.service import deletion as deletion_service
from backend.auth.service import export as export_service
from backend.auth.service import profile as profile_service
from backend.auth.service import secrets
from backend.auth.types import (
    AccountDeletion,
    AccountError,
    AccountErrorCode,
    Consent,
    DataExportLink,
    ViewerType,
)
from backend.context import Info
from backend.errors import returns_errors
from backend.media.models import public_base


@strawberry.type(description="The result of viewerUpdate.")
class ViewerUpdatePayload:
    viewer: ViewerType | None = strawberry.field(
        default=None, description="The viewer with the profile now stored."
    )
    errors: list[AccountError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="The result of consentSet.")
class ConsentSetPayload:
    consent: Consent | None = strawberry.field(default=None, description="The decision recorded.")
    viewer: ViewerType | None = strawberry.field(
        default=None, description="The viewer, whose `consents` now include it."
    )
    errors: list[AccountError] = strawberry.field(
        default_factory=list, description="Why nothing was recorded."
    )


@strawberry.type(description="The result of accountDelete.")
class AccountDeletePayload:
    deletion: AccountDeletion | None = strawberry.field(
        default=None, description="The deletion under way (or done)."
    )
    errors: list[AccountError] = strawberry.field(
        default_factory=list, description="Why nothing was asked for."
    )


@strawberry.type(description="The result of myDataExport.")
class MyDataExportPayload:
    download: DataExportLink | None = strawberry.field(
        default=None, description="Where to download the viewer's data."
    )
    errors: list[AccountError] = strawberry.field(
        default_factory=list, description="Why no link was made."
    )


@strawberry.type
class AuthMutations:
    @strawberry.mutation(
        description="Set the viewer's display name and/or language. The language is used for "
        "requests that send no Accept-Language. Refusals: DISPLAY_NAME_LENGTH, "
        "DISPLAY_NAME_INVALID, LOCALE_INVALID.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(ViewerUpdatePayload, AccountError, AccountErrorCode)
    async def viewer_update(self, info: Info, input: ViewerUpdateInput) -> ViewerUpdatePayload:
        viewer = info.context.viewer
        profile = await profile_service.update(
            info.context.db,
            uid=str(viewer.uid),
            display_name=input.display_name,
            locale=input.locale,
            now=clock.now(),
        )
        auth_dataloaders.forget(info)
        if profile.locale is not None and "accept-language" not in info.context.request.headers:
            # This request's language was the stored one: it is the new one from now on.
            viewer = replace(viewer, locale=profile.locale)
        return ViewerUpdatePayload(viewer=ViewerType.from_viewer(viewer))

    @strawberry.mutation(
        description="Give (granted: true) or withdraw (granted: false) a consent; every "
        "decision is kept with its time. TERMS and PRIVACY_NOTICE name the version read, which "
        "must be the current one (legalDocuments): VERSION_REQUIRED, VERSION_OUTDATED.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(ConsentSetPayload, AccountError, AccountErrorCode)
    async def consent_set(self, info: Info, input: ConsentSetInput) -> ConsentSetPayload:
        consent = await consent_service.record(
            info.context.db,
            uid=str(info.context.viewer.uid),
            kind=ConsentKind(input.kind),
            granted=input.granted,
            version=input.version,
            now=clock.now(),
        )
        auth_dataloaders.forget(info)
        return ConsentSetPayload(
            consent=Consent.from_doc(consent), viewer=ViewerType.from_viewer(info.context.viewer)
        )

    @strawberry.mutation(
        description="Delete the viewer's account: the Firebase account and every personal "
        "record; reports stay without the reporter, bookings only as accounting requires (see "
        "the privacy notice). A push and an inbox item confirm it first; the rest follows "
        "within minutes, and asking again returns the same deletion. Refusals: "
        "IDEMPOTENCY_KEY_REUSED, INVALID_INPUT (idempotencyKey).",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(AccountDeletePayload, AccountError, AccountErrorCode)
    async def account_delete(
        self, info: Info, input: AccountDeleteInput | None = None
    ) -> AccountDeletePayload:
        context = info.context
        uid = str(context.viewer.uid)
        asked = await deletion_service.request(
            context.db,
            uid=uid,
            pseudonym=secrets.pseudonym(context.settings, uid),
            now=clock.now(),
            idempotency_key=input.idempotency_key if input else None,
        )
        return AccountDeletePayload(
            deletion=AccountDeletion(requested_at=asked.requested_at, done=asked.done)
        )

    @strawberry.mutation(
        description="A link to everything stored about the viewer (profile, consents with "
        'their history, reports with photo links, follows, "me too"s, reviews, journeys, '
        "bookings, devices, notifications) as one JSON file; it works for "
        f"{export_service.LINK_MINUTES} minutes.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(MyDataExportPayload, AccountError, AccountErrorCode)
    async def my_data_export(self, info: Info) -> MyDataExportPayload:
        context = info.context
        link = export_service.link(
            context.settings,
            uid=str(context.viewer.uid),
            base=public_base(context.settings.public_base_url, context.request),
            now=clock.now(),
        )
        return MyDataExportPayload(
            download=DataExportLink(url=link.url, expires_at=link.expires_at)
        )
