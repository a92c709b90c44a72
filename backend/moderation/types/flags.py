"""GraphQL output types of content flags (contentFlag and the moderators' flag lists)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.errors import UserError
from backend.moderation.models import ContentFlagDoc, FlagErrorCode, FlagReason, FlagTarget
from backend.pagination import PageInfo

FlagTargetEnum = strawberry.enum(
    FlagTarget, name="ContentFlagTarget", description="What kind of content a flag is about."
)
FlagReasonEnum = strawberry.enum(
    FlagReason, name="ContentFlagReason", description="Why a resident flagged content."
)
FlagErrorCodeEnum = strawberry.enum(
    FlagErrorCode, name="ContentFlagErrorCode", description="Why a flag was not recorded."
)


@strawberry.type(description="A resident's flag on a report, photo or review.")
class ContentFlag:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    target: FlagTargetEnum = strawberry.field(description="What kind of content.")  # type: ignore[valid-type]
    target_id: strawberry.ID = strawberry.field(
        description="The report, photo (media) or review id."
    )
    reason: FlagReasonEnum = strawberry.field(description="Why.")  # type: ignore[valid-type]
    note: str | None = strawberry.field(description="What the resident added (moderators only).")
    at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_doc(cls, doc: ContentFlagDoc, *, with_note: bool) -> ContentFlag:
        return cls(
            id=strawberry.ID(str(doc.id)),
            target=doc.target,
            target_id=strawberry.ID(doc.target_id),
            reason=doc.reason,
            note=doc.note if with_note else None,
            at=doc.at,
        )


@strawberry.type(description="A flag with its cursor.")
class ContentFlagEdge:
    node: ContentFlag = strawberry.field(description="The flag.")
    cursor: str = strawberry.field(description="Opaque position of this flag.")


@strawberry.type(description="Flags, newest first.")
class ContentFlagConnection:
    edges: list[ContentFlagEdge] = strawberry.field(description="This page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")


@strawberry.type(description="A problem with contentFlag.")
class ContentFlagError(UserError):
    code: FlagErrorCodeEnum = strawberry.field(description="What went wrong.")  # type: ignore[valid-type]
    retry_after_seconds: int | None = strawberry.field(
        default=None, description="RATE_LIMITED: seconds until flagging is allowed again."
    )


@strawberry.type(description="The result of contentFlag.")
class ContentFlagPayload:
    flag: ContentFlag | None = strawberry.field(
        default=None, description="The recorded flag (yours: with your note)."
    )
    errors: list[ContentFlagError] = strawberry.field(
        default_factory=list, description="Why nothing was recorded."
    )
