"""Open311 discovery, service list and service definitions, in JSON and XML."""

from __future__ import annotations

from typing import Any

import httpx

from backend.i18n import Message
from tests.open311.conftest import ENGLISH, V2, Ask, Fetch, spec_errors

DEPTH = {
    "code": "depth",
    "datatype": "singlevaluelist",
    "required": True,
    "description": {"vi": "Ổ gà sâu bao nhiêu?", "en": "How deep is it?"},
    "values": [
        {"key": "shallow", "name": {"vi": "Nông", "en": "Shallow"}},
        {"key": "deep", "name": {"vi": "Sâu <10cm & hơn>", "en": "Deep <10cm & more>"}},
    ],
}


async def test_discovery_names_the_endpoint_and_its_formats(in_both_languages: Ask) -> None:
    # when a client discovers the service
    said = await in_both_languages("discovery", root="discovery")
    # then one production GeoReport v2 endpoint speaks both formats
    (status, body), (_, english) = said["vi"], said["en"]
    assert status == 200
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == f"http://testserver{V2}"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert english["endpoints"] == body["endpoints"]
    # and says how to get a key and place a request, in the asked language
    assert "gửi api_key trong form hoặc trong query string" in body["contact"]
    assert "đặt ở trung tâm phường, xã được nêu tên" in body["contact"]
    assert body["key_service"] == "Hãy đề nghị quản trị viên của thành phố cấp api_key."
    assert "send api_key in the form or the query string" in english["contact"]
    assert "placed at the centre of the ward or commune it names" in english["contact"]
    assert english["key_service"] == "Ask the city's administrators for an api_key."


async def test_services_are_the_categories_in_the_asked_language(both: Fetch) -> None:
    # when services are listed without a language, then Vietnamese is used
    _, services = await both("services", root="services")
    pothole = next(s for s in services if s["service_code"] == "pothole")
    assert pothole == {
        "service_code": "pothole",
        "service_name": "Ổ gà, hư hỏng mặt đường",
        "description": "Ổ gà, ổ voi, mặt đường lún, nứt vỡ gây nguy hiểm cho người tham gia "
        "giao thông.",
        "metadata": False,
        "type": "realtime",
        "keywords": "ổ gà, ổ voi, lún đường, nứt đường, mặt đường",
        "group": "Sở Xây dựng Hà Nội",
    }
    assert len(services) == 18
    # when asked in English by parameter or by header, then English
    for kwargs in ({"params": {"locale": "en"}}, {"headers": {"Accept-Language": "en-GB"}}):
        _, english = await both("services", root="services", **kwargs)
        pothole = next(s for s in english if s["service_code"] == "pothole")
        assert pothole["service_name"] == "Pothole"
        assert pothole["description"] == (
            "Potholes, sunken or cracked road surfaces that endanger road users."
        )
        assert pothole["group"] == "Hanoi Department of Construction"


async def test_a_service_definition_lists_its_questions(both: Fetch, db: Any) -> None:
    # given the pothole category asks how deep it is
    await db.categories.update_one({"_id": "pothole"}, {"$set": {"attributes": [DEPTH]}})
    # when the services and the definition are read
    _, services = await both("services", root="services", params={"locale": "en"})
    _, definition = await both("services/pothole", root="service_definition")
    _, english = await both("services/pothole", root="service_definition", headers=ENGLISH)
    # then metadata is true and the question is defined, with its values (escaped in XML)
    assert next(s for s in services if s["service_code"] == "pothole")["metadata"] is True
    assert definition == {
        "service_code": "pothole",
        "attributes": [
            {
                "variable": True,
                "code": "depth",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": None,
                "order": 1,
                "description": "Ổ gà sâu bao nhiêu?",
                "values": [
                    {"key": "shallow", "name": "Nông"},
                    {"key": "deep", "name": "Sâu <10cm & hơn>"},
                ],
            }
        ],
    }
    # and in English when asked
    [question] = english["attributes"]
    assert question["description"] == "How deep is it?"
    assert question["values"] == [
        {"key": "shallow", "name": "Shallow"},
        {"key": "deep", "name": "Deep <10cm & more>"},
    ]


async def test_a_category_without_questions_has_no_attributes(both: Fetch) -> None:
    _, definition = await both("services/noise", root="service_definition")
    assert definition == {"service_code": "noise", "attributes": []}


async def test_an_unknown_service_is_404_in_the_spec_error_shape(in_both_languages: Ask) -> None:
    said = await in_both_languages("services/volcano", root="errors")
    assert said == spec_errors(
        404,
        Message(en="service_code 'volcano' not found", vi="không tìm thấy service_code 'volcano'"),
    )


async def test_an_unknown_format_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{V2}/services.yaml")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "định dạng phải là json hoặc xml"}]
    response = await client.get(f"{V2}/services.yaml", headers=ENGLISH)
    assert response.json() == [{"code": 404, "description": "format must be json or xml"}]
