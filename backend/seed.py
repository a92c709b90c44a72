"""Load content/ into the database: on an empty database, or on demand (--reload-content); then,
every time, move data still filed under the former districts to the wards and communes."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from backend import audit, domains
from backend.areas.migration import AreasMigration, migrate_areas
from backend.db import Database
from backend.domains import ensure_indexes
from backend.media.migration import give_photos_states
from backend.meta import repository as meta_repository
from backend.moderation.service import flags as flag_service
from backend.reports.migration import backfill_location_cells
from backend.settings import ROOT

log = logging.getLogger(__name__)

CONTENT_DIR = ROOT / "content"


@dataclass(frozen=True)
class MigrationResult:
    indexes: int
    content_loaded: bool
    content_version: str | None
    documents: int
    # What the areas migration moved (backend.areas.migration); runs on every migrate.
    areas: AreasMigration = field(default_factory=AreasMigration)
    # Reports given their grid cells (backend.reports.migration); runs on every migrate.
    location_cells: int = 0
    # Flags from before resolutions counted open (backend.moderation.service.flags); every run.
    legacy_flags: int = 0
    # Photos from before upload states given one (backend.media.migration); every run.
    legacy_photos: int = 0
    # Audit entries from before `people` that name someone (backend.audit); every run.
    legacy_audit: int = 0


def content_version(content_dir: Path = CONTENT_DIR) -> str:
    """A hash of every content file: any edit gives a new version."""
    digest = hashlib.sha256()
    if content_dir.exists():
        for path in sorted(p for p in content_dir.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(content_dir)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


async def load_content(db: Database, content_dir: Path = CONTENT_DIR) -> int:
    """Run every domain's loader; returns how many documents were written."""
    written = 0
    for load in domains.CONTENT_LOADERS:
        written += await load(db, content_dir)
    return written


async def migrate(
    db: Database, *, reload_content: bool = False, content_dir: Path = CONTENT_DIR
) -> MigrationResult:
    """Ensure indexes; load content when the database has none (or when asked to); then move
    whatever still refers to a former district and give reports written before the grid their
    cells (idempotent: nothing, once done)."""
    created = await ensure_indexes(db)
    indexes = sum(len(v) for v in created.values())
    legacy_flags = await flag_service.migrate_flags(db, now=datetime.now(UTC))
    legacy_photos = await give_photos_states(db)
    legacy_audit = await audit.backfill_people(db)
    current = await meta_repository.get_content_version(db)
    if current is not None and not reload_content:
        return MigrationResult(
            indexes=indexes,
            content_loaded=False,
            content_version=str(current["version"]),
            documents=0,
            areas=await _migrate_areas(db, content_dir),
            location_cells=await backfill_location_cells(db),
            legacy_flags=legacy_flags,
            legacy_photos=legacy_photos,
            legacy_audit=legacy_audit,
        )
    version = content_version(content_dir)
    written = await load_content(db, content_dir)
    # Written last: a crash mid-load leaves no version, so the next start loads again.
    await meta_repository.set_content_version(db, version=version, at=datetime.now(UTC))
    log.info("content %s loaded (%d documents)", version, written)
    return MigrationResult(
        indexes=indexes,
        content_loaded=True,
        content_version=version,
        documents=written,
        areas=await _migrate_areas(db, content_dir),
        location_cells=await backfill_location_cells(db),
        legacy_flags=legacy_flags,
        legacy_photos=legacy_photos,
        legacy_audit=legacy_audit,
    )


async def _migrate_areas(db: Database, content_dir: Path) -> AreasMigration:
    """The areas migration; when it changed the units, every content snapshot reloads."""
    result = await migrate_areas(db, content_dir)
    if result.districts_removed or result.units_loaded:
        await meta_repository.bump_content_revision(db, at=datetime.now(UTC))
    return result
