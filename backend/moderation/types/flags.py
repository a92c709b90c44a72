"""GraphQL output types of content flags (contentFlag and the moderators' flag lists)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.errors import UserError
from backend.moderation.models import (
    ContentFlagDoc,
    FlagErrorCode,
    FlagOutcome,
    FlagReason,
    FlagTarget,
)
from backend.pagination import PageInfo
from backend.reports.types import Report

FlagTargetEnum = strawberry.enum(
    FlagTarget, name="ContentFlagTarget", description="What kind of content a flag is about."
)
FlagReasonEnum = strawberry.enum(
    FlagReason, name="ContentFlagReason", description="Why a resident flagged content."
)
FlagOutcomeEnum = strawberry.enum(
    FlagOutcome,
    name="ContentFlagOutcome",
    description="A moderator's word on an item's open flags: UPHELD (abusive) or DISMISSED.",
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
    outcome: FlagOutcomeEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="How a moderator resolved it (contentFlagsResolve); null while open "
        "(moderators only).",
    )
    resolved_at: datetime | None = strawberry.field(
        default=None, description="When it was resolved; null while open (moderators only)."
    )

    @classmethod
    def from_doc(
        cls, doc: ContentFlagDoc, *, with_note: bool, with_resolution: bool = False
    ) -> ContentFlag:
        return cls(
            id=strawberry.ID(str(doc.id)),
            target=doc.target,
            target_id=strawberry.ID(doc.target_id),
            reason=doc.reason,
            note=doc.note if with_note else None,
            at=doc.at,
            outcome=doc.outcome if with_resolution else None,
            resolved_at=doc.resolved_at if with_resolution else None,
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


@strawberry.type(description="The result of contentFlagsResolve.")
class ContentFlagsResolvePayload:
    resolved_count: int | None = strawberry.field(
        default=None, description="How many open flags were closed."
    )
    report: Report | None = strawberry.field(
        default=None, description="The flagged report as it is now (REPORT targets only)."
    )
    errors: list[ContentFlagError] = strawberry.field(
        default_factory=list, description="Why nothing was resolved."
    )
