"""GraphQL output types of moderation, one module per job.

Every name is re-exported here, so callers import from `backend.moderation.types`.
"""

from __future__ import annotations

from backend.moderation.types.answers import (
    CannedAnswer,
    CannedAnswerConnection,
    CannedAnswerDeletePayload,
    CannedAnswerEdge,
    CannedAnswerSetPayload,
)
from backend.moderation.types.audit import AuditEntry, AuditEntryConnection, AuditEntryEdge
from backend.moderation.types.flags import (
    ContentFlag,
    ContentFlagConnection,
    ContentFlagEdge,
    ContentFlagError,
    ContentFlagPayload,
    ContentFlagsResolvePayload,
    FlagErrorCodeEnum,
    FlagOutcomeEnum,
    FlagReasonEnum,
    FlagTargetEnum,
)
from backend.moderation.types.payloads import (
    BulkResultLine,
    ModerationError,
    ModerationErrorCodeEnum,
    ModerationReportPayload,
    ReportMergePayload,
    ReportsBulkSetStatusPayload,
    UserBanPayload,
)
from backend.moderation.types.queue import (
    ModerationQueueConnection,
    ModerationQueueEdge,
    ModerationQueueSortEnum,
    ReportCount,
    ReportStats,
    SortDirectionEnum,
)
from backend.moderation.types.report_fields import (
    ROLE_NAMES,
    ModerationActor,
    ModerationOriginal,
    ReporterContact,
    ReportPriorityEnum,
    UnitStaffConnection,
    UnitStaffEdge,
    moderation_actor,
    moderation_actors,
)

__all__ = [
    "ROLE_NAMES",
    "AuditEntry",
    "AuditEntryConnection",
    "AuditEntryEdge",
    "BulkResultLine",
    "CannedAnswer",
    "CannedAnswerConnection",
    "CannedAnswerDeletePayload",
    "CannedAnswerEdge",
    "CannedAnswerSetPayload",
    "ContentFlag",
    "ContentFlagConnection",
    "ContentFlagEdge",
    "ContentFlagError",
    "ContentFlagPayload",
    "ContentFlagsResolvePayload",
    "FlagErrorCodeEnum",
    "FlagOutcomeEnum",
    "FlagReasonEnum",
    "FlagTargetEnum",
    "ModerationActor",
    "ModerationError",
    "ModerationErrorCodeEnum",
    "ModerationOriginal",
    "ModerationQueueConnection",
    "ModerationQueueEdge",
    "ModerationQueueSortEnum",
    "ModerationReportPayload",
    "ReportCount",
    "ReportMergePayload",
    "ReportPriorityEnum",
    "ReportStats",
    "ReporterContact",
    "ReportsBulkSetStatusPayload",
    "SortDirectionEnum",
    "UnitStaffConnection",
    "UnitStaffEdge",
    "UserBanPayload",
    "moderation_actor",
    "moderation_actors",
]
