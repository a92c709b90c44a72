"""The `users` collection (app-side profile of a Firebase user: locale, display name, ban) and
`consents`, the append-only history of what each user agreed to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.auth.models import ConsentDoc, ConsentKind, Locale, ProfileDoc
from backend.db import Database

COLLECTION = "users"
CONSENTS = "consents"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    COLLECTION: [
        IndexModel([("uid", ASCENDING)], unique=True, name="uid_unique"),
        # The moderator who banned (or unbanned) a user: rewritten to a pseudonym when their
        # account is deleted (`pseudonymise_banned_by`).
        IndexModel([("banned_by", ASCENDING)], name="banned_by", sparse=True),
    ],
    CONSENTS: [
        IndexModel([("uid", ASCENDING), ("kind", ASCENDING), ("at", ASCENDING)], name="uid_kind_at")
    ],
}


async def display_names(db: Database, uids: Sequence[str]) -> dict[str, str]:
    """Display names of these users, for those who set one."""
    docs = (
        await db[COLLECTION]
        .find({"uid": {"$in": list(uids)}}, {"uid": 1, "display_name": 1})
        .to_list(None)
    )
    return {doc["uid"]: doc["display_name"] for doc in docs if doc.get("display_name")}


async def is_banned(db: Database, uid: str) -> bool:
    """True when a moderator banned this user (read by reportCreate)."""
    doc = await db[COLLECTION].find_one({"uid": uid}, {"banned": 1})  # served by uid_unique
    return bool(doc and doc.get("banned"))


async def set_banned(
    db: Database,
    uid: str,
    *,
    banned: bool,
    actor: str,
    reason: str | None,
    now: datetime,
    session: AsyncClientSession,
) -> bool:
    """Ban or unban a user (creating their profile if needed); whether it was banned before."""
    before = await db[COLLECTION].find_one_and_update(
        {"uid": uid},
        {"$set": {"banned": banned, "banned_reason": reason, "banned_by": actor, "banned_at": now}},
        upsert=True,
        return_document=ReturnDocument.BEFORE,
        session=session,
    )
    return bool(before and before.get("banned"))


async def pseudonymise_banned_by(
    db: Database, uid: str, *, pseudonym: str, limit: int, session: AsyncClientSession
) -> int:
    """A deleted staff member's uid on up to `limit` bans they set or lifted becomes their
    pseudonym, in the caller's transaction; how many (0: none left, so a repeated or resumed
    step changes nothing). Found by banned_by, written by id alone (the planner serves no
    mixed filter; the transaction's snapshot keeps them naming `uid` until the write)."""
    found = db[COLLECTION].find({"banned_by": uid}, {"_id": 1}, session=session).limit(limit)
    ids = [doc["_id"] async for doc in found]
    if ids:
        await db[COLLECTION].update_many(
            {"_id": {"$in": ids}}, {"$set": {"banned_by": pseudonym}}, session=session
        )
    return len(ids)


def _profile(doc: Mapping[str, object]) -> ProfileDoc:
    locale = doc.get("locale")
    name = doc.get("display_name")
    return ProfileDoc(
        uid=str(doc["uid"]),
        display_name=name if isinstance(name, str) and name else None,
        # Stored as the app's language (vi/en); anything else reads as not set.
        locale=Locale(locale) if locale in (Locale.VI.value, Locale.EN.value) else None,
    )


async def profiles(db: Database, uids: Sequence[str]) -> list[ProfileDoc]:
    """The profiles of these users that exist (served by uid_unique)."""
    docs = (
        await db[COLLECTION]
        .find({"uid": {"$in": list(uids)}}, {"uid": 1, "display_name": 1, "locale": 1})
        .to_list(None)
    )
    return [_profile(doc) for doc in docs]


async def stored_locale(db: Database, uid: str) -> Locale | None:
    """The language this user chose, None when they never did."""
    doc = await db[COLLECTION].find_one({"uid": uid}, {"uid": 1, "locale": 1})
    return _profile(doc).locale if doc else None


async def set_profile(
    db: Database,
    uid: str,
    *,
    display_name: str | None,
    locale: Locale | None,
    now: datetime,
) -> ProfileDoc:
    """Set the given profile fields (None leaves one as it is), creating the profile if needed."""
    changes: dict[str, object] = {"profile_updated_at": now}
    if display_name is not None:
        changes["display_name"] = display_name
    if locale is not None:
        changes["locale"] = locale.value
    doc = await db[COLLECTION].find_one_and_update(
        {"uid": uid},
        {"$set": changes},
        upsert=True,
        return_document=ReturnDocument.AFTER,
        projection={"uid": 1, "display_name": 1, "locale": 1},
    )
    assert doc is not None  # upserted, so never None
    return _profile(doc)


async def add_consent(db: Database, consent: ConsentDoc) -> None:
    """Append one entry to the consent history (entries are never changed or removed here)."""
    await db[CONSENTS].insert_one(
        {
            "uid": consent.uid,
            "kind": consent.kind.value,
            "granted": consent.granted,
            "version": consent.version,
            "at": consent.at,
        }
    )


async def consent_history(db: Database, uids: Sequence[str]) -> list[ConsentDoc]:
    """Every consent entry of these users, newest first per kind (served by uid_kind_at; _id
    orders entries written in the same millisecond)."""
    docs = (
        await db[CONSENTS]
        .find({"uid": {"$in": list(uids)}})
        .sort([("uid", DESCENDING), ("kind", DESCENDING), ("at", DESCENDING), ("_id", DESCENDING)])
        .to_list(None)
    )
    return [
        ConsentDoc(
            uid=doc["uid"],
            kind=ConsentKind(doc["kind"]),
            granted=bool(doc["granted"]),
            version=doc.get("version"),
            at=doc["at"],
        )
        for doc in docs
    ]


# --- account deletion and data export (backend.auth.service.deletion / export) ----------------


async def delete_consents(db: Database, uid: str) -> int:
    """Forget a deleted user's consent history (served by uid_kind_at)."""
    return int((await db[CONSENTS].delete_many({"uid": uid})).deleted_count)


async def delete_profile(db: Database, uid: str) -> int:
    """Remove a deleted user's profile, ban record included (served by uid_unique)."""
    return int((await db[COLLECTION].delete_many({"uid": uid})).deleted_count)


async def profile_document(db: Database, uid: str) -> dict[str, object] | None:
    """Everything the profile holds about a user, for their data export."""
    return await db[COLLECTION].find_one({"uid": uid}, {"_id": 0})
