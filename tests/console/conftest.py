"""The console's browser tests: the real app over HTTP, the Auth emulator, headless Chromium.

The app runs with uvicorn on a loopback port and the production allowlist of GraphQL documents, so
the console is proven to send only the documents in graphql/operations/. The browser may reach
127.0.0.1 only: its resolver maps every other host to nothing and the test aborts any other request
(OpenStreetMap tiles fail, as they do offline; the page must still work).
"""

from __future__ import annotations

import asyncio
import gc
import io
import json
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from firebase_admin import auth as firebase_auth
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from backend import firebase
from backend.app import create_app
from backend.console import routes as console_routes
from backend.db import open_client
from backend.emulators import FirebaseAuthEmulator
from backend.moderation import repository as moderation_repository
from backend.processes import free_port
from backend.settings import ROOT, Environment, Settings

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
WEB = ROOT / "backend" / "console" / "web"
OPERATIONS = ROOT / "graphql" / "operations"
PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # Belt and braces: no host but loopback resolves, whatever the page or Chromium asks for.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
REPORT_CREATE = (OPERATIONS / "reports" / "ReportCreate.graphql").read_text(encoding="utf-8")
REPORT = (OPERATIONS / "reports" / "Report.graphql").read_text(encoding="utf-8")
TRIAGE = (OPERATIONS / "console" / "ConsoleReportTriage.graphql").read_text(encoding="utf-8")
LOCK = (OPERATIONS / "console" / "ConsoleReportLock.graphql").read_text(encoding="utf-8")
# axe-core, the accessibility engine of @axe-core/playwright (package.json), run in the page.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The two screens every flow is proven on: a laptop and a phone.
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
MARKS = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs chromium (make test installs it)"),
]


class _Database(Protocol):
    uri: str


def _newest_source() -> float:
    sources = [p for p in WEB.rglob("*") if p.is_file()]
    sources += list((OPERATIONS / "console").glob("*.graphql"))
    sources += [OPERATIONS / "auth" / "AccountDelete.graphql"]  # the /account/delete page's
    # The bundled content: the wards and communes, and the departments.
    sources += [ROOT / "content" / "areas" / "units.json"]
    sources += [ROOT / "content" / "reports" / "departments.json"]
    sources += [ROOT / "package-lock.json"]
    return max(p.stat().st_mtime for p in sources)


@pytest.fixture(scope="session")
def console_built() -> None:
    """Build the console when dist/ is missing or older than its sources (as make test does)."""
    index = console_routes.DIST / "index.html"
    if index.exists() and index.stat().st_mtime >= _newest_source():
        return
    npm = shutil.which("npm")
    assert npm, "npm is needed to build the console"
    result = subprocess.run(
        [npm, "run", "build:console"], cwd=ROOT, capture_output=True, text=True, timeout=180,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


class LiveServer:
    """The app under uvicorn in a thread, on a free loopback port."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning",
            lifespan="on", access_log=False,
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="console-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        ready = threading.Event()
        for _ in range(600):  # the lifespan loads content/ first
            if self.server.started or not self.thread.is_alive():
                break
            ready.wait(0.1)
        assert self.server.started, "the app did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@dataclass
class Account:
    email: str
    uid: str
    token: str


@dataclass
class World:
    url: str
    emulator: FirebaseAuthEmulator
    settings: Settings

    def sign_up(self, prefix: str) -> Account:
        email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
        response = httpx.post(
            f"http://{self.emulator.host_port}/identitytoolkit.googleapis.com/v1/accounts:signUp",
            params={"key": "fake-api-key"},
            json={"email": email, "password": PASSWORD, "returnSecureToken": True},
        )
        response.raise_for_status()
        body = response.json()
        return Account(email=email, uid=body["localId"], token=body["idToken"])

    def grant(
        self, account: Account, role: str, department: str | None = None, areas: list[str] = ()
    ) -> None:
        """What `users grant` does: the custom claims, and the staff directory for staff."""
        claims: dict[str, object] = {"department": department} if department else {}
        if areas:
            claims["areas"] = sorted(areas)
        if department:
            directory = self._directory(account, role, department, list(areas))
            # In a thread of its own: Playwright's sync API keeps an event loop running here.
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, directory).result()
        admin_app = firebase.initialize(self.settings)
        try:
            firebase_auth.set_custom_user_claims(
                account.uid, {"role": role, **claims}, app=admin_app
            )
        finally:
            # firebase-admin's auth client never closes its HTTP session (delete_app closes only
            # services with a close()): close it, or its socket is reported at a later test.
            firebase_auth._get_client(admin_app)._user_manager.http_client.close()
            firebase.close(admin_app)
        # A token carries the claims of its sign-in: sign in again for one with the new role.
        response = httpx.post(
            f"http://{self.emulator.host_port}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword",
            params={"key": "fake-api-key"},
            json={"email": account.email, "password": PASSWORD, "returnSecureToken": True},
        )
        response.raise_for_status()
        account.token = response.json()["idToken"]

    async def _directory(
        self, account: Account, role: str, department: str, areas: list[str]
    ) -> None:
        client = open_client(self.settings.mongodb_uri or "", self.settings)
        try:
            await moderation_repository.set_staff_member(
                client[self.settings.mongodb_db],
                uid=account.uid,
                role=role,
                department=department,
                areas=areas,
                lead=False,
                email=account.email,
                now=datetime.now(UTC),
            )
        finally:
            await client.close()

    def graphql(self, account: Account, document: str, variables: dict[str, object]) -> dict:
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": document, "variables": variables},
            headers={"Authorization": f"Bearer {account.token}", "Accept-Language": "en"},
            timeout=30,
        )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


@pytest.fixture(scope="module")
def world(
    console_built: None, mongo: _Database, auth_emulator: FirebaseAuthEmulator,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:  # fmt: skip
    settings = Settings(
        env=Environment.TEST,
        mongodb_uri=mongo.uri,
        mongodb_db=f"test_console_{uuid.uuid4().hex[:12]}",
        data_dir=tmp_path_factory.mktemp("console"),
        firebase_project_id=auth_emulator.project_id,
        firebase_auth_emulator_host=auth_emulator.host_port,
        seed_on_start=True,
        # As in production: only the documents in graphql/operations/ run.
        persisted_queries="allowlist",
        response_cache=False,
        # Revocation checks are the emulator tests' subject; here they would only add remote calls.
        revocation_check_seconds=0,
    )
    with pytest.MonkeyPatch.context() as patch:
        # firebase-admin reads the emulator address from the environment, as in `make run`.
        patch.setenv("FIREBASE_AUTH_EMULATOR_HOST", auth_emulator.host_port)
        with LiveServer(settings) as server:
            yield World(url=server.url, emulator=auth_emulator, settings=settings)
    # Anything this module left open is reported here, against it, rather than at a later test.
    gc.collect()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def loopback_only(route: Route) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def open_page(browser: Browser, viewport: str = "desktop", locale: str = "en-GB") -> Iterator[Page]:
    """A fresh browser context on one of VIEWPORTS, loopback only, watched for errors."""
    width, height = VIEWPORTS[viewport]
    phone = viewport == "phone"
    context = browser.new_context(
        locale=locale, viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
    )
    context.route("**/*", loopback_only)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    # The page threw nothing and the CSP refused nothing it tried to do.
    assert problems == []


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from open_page(browser)


@pytest.fixture(params=list(VIEWPORTS))
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """The same test on a laptop (1280 by 800) and on a phone (390 by 844)."""
    yield from open_page(browser, request.param)


def viewport_name(page: Page) -> str:
    size = page.viewport_size or {"width": 0}
    return "phone" if size["width"] < 700 else "desktop"


def sign_in(page: Page, world: World, account: Account) -> None:
    page.goto(f"{world.url}/console/")
    expect(page.get_by_role("heading", name="Sign in to the moderator console")).to_be_visible()
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def file_report(
    world: World,
    resident: Account,
    category: str,
    description: str,
    photo_ids: list[str] = (),
    at: tuple[float, float] = (21.0245, 105.8526),
) -> str:
    data = world.graphql(
        resident,
        REPORT_CREATE,
        {
            "input": {
                "categoryId": category,
                "description": description,
                "location": {"lat": at[0], "lng": at[1]},
                "photoIds": list(photo_ids),
                "idempotencyKey": uuid.uuid4().hex,
            }
        },
    )
    payload = data["reportCreate"]
    assert payload["errors"] == [], payload
    return str(payload["report"]["id"])


def upload_photo(world: World, account: Account, path: Path) -> str:
    """POST /media as this account; the photo's id."""
    response = httpx.post(
        f"{world.url}/media",
        files={"file": (path.name, path.read_bytes(), "image/png")},
        headers={"Authorization": f"Bearer {account.token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def evidence_png(path: Path) -> Path:
    image = Image.new("RGB", (64, 48), (30, 120, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, view: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["view"], widths


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated by the DevTools protocol, not as a page script: the console's CSP allows that.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => ({
                    id: v.id,
                    help: v.help,
                    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
                }));
        }""",
        ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    )
    return [json.dumps(v, ensure_ascii=False) for v in results]
