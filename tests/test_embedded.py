"""The embedded database keeps its data across a restart, and refuses a second owner."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from backend.embedded import EmbeddedMongo


async def test_data_survives_a_restart(tmp_path: Path) -> None:
    storage = tmp_path / "db"
    # given a server on disk with one document written through the async driver
    with EmbeddedMongo(storage) as first:
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(first.uri)
        await client.city.reports.insert_one({"_id": "r1", "description": "Ổ gà trên phố Huế"})
        await client.close()
    # when it stops and starts again on the same storage (another port)
    with EmbeddedMongo(storage) as second:
        client = AsyncMongoClient(second.uri)
        stored = await client.city.reports.find_one({"_id": "r1"})
        await client.close()
    # then the document is still there
    assert stored == {"_id": "r1", "description": "Ổ gà trên phố Huế"}


def test_second_server_on_the_same_storage_fails_clearly(tmp_path: Path) -> None:
    with (
        EmbeddedMongo(tmp_path / "db"),
        pytest.raises(RuntimeError, match="secantusd-py exited"),
    ):
        EmbeddedMongo(tmp_path / "db").start()
