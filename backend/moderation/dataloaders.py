"""Per-request loaders of moderation data shown on reports: internal timeline, originals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bson import ObjectId
from strawberry.dataloader import DataLoader

from backend.context import Context, Info
from backend.moderation import repository as moderation_repository
from backend.moderation.models import ModerationOriginalDoc
from backend.reports import repository as report_repository
from backend.reports.models import ReportEventDoc


@dataclass(frozen=True)
class ModerationLoaders:
    internal_timeline: DataLoader[ObjectId, list[ReportEventDoc]]
    originals: DataLoader[ObjectId, list[ModerationOriginalDoc]]


def _for_request(context: Context) -> ModerationLoaders:
    db = context.db

    async def internal(keys: Sequence[ObjectId]) -> list[list[ReportEventDoc]]:
        grouped: dict[ObjectId, list[ReportEventDoc]] = {key: [] for key in keys}
        for event in await report_repository.all_events(db, keys):
            if not event.public:
                grouped[event.report].append(event)
        return [grouped[key] for key in keys]

    async def originals(keys: Sequence[ObjectId]) -> list[list[ModerationOriginalDoc]]:
        grouped: dict[ObjectId, list[ModerationOriginalDoc]] = {key: [] for key in keys}
        for original in await moderation_repository.originals(db, keys):
            grouped[original.report].append(original)
        return [grouped[key] for key in keys]

    return ModerationLoaders(
        internal_timeline=DataLoader(load_fn=internal), originals=DataLoader(load_fn=originals)
    )


def loaders(info: Info) -> ModerationLoaders:
    """This request's loaders (built on first use; one query per list level)."""
    return info.context.loaders.get(_for_request, info.context)
