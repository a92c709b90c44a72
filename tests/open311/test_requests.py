"""Open311 requests from a client's point of view: file, read back, follow the status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bson import ObjectId

from backend.clock import HANOI
from backend.i18n import Message
from tests.open311.conftest import ENGLISH, V2, Ask, Fetch, request_form, spec_errors

PRIVATE_FIELDS = {
    "email": "lan@example.com",
    "first_name": "Lan",
    "last_name": "Nguyễn",
    "phone": "+84 912 345 678",
}


async def post(client: httpx.AsyncClient, form: dict[str, str], fmt: str = "json") -> Any:
    return await client.post(f"{V2}/requests.{fmt}", data=form)


async def test_the_spec_flow_discover_list_post_read_and_follow(
    client: httpx.AsyncClient, both: Fetch, api_key: str, db: Any
) -> None:
    # given a partner app that discovered the endpoint and listed the services
    await both("discovery", root="discovery")
    _, services = await both("services", root="services")
    assert "pothole" in {s["service_code"] for s in services}
    # when it files a request with its api_key (in JSON, then the same again in XML)
    response, created = await both(
        "requests", method="POST", root="service_requests", data=request_form(api_key)
    )
    # then it gets the request id and a notice; the XML retry named the same request
    assert response.status_code == 200
    [answer] = created
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] is None
    assert "8 giờ làm việc" in answer["service_notice"]
    request_id = answer["service_request_id"]
    assert await db.reports.count_documents({}) == 1

    # when it reads the request back
    _, [found] = await both(f"requests/{request_id}", root="service_requests")
    # then every GeoReport v2 field is there, times in Hanoi time
    assert list(found) == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
        "area_code",
        "area_name",
    ]
    assert found["service_request_id"] == request_id
    assert found["status"] == "open"
    assert found["status_notes"] is None
    assert found["service_code"] == "pothole"
    assert found["agency_responsible"] == "Sở Xây dựng Hà Nội"
    assert found["address"] == "Đinh Tiên Hoàng, Hoàn Kiếm"
    assert (found["lat"], found["long"]) == (21.0287, 105.8524)
    assert (found["area_code"], found["area_name"]) == ("00070", "Phường Hoàn Kiếm")
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert found[name].endswith("+07:00"), found[name]
    assert datetime.fromisoformat(found["expected_datetime"]) > datetime.fromisoformat(
        found["requested_datetime"]
    )
    # and the token names the same request, and the list holds it
    _, tokens = await both(f"tokens/{request_id}", root="service_requests")
    assert tokens == [{"service_request_id": request_id, "token": request_id}]
    _, listed = await both("requests", root="service_requests")
    assert [r["service_request_id"] for r in listed] == [request_id]

    # given a moderator resolves it with a public answer
    now = datetime.now(UTC)
    oid = ObjectId(request_id)
    await db.reports.update_one(
        {"_id": oid}, {"$set": {"status": "RESOLVED", "resolved_at": now, "updated_at": now}}
    )
    await db.report_events.insert_one(
        {
            "_id": ObjectId(),
            "report": oid,
            "kind": "NOTE",
            "at": now,
            "public": True,
            "status": "RESOLVED",
            "note": "Đã vá ổ gà <ngày 3/5> & dọn dẹp.",
        }
    )
    # when the client reads it again
    _, [after] = await both(f"requests/{request_id}", root="service_requests")
    # then it is closed, with the note, and no deadline any more
    assert after["status"] == "closed"
    assert after["status_notes"] == "Đã vá ổ gà <ngày 3/5> & dọn dẹp."
    assert after["expected_datetime"] is None
    _, closed = await both("requests", root="service_requests", params={"status": "closed"})
    assert [r["service_request_id"] for r in closed] == [request_id]
    _, still_open = await both("requests", root="service_requests", params={"status": "open"})
    assert still_open == []


async def test_private_categories_are_coarse_and_the_submitter_is_never_shown(
    client: httpx.AsyncClient, both: Fetch, api_key: str, db: Any
) -> None:
    # given a noise complaint (a private category) filed with the resident's details
    form = request_form(
        api_key,
        service_code="noise",
        description="Karaoke quá to sau 23 giờ mỗi đêm",
        media_url="https://photos.example.com/p/1.jpg",
        **PRIVATE_FIELDS,
    )
    request_id = (await post(client, form)).json()[0]["service_request_id"]
    # when anyone reads it
    response, [found] = await both(f"requests/{request_id}", root="service_requests")
    # then the place is rounded, the address hidden, and nobody's details appear
    assert (found["lat"], found["long"]) == (21.029, 105.852)
    assert found["address"] is None
    assert found["media_url"] == "https://photos.example.com/p/1.jpg"
    for secret in [*PRIVATE_FIELDS.values(), "device-1", api_key, "open311:"]:
        assert secret not in response.text
    # and the details are kept privately on the report, never its reporter field
    stored = await db.reports.find_one({"_id": ObjectId(request_id)})
    assert stored["submitter"] == {
        "api_key": stored["submitter"]["api_key"],
        **PRIVATE_FIELDS,
        "device_id": "device-1",
    }
    assert stored["source"] == "open311"
    assert "lan@example.com" not in stored["reporter"]


async def test_attributes_are_checked_and_kept(
    client: httpx.AsyncClient, api_key: str, db: Any
) -> None:
    # given the pothole category asks how deep it is (required)
    depth = {
        "code": "depth",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [{"key": "shallow"}, {"key": "deep"}],
    }
    await db.categories.update_one({"_id": "pothole"}, {"$set": {"attributes": [depth]}})
    # when filed without an answer, with a wrong one, with an unknown question, then 400
    for extra, message in (
        ({}, Message(en="attribute[depth] is required", vi="cần trả lời attribute[depth]")),
        (
            {"attribute[depth]": "bottomless"},
            Message(
                en="attribute[depth] is not a valid singlevaluelist",
                vi="attribute[depth] không phải giá trị singlevaluelist hợp lệ",
            ),
        ),
        (
            {"attribute[depth]": "deep", "attribute[colour]": "red"},
            Message(
                en="attribute[colour] is not asked by this service",
                vi="dịch vụ này không hỏi attribute[colour]",
            ),
        ),
    ):
        # (said in Vietnamese by default, in English when asked)
        response = await post(client, request_form(api_key, **extra))
        assert response.status_code == 400
        assert response.json() == [{"code": 400, "description": message.vi}]
        response = await client.post(
            f"{V2}/requests.json", data=request_form(api_key, **extra), headers=ENGLISH
        )
        assert response.json() == [{"code": 400, "description": message.en}]
    # when answered, then the answer is kept on the report
    response = await post(client, request_form(api_key, **{"attribute[depth]": "deep"}))
    assert response.status_code == 200, response.text
    stored = await db.reports.find_one({"_id": ObjectId(response.json()[0]["service_request_id"])})
    assert stored["attributes"] == {"depth": "deep"}


async def test_retries_are_one_request_and_devices_share_the_app_limits(
    client: httpx.AsyncClient, api_key: str, db: Any
) -> None:
    # given a request filed twice with the same input (a client's retry)
    first = (await post(client, request_form(api_key))).json()
    again = (await post(client, request_form(api_key))).json()
    # then both name one request
    assert first[0]["service_request_id"] == again[0]["service_request_id"]
    # when one device files six different requests an hour (the app's limit)...
    for n in range(5):
        form = request_form(api_key, description=f"Ổ gà thứ {n} trên phố Hàng Bông")
        assert (await post(client, form)).status_code == 200
    # then the seventh is refused with Retry-After, in the spec's error shape
    refused = await post(client, request_form(api_key, description="Thêm một ổ gà nữa ở đây"))
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    [error] = refused.json()
    assert error["code"] == 429
    assert error["description"].startswith("Bạn đã gửi quá nhiều phản ánh trong giờ này")
    # and in English when the client asks for it
    refused = await client.post(
        f"{V2}/requests.json",
        params={"locale": "en"},
        data=request_form(api_key, description="Thêm một ổ gà nữa ở đây"),
    )
    assert refused.status_code == 429
    assert refused.json()[0]["description"].startswith("Too many reports this hour")
    # but another device of the same partner may still file
    other = request_form(api_key, device_id="device-2", description="Thêm một ổ gà nữa ở đây")
    assert (await post(client, other)).status_code == 200
    assert await db.reports.count_documents({}) == 7


async def test_the_list_filters(
    client: httpx.AsyncClient, both: Fetch, in_both_languages: Ask, api_key: str, db: Any
) -> None:
    # given three requests: a pothole, a hidden one, and an old flooding one
    pothole = (await post(client, request_form(api_key))).json()[0]["service_request_id"]
    hidden_form = request_form(
        api_key,
        description="Rác bị đổ trộm bên hồ",
        device_id="d-2",
        service_code="illegal-dumping",
    )
    hidden = (await post(client, hidden_form)).json()[0]["service_request_id"]
    await db.reports.update_one({"_id": ObjectId(hidden)}, {"$set": {"hidden": True}})
    flood_form = request_form(
        api_key,
        service_code="flooding",
        device_id="d-3",
        description="Ngập sâu nửa bánh xe ở ngã tư",
    )
    flood = (await post(client, flood_form)).json()[0]["service_request_id"]
    long_ago = datetime.now(UTC) - timedelta(days=120)
    await db.reports.update_one({"_id": ObjectId(flood)}, {"$set": {"created_at": long_ago}})

    async def ids(**params: str) -> list[str]:
        _, found = await both("requests", root="service_requests", params=params)
        return [r["service_request_id"] for r in found]

    # then by default only the last 90 days, never the hidden one
    assert await ids() == [pothole]
    # and older dates, codes, places, id lists and pages filter as asked
    start = (long_ago - timedelta(days=1)).astimezone(HANOI).isoformat()
    end = (long_ago + timedelta(days=1)).isoformat()
    assert await ids(start_date=start, end_date=end) == [flood]
    assert await ids(start_date=start) == [flood]
    assert await ids(service_code="flooding") == []
    assert await ids(service_code="pothole,flooding") == [pothole]
    assert await ids(lat="21.0290", long="105.8520", radius="200") == [pothole]
    assert await ids(lat="21.0500", long="105.8000", radius="200") == []
    assert await ids(bbox="105.85,21.02,105.86,21.03") == [pothole]
    assert await ids(bbox="105.70,21.10,105.71,21.11") == []
    assert await ids(service_request_id=f"{pothole},{hidden},{flood},nonsense") == [pothole, flood]
    assert await ids(page="1", page_size="1") == [pothole]
    assert await ids(page="2", page_size="1") == []
    # and an unknown id or a hidden one is 404, said in the asked language
    for missing in (hidden, str(ObjectId()), "nonsense"):
        said = await in_both_languages(f"requests/{missing}", root="errors")
        assert said == spec_errors(
            404,
            Message(
                en=f"service_request_id '{missing}' not found",
                vi=f"không tìm thấy service_request_id '{missing}'",
            ),
        )
    # and so is an unknown token
    said = await in_both_languages("tokens/nonsense", root="errors")
    assert said == spec_errors(
        404, Message(en="token 'nonsense' not found", vi="không tìm thấy token 'nonsense'")
    )


async def test_a_revoked_key_is_refused(client: httpx.AsyncClient, api_key: str, db: Any) -> None:
    # given the key is revoked
    await db.open311_keys.update_many({}, {"$set": {"revoked_at": datetime.now(UTC)}})
    # when used, then 403
    response = await post(client, request_form(api_key), fmt="xml")
    assert response.status_code == 403
    assert b"<errors><error><code>403</code>" in response.content
