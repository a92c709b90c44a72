"""Who may delete an account and export data: only the signed-in viewer, for themselves.

The authorization matrix of issue 21's account fields, in the form of
tests/security/test_authorization.py (whose table-completeness test reads this TABLE too). Both
mutations act on the viewer alone: no argument can name another user. The export's download link
carries the viewer's uid signed: a changed or expired link is refused, and one viewer's link
never shows another's data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from backend.auth.service import secrets
from backend.settings import ROOT, Settings
from tests.security.matrix import ACTOR_NAMES, OK, UNAUTH, actors

ACTORS = actors(staff=("staff-1", "ubnd-phuong"), other_staff=("staff-2", "urenco"))
OPERATIONS = ROOT / "graphql" / "operations" / "auth"
QUERIES = {
    "accountDelete": (OPERATIONS / "AccountDelete.graphql").read_text(),
    "myDataExport": (OPERATIONS / "MyDataExport.graphql").read_text(),
}

# fmt: off
TABLE: dict[str, tuple[str, str, str, str, str, str, str]] = {
    #                 anonymous owner other staff staff2 moderator admin
    "accountDelete": (UNAUTH,   OK,   OK,   OK,   OK,    OK,       OK),
    "myDataExport":  (UNAUTH,   OK,   OK,   OK,   OK,    OK,       OK),
}
# fmt: on


def outcome(name: str, body: dict[str, Any]) -> str:
    if body.get("errors"):
        return ",".join(sorted({e["extensions"]["code"] for e in body["errors"]}))
    payload = body["data"][name]
    if payload["errors"]:
        return f"errors: {payload['errors'][0]['code']}"
    found = payload.get("deletion") or payload.get("download")
    return OK if found else "NOTHING"


async def post(
    client: httpx.AsyncClient, make_token: Callable[..., str], name: str, who: dict[str, str] | None
) -> dict[str, Any]:
    headers = {}
    if who is not None:
        claims = {k: v for k, v in who.items() if k in ("role", "department")}
        headers["Authorization"] = f"Bearer {make_token(uid=who['uid'], claims=claims)}"
    response = await client.post("/graphql", json={"query": QUERIES[name]}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_account_fields_answer_each_viewer_as_the_table_says(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    differences = []
    for name, expected_row in TABLE.items():
        for actor, who, expected in zip(ACTOR_NAMES, ACTORS, expected_row, strict=True):
            found = outcome(name, await post(client, make_token, name, who))
            if found != expected:
                differences.append(f"{name} as {actor}: {found} (expected {expected})")
    assert differences == []


async def test_an_export_link_shows_only_its_owners_data(
    client: httpx.AsyncClient, make_token: Callable[..., str], settings: Settings
) -> None:
    # given residents A and B with a display name each, and A's export link
    for uid in ("resident-a", "resident-b"):
        update = (ROOT / "graphql" / "operations" / "auth" / "ViewerUpdate.graphql").read_text()
        variables = {"input": {"displayName": f"Name of {uid}"}}
        headers = {"Authorization": f"Bearer {make_token(uid=uid)}"}
        await client.post(
            "/graphql", json={"query": update, "variables": variables}, headers=headers
        )
    body = await post(client, make_token, "myDataExport", {"uid": "resident-a"})
    url = body["data"]["myDataExport"]["download"]["url"]

    # when B (or anyone) downloads it, then it is A's data, and A's only
    downloaded = await client.get(
        url, headers={"Authorization": f"Bearer {make_token(uid='resident-b')}"}
    )
    assert downloaded.status_code == 200
    assert downloaded.json()["profile"]["display_name"] == "Name of resident-a"
    assert "resident-b" not in downloaded.text

    # when the token is changed to name B, then it is refused
    token = url.rsplit("/", 1)[1]
    forged_body = secrets.export_token(
        settings, uid="resident-b", expires_at=datetime.now(UTC) + timedelta(minutes=5)
    ).split(".")[0]
    forged = await client.get(f"/account/export/{forged_body}.{token.split('.')[1]}")
    assert forged.status_code == 404
    assert forged.json()["error"]["code"] == "LINK_INVALID"

    # when a link has expired, then it is refused too
    expired = secrets.export_token(
        settings, uid="resident-a", expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    gone = await client.get(f"/account/export/{expired}", headers={"Accept-Language": "en"})
    assert gone.status_code == 404
    assert "expired" in gone.json()["error"]["message"]
