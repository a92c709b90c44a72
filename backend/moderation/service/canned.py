"""Canned answers: ready public notes per category, in Vietnamese and English, kept by admins
(cannedAnswerSet / cannedAnswerDelete, each audited) and read by the staff who answer reports.

Any staff member may read them: they are the city's wording for a kind of problem, not data
about a report or a resident.
"""

from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.auth.models import Viewer
from backend.db import Database, run_transaction
from backend.ids import parse_object_id
from backend.moderation import repository as moderation_repository
from backend.moderation.models import (
    NOTE_MAX,
    AuditAction,
    CannedAnswerDoc,
    ModerationErrorCode,
)
from backend.moderation.service.common import ModerationError, audit
from backend.pagination import InvalidCursorError, Page, decode_cursor, encode_cursor, page_size
from backend.reports import repository as report_repository

TITLE_MAX = 120


def _not_found() -> ModerationError:
    return ModerationError(
        ModerationErrorCode.NOT_FOUND,
        en="No such canned answer",
        vi="Không tìm thấy câu trả lời mẫu này",
        field="id",
    )


def _text(value: str, *, field: str, limit: int) -> str:
    """A trimmed, non-empty text of at most `limit` characters (INVALID_INPUT otherwise)."""
    text = value.strip()
    if not text or len(text) > limit:
        raise ModerationError(
            ModerationErrorCode.INVALID_INPUT,
            en=f"Write 1 to {limit} characters",
            vi=f"Hãy viết từ 1 đến {limit} ký tự",
            field=field,
        )
    return text


async def answers(
    *, db: Database, category_id: str, first: int | None, after: str | None
) -> Page[CannedAnswerDoc]:
    """A category's canned answers, oldest first; the cursor is the last id."""
    size = page_size(first)
    position = None
    if after is not None:
        (last,) = decode_cursor(after, 1)
        position = parse_object_id(last)
        if position is None:
            raise InvalidCursorError
    docs = await moderation_repository.canned_answers(
        db, category_id, after=position, limit=size + 1
    )
    page = docs[:size]
    cursors = [encode_cursor([str(doc.id)]) for doc in page]
    return Page(page, cursors, has_next_page=len(docs) > size)


async def set_answer(
    *,
    db: Database,
    viewer: Viewer,
    answer_id: str | None,
    category_id: str,
    title: dict[str, str],
    text: dict[str, str],
    now: datetime,
) -> CannedAnswerDoc:
    """Create a canned answer (no id) or replace one; both languages required; audited."""
    if await report_repository.get_category(db, category_id) is None:
        raise ModerationError(
            ModerationErrorCode.UNKNOWN_CATEGORY,
            en="No such category",
            vi="Không có lĩnh vực này",
            field="categoryId",
        )
    oid = ObjectId() if answer_id is None else parse_object_id(answer_id)
    if oid is None:
        raise _not_found()
    answer = CannedAnswerDoc(
        id=oid,
        category=category_id,
        title={
            lang: _text(title[lang], field=f"title{lang.title()}", limit=TITLE_MAX)
            for lang in ("vi", "en")
        },
        text={
            lang: _text(text[lang], field=f"text{lang.title()}", limit=NOTE_MAX)
            for lang in ("vi", "en")
        },
        updated_by=str(viewer.uid),
        updated_at=now,
    )

    async def write(session: AsyncClientSession) -> CannedAnswerDoc:
        before = None
        if answer_id is None:
            await moderation_repository.add_canned_answer(db, answer, session=session)
        else:
            before = await moderation_repository.replace_canned_answer(db, answer, session=session)
            if before is None:
                raise _not_found()
        await audit(
            db,
            viewer=viewer,
            action=AuditAction.CANNED_ANSWER_SET,
            object_type="canned_answer",
            object_id=str(answer.id),
            reason=None,
            before=before.audited() if before else None,
            after=answer.audited(),
            now=now,
            session=session,
        )
        return answer

    return await run_transaction(db, write)


async def delete_answer(*, db: Database, viewer: Viewer, answer_id: str, now: datetime) -> str:
    """Delete a canned answer (NOT_FOUND when there is none); audited. Returns its id."""
    oid = parse_object_id(answer_id)
    if oid is None:
        raise _not_found()

    async def write(session: AsyncClientSession) -> str:
        before = await moderation_repository.delete_canned_answer(db, oid, session=session)
        if before is None:
            raise _not_found()
        await audit(
            db,
            viewer=viewer,
            action=AuditAction.CANNED_ANSWER_DELETE,
            object_type="canned_answer",
            object_id=str(oid),
            reason=None,
            before=before.audited(),
            after=None,
            now=now,
            session=session,
        )
        return str(oid)

    return await run_transaction(db, write)
