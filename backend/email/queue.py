"""Queue an email in the outbox, inside the caller's transaction (one writer: backend.outbox)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from backend import outbox
from backend.db import Database


async def enqueue(
    db: Database,
    *,
    kind: str,
    to: str,
    data: Mapping[str, Any],
    now: datetime,
    session: AsyncClientSession,
) -> None:
    """One email to `to`, sent by the worker (nothing when there is no address)."""
    if to:
        await outbox.enqueue(
            db, [outbox.email(kind=kind, to=to, data=data, now=now)], session=session
        )
