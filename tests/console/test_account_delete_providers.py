"""/account/delete for residents who sign in with Google or a phone number, on a phone.

As in the app: a Google account picked in the Auth emulator's own account chooser (the popup
Firebase Auth opens; the emulator stands in for Google), or a phone number whose SMS code the
emulator keeps for tests to read (it does not run reCAPTCHA). The browser may reach 127.0.0.1
only, so Google's API loader, which Firebase Auth's popup needs in the page and in the
emulator's helper iframe, is a local stand-in (gapi_standin.js) answering at its address.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from backend.notifications.models import OutboxDoc
from tests.console.conftest import (
    ARTIFACTS,
    MARKS,
    World,
    axe_violations,
    no_horizontal_scroll,
    open_page,
)
from tests.console.test_account_delete_page import run_deletion_job

pytestmark = MARKS

GAPI_STANDIN = Path(__file__).with_name("gapi_standin.js")


class Resident:
    """An account of the emulator, in the shape run_deletion_job reads."""

    def __init__(self, uid: str, label: str) -> None:
        self.uid = uid
        self.label = label  # what the page shows once signed in


def emulator_url(world: World, path: str) -> str:
    return f"http://{world.emulator.host_port}{path}"


def google_user(world: World, name: str) -> Resident:
    """A resident who signed up in the app with Google (the emulator takes unsigned claims)."""
    email = f"google-{uuid.uuid4().hex[:8]}@example.com"
    claims = {"sub": uuid.uuid4().hex, "email": email, "email_verified": True, "name": name}
    response = httpx.post(
        emulator_url(world, "/identitytoolkit.googleapis.com/v1/accounts:signInWithIdp"),
        params={"key": "fake-api-key"},
        json={
            "postBody": urlencode({"id_token": json.dumps(claims), "providerId": "google.com"}),
            "requestUri": "http://localhost",
            "returnSecureToken": True,
        },
    )
    response.raise_for_status()
    return Resident(uid=response.json()["localId"], label=email)


def sms_code(world: World, phone: str) -> str:
    """The last code the emulator 'sent' to this number."""
    project = world.settings.firebase_project_id
    response = httpx.get(emulator_url(world, f"/emulator/v1/projects/{project}/verificationCodes"))
    response.raise_for_status()
    codes = [c["code"] for c in response.json()["verificationCodes"] if c["phoneNumber"] == phone]
    assert codes, f"no code was sent to {phone}"
    return str(codes[-1])


def phone_user(world: World, phone: str) -> Resident:
    """A resident who signed up in the app with this phone number."""
    identity = emulator_url(world, "/identitytoolkit.googleapis.com/v1")
    sent = httpx.post(
        f"{identity}/accounts:sendVerificationCode",
        params={"key": "fake-api-key"},
        json={"phoneNumber": phone, "recaptchaToken": "not checked by the emulator"},
    )
    sent.raise_for_status()
    signed_in = httpx.post(
        f"{identity}/accounts:signInWithPhoneNumber",
        params={"key": "fake-api-key"},
        json={"sessionInfo": sent.json()["sessionInfo"], "code": sms_code(world, phone)},
    )
    signed_in.raise_for_status()
    return Resident(uid=signed_in.json()["localId"], label=phone)


def serve_gapi_standin(page: Page) -> None:
    """Answer for Google's API loader, in the page and in the emulator's helper iframe."""

    def fulfil(route: Route) -> None:
        route.fulfill(path=str(GAPI_STANDIN), content_type="text/javascript; charset=utf-8")

    page.context.route("https://apis.google.com/js/api.js*", fulfil)


def open_delete_page(world: World, page: Page) -> None:
    response = page.goto(f"{world.url}/account/delete")
    assert response is not None and response.status == 200
    # The page answers the Google popup, which the app-wide opener policy would cut off.
    assert response.headers["cross-origin-opener-policy"] == "same-origin-allow-popups"
    # Every way in, in Vietnamese and English.
    expect(page.get_by_role("heading", name="Xoá tài khoản ThangLong")).to_be_visible()
    google = page.get_by_role("button", name="Đăng nhập bằng Google · Sign in with Google")
    expect(google).to_be_visible()
    expect(page.get_by_role("heading", name="Số điện thoại · Phone number")).to_be_visible()
    expect(page.get_by_role("button", name="Gửi mã qua SMS · Send a code by SMS")).to_be_visible()
    expect(page.get_by_role("button", name="Đăng nhập · Sign in")).to_be_visible()
    assert page.get_by_text("Hãy xoá tài khoản trong phần cài đặt").count() == 0
    assert axe_violations(page) == []
    no_horizontal_scroll(page)  # on a phone, too
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "account-delete-sign-in-phone.png"), full_page=True)


def confirm_deletion(page: Page, resident: Resident, screenshot: str) -> None:
    expect(page.locator("#who")).to_have_text(resident.label)
    expect(page.get_by_role("status")).to_have_text("Đã đăng nhập · Signed in")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Xoá tài khoản · Delete my account").click()
    expect(page.get_by_role("status")).to_contain_text("Request received")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)


def assert_gone(world: World, resident: Resident) -> None:
    """Once the worker has run the job, the account is gone, after the user was told."""
    left = run_deletion_job(world, resident.uid)
    assert left["queued"] is True
    assert left["state"] == "sent"
    confirmation = left["confirmation"]
    assert isinstance(confirmation, OutboxDoc) and confirmation.state.value == "sent"
    assert left["firebase_user"] is False
    assert left["profile"] is None
    assert left["inbox"] == 0


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_google_user_deletes_their_account_on_the_web(
    world: World, browser: Browser, viewport: str
) -> None:
    # given a resident who signed up with Google, and someone else's Google account
    resident = google_user(world, "Nguyễn Văn Rời")
    other = google_user(world, "Trần Thị Ở Lại")
    for page in open_page(browser, viewport):
        serve_gapi_standin(page)
        open_delete_page(world, page)

        # when they close the account chooser, nothing happens
        with page.expect_popup() as opened:
            page.get_by_role("button", name="Sign in with Google").click()
        opened.value.close()
        expect(page.get_by_role("status")).to_have_text(
            "Cửa sổ đăng nhập Google đã bị đóng · The Google sign-in window was closed",
            timeout=30_000,  # Firebase Auth waits a few seconds before it believes the popup shut
        )

        # when they sign in with Google, picking their account in the chooser
        with page.expect_popup() as opened:
            page.get_by_role("button", name="Sign in with Google").click()
        chooser = opened.value
        expect(chooser.get_by_text(other.label)).to_be_visible()
        chooser.get_by_text(resident.label).click()

        # then they are signed in as themselves, and confirm
        confirm_deletion(page, resident, f"account-delete-google-{viewport}.png")

    # and the account is gone; the other one stays
    assert_gone(world, resident)
    lookup = httpx.post(
        emulator_url(world, "/identitytoolkit.googleapis.com/v1/accounts:lookup"),
        params={"key": "fake-api-key"},
        headers={"Authorization": "Bearer owner"},
        json={"localId": [other.uid]},
    )
    assert [user["localId"] for user in lookup.json()["users"]] == [other.uid]


def test_a_phone_user_deletes_their_account_on_the_web(world: World, browser: Browser) -> None:
    # given a resident who signed up with their phone number
    local = f"09{uuid.uuid4().int % 10**8:08d}"
    phone = "+84" + local[1:]
    resident = phone_user(world, phone)
    for page in open_page(browser, "phone"):
        open_delete_page(world, page)

        # when they type their number as Vietnamese numbers are written, and send a code
        page.get_by_role("textbox", name="Số điện thoại · Phone number").fill(
            f"{local[:4]} {local[4:7]} {local[7:]}"
        )
        page.get_by_role("button", name="Gửi mã qua SMS · Send a code by SMS").click()
        expect(page.get_by_role("status")).to_have_text(
            f"Đã gửi mã tới {phone} · A code was sent to {phone}"
        )

        # a wrong code is refused, in both languages
        code = sms_code(world, phone)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        field = page.get_by_label("Mã 6 số trong tin nhắn · The 6-digit code in the text message")
        field.fill(wrong)
        page.get_by_role("button", name="Xác nhận mã · Confirm the code").click()
        expect(page.get_by_role("status")).to_have_text(
            "Mã xác minh không đúng · The verification code is not right"
        )

        # when they type the code they got, they are signed in, and confirm
        field.fill(code)
        page.get_by_role("button", name="Xác nhận mã · Confirm the code").click()
        confirm_deletion(page, resident, "account-delete-phone-number.png")

    # then the account is gone
    assert_gone(world, resident)
