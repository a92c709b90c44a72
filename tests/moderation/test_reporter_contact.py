"""Report.reporterContact: the staff who handle a report reach its reporter on purpose, audited."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from firebase_admin import auth as firebase_auth
from pymongo import AsyncMongoClient

from backend import firebase
from backend.emulators import FirebaseAuthEmulator
from backend.settings import Settings
from tests.conftest import SeedTemplates, with_settings
from tests.moderation.conftest import (
    MODERATOR,
    RESIDENT,
    STAFF_ROADS,
    STAFF_WASTE,
    Gql,
    report_doc,
)

CONTACT = """query C($id: ID!) { report(id: $id) {
  id reporterContact { channel displayName name email phone } } }"""
# Everything else a moderator reads of a report: none of it holds the contact.
PLAIN = """query P($id: ID!) { report(id: $id) {
  id description address reporter { id displayName } timeline { kind note }
  internalTimeline { kind note } moderationOriginals { description } } }"""
SUBMITTER = {
    "api_key": "partner-1",
    "email": "lan.nguyen@example.vn",
    "phone": "+84912345678",
    "first_name": "Lan",
    "last_name": "Nguyễn",
}


async def test_staff_who_handle_it_see_the_contact_and_each_read_is_audited(
    gql: Gql, given_report: Callable[..., Awaitable[str]], db: Any
) -> None:
    # given a report a partner app filed with its user's contact (Open311)
    report_id = await given_report(reporter="open311:partner-1:ab12", submitter=SUBMITTER)
    # when a moderator and the department's staff ask for the contact
    for who in (MODERATOR, STAFF_ROADS):
        body = await gql(CONTACT, {"id": report_id}, who)
        # then they get it
        assert body["data"]["report"]["reporterContact"] == {
            "channel": "open311",
            "displayName": None,
            "name": "Lan Nguyễn",
            "email": "lan.nguyen@example.vn",
            "phone": "+84912345678",
        }, body
    # and each read is in the audit log: who, which report
    entries = await db.audit_log.find({"action": "report.read_reporter_contact"}).to_list(None)
    assert [(e["actor"], e["object_id"]) for e in entries] == [
        ("mod-1", report_id),
        ("staff-roads", report_id),
    ]
    # and the report's audit trail shows the reads to moderators
    trail = await gql(
        "query A($id: ID!) { auditLog(objectId: $id) { edges { node { actor action } } } }",
        {"id": report_id},
        MODERATOR,
    )
    assert {"actor": "mod-1", "action": "report.read_reporter_contact"} in [
        edge["node"] for edge in trail["data"]["auditLog"]["edges"]
    ]


async def test_others_get_null_and_the_plain_report_holds_no_contact(
    gql: Gql, given_report: Callable[..., Awaitable[str]], db: Any
) -> None:
    report_id = await given_report(reporter="open311:partner-1:ab12", submitter=SUBMITTER)
    # when staff of another department, a resident or an anonymous user ask, then null
    for who in (STAFF_WASTE, RESIDENT, None):
        body = await gql(CONTACT, {"id": report_id}, who)
        report = body["data"]["report"]
        assert report is None or report["reporterContact"] is None, (who, body)
    # and nothing was audited, since nothing was read
    assert await db.audit_log.count_documents({}) == 0
    # and every other field a moderator reads shows no email or phone
    plain = await gql(PLAIN, {"id": report_id}, MODERATOR)
    text = json.dumps(plain, ensure_ascii=False)
    assert plain["data"]["report"]["id"] == report_id
    assert SUBMITTER["email"] not in text and SUBMITTER["phone"] not in text


@pytest.fixture
def emulated(
    settings: Settings, auth_emulator: FirebaseAuthEmulator, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", auth_emulator.host_port)
    return with_settings(settings, firebase_auth_emulator_host=auth_emulator.host_port)


async def test_an_app_reporters_contact_comes_from_their_firebase_account(
    emulated: Settings,
    serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]],
    seed_templates: SeedTemplates,
    db_client: AsyncMongoClient[dict[str, Any]],
    make_token: Callable[..., str],
) -> None:
    # given a resident's account (email and phone) in the Auth emulator, and their report
    admin_app = firebase.initialize(emulated)
    try:
        email = f"{uuid.uuid4().hex[:10]}@example.vn"
        user = firebase_auth.create_user(email=email, phone_number="+84987654321", app=admin_app)
    finally:
        firebase.close(admin_app)
    db = db_client[emulated.mongodb_db]
    doc = report_doc(reporter=user.uid)
    async for client in serve(emulated):
        await db.reports.insert_one(doc)
        await db.users.insert_one({"uid": user.uid, "display_name": "Chị Lan"})
        token = make_token(uid="mod-1", claims={"role": "moderator"})
        # when a moderator asks for the contact
        response = await client.post(
            "/graphql",
            json={"query": CONTACT, "variables": {"id": str(doc["_id"])}},
            headers={"Authorization": f"Bearer {token}"},
        )
        # then it comes from the account, with the profile's display name
        assert response.json()["data"]["report"]["reporterContact"] == {
            "channel": "app",
            "displayName": "Chị Lan",
            "name": None,
            "email": email,
            "phone": "+84987654321",
        }, response.text
        assert await db.audit_log.count_documents({"object_id": str(doc["_id"])}) == 1
