"""Per-request loaders of moderation data shown on reports: internal timeline, originals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bson import ObjectId
from strawberry.dataloader import DataLoader

from backend import clock
from backend.context import Context, Info
from backend.moderation import repository as moderation_repository
from backend.moderation.models import FlagTarget, ModerationOriginalDoc, StaffMemberDoc
from backend.reports import repository as report_repository
from backend.reports.models import ReportEventDoc


@dataclass(frozen=True)
class ModerationLoaders:
    internal_timeline: DataLoader[ObjectId, list[ReportEventDoc]]
    originals: DataLoader[ObjectId, list[ModerationOriginalDoc]]
    flag_counts: DataLoader[ObjectId, int]
    # Staff directory entries by uid (the unit shown next to a person's name).
    staff: DataLoader[str, StaffMemberDoc | None]


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

    async def flag_counts(keys: Sequence[ObjectId]) -> list[int]:
        counts = await moderation_repository.open_flag_counts(
            db, FlagTarget.REPORT, [str(key) for key in keys], now=clock.now()
        )
        return [counts.get(str(key), 0) for key in keys]

    async def staff(keys: Sequence[str]) -> list[StaffMemberDoc | None]:
        members = await moderation_repository.staff_members(db, keys)
        found = {member.uid: member for member in members}
        return [found.get(key) for key in keys]

    return ModerationLoaders(
        internal_timeline=DataLoader(load_fn=internal),
        originals=DataLoader(load_fn=originals),
        flag_counts=DataLoader(load_fn=flag_counts),
        staff=DataLoader(load_fn=staff),
    )


def loaders(info: Info) -> ModerationLoaders:
    """This request's loaders (built on first use; one query per list level)."""
    return info.context.loaders.get(_for_request, info.context)
