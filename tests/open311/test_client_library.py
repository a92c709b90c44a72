"""A partner's flow with the PyPI Open311 client `georeport`, against the app on a real port.

georeport 0.3.1 lists services, reads a service's definition and reads requests, in JSON and in
XML (parsed with xmltodict); it has no discovery call and cannot file a request ("does not
currently support the creation of new 311 service requests"). Those two steps go through
`requests`, the library's own HTTP client, as a partner app built on it would: discovery as the
spec names it, and the request with `api_key` in the query string, without coordinates or a
description, which clients send and GeoReport v2 allows.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import requests
from georeport import GeoReport

from backend.clock import HANOI
from backend.open311 import service as open311_service

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
    # errors the library raises, with the spec's body
    for name, client in (("missing", as_json), ("missing_xml", as_xml)):
        try:
            client.get_service_definition("volcano")
        except requests.HTTPError as error:
            seen[name] = (error.response.status_code, error.response.text)
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

    # and an unknown service is the spec's 404 in either format
    status, body = seen["missing"]
    assert status == 404
    assert orjson.loads(body) == [{"code": 404, "description": "service_code 'volcano' not found"}]
    status, body = seen["missing_xml"]
    assert status == 404
    assert "<errors><error><code>404</code>" in body
