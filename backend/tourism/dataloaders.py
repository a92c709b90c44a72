"""Per-request DataLoaders of tourism: places, journeys, a place's reviews, offline packs.

Places and journeys are one `$in` query per list level. A place's reviews take arguments, so they
are loaded by (place, first, after) keys and equal questions in one request are asked once; the
offline packs of a list of journeys are built from three reads, whatever the number of journeys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strawberry.dataloader import DataLoader

from backend.auth.models import Locale
from backend.context import Context, Info
from backend.errors import DomainError
from backend.pagination import Page
from backend.tourism import repository as tourism_repository
from backend.tourism.models import JourneyDoc, PoiDoc, ReviewDoc
from backend.tourism.service import memory as memory_service
from backend.tourism.service import offline as offline_service
from backend.tourism.service import reviews as review_service
from backend.tourism.service.ratings import SharedRatingReads
from backend.tourism.snapshot import TourismContent

ReviewsKey = tuple[str, int, str | None]  # place, first, after
PackKey = tuple[str, Locale]  # journey, language


@dataclass(frozen=True)
class TourismLoaders:
    pois: DataLoader[str, PoiDoc | None]
    journeys: DataLoader[str, JourneyDoc | None]
    reviews: DataLoader[ReviewsKey, Page[ReviewDoc]]
    offline_packs: DataLoader[PackKey, offline_service.OfflinePack | None]


def _for_request(context: Context) -> TourismLoaders:
    db = context.db

    async def pois(ids: Sequence[str]) -> list[PoiDoc | None]:
        content = await _snapshot_of(context)
        if content is not None:
            found = [doc for i in ids if (doc := content.poi(i)) is not None]
            live = await memory_service.with_live_ratings(db, found, shared=_shared(context))
            fresh = {doc.id: doc for doc in live}
            return [fresh.get(i) for i in ids]
        docs = await tourism_repository.get_pois(db, ids)
        return [PoiDoc.from_mongo(docs[i]) if i in docs else None for i in ids]

    async def journeys(ids: Sequence[str]) -> list[JourneyDoc | None]:
        content = await _snapshot_of(context)
        if content is not None:
            return [content.journey(i) for i in ids]
        docs = await tourism_repository.get_journeys(db, ids)
        return [JourneyDoc.from_mongo(docs[i]) if i in docs else None for i in ids]

    async def reviews(keys: Sequence[ReviewsKey]) -> list[Page[ReviewDoc] | DomainError]:
        found: list[Page[ReviewDoc] | DomainError] = []
        for poi_id, first, after in keys:
            try:
                found.append(
                    await review_service.list_reviews(
                        db=db, poi_id=poi_id, first=first, after=after
                    )
                )
            except DomainError as error:  # this key's cursor is wrong, not the others'
                found.append(error)
        return found

    async def offline_packs(keys: Sequence[PackKey]) -> list[offline_service.OfflinePack | None]:
        packs: dict[PackKey, offline_service.OfflinePack] = {}
        for locale in dict.fromkeys(locale for _, locale in keys):
            ids = [journey for journey, wanted in keys if wanted == locale]
            built = await offline_service.build_packs(db=db, journey_ids=ids, locale=locale)
            packs.update({(journey, locale): pack for journey, pack in built.items()})
        return [packs.get(key) for key in keys]

    return TourismLoaders(
        pois=DataLoader(load_fn=pois),
        journeys=DataLoader(load_fn=journeys),
        reviews=DataLoader(load_fn=reviews),  # type: ignore[arg-type]
        offline_packs=DataLoader(load_fn=offline_packs),
    )


async def _snapshot_of(context: Context) -> TourismContent | None:
    snapshot = context.state.snapshot
    return None if snapshot is None else await snapshot.current()


def _shared(context: Context) -> SharedRatingReads | None:
    snapshot = context.state.snapshot
    return None if snapshot is None else snapshot.ratings


async def content_snapshot(info: Info) -> TourismContent | None:
    """The places and journeys in this process's memory; None: ask the database."""
    return await _snapshot_of(info.context)


def _selects(selections: Sequence[Any], name: str) -> bool:
    for selection in selections:
        if getattr(selection, "name", None) == name:
            return True
        if _selects(getattr(selection, "selections", None) or (), name):
            return True
    return False


async def live_ratings(info: Info, docs: list[PoiDoc]) -> list[PoiDoc]:
    """Places from the snapshot with the ratings reviews gave them since (one query), when the
    request asks for ratings at all."""
    if not docs or not _selects(info.selected_fields, "rating"):
        return docs
    return await memory_service.with_live_ratings(
        info.context.db, docs, shared=_shared(info.context)
    )


def loaders(info: Info) -> TourismLoaders:
    """This request's loaders, created on first use (never shared)."""
    return info.context.loaders.get(_for_request, info.context)


def forget(info: Info) -> None:
    """Drop this request's loaders after a write (a review changes a place's rating and list)."""
    info.context.loaders.forget(_for_request)
