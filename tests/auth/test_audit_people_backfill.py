"""Audit entries written before `people` existed get it from their before/after values (what
`migrate` runs), so that a staff member's account deletion finds them and rewrites their uid."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from backend import audit
from backend.audit import AuditEntryDoc
from backend.db import Database
from backend.seed import migrate

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def db(empty_db: Database) -> Database:
    """An empty database with every index (tests/conftest.py)."""
    return empty_db


async def legacy_entry(db: Any, **values: Any) -> Any:
    """An entry stored as before `people` (no such field); its id."""
    doc = AuditEntryDoc.new(
        actor="mod-1", action="report.test", object_type="report", object_id="r1", at=NOW,
        **values,
    ).to_mongo()  # fmt: skip
    doc.pop("people", None)
    await db["audit_log"].insert_one(doc)
    return doc["_id"]


async def test_migrate_gives_legacy_entries_their_people(db: Any) -> None:
    # given entries from before `people`: an assignment, a lock taken over, one naming nobody
    assigned = await legacy_entry(db, before={"assignee": None}, after={"assignee": "staff-a"})
    locked = await legacy_entry(
        db, before={"locked_by": "staff-b"}, after={"locked_by": "staff-a", "locked_until": "x"}
    )
    nobody = await legacy_entry(db, before={"status": "new"}, after={"status": "fixed"})
    # and two written now, one naming nobody (written without `people`)
    current = AuditEntryDoc.new(
        actor="mod-1", action="report.assign", object_type="report", object_id="r2", at=NOW,
        before={"assignee": "staff-c"}, after={"assignee": None},
    )  # fmt: skip
    await audit.record(db, current)
    plain = AuditEntryDoc.new(
        actor="mod-1", action="report.hide", object_type="report", object_id="r2", at=NOW
    )
    await audit.record(db, plain)
    assert await db["audit_log"].count_documents({"people": "staff-a"}) == 0

    # when migrate runs
    result = await migrate(db)

    # then each legacy entry has the people it names, in order, empty when none
    assert result.legacy_audit == 2
    people = {doc["_id"]: doc["people"] async for doc in db["audit_log"].find()}
    assert people == {
        assigned: ["staff-a"],
        locked: ["staff-a", "staff-b"],
        nobody: [],
        current.id: ["staff-c"],
        plain.id: [],
    }
    # and a second run reads nothing and changes nothing
    assert (await migrate(db)).legacy_audit == 0
    assert await audit.backfill_people(db) == 0
    # and the account deletion's rewrite finds them: staff-a's uid goes from before/after
    assert await audit.pseudonymise(db, "staff-a", pseudonym="deleted-a") == 2
    entries = await db["audit_log"].find({"people": "deleted-a"}).to_list(None)
    assert {entry["_id"] for entry in entries} == {assigned, locked}
    assert "staff-a" not in str(await db["audit_log"].find().to_list(None))


async def test_the_backfill_goes_in_batches_from_an_index(db: Any) -> None:
    # given more legacy entries than a batch
    ids = [
        await legacy_entry(db, before={"assignee": None}, after={"assignee": f"staff-{n}"})
        for n in range(5)
    ]
    # when the backfill runs two at a time, then every one is given its person
    assert await audit.backfill_people(db, batch=2) == 5
    for n, entry_id in enumerate(ids):
        stored = await db["audit_log"].find_one({"_id": entry_id})
        assert stored["people"] == [f"staff-{n}"]
    # and the query that finds entries still without `people` is served by an index
    command = {"find": "audit_log", "filter": {"people": None}}
    explained = await db.command("explain", command, verbosity="queryPlanner")
    plan = str(explained["queryPlanner"]["winningPlan"])
    assert "IXSCAN" in plan and "COLLSCAN" not in plan, plan
