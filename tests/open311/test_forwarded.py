"""Behind a load balancer, links name the public host it was asked for, if it is trusted."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from backend.app import create_app
from backend.settings import Settings
from tests.conftest import with_settings

DISCOVERY = "/open311/v2/discovery.json"
FORWARDED = {"X-Forwarded-Host": "api.thanglong.example, inner.proxy", "Host": "10.0.0.5:8000"}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[object]:
    # given a web process that trusts the balancers of 10.8.0.0/16
    app = create_app(with_settings(settings, forwarded_allow_ips=("10.8.0.0/16",)))
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        yield manager.app


async def endpoint_url(app: object, client_ip: str, headers: dict[str, str]) -> str:
    transport = httpx.ASGITransport(app=app, client=(client_ip, 40_000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get(DISCOVERY, headers=headers)
    assert response.status_code == 200, response.text
    url: str = response.json()["endpoints"][0]["url"]
    return url


async def test_a_trusted_balancer_names_the_host(app: object) -> None:
    # when the balancer forwards a request for the public host, then links name it
    url = await endpoint_url(app, "10.8.3.4", FORWARDED)
    assert url == "http://api.thanglong.example/open311/v2"


async def test_anyone_else_cannot_choose_the_host(app: object) -> None:
    # when a client outside the trusted range sends the same header, then it is ignored
    url = await endpoint_url(app, "203.0.113.9", FORWARDED)
    assert url == "http://10.0.0.5:8000/open311/v2"
    # and a forwarded host that is not a host name is ignored even from the balancer
    bad = {"X-Forwarded-Host": "evil.example/path?x=1", "Host": "10.0.0.5:8000"}
    assert await endpoint_url(app, "10.8.3.4", bad) == "http://10.0.0.5:8000/open311/v2"
