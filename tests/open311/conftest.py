"""Fixtures of the Open311 tests: content loaded, a partner key, and JSON/XML helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from backend.open311 import service as open311_service
from backend.settings import Settings
from tests.conftest import with_settings

V2 = "/open311/v2"
# Hoàn Kiếm lake, in the old quarter.
LAKE = {"lat": "21.0287", "long": "105.8524"}
# Elements whose children are a list (GeoReport v2 names them so).
LIST_TAGS = frozenset(
    {"services", "service_requests", "errors", "endpoints", "formats", "attributes", "values"}
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Load content/ (categories, areas, sites) into the test's database at startup."""
    return with_settings(settings, seed_on_start=True)


@pytest.fixture
def db(db_client: Any, settings: Settings) -> Any:
    return db_client[settings.mongodb_db]


@pytest.fixture
async def api_key(client: httpx.AsyncClient, db: Any) -> str:
    """A partner key issued the way `open311 key-create` issues it."""
    _, secret = await open311_service.create_key(db=db, name="FixMyHanoi", now=datetime.now(UTC))
    return secret


def xml_content(element: ET.Element) -> Any:
    """An XML answer as plain data: list elements become lists, leaves their text (or None)."""
    if element.tag in LIST_TAGS:
        return [xml_content(child) for child in element]
    if len(element):
        return {child.tag: xml_content(child) for child in element}
    return element.text


def as_text(value: Any) -> Any:
    """JSON content as XML carries it: text leaves, empty strings as None."""
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if isinstance(value, dict):
        return {key: as_text(item) for key, item in value.items()}
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


Fetch = Callable[..., Awaitable[tuple[httpx.Response, Any]]]


@pytest.fixture
def both(client: httpx.AsyncClient) -> Fetch:
    """Request `path` as .json and .xml; assert both parse and carry the same content."""

    async def fetch(
        path: str, *, method: str = "GET", root: str, **kwargs: Any
    ) -> tuple[httpx.Response, Any]:
        as_json = await client.request(method, f"{V2}/{path}.json", **kwargs)
        as_xml = await client.request(method, f"{V2}/{path}.xml", **kwargs)
        assert as_json.status_code == as_xml.status_code, (as_json.text, as_xml.text)
        assert as_json.headers["content-type"].startswith("application/json")
        assert as_xml.headers["content-type"].startswith("text/xml")
        tree = ET.fromstring(as_xml.content)  # noqa: S314 (our own answer, not untrusted input)
        assert tree.tag == root
        assert xml_content(tree) == as_text(as_json.json())
        return as_json, as_json.json()

    return fetch


def request_form(api_key: str | None, **changes: Any) -> dict[str, str]:
    form: dict[str, str] = {
        "service_code": "pothole",
        "description": "Ổ gà lớn giữa đường, xe máy dễ ngã",
        "address_string": "Đinh Tiên Hoàng, Hoàn Kiếm",
        "device_id": "device-1",
        **LAKE,
    }
    if api_key is not None:
        form["api_key"] = api_key
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}
