"""Reviews: one per user per place, a running rating aggregate, moderator hiding with audit."""

from __future__ import annotations

from collections.abc import Callable

from backend.db import Database
from tests.tourism.conftest import Gql

REVIEW_CREATE = """
mutation ReviewCreate($input: ReviewCreateInput!) {
  reviewCreate(input: $input) {
    review { id rating text mine }
    errors { field message code }
  }
}
"""
REVIEW_HIDE = """
mutation ReviewHide($input: ReviewHideInput!) {
  reviewHide(input: $input) { review { id hidden } errors { field code } }
}
"""
POI_REVIEWS = """
query PoiReviews($id: ID!) {
  poi(id: $id) {
    rating { average count }
    reviews(first: 10) { edges { node { id rating text mine } } }
  }
}
"""


async def _review(gql: Gql, token: str, rating: int, text: str = "", poi: str = "van-mieu") -> dict:
    variables = {"input": {"poiId": poi, "rating": rating, "text": text}}
    return (await gql(REVIEW_CREATE, variables, token=token))["data"]["reviewCreate"]


async def _poi(gql: Gql, token: str | None = None) -> dict:
    return (await gql(POI_REVIEWS, {"id": "van-mieu"}, token=token))["data"]["poi"]


async def test_one_review_per_user_with_rating_across_create_edit_and_hide(
    tiny: Database, gql: Gql, make_token: Callable[..., str]
) -> None:
    alice, bob = make_token(uid="alice"), make_token(uid="bob")
    moderator = make_token(uid="mod", claims={"role": "moderator"})
    # given two reviews, 5 and 3 stars
    first = await _review(gql, alice, 5, "Beautiful courtyards")
    await _review(gql, bob, 3)
    assert (await _poi(gql))["rating"] == {"average": 4.0, "count": 2}
    # when Alice reviews again, then her review is edited, not duplicated
    edited = await _review(gql, alice, 1, "Too crowded")
    assert edited["review"]["id"] == first["review"]["id"]
    poi = await _poi(gql, alice)
    assert poi["rating"] == {"average": 2.0, "count": 2}
    assert [(e["node"]["text"], e["node"]["mine"]) for e in poi["reviews"]["edges"]] == [
        ("", False),
        ("Too crowded", True),
    ]
    # when a moderator hides Bob's review, then it leaves the list and the rating
    bob_review = next(e["node"]["id"] for e in poi["reviews"]["edges"] if not e["node"]["mine"])
    hide = {"input": {"reviewId": bob_review, "reason": "spam"}}
    hidden = (await gql(REVIEW_HIDE, hide, token=moderator))["data"]["reviewHide"]
    assert hidden == {"review": {"id": bob_review, "hidden": True}, "errors": []}
    poi = await _poi(gql)
    assert poi["rating"] == {"average": 1.0, "count": 1}
    assert len(poi["reviews"]["edges"]) == 1
    # and hiding again changes nothing
    await gql(REVIEW_HIDE, hide, token=moderator)
    assert (await _poi(gql))["rating"] == {"average": 1.0, "count": 1}
    # and the action is in the audit log, once
    entries = await tiny["audit_log"].find({}, {"_id": 0, "at": 0}).to_list()
    assert entries == [
        {
            "actor": "mod",
            "action": "review.hide",
            "object_type": "review",
            "object_id": bob_review,
            "reason": "spam",
            "before": {"hidden": False},
            "after": {"hidden": True},
        }
    ]
    # and Bob cannot edit his hidden review back into view
    refused = await _review(gql, bob, 5)
    assert refused["errors"][0]["code"] == "REVIEW_HIDDEN"
    assert (await _poi(gql))["rating"] == {"average": 1.0, "count": 1}


async def test_only_moderators_hide_reviews(
    tiny: Database, gql: Gql, make_token: Callable[..., str]
) -> None:
    review = await _review(gql, make_token(uid="alice"), 4)
    hide = {"input": {"reviewId": review["review"]["id"], "reason": "dislike"}}
    body = await gql(REVIEW_HIDE, hide, token=make_token(uid="eve"))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    moderator = make_token(uid="mod", claims={"role": "moderator"})
    missing = {"input": {"reviewId": "not-an-id", "reason": "spam"}}
    body = (await gql(REVIEW_HIDE, missing, token=moderator))["data"]["reviewHide"]
    assert body["errors"] == [{"field": "reviewId", "code": "NOT_FOUND"}]


async def test_review_input_errors_are_reported_together(
    tiny: Database, gql: Gql, make_token: Callable[..., str]
) -> None:
    token = make_token(uid="alice")
    body = await _review(gql, token, 6, "x" * 2001)
    assert body["review"] is None
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("rating", "INVALID"),
        ("text", "INVALID"),
    ]
    missing = await _review(gql, token, 4, poi="nowhere")
    assert [(e["field"], e["code"]) for e in missing["errors"]] == [("poiId", "NOT_FOUND")]
    anonymous = await gql(REVIEW_CREATE, {"input": {"poiId": "van-mieu", "rating": 4}})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


POIS_WITH_REVIEWS = """
query PoisWithReviews($after: String) {
  pois(first: 10) {
    edges {
      node { id rating { count } reviews(first: 5, after: $after) { edges { node { rating } } } }
    }
  }
}
"""


async def test_a_list_of_places_gets_each_its_own_reviews(
    tiny: Database, gql: Gql, make_token: Callable[..., str]
) -> None:
    # given reviews of two places
    await _review(gql, make_token(uid="alice"), 5, poi="van-mieu")
    await _review(gql, make_token(uid="bob"), 3, poi="den-ngoc-son")
    await _review(gql, make_token(uid="carol"), 4, poi="den-ngoc-son")
    # when a list of places asks for their reviews
    body = await gql(POIS_WITH_REVIEWS)
    # then each place has its own, newest first, matching its rating
    nodes = {e["node"]["id"]: e["node"] for e in body["data"]["pois"]["edges"]}
    ratings = {
        poi: [r["node"]["rating"] for r in node["reviews"]["edges"]] for poi, node in nodes.items()
    }
    assert ratings["van-mieu"] == [5]
    assert ratings["den-ngoc-son"] == [4, 3]
    assert ratings["ho-tay"] == []
    assert all(node["rating"]["count"] == len(ratings[poi]) for poi, node in nodes.items())
    # and a cursor that is not one is an error, not an empty list
    bad = await gql(POIS_WITH_REVIEWS, {"after": "not-a-cursor"})
    assert bad["data"] is None
    assert {error["extensions"]["code"] for error in bad["errors"]} == {"INVALID_CURSOR"}
    assert bad["errors"][0]["path"][-1] == "reviews"
