"""A partner's flow with the PyPI Open311 client `georeport`, against the app on a real port.

georeport 0.3.1 lists services, reads a service's definition and reads requests, in JSON and in
XML (parsed with xmltodict); it has no discovery call and cannot file a request ("does not
currently support the creation of new 311 service requests"). Those two steps go through
`requests`, the library's own HTTP client, as a partner app built on it would: discovery as the
spec names it, and the request with `api_key` in the query string, without coordinates or a
description, which clients send and GeoReport v2 allows.

The library sends no Accept-Language and takes no headers or extra parameters: what it reads is
in Vietnamese, the default. The same requests in English (Accept-Language, as an English phone
sends it) go through `requests` too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import orjson
import pytest
import requests
from georeport import GeoReport

from backend.clock import HANOI
from backend.i18n import Locale, Message
from backend.open311 import service as open311_service
from tests.open311.conftest import ENGLISH, xml_content

pytestmark = [pytest.mark.timeout(180), pytest.mark.usefixtures("no_proxy")]

ADDRESS = "Số 1 Đinh Tiên Hoàng, phường Hoàn Kiếm, Hà Nội"
HOAN_KIEM = {"code": "00070", "vi": "Phường Hoàn Kiếm", "lat": 21.032, "lng": 105.85}


def partner_flow(root: str, api_key: str) -> dict[str, Any]:
    """Everything a partner app does, synchronously, as the library does it."""
    seen: dict[str, Any] = {}
    # discovery (the spec's document; georeport has no call for it)
    discovery = requests.get(f"{root}/discovery.json", timeout=30)
    discovery.raise_for_status()
    seen["discovery"] = discovery.json()
    as_json = GeoReport(root, api_key=api_key)
    as_xml = GeoReport(root, api_key=api_key, output_format="xml")
    seen["services"] = as_json.get_service_list()
    seen["services_xml"] = as_xml.get_service_list()
    seen["definition"] = as_json.get_service_definition("pothole")
    seen["definition_xml"] = as_xml.get_service_definition("pothole")
    # filing: api_key in the query string, only an address, no description
    filed = requests.post(
        f"{root}/requests.json",
        params={"api_key": api_key},
        data={"service_code": "pothole", "address_string": ADDRESS},
        timeout=30,
    )
    seen["filed"] = (filed.status_code, filed.json())
    # and one with coordinates and a description, the key in the form as the spec has it
    exact = requests.post(
        f"{root}/requests.xml",
        data={
            "api_key": api_key,
            "service_code": "flooding",
            "lat": "21.0287",
            "long": "105.8524",
            "description": "Ngập sâu nửa bánh xe ở ngã tư",
        },
        timeout=30,
    )
    seen["exact"] = (exact.status_code, exact.text)
    request_id = filed.json()[0]["service_request_id"]
    seen["one"] = as_json.get_service_request(request_id)
    seen["one_xml"] = as_xml.get_service_request(request_id)
    now = datetime.now(UTC).astimezone(HANOI)
    window = {
        "start_date": (now - timedelta(days=1)).isoformat(timespec="seconds"),
        "end_date": (now + timedelta(minutes=5)).isoformat(timespec="seconds"),
    }
    seen["open"] = as_json.get_service_requests(status="open", **window)
    seen["potholes_xml"] = as_xml.get_service_requests(service_code="pothole", **window)
    seen["closed"] = as_json.get_service_requests(status="closed")
    return seen


# Each error a reading client meets: the library's call, the same request as path and query
# string, and what it says.
Read = Callable[[GeoReport], object]
READ_ERRORS: list[tuple[Read, str, dict[str, str], int, Message]] = [
    (
        lambda library: library.get_service_definition("volcano"),
        "services/volcano",
        {},
        404,
        Message(en="service_code 'volcano' not found", vi="không tìm thấy service_code 'volcano'"),
    ),
    (
        lambda library: library.get_service_request("nonsense"),
        "requests/nonsense",
        {},
        404,
        Message(
            en="service_request_id 'nonsense' not found",
            vi="không tìm thấy service_request_id 'nonsense'",
        ),
    ),
    (
        lambda library: library.get_service_requests(status="pending"),
        "requests",
        {"status": "pending"},
        400,
        Message(en="status must be open or closed", vi="status phải là open hoặc closed"),
    ),
    (
        lambda library: library.get_service_requests(start_date="yesterday"),
        "requests",
        {"start_date": "yesterday"},
        400,
        Message(
            en="start_date must be an ISO 8601 date and time",
            vi="start_date phải là ngày giờ theo ISO 8601",
        ),
    ),
    (
        lambda library: library.get_service_requests(service_code="volcano"),
        "requests",
        {"service_code": "volcano"},
        400,
        Message(en="service_code volcano not found", vi="không tìm thấy service_code volcano"),
    ),
]
# Each error a filing client meets (the library cannot file): the form, and what it says.
FILING_ERRORS: list[tuple[dict[str, str], int, Message]] = [
    (
        {"service_code": "pothole", "lat": "21.0287", "long": "105.8524"},
        403,
        Message(en="api_key is required to submit requests", vi="cần có api_key để gửi phản ánh"),
    ),
    (
        {"api_key": "KEY", "service_code": "pothole", "lat": "10.776", "long": "106.70"},
        400,
        Message(
            en="lat/long: This place is outside Hanoi", vi="lat/long: Địa điểm này nằm ngoài Hà Nội"
        ),
    ),
]


def error_of(body: str, fmt: str) -> Any:
    """The spec's error list, from JSON or XML."""
    if fmt == "xml":
        return xml_content(ET.fromstring(body))  # noqa: S314 (our own answer)
    return orjson.loads(body)


def errors_flow(root: str, api_key: str) -> list[tuple[str, str, int, Any]]:
    """Every error above, by the library (Vietnamese) and by `requests` in English and in
    Vietnamese, JSON and XML: (language, format, status, error list)."""
    seen = []
    for fmt in ("json", "xml"):
        library = GeoReport(root, api_key=api_key, output_format=fmt)
        for read, path, params, _, _ in READ_ERRORS:
            try:
                read(library)
            except requests.HTTPError as error:
                body = error.response
                seen.append(("vi", fmt, body.status_code, error_of(body.text, fmt)))
            else:
                raise AssertionError(f"no error for {path} {params}")
            url = f"{root}/{path}.{fmt}"
            body = requests.get(url, params=params, headers=ENGLISH, timeout=30)
            seen.append(("en", fmt, body.status_code, error_of(body.text, fmt)))
        for form, _, _ in FILING_ERRORS:
            form = {**form, "api_key": api_key} if "api_key" in form else form
            for language, headers in (("vi", {}), ("en", ENGLISH)):
                url = f"{root}/requests.{fmt}"
                body = requests.post(url, data=form, headers=headers, timeout=30)
                seen.append((language, fmt, body.status_code, error_of(body.text, fmt)))
    return seen


async def test_the_georeport_client_runs_a_partners_flow(live_server: str, db: Any) -> None:
    # given the app on a loopback port and a partner's key
    _, api_key = await open311_service.create_key(db=db, name="Partner", now=datetime.now(UTC))
    root = f"{live_server}/open311/v2"

    # when a partner app runs its flow with the library
    seen = await asyncio.to_thread(partner_flow, root, api_key)

    # then discovery names this endpoint, with the services' changeset
    [endpoint] = seen["discovery"]["endpoints"]
    assert endpoint["url"] == root
    assert endpoint["changeset"] == seen["discovery"]["changeset"]
    assert seen["discovery"]["changeset"] > "2025-01-01"
    # and the services and the definition read the same in JSON and XML
    pothole = next(s for s in seen["services"] if s["service_code"] == "pothole")
    assert pothole["service_name"] == "Ổ gà, hư hỏng mặt đường"
    assert len(seen["services_xml"]) == len(seen["services"]) == 18
    pothole_xml = next(s for s in seen["services_xml"] if s["service_code"] == "pothole")
    assert pothole_xml["service_name"] == pothole["service_name"]
    assert pothole_xml["metadata"] == "false"
    assert seen["definition"] == {"service_code": "pothole", "attributes": []}
    assert seen["definition_xml"] == {"service_code": "pothole", "attributes": None}

    # and the address-only request with the key in the query string was filed, approximate
    status, [created] = seen["filed"]
    assert status == 200, created
    assert "Vị trí gần đúng: trung tâm Phường Hoàn Kiếm" in created["service_notice"]
    exact_status, exact_body = seen["exact"]
    assert exact_status == 200, exact_body
    assert "<service_request_id>" in exact_body
    # and reading it back says where it was put and why
    one = seen["one"]
    assert one["service_request_id"] == created["service_request_id"]
    assert one["description"] == "Ổ gà, hư hỏng mặt đường (không có mô tả)"
    assert (one["lat"], one["long"]) == (HOAN_KIEM["lat"], HOAN_KIEM["lng"])
    assert (one["area_code"], one["area_name"]) == (HOAN_KIEM["code"], HOAN_KIEM["vi"])
    assert one["address"] == f"{ADDRESS} (vị trí gần đúng: trung tâm Phường Hoàn Kiếm)"
    assert one["status_notes"].startswith("Vị trí gần đúng: đặt ở trung tâm Phường Hoàn Kiếm")
    one_xml = seen["one_xml"]
    assert {k: one_xml[k] for k in ("service_request_id", "address", "status_notes", "lat")} == {
        "service_request_id": one["service_request_id"],
        "address": one["address"],
        "status_notes": one["status_notes"],
        "lat": str(HOAN_KIEM["lat"]),
    }

    # and the list filters hold what was filed
    assert sorted(r["service_code"] for r in seen["open"]) == ["flooding", "pothole"]
    # (one element: xmltodict gives the element itself, not a list)
    assert seen["potholes_xml"]["service_request_id"] == one["service_request_id"]
    assert seen["closed"] == []


async def test_the_georeport_client_reads_each_error_in_the_asked_language(
    live_server: str, db: Any
) -> None:
    # given the app on a loopback port and a partner's key
    _, api_key = await open311_service.create_key(db=db, name="Partner", now=datetime.now(UTC))
    # when a partner meets each error, through the library and in English through its client
    seen = await asyncio.to_thread(errors_flow, f"{live_server}/open311/v2", api_key)
    # then each is the spec's error list in either format, in Vietnamese unless English was asked
    said = [(status, text) for *_, status, text in READ_ERRORS] + [
        (status, text) for _, status, text in FILING_ERRORS
    ]
    assert seen == [
        (language, fmt, status, [{"code": code(status), "description": text.in_(Locale(language))}])
        for fmt, code in (("json", int), ("xml", str))  # XML carries text
        for status, text in said
        for language in ("vi", "en")
    ]
