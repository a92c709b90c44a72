"""Per-request DataLoaders of the reports domain: one query per list level, not per report.

They live on the request's state (created on first use), so nothing is shared between requests
or users, and the shared Context needs no field per domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bson import ObjectId
from strawberry.dataloader import DataLoader

from backend.auth import repository as user_repository
from backend.context import Context, Info
from backend.db import Database
from backend.reports import repository as report_repository
from backend.reports.models import CategoryDoc, ReportEventDoc
from backend.reports.snapshot import CatalogueContent


@dataclass(frozen=True)
class ReportLoaders:
    categories: DataLoader[str, CategoryDoc | None]
    # Department slug -> its name by language (None when not in the catalogue).
    departments: DataLoader[str, dict[str, str] | None]
    timeline: DataLoader[ObjectId, list[ReportEventDoc]]
    display_names: DataLoader[str, str | None]
    # For the viewer of this request only (None when anonymous).
    following: DataLoader[ObjectId, bool] | None
    me_too: DataLoader[ObjectId, bool] | None


def build(db: Database, uid: str | None, context: Context | None = None) -> ReportLoaders:
    async def catalogue() -> CatalogueContent | None:
        """Categories and departments in memory (backend/snapshot.py); None: the database."""
        loaded = None if context is None else await context.content()
        return None if loaded is None else loaded.catalogue

    async def categories(keys: Sequence[str]) -> list[CategoryDoc | None]:
        if (content := await catalogue()) is not None:
            return [content.category(key) for key in keys]
        # A few dozen documents: read them all once per request.
        by_id = {c.id: c for c in await report_repository.list_categories(db)}
        return [by_id.get(key) for key in keys]

    async def departments(keys: Sequence[str]) -> list[dict[str, str] | None]:
        if (content := await catalogue()) is not None:
            return [content.department(key) for key in keys]
        names = await report_repository.department_names(db, keys)
        return [names.get(key) for key in keys]

    async def timeline(keys: Sequence[ObjectId]) -> list[list[ReportEventDoc]]:
        grouped: dict[ObjectId, list[ReportEventDoc]] = {key: [] for key in keys}
        for event in await report_repository.public_events(db, keys):
            grouped[event.report].append(event)
        return [grouped[key] for key in keys]

    async def display_names(keys: Sequence[str]) -> list[str | None]:
        names = await user_repository.display_names(db, keys)
        return [names.get(key) for key in keys]

    def membership(collection: str, viewer_uid: str) -> DataLoader[ObjectId, bool]:
        async def load(keys: Sequence[ObjectId]) -> list[bool]:
            found = await report_repository.member_reports(db, collection, keys, viewer_uid)
            return [key in found for key in keys]

        return DataLoader(load_fn=load)

    return ReportLoaders(
        categories=DataLoader(load_fn=categories),
        departments=DataLoader(load_fn=departments),
        timeline=DataLoader(load_fn=timeline),
        display_names=DataLoader(load_fn=display_names),
        following=membership(report_repository.FOLLOWERS, uid) if uid else None,
        me_too=membership(report_repository.ME_TOO, uid) if uid else None,
    )


def _for_request(context: Context) -> ReportLoaders:
    return build(context.db, context.viewer.uid, context)


def loaders(info: Info) -> ReportLoaders:
    """This request's loaders (built on first use)."""
    return info.context.loaders.get(_for_request, info.context)


def forget(info: Info) -> None:
    """Drop the loaders after a write, so the payload shows the new state."""
    info.context.loaders.forget(_for_request)
