"""From the former districts to the 126 wards and communes: the data `migrate` moves, every run.

Until 1 July 2025 the app filed reports, alert subscriptions and alerts under Hanoi's districts,
by slug ("hoan-kiem"); now under the wards and communes, by official code ("00070"). A database
from before keeps the district outlines and those slugs, and `migrate` only loads content into an
empty database, so this runs on every `migrate` (the release step, and start-up in development)
and is idempotent: each step selects only what still needs moving, and a second run changes
nothing (and costs a handful of indexed queries).

1. Areas: the former districts' documents go (their polygons would still win `locate`), and the
   units are loaded when any is missing.
2. Reports whose `area` is not a unit: located again from their own location (`locate`); one
   outside every unit (the old outlines were drawn generously) goes to the unit nearest it among
   those that took over its district's wards (`content/areas/legacy_districts.json`); one with an
   area that is no former district either keeps it, with a warning in the log. Each keeps its
   former value in `legacy_area`, which also marks it migrated.
3. Notification preferences: each followed district becomes the units that took over its wards,
   deduplicated, at most `MAX_AREAS_FOLLOWED` (the user's own unit codes first, then the
   districts' units in turn, each district's largest share first); the old list is kept in
   `legacy_area_ids`.
4. Alerts and the outbox messages that push them: the same, without a limit; the city-wide
   marker (and any id that is no district) stays as it is.
5. Staff scopes need nothing: staff act on a department (a custom claim), and no user document
   stores an area. 6. Statistics need nothing: `reportStats` and the exports count reports by
   their `area` when asked, and nothing stores an aggregate.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from backend import outbox
from backend.areas import repository as area_repository
from backend.areas import source
from backend.db import Database
from backend.notifications import repository as notification_repository
from backend.notifications.models import MAX_AREAS_FOLLOWED
from backend.reports import repository as report_repository

log = logging.getLogger(__name__)

BATCH = 500  # documents read per batch, and written per bulk write


@dataclass(frozen=True)
class AreasMigration:
    """What one run changed (all zero when there was nothing left to move)."""

    districts_removed: int = 0  # former district documents deleted from `areas`
    units_loaded: int = 0  # units written because some were missing
    reports_located: int = 0  # filed under the unit their location is in
    reports_nearest: int = 0  # outside every unit: the nearest of their district's units
    reports_unresolved: int = 0  # no unit found: `area` left as it was (logged)
    preferences: int = 0  # notification preferences whose followed areas moved
    preferences_truncated: int = 0  # of which cut to MAX_AREAS_FOLLOWED
    alerts: int = 0
    alert_messages: int = 0  # outbox messages addressed to the followers of areas

    @property
    def changed(self) -> int:
        return sum(asdict(self).values()) - self.preferences_truncated

    def summary(self) -> str:
        counts = asdict(self).items()
        return ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in counts)


def legacy_districts(content_dir: Path) -> dict[str, list[str]]:
    """{former district slug: unit codes, the largest share first}; empty without the file."""
    path = content_dir / source.LEGACY_FILE
    if not path.exists():
        return {}
    return source.legacy_units(orjson.loads(path.read_bytes()))


def content_units(content_dir: Path) -> list[str]:
    """The unit codes of the content file; empty without it."""
    path = content_dir / source.UNITS_FILE
    if not path.exists():
        return []
    return [unit["code"] for unit in orjson.loads(path.read_bytes())["units"]]


def remap(
    area_ids: Sequence[str], legacy: Mapping[str, Sequence[str]], *, limit: int | None = None
) -> tuple[list[str], bool]:
    """Area ids with each former district replaced by its units; (ids, whether cut to `limit`).

    Ids that are no district (unit codes, the city-wide marker) come first as they were; then
    the districts' units in turn (each one's largest share, then each one's second...), so a cut
    list keeps some of every district. Duplicates go.
    """
    kept = [area for area in area_ids if area not in legacy]
    expanded = [legacy[area] for area in area_ids if area in legacy]
    result = dict.fromkeys(kept)
    for tier in itertools.zip_longest(*expanded):
        for code in tier:
            if code is not None:
                result.setdefault(code, None)
    ids = list(result)
    if limit is not None and len(ids) > limit:
        return ids[:limit], True
    return ids, False


async def migrate_areas(
    db: Database, content_dir: Path, *, batch: int = BATCH, now: datetime | None = None
) -> AreasMigration:
    """Move whatever still refers to a former district to the units (see the module's steps)."""
    now = now or datetime.now(UTC)
    legacy = legacy_districts(content_dir)
    counts: dict[str, int] = {}

    # 1. The areas themselves.
    counts["districts_removed"] = await area_repository.delete_areas(db, list(legacy))
    units = await area_repository.unit_codes(db)
    if not set(content_units(content_dir)) <= set(units):
        counts["units_loaded"] = await area_repository.load_content(db, content_dir)
        units = await area_repository.unit_codes(db)
    if not units:
        log.warning("areas migration: no wards or communes stored; nothing moved")
        return AreasMigration(**counts)

    # 2. Reports.
    counts.update(reports_located=0, reports_nearest=0, reports_unresolved=0)
    async for found in report_repository.reports_outside_units(db, units, batch=batch):
        moves = []
        for doc in found:
            former = doc.get("area")
            unit, how = await _unit_of_report(db, doc, legacy.get(former) if former else None)
            if unit is None:
                log.warning(
                    "areas migration: report %s (area %r) is in no unit; area left as it was",
                    doc["_id"],
                    former,
                )
            counts[how] += 1
            moves.append((doc["_id"], former, unit))
        await report_repository.file_under_units(db, moves, now=now)

    # 3. Notification preferences, 4. alerts and their messages.
    slugs = list(legacy)
    counts.update(preferences=0, preferences_truncated=0, alerts=0, alert_messages=0)
    async for prefs in notification_repository.preferences_following(db, slugs, batch=batch):
        changes = []
        for uid, former_ids in prefs:
            ids, cut = remap(former_ids, legacy, limit=MAX_AREAS_FOLLOWED)
            if cut:
                counts["preferences_truncated"] += 1
                log.info("areas migration: %s followed more than %d units", uid, len(ids))
            changes.append((uid, former_ids, ids))
        counts["preferences"] += await notification_repository.set_preference_areas(db, changes)
    async for alerts in notification_repository.alerts_for_areas(db, slugs, batch=batch):
        alert_changes = [(doc_id, ids, remap(ids, legacy)[0]) for doc_id, ids in alerts]
        counts["alerts"] += await notification_repository.set_alert_areas(db, alert_changes)
    async for messages in outbox.undelivered_to_areas(db, slugs, batch=batch):
        message_changes = [(doc_id, ids, remap(ids, legacy)[0]) for doc_id, ids in messages]
        counts["alert_messages"] += await outbox.set_recipient_areas(db, message_changes)

    result = AreasMigration(**counts)
    if result.changed:
        log.info("areas migration: %s", result.summary())
    return result


async def _unit_of_report(
    db: Database, doc: Mapping[str, object], district_units: Sequence[str] | None
) -> tuple[str | None, str]:
    """(unit code or None, which count it adds to) for a report filed under a former area."""
    location = doc.get("location")
    coordinates = location.get("coordinates") if isinstance(location, dict) else None
    if coordinates:
        lng, lat = float(coordinates[0]), float(coordinates[1])
        unit = await area_repository.locate(db, lat=lat, lng=lng)
        if unit is not None:
            return unit.id, "reports_located"
        if district_units:
            nearest = await area_repository.nearest_of(
                db, lat=lat, lng=lng, area_ids=district_units
            )
            if nearest is not None:
                return nearest.id, "reports_nearest"
    elif district_units:
        # No location to go by (never written by reportCreate): the district's largest share.
        return district_units[0], "reports_nearest"
    return None, "reports_unresolved"
