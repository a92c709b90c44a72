"""Offline packs: a strong ETag, 304 on a match, a new version when content changes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from backend.db import Database
from backend.meta import repository as meta_repository
from backend.seed import migrate
from tests.tourism.conftest import Gql, tiny_journeys, tiny_pois, write_content

PACK_URL = "/offline/journeys/pho-co.json"
OFFLINE_PACK = """
query OfflinePack($id: ID!) { journey(id: $id) { offlinePack { url version sizeBytes } } }
"""


async def test_pack_has_a_strong_etag_and_answers_304(
    tiny: Database, client: httpx.AsyncClient
) -> None:
    # given a journey, when its pack is downloaded
    response = await client.get(PACK_URL, params={"locale": "en"})
    # then it holds the journey, its stops' places and the content version, with a strong ETag
    assert response.status_code == 200
    etag = response.headers["etag"]
    assert etag == '"' + hashlib.sha256(response.content).hexdigest() + '"'
    pack = response.json()
    assert pack["journey"]["title"] == "Old Quarter walk"
    assert [p["id"] for p in pack["pois"]] == ["van-mieu", "ho-hoan-kiem", "den-ngoc-son"]
    # and its stops have the ids journeyCheckIn takes (JourneyStop.id), offline too
    stops = pack["journey"]["stops"]
    assert [(s["id"], s["poi"]) for s in stops] == [
        ("pho-co:1", "van-mieu"),
        ("pho-co:2", "ho-hoan-kiem"),
        ("pho-co:3", "den-ngoc-son"),
    ]
    assert pack["pois"][0]["name"] == "Temple of Literature"
    assert pack["content_version"] == response.headers["x-content-version"]
    # when asked again with the ETag, then 304 with no body
    cached = await client.get(PACK_URL, params={"locale": "en"}, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    # and the Vietnamese pack is another representation
    vietnamese = await client.get(
        PACK_URL, params={"locale": "vi"}, headers={"If-None-Match": etag}
    )
    assert vietnamese.status_code == 200
    assert vietnamese.json()["journey"]["title"] == "Dạo phố cổ"


async def test_unknown_journey_or_locale(tiny: Database, client: httpx.AsyncClient) -> None:
    assert (await client.get("/offline/journeys/nope.json")).status_code == 404
    assert (await client.get(PACK_URL, params={"locale": "not a tag"})).status_code == 400
    # any BCP 47 tag is read: a French phone gets the English pack, vi-VN the Vietnamese one
    french = await client.get(PACK_URL, params={"locale": "fr-FR"})
    assert (french.status_code, french.json()["locale"]) == (200, "en")
    vietnamese = await client.get(PACK_URL, params={"locale": "vi-VN"})
    assert vietnamese.json()["locale"] == "vi"


async def test_pack_version_changes_when_content_changes(
    tiny: Database, client: httpx.AsyncClient, gql: Gql, tmp_path: Path
) -> None:
    # given a downloaded pack and its GraphQL description
    before = await client.get(PACK_URL, params={"locale": "en"})
    described = (await gql(OFFLINE_PACK, {"id": "pho-co"}, locale="en"))["data"]["journey"]
    info = described["offlinePack"]
    assert info["url"] == PACK_URL + "?locale=en"
    assert info["sizeBytes"] == len(before.content)
    assert info["version"] == before.json()["content_version"]
    # when the content changes and is reloaded
    journeys = tiny_journeys()
    journeys[0]["stops"][1]["story"]["en"] = "The golden turtle, retold"
    changed = write_content(tmp_path / "changed", tiny_pois(), journeys)
    result = await migrate(tiny, reload_content=True, content_dir=changed)
    assert result.content_loaded
    # then the pack has a new version and ETag, and the old ETag no longer matches
    after = await client.get(
        PACK_URL, params={"locale": "en"}, headers={"If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["content_version"] == result.content_version != info["version"]
    assert after.json()["journey"]["stops"][1]["story"] == "The golden turtle, retold"
    new_info = (await gql(OFFLINE_PACK, {"id": "pho-co"}, locale="en"))["data"]["journey"]
    assert new_info["offlinePack"]["version"] == result.content_version
    # and reloading keeps nothing stale: the pack is still deterministic
    again = await client.get(PACK_URL, params={"locale": "en"})
    assert again.headers["etag"] == after.headers["etag"]
    assert json.loads(again.content) == after.json()


JOURNEY_PACKS = """
query JourneyPacks { journeys(first: 10) { edges { node { id offlinePack { url sizeBytes } } } } }
"""


async def test_a_list_of_journeys_builds_its_packs_from_one_set_of_reads(
    tiny: Database, client: httpx.AsyncClient, gql: Gql, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the content version read is counted
    reads: list[object] = []
    version_of = meta_repository.get_content_version

    async def counted(db: Database) -> object:
        reads.append(db)
        return await version_of(db)

    monkeypatch.setattr(meta_repository, "get_content_version", counted)
    # when a list of journeys asks for every offline pack
    body = await gql(JOURNEY_PACKS, locale="en")
    # then each journey has its own pack, the one the route serves, from one version read
    edges = body["data"]["journeys"]["edges"]
    assert len(edges) == len(tiny_journeys()) > 1
    assert len(reads) == 1
    for edge in edges:
        pack = edge["node"]["offlinePack"]
        assert pack["url"] == f"/offline/journeys/{edge['node']['id']}.json?locale=en"
        served = await client.get(pack["url"])
        assert served.json()["journey"]["id"] == edge["node"]["id"]
        assert pack["sizeBytes"] == len(served.content)
