"""consentSet and legalDocuments: what a user agreed to, when, and the documents' versions."""

from __future__ import annotations

import json
from typing import Any

from backend.settings import ROOT
from tests.auth.conftest import CONSENT_SET, LEGAL_DOCUMENTS, VIEWER, Gql

LEGAL = ROOT / "content" / "legal"
PRIVACY_VERSION = json.loads((LEGAL / "privacy_notice.json").read_text())["version"]
TERMS_VERSION = json.loads((LEGAL / "terms.json").read_text())["version"]


async def consent(gql: Gql, uid: str = "resident-1", **fields: Any) -> dict[str, Any]:
    body = await gql(CONSENT_SET, {"input": fields}, uid=uid)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["consentSet"]
    return payload


def state(consents: list[dict[str, Any]]) -> dict[str, tuple[bool, str | None]]:
    return {c["kind"]: (c["granted"], c["version"]) for c in consents}


async def test_consents_are_given_withdrawn_and_kept(
    gql: Gql, settings: Any, db_client: Any
) -> None:
    # given a resident who agrees to the current terms and privacy notice and allows pushes
    await consent(gql, kind="TERMS", granted=True, version=TERMS_VERSION)
    await consent(gql, kind="PRIVACY_NOTICE", granted=True, version=PRIVACY_VERSION)
    await consent(gql, kind="PUSH", granted=True, version="ignored")
    # when they withdraw the push permission
    payload = await consent(gql, kind="PUSH", granted=False)
    # then the payload and the viewer show the current decision per kind
    assert payload["errors"] == []
    assert payload["consent"]["kind"] == "PUSH"
    assert payload["consent"]["granted"] is False
    assert state(payload["viewer"]["consents"]) == {
        "TERMS": (True, TERMS_VERSION),
        "PRIVACY_NOTICE": (True, PRIVACY_VERSION),
        "PUSH": (False, None),
    }
    viewer = (await gql(VIEWER, uid="resident-1"))["data"]["viewer"]
    assert state(viewer["consents"]) == state(payload["viewer"]["consents"])
    assert all(c["at"] for c in viewer["consents"])
    # and the whole history is kept, with times
    history = (
        await db_client[settings.mongodb_db]
        .consents.find({"uid": "resident-1"}, {"_id": 0, "kind": 1, "granted": 1, "at": 1})
        .sort("_id", 1)
        .to_list(None)
    )
    assert [(h["kind"], h["granted"]) for h in history] == [
        ("terms", True),
        ("privacy_notice", True),
        ("push", True),
        ("push", False),
    ]
    assert all(h["at"] for h in history)
    # and nobody else's consents are touched
    other = (await gql(VIEWER, uid="resident-2"))["data"]["viewer"]
    assert other["consents"] == []


async def test_a_document_is_agreed_to_by_its_current_version(
    gql: Gql, settings: Any, db_client: Any
) -> None:
    # when a resident agrees to the terms without a version, or to an old one
    missing = await consent(gql, kind="TERMS", granted=True)
    old = await consent(gql, kind="PRIVACY_NOTICE", granted=True, version="2020-01-01")
    # then both are refused, on the version field, and nothing is recorded
    assert [(e["field"], e["code"]) for e in missing["errors"]] == [("version", "VERSION_REQUIRED")]
    assert [(e["field"], e["code"]) for e in old["errors"]] == [("version", "VERSION_OUTDATED")]
    assert missing["consent"] is None and old["consent"] is None
    assert await db_client[settings.mongodb_db].consents.count_documents({}) == 0


async def test_an_anonymous_viewer_cannot_consent(gql: Gql) -> None:
    body = await gql(CONSENT_SET, {"input": {"kind": "PUSH", "granted": True}})
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_the_legal_documents_are_public_in_both_languages(gql: Gql) -> None:
    documents = (await gql(LEGAL_DOCUMENTS))["data"]["legalDocuments"]
    by_kind = {doc["kind"]: doc for doc in documents}
    assert by_kind["TERMS"]["version"] == TERMS_VERSION
    assert by_kind["PRIVACY_NOTICE"]["version"] == PRIVACY_VERSION
    notice = by_kind["PRIVACY_NOTICE"]
    assert "91/2025/QH15" in notice["text"]["vi"] and "91/2025/QH15" in notice["text"]["en"]
    assert notice["title"] == {"vi": "Thông báo xử lý dữ liệu cá nhân", "en": "Privacy notice"}
    assert all(doc["text"]["vi"] != doc["text"]["en"] for doc in documents)
