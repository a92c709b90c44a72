"""The GraphQL Report type; privacy rules are applied here from the service's predicates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.areas.dataloaders import area_loader
from backend.areas.types import Area
from backend.context import Info
from backend.geopoint import GeoPoint
from backend.media.types import ReportPhoto
from backend.moderation.dataloaders import loaders as moderation_loaders
from backend.moderation.models import Priority, allowed_transitions
from backend.moderation.permissions import may_act_on
from backend.pagination import Connection, Edge, PageInfo
from backend.reports import permissions as report_permissions
from backend.reports.dataloaders import loaders
from backend.reports.models import OPEN_STATES, CategoryDoc, ReportDoc
from backend.reports.service import duplicates as duplicate_service
from backend.reports.types.parts import (
    Department,
    ReportCategory,
    ReportRating,
    ReportReporter,
    ReportStatusEnum,
    ReportTimelineEvent,
)

if TYPE_CHECKING:
    from backend.moderation.types.report_fields import (
        ModerationActor,
        ModerationOriginal,
        ReporterContact,
        ReportPriorityEnum,
    )

# The moderation fields' types build on no Report; strawberry.lazy reads them at schema build.
_MODERATION = "backend.moderation.types.report_fields"


@strawberry.type(description="A problem a resident reported.")
class Report:
    doc: strawberry.Private[ReportDoc]

    @classmethod
    def from_doc(cls, doc: ReportDoc) -> Report:
        return cls(doc=doc)

    async def _category(self, info: Info) -> CategoryDoc | None:
        return await loaders(info).categories.load(self.doc.category)

    @strawberry.field(description="Opaque id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.doc.id))

    @strawberry.field(description="Current status.")
    def status(self) -> ReportStatusEnum:  # type: ignore[valid-type]
        return self.doc.status

    @strawberry.field(description="The category (null only if it was withdrawn since).")
    async def category(self, info: Info) -> ReportCategory | None:
        found = await self._category(info)
        return ReportCategory.from_doc(found, info) if found else None

    @strawberry.field(
        description="The department the report is routed to (by its category, or by triage). "
        "Public, as on FixMyStreet: residents see who is responsible; null only if the "
        "department was withdrawn from the catalogue since."
    )
    async def department(self, info: Info) -> Department | None:
        names = await loaders(info).departments.load(self.doc.department)
        if names is None:
            return None
        return Department.from_names(self.doc.department, names, info.context.viewer.locale)

    @strawberry.field(description="What the reporter wrote.")
    def description(self) -> str:
        return self.doc.description

    @strawberry.field(
        description="Where: exact for public categories; for private ones rounded to about "
        "100 m (3 decimals) unless the viewer is the reporter, a moderator or staff of the "
        "report's unit."
    )
    async def location(self, info: Info) -> GeoPoint:
        doc = self.doc
        if report_permissions.may_see_exact_location(
            info.context.viewer, doc, await self._category(info)
        ):
            return GeoPoint(lat=doc.lat, lng=doc.lng)
        return GeoPoint(
            lat=report_permissions.coarse(doc.lat), lng=report_permissions.coarse(doc.lng)
        )

    @strawberry.field(description="True when `location` is rounded for privacy.")
    async def location_is_approximate(self, info: Info) -> bool:
        viewer = info.context.viewer
        return not report_permissions.may_see_exact_location(
            viewer, self.doc, await self._category(info)
        )

    @strawberry.field(
        description="The address the reporter gave; null for private categories except for the "
        "reporter, moderators and the staff of the report's unit."
    )
    async def address(self, info: Info) -> str | None:
        viewer = info.context.viewer
        if report_permissions.may_see_exact_location(viewer, self.doc, await self._category(info)):
            return self.doc.address
        return None

    @strawberry.field(
        description="The ward or commune the report is in (null for reports filed before 1 July "
        "2025 under a district that no longer exists, until they are migrated)."
    )
    async def area(self, info: Info) -> Area | None:
        found = await area_loader(info).load(self.doc.area)
        return Area.from_doc(found, info.context.viewer.locale) if found else None

    @strawberry.field(description="Photos, in the reporter's order.")
    def photos(self) -> list[ReportPhoto]:
        return [ReportPhoto.from_id(pid) for pid in self.doc.photo_ids]

    @strawberry.field(description="When it was reported.")
    def created_at(self) -> datetime:
        return self.doc.created_at

    @strawberry.field(description="When it last changed.")
    def updated_at(self) -> datetime:
        return self.doc.updated_at

    @strawberry.field(
        description="The current deadline, counted in working hours (Mon-Fri 08:00-17:00 Hanoi "
        "time, Vietnamese public holidays skipped): acknowledgement while SUBMITTED or "
        "REOPENED, resolution afterwards; null once closed."
    )
    def sla_due_at(self) -> datetime | None:
        return self.doc.sla_due_at if self.doc.status in OPEN_STATES else None

    @strawberry.field(description='How many residents said "me too".')
    def me_too_count(self) -> int:
        return self.doc.me_too_count

    @strawberry.field(description="How many users follow it (the reporter included).")
    def follower_count(self) -> int:
        return self.doc.follower_count

    @strawberry.field(description="The viewer follows it (false when signed out).")
    async def viewer_is_following(self, info: Info) -> bool:
        loader = loaders(info).following
        return await loader.load(self.doc.id) if loader else False

    @strawberry.field(description='The viewer said "me too" (false when signed out).')
    async def viewer_has_me_too(self, info: Info) -> bool:
        loader = loaders(info).me_too
        return await loader.load(self.doc.id) if loader else False

    @strawberry.field(description="The viewer reported it (even anonymously).")
    def viewer_is_reporter(self, info: Info) -> bool:
        return report_permissions.is_reporter(info.context.viewer, self.doc)

    @strawberry.field(
        description="Who reported it: shown only to the reporter, moderators and the staff of the "
        "report's unit (anonymous "
        "reports hide it from everyone else); null otherwise."
    )
    async def reporter(self, info: Info) -> ReportReporter | None:
        if not report_permissions.may_see_reporter(info.context.viewer, self.doc):
            return None
        name = await loaders(info).display_names.load(self.doc.reporter)
        return ReportReporter(id=strawberry.ID(self.doc.reporter), display_name=name)

    @strawberry.field(description="Public timeline, oldest first.")
    async def timeline(self, info: Info) -> list[ReportTimelineEvent]:
        events = await loaders(info).timeline.load(self.doc.id)
        return [ReportTimelineEvent.from_doc(event) for event in events]

    @strawberry.field(description="How fast it must be handled (URGENT: within 4 working hours).")
    def priority(self) -> Annotated[ReportPriorityEnum, strawberry.lazy(_MODERATION)]:  # type: ignore[valid-type]
        return Priority(self.doc.priority)

    @strawberry.field(description="Deadline to acknowledge it (working hours from submission).")
    def ack_due_at(self) -> datetime | None:
        return self.doc.ack_due_at

    @strawberry.field(description="Deadline to resolve it (working hours from submission).")
    def resolve_due_at(self) -> datetime | None:
        return self.doc.resolve_due_at

    @strawberry.field(description="The report this one duplicates (status DUPLICATE).")
    def duplicate_of(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.doc.duplicate_of)) if self.doc.duplicate_of else None

    @strawberry.field(
        description="Open reports of the same category within its duplicate radius (as "
        "suggested to a resident filing one), counted up to 10: moderators and the staff of "
        "the report's unit only; null for everyone else."
    )
    async def suspected_duplicate_count(self, info: Info) -> int | None:
        if not may_act_on(info.context.viewer, self.doc):
            return None
        return await duplicate_service.suspected_duplicate_count(
            db=info.context.db, report=self.doc, category=await self._category(info)
        )

    @strawberry.field(
        description="The reports merged into this one (reportMerge), oldest first; hidden ones "
        "only for those who may see them, so a page may hold fewer than `first`."
    )
    async def merged_duplicates(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Report]:
        page = await duplicate_service.merged_duplicates(
            db=info.context.db, report_id=self.doc.id, first=first, after=after
        )
        viewer = info.context.viewer
        edges = [
            Edge(node=Report.from_doc(doc), cursor=cursor)
            for doc, cursor in zip(page.items, page.cursors, strict=True)
            if report_permissions.may_see_report(viewer, doc)
        ]
        # The page's own end, even past a hidden report left out: the next page goes on from it.
        info_ = PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor)
        return Connection(edges=edges, page_info=info_)

    @strawberry.field(description="Hidden from public lists by a moderator (abuse, spam).")
    def hidden(self) -> bool:
        return self.doc.hidden

    def _moderates(self, info: Info) -> bool:
        return may_act_on(info.context.viewer, self.doc)

    @strawberry.field(
        description="Internal notes and edits, oldest first: moderators and the department's "
        "staff only; null for everyone else."
    )
    async def internal_timeline(self, info: Info) -> list[ReportTimelineEvent] | None:
        if not self._moderates(info):
            return None
        events = await moderation_loaders(info).internal_timeline.load(self.doc.id)
        return [ReportTimelineEvent.from_doc(event) for event in events]

    @strawberry.field(
        description="The statuses reportSetStatus accepts from the current one (the state "
        "machine; a lock held by someone else or a missing note can still refuse): moderators "
        "and the department's staff only; null for everyone else."
    )
    def allowed_transitions(self, info: Info) -> list[ReportStatusEnum] | None:  # type: ignore[valid-type]
        if not self._moderates(info):
            return None
        return allowed_transitions(self.doc.status)

    @strawberry.field(
        description="Who holds the moderation lock (moderators and the staff of the report's "
        "unit only; null when free or expired)."
    )
    async def locked_by(
        self, info: Info
    ) -> Annotated[ModerationActor, strawberry.lazy(_MODERATION)] | None:
        # The moderation.types package builds on Report: imported when first needed.
        from backend.moderation.types.report_fields import moderation_actor

        until = self.doc.locked_until
        if not self._moderates(info) or self.doc.locked_by is None or until is None:
            return None
        if until <= datetime.now(until.tzinfo):
            return None
        return await moderation_actor(info, self.doc.locked_by)

    @strawberry.field(
        description="The staff member it is assigned to (reportAssign): moderators and the "
        "staff of its unit only; null when nobody is, or for everyone else."
    )
    async def assignee(
        self, info: Info
    ) -> Annotated[ModerationActor, strawberry.lazy(_MODERATION)] | None:
        from backend.moderation.types.report_fields import moderation_actor

        if self.doc.assignee is None or not self._moderates(info):
            return None
        return await moderation_actor(info, self.doc.assignee)

    @strawberry.field(
        description="When it was assigned (moderators and the staff of its unit; else null)."
    )
    def assigned_at(self, info: Info) -> datetime | None:
        if self.doc.assignee is None or not self._moderates(info):
            return None
        return self.doc.assigned_at

    @strawberry.field(
        description="Until when the moderation lock holds (moderators and the staff of the "
        "report's unit only)."
    )
    def locked_until(self, info: Info) -> datetime | None:
        until = self.doc.locked_until
        if not self._moderates(info) or until is None:
            return None
        return until if until > datetime.now(until.tzinfo) else None

    @strawberry.field(
        description="The content before each moderator edit, oldest first (moderators and the "
        "department's staff only; null otherwise)."
    )
    async def moderation_originals(
        self, info: Info
    ) -> list[Annotated[ModerationOriginal, strawberry.lazy(_MODERATION)]] | None:
        if not self._moderates(info):
            return None
        # The moderation.types package builds on Report: imported when first needed.
        from backend.moderation.types.report_fields import ModerationOriginal

        docs = await moderation_loaders(info).originals.load(self.doc.id)
        return [ModerationOriginal.from_doc(doc) for doc in docs]

    @strawberry.field(
        description="How to reach the reporter (email, phone): moderators and the staff of the "
        "report's unit only, and every read is written to the audit log; null otherwise."
    )
    async def reporter_contact(
        self, info: Info
    ) -> Annotated[ReporterContact, strawberry.lazy(_MODERATION)] | None:
        if not self._moderates(info):
            return None
        # The moderation.types package builds on Report: imported when first needed.
        from backend.moderation.service.contact import reporter_contact
        from backend.moderation.types.report_fields import ReporterContact

        settings = info.context.settings
        found = await reporter_contact(
            db=info.context.db,
            firebase_app=info.context.firebase_app,
            accounts=bool(
                settings.production
                or settings.firebase_auth_emulator_host
                or settings.firebase_credentials_file
            ),
            viewer=info.context.viewer,
            report=self.doc,
            now=datetime.now(UTC),
        )
        if found is None:
            return None
        return ReporterContact(
            channel=found.channel,
            display_name=found.display_name,
            name=found.name,
            email=found.email,
            phone=found.phone,
        )

    @strawberry.field(
        description="How many residents' flags on it are open (contentFlag, until a moderator "
        "resolves them with contentFlagsResolve): moderators and the department's staff only; "
        "null otherwise."
    )
    async def flag_count(self, info: Info) -> int | None:
        if not self._moderates(info):
            return None
        return await moderation_loaders(info).flag_counts.load(self.doc.id)

    @strawberry.field(
        description="The reporter's rating (shown to the reporter, moderators and the staff of "
        "the report's unit)."
    )
    def rating(self, info: Info) -> ReportRating | None:
        rating = self.doc.rating
        if rating is None or not report_permissions.may_see_reporter(info.context.viewer, self.doc):
            return None
        return ReportRating(stars=rating.stars, comment=rating.comment, created_at=rating.at)


@strawberry.type(description="A report with its distance from the searched point.")
class ReportNearbyEdge:
    node: Report = strawberry.field(description="The report.")
    cursor: str = strawberry.field(description="Opaque position of this item.")
    distance_meters: float = strawberry.field(
        description="Distance from `near` (rounded to 100 m for private categories)."
    )


@strawberry.type(description="Reports nearest first.")
class ReportNearbyConnection:
    edges: list[ReportNearbyEdge] = strawberry.field(description="This page, nearest first.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
