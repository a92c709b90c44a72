"""GraphQL types of the auth domain."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from backend.auth.dataloaders import loaders
from backend.auth.models import ConsentDoc, ConsentKind, Locale, Role, Viewer
from backend.auth.service import consent as consent_service
from backend.context import Info
from backend.errors import UserError
from backend.i18n import Message

RoleEnum = strawberry.enum(Role, name="Role", description="What a signed-in user may do.")
LocaleEnum = strawberry.enum(
    Locale, name="Locale", description="Language of translated content (Accept-Language)."
)
ConsentKindEnum = strawberry.enum(
    ConsentKind,
    name="ConsentKind",
    description="What a user can agree to: the terms and the privacy notice (by version), push "
    "notifications and the use of their precise location.",
)


@strawberry.enum(description="Why a profile, consent or account request was refused.")
class AccountErrorCode(Enum):
    INVALID_INPUT = "INVALID_INPUT"
    DISPLAY_NAME_LENGTH = "DISPLAY_NAME_LENGTH"
    DISPLAY_NAME_INVALID = "DISPLAY_NAME_INVALID"
    LOCALE_INVALID = "LOCALE_INVALID"
    VERSION_REQUIRED = "VERSION_REQUIRED"
    VERSION_OUTDATED = "VERSION_OUTDATED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


@strawberry.type(description="A problem with a profile or consent change.")
class AccountError(UserError):
    code: AccountErrorCode = strawberry.field(description="What went wrong.")


@strawberry.type(description="The user's latest decision on one kind of consent.")
class Consent:
    kind: ConsentKindEnum = strawberry.field(description="What it is about.")  # type: ignore[valid-type]
    granted: bool = strawberry.field(description="True when given, false when withdrawn.")
    version: str | None = strawberry.field(
        description="The document version agreed to (TERMS, PRIVACY_NOTICE); null otherwise."
    )
    at: datetime = strawberry.field(description="When the user decided.")

    @classmethod
    def from_doc(cls, doc: ConsentDoc) -> Consent:
        return cls(kind=doc.kind, granted=doc.granted, version=doc.version, at=doc.at)


@strawberry.type(description="A text in both of the app's languages.")
class BilingualText:
    vi: str = strawberry.field(description="Vietnamese.")
    en: str = strawberry.field(description="English.")

    @classmethod
    def from_message(cls, message: Message) -> BilingualText:
        return cls(vi=message.vi, en=message.en)


@strawberry.type(description="A document users agree to: the terms or the privacy notice.")
class LegalDocument:
    kind: ConsentKindEnum = strawberry.field(  # type: ignore[valid-type]
        description="TERMS or PRIVACY_NOTICE: the consentSet kind that agrees to it."
    )
    version: str = strawberry.field(
        description="The current version: consentSet must name it to agree."
    )
    title: BilingualText = strawberry.field(description="Its title in vi and en.")
    text: BilingualText = strawberry.field(
        description="Its full text in vi and en (paragraphs separated by blank lines)."
    )

    @classmethod
    def from_doc(cls, doc: consent_service.LegalDocument) -> LegalDocument:
        return cls(
            kind=doc.kind,
            version=doc.version,
            title=BilingualText.from_message(doc.title),
            text=BilingualText.from_message(doc.text),
        )


@strawberry.type(name="Viewer", description="Who is making this request.")
class ViewerType:
    id: strawberry.ID | None = strawberry.field(
        description="Firebase uid of the signed-in user; null for an anonymous viewer."
    )
    roles: list[RoleEnum] = strawberry.field(  # type: ignore[valid-type]
        description="Roles granted by the Firebase `role` custom claim; every user is a RESIDENT."
    )
    locale: LocaleEnum = strawberry.field(  # type: ignore[valid-type]
        description="Language used for translated content in this request: Accept-Language "
        "when sent, else the user's preferredLocale, else vi."
    )
    department: strawberry.ID | None = strawberry.field(
        default=None,
        description="Staff: the department (a `Department` id) they work for; null otherwise.",
    )
    area_codes: list[str] = strawberry.field(
        default_factory=list,
        description="Staff of ward offices: the wards/communes (`Area.code`) they work for; "
        "empty for a city department's staff, who work city-wide.",
    )
    unit_lead: bool = strawberry.field(
        default=False,
        description="Staff: heads their unit (told when its reports are overdue).",
    )

    @strawberry.field(description="The name the user chose to show; null until they set one.")
    async def display_name(self, info: Info) -> str | None:
        if self.id is None:
            return None
        profile = await loaders(info).profile.load(str(self.id))
        return profile.display_name if profile else None

    @strawberry.field(
        description="The language the user chose (viewerUpdate), used when a request sends no "
        "Accept-Language; null until they choose one."
    )
    async def preferred_locale(self, info: Info) -> LocaleEnum | None:  # type: ignore[valid-type]
        if self.id is None:
            return None
        profile = await loaders(info).profile.load(str(self.id))
        return profile.locale if profile else None

    @strawberry.field(
        description="The user's current decision per consent kind (kinds never decided are "
        "absent); empty for an anonymous viewer."
    )
    async def consents(self, info: Info) -> list[Consent]:
        if self.id is None:
            return []
        history = await loaders(info).consents.load(str(self.id))
        return [Consent.from_doc(doc) for doc in consent_service.current(history)]

    @classmethod
    def from_viewer(cls, viewer: Viewer) -> ViewerType:
        order = list(Role)
        return cls(
            id=strawberry.ID(viewer.uid) if viewer.uid else None,
            roles=sorted(viewer.roles, key=order.index),
            locale=viewer.locale,
            department=strawberry.ID(viewer.department) if viewer.department else None,
            area_codes=sorted(viewer.areas),
            unit_lead=viewer.lead,
        )


@strawberry.type(description="The viewer's request to delete their account.")
class AccountDeletion:
    requested_at: datetime = strawberry.field(
        description="When it was first asked for (a repeated request returns the first one)."
    )
    done: bool = strawberry.field(
        description="True once every personal record is gone; until then a job is carrying "
        "it out, after a push and an inbox item that confirm it."
    )


@strawberry.type(description="A short-lived link to the viewer's data, as one JSON file.")
class DataExportLink:
    url: str = strawberry.field(
        description="GET it (no Authorization header needed) before expiresAt: a JSON document "
        "with everything stored about the viewer (format `thanglong.data-export/1`)."
    )
    expires_at: datetime = strawberry.field(description="When the link stops working.")
