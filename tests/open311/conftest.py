"""Fixtures of the Open311 tests: content loaded, a partner key, JSON/XML helpers, and the app
served on a real loopback port for client libraries."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest
import uvicorn
from pymongo import AsyncMongoClient

from backend.app import create_app
from backend.i18n import Locale, Message
from backend.open311 import service as open311_service
from backend.settings import Settings
from tests.conftest import SeedTemplates, with_settings

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


# A partner app on an English phone (Accept-Language as Android and iOS send it).
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
Said = dict[str, tuple[int, Any]]
Ask = Callable[..., Awaitable[Said]]


@pytest.fixture
def in_both_languages(both: Fetch) -> Ask:
    """Request `path` naming no language (Vietnamese, the default) and in English
    (Accept-Language), each as .json and .xml; `{"vi": (status, body), "en": (status, body)}`."""

    async def ask(path: str, *, method: str = "GET", root: str, **kwargs: Any) -> Said:
        said: Said = {}
        for language, extra in (("vi", {}), ("en", ENGLISH)):
            headers = {**kwargs.get("headers", {}), **extra}
            response, body = await both(
                path, method=method, root=root, **{**kwargs, "headers": headers}
            )
            said[language] = (response.status_code, body)
        return said

    return ask


def spec_errors(status: int, *descriptions: Message) -> Said:
    """What `in_both_languages` gets for an error: the same list, said in each language."""
    return {
        language: (
            status,
            [{"code": status, "description": d.in_(Locale(language))} for d in descriptions],
        )
        for language in ("vi", "en")
    }


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


class LiveServer:
    """The app under uvicorn in a thread, on a loopback socket bound before it starts.

    Bound first, the socket queues connections until the app has started (lifespan included),
    so a client's first request simply waits for it: nothing polls or sleeps.
    """

    def __init__(self, settings: Settings) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(128)
        host, port = self.socket.getsockname()
        self.url = f"http://{host}:{port}"
        config = uvicorn.Config(
            create_app(settings), log_config=None, log_level="warning", lifespan="on",
            access_log=False,
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="open311-live"
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        # The first answer proves the lifespan ran; a start-up failure times out, never hangs.
        ready = httpx.get(f"{self.url}/readyz", timeout=60)
        assert ready.status_code == 200, ready.text
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()
        assert not self.thread.is_alive(), "the server did not stop"


@pytest.fixture
async def live_server(settings: Settings, seed_templates: SeedTemplates) -> AsyncIterator[str]:
    """The app on a real loopback port, content loaded (the worker's server takes its database)."""
    admin: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(seed_templates.uri, tz_aware=True)
    try:
        await seed_templates.copy(admin[settings.mongodb_db])
        with LiveServer(settings) as server:
            yield server.url
    finally:
        await admin.close()


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """requests honours *_PROXY variables: loopback must never go through one."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    yield
