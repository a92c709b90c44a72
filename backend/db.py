"""Database access: one AsyncMongoClient per process, transactions, creating indexes."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from backend.errors import BusyError
from backend.settings import Settings

log = logging.getLogger(__name__)

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Client = AsyncMongoClient[Document]
T = TypeVar("T")

# How long a transaction may keep retrying write conflicts. PyMongo's with_transaction retries every
# transient error for 120 s, which held a request two minutes when the database died mid-write;
# a lost connection is never retried here, so this only bounds contention (the soak saw 1.5 s
# run out on a popular report's "me too" counter).
TRANSACTION_SECONDS = 5.0


def open_client(uri: str, settings: Settings) -> Client:
    """Create the process's client; the caller closes it (the app's lifespan does)."""
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        # Requests fail fast while the database is away instead of queueing behind it: finding
        # no server takes half the budget (DB_TIMEOUT_MS), so the answer leaves within it even
        # on a busy process. No timeoutMS: with it set, PyMongo waits that long for a server.
        serverSelectionTimeoutMS=settings.db_timeout_ms // 2,
        connectTimeoutMS=settings.db_timeout_ms,
        # A server that accepted the connection but hangs. 10 s timed out reads under 200
        # concurrent bookingHold calls (tests/bookings/test_holds.py) where timeoutMS=10 s did not.
        socketTimeoutMS=max(settings.db_timeout_ms * 15, 30_000),
        appname="thanglong",
    )


def conflict_backoff(attempt: int) -> float:
    """Full jitter, 5 ms doubling per attempt up to 320 ms."""
    return random.uniform(0, 0.005 * 2 ** min(attempt, 6))  # noqa: S311


async def run_transaction[T](
    db: Database,
    work: Callable[[AsyncClientSession], Awaitable[T]],
    *,
    retry_seconds: float = TRANSACTION_SECONDS,
    backoff: Callable[[int], float] = conflict_backoff,
) -> T:
    """Run `work` in a transaction; retry conflicts for `retry_seconds`, fail fast otherwise.

    Conflicts (TransientTransactionError) run `work` again after `backoff(attempt)` seconds; a
    commit whose outcome is unknown is committed again (the server answers with the first
    outcome). A lost database is never retried here, whatever the label: the request answers
    UNAVAILABLE within its budget and the client retries with its idempotency key. (No
    pymongo.timeout(): with the async driver a deadline hit during server selection broke the
    topology lock and hung later requests.)
    """
    deadline = time.monotonic() + retry_seconds
    attempt = 0
    async with db.client.start_session() as session:
        while True:
            attempt += 1
            await session.start_transaction()
            try:
                result = await work(session)
                await _commit(session, deadline)
                return result
            except BaseException as error:
                if session.in_transaction:
                    await session.abort_transaction()
                conflict = (
                    isinstance(error, PyMongoError)
                    and error.has_error_label("TransientTransactionError")
                    and not isinstance(error, ConnectionFailure)
                )
                if not conflict:
                    raise
                if time.monotonic() >= deadline:
                    raise BusyError from error
            await asyncio.sleep(backoff(attempt))


async def _commit(session: AsyncClientSession, deadline: float) -> None:
    while True:
        try:
            await session.commit_transaction()
            return
        except PyMongoError as error:
            unknown = error.has_error_label("UnknownTransactionCommitResult")
            if unknown and not isinstance(error, ConnectionFailure) and time.monotonic() < deadline:
                continue
            raise


def _with_explicit_geo_version(model: IndexModel) -> IndexModel:
    """A 2dsphere index with its version spelled out (3, MongoDB's default since 3.2).

    SecantusDB records the version on the index and then refuses to re-create it from a
    declaration without one, which would make ensure_indexes fail on its second run.
    """
    document = dict(model.document)
    if "2dsphere" not in document["key"].values() or "2dsphereIndexVersion" in document:
        return model
    keys = list(document.pop("key").items())
    return IndexModel(keys, **document, **{"2dsphereIndexVersion": 3})


async def ensure_indexes(
    db: Database, declared: Mapping[str, Sequence[IndexModel]]
) -> dict[str, list[str]]:
    """Create these indexes (idempotent; backend.domains declares them all); names by collection."""
    created: dict[str, list[str]] = {}
    for collection, models in declared.items():
        models = [_with_explicit_geo_version(model) for model in models]
        created[collection] = await db[collection].create_indexes(models)
    log.info("indexes ensured on %d collections", len(created))
    return created


async def ping(db: Database, within: float) -> bool:
    """True when the database answers within `within` seconds."""
    try:
        await asyncio.wait_for(db.command("ping"), within)
        return True
    except Exception:
        return False


async def batched[T](
    cursor: AsyncCursor[Document], size: int, convert: Callable[[Document], T]
) -> AsyncIterator[list[T]]:
    """A cursor's documents, converted, in lists of `size`: one cursor walks the whole result
    (no re-query per batch, which SecantusDB would make quadratic), closed however the caller
    stops reading."""
    try:
        chunk: list[T] = []
        async for doc in cursor:
            chunk.append(convert(doc))
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
    finally:
        await cursor.close()


async def created_between(
    collection: AsyncCollection[Document], start: datetime, end: datetime
) -> AsyncIterator[Document]:
    """The documents created in [start, end), oldest first, through one cursor on the
    collection's `created_at` index: streamed, never held at once, closed however the caller
    stops reading."""
    cursor = collection.find({"created_at": {"$gte": start, "$lt": end}}).sort(
        [("created_at", 1), ("_id", 1)]
    )
    try:
        async for doc in cursor:
            yield doc
    finally:
        await cursor.close()
