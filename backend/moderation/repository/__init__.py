"""Collections report_originals (a report's content as it was before a moderator edit) and
staff_members (the staff directory: who works for which unit) and canned_answers (ready answers
per category, kept by admins); residents' flags (content_flags, content_flag_targets) are the
`flags` module's, re-exported here. Import as
`from backend.moderation import repository as moderation_repository`.

FixMyStreet's ModerationOriginalData. Moderation owns no other collection: reports, timelines and
the queue's indexes are backend.reports.repository's, the audit log backend/audit.py's, bans
backend.auth.repository's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database
from backend.moderation.models import (
    CannedAnswerDoc,
    ModerationOriginalDoc,
    StaffMemberDoc,
    unit_keys,
)
from backend.moderation.repository import flags as _flags
from backend.moderation.repository.flags import (
    FLAG_TARGETS,
    FLAG_TTL,
    FLAGS,
    OBSOLETE_FLAG_INDEX,
    add_flag,
    count_legacy_flags,
    delete_flags_of,
    drop_obsolete_flag_index,
    flag_of,
    flagged_for_personal_data,
    flagger_batches,
    flags,
    legacy_flag_batches,
    open_flag_counts,
    resolve_flags,
)

ORIGINALS = "report_originals"
STAFF = "staff_members"
CANNED = "canned_answers"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    ORIGINALS: [
        IndexModel([("report", ASCENDING), ("at", ASCENDING)], name="report_at"),
        # The retention purge keeps the photos an original names.
        IndexModel([("photo_ids", ASCENDING)], name="photo_ids"),
        # The moderator who edited: a pseudonym once their account is deleted.
        IndexModel([("actor", ASCENDING)], name="actor"),
    ],
    # Unit keys ("urenco", "ubnd-phuong:00004"): the staff of the unit that acts on a report.
    STAFF: [
        IndexModel([("units", ASCENDING), ("_id", ASCENDING)], name="units_uid"),
        IndexModel([("role", ASCENDING), ("_id", ASCENDING)], name="role_uid"),
    ],
    # A category's answers in the order they were written (cannedAnswers pages by _id).
    CANNED: [
        IndexModel([("category", ASCENDING), ("_id", ASCENDING)], name="category_id"),
        # The admin who last wrote it: a pseudonym once their account is deleted.
        IndexModel([("updated_by", ASCENDING)], name="updated_by"),
    ],
    **_flags.INDEXES,
}


async def add_original(
    db: Database, original: ModerationOriginalDoc, *, session: AsyncClientSession
) -> None:
    """Keep a report's content as it was before a moderator edit."""
    await db[ORIGINALS].insert_one(
        {
            "_id": original.id,
            "report": original.report,
            "description": original.description,
            "photo_ids": original.photo_ids,
            "actor": original.actor,
            "at": original.at,
        },
        session=session,
    )


async def originals(db: Database, report_ids: Sequence[ObjectId]) -> list[ModerationOriginalDoc]:
    """Kept originals of some reports, oldest first."""
    docs = (
        await db[ORIGINALS]
        .find({"report": {"$in": list(report_ids)}})
        .sort([("report", ASCENDING), ("at", ASCENDING)])
        .to_list(None)
    )
    return [ModerationOriginalDoc.from_mongo(doc) for doc in docs]


async def redact_originals(
    db: Database, report_ids: Sequence[ObjectId], redact: Callable[[str], str]
) -> int:
    """Pass the kept original texts of some reports through `redact` (a deleted reporter's
    identifiers out); served by report_at. Returns how many changed."""
    changed = 0
    cursor = db[ORIGINALS].find({"report": {"$in": list(report_ids)}}, {"description": 1})
    async for doc in cursor:
        text = doc.get("description")
        redacted = redact(text) if isinstance(text, str) else text
        if redacted != text:
            await db[ORIGINALS].update_one({"_id": doc["_id"]}, {"$set": {"description": redacted}})
            changed += 1
    return changed


async def pseudonymise_staff_work(db: Database, uid: str, *, pseudonym: str) -> int:
    """A deleted account's uid on the originals it kept (as the editing moderator) and on the
    canned answers it wrote becomes its pseudonym (served by actor, updated_by); how many."""
    changed = 0
    for collection, field in ((ORIGINALS, "actor"), (CANNED, "updated_by")):
        result = await db[collection].update_many({field: uid}, {"$set": {field: pseudonym}})
        changed += int(result.modified_count)
    return changed


async def set_staff_member(
    db: Database,
    *,
    uid: str,
    role: str,
    department: str | None,
    areas: Sequence[str],
    lead: bool,
    email: str | None,
    now: datetime,
) -> None:
    """Record (or replace) a user's place in the staff directory, as `users grant` sets it."""
    units = unit_keys(department, list(areas)) if department else []
    await db[STAFF].replace_one(
        {"_id": uid},
        {
            "role": role,
            "department": department,
            "areas": sorted(areas),
            "lead": lead,
            "units": units,
            "email": email,
            "updated_at": now,
        },
        upsert=True,
    )


async def remove_staff_member(db: Database, uid: str) -> None:
    """Take a user out of the staff directory (granted a resident's role again)."""
    await db[STAFF].delete_one({"_id": uid})


async def staff_member(db: Database, uid: str) -> StaffMemberDoc | None:
    """One directory entry by uid."""
    doc = await db[STAFF].find_one({"_id": uid})
    return StaffMemberDoc.from_mongo(doc) if doc else None


async def staff_members(db: Database, uids: Sequence[str]) -> list[StaffMemberDoc]:
    """Directory entries of some users (served by _id), in no particular order."""
    docs = await db[STAFF].find({"_id": {"$in": list(uids)}}).to_list(None)
    return [StaffMemberDoc.from_mongo(doc) for doc in docs]


async def staff_of_units(
    db: Database, units: Sequence[str], *, leads_only: bool = False, limit: int = 500
) -> list[StaffMemberDoc]:
    """The staff of any of these units (served by units_uid), leads only if asked."""
    docs = await db[STAFF].find({"units": {"$in": list(units)}}).limit(limit).to_list(None)
    found = [StaffMemberDoc.from_mongo(doc) for doc in docs]
    return [member for member in found if member.lead or not leads_only]


async def staff_page(
    db: Database, *, unit: str | None, after: str | None, limit: int
) -> list[StaffMemberDoc]:
    """The staff of one unit (`unit`) or the moderators (None), by uid after `after`: an
    equality and a range on units_uid or role_uid."""
    query: dict[str, object] = {"units": unit} if unit is not None else {"role": "moderator"}
    if after is not None:
        query["_id"] = {"$gt": after}
    docs = await db[STAFF].find(query).sort("_id", ASCENDING).limit(limit).to_list(None)
    return [StaffMemberDoc.from_mongo(doc) for doc in docs]


async def moderators(db: Database, *, limit: int = 500) -> list[StaffMemberDoc]:
    """Moderators in the directory (served by role_uid)."""
    docs = await db[STAFF].find({"role": "moderator"}).limit(limit).to_list(None)
    return [StaffMemberDoc.from_mongo(doc) for doc in docs]


async def photos_in_originals(db: Database, ids: Sequence[ObjectId]) -> set[ObjectId]:
    """Which of these photos a kept original names (served by photo_ids)."""
    wanted = set(ids)
    found: set[ObjectId] = set()
    async for doc in db[ORIGINALS].find({"photo_ids": {"$in": list(ids)}}, {"photo_ids": 1}):
        found.update(pid for pid in doc.get("photo_ids") or () if pid in wanted)
    return found


async def canned_answers(
    db: Database, category: str, *, after: ObjectId | None, limit: int
) -> list[CannedAnswerDoc]:
    """A category's canned answers, oldest first, after an `_id` cursor (served by category_id)."""
    query: dict[str, object] = {"category": category}
    if after is not None:
        query["_id"] = {"$gt": after}
    docs = (
        await db[CANNED]
        .find(query)
        .sort([("category", ASCENDING), ("_id", ASCENDING)])
        .limit(limit)
        .to_list(None)
    )
    return [CannedAnswerDoc.from_mongo(doc) for doc in docs]


async def add_canned_answer(
    db: Database, answer: CannedAnswerDoc, *, session: AsyncClientSession
) -> None:
    """Store a new canned answer."""
    await db[CANNED].insert_one(answer.to_mongo(), session=session)


async def replace_canned_answer(
    db: Database, answer: CannedAnswerDoc, *, session: AsyncClientSession
) -> CannedAnswerDoc | None:
    """Replace the canned answer with this id; the one it replaced, None when there is none."""
    before = await db[CANNED].find_one_and_replace(
        {"_id": answer.id}, answer.to_mongo(), session=session
    )
    return CannedAnswerDoc.from_mongo(before) if before else None


async def canned_answer(db: Database, answer_id: ObjectId) -> CannedAnswerDoc | None:
    """One canned answer by id."""
    doc = await db[CANNED].find_one({"_id": answer_id})
    return CannedAnswerDoc.from_mongo(doc) if doc else None


async def delete_canned_answer(
    db: Database, answer_id: ObjectId, *, session: AsyncClientSession
) -> CannedAnswerDoc | None:
    """Delete a canned answer; the deleted one, None when there was none."""
    doc = await db[CANNED].find_one_and_delete({"_id": answer_id}, session=session)
    return CannedAnswerDoc.from_mongo(doc) if doc else None


__all__ = [
    "CANNED",
    "FLAGS",
    "FLAG_TARGETS",
    "FLAG_TTL",
    "INDEXES",
    "OBSOLETE_FLAG_INDEX",
    "ORIGINALS",
    "STAFF",
    "add_canned_answer",
    "add_flag",
    "add_original",
    "canned_answer",
    "canned_answers",
    "count_legacy_flags",
    "delete_canned_answer",
    "delete_flags_of",
    "drop_obsolete_flag_index",
    "flag_of",
    "flagged_for_personal_data",
    "flagger_batches",
    "flags",
    "legacy_flag_batches",
    "moderators",
    "open_flag_counts",
    "originals",
    "photos_in_originals",
    "pseudonymise_staff_work",
    "redact_originals",
    "remove_staff_member",
    "replace_canned_answer",
    "resolve_flags",
    "set_staff_member",
    "staff_member",
    "staff_members",
    "staff_of_units",
    "staff_page",
]
