"""Live ratings read in shared batches (backend/tourism/service/ratings.py): concurrent requests
share reads, every answer comes from a read sent after it was asked, and the app's lists of
places use them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from backend.db import Database
from backend.settings import Settings
from backend.tourism import repository as tourism_repository
from backend.tourism.service.ratings import SharedRatingReads
from tests.conftest import with_settings
from tests.tourism.conftest import Gql

PLACES = ["van-mieu", "ho-hoan-kiem", "den-ngoc-son"]
REVIEW_CREATE = """
mutation ReviewCreate($input: ReviewCreateInput!) {
  reviewCreate(input: $input) { review { id } errors { code } }
}
"""
POIS = "query { pois(first: 10) { edges { node { id rating { average count } } } } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_settings(settings, content_snapshot=True)


async def test_concurrent_requests_share_reads_and_get_what_they_asked(tiny: Database) -> None:
    # given places with different ratings
    await tourism_repository.inc_rating(tiny, "van-mieu", delta_sum=9, delta_count=2)
    await tourism_repository.inc_rating(tiny, "ho-hoan-kiem", delta_sum=5, delta_count=1)
    shared = SharedRatingReads(tiny)
    # when 12 requests ask at once, for different places
    asked = [PLACES[: 1 + n % 3] for n in range(12)]
    answers = await asyncio.gather(*(shared.get(ids) for ids in asked))
    # then each gets its places' live ratings
    for ids, found in zip(asked, answers, strict=True):
        assert {i: found[i] for i in ids} == {
            i: {"van-mieu": (9, 2), "ho-hoan-kiem": (5, 1)}.get(i, (0, 0)) for i in ids
        }
    # from one read, sent once all of them had asked
    assert shared.reads == 1
    # and those who ask while a read is in flight share the next one
    first = asyncio.ensure_future(shared.get(["van-mieu"]))
    await asyncio.sleep(0)  # the first asks and its read is sent (order, not timing)
    later = await asyncio.gather(*(shared.get(["ho-hoan-kiem"]) for _ in range(5)))
    assert (await first)["van-mieu"] == (9, 2)
    assert all(found["ho-hoan-kiem"] == (5, 1) for found in later)
    assert shared.reads == 3


async def test_an_answer_never_predates_the_question(tiny: Database) -> None:
    shared = SharedRatingReads(tiny)
    first = asyncio.ensure_future(shared.get(["van-mieu"]))
    for n in range(1, 4):
        # a review lands, then a request asks: it must see that review
        await tourism_repository.inc_rating(tiny, "van-mieu", delta_sum=4, delta_count=1)
        assert (await shared.get(["van-mieu"]))["van-mieu"] == (4 * n, n)
    assert (await first)["van-mieu"][1] in {0, 1}


async def test_a_batch_has_a_bound_and_a_cancelled_request_leaves_the_read_to_others(
    tiny: Database,
) -> None:
    await tourism_repository.inc_rating(tiny, "den-ngoc-son", delta_sum=3, delta_count=1)
    shared = SharedRatingReads(tiny, max_ids=2)
    # given a batch that asks for one place, for two requests
    in_flight = asyncio.ensure_future(shared.get(["van-mieu"]))
    cancelled = asyncio.ensure_future(shared.get(["van-mieu"]))
    await asyncio.sleep(0)  # let both ask (no timing: only the order of asking matters)
    # when one of them is cancelled before the read is sent
    cancelled.cancel()
    # and a request for two more places, which would not fit in the batch, reads on its own
    alone = await shared.get(["den-ngoc-son", "ho-hoan-kiem"])
    assert alone == {"den-ngoc-son": (3, 1), "ho-hoan-kiem": (0, 0)}
    # then the cancelled one did not take the read from the one still waiting
    assert (await in_flight)["van-mieu"] == (0, 0)
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert shared.reads == 2


async def test_lists_of_places_show_a_review_at_once(
    tiny: Database, gql: Gql, make_token: Callable[..., str]
) -> None:
    # given a list answered from the snapshot, before any review
    before = await gql(POIS)
    assert all(e["node"]["rating"]["count"] == 0 for e in before["data"]["pois"]["edges"])
    # when a visitor reviews a place, then several lists are asked for at once
    created = await gql(
        REVIEW_CREATE,
        {"input": {"poiId": "van-mieu", "rating": 5}},
        token=make_token(uid="visitor-shared"),
    )
    assert created["data"]["reviewCreate"]["errors"] == []
    bodies = await asyncio.gather(*(gql(POIS) for _ in range(6)))
    # then every one of them shows it
    for body in bodies:
        ratings = {e["node"]["id"]: e["node"]["rating"] for e in body["data"]["pois"]["edges"]}
        assert ratings["van-mieu"] == {"average": 5.0, "count": 1}
