"""What Open311 client libraries send and expect (issue 19): api_key in the query string, no
description, an address without coordinates, a changeset that moves, errors in the spec's shape."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import orjson
import pytest
from bson import ObjectId
from pymongo.errors import ServerSelectionTimeoutError

from backend.areas import service as area_service
from backend.errors import BusyError
from backend.i18n import Message
from backend.open311 import service as open311_service
from backend.seed import CONTENT_DIR, migrate
from tests.open311.conftest import ENGLISH, V2, Ask, Fetch, request_form, spec_errors, xml_content

HOAN_KIEM = ("00070", 21.032, 105.85)
NO_UNIT = {
    "vi": "address_string không nêu phường, xã nào của Hà Nội: hãy gửi lat và long, hoặc ghi "
    'tên phường, xã (ví dụ "phường Hoàn Kiếm")',
    "en": "address_string names no ward or commune of Hanoi: send lat and long, or name the "
    'ward (phường) or commune (xã), e.g. "phường Hoàn Kiếm"',
}


async def test_api_key_may_come_in_the_query_string(
    client: httpx.AsyncClient, api_key: str
) -> None:
    # when a client sends its key in the query string instead of the form
    response = await client.post(
        f"{V2}/requests.json", params={"api_key": api_key}, data=request_form(None)
    )
    # then the request is filed
    assert response.status_code == 200, response.text
    assert ObjectId.is_valid(response.json()[0]["service_request_id"])
    # and a wrong key there is refused as in the form
    refused = await client.post(
        f"{V2}/requests.json", params={"api_key": "not-a-key"}, data=request_form(None)
    )
    assert refused.status_code == 403
    assert refused.json() == [{"code": 403, "description": "api_key không hợp lệ"}]
    refused = await client.post(
        f"{V2}/requests.json",
        params={"api_key": "not-a-key", "locale": "en"},
        data=request_form(None),
    )
    assert refused.json() == [{"code": 403, "description": "api_key is not valid"}]


async def test_without_a_description_the_service_name_stands_in(
    client: httpx.AsyncClient, both: Fetch, api_key: str
) -> None:
    # when requests are filed without a description, in Vietnamese and in English
    filed = {}
    for locale, device in (("vi", "d-vi"), ("en", "d-en")):
        form = request_form(api_key, description=None, device_id=device)
        response = await client.post(f"{V2}/requests.json?locale={locale}", data=form)
        assert response.status_code == 200, response.text
        filed[locale] = response.json()[0]["service_request_id"]
    # then each holds the service's name in the language it was filed in, said to be a stand-in
    _, [vi] = await both(f"requests/{filed['vi']}", root="service_requests")
    _, [en] = await both(f"requests/{filed['en']}", root="service_requests")
    assert vi["description"] == "Ổ gà, hư hỏng mặt đường (không có mô tả)"
    assert en["description"] == "Pothole (no description given)"


async def test_an_address_alone_is_placed_at_its_wards_centre_and_said_to_be(
    client: httpx.AsyncClient, both: Fetch, api_key: str, db: Any
) -> None:
    # given an address without coordinates, its ward named without diacritics
    address = "So 1 Dinh Tien Hoang, phuong Hoan Kiem"
    form = request_form(api_key, lat=None, long=None, address_string=address)
    # when it is filed
    response = await client.post(f"{V2}/requests.json", params={"locale": "en"}, data=form)
    # then it is accepted, the notice says the place is approximate
    assert response.status_code == 200, response.text
    [created] = response.json()
    assert created["service_notice"].endswith(
        "Approximate location: the centre of Hoàn Kiếm Ward, from address_string."
    )
    # and the report sits at the ward's centroid, in that ward, the address kept as sent
    stored = await db.reports.find_one({"_id": ObjectId(created["service_request_id"])})
    code, lat, lng = HOAN_KIEM
    assert stored["location"]["coordinates"] == [lng, lat]
    assert (stored["area"], stored["address"]) == (code, address)
    # and reading it says so in the address and the status notes, in the reader's language
    path = f"requests/{created['service_request_id']}"
    _, [vi] = await both(path, root="service_requests")
    assert vi["address"] == f"{address} (vị trí gần đúng: trung tâm Phường Hoàn Kiếm)"
    assert vi["status_notes"] == (
        "Vị trí gần đúng: đặt ở trung tâm Phường Hoàn Kiếm theo address_string (không có lat/long)."
    )
    _, [en] = await both(path, root="service_requests", params={"locale": "en"})
    assert en["address"] == f"{address} (approximate location: the centre of Hoàn Kiếm Ward)"
    assert en["status_notes"].startswith("Approximate location: placed at the centre of Hoàn Kiếm")
    assert (en["lat"], en["long"], en["area_code"]) == (lat, lng, code)


# Addresses and the unit each names (None: none of Hanoi's).
NAMED_UNITS = [
    ("Đinh Tiên Hoàng, Hoàn Kiếm", "00070"),
    ("12 Tran Phu, Ha Dong", "09556"),  # a street named like a commune: the last name wins
    ("phường Láng, Đống Đa", "00199"),  # a name called a ward wins over a later one
    ("P.Láng, Đống Đa", "00199"),
    ("Xã Yên Lãng, Hà Nội", "08980"),  # "Láng" inside "Yên Lãng" does not count
    ("Lang Ward, Hanoi", "00199"),
    ("Hà Nội", None),
    ("123 Nguyễn Huệ, Quận 1, TP Hồ Chí Minh", None),
    ("", None),
]


async def test_the_unit_an_address_names(client: httpx.AsyncClient, db: Any) -> None:
    # given the seeded wards and communes, when each address is read, then it names this unit
    found = {
        address: getattr(await area_service.named_in(db=db, text=address), "id", None)
        for address, _ in NAMED_UNITS
    }
    assert found == dict(NAMED_UNITS)


async def test_location_errors_say_what_to_send(
    both: Fetch, in_both_languages: Ask, api_key: str
) -> None:
    cases = [
        (
            request_form(api_key, lat=None, long=None, address_string="Quận 1, TP Hồ Chí Minh"),
            Message(**NO_UNIT),
        ),
        (
            request_form(api_key, lat=None, long=None, address_string=None),
            Message(
                en="location required: send lat and long, or an address_string that names the "
                "ward or commune",
                vi="cần có vị trí: hãy gửi lat và long, hoặc address_string nêu tên phường, xã",
            ),
        ),
        (
            request_form(api_key, long=None),
            Message(en="lat and long go together", vi="lat và long phải gửi cùng nhau"),
        ),
    ]
    for form, description in cases:
        said = await in_both_languages("requests", method="POST", root="errors", data=form)
        assert said == spec_errors(400, description), form
    # and ?locale= names the language as Accept-Language does, and wins over it
    form = request_form(api_key, lat=None, long=None, address_string="Quận 1")
    params = {"locale": "vi"}
    response, body = await both(
        "requests", method="POST", root="errors", data=form, params=params, headers=ENGLISH
    )
    assert (response.status_code, body) == (400, [{"code": 400, "description": NO_UNIT["vi"]}])


async def test_the_changeset_moves_when_the_services_change(
    client: httpx.AsyncClient, db: Any, tmp_path: Path
) -> None:
    # given the changeset a client saw
    before = (await client.get(f"{V2}/discovery.json")).json()
    assert before["endpoints"][0]["changeset"] == before["changeset"]
    # when the city renames a service and loads its content again (the release's migrate)
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    categories_file = content / "reports" / "categories.json"
    categories = orjson.loads(categories_file.read_bytes())
    pothole = next(c for c in categories["categories"] if c["slug"] == "pothole")
    pothole["name"]["vi"] = "Ổ gà"
    categories_file.write_bytes(orjson.dumps(categories))
    await migrate(db, reload_content=True, content_dir=content)
    # then discovery shows a later changeset, and the services the change
    after = (await client.get(f"{V2}/discovery.xml")).content
    changeset = xml_content(ET.fromstring(after))["changeset"]  # noqa: S314 (our own answer)
    assert changeset > before["changeset"]
    services = (await client.get(f"{V2}/services.json")).json()
    assert next(s for s in services if s["service_code"] == "pothole")["service_name"] == "Ổ gà"
    # and it stays put while nothing changes
    again = (await client.get(f"{V2}/discovery.json")).json()
    assert again["changeset"] == changeset


async def test_every_error_is_in_the_spec_shape_and_the_asked_language(
    client: httpx.AsyncClient,
) -> None:
    cases = [
        # a path that is not an endpoint (the singular `service/`), in the format it asks for
        ("GET", "service/pothole.xml", 404, None),
        ("GET", "service/pothole.json", 404, None),
        ("GET", "nothing/here", 404, None),
        ("GET", "services.html", 404, None),
        # a method an endpoint does not take
        ("PUT", "requests.json", 405, "GET, HEAD, POST"),
        ("DELETE", "requests/abc.xml", 405, "GET, HEAD"),
        ("POST", "discovery.xml", 405, "GET, HEAD"),
        ("PATCH", "services/pothole.json", 405, "GET, HEAD"),
    ]
    for (method, path, status, allow), locale in zip(cases, ["en", "vi"] * 4, strict=True):
        response = await client.request(method, f"{V2}/{path}", params={"locale": locale})
        assert response.status_code == status, (method, path, response.text)
        assert response.headers.get("allow") == allow
        if path.endswith(".xml"):
            assert response.headers["content-type"] == "text/xml; charset=utf-8"
            body = xml_content(ET.fromstring(response.content))  # noqa: S314 (our own answer)
            [error] = body
            assert error["code"] == str(status)
        else:
            assert response.headers["content-type"] == "application/json; charset=utf-8"
            [error] = response.json()
            assert error["code"] == status
        said = {
            ("en", 405): f"method {method} is not allowed here; use {allow}",
            ("vi", 405): f"phương thức {method} không dùng được ở đây; dùng {allow}",
            ("en", "format"): "format must be json or xml",
            ("vi", "format"): "định dạng phải là json hoặc xml",
            ("en", 404): f"no such path {V2}/{path}; the endpoints are discovery, ",
            ("vi", 404): f"không có đường dẫn {V2}/{path}; các điểm cuối: discovery, ",
        }[locale, "format" if path == "services.html" else status]
        assert error["description"].startswith(said), (locale, error)


async def test_a_wrong_method_is_said_in_vietnamese_by_default(client: httpx.AsyncClient) -> None:
    response = await client.put(f"{V2}/services.json")
    assert response.status_code == 405
    assert response.json() == [
        {"code": 405, "description": "phương thức PUT không dùng được ở đây; dùng GET, HEAD"}
    ]


async def test_failures_inside_an_endpoint_keep_the_spec_shape(
    client: httpx.AsyncClient,
    in_both_languages: Ask,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given the services cannot be read: the database away, then too busy, then a bug
    async def away(**_: Any) -> list[dict[str, Any]]:
        raise ServerSelectionTimeoutError("no primary")

    async def busy(**_: Any) -> list[dict[str, Any]]:
        raise BusyError

    async def bug(**_: Any) -> list[dict[str, Any]]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(open311_service, "list_services", away)
    # when a client lists them, then 503 with Retry-After, in the format it asked for
    response = await client.get(f"{V2}/services.xml")
    assert (response.status_code, response.headers["retry-after"]) == (503, "5")
    body = xml_content(ET.fromstring(response.content))  # noqa: S314 (our own answer)
    assert body == [
        {"code": "503", "description": "Dịch vụ tạm thời gián đoạn; hãy thử lại sau ít phút"}
    ]
    # and in the language it asked for
    assert await in_both_languages("services", root="errors") == spec_errors(
        503,
        Message(
            en="The service is unavailable for a moment; try again shortly",
            vi="Dịch vụ tạm thời gián đoạn; hãy thử lại sau ít phút",
        ),
    )
    # and writes that kept conflicting are a 409 to retry shortly, said the same way
    monkeypatch.setattr(open311_service, "list_services", busy)
    response = await client.get(f"{V2}/services.json")
    assert (response.status_code, response.headers["retry-after"]) == (409, "1")
    assert await in_both_languages("services", root="errors") == spec_errors(
        409,
        Message(
            en="Too many changes to the same thing at once; try again in a moment",
            vi="Có quá nhiều thay đổi cùng lúc trên cùng một nội dung; hãy thử lại sau giây lát",
        ),
    )
    # and a bug is a 500 in the same shape, without a trace, which goes to the log instead
    monkeypatch.setattr(open311_service, "list_services", bug)
    assert await in_both_languages("services", root="errors") == spec_errors(
        500, Message(en="Internal server error", vi="Lỗi máy chủ nội bộ")
    )
    assert "RuntimeError: a bug" in caplog.text
    assert "a bug" not in (await client.get(f"{V2}/services.json")).text
