"""Languages: BCP 47 tags and Accept-Language read one way, and every message said in both."""

from __future__ import annotations

import ast
import enum
import importlib
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import backend
from backend.error_messages import CODE_MESSAGES
from backend.errors import DomainError
from backend.i18n import Locale, locale_of_tag, negotiate

BACKEND = Path(backend.__file__).parent
# Letters that only Vietnamese text has: a message without any of them was not translated.
VIETNAMESE = re.compile(
    r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.I
)

DEVICE_REGISTER = """
mutation DeviceRegister($input: DeviceRegisterInput!) {
  deviceRegister(input: $input) { device { locale } errors { field message code } }
}"""
AREAS = "query Areas($first: Int) { areas(first: $first) { edges { node { id } } } }"
TOKEN = "fid-i18n-phone-000000001"  # the shape of an FCM registration token


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Locale.VI),
        ("", Locale.VI),
        ("*", Locale.VI),
        ("vi", Locale.VI),
        ("VI-vn", Locale.VI),
        ("en-US,en;q=0.9", Locale.EN),
        ("en-GB", Locale.EN),
        ("ja-JP", Locale.EN),  # any other language: English, the foreigners' language
        ("zh-Hant-TW, ko;q=0.8", Locale.EN),
        ("fr;q=0.5, vi;q=0.8", Locale.VI),
        ("fr, en;q=0.3, vi;q=0.8", Locale.VI),  # the best language the app has, by q-value
        ("ja, vi;q=0.5", Locale.VI),
        ("en;q=0.5, vi;q=0.5", Locale.EN),  # a tie goes to the earlier one
        ("vi;q=0, *", Locale.EN),  # Vietnamese refused
        ("en;q=0", Locale.VI),
        ("vi;q=2, en", Locale.EN),  # a malformed q-value drops that entry only
        ("not a tag, en", Locale.EN),
        ("vi-VN;q=0.9 , en ; q=0.8", Locale.VI),
    ],
)
def test_accept_language_picks_the_language(header: str | None, expected: Locale) -> None:
    assert negotiate(header) is expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("vi", Locale.VI),
        ("vi-VN", Locale.VI),
        ("vi_VN", Locale.VI),  # Android/Java locale strings
        ("en", Locale.EN),
        ("EN-us", Locale.EN),
        ("en-GB", Locale.EN),
        ("ja-JP", Locale.EN),
        ("zh-Hant-TW", Locale.EN),
        ("", None),
        ("*", None),
        ("en US", None),
        ("vi-", None),
        ("x" * 65, None),
    ],
)
def test_a_language_tag_maps_to_vi_or_en(tag: str, expected: Locale | None) -> None:
    assert locale_of_tag(tag) is expected
    if expected is None:
        with pytest.raises(ValueError):
            Locale(tag)
    else:
        assert Locale(tag) is expected  # stored values and client tags are read alike


def _backend_modules() -> list[Any]:
    names = [info.name for info in pkgutil.walk_packages(backend.__path__, "backend.")]
    return [importlib.import_module(name) for name in names]


def _error_code_enums() -> list[type[enum.Enum]]:
    found = {
        value
        for module in _backend_modules()
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, enum.Enum)
        and value.__name__.endswith("ErrorCode")
        and value.__module__.startswith("backend.")
    }
    return sorted(found, key=lambda codes: codes.__name__)


def test_every_error_code_has_words_in_vietnamese_and_english() -> None:
    # given every error code enum in the code base
    enums = _error_code_enums()
    assert {codes.__name__ for codes in enums} >= {"ReportErrorCode", "BookingErrorCode"}
    # then each of their codes has words in both languages, and the Vietnamese is Vietnamese
    missing = [f"{c.__name__}.{m.name}" for c in enums for m in c if m.name not in CODE_MESSAGES]
    assert missing == []
    for code, message in CODE_MESSAGES.items():
        assert message.en and VIETNAMESE.search(message.vi), code


def _domain_error_names() -> set[str]:
    _backend_modules()

    def below(cls: type) -> set[type]:
        return {cls} | {sub for direct in cls.__subclasses__() for sub in below(direct)}

    classes = {cls.__name__ for cls in below(DomainError) if cls.__module__.startswith("backend.")}
    # The domains' helpers that build one (`not_found(en="hold", vi="lượt giữ chỗ này", ...)`).
    return classes | {"not_found", "invalid", "forbidden"}


def _literal(node: ast.expr | None) -> str | None:
    """The constant text of a string or f-string (placeholders dropped), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_literal(part) or "" for part in node.values)
    return None


def test_every_raise_site_says_its_message_in_both_languages() -> None:
    # given every construction of a DomainError (or a subclass, or a domain's helper) in backend/
    names = _domain_error_names()
    problems = []
    sites = 0
    for path in sorted(BACKEND.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", None)
            if name not in names:
                continue
            sites += 1
            where = f"{path.relative_to(BACKEND.parent)}:{node.lineno}"
            keywords = {k.arg: k.value for k in node.keywords}
            # then no message is given in one language only
            if any(_literal(arg) is not None for arg in node.args[1:]):
                problems.append(f"{where}: a positional message (say it with en= and vi=)")
            if ("en" in keywords) != ("vi" in keywords):
                problems.append(f"{where}: en= and vi= go together")
            en, vi = _literal(keywords.get("en")), _literal(keywords.get("vi"))
            if vi is not None and (vi == en or not VIETNAMESE.search(vi)):
                problems.append(f"{where}: the Vietnamese text is not Vietnamese")
            # and a code given as text has words of its own for bare raises
            code = _literal(node.args[0]) if node.args else None
            if code is not None and code not in CODE_MESSAGES:
                problems.append(f"{where}: code {code} has no entry in CODE_MESSAGES")
    assert sites > 150
    assert problems == []


def _gql(client: httpx.AsyncClient, make_token: Callable[..., str]) -> Callable[..., Any]:
    async def call(
        query: str, variables: dict[str, Any], *, language: str, uid: str | None = None
    ) -> dict[str, Any]:
        headers = {"Accept-Language": language}
        if uid is not None:
            headers["Authorization"] = f"Bearer {make_token(uid=uid)}"
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    return call


LANGUAGES = [
    ("vi", Locale.VI),
    ("en-US,en;q=0.9", Locale.EN),
    ("ja-JP", Locale.EN),
    ("fr;q=0.5, vi;q=0.8", Locale.VI),
]


@pytest.mark.parametrize(("language", "expected"), LANGUAGES)
async def test_payload_and_top_level_errors_speak_the_viewers_language(
    client: httpx.AsyncClient, make_token: Callable[..., str], language: str, expected: Locale
) -> None:
    gql = _gql(client, make_token)
    said = {
        Locale.VI: (
            "Ngôn ngữ phải là một mã ngôn ngữ như vi, vi-VN hoặc en-US",
            "Hãy đăng nhập để thực hiện thao tác này",
            "first phải từ 1 đến 100",
        ),
        Locale.EN: (
            "Locale must be a language tag such as vi, vi-VN or en-US",
            "Sign in to do this",
            "first must be between 1 and 100",
        ),
    }[expected]
    # given a signed-in device registration whose locale is no language tag
    device = {"token": TOKEN, "platform": "ANDROID", "locale": "English please"}
    refused = await gql(DEVICE_REGISTER, {"input": device}, language=language, uid="lan")
    # then the payload error is in the viewer's language
    [error] = refused["data"]["deviceRegister"]["errors"]
    assert (error["field"], error["code"], error["message"]) == ("locale", "INVALID_INPUT", said[0])
    # given the same mutation without signing in, then the top-level error is too
    anonymous = await gql(DEVICE_REGISTER, {"input": device}, language=language)
    assert anonymous["data"] is None
    [top] = anonymous["errors"]
    assert (top["extensions"]["code"], top["message"]) == ("UNAUTHENTICATED", said[1])
    # and so is a rule broken by a query's arguments
    page = await gql(AREAS, {"first": 0}, language=language)
    [bad_page] = page["errors"]
    assert (bad_page["extensions"]["code"], bad_page["message"]) == ("INVALID_PAGE_SIZE", said[2])


async def test_device_register_takes_bcp_47_tags(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    gql = _gql(client, make_token)
    # given devices that send their system's language tags
    for tag, stored in (("en-US", "en"), ("vi-VN", "vi"), ("ja-JP", "en"), ("VI", "vi")):
        device = {"token": TOKEN, "platform": "IOS", "locale": tag}
        # when each registers, then its pushes will be in vi or en
        done = await gql(DEVICE_REGISTER, {"input": device}, language="vi", uid="minh")
        assert done["data"]["deviceRegister"] == {"device": {"locale": stored}, "errors": []}


async def test_rest_errors_speak_the_requests_language(client: httpx.AsyncClient) -> None:
    # given an offline pack asked for in a BCP 47 tag, for a journey that does not exist
    missing = await client.get("/offline/journeys/nope.json?locale=en-US")
    # then the 404 is said in the pack's language
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "No such journey"
    # given a locale that is no language tag, then the 400 follows Accept-Language
    bad = await client.get(
        "/offline/journeys/nope.json?locale=%2A", headers={"Accept-Language": "ja-JP"}
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "locale must be a language tag such as vi or en-US"
    vietnamese = await client.get("/offline/journeys/nope.json?locale=%2A")
    assert vietnamese.json()["error"]["message"] == (
        "locale phải là một mã ngôn ngữ như vi hoặc en-US"
    )
