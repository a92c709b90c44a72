"""Photos in GridFS (bucket `media`): an original and its thumbnail, both with the owner's uid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from gridfs import AsyncGridFSBucket, NoFile
from gridfs.asynchronous.grid_file import AsyncGridOut
from pymongo import ASCENDING, IndexModel, UpdateOne

from backend.db import Database
from backend.media.models import PhotoSize

BUCKET = "media"
FILES = f"{BUCKET}.files"
CHUNKS = f"{BUCKET}.chunks"
PHOTO = "photo"
THUMBNAIL = "thumbnail"
# A photo is NEW from its upload until the retention purge finds it in use (KEPT) or deletes it.
NEW, KEPT = "new", "kept"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # GridFS's own indexes (the driver would create them on first upload; declared here so the
    # release phase builds them and they are listed with the rest).
    FILES: [
        IndexModel([("filename", ASCENDING), ("uploadDate", ASCENDING)], name="filename_upload"),
        IndexModel([("metadata.owner", ASCENDING), ("uploadDate", ASCENDING)], name="owner"),
        # The retention purge: photos not yet checked against the reports, oldest first.
        IndexModel(
            [("metadata.state", ASCENDING), ("metadata.uploaded_at", ASCENDING)],
            name="state_uploaded",
        ),
        # Photos from before upload states (backend.media.migration): kind "photo" without a
        # state (its null key); new thumbnails have kind "thumbnail".
        IndexModel(
            [("metadata.kind", ASCENDING), ("metadata.state", ASCENDING), ("_id", ASCENDING)],
            name="kind_state",
        ),
    ],
    CHUNKS: [
        IndexModel([("files_id", ASCENDING), ("n", ASCENDING)], unique=True, name="files_id_n"),
    ],
}


def bucket(db: Database) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(db, bucket_name=BUCKET)


async def store(
    db: Database, *, file_id: ObjectId, filename: str, data: bytes, metadata: dict[str, Any]
) -> None:
    """Write one file."""
    await bucket(db).upload_from_stream_with_id(file_id, filename, data, metadata=metadata)


async def open_file(db: Database, file_id: ObjectId) -> AsyncGridOut | None:
    """A file ready to stream, or None when there is no such file."""
    try:
        return await bucket(db).open_download_stream(file_id)
    except NoFile:
        return None


async def owned_photos(db: Database, ids: Sequence[ObjectId], owner: str) -> set[ObjectId]:
    """Which of these ids are photos (not thumbnails) uploaded by `owner`."""
    docs = (
        await db[FILES]
        .find(
            {"_id": {"$in": list(ids)}, "metadata.owner": owner, "metadata.kind": PHOTO},
            {"_id": 1},
        )
        .to_list(None)
    )
    return {doc["_id"] for doc in docs}


async def photo_sizes(db: Database, ids: Sequence[ObjectId]) -> dict[ObjectId, PhotoSize]:
    """The recorded width and height of these photos (thumbnails and unknown ids left out)."""
    docs = (
        await db[FILES]
        .find(
            {"_id": {"$in": list(ids)}, "metadata.kind": PHOTO},
            {"metadata.width": 1, "metadata.height": 1},
        )
        .to_list(None)
    )
    sizes = {}
    for doc in docs:
        metadata = doc.get("metadata") or {}
        width, height = metadata.get("width"), metadata.get("height")
        if isinstance(width, int) and isinstance(height, int):
            sizes[doc["_id"]] = PhotoSize(width=width, height=height)
    return sizes


async def give_to(db: Database, owner: str, *, new_owner: str) -> int:
    """Hand a deleted user's photos to their pseudonym (the reports that show them stay);
    served by owner."""
    result = await db[FILES].update_many(
        {"metadata.owner": owner}, {"$set": {"metadata.owner": new_owner}}
    )
    return int(result.modified_count)


async def new_photos(db: Database, *, before: datetime, limit: int) -> list[tuple[ObjectId, Any]]:
    """NEW photos uploaded before `before`, oldest first, with their thumbnail ids (served by
    state_uploaded)."""
    docs = (
        await db[FILES]
        .find(
            {"metadata.state": NEW, "metadata.uploaded_at": {"$lt": before}},
            {"metadata.thumbnail_id": 1},
        )
        .sort("metadata.uploaded_at", ASCENDING)
        .limit(limit)
        .to_list(None)
    )
    return [(doc["_id"], (doc.get("metadata") or {}).get("thumbnail_id")) for doc in docs]


async def keep_photos(db: Database, ids: Sequence[ObjectId]) -> None:
    """Mark photos in use: the purge does not look at them again."""
    if ids:
        await db[FILES].update_many({"_id": {"$in": list(ids)}}, {"$set": {"metadata.state": KEPT}})


async def delete_files(db: Database, ids: Sequence[ObjectId]) -> int:
    """Delete files and their chunks (a file already gone is skipped); how many were deleted."""
    deleted = 0
    for file_id in ids:
        try:
            await bucket(db).delete(file_id)
        except NoFile:
            continue
        deleted += 1
    return deleted


async def stateless_photos(db: Database, *, limit: int) -> list[tuple[ObjectId, datetime]]:
    """Photos stored before upload states, as (id, upload time), at most `limit` (served by
    kind_state)."""
    docs = (
        await db[FILES]
        .find(
            {"metadata.kind": PHOTO, "metadata.state": None},
            {"metadata.uploaded_at": 1, "uploadDate": 1},
        )
        .limit(limit)
        .to_list(None)
    )
    return [
        (doc["_id"], (doc.get("metadata") or {}).get("uploaded_at") or doc["uploadDate"])
        for doc in docs
    ]


async def set_photo_states(
    db: Database, *, kept: Sequence[ObjectId], new: Sequence[tuple[ObjectId, datetime]]
) -> int:
    """Give photos from before upload states theirs: KEPT (in use), or NEW since their upload
    time, which the retention purge then handles; one bulk write by id; how many."""
    requests = [
        UpdateOne({"_id": photo_id}, {"$set": {"metadata.state": KEPT}}) for photo_id in kept
    ]
    requests += [
        UpdateOne(
            {"_id": photo_id},
            {"$set": {"metadata.state": NEW, "metadata.uploaded_at": uploaded_at}},
        )
        for photo_id, uploaded_at in new
    ]
    if not requests:
        return 0
    result = await db[FILES].bulk_write(requests, ordered=False)
    return int(result.modified_count)
