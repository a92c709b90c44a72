"""The moderation fields of Report (priority, actors, originals, reporter contact) and the staff
who can take a report. No type here names Report, so reports.types refers to them lazily
without an import cycle."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.areas.dataloaders import area_loader
from backend.areas.types import Area
from backend.context import Info
from backend.media.types import ReportPhoto
from backend.moderation.dataloaders import loaders as moderation_loaders
from backend.moderation.models import ModerationOriginalDoc, Priority, StaffMemberDoc
from backend.pagination import PageInfo
from backend.reports.dataloaders import loaders as report_loaders
from backend.reports.types.parts import Department

ReportPriorityEnum = strawberry.enum(
    Priority, name="ReportPriority", description="How fast a report must be handled."
)


@strawberry.type(
    description="A moderator or staff member: their name and the unit they work for (from the "
    "staff directory `users grant` keeps)."
)
class ModerationActor:
    id: strawberry.ID = strawberry.field(description="Opaque user id.")
    display_name: str | None = strawberry.field(description="Their display name, if set.")

    async def _member(self, info: Info) -> StaffMemberDoc | None:
        return await moderation_loaders(info).staff.load(str(self.id))

    @strawberry.field(
        description="`staff`, `moderator` or `admin`; null when not in the staff directory "
        "(an account whose role was taken back, or the system)."
    )
    async def role(self, info: Info) -> str | None:
        member = await self._member(info)
        return member.role if member else None

    @strawberry.field(description="The department they work for (staff); null otherwise.")
    async def department(self, info: Info) -> Department | None:
        member = await self._member(info)
        if member is None or member.department is None:
            return None
        names = await report_loaders(info).departments.load(member.department)
        if names is None:
            return None
        return Department.from_names(member.department, names, info.context.viewer.locale)

    @strawberry.field(
        description="The wards and communes their office covers; empty for a city-wide office "
        "and for moderators."
    )
    async def areas(self, info: Info) -> list[Area]:
        member = await self._member(info)
        if member is None or not member.areas:
            return []
        found = await area_loader(info).load_many(member.areas)
        return [Area.from_doc(doc, info.context.viewer.locale) for doc in found if doc]

    @strawberry.field(
        description="Their unit in words, in the viewer's language, e.g. `UBND phường · Phường "
        "Hoàn Kiếm` or `Kiểm duyệt viên`; null when not in the staff directory."
    )
    async def unit_name(self, info: Info) -> str | None:
        member = await self._member(info)
        if member is None:
            return None
        locale = info.context.viewer.locale
        if member.department is None:
            return ROLE_NAMES.get(member.role, ROLE_NAMES["staff"]).get(locale.value)
        department = await self.department(info)
        name = department.name if department else member.department
        places = [area.name for area in await self.areas(info)]
        return " · ".join([name, ", ".join(places)]) if places else name


ROLE_NAMES = {
    "moderator": {"vi": "Kiểm duyệt viên", "en": "Moderator"},
    "admin": {"vi": "Quản trị viên", "en": "Administrator"},
    "staff": {"vi": "Cán bộ", "en": "Staff"},
}


async def moderation_actor(info: Info, uid: str) -> ModerationActor:
    """A person by uid, with the display name their profile holds."""
    name = await report_loaders(info).display_names.load(uid)
    return ModerationActor(id=strawberry.ID(uid), display_name=name)


async def moderation_actors(info: Info, uids: list[str]) -> list[ModerationActor]:
    """People by uid, their display names read in one batch."""
    names = await report_loaders(info).display_names.load_many(uids)
    return [
        ModerationActor(id=strawberry.ID(uid), display_name=name)
        for uid, name in zip(uids, names, strict=True)
    ]


@strawberry.type(description="A person who can take or watch a report, with their cursor.")
class UnitStaffEdge:
    node: ModerationActor = strawberry.field(description="The person.")
    cursor: str = strawberry.field(description="Opaque position of this person.")
    assignable: bool = strawberry.field(
        description="reportAssign accepts them for this report (staff of its unit); false for "
        "moderators, who watch every report."
    )


@strawberry.type(
    description="The staff of a report's unit (by user id), then the moderators (by user id)."
)
class UnitStaffConnection:
    edges: list[UnitStaffEdge] = strawberry.field(description="This page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging information.")


@strawberry.type(description="A report's content as it was before a moderator edited it.")
class ModerationOriginal:
    description: str = strawberry.field(description="The description before the edit.")
    photos: list[ReportPhoto] = strawberry.field(description="The photos before the edit.")
    edited_by: strawberry.ID = strawberry.field(description="Who edited it.")
    edited_at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_doc(cls, doc: ModerationOriginalDoc) -> ModerationOriginal:
        return cls(
            description=doc.description,
            photos=[ReportPhoto.from_id(pid) for pid in doc.photo_ids],
            edited_by=strawberry.ID(doc.actor),
            edited_at=doc.at,
        )


@strawberry.type(
    description="How to reach a report's reporter: for the staff who handle it, each read "
    "audited. Empty fields are not known (or the account was deleted)."
)
class ReporterContact:
    channel: str = strawberry.field(description="`app`, or `open311` (a partner app).")
    display_name: str | None = strawberry.field(description="The app profile's display name.")
    name: str | None = strawberry.field(description="The name a partner app sent.")
    email: str | None = strawberry.field(description="Email address.")
    phone: str | None = strawberry.field(description="Phone number.")
