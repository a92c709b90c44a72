"""Moderation mutations: each takes one `input` and returns a payload with `errors`."""

from __future__ import annotations

import strawberry

from backend import clock
from backend.auth.models import Locale
from backend.auth.permissions import IsAdmin, IsModerator, IsSignedIn, IsStaff
from backend.context import Info
from backend.errors import DomainError, payload_errors, returns_errors
from backend.moderation import service as moderation_service
from backend.moderation.inputs import (
    CannedAnswerDeleteInput,
    CannedAnswerSetInput,
    ContentFlagInput,
    ContentFlagsResolveInput,
    ReportAssignInput,
    ReportEditInput,
    ReportHideInput,
    ReportLockInput,
    ReportMergeInput,
    ReportsBulkSetStatusInput,
    ReportSetStatusInput,
    ReportTriageInput,
    UserBanInput,
)
from backend.moderation.models import (
    FlagErrorCode,
    FlagOutcome,
    FlagReason,
    FlagTarget,
    ModerationErrorCode,
    Priority,
)
from backend.moderation.service import assign as assign_service
from backend.moderation.service import canned as canned_service
from backend.moderation.service import flags as flag_service
from backend.moderation.types import (
    BulkResultLine,
    CannedAnswer,
    CannedAnswerDeletePayload,
    CannedAnswerSetPayload,
    ContentFlag,
    ContentFlagError,
    ContentFlagPayload,
    ContentFlagsResolvePayload,
    ModerationError,
    ModerationReportPayload,
    ReportMergePayload,
    ReportsBulkSetStatusPayload,
    UserBanPayload,
)
from backend.reports import dataloaders
from backend.reports.models import ReportDoc, ReportStatus
from backend.reports.types import Report


def moderation_errors(error: DomainError, locale: Locale) -> list[ModerationError]:
    """Payload errors from a DomainError (unknown codes become INVALID_INPUT)."""
    return payload_errors(error, ModerationError, ModerationErrorCode, locale=locale)


def _payload(info: Info, doc: ReportDoc) -> ModerationReportPayload:
    dataloaders.forget(info)
    return ModerationReportPayload(report=Report.from_doc(doc))


# A broken rule becomes the payload's errors; the report is then null.
report_errors = returns_errors(ModerationReportPayload, ModerationError, ModerationErrorCode)


@strawberry.type
class ModerationMutations:
    @strawberry.mutation(
        description="Route a report (category, department, priority); its status changes only "
        "with `acknowledge` (SUBMITTED or REOPENED become ACKNOWLEDGED, with the public note).",
        permission_classes=[IsStaff],
    )
    @report_errors
    async def report_triage(self, info: Info, input: ReportTriageInput) -> ModerationReportPayload:
        doc = await moderation_service.triage(
            db=info.context.db,
            viewer=info.context.viewer,
            report_id=str(input.report_id),
            category_id=str(input.category_id) if input.category_id else None,
            department_id=str(input.department_id) if input.department_id else None,
            priority=Priority(input.priority) if input.priority else None,
            now=clock.now(),
            acknowledge=input.acknowledge,
            public_note=input.public_note,
        )
        return _payload(info, doc)

    @strawberry.mutation(
        description="Move a report to another status along the allowed transitions; RESOLVED "
        "needs a public note and (for most categories) a photo.",
        permission_classes=[IsStaff],
    )
    @report_errors
    async def report_set_status(
        self, info: Info, input: ReportSetStatusInput
    ) -> ModerationReportPayload:
        change = moderation_service.StatusChange(
            report_id=str(input.report_id),
            status=ReportStatus(input.status),
            public_note=input.public_note,
            internal_note=input.internal_note,
            photo_ids=[str(pid) for pid in input.photo_ids],
        )
        doc = await moderation_service.set_status(
            db=info.context.db, viewer=info.context.viewer, change=change, now=clock.now()
        )
        return _payload(info, doc)

    @strawberry.mutation(
        description="The same status change on up to 100 reports, each all-or-nothing.",
        permission_classes=[IsStaff],
    )
    @returns_errors(ReportsBulkSetStatusPayload, ModerationError, ModerationErrorCode)
    async def reports_bulk_set_status(
        self, info: Info, input: ReportsBulkSetStatusInput
    ) -> ReportsBulkSetStatusPayload:
        lines = await moderation_service.bulk_set_status(
            db=info.context.db,
            viewer=info.context.viewer,
            report_ids=[str(rid) for rid in input.report_ids],
            status=ReportStatus(input.status),
            public_note=input.public_note,
            now=clock.now(),
        )
        dataloaders.forget(info)
        return ReportsBulkSetStatusPayload(
            results=[
                BulkResultLine(
                    report_id=strawberry.ID(line.report_id),
                    ok=line.error is None,
                    report=Report.from_doc(line.report) if line.report else None,
                    errors=(
                        moderation_errors(line.error, info.context.viewer.locale)
                        if line.error
                        else []
                    ),
                )
                for line in lines
            ]
        )

    @strawberry.mutation(
        description="Merge a duplicate into the original: it becomes DUPLICATE, its followers "
        'and "me too"s move over (counted once), its reporter is told.',
        permission_classes=[IsStaff],
    )
    @returns_errors(ReportMergePayload, ModerationError, ModerationErrorCode)
    async def report_merge(self, info: Info, input: ReportMergeInput) -> ReportMergePayload:
        doc, into = await moderation_service.merge(
            db=info.context.db,
            viewer=info.context.viewer,
            report_id=str(input.report_id),
            into_report_id=str(input.into_report_id),
            now=clock.now(),
        )
        dataloaders.forget(info)
        return ReportMergePayload(report=Report.from_doc(doc), into=Report.from_doc(into))

    @strawberry.mutation(
        description="Edit a report's description or hide its photos (personal data, abuse); "
        "the original is kept for moderators.",
        permission_classes=[IsStaff],
    )
    @report_errors
    async def report_edit(self, info: Info, input: ReportEditInput) -> ModerationReportPayload:
        doc = await moderation_service.edit(
            db=info.context.db,
            viewer=info.context.viewer,
            report_id=str(input.report_id),
            description=input.description,
            photo_ids_to_hide=[str(pid) for pid in input.photo_ids_to_hide],
            reason=input.reason,
            now=clock.now(),
        )
        return _payload(info, doc)

    @strawberry.mutation(
        description="Hide a report from every public list (abuse, spam).",
        permission_classes=[IsStaff],
    )
    @report_errors
    async def report_hide(self, info: Info, input: ReportHideInput) -> ModerationReportPayload:
        return await _set_hidden(info, input, hidden=True)

    @strawberry.mutation(description="Show a hidden report again.", permission_classes=[IsStaff])
    @report_errors
    async def report_unhide(self, info: Info, input: ReportHideInput) -> ModerationReportPayload:
        return await _set_hidden(info, input, hidden=False)

    @strawberry.mutation(
        description="Take a report for 10 minutes so nobody else answers it meanwhile (again "
        "to extend); others see `lockedBy` and get LOCKED.",
        permission_classes=[IsStaff],
    )
    @report_errors
    async def report_lock(self, info: Info, input: ReportLockInput) -> ModerationReportPayload:
        doc = await moderation_service.lock(
            db=info.context.db,
            viewer=info.context.viewer,
            report_id=str(input.report_id),
            now=clock.now(),
        )
        return _payload(info, doc)

    @strawberry.mutation(
        description="Give an open report to a staff member of the unit that handles it "
        "(NOT_IN_UNIT otherwise), or take it back with a null assigneeId; audited, and the "
        "assignee is told.",
        permission_classes=[IsStaff],
    )
    @report_errors
    async def report_assign(self, info: Info, input: ReportAssignInput) -> ModerationReportPayload:
        doc = await assign_service.assign(
            db=info.context.db,
            viewer=info.context.viewer,
            report_id=str(input.report_id),
            assignee_id=str(input.assignee_id) if input.assignee_id is not None else None,
            now=clock.now(),
        )
        return _payload(info, doc)

    @strawberry.mutation(
        description="Ban a user: none of their writes (reports, me too, follows, reopen, ratings, "
        "reviews, uploads, flags) go through (BANNED); their open reports are hidden.",
        permission_classes=[IsModerator],
    )
    @returns_errors(UserBanPayload, ModerationError, ModerationErrorCode, banned=False)
    async def user_ban(self, info: Info, input: UserBanInput) -> UserBanPayload:
        return await _set_banned(info, input, banned=True)

    @strawberry.mutation(
        description="Lift a ban; the reports it hid are shown again.",
        permission_classes=[IsModerator],
    )
    @returns_errors(UserBanPayload, ModerationError, ModerationErrorCode, banned=True)
    async def user_unban(self, info: Info, input: UserBanInput) -> UserBanPayload:
        return await _set_banned(info, input, banned=False)

    @strawberry.mutation(
        description="Flag a report, photo or review as abusive (residents; a few an hour): the "
        "moderators see it in the queue (`flagged`) and in `contentFlags`. Flagging the same "
        "item again changes nothing.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(ContentFlagPayload, ContentFlagError, FlagErrorCode)
    async def content_flag(self, info: Info, input: ContentFlagInput) -> ContentFlagPayload:
        doc = await flag_service.flag(
            db=info.context.db,
            viewer=info.context.viewer,
            target=FlagTarget(input.target),
            target_id=str(input.id),
            reason=FlagReason(input.reason),
            note=input.note,
            now=clock.now(),
        )
        return ContentFlagPayload(flag=ContentFlag.from_doc(doc, with_note=True))

    @strawberry.mutation(
        description="Resolve every open flag on a report, photo or review (moderators; "
        "audited): UPHELD or DISMISSED, they no longer count in the queue, and residents may "
        "flag the item again. Flaggers are not told. NOT_FOUND when nothing is open.",
        permission_classes=[IsModerator],
    )
    @returns_errors(ContentFlagsResolvePayload, ContentFlagError, FlagErrorCode)
    async def content_flags_resolve(
        self, info: Info, input: ContentFlagsResolveInput
    ) -> ContentFlagsResolvePayload:
        closed, doc = await flag_service.resolve(
            db=info.context.db,
            viewer=info.context.viewer,
            target=FlagTarget(input.target),
            target_id=str(input.target_id),
            outcome=FlagOutcome(input.outcome),
            note=input.note,
            now=clock.now(),
        )
        dataloaders.forget(info)
        report = Report.from_doc(doc) if doc is not None else None
        return ContentFlagsResolvePayload(resolved_count=closed, report=report)

    @strawberry.mutation(
        description="Write a category's canned answer, in Vietnamese and English (admins); "
        "audited (`canned_answer.set`).",
        permission_classes=[IsAdmin],
    )
    @returns_errors(CannedAnswerSetPayload, ModerationError, ModerationErrorCode)
    async def canned_answer_set(
        self, info: Info, input: CannedAnswerSetInput
    ) -> CannedAnswerSetPayload:
        doc = await canned_service.set_answer(
            db=info.context.db,
            viewer=info.context.viewer,
            answer_id=str(input.id) if input.id is not None else None,
            category_id=str(input.category_id),
            title={"vi": input.title_vi, "en": input.title_en},
            text={"vi": input.text_vi, "en": input.text_en},
            now=clock.now(),
        )
        return CannedAnswerSetPayload(canned_answer=CannedAnswer(doc=doc))

    @strawberry.mutation(
        description="Delete a canned answer (admins); audited (`canned_answer.delete`).",
        permission_classes=[IsAdmin],
    )
    @returns_errors(CannedAnswerDeletePayload, ModerationError, ModerationErrorCode)
    async def canned_answer_delete(
        self, info: Info, input: CannedAnswerDeleteInput
    ) -> CannedAnswerDeletePayload:
        deleted = await canned_service.delete_answer(
            db=info.context.db, viewer=info.context.viewer, answer_id=str(input.id), now=clock.now()
        )
        return CannedAnswerDeletePayload(deleted_id=strawberry.ID(deleted))


async def _set_hidden(
    info: Info, input: ReportHideInput, *, hidden: bool
) -> ModerationReportPayload:
    doc = await moderation_service.set_hidden(
        db=info.context.db,
        viewer=info.context.viewer,
        report_id=str(input.report_id),
        hidden=hidden,
        reason=input.reason,
        now=clock.now(),
    )
    return _payload(info, doc)


async def _set_banned(info: Info, input: UserBanInput, *, banned: bool) -> UserBanPayload:
    count = await moderation_service.set_banned(
        db=info.context.db,
        viewer=info.context.viewer,
        user_id=str(input.user_id),
        banned=banned,
        reason=input.reason,
        now=clock.now(),
    )
    return UserBanPayload(user_id=input.user_id, banned=banned, reports_changed=count)
