"""viewerUpdate: display name and language, and the stored language choosing the request's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.auth.conftest import VIEWER, VIEWER_UPDATE, Gql
from tests.auth.deletion_world import DEVICE_REGISTER


async def update(gql: Gql, uid: str = "resident-1", **fields: Any) -> dict[str, Any]:
    body = await gql(VIEWER_UPDATE, {"input": fields}, uid=uid)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["viewerUpdate"]
    return payload


async def test_a_resident_sets_their_name_and_language(
    gql: Gql, settings: Any, db_client: Any
) -> None:
    # given a signed-in resident without a profile
    # when they set a name with spaces around it and an English BCP 47 tag
    payload = await update(gql, displayName="  Nguyễn Thị Lan ", locale="en-US")
    # then the name is stored trimmed and the language as en, which this request now speaks
    assert payload["errors"] == []
    assert payload["viewer"] == {
        "id": "resident-1",
        "locale": "EN",
        "displayName": "Nguyễn Thị Lan",
        "preferredLocale": "EN",
    }
    stored = await db_client[settings.mongodb_db].users.find_one({"uid": "resident-1"})
    assert (stored["display_name"], stored["locale"]) == ("Nguyễn Thị Lan", "en")
    # and a later change of one field leaves the other as it was
    payload = await update(gql, locale="vi-VN")
    assert payload["viewer"]["displayName"] == "Nguyễn Thị Lan"
    assert payload["viewer"]["preferredLocale"] == "VI"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"displayName": "   "}, [("displayName", "DISPLAY_NAME_LENGTH")]),
        ({"displayName": "L" * 61}, [("displayName", "DISPLAY_NAME_LENGTH")]),
        ({"displayName": "Lan\u0000"}, [("displayName", "DISPLAY_NAME_INVALID")]),
        ({"displayName": "Lan\nAdmin"}, [("displayName", "DISPLAY_NAME_INVALID")]),
        ({"locale": "not a tag"}, [("locale", "LOCALE_INVALID")]),
        (
            {"displayName": "", "locale": "*"},
            [("displayName", "DISPLAY_NAME_LENGTH"), ("locale", "LOCALE_INVALID")],
        ),
    ],
)
async def test_a_refused_profile_changes_nothing(
    gql: Gql, settings: Any, db_client: Any, fields: dict[str, str], errors: list[Any]
) -> None:
    # when a resident sends a bad name or language
    payload = await update(gql, **fields)
    # then each field says what is wrong, and nothing is stored
    assert payload["viewer"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == errors
    assert await db_client[settings.mongodb_db].users.find_one({"uid": "resident-1"}) is None


async def test_refusals_are_said_in_the_request_language(gql: Gql) -> None:
    body = await gql(VIEWER_UPDATE, {"input": {"displayName": ""}}, uid="r-1", locale="vi")
    assert body["data"]["viewerUpdate"]["errors"][0]["message"].startswith("Tên hiển thị")
    body = await gql(VIEWER_UPDATE, {"input": {"displayName": ""}}, uid="r-1", locale="en")
    assert body["data"]["viewerUpdate"]["errors"][0]["message"].startswith("A display name")


async def test_an_anonymous_viewer_cannot_update_a_profile(gql: Gql) -> None:
    body = await gql(VIEWER_UPDATE, {"input": {"displayName": "Lan"}})
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_the_stored_language_is_used_unless_the_request_names_one(gql: Gql) -> None:
    # given a resident who chose English
    await update(gql, locale="en-GB")
    # when a request sends no Accept-Language, then it is in English
    viewer = (await gql(VIEWER, uid="resident-1"))["data"]["viewer"]
    assert (viewer["locale"], viewer["preferredLocale"]) == ("EN", "EN")
    # and errors are said in English too
    body = await gql(VIEWER_UPDATE, {"input": {"locale": "?"}}, uid="resident-1")
    assert body["data"]["viewerUpdate"]["errors"][0]["message"].startswith("The language")
    # when a request asks for Vietnamese, then Vietnamese wins over the stored choice
    viewer = (await gql(VIEWER, uid="resident-1", locale="vi-VN"))["data"]["viewer"]
    assert (viewer["locale"], viewer["preferredLocale"]) == ("VI", "EN")
    # and another user, who chose nothing, gets Vietnamese, the city's default
    viewer = (await gql(VIEWER, uid="resident-2"))["data"]["viewer"]
    assert (viewer["locale"], viewer["preferredLocale"], viewer["displayName"]) == (
        "VI",
        None,
        None,
    )


async def test_the_chosen_language_speaks_on_every_device_of_the_user(
    gql: Gql, settings: Any, db_client: Any
) -> None:
    # given a resident's two phones registered by an app set to Vietnamese, and a neighbour's
    phones = {"fcm-phone-a-0123456789": "resident-1", "fcm-phone-b-0123456789": "resident-1"}
    phones["fcm-phone-c-0123456789"] = "resident-2"
    for token, uid in phones.items():
        device = {"input": {"token": token, "platform": "ANDROID"}}
        body = await gql(DEVICE_REGISTER, device, uid=uid, locale="vi")
        assert body["data"]["deviceRegister"]["errors"] == [], body
    # when the resident chooses English
    await update(gql, locale="en-US")
    # then pushes to both their phones are written in English; the neighbour's stay Vietnamese
    devices = db_client[settings.mongodb_db].devices
    spoken = {d["_id"]: d["locale"] async for d in devices.find({})}
    assert spoken == {
        "fcm-phone-a-0123456789": "en",
        "fcm-phone-b-0123456789": "en",
        "fcm-phone-c-0123456789": "vi",
    }


async def test_an_anonymous_viewer_has_no_profile(gql: Gql) -> None:
    viewer = (await gql(VIEWER))["data"]["viewer"]
    assert viewer == {
        "id": None,
        "roles": [],
        "locale": "VI",
        "displayName": None,
        "preferredLocale": None,
        "consents": [],
    }
