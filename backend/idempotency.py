"""Idempotency keys: the same key and input returns the first result; other input is an error.

A key document `{uid, key, scope, fingerprint, result_id, created_at}` is inserted in the same
transaction as the result it names, so a key never points at nothing. The unique (uid, key) index
decides races between two retries; a TTL index forgets keys after 24 hours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database
from backend.errors import DomainError

COLLECTION = "idempotency_keys"
TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 128
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    COLLECTION: [
        IndexModel([("uid", ASCENDING), ("key", ASCENDING)], unique=True, name="uid_key_unique"),
        IndexModel([("created_at", ASCENDING)], expireAfterSeconds=TTL_SECONDS, name="ttl"),
    ],
}


class IdempotencyKeyReusedError(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "IDEMPOTENCY_KEY_REUSED",
            en="This idempotency key was used with different input; use a new key",
            vi="Khóa idempotency này đã được dùng với dữ liệu khác; hãy dùng khóa mới",
            field="idempotencyKey",
        )


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= MAX_KEY_LENGTH and key.isprintable()


def invalid_key_error() -> DomainError:
    """The error for a key that `valid_key` refuses (INVALID_INPUT on idempotencyKey)."""
    return DomainError(
        "INVALID_INPUT",
        en=f"1 to {MAX_KEY_LENGTH} printable characters",
        vi=f"Từ 1 đến {MAX_KEY_LENGTH} ký tự in được",
        field="idempotencyKey",
    )


def fingerprint(scope: str, payload: Mapping[str, Any]) -> str:
    """A stable hash of the operation and its (already typed and normalised) input."""
    body = orjson.dumps({"scope": scope, "input": payload}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).hexdigest()


async def find_result(db: Database, *, uid: str, key: str, fingerprint: str) -> Any | None:
    """The result id recorded for this key (None if new); other input with it raises."""
    found = await db[COLLECTION].find_one({"uid": uid, "key": key})
    if found is None:
        return None
    if found["fingerprint"] != fingerprint:
        raise IdempotencyKeyReusedError
    return found["result_id"]


async def record(
    db: Database,
    *,
    uid: str,
    key: str,
    scope: str,
    fingerprint: str,
    result_id: Any,
    now: datetime,
    session: AsyncClientSession,
) -> None:
    """Record the key inside the caller's transaction (DuplicateKeyError when a retry won)."""
    await db[COLLECTION].insert_one(
        {
            "uid": uid,
            "key": key,
            "scope": scope,
            "fingerprint": fingerprint,
            "result_id": result_id,
            "created_at": now,
        },
        session=session,
    )


async def delete_user_keys(db: Database, uid: str) -> int:
    """Forget a deleted user's keys before their TTL (served by uid_key_unique)."""
    return int((await db[COLLECTION].delete_many({"uid": uid})).deleted_count)
