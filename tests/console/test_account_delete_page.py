"""/account/delete in a browser: Google Play's web link to delete an account.

The page is built by Vite with the console and served from backend/console/dist (as from an
installed wheel); it signs in with the Firebase JS SDK against the Auth emulator and posts the
checked-in AccountDelete document to an app in allowlist mode. The push worker then runs the
deletion job: the Firebase account and the profile are gone. Google and phone-number sign-in:
test_account_delete_providers.py; the page's CSP in production: test_account_delete_csp.py.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from firebase_admin import auth as firebase_auth
from playwright.sync_api import Browser, Page, expect

from backend import firebase, outbox
from backend.auth.service import deletion, secrets
from backend.db import open_client
from backend.notifications.models import OutboxDoc
from notifications.worker import Worker
from tests.console.conftest import (
    ARTIFACTS,
    MARKS,
    PASSWORD,
    Account,
    World,
    axe_violations,
    open_page,
)

pytestmark = MARKS


def run_deletion_job(world: World, uid: str) -> dict[str, object]:
    """Run the push worker (a minute later each round) until the account's job is done; what
    is left of the account afterwards."""

    async def run() -> dict[str, object]:
        settings = world.settings
        client = open_client(settings.mongodb_uri or "", settings)
        app = firebase.initialize(settings)
        now = datetime.now(UTC) + timedelta(minutes=1)
        try:
            db = client[settings.mongodb_db]
            worker = Worker(db, app, clock=lambda: now)
            job = deletion.job_id(secrets.pseudonym(settings, uid))
            queued = await outbox.get(db, job)
            for _ in range(10):
                await worker.run_once()
                stored = await outbox.get(db, job)
                if stored is not None and stored.state.value == "sent":
                    break
                now += timedelta(minutes=1)
            try:
                await asyncio.to_thread(firebase_auth.get_user, uid, app=app)
                firebase_user = True
            except firebase_auth.UserNotFoundError:
                firebase_user = False
            return {
                "queued": queued is not None,
                "state": stored.state.value if stored else None,
                "firebase_user": firebase_user,
                "profile": await db["users"].find_one({"_id": uid}),
                "confirmation": await outbox.get(db, f"{job}:confirm"),
                "inbox": await db["notifications"].count_documents({"uid": uid}),
            }
        finally:
            await firebase.close_async(app)
            await client.close()

    # In a thread of its own: Playwright's sync API keeps an event loop running here.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_a_resident_deletes_their_account_on_the_web(world: World, browser: Browser) -> None:
    # given a resident with an e-mail and password account, on a phone
    resident = world.sign_up("leaving")
    for page in open_page(browser, "phone"):
        delete_on_the_page(world, page, resident)

    # and once the worker has run the job, the account is gone, after the user was told
    left = run_deletion_job(world, resident.uid)
    assert left["queued"] is True
    assert left["state"] == "sent"
    confirmation = left["confirmation"]
    assert isinstance(confirmation, OutboxDoc) and confirmation.state.value == "sent"
    assert left["firebase_user"] is False
    assert left["profile"] is None
    assert left["inbox"] == 0  # the confirmation's inbox item went with the account


def delete_on_the_page(world: World, page: Page, resident: Account) -> None:
    # when they open the page: both languages, served with the console's CSP
    response = page.goto(f"{world.url}/account/delete")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Xoá tài khoản ThangLong")).to_be_visible()
    expect(page.get_by_text("Sign in with the account you use in the app")).to_be_visible()
    assert axe_violations(page) == []

    # a wrong password is refused, in both languages
    page.get_by_label("Email").fill(resident.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Đăng nhập · Sign in").click()
    expect(page.get_by_role("status")).to_have_text(
        "Đăng nhập không thành công · Could not sign in"
    )

    # when they sign in and confirm
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập · Sign in").click()
    expect(page.get_by_text(resident.email)).to_be_visible()
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Xoá tài khoản · Delete my account").click()

    # then the request was taken (the allowlisted document ran)
    expect(page.get_by_role("status")).to_contain_text("Request received")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "account-delete-phone.png"), full_page=True)
