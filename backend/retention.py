"""How long personal data is kept, and the worker's purge of what has outlived its purpose.

Vietnam's personal data law (Law 91/2025/QH15, Decree 356/2025/ND-CP) asks that personal data be
kept only as long as its purpose needs. The table of every collection is README.md's "Retention
of personal data"; this module enforces the periods that run out on their own. Short-lived
records expire through TTL indexes declared by their owners (rate_limits, idempotency_keys,
booking_holds); what must be checked against other data, or tested with a controlled clock, is
purged here by `purge`, a scheduled job of the push worker (backend.domains.JOBS). Every step
deletes bounded batches through an index and is safe with several workers running it at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from backend import outbox
from backend.db import Database
from backend.media import repository as media_repository
from backend.moderation import repository as moderation_repository
from backend.notifications import repository as notification_repository
from backend.notifications.models import OutboxState
from backend.reports import repository as report_repository

# A delivered push or email: long enough to answer "did I get told?", then it goes.
SENT_MESSAGES = timedelta(days=30)
# A message the worker gave up on: admins may retry it (outboxDead) for this long.
DEAD_MESSAGES = timedelta(days=90)
INBOX_ITEMS = timedelta(days=365)
# An app registers its device at every sign-in and launch; silent this long, it is gone.
UNUSED_DEVICES = timedelta(days=270)
# A photo no report, answer or kept original uses a day after its upload was abandoned.
UNREFERENCED_UPLOADS = timedelta(hours=24)

BATCH = 500
# Batches per step and run: the worker's idle loop stays short; the next run goes on.
MAX_BATCHES = 20


async def _repeat(step: Callable[[], Awaitable[int]], batches: int = MAX_BATCHES) -> int:
    """Run a batch step until it does less than a batch (or MAX_BATCHES); the total."""
    total = 0
    for _ in range(batches):
        done = await step()
        total += done
        if done < BATCH:
            break
    return total


async def purge_uploads(db: Database, now: datetime) -> int:
    """Delete photos (and thumbnails) that nothing uses a day after upload; mark the rest kept."""
    deleted = 0
    for _ in range(MAX_BATCHES):
        found = await media_repository.new_photos(
            db, before=now - UNREFERENCED_UPLOADS, limit=BATCH
        )
        if not found:
            break
        ids = [photo_id for photo_id, _ in found]
        used = await report_repository.referenced_photos(db, ids)
        used |= await moderation_repository.photos_in_originals(db, ids)
        await media_repository.keep_photos(db, sorted(used))
        # The thumbnail first: a photo left without one is still found and purged next time.
        unused = [(p, t) for p, t in found if p not in used]
        await media_repository.delete_files(db, [t for _, t in unused if t is not None])
        deleted += await media_repository.delete_files(db, [p for p, _ in unused])
        if len(found) < BATCH:
            break
    return deleted


async def purge(db: Database, now: datetime) -> int:
    """The scheduled retention purge; how many records it deleted."""

    async def sent() -> int:
        return await outbox.purge_finished(
            db, state=OutboxState.SENT.value, before=now - SENT_MESSAGES, limit=BATCH
        )

    async def dead() -> int:
        return await outbox.purge_finished(
            db, state=OutboxState.DEAD.value, before=now - DEAD_MESSAGES, limit=BATCH
        )

    async def inbox() -> int:
        return await notification_repository.purge_inbox(db, before=now - INBOX_ITEMS, limit=BATCH)

    async def devices() -> int:
        return await notification_repository.purge_devices(
            db, unused_since=now - UNUSED_DEVICES, limit=BATCH
        )

    total = 0
    for step in (sent, dead, inbox, devices):
        total += await _repeat(step)
    return total + await purge_uploads(db, now)
