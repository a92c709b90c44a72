"""Collections of moderation: the queue's indexes on reports, report_originals, bans.

Split along its seams: `queue` (the queue's reads and indexes on reports), `changes` (moderators'
conditional updates, timelines, merges), `audit` (report_originals), `bans` (the
ban flag on users) and `stats` (reportStats). Import as
`from backend.moderation import repository as moderation_repository`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pymongo import IndexModel

from backend.moderation.repository import audit, queue
from backend.moderation.repository.audit import ORIGINALS, add_original, originals
from backend.moderation.repository.bans import hide_for_ban
from backend.moderation.repository.changes import (
    all_events,
    get_report,
    move_members,
    unlocked_for,
)
from backend.moderation.repository.queue import (
    QUEUE_PREFIXES,
    REPORTS,
    QueueQuery,
    queue_batch,
    queue_queries,
    sort_value,
    text_candidates,
)
from backend.moderation.repository.stats import stats, stats_pipeline
from backend.reports import repository as report_repository

# Reports' one conditional update is the reports repository's own (it owns the collection).
update_report = report_repository.update_report

INDEXES: Mapping[str, Sequence[IndexModel]] = {**queue.INDEXES, **audit.INDEXES}

__all__ = [
    "INDEXES",
    "ORIGINALS",
    "QUEUE_PREFIXES",
    "REPORTS",
    "QueueQuery",
    "add_original",
    "all_events",
    "get_report",
    "hide_for_ban",
    "move_members",
    "originals",
    "queue_batch",
    "queue_queries",
    "sort_value",
    "stats",
    "stats_pipeline",
    "text_candidates",
    "unlocked_for",
    "update_report",
]
