"""The per-request DataLoader of areas: one query for every area a response names."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from backend.areas import repository as area_repository
from backend.areas.models import AreaDoc
from backend.context import Context, Info
from backend.db import Database


def build(db: Database, context: Context | None = None) -> DataLoader[str, AreaDoc | None]:
    """Areas by id: from the content snapshot when the request's process holds one."""

    async def areas(keys: Sequence[str]) -> list[AreaDoc | None]:
        loaded = None if context is None else await context.content()
        if loaded is not None:
            return [loaded.areas.get(key) for key in keys]
        by_id = {area.id: area for area in await area_repository.get_many(db, keys)}
        return [by_id.get(key) for key in keys]

    return DataLoader(load_fn=areas)


def _for_request(context: Context) -> DataLoader[str, AreaDoc | None]:
    return build(context.db, context)


def area_loader(info: Info) -> DataLoader[str, AreaDoc | None]:
    """This request's loader (built on first use)."""
    return info.context.loaders.get(_for_request, info.context)
