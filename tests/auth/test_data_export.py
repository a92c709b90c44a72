"""myDataExport: everything stored about the viewer, as one JSON file behind a short-lived link.

The same resident as the deletion test (every part of the app used through the API), exported
through the link the mutation gives, downloaded like a browser would (no Authorization).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import firebase_admin
import orjson
import pytest
from bson import ObjectId

from backend.auth.service import export as export_service
from backend.db import Database
from backend.moderation import repository as moderation_repository
from backend.settings import ROOT
from notifications.worker import Worker
from tests.auth.deletion_world import (
    Api,
    Clock,
    create_person,
    given_a_user_with_data,
)

MY_DATA_EXPORT = (ROOT / "graphql" / "operations" / "auth" / "MyDataExport.graphql").read_text()
CONSENT_SET = (ROOT / "graphql" / "operations" / "auth" / "ConsentSet.graphql").read_text()


async def test_the_export_holds_everything_about_the_viewer(
    api: Api,
    db: Database,
    firebase_app: firebase_admin.App,
    worker: Worker,
    clock: Clock,
) -> None:
    # given a resident who used every part of the app, withdrew a consent, and got a push
    person = await create_person(firebase_app)
    made = await given_a_user_with_data(api, db, person)
    await api.ok(CONSENT_SET, {"input": {"kind": "PUSH", "granted": False}}, uid=person.uid)
    await worker.run_once()

    # when they ask for their data and download it without signing in
    payload = await api.ok(MY_DATA_EXPORT, {}, uid=person.uid)
    link = payload["download"]
    async with api.client.stream("GET", link["url"]) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert "attachment" in response.headers["content-disposition"]
        assert response.headers["cache-control"] == "no-store"
        export = orjson.loads(await response.aread())

    # then it is machine-readable JSON of everything, made in pieces (the route streams them:
    # the test transport gathers the body, so the pieces are counted at their source)
    pieces = [
        piece
        async for piece in export_service.document(
            db, uid=person.uid, base="http://testserver", now=clock()
        )
    ]
    assert len(pieces) > 10
    assert orjson.loads(b"".join(pieces))["reports"] == export["reports"]
    assert export["format"] == "thanglong.data-export/1"
    assert export["profile"]["uid"] == person.uid
    assert export["profile"]["display_name"] == person.display_name
    # consents with their history: given, then withdrawn
    push = [c for c in export["consents"] if c["kind"] == "push"]
    assert [c["granted"] for c in push] == [False, True]
    # reports with their photo links
    [own] = export["reports"]
    assert own["id"] == made["own_report"]
    assert person.email in own["description"]
    [photo] = own["photos"]
    assert photo["url"].startswith("http://testserver/media/")
    photo_response = await api.client.get(photo["url"])
    assert photo_response.status_code == 200
    assert "reporter" not in own and "search_terms" not in own
    # (a reporter follows their own report)
    followed = {f["reportId"] for f in export["follows"]}
    assert followed == {made["own_report"], made["their_report"]}
    assert [m["reportId"] for m in export["meToo"]] == [made["their_report"]]
    [review] = export["reviews"]
    assert review["rating"] == 4
    assert len(export["journeys"]) == 1
    [booking] = export["bookings"]
    assert booking["id"] == made["booking"]
    assert booking["contact"]["email"] == person.email
    # the content flags they raised (not the neighbour's flag on their report)
    [flag] = export["contentFlags"]
    assert flag["targetId"] == made["their_report"]
    assert (flag["target"], flag["reason"]) == ("REPORT", "SPAM")
    assert flag["note"] == person.display_name
    assert "flagger" not in flag
    [device] = export["devices"]
    assert device["token"] == made["device"]
    assert export["notifications"], "the inbox item of the report's receipt"
    assert all(item["title"]["vi"] for item in export["notifications"])


async def test_another_users_export_is_empty_not_theirs(
    api: Api,
    db: Database,
    firebase_app: firebase_admin.App,
) -> None:
    # given a resident with data, and another who never used the app
    person = await create_person(firebase_app)
    await given_a_user_with_data(api, db, person)

    # when the other one exports
    payload = await api.ok(MY_DATA_EXPORT, {}, uid="newcomer")
    export = (await api.client.get(payload["download"]["url"])).json()

    # then every section is there and empty: nothing of the first resident
    assert export["profile"] == {"uid": "newcomer"}
    for section in ("consents", "reports", "follows", "meToo", "reviews", "journeys"):
        assert export[section] == [], section
    assert export["bookings"] == [] and export["devices"] == [] and export["notifications"] == []
    assert export["contentFlags"] == []


async def test_content_flags_come_in_batches_from_their_index(
    api: Api,  # the app, started: its indexes made
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a resident who flagged five items, and another's flag
    uid = f"flagger-{uuid.uuid4().hex[:8]}"
    start = datetime(2026, 3, 1, tzinfo=UTC)
    flags = [
        {
            "_id": ObjectId(), "target": "REVIEW", "target_id": f"review-{n}", "flagger": uid,
            "reason": "ABUSE", "note": None, "at": start + timedelta(minutes=n),
        }
        for n in range(5)
    ]  # fmt: skip
    other = {**flags[0], "_id": ObjectId(), "flagger": "someone-else"}
    await db[moderation_repository.FLAGS].insert_many([*flags, other])

    # when their data is exported two records at a time
    monkeypatch.setattr(export_service, "BATCH", 2)
    batches = [
        [flag.target_id for flag in chunk]
        async for chunk in moderation_repository.flagger_batches(db, uid, batch=2)
    ]
    pieces = export_service.document(db, uid=uid, base="http://testserver", now=start)
    export = orjson.loads(b"".join([piece async for piece in pieces]))

    # then every flag is there, oldest first, read in batches
    assert batches == [["review-0", "review-1"], ["review-2", "review-3"], ["review-4"]]
    assert [f["targetId"] for f in export["contentFlags"]] == [f"review-{n}" for n in range(5)]
    # from the flagger_id index, no other flag examined
    explain = (
        await db[moderation_repository.FLAGS]
        .find({"flagger": uid})
        .sort([("flagger", 1), ("_id", 1)])
        .explain()
    )
    assert "flagger_id" in str(explain["queryPlanner"]["winningPlan"])
    assert explain["executionStats"]["totalDocsExamined"] == 5
