"""Access logs are JSON lines with the request id, and carry no token, email or query string."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx
import pytest

from backend.logging import ACCESS_LOGGER, JsonFormatter


async def test_access_log_line_has_the_request_id_and_no_personal_data(
    client: httpx.AsyncClient, make_token: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    # given a signed-in resident whose token carries an email
    token = make_token(uid="lan", claims={"email": "lan.nguyen@example.com"})
    # when they call the API with personal data in the query string
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        response = await client.post(
            "/graphql?email=lan.nguyen@example.com",
            json={"query": "{ viewer { id } }"},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-12345678"},
        )
    assert response.json() == {"data": {"viewer": {"id": "lan"}}}
    # then one access line, as JSON, with the request id and what happened
    [record] = [r for r in caplog.records if r.name == ACCESS_LOGGER]
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["request_id"] == response.headers["x-request-id"] == "req-12345678"
    assert entry["method"] == "POST"
    assert entry["path"] == "/graphql"
    assert entry["status"] == 200
    assert entry["duration_ms"] >= 0
    assert {"time", "level", "logger", "message"} <= entry.keys()
    # and neither the bearer token, nor the email, nor the query string
    assert token not in line and token[-20:] not in line
    assert "example.com" not in line
    assert "email" not in line
