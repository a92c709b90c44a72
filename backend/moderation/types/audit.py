"""GraphQL output types of the audit log."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from backend.audit import AuditEntryDoc
from backend.context import Info
from backend.moderation.types.report_fields import ModerationActor, moderation_actor
from backend.pagination import PageInfo


@strawberry.type(description="One moderator or staff action (append-only).")
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    actor: strawberry.ID = strawberry.field(description="Who acted.")
    action: str = strawberry.field(description="What they did, e.g. `report.set_status`.")
    object_type: str = strawberry.field(description="`report` or `user`.")
    object_id: strawberry.ID = strawberry.field(description="The object acted on.")
    reason: str | None = strawberry.field(description="The reason or note given.")
    before: str | None = strawberry.field(description="Values before, as a JSON object.")
    after: str | None = strawberry.field(description="Values after, as a JSON object.")
    at: datetime = strawberry.field(description="When.")

    @strawberry.field(
        description="Who acted, with their name and unit (`actor` keeps the bare id for older "
        "clients)."
    )
    async def actor_details(self, info: Info) -> ModerationActor:
        return await moderation_actor(info, str(self.actor))

    @classmethod
    def from_doc(cls, doc: AuditEntryDoc) -> AuditEntry:
        def dump(value: object) -> str | None:
            return json.dumps(value, default=str, ensure_ascii=False) if value is not None else None

        return cls(
            id=strawberry.ID(str(doc.id)),
            actor=strawberry.ID(doc.actor),
            action=doc.action,
            object_type=doc.object_type,
            object_id=strawberry.ID(doc.object_id),
            reason=doc.reason,
            before=dump(doc.before),
            after=dump(doc.after),
            at=doc.at,
        )


@strawberry.type(description="An audit entry with its cursor.")
class AuditEntryEdge:
    node: AuditEntry = strawberry.field(description="The entry.")
    cursor: str = strawberry.field(description="Opaque position of this entry.")


@strawberry.type(description="Audit entries, newest first.")
class AuditEntryConnection:
    edges: list[AuditEntryEdge] = strawberry.field(description="This page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
