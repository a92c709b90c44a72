"""Who may resolve content flags (contentFlagsResolve), and what a flagger sees of it.

In the form of tests/security/test_authorization.py (whose table-completeness test reads this
TABLE too): each row is called as each kind of viewer against one world, resident A's report
routed to the roads department (so-xay-dung), flagged afresh before each call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.moderation import conftest as moderation
from tests.moderation.conftest import Gql
from tests.security.matrix import ACTOR_NAMES, DENIED, OK, actors

# The moderation tests' fixtures: the seeded app, GraphQL as a role, reports written directly.
content = moderation.content
db = moderation.db
given_report = moderation.given_report
gql = moderation.gql

ACTORS = actors(staff=("staff-roads", "so-xay-dung"), other_staff=("staff-waste", "urenco"))

# fmt: off
TABLE: dict[str, tuple[str, str, str, str, str, str, str]] = {
    #                          anonymous owner    other    staff    staff2   moderator admin
    # Only moderators judge flags (staff of the report's own department included: they are
    # not the city's moderators).
    "contentFlagsResolve":    (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      OK),
}
# fmt: on

FLAG = """mutation F($input: ContentFlagInput!) {
  contentFlag(input: $input) { flag { id outcome resolvedAt } errors { code } } }"""
RESOLVE = """mutation R($input: ContentFlagsResolveInput!) {
  contentFlagsResolve(input: $input) { resolvedCount errors { code } } }"""


def outcome(body: dict[str, Any]) -> str:
    if body.get("errors"):
        return ",".join(sorted({e["extensions"]["code"] for e in body["errors"]}))
    value = body["data"]["contentFlagsResolve"]
    return OK if value["resolvedCount"] else f"errors: {value['errors'][0]['code']}"


async def test_flag_resolution_answers_each_viewer_as_the_table_says(
    gql: Gql, given_report: Callable[..., Awaitable[str]], db: Any
) -> None:
    # given resident A's report (roads)
    report_id = await given_report(reporter="resident-a")
    flag = {"input": {"target": "REPORT", "id": report_id, "reason": "SPAM"}}
    resolve = {"input": {"target": "REPORT", "targetId": report_id, "outcome": "UPHELD"}}
    wrong = []
    for name, row in TABLE.items():
        for n, (actor_name, actor, expected) in enumerate(
            zip(ACTOR_NAMES, ACTORS, row, strict=True)
        ):
            # (a fresh open flag before each call: a resolution closes them all)
            flagged = await gql(FLAG, flag, {"uid": f"flagger-{n}"})
            assert flagged["data"]["contentFlag"]["errors"] == [], flagged
            if (got := outcome(await gql(RESOLVE, resolve, actor))) != expected:
                wrong.append(f"{name} as {actor_name}: expected {expected}, got {got}")
    assert wrong == []
    # and the flaggers' flags never show them the outcome: flagging again makes a new open
    # flag, and its payload says nothing of the old one's resolution
    again = await gql(FLAG, flag, {"uid": "flagger-6"})
    assert again["data"]["contentFlag"]["flag"]["outcome"] is None
    assert again["data"]["contentFlag"]["flag"]["resolvedAt"] is None
    assert await db.content_flags.count_documents({"flagger": "flagger-6"}) == 2
