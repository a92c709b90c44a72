"""Photos stored before uploads had a state: `migrate` gives them one, then the retention purge
deletes the unused ones a day after their upload and keeps the rest, as for any upload."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from PIL import Image

from backend import retention
from backend.db import Database
from backend.media import migration as media_migration
from backend.media import repository as media_repository
from backend.media import service as media_service

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def db(empty_db: Database) -> Database:
    """An empty database with every index (tests/conftest.py)."""
    return empty_db


def png(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (shade, 0, 0)).save(out, "PNG")
    return out.getvalue()


async def legacy_photo(db: Any, shade: int, at: datetime) -> tuple[ObjectId, ObjectId]:
    """A photo and its thumbnail stored as before upload states (no `state` in metadata)."""
    photo = await media_service.upload(db=db, owner="u1", data=png(shade), now=at)
    stored = await db["media.files"].find_one({"_id": photo.id})
    thumbnail = stored["metadata"]["thumbnail_id"]
    await db["media.files"].update_many(
        {"_id": {"$in": [photo.id, thumbnail]}}, {"$unset": {"metadata.state": ""}}
    )
    return photo.id, thumbnail


async def test_legacy_photos_get_a_state_and_the_purge_handles_them(db: Any) -> None:
    # given photos from before upload states: in a report, in an answer, in a kept original,
    # unused for months, and unused but only an hour old
    months, recent = NOW - timedelta(days=90), NOW - timedelta(hours=1)
    photos = {
        name: await legacy_photo(db, i * 40, at)
        for i, (name, at) in enumerate(
            [
                ("report", months),
                ("answer", months),
                ("original", months),
                ("abandoned", months),
                ("fresh", recent),
            ]
        )
    }
    await db.reports.insert_one({"_id": ObjectId(), "photo_ids": [photos["report"][0]]})
    await db.report_events.insert_one({"_id": ObjectId(), "photo_ids": [photos["answer"][0]]})
    await db.report_originals.insert_one({"_id": ObjectId(), "photo_ids": [photos["original"][0]]})
    # (the purge alone does not see them)
    assert await retention.purge_uploads(db, NOW) == 0

    # when the migration runs (in batches of two), twice
    assert await media_migration.give_photos_states(db, batch=2) == 5
    assert await media_migration.give_photos_states(db, batch=2) == 0

    # then the used ones are kept, the unused ones new since their upload
    states = {
        doc["_id"]: (doc["metadata"]["state"], doc["metadata"]["uploaded_at"])
        async for doc in db["media.files"].find({"metadata.kind": "photo"})
    }
    assert {photo_id: state for photo_id, (state, _) in states.items()} == {
        photos["report"][0]: media_repository.KEPT,
        photos["answer"][0]: media_repository.KEPT,
        photos["original"][0]: media_repository.KEPT,
        photos["abandoned"][0]: media_repository.NEW,
        photos["fresh"][0]: media_repository.NEW,
    }
    assert states[photos["abandoned"][0]][1].replace(tzinfo=UTC) == months

    # when the purge runs, then the abandoned photo and its thumbnail are gone, chunks too
    assert await retention.purge_uploads(db, NOW) == 1
    for file_id in photos["abandoned"]:
        assert await db["media.files"].count_documents({"_id": file_id}) == 0
        assert await db["media.chunks"].count_documents({"files_id": file_id}) == 0
    # and the fresh one goes a day later; the used ones stay
    assert await retention.purge_uploads(db, NOW + timedelta(days=1)) == 1
    left = {doc["_id"] async for doc in db["media.files"].find({"metadata.kind": "photo"})}
    assert left == {photos[name][0] for name in ("report", "answer", "original")}


async def test_the_migration_reads_an_index(db: Any) -> None:
    # given a new upload (its thumbnail has a null state) and a legacy photo
    await media_service.upload(db=db, owner="u1", data=png(10), now=NOW)
    legacy, _ = await legacy_photo(db, 20, NOW)
    # when the migration's query is explained, then an index serves it
    command = {"find": "media.files", "filter": {"metadata.kind": "photo", "metadata.state": None}}
    explained = await db.command("explain", command, verbosity="queryPlanner")
    plan = str(explained["queryPlanner"]["winningPlan"])
    assert "IXSCAN" in plan and "COLLSCAN" not in plan, plan
    # and it selects the legacy photo only
    assert [photo_id for photo_id, _ in await media_repository.stateless_photos(db, limit=10)] == [
        legacy
    ]
