"""GraphQL output types of canned answers and their mutations' payloads."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.context import Info
from backend.moderation.models import CannedAnswerDoc
from backend.moderation.types.payloads import ModerationError
from backend.pagination import PageInfo


@strawberry.type(
    description="A ready public answer to a category's reports, kept by admins, in Vietnamese "
    "and English."
)
class CannedAnswer:
    doc: strawberry.Private[CannedAnswerDoc]

    @strawberry.field(description="Opaque id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.doc.id))

    @strawberry.field(description="The category it answers (its slug).")
    def category_id(self) -> strawberry.ID:
        return strawberry.ID(self.doc.category)

    @strawberry.field(description="Its short title in the viewer's language.")
    def title(self, info: Info) -> str:
        return self.doc.title[info.context.viewer.locale.value]

    @strawberry.field(description="The answer in the viewer's language.")
    def text(self, info: Info) -> str:
        return self.doc.text[info.context.viewer.locale.value]

    @strawberry.field(description="The title in Vietnamese.")
    def title_vi(self) -> str:
        return self.doc.title["vi"]

    @strawberry.field(description="The title in English.")
    def title_en(self) -> str:
        return self.doc.title["en"]

    @strawberry.field(description="The answer in Vietnamese (the public note residents read).")
    def text_vi(self) -> str:
        return self.doc.text["vi"]

    @strawberry.field(description="The answer in English.")
    def text_en(self) -> str:
        return self.doc.text["en"]

    @strawberry.field(description="When an admin last wrote it.")
    def updated_at(self) -> datetime:
        return self.doc.updated_at


@strawberry.type(description="A canned answer with its cursor.")
class CannedAnswerEdge:
    node: CannedAnswer = strawberry.field(description="The answer.")
    cursor: str = strawberry.field(description="Opaque position of this answer.")


@strawberry.type(description="A category's canned answers, oldest first.")
class CannedAnswerConnection:
    edges: list[CannedAnswerEdge] = strawberry.field(description="This page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")


@strawberry.type(description="The result of cannedAnswerSet.")
class CannedAnswerSetPayload:
    canned_answer: CannedAnswer | None = strawberry.field(
        default=None, description="The answer as it is now."
    )
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="The result of cannedAnswerDelete.")
class CannedAnswerDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the deleted answer."
    )
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )
