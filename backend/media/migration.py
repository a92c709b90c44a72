"""Photos stored before uploads had a state: given one, so the retention purge sees them.

The purge of unreferenced uploads (backend/retention.py) reads only NEW photos. A photo stored
before states existed has none, so it was never purged, used or not. `migrate` (every run: the
release step, and start-up in development) gives each one its state: KEPT when a report, an
answer or a kept original shows it (the purge's own test), else NEW since its upload time, so
the next purge deletes it once a day has passed. Idempotent: a photo with a state is never
selected again, so a second run reads one empty index range.
"""

from __future__ import annotations

import logging

from backend.db import Database
from backend.media import repository as media_repository
from backend.moderation import repository as moderation_repository
from backend.reports import repository as report_repository

log = logging.getLogger(__name__)

BATCH = 500


async def give_photos_states(db: Database, *, batch: int = BATCH) -> int:
    """Give every photo without a state its state; how many changed."""
    changed = 0
    while True:
        found = await media_repository.stateless_photos(db, limit=batch)
        if not found:
            break
        ids = [photo_id for photo_id, _ in found]
        used = await report_repository.referenced_photos(db, ids)
        used |= await moderation_repository.photos_in_originals(db, ids)
        changed += await media_repository.set_photo_states(
            db,
            kept=sorted(used),
            new=[(photo_id, at) for photo_id, at in found if photo_id not in used],
        )
        if len(found) < batch:
            break
    if changed:
        log.info("media migration: %d photos from before upload states given one", changed)
    return changed
