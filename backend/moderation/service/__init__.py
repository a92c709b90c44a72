"""Moderation's business rules, split along its seams: status work, merges, content work, reads.

Import as `from backend.moderation import service as moderation_service`.
"""

from backend.moderation.service.actions import (
    BulkLine,
    StatusChange,
    bulk_set_status,
    resolve_due,
    set_status,
    triage,
)
from backend.moderation.service.common import ModerationError, is_moderator, may_act_on
from backend.moderation.service.content import audit_log, edit, lock, set_banned, set_hidden
from backend.moderation.service.merge import merge
from backend.moderation.service.queue import queue, stats

__all__ = [
    "BulkLine",
    "ModerationError",
    "StatusChange",
    "audit_log",
    "bulk_set_status",
    "edit",
    "is_moderator",
    "lock",
    "may_act_on",
    "merge",
    "queue",
    "resolve_due",
    "set_banned",
    "set_hidden",
    "set_status",
    "stats",
    "triage",
]
