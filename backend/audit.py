"""The audit log: one append-only entry for every moderator, staff or system action.

The only module that names the `audit_log` collection (FixMyStreet's AdminLog): every domain
records through `record`, and the moderators' audit trail reads through `entries`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database

COLLECTION = "audit_log"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # auditLog(objectId): newest first, _id is the cursor. Append-only: nothing updates it but
    # `pseudonymise`, when the person an entry names deletes their account, and
    # `backfill_people`, once per entry still without `people` (see there).
    COLLECTION: [
        IndexModel([("object_id", ASCENDING), ("_id", ASCENDING)], name="object_id"),
        # An actor's entries: rewritten to a pseudonym when the account is deleted.
        IndexModel([("actor", ASCENDING), ("_id", ASCENDING)], name="actor"),
        # The people an entry's before/after values name (PERSON_FIELDS), likewise.
        IndexModel([("people", ASCENDING)], name="people", sparse=True),
        # Entries without `people` (written before it): the null key, for `backfill_people`.
        IndexModel([("people", ASCENDING), ("_id", ASCENDING)], name="people_id"),
    ],
}
# Before/after values under these keys are uids (an assignee, a lock's holder): kept in the
# entry's `people` too, so that an account's deletion finds them from an index.
PERSON_FIELDS = frozenset({"assignee", "locked_by"})
BACKFILL_BATCH = 1_000  # entries read per batch, and written per bulk write


def _people(*values: dict[str, Any] | None) -> list[str]:
    found = (value.get(key) for value in values if value for key in PERSON_FIELDS)
    return sorted({person for person in found if isinstance(person, str) and person})


@dataclass(frozen=True, kw_only=True)
class AuditEntryDoc:
    """One append-only audit_log entry (FixMyStreet AdminLog) with before/after values."""

    id: ObjectId
    actor: str
    action: str
    object_type: str
    object_id: str
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> AuditEntryDoc:
        return cls(
            id=doc["_id"],
            actor=doc["actor"],
            action=doc["action"],
            object_type=doc["object_type"],
            object_id=doc["object_id"],
            reason=doc.get("reason"),
            before=doc.get("before"),
            after=doc.get("after"),
            at=doc["at"],
        )

    def to_mongo(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "_id": self.id,
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "reason": self.reason,
            "before": self.before,
            "after": self.after,
            "at": self.at,
        }
        people = _people(self.before, self.after)
        if people:
            doc["people"] = people
        return doc

    @classmethod
    def new(
        cls,
        *,
        actor: str,
        action: str,
        object_type: str,
        object_id: str,
        at: datetime,
        reason: str | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> AuditEntryDoc:
        """An entry with a fresh id."""
        return cls(
            id=ObjectId(),
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            reason=reason,
            before=before,
            after=after,
            at=at,
        )


async def record(
    db: Database, entry: AuditEntryDoc, *, session: AsyncClientSession | None = None
) -> None:
    """Append an entry (in the caller's transaction when it gives one); never updated."""
    await db[COLLECTION].insert_one(entry.to_mongo(), session=session)


async def entries(
    db: Database, *, object_id: str, before: ObjectId | None, limit: int
) -> list[AuditEntryDoc]:
    """An object's entries, newest first, before an `_id` cursor (served by object_id)."""
    query: dict[str, Any] = {"object_id": object_id}
    if before is not None:
        query["_id"] = {"$lt": before}
    docs = await db[COLLECTION].find(query).sort("_id", DESCENDING).limit(limit).to_list(None)
    return [AuditEntryDoc.from_mongo(doc) for doc in docs]


async def pseudonymise(db: Database, uid: str, *, pseudonym: str) -> int:
    """Rewrite a deleted user's uid, as actor or object, to their pseudonym: the trail keeps
    what was done and that one person did it, not who (served by actor and object_id)."""
    changed = 0
    for field in ("actor", "object_id"):
        result = await db[COLLECTION].update_many({field: uid}, {"$set": {field: pseudonym}})
        changed += result.modified_count
    # Before/after values that name them (served by people; each entry read once, then it no
    # longer matches).
    async for doc in db[COLLECTION].find({"people": uid}, {"before": 1, "after": 1, "people": 1}):
        changes: dict[str, Any] = {
            "people": sorted({pseudonym if p == uid else p for p in doc["people"]})
        }
        for side in ("before", "after"):
            for key, value in (doc.get(side) or {}).items():
                if key in PERSON_FIELDS and value == uid:
                    changes[f"{side}.{key}"] = pseudonym
        await db[COLLECTION].update_one({"_id": doc["_id"]}, {"$set": changes})
        changed += 1
    return changed


async def backfill_people(db: Database, *, batch: int = BACKFILL_BATCH) -> int:
    """Give entries written before `people` existed theirs, from their before/after values
    (what `migrate` runs); how many entries turned out to name someone. Idempotent: it selects
    the entries still without `people` (served by people_id, where a missing field is the null
    key) and gives each a list, empty when it names nobody, so a second run reads nothing. (New
    entries that name nobody are written without `people`: each run marks those recorded since
    the last one, once.)"""
    named = 0
    while True:
        cursor = db[COLLECTION].find({"people": None}, {"before": 1, "after": 1}).limit(batch)
        docs = await cursor.to_list(None)
        if not docs:
            return named
        writes = []
        for doc in docs:
            people = _people(doc.get("before"), doc.get("after"))
            named += bool(people)
            # By id alone (the planner serves no mixed filter): entries are append-only.
            writes.append(UpdateOne({"_id": doc["_id"]}, {"$set": {"people": people}}))
        await db[COLLECTION].bulk_write(writes, ordered=False)
        if len(docs) < batch:
            return named
