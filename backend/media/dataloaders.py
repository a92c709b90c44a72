"""The per-request DataLoader of photo sizes: one query for every photo a response shows."""

from __future__ import annotations

from collections.abc import Sequence

from bson import ObjectId
from strawberry.dataloader import DataLoader

from backend.context import Context, Info
from backend.db import Database
from backend.media import repository as media_repository
from backend.media.models import PhotoSize


def build(db: Database) -> DataLoader[ObjectId, PhotoSize | None]:
    async def sizes(keys: Sequence[ObjectId]) -> list[PhotoSize | None]:
        found = await media_repository.photo_sizes(db, keys)
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=sizes)


def _for_request(context: Context) -> DataLoader[ObjectId, PhotoSize | None]:
    return build(context.db)


def photo_size_loader(info: Info) -> DataLoader[ObjectId, PhotoSize | None]:
    """This request's loader (built on first use)."""
    return info.context.loaders.get(_for_request, info.context)
