"""Moderators correct or cancel an automatic air quality alert; every change is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import audit
from backend.air.models import ORIGIN_KIND, AuditAction
from backend.audit import AuditEntryDoc
from backend.auth.models import Viewer
from backend.db import Database, run_transaction
from backend.errors import DomainError
from backend.ids import parse_object_id
from backend.notifications import repository as notification_repository
from backend.notifications import service as notification_service

MAX_REASON = 500


def _texts(
    value: dict[str, str] | None, current: dict[str, str], field: str, limit: int
) -> dict[str, str]:
    """A replaced text must stay bilingual; None keeps the current one."""
    if value is None:
        return current
    return notification_service.alert_texts(value, field=field, limit=limit, both=True)


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise DomainError(
            "INVALID_INPUT",
            en=f"Give a reason (at most {MAX_REASON} characters)",
            vi=f"Hãy nêu lý do (tối đa {MAX_REASON} ký tự)",
            field="reason",
        )
    return reason


async def _automatic(db: Database, alert_id: str) -> dict[str, Any]:
    oid = parse_object_id(alert_id)
    doc = await notification_repository.origin_alert(db, oid, kind=ORIGIN_KIND) if oid else None
    if doc is None:
        raise DomainError(
            "NOT_FOUND",
            en="No automatic air quality alert with this id",
            vi="Không có cảnh báo chất lượng không khí tự động nào với mã này",
            field="id",
        )
    return doc


async def _revise(
    db: Database,
    *,
    viewer: Viewer,
    doc: dict[str, Any],
    action: AuditAction,
    changes: dict[str, Any],
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str,
    now: datetime,
) -> dict[str, Any]:
    expected = doc.get("revised_at") or doc["created_at"]

    async def work(session: AsyncClientSession) -> dict[str, Any] | None:
        revised = await notification_repository.revise_alert(
            db, doc["_id"], changes={**changes, "revised_at": now}, expected=expected,
            session=session,
        )  # fmt: skip
        if revised is None:
            return None
        entry = AuditEntryDoc(
            id=ObjectId(),
            actor=str(viewer.uid),
            action=action.value,
            object_type="alert",
            object_id=str(doc["_id"]),
            reason=reason,
            before=before,
            after=after,
            at=now,
        )
        await audit.record(db, entry, session=session)
        return revised

    revised = await run_transaction(db, work)
    if revised is None:
        raise DomainError(
            "CHANGED",
            en="The alert changed meanwhile; reload it",
            vi="Cảnh báo vừa thay đổi trong lúc này; hãy tải lại",
        )
    return revised


async def edit_alert(
    db: Database,
    *,
    viewer: Viewer,
    alert_id: str,
    title: dict[str, str] | None,
    body: dict[str, str] | None,
    reason: str,
    now: datetime,
) -> dict[str, Any]:
    """A moderator rewrites an automatic alert's text (shown in the app; not pushed again)."""
    reason = _reason(reason)
    doc = await _automatic(db, alert_id)
    new_title = _texts(title, doc["title"], "title", 120)
    new_body = _texts(body, doc["body"], "body", 1000)
    return await _revise(
        db,
        viewer=viewer,
        doc=doc,
        action=AuditAction.EDIT,
        changes={"title": new_title, "body": new_body, "edited_at": now, "edited_by": viewer.uid},
        before={"title": doc["title"], "body": doc["body"]},
        after={"title": new_title, "body": new_body},
        reason=reason,
        now=now,
    )


async def cancel_alert(
    db: Database, *, viewer: Viewer, alert_id: str, reason: str, now: datetime
) -> dict[str, Any]:
    """A moderator ends an automatic alert now; it is not extended nor re-sent this episode."""
    reason = _reason(reason)
    doc = await _automatic(db, alert_id)
    if "cancelled_at" in doc:
        return doc
    return await _revise(
        db,
        viewer=viewer,
        doc=doc,
        action=AuditAction.CANCEL,
        changes={
            "cancelled_at": now,
            "cancelled_by": viewer.uid,
            "expires_at": min(doc["expires_at"], now),
        },
        before={"expires_at": doc["expires_at"].isoformat()},
        after={"expires_at": min(doc["expires_at"], now).isoformat(), "cancelled": True},
        reason=reason,
        now=now,
    )
