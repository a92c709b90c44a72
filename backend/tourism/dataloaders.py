"""Per-request DataLoaders for POIs and journeys (one `$in` query per list level)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from strawberry.dataloader import DataLoader

from backend.context import Context, Info
from backend.db import Database
from backend.tourism import repository as tourism_repository
from backend.tourism.models import JourneyDoc, PoiDoc


@dataclass
class TourismLoaders:
    pois: DataLoader[str, PoiDoc | None]
    journeys: DataLoader[str, JourneyDoc | None]


def _build(db: Database) -> TourismLoaders:
    async def load_pois(ids: Sequence[str]) -> list[PoiDoc | None]:
        docs = await tourism_repository.get_pois(db, ids)
        return [PoiDoc.from_mongo(docs[i]) if i in docs else None for i in ids]

    async def load_journeys(ids: Sequence[str]) -> list[JourneyDoc | None]:
        docs = await tourism_repository.get_journeys(db, ids)
        return [JourneyDoc.from_mongo(docs[i]) if i in docs else None for i in ids]

    return TourismLoaders(
        pois=DataLoader(load_fn=load_pois), journeys=DataLoader(load_fn=load_journeys)
    )


def _for_request(context: Context) -> TourismLoaders:
    return _build(context.db)


def loaders(info: Info) -> TourismLoaders:
    """This request's loaders, created on first use (never shared)."""
    return info.context.loaders.get(_for_request, info.context)
