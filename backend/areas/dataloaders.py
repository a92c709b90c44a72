"""The per-request DataLoader of areas: one query for every area a response names."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from backend.areas import repository as area_repository
from backend.areas.models import AreaDoc
from backend.context import Info
from backend.db import Database


def build(db: Database) -> DataLoader[str, AreaDoc | None]:
    async def areas(keys: Sequence[str]) -> list[AreaDoc | None]:
        by_id = {area.id: area for area in await area_repository.get_many(db, keys)}
        return [by_id.get(key) for key in keys]

    return DataLoader(load_fn=areas)


def area_loader(info: Info) -> DataLoader[str, AreaDoc | None]:
    """This request's loader (built on first use, on the request's state like the others)."""
    state = info.context.request.state
    found: DataLoader[str, AreaDoc | None] | None = getattr(state, "area_loader", None)
    if found is None:
        found = build(info.context.db)
        state.area_loader = found
    return found
