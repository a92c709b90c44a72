"""The content snapshot in the app: answers from memory, reloads when the content stamp changes
(at once in the process that changed it, on the next poll in the others), keeps ratings live,
steps aside when the content is too large, and reports its size."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from backend.db import Database
from backend.meta import repository as meta_repository
from backend.settings import Settings
from backend.snapshot import ContentSnapshot, Loaded, running
from tests.conftest import with_settings
from tests.tourism.conftest import HOAN_KIEM, Gql

POI = "query Poi($id: ID!) { poi(id: $id) { id name rating { count } } }"
POIS = """
query Pois($near: GeoPointInput) {
  pois(filter: {near: $near}, first: 3) {
    edges { distanceMeters node { id name rating { average count } } }
  }
}
"""
JOURNEY = "query Journey($id: ID!) { journey(id: $id) { title stops { poi { id name } } } }"
REVIEW_CREATE = """
mutation ReviewCreate($input: ReviewCreateInput!) {
  reviewCreate(input: $input) { review { id } errors { code } }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The app of these tests answers public content from its snapshot."""
    return with_settings(settings, content_snapshot=True)


async def _name(gql: Gql, poi_id: str = "van-mieu") -> str:
    body = await gql(POI, {"id": poi_id}, locale="en")
    assert "errors" not in body, body
    return str(body["data"]["poi"]["name"])


async def test_content_comes_from_memory_until_its_stamp_changes(tiny: Database, gql: Gql) -> None:
    # given the content loaded (the load's stamp made this process reload at once)
    assert await _name(gql) == "Temple of Literature"
    # when the database changes behind the app's back, without a new stamp
    await tiny["pois"].update_one({"_id": "van-mieu"}, {"$set": {"name.en": "Renamed"}})
    # then the answer is the snapshot's, lists and journeys' stops alike
    assert await _name(gql) == "Temple of Literature"
    stops = (await gql(JOURNEY, {"id": "pho-co"}, locale="en"))["data"]["journey"]["stops"]
    assert "Temple of Literature" in [stop["poi"]["name"] for stop in stops]
    # when staff edits bump the content revision, the next request reads the new content
    await meta_repository.bump_content_revision(tiny, at=datetime.now(UTC))
    assert await _name(gql) == "Renamed"
    stops = (await gql(JOURNEY, {"id": "pho-co"}, locale="en"))["data"]["journey"]["stops"]
    assert "Renamed" in [stop["poi"]["name"] for stop in stops]


async def test_another_process_sees_a_change_on_its_next_poll(tiny: Database) -> None:
    # given a second process's snapshot, loaded
    other = ContentSnapshot(tiny)
    assert await other.refresh(force=True)
    before = other.tourism
    assert before is not None and before.poi("van-mieu") is not None
    assert not await other.refresh()  # nothing changed: no reload
    # when another process edits a place and bumps the revision (not this process's counter)
    await tiny["pois"].delete_one({"_id": "van-mieu"})
    await tiny["meta"].update_one({"_id": "content"}, {"$inc": {"revision": 1}})
    assert await other.current() is before  # between polls: the copy it has
    # then its next poll reloads and swaps the copy in one step
    assert await other.refresh()
    after = other.tourism
    assert after is not None and after is not before and after.poi("van-mieu") is None
    assert after.entries == before.entries - 1 and other.reloads == 2


async def test_a_running_snapshot_follows_a_change_stream(tiny: Database) -> None:
    # given a second process's snapshot running, with a poll far too slow to be what reloads it
    swapped = asyncio.Event()
    loads: list[Loaded] = []

    def report(loaded: Loaded) -> None:
        loads.append(loaded)
        swapped.set()

    other = ContentSnapshot(tiny, poll_seconds=60.0, report=report)
    async with running(other):
        assert len(loads) == 1 and other.tourism is not None
        swapped.clear()
        # when a third process changes the content and its stamp
        await tiny["pois"].delete_one({"_id": "van-mieu"})
        await tiny["meta"].update_one({"_id": "content"}, {"$inc": {"revision": 1}})
        # then the change stream brings the new copy (long before the next poll)
        await asyncio.wait_for(swapped.wait(), timeout=20)
    assert other.change_stream and len(loads) == 2
    assert other.tourism is not None and other.tourism.poi("van-mieu") is None


async def test_ratings_are_live_while_descriptions_come_from_memory(
    tiny: Database, gql: Gql, make_token: Callable[..., str]
) -> None:
    # given the snapshot loaded before any review
    assert (await gql(POI, {"id": "van-mieu"}))["data"]["poi"]["rating"]["count"] == 0
    # when a visitor reviews a place
    created = await gql(
        REVIEW_CREATE,
        {"input": {"poiId": "van-mieu", "rating": 4}},
        token=make_token(uid="visitor-1"),
    )
    assert created["data"]["reviewCreate"]["errors"] == []
    # then lists and the place show the new rating at once (the content did not change)
    assert (await gql(POI, {"id": "van-mieu"}))["data"]["poi"]["rating"]["count"] == 1
    near = {"lat": 21.0282, "lng": 105.8356}
    edges = (await gql(POIS, {"near": near}))["data"]["pois"]["edges"]
    assert edges[0]["node"]["id"] == "van-mieu"
    assert edges[0]["node"]["rating"] == {"average": 4.0, "count": 1}


async def test_too_much_content_is_left_to_the_database(
    tiny: Database,
    settings: Settings,
    serve: Callable[[Settings], object],
) -> None:
    # given a process whose snapshot may hold fewer documents than the content has
    small = with_settings(settings, content_snapshot_max_entries=3)
    async for http in serve(small):  # type: ignore[attr-defined]
        # when the database changes behind its back
        await tiny["pois"].update_one({"_id": "van-mieu"}, {"$set": {"name.en": "Renamed"}})
        # then it answers from the database: nothing is stale, only slower
        body = (
            await http.post(
                "/graphql",
                json={"query": POI, "variables": {"id": "van-mieu"}},
                headers={"accept-language": "en"},
            )
        ).json()
        assert body["data"]["poi"]["name"] == "Renamed"
        near = {"query": POIS, "variables": {"near": HOAN_KIEM}}
        edges = (await http.post("/graphql", json=near)).json()["data"]["pois"]["edges"]
        assert len(edges) == 3


async def test_the_snapshot_reports_its_size(tiny: Database, gql: Gql, client: object) -> None:
    await _name(gql)  # the reload after the content load
    metrics = (await client.get("/metrics")).text  # type: ignore[attr-defined]
    values = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in metrics.splitlines()
        if line.startswith("thanglong_content_snapshot_")
    }
    assert values["thanglong_content_snapshot_entries"] >= 7  # the tiny set's places and journeys
    assert values["thanglong_content_snapshot_bytes"] > 1_000
    assert values["thanglong_content_snapshot_reloads_total"] >= 1
