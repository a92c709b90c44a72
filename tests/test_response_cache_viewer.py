"""The response cache keys on what a selection asks, not on whether a token came with it:
signed-in viewers share public answers, never personal ones, and their tokens are still checked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from backend.schema import build_schema
from backend.settings import Settings
from backend.viewer_fields import ViewerFields
from tests.conftest import with_settings

PLACES = """
query Places { pois(first: 5) { edges { node { id name rating { count } } } } }
"""
# `mine` is the viewer's: whoever asks with a token is answered for themselves.
REVIEWS = """
query Reviews($id: ID!) {
  poi(id: $id) { id reviews(first: 10) { edges { node { rating mine } } } }
}
"""
# The same through a fragment: the personal field is found wherever it is selected.
REVIEWS_BY_FRAGMENT = """
query ReviewsByFragment($id: ID!) { poi(id: $id) { ...Mine } }
fragment Mine on Poi { reviews(first: 10) { edges { node { mine } } } }
"""
REVIEW_CREATE = """
mutation ReviewCreate($input: ReviewCreateInput!) {
  reviewCreate(input: $input) { errors { code } }
}
"""


@pytest.fixture
async def cached(
    settings: Settings, serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its content and the response cache on (the public version re-read always)."""
    changed = with_settings(
        settings, seed_on_start=True, response_cache=True, public_version_refresh_seconds=0
    )
    async for client in serve(changed):
        yield client


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None
) -> httpx.Response:
    headers = {"accept-language": "en"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


async def test_public_selections_are_shared_by_signed_in_viewers(
    cached: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    # given an anonymous answer in the cache
    anonymous = await _post(cached, PLACES)
    assert anonymous.headers["x-cache"] == "MISS"
    # when two signed-in viewers ask the same thing
    alice = await _post(cached, PLACES, token=make_token(uid="alice"))
    bob = await _post(cached, PLACES, token=make_token(uid="bob"))
    # then both get the shared answer, kept private on the way out
    assert alice.headers["x-cache"] == bob.headers["x-cache"] == "HIT"
    assert alice.content == bob.content == anonymous.content
    assert alice.headers["cache-control"] == "private, no-store"
    assert "etag" not in alice.headers


async def test_no_personal_field_leaks_from_one_viewer_to_another(
    cached: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    place = (await _post(cached, PLACES)).json()["data"]["pois"]["edges"][0]["node"]["id"]
    alice, bob = make_token(uid="alice"), make_token(uid="bob")
    review = {"input": {"poiId": place, "rating": 5}}
    assert (await _post(cached, REVIEW_CREATE, review, alice)).json()["data"]["reviewCreate"][
        "errors"
    ] == []
    for query in (REVIEWS, REVIEWS_BY_FRAGMENT):
        for _ in range(2):  # a second round would find whatever the first one cached
            answers = {
                who: await _post(cached, query, {"id": place}, token)
                for who, token in (("alice", alice), ("bob", bob), ("anonymous", None))
            }
            mine = {
                who: [
                    edge["node"]["mine"]
                    for edge in response.json()["data"]["poi"]["reviews"]["edges"]
                ]
                for who, response in answers.items()
            }
            # alice's review is hers for her only
            assert mine == {"alice": [True], "bob": [False], "anonymous": [False]}
            assert "x-cache" not in answers["alice"].headers
            assert "x-cache" not in answers["bob"].headers


async def test_a_bad_token_is_refused_even_when_the_answer_is_cached(
    cached: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    # given the answer in the cache
    await _post(cached, PLACES)
    assert (await _post(cached, PLACES)).headers["x-cache"] == "HIT"
    # when a token is expired, or signed by somebody else
    for token in (make_token(uid="alice", expires_in=-60), "not-a-token"):
        refused = await _post(cached, PLACES, token=token)
        # then it is refused like on any request, cache or not
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "x-cache" not in refused.headers


async def test_a_signed_in_viewers_language_keys_the_cache(
    cached: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    token = make_token(uid="alice")
    english = await _post(cached, PLACES, token=token)
    vietnamese = await cached.post(
        "/graphql",
        json={"query": PLACES},
        headers={"authorization": f"Bearer {token}", "accept-language": "vi"},
    )
    assert vietnamese.headers["x-cache"] == "MISS"
    assert vietnamese.content != english.content


def test_viewer_dependent_fields_are_found_in_declarations_guards_and_resolvers() -> None:
    fields = ViewerFields(build_schema(production=False)._schema)
    # declared (computed by the parent), guarded by permissions, read in the resolver
    assert {"Review.mine", "Query.myJourneys", "Poi.reviews"} <= fields.fields
    assert not {"Poi.name", "Poi.rating", "Query.pois", "Journey.offlinePack"} & fields.fields
    assert fields.touched(REVIEWS_BY_FRAGMENT) and fields.touched("{ pois(first: 1) {")
    assert not fields.touched(PLACES)
