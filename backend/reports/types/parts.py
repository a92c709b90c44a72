"""GraphQL output types of a report's parts: its category, department, timeline, rating, errors."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.context import Info
from backend.errors import UserError
from backend.i18n import Locale
from backend.media.types import ReportPhoto
from backend.reports.models import (
    CategoryDoc,
    EventKind,
    ReportErrorCode,
    ReportEventDoc,
    ReportStatus,
)

ReportStatusEnum = strawberry.enum(
    ReportStatus,
    name="ReportStatus",
    description="Where a report is in its life: open (SUBMITTED, ACKNOWLEDGED, IN_PROGRESS, "
    "REOPENED) or closed (RESOLVED, REJECTED, DUPLICATE).",
)
ReportEventKindEnum = strawberry.enum(
    EventKind, name="ReportEventKind", description="What happened to a report."
)
ReportErrorCodeEnum = strawberry.enum(
    ReportErrorCode, name="ReportErrorCode", description="Why a report mutation did not happen."
)


@strawberry.type(description="A kind of problem residents can report, and who handles it.")
class ReportCategory:
    id: strawberry.ID = strawberry.field(description="Stable slug, e.g. `pothole`.")
    name: str = strawberry.field(description="Name in the viewer's language.")
    department: str = strawberry.field(description="Slug of the department that handles it.")
    acknowledge_hours: int = strawberry.field(
        description="Working hours (Mon-Fri 08:00-17:00) within which a report is acknowledged."
    )
    resolve_hours: int = strawberry.field(
        description="Working hours within which a report should be resolved."
    )
    duplicate_radius_meters: float = strawberry.field(
        description="Open reports of this category this close are suggested as duplicates."
    )
    private: bool = strawberry.field(
        description="Reports show other residents only an approximate place and no address."
    )
    urgent: bool = strawberry.field(description="Handled as urgent (hazards).")

    @classmethod
    def from_doc(cls, doc: CategoryDoc, info: Info) -> ReportCategory:
        return cls(
            id=strawberry.ID(doc.id),
            name=doc.localized_name(info.context.viewer.locale),
            department=doc.department,
            acknowledge_hours=doc.acknowledge_hours,
            resolve_hours=doc.resolve_hours,
            duplicate_radius_meters=doc.duplicate_radius_m,
            private=doc.private,
            urgent=doc.urgent,
        )


@strawberry.type(description="A city department or People's Committee that handles reports.")
class Department:
    id: strawberry.ID = strawberry.field(description="Stable slug, e.g. `so-xay-dung`.")
    name: str = strawberry.field(description="Name in the viewer's language.")

    @classmethod
    def from_names(cls, slug: str, names: dict[str, str], locale: Locale) -> Department:
        return cls(id=strawberry.ID(slug), name=names.get(locale.value) or names.get("vi") or slug)


@strawberry.type(description="Who reported a problem (shown only to them and to city staff).")
class ReportReporter:
    id: strawberry.ID = strawberry.field(description="Opaque id of the reporter.")
    display_name: str | None = strawberry.field(description="Their display name, if they set one.")


@strawberry.type(description="A public entry of a report's timeline.")
class ReportTimelineEvent:
    kind: ReportEventKindEnum = strawberry.field(description="What happened.")  # type: ignore[valid-type]
    at: datetime = strawberry.field(description="When.")
    status: ReportStatusEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="The status the report moved to, if it changed."
    )
    note: str | None = strawberry.field(description="The public note (answer, reopen reason).")
    photos: list[ReportPhoto] = strawberry.field(description="Photos attached to this entry.")

    @classmethod
    def from_doc(cls, doc: ReportEventDoc) -> ReportTimelineEvent:
        return cls(
            kind=doc.kind,
            at=doc.at,
            status=doc.status,
            note=doc.note,
            photos=[ReportPhoto.from_id(pid) for pid in doc.photo_ids],
        )


@strawberry.type(description="The reporter's rating of how their report was handled.")
class ReportRating:
    stars: int = strawberry.field(description="1 to 5.")
    comment: str | None = strawberry.field(description="Optional comment.")
    created_at: datetime = strawberry.field(description="When it was given.")


@strawberry.type(description="A problem with a report mutation.")
class ReportError(UserError):
    code: ReportErrorCodeEnum = strawberry.field(description="What went wrong.")  # type: ignore[valid-type]
    retry_after_seconds: int | None = strawberry.field(
        default=None, description="For RATE_LIMITED: seconds until another try may succeed."
    )
