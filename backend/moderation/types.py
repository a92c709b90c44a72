"""GraphQL output types of moderation."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from backend.areas.dataloaders import area_loader
from backend.areas.types import Area
from backend.audit import AuditEntryDoc
from backend.context import Info
from backend.errors import UserError
from backend.moderation.dataloaders import loaders as moderation_loaders
from backend.moderation.models import (
    CannedAnswerDoc,
    ContentFlagDoc,
    FlagErrorCode,
    FlagReason,
    FlagTarget,
    ModerationErrorCode,
    ModerationOriginalDoc,
    Priority,
    QueueSort,
    SortDirection,
    StaffMemberDoc,
)
from backend.pagination import PageInfo
from backend.reports.dataloaders import loaders as report_loaders
from backend.reports.types import Department, Report, ReportPhoto

ReportPriorityEnum = strawberry.enum(
    Priority, name="ReportPriority", description="How fast a report must be handled."
)
ModerationQueueSortEnum = strawberry.enum(
    QueueSort, name="ModerationQueueSort", description="Orders of the moderation queue."
)
SortDirectionEnum = strawberry.enum(
    SortDirection, name="SortDirection", description="Ascending or descending."
)
ModerationErrorCodeEnum = strawberry.enum(
    ModerationErrorCode,
    name="ModerationErrorCode",
    description="Why a moderation mutation did not happen.",
)


@strawberry.type(
    description="A moderator or staff member: their name and the unit they work for (from the "
    "staff directory `users grant` keeps)."
)
class ModerationActor:
    id: strawberry.ID = strawberry.field(description="Opaque user id.")
    display_name: str | None = strawberry.field(description="Their display name, if set.")

    async def _member(self, info: Info) -> StaffMemberDoc | None:
        return await moderation_loaders(info).staff.load(str(self.id))

    @strawberry.field(
        description="`staff`, `moderator` or `admin`; null when not in the staff directory "
        "(an account whose role was taken back, or the system)."
    )
    async def role(self, info: Info) -> str | None:
        member = await self._member(info)
        return member.role if member else None

    @strawberry.field(description="The department they work for (staff); null otherwise.")
    async def department(self, info: Info) -> Department | None:
        member = await self._member(info)
        if member is None or member.department is None:
            return None
        names = await report_loaders(info).departments.load(member.department)
        if names is None:
            return None
        return Department.from_names(member.department, names, info.context.viewer.locale)

    @strawberry.field(
        description="The wards and communes their office covers; empty for a city-wide office "
        "and for moderators."
    )
    async def areas(self, info: Info) -> list[Area]:
        member = await self._member(info)
        if member is None or not member.areas:
            return []
        found = await area_loader(info).load_many(member.areas)
        return [Area.from_doc(doc, info.context.viewer.locale) for doc in found if doc]

    @strawberry.field(
        description="Their unit in words, in the viewer's language, e.g. `UBND phường · Phường "
        "Hoàn Kiếm` or `Kiểm duyệt viên`; null when not in the staff directory."
    )
    async def unit_name(self, info: Info) -> str | None:
        member = await self._member(info)
        if member is None:
            return None
        locale = info.context.viewer.locale
        if member.department is None:
            return ROLE_NAMES.get(member.role, ROLE_NAMES["staff"]).get(locale.value)
        department = await self.department(info)
        name = department.name if department else member.department
        places = [area.name for area in await self.areas(info)]
        return " · ".join([name, ", ".join(places)]) if places else name


ROLE_NAMES = {
    "moderator": {"vi": "Kiểm duyệt viên", "en": "Moderator"},
    "admin": {"vi": "Quản trị viên", "en": "Administrator"},
    "staff": {"vi": "Cán bộ", "en": "Staff"},
}


async def moderation_actor(info: Info, uid: str) -> ModerationActor:
    """A person by uid, with the display name their profile holds."""
    name = await report_loaders(info).display_names.load(uid)
    return ModerationActor(id=strawberry.ID(uid), display_name=name)


async def moderation_actors(info: Info, uids: list[str]) -> list[ModerationActor]:
    """People by uid, their display names read in one batch."""
    names = await report_loaders(info).display_names.load_many(uids)
    return [
        ModerationActor(id=strawberry.ID(uid), display_name=name)
        for uid, name in zip(uids, names, strict=True)
    ]


@strawberry.type(description="A person who can take or watch a report, with their cursor.")
class UnitStaffEdge:
    node: ModerationActor = strawberry.field(description="The person.")
    cursor: str = strawberry.field(description="Opaque position of this person.")
    assignable: bool = strawberry.field(
        description="reportAssign accepts them for this report (staff of its unit); false for "
        "moderators, who watch every report."
    )


@strawberry.type(
    description="The staff of a report's unit (by user id), then the moderators (by user id)."
)
class UnitStaffConnection:
    edges: list[UnitStaffEdge] = strawberry.field(description="This page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging information.")


@strawberry.type(
    description="A ready public answer to a category's reports, kept by admins, in Vietnamese "
    "and English."
)
class CannedAnswer:
    doc: strawberry.Private[CannedAnswerDoc]

    @strawberry.field(description="Opaque id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.doc.id))

    @strawberry.field(description="The category it answers (its slug).")
    def category_id(self) -> strawberry.ID:
        return strawberry.ID(self.doc.category)

    @strawberry.field(description="Its short title in the viewer's language.")
    def title(self, info: Info) -> str:
        return self.doc.title[info.context.viewer.locale.value]

    @strawberry.field(description="The answer in the viewer's language.")
    def text(self, info: Info) -> str:
        return self.doc.text[info.context.viewer.locale.value]

    @strawberry.field(description="The title in Vietnamese.")
    def title_vi(self) -> str:
        return self.doc.title["vi"]

    @strawberry.field(description="The title in English.")
    def title_en(self) -> str:
        return self.doc.title["en"]

    @strawberry.field(description="The answer in Vietnamese (the public note residents read).")
    def text_vi(self) -> str:
        return self.doc.text["vi"]

    @strawberry.field(description="The answer in English.")
    def text_en(self) -> str:
        return self.doc.text["en"]

    @strawberry.field(description="When an admin last wrote it.")
    def updated_at(self) -> datetime:
        return self.doc.updated_at


@strawberry.type(description="A canned answer with its cursor.")
class CannedAnswerEdge:
    node: CannedAnswer = strawberry.field(description="The answer.")
    cursor: str = strawberry.field(description="Opaque position of this answer.")


@strawberry.type(description="A category's canned answers, oldest first.")
class CannedAnswerConnection:
    edges: list[CannedAnswerEdge] = strawberry.field(description="This page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")


@strawberry.type(description="The result of cannedAnswerSet.")
class CannedAnswerSetPayload:
    canned_answer: CannedAnswer | None = strawberry.field(
        default=None, description="The answer as it is now."
    )
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="The result of cannedAnswerDelete.")
class CannedAnswerDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the deleted answer."
    )
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="A report's content as it was before a moderator edited it.")
class ModerationOriginal:
    description: str = strawberry.field(description="The description before the edit.")
    photos: list[ReportPhoto] = strawberry.field(description="The photos before the edit.")
    edited_by: strawberry.ID = strawberry.field(description="Who edited it.")
    edited_at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_doc(cls, doc: ModerationOriginalDoc) -> ModerationOriginal:
        return cls(
            description=doc.description,
            photos=[ReportPhoto.from_id(pid) for pid in doc.photo_ids],
            edited_by=strawberry.ID(doc.actor),
            edited_at=doc.at,
        )


@strawberry.type(description="One moderator or staff action (append-only).")
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    actor: strawberry.ID = strawberry.field(description="Who acted.")
    action: str = strawberry.field(description="What they did, e.g. `report.set_status`.")
    object_type: str = strawberry.field(description="`report` or `user`.")
    object_id: strawberry.ID = strawberry.field(description="The object acted on.")
    reason: str | None = strawberry.field(description="The reason or note given.")
    before: str | None = strawberry.field(description="Values before, as a JSON object.")
    after: str | None = strawberry.field(description="Values after, as a JSON object.")
    at: datetime = strawberry.field(description="When.")

    @strawberry.field(
        description="Who acted, with their name and unit (`actor` keeps the bare id for older "
        "clients)."
    )
    async def actor_details(self, info: Info) -> ModerationActor:
        return await moderation_actor(info, str(self.actor))

    @classmethod
    def from_doc(cls, doc: AuditEntryDoc) -> AuditEntry:
        def dump(value: object) -> str | None:
            return json.dumps(value, default=str, ensure_ascii=False) if value is not None else None

        return cls(
            id=strawberry.ID(str(doc.id)),
            actor=strawberry.ID(doc.actor),
            action=doc.action,
            object_type=doc.object_type,
            object_id=strawberry.ID(doc.object_id),
            reason=doc.reason,
            before=dump(doc.before),
            after=dump(doc.after),
            at=doc.at,
        )


@strawberry.type(description="An audit entry with its cursor.")
class AuditEntryEdge:
    node: AuditEntry = strawberry.field(description="The entry.")
    cursor: str = strawberry.field(description="Opaque position of this entry.")


@strawberry.type(description="Audit entries, newest first.")
class AuditEntryConnection:
    edges: list[AuditEntryEdge] = strawberry.field(description="This page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")


@strawberry.type(description="A report in the moderation queue with its cursor.")
class ModerationQueueEdge:
    node: Report = strawberry.field(description="The report.")
    cursor: str = strawberry.field(description="Opaque position of this report.")


@strawberry.type(
    description="Reports to handle. A page may hold fewer than `first` reports when the filters "
    "match few of the reports read (at most 2,000 per page): follow `pageInfo.endCursor`."
)
class ModerationQueueConnection:
    edges: list[ModerationQueueEdge] = strawberry.field(description="This page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging information.")


@strawberry.type(description="How many reports have a value (a status, category or area).")
class ReportCount:
    key: str = strawberry.field(
        description="The status, category slug or area id (a ward or commune's official code)."
    )
    count: int = strawberry.field(description="How many reports.")


@strawberry.type(description="Statistics of reports created in a period.")
class ReportStats:
    total: int = strawberry.field(description="Reports matching the filter.")
    by_status: list[ReportCount] = strawberry.field(description="Counts by status.")
    by_category: list[ReportCount] = strawberry.field(description="Counts by category.")
    by_area: list[ReportCount] = strawberry.field(description="Counts by area.")
    acknowledge_median_seconds: float | None = strawberry.field(
        description="Median time from submission to acknowledgement (wall-clock seconds)."
    )
    acknowledge_p90_seconds: float | None = strawberry.field(
        description="90th percentile time to acknowledge (lower nearest rank)."
    )
    resolve_median_seconds: float | None = strawberry.field(
        description="Median time from submission to resolution of resolved reports."
    )
    resolve_p90_seconds: float | None = strawberry.field(
        description="90th percentile time to resolve (lower nearest rank)."
    )
    acknowledged_within_sla: float | None = strawberry.field(
        description="Share (0-1) of acknowledged reports acknowledged by `ackDueAt`."
    )
    resolved_within_sla: float | None = strawberry.field(
        description="Share (0-1) of resolved reports resolved by `resolveDueAt`."
    )
    reopen_rate: float | None = strawberry.field(
        description="Share (0-1) of reports ever resolved that residents reopened."
    )
    average_rating: float | None = strawberry.field(description="Mean of residents' ratings.")


@strawberry.type(description="A problem with a moderation mutation.")
class ModerationError(UserError):
    code: ModerationErrorCodeEnum = strawberry.field(description="What went wrong.")  # type: ignore[valid-type]


@strawberry.type(description="A report after a moderation action, or why it did not happen.")
class ModerationReportPayload:
    report: Report | None = strawberry.field(default=None, description="The report as it is now.")
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="The result of reportMerge: both reports it changed.")
class ReportMergePayload:
    report: Report | None = strawberry.field(
        default=None, description="The duplicate as it is now (DUPLICATE)."
    )
    into: Report | None = strawberry.field(
        default=None,
        description="The original as it is now, with the followers and me-toos it gained.",
    )
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="The result for one report of a bulk action.")
class BulkResultLine:
    report_id: strawberry.ID = strawberry.field(description="The report asked for.")
    ok: bool = strawberry.field(description="The change was made.")
    report: Report | None = strawberry.field(description="The report as it is now, when changed.")
    errors: list[ModerationError] = strawberry.field(description="Why this one did not change.")


@strawberry.type(description="The result of reportsBulkSetStatus: one line per report.")
class ReportsBulkSetStatusPayload:
    results: list[BulkResultLine] = strawberry.field(
        default_factory=list, description="A line per distinct report."
    )
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing was tried."
    )


@strawberry.type(description="The result of userBan / userUnban.")
class UserBanPayload:
    user_id: strawberry.ID | None = strawberry.field(default=None, description="The user.")
    banned: bool = strawberry.field(description="Whether the user is banned now.")
    reports_changed: int = strawberry.field(
        default=0, description="Open reports hidden by the ban, or shown again by the unban."
    )
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


# --- content flags ------------------------------------------------------------------------------

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


@strawberry.type(
    description="How to reach a report's reporter: for the staff who handle it, each read "
    "audited. Empty fields are not known (or the account was deleted)."
)
class ReporterContact:
    channel: str = strawberry.field(description="`app`, or `open311` (a partner app).")
    display_name: str | None = strawberry.field(description="The app profile's display name.")
    name: str | None = strawberry.field(description="The name a partner app sent.")
    email: str | None = strawberry.field(description="Email address.")
    phone: str | None = strawberry.field(description="Phone number.")
