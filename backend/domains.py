"""The domains the app is built from, by real imports: their indexes, content and scheduled jobs.

Every collection belongs to one repository module, which declares its indexes; `ensure_indexes`
creates them all. Content loaders fill their collections from content/ (`backend.seed` runs
them). Scheduled jobs run in the push worker when it is idle (`notifications.worker`). A domain
joins by being listed here, so readers and tools can follow every one of these references.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import ModuleType

from pymongo import IndexModel

from backend import audit, idempotency, outbox, ratelimit, retention
from backend.air import repository as air_repository
from backend.air import service as air_service
from backend.areas import repository as area_repository
from backend.auth import repository as auth_repository
from backend.auth.service import deletion as account_deletion
from backend.bookings import loader as booking_loader
from backend.bookings import repository as booking_repository
from backend.bookings import service as booking_service
from backend.db import Database
from backend.db import ensure_indexes as ensure_declared_indexes
from backend.media import repository as media_repository
from backend.meta import repository as meta_repository
from backend.moderation import repository as moderation_repository
from backend.notifications import repository as notification_repository
from backend.notifications.models import OutboxState
from backend.notifications.service import deadlines as staff_deadlines
from backend.notifications.service import staff as staff_notices
from backend.open311 import repository as open311_repository
from backend.payments import repository as payment_repository
from backend.payments import service as payment_service
from backend.reports import repository as report_repository
from backend.tourism import loader as tourism_loader
from backend.tourism import repository as tourism_repository

ContentLoader = Callable[[Database, Path], Awaitable[int]]
Job = Callable[[Database, datetime], Awaitable[int]]

# Each declares `INDEXES: Mapping[str, Sequence[IndexModel]]` for the collections it owns.
REPOSITORIES: tuple[ModuleType, ...] = (
    auth_repository,
    meta_repository,
    area_repository,
    report_repository,
    media_repository,
    idempotency,
    ratelimit,
    outbox,
    audit,
    tourism_repository,
    notification_repository,
    booking_repository,
    moderation_repository,
    open311_repository,
    air_repository,
    payment_repository,
)

# Each replaces its collections' seeded documents atomically per document, so a reload never
# leaves a half-set; areas first (reports' categories and departments do not need them, but
# nothing that follows may find a unit missing).
CONTENT_LOADERS: tuple[ContentLoader, ...] = (
    area_repository.load_content,
    report_repository.load_content,
    tourism_loader.load_content,
    booking_loader.load_content,
)

# (name for logs and metrics, job); each returns how much it did and is safe with several
# workers (claims, leases or conditional updates).
JOBS: tuple[tuple[str, Job], ...] = (
    ("bookings.sweep", booking_service.sweep),
    ("bookings.enqueue_reminders", booking_service.enqueue_reminders),
    ("air.poll", air_service.poll),
    ("payments.reconcile", payment_service.scheduled),
    # Deadline reminders and escalations first, so the digests of the same run carry them.
    ("staff.deadlines", staff_deadlines.scan),
    ("staff.digests", staff_notices.send_digests),
    # Personal data past its retention period (README: Retention of personal data).
    ("retention.purge", retention.purge),
)


# Outbox documents that are jobs, not pushes: kind -> handler(db, firebase_app, doc, now, *,
# worker=, lease=) returning the state it left the document in. The push worker claims them like
# any message (lease, checkpoints) and hands them here instead of to FCM.
OUTBOX_JOBS: Mapping[str, Callable[..., Awaitable[OutboxState]]] = {
    account_deletion.JOB_KIND: account_deletion.run_job,
}


def declared_indexes() -> dict[str, list[IndexModel]]:
    """The indexes every repository declares, by collection."""
    collected: dict[str, list[IndexModel]] = {}
    for module in REPOSITORIES:
        indexes: Mapping[str, Sequence[IndexModel]] = module.INDEXES
        for collection, models in indexes.items():
            collected.setdefault(collection, []).extend(models)
    return collected


async def ensure_indexes(db: Database) -> dict[str, list[str]]:
    """Create every declared index (idempotent); returns the names by collection."""
    return await ensure_declared_indexes(db, declared_indexes())
