"""GraphQL inputs of moderation."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.moderation.types import (
    FlagOutcomeEnum,
    FlagReasonEnum,
    FlagTargetEnum,
    ModerationQueueSortEnum,
    ReportPriorityEnum,
    SortDirectionEnum,
)
from backend.reports.types import ReportStatusEnum


@strawberry.input(description="Which reports the moderation queue shows (all filters combine).")
class ModerationQueueFilter:
    status: ReportStatusEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="One status; default: every open status."
    )
    category_id: strawberry.ID | None = strawberry.field(default=None, description="Category.")
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Department (staff: only their own)."
    )
    area_id: strawberry.ID | None = strawberry.field(
        default=None, description="A ward or commune (an `Area` id)."
    )
    overdue: bool | None = strawberry.field(
        default=None, description="Open and past their current deadline (`slaDueAt`)."
    )
    reopened: bool | None = strawberry.field(
        default=None, description="Reopened by residents at least once."
    )
    hidden: bool | None = strawberry.field(
        default=False, description="Hidden reports only (true), visible only (false), or both."
    )
    assignee: strawberry.ID | None = strawberry.field(
        default=None,
        description="`ME`: assigned to the viewer; `NONE`: assigned to nobody; else a staff "
        "member's user id.",
    )
    flagged: bool | None = strawberry.field(
        default=None,
        description="Reports residents flagged (contentFlag) only (true), never flagged (false), "
        "or both; each report's `flagCount` says how many residents flagged it.",
    )
    text: str | None = strawberry.field(
        default=None,
        description='Words of the description, diacritics optional ("duong" finds "đường").',
    )
    created_from: datetime | None = strawberry.field(
        default=None, description="Created at or after."
    )
    created_to: datetime | None = strawberry.field(default=None, description="Created before.")


@strawberry.input(description="The order of the moderation queue.")
class ModerationQueueOrder:
    field: ModerationQueueSortEnum = strawberry.field(  # type: ignore[valid-type]
        description="Sort key."
    )
    direction: SortDirectionEnum = strawberry.field(  # type: ignore[valid-type]
        default=SortDirectionEnum.ASC, description="Ascending (default) or descending."
    )


@strawberry.input(
    description="Route a report (category, department, priority); acknowledge it only if asked."
)
class ReportTriageInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="A new category (routing follows it unless departmentId)."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="The department that handles it."
    )
    priority: ReportPriorityEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="URGENT: resolve within 4 working hours."
    )
    acknowledge: bool = strawberry.field(
        default=False,
        description="Also acknowledge it (SUBMITTED or REOPENED become ACKNOWLEDGED in the same "
        "write); ILLEGAL_TRANSITION when it is not awaiting acknowledgement. Without it the "
        "status stays.",
    )
    public_note: str | None = strawberry.field(
        default=None,
        description="With `acknowledge`: the answer shown on the public timeline and pushed to "
        "the reporter and followers.",
    )


@strawberry.input(description="Move a report to another status.")
class ReportSetStatusInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")
    status: ReportStatusEnum = strawberry.field(description="The new status.")  # type: ignore[valid-type]
    public_note: str | None = strawberry.field(
        default=None, description="Shown on the public timeline; required for RESOLVED."
    )
    internal_note: str | None = strawberry.field(
        default=None, description="Shown only to moderators and staff."
    )
    photo_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Evidence photos you uploaded; RESOLVED needs one unless the category "
        "needs none.",
    )


@strawberry.input(description="The same status change on many reports.")
class ReportsBulkSetStatusInput:
    report_ids: list[strawberry.ID] = strawberry.field(description="1 to 100 reports.")
    status: ReportStatusEnum = strawberry.field(description="The new status.")  # type: ignore[valid-type]
    public_note: str | None = strawberry.field(default=None, description="The public note.")


@strawberry.input(description="Give a report to a staff member of its unit, or take it back.")
class ReportAssignInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A staff member of the unit that handles the report (their user id); null "
        "to unassign.",
    )


@strawberry.input(description="Merge a duplicate into the original report.")
class ReportMergeInput:
    report_id: strawberry.ID = strawberry.field(description="The duplicate.")
    into_report_id: strawberry.ID = strawberry.field(description="The report it duplicates.")


@strawberry.input(description="Remove personal data or abuse from a report.")
class ReportEditInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")
    description: str | None = strawberry.field(default=None, description="The new description.")
    photo_ids_to_hide: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Photos of the report to hide."
    )
    reason: str | None = strawberry.field(default=None, description="Why (kept in the audit log).")


@strawberry.input(description="Hide or show a report.")
class ReportHideInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")
    reason: str | None = strawberry.field(default=None, description="Why (abuse, spam...).")


@strawberry.input(description="Take a report for 10 minutes.")
class ReportLockInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")


@strawberry.input(description="Ban or unban a user.")
class UserBanInput:
    user_id: strawberry.ID = strawberry.field(description="The user's id.")
    reason: str | None = strawberry.field(default=None, description="Why.")


@strawberry.input(description="Which reports reportStats counts.")
class ReportStatsFilter:
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Created at or after."
    )
    to: datetime | None = strawberry.field(default=None, description="Created before.")
    area_id: strawberry.ID | None = strawberry.field(
        default=None, description="A ward or commune (an `Area` id)."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Department (staff: only their own)."
    )
    category_id: strawberry.ID | None = strawberry.field(default=None, description="Category.")


@strawberry.input(description="Flag a report, a photo or a review as abusive for the moderators.")
class ContentFlagInput:
    target: FlagTargetEnum = strawberry.field(description="What kind of content.")  # type: ignore[valid-type]
    id: strawberry.ID = strawberry.field(description="The report, photo (media) or review id.")
    reason: FlagReasonEnum = strawberry.field(description="Why.")  # type: ignore[valid-type]
    note: str | None = strawberry.field(
        default=None, description="Anything the moderators should know (at most 500 characters)."
    )


@strawberry.input(description="Resolve every open flag on a report, photo or review.")
class ContentFlagsResolveInput:
    target: FlagTargetEnum = strawberry.field(description="What kind of content.")  # type: ignore[valid-type]
    target_id: strawberry.ID = strawberry.field(
        description="The report, photo (media) or review id."
    )
    outcome: FlagOutcomeEnum = strawberry.field(  # type: ignore[valid-type]
        description="UPHELD (the content was abusive) or DISMISSED."
    )
    note: str | None = strawberry.field(
        default=None, description="Why, for the audit log (at most 500 characters)."
    )


@strawberry.input(
    description="A canned answer to write: without `id` a new one, with it a replacement."
)
class CannedAnswerSetInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="The answer to replace; null for a new one."
    )
    category_id: strawberry.ID = strawberry.field(description="The category it answers.")
    title_vi: str = strawberry.field(description="Short title in Vietnamese (1-120 characters).")
    title_en: str = strawberry.field(description="Short title in English (1-120 characters).")
    text_vi: str = strawberry.field(description="The answer in Vietnamese (1-4,000 characters).")
    text_en: str = strawberry.field(description="The answer in English (1-4,000 characters).")


@strawberry.input(description="A canned answer to delete.")
class CannedAnswerDeleteInput:
    id: strawberry.ID = strawberry.field(description="The answer.")
