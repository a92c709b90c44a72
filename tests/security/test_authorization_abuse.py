"""Who may flag content, read the flags, and see a reporter's contact and a report's flag count.

The authorization matrix of issue 21's abuse and moderation fields, in the form of
tests/security/test_authorization.py (whose table-completeness test reads this TABLE too): each
row is called as each kind of viewer against one world, resident A's report routed to the roads
department (so-xay-dung), with a photo of A's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.moderation import conftest as moderation
from tests.moderation.conftest import Gql
from tests.moderation.test_actions import upload_photo
from tests.security.matrix import ACTOR_NAMES, DENIED, NONE, OK, UNAUTH, actors

# The moderation tests' fixtures: the seeded app, GraphQL as a role, reports written directly.
content = moderation.content
db = moderation.db
given_report = moderation.given_report
gql = moderation.gql


ACTORS = actors(staff=("staff-roads", "so-xay-dung"), other_staff=("staff-waste", "urenco"))

# Root fields (listed for test_authorization.py's completeness check) and Report fields.
# fmt: off
TABLE: dict[str, tuple[str, str, str, str, str, str, str]] = {
    #                          anonymous owner    other    staff    staff2   moderator admin
    "contentFlag":            (UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK),
    "contentFlags":           (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      OK),
}
REPORT_FIELDS: dict[str, tuple[str, str, str, str, str, str, str]] = {
    "reporterContact":        (NONE,    NONE,    NONE,    OK,      NONE,    OK,      OK),
    "flagCount":              (NONE,    NONE,    NONE,    OK,      NONE,    OK,      OK),
}
# fmt: on

FLAG = """mutation F($input: ContentFlagInput!) {
  contentFlag(input: $input) { flag { id } errors { code } } }"""
FLAGS = """query L { contentFlags(target: PHOTO) { edges { node { targetId } } } }"""


def outcome(body: dict[str, Any], field: str) -> str:
    if body.get("errors"):
        return ",".join(sorted({e["extensions"]["code"] for e in body["errors"]}))
    value = body["data"][field]
    if field == "contentFlag":
        return OK if value["flag"] else f"errors: {value['errors'][0]['code']}"
    if field == "contentFlags":
        return OK if value["edges"] else NONE
    return OK if value is not None else NONE


async def test_abuse_fields_answer_each_viewer_as_the_table_says(
    gql: Gql,
    given_report: Callable[..., Awaitable[str]],
    client: httpx.AsyncClient,
    make_token: Callable[..., str],
) -> None:
    # given resident A's report (roads) and a photo of theirs, which a resident flagged
    report_id = await given_report(reporter="resident-a")
    photo = await upload_photo(client, make_token(uid="resident-a"))
    flagged = await gql(
        FLAG, {"input": {"target": "PHOTO", "id": photo, "reason": "SPAM"}}, {"uid": "r-c"}
    )
    assert flagged["data"]["contentFlag"]["errors"] == []
    wrong = []
    for name, row in TABLE.items():
        for actor_name, actor, expected in zip(ACTOR_NAMES, ACTORS, row, strict=True):
            if name == "contentFlag":
                variables = {"input": {"target": "REPORT", "id": report_id, "reason": "SPAM"}}
                body = await gql(FLAG, variables, actor)
            else:
                body = await gql(FLAGS, None, actor)
            if (got := outcome(body, name)) != expected:
                wrong.append(f"{name} as {actor_name}: expected {expected}, got {got}")
    for name, row in REPORT_FIELDS.items():
        query = f"query R($id: ID!) {{ report(id: $id) {{ id {name} {{ __typename }} }} }}"
        if name == "flagCount":
            query = "query R($id: ID!) { report(id: $id) { id flagCount } }"
        for actor_name, actor, expected in zip(ACTOR_NAMES, ACTORS, row, strict=True):
            body = await gql(query, {"id": report_id}, actor)
            report = (body.get("data") or {}).get("report")
            got = outcome({"data": {name: report and report[name]}}, name)
            if body.get("errors"):
                got = outcome(body, name)
            if got != expected:
                wrong.append(f"Report.{name} as {actor_name}: expected {expected}, got {got}")
    assert wrong == []
