"""The moderator console end to end: the real app over HTTP, the Auth emulator, headless Chromium.

The app runs with uvicorn on a loopback port and the production allowlist of GraphQL documents, so
the console is proven to send only the documents in graphql/operations/. The browser may reach
127.0.0.1 only: its resolver maps every other host to nothing and the test aborts any other request
(OpenStreetMap tiles fail, as they do offline; the page must still work).
"""

from __future__ import annotations

import gc
import io
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from firebase_admin import auth as firebase_auth
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from pymongo import MongoClient

from backend import firebase
from backend.app import create_app
from backend.console import routes as console_routes
from backend.embedded import EmbeddedMongo
from backend.emulators import FirebaseAuthEmulator
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

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs chromium (make test installs it)"),
]


def _newest_source() -> float:
    sources = [p for p in WEB.rglob("*") if p.is_file()]
    sources += list((OPERATIONS / "console").glob("*.graphql"))
    # The bundled content: the wards and communes, and the departments.
    sources += [ROOT / "content" / "areas" / "units.json"]
    sources += [ROOT / "content" / "reports" / "departments.json"]
    sources += [ROOT / "package-lock.json"]
    return max(p.stat().st_mtime for p in sources)


@pytest.fixture(scope="module")
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

    def grant(self, account: Account, role: str) -> None:
        admin_app = firebase.initialize(self.settings)
        try:
            firebase_auth.set_custom_user_claims(account.uid, {"role": role}, app=admin_app)
        finally:
            # firebase-admin's auth client never closes its HTTP session (delete_app closes only
            # services with a close()): close it, or its socket is reported at a later test.
            firebase_auth._get_client(admin_app)._user_manager.http_client.close()
            firebase.close(admin_app)

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
    console_built: None, mongo: EmbeddedMongo, auth_emulator: FirebaseAuthEmulator,
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


def _loopback_only(route: Route) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1400, "height": 1000})
    context.route("**/*", _loopback_only)
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


def sign_in(page: Page, world: World, account: Account) -> None:
    page.goto(f"{world.url}/console/")
    expect(page.get_by_role("heading", name="Sign in to the moderator console")).to_be_visible()
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def file_report(world: World, resident: Account, category: str, description: str) -> str:
    data = world.graphql(
        resident,
        REPORT_CREATE,
        {
            "input": {
                "categoryId": category,
                "description": description,
                "location": {"lat": 21.0245, "lng": 105.8526},
                "idempotencyKey": uuid.uuid4().hex,
            }
        },
    )
    payload = data["reportCreate"]
    assert payload["errors"] == [], payload
    return str(payload["report"]["id"])


def evidence_png(path: Path) -> Path:
    image = Image.new("RGB", (64, 48), (30, 120, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_moderator_filters_opens_and_resolves_a_report(
    world: World, page: Page, tmp_path: Path
) -> None:
    # given a moderator, and a resident who filed a pothole and a noise report
    moderator = world.sign_up("moderator")
    world.grant(moderator, "moderator")
    resident = world.sign_up("resident")
    marker = uuid.uuid4().hex[:6]
    pothole = file_report(
        world, resident, "pothole", f"Ổ gà sâu trước số 12 phố Hàng Bài, xe máy ngã {marker}"
    )
    file_report(world, resident, "noise", f"Karaoke ồn ào sau 23 giờ ở ngõ Tràng Tiền {marker}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # when the moderator signs in and filters the queue by category and words without diacritics
    sign_in(page, world, moderator)
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    page.get_by_label("Category").select_option(label="Pothole")
    page.get_by_label("Search descriptions").fill(f"hang bai {marker}")
    page.get_by_label("Search descriptions").press("Enter")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Hàng Bài")
    expect(rows.first).to_contain_text("Submitted")
    expect(rows.first.locator(".badge[class*=sla-]")).to_have_count(1)
    page.screenshot(path=ARTIFACTS / "console-queue.png", full_page=True)

    # and opens the report with the keyboard (j moves to the row, Enter opens it)
    page.get_by_role("heading", name="Moderation queue").focus()
    page.keyboard.press("j")
    expect(page.locator("table.queue tr.current a.open")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{world.url}/console/#/report/{pothole}")
    expect(page.get_by_role("heading", name=f"Report {pothole}")).to_be_visible()
    # the map's tiles cannot load here: the page says so and goes on working
    expect(page.get_by_text("Map tiles could not load")).to_be_visible()

    # and resolves it with a public note and an evidence photo
    note = f"Đã vá ổ gà ngày hôm nay. Fixed today {marker}."
    page.get_by_label("New status").select_option(label="Resolved")
    page.get_by_label("Public note").fill(note)
    page.get_by_label("Evidence photo").set_input_files(evidence_png(tmp_path / "evidence.png"))
    expect(page.locator("ul.evidence img")).to_have_count(1)
    page.get_by_role("button", name="Set status").click()
    expect(page.get_by_role("status").filter(has_text="Done.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Report {pothole}")).to_contain_text("Resolved")
    timeline = page.locator("section[aria-labelledby=timeline-title]")
    expect(timeline).to_contain_text(note)
    expect(page.locator("table.audit tbody tr").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "console-report.png", full_page=True)

    # then the resident sees the new status and the note, with the photo, on the timeline
    seen = world.graphql(resident, REPORT, {"id": pothole})["report"]
    assert seen["status"] == "RESOLVED"
    answer = [event for event in seen["timeline"] if event["note"] == note]
    assert len(answer) == 1
    assert answer[0]["status"] == "RESOLVED"
    assert len(answer[0]["photos"]) == 1

    # and the dashboard counts it
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("img", name="Chart: By status")).to_be_visible()
    expect(page.locator(".kpi").first).not_to_contain_text("—")
    # with areas by name (the ward the reports are in), not by code
    by_area = page.get_by_role("img", name="Chart: By ward or commune")
    expect(by_area).to_contain_text("Cửa Nam Ward")
    expect(by_area).not_to_contain_text("00082")
    page.screenshot(path=ARTIFACTS / "console-dashboard.png", full_page=True)


def test_triage_then_acknowledge_with_a_public_note(world: World, page: Page) -> None:
    # given a moderator, and a new pothole report (routed by its category to Construction)
    moderator = world.sign_up("moderator")
    world.grant(moderator, "moderator")
    resident = world.sign_up("resident")
    marker = uuid.uuid4().hex[:6]
    report_id = file_report(
        world, resident, "pothole", f"Ổ gà trước cổng trường phố Lý Thường Kiệt {marker}"
    )
    sign_in(page, world, moderator)
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    page.goto(f"{world.url}/console/#/report/{report_id}")
    heading = page.get_by_role("heading", name=f"Report {report_id}")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Hanoi Department of Construction")
    # the status list offers only the legal moves and chooses none by itself
    status = page.get_by_label("New status")
    expect(status).to_have_value("")
    expect(status.locator("option")).to_have_text(
        ["Choose a status…", "Acknowledged", "In progress", "Resolved", "Rejected"]
    )

    # when the moderator routes it to the ward as urgent, without acknowledging it
    page.get_by_label("Department").select_option(label="Ward and Commune People's Committees")
    page.get_by_label("Priority").select_option(label="Urgent")
    page.get_by_role("button", name="Triage").click()
    # then it is still Submitted, and the facts show the ward office
    expect(page.get_by_role("status").filter(has_text="Done.")).to_be_visible()
    expect(facts).to_contain_text("Ward and Commune People's Committees")
    expect(heading).to_contain_text("Submitted")

    # when they acknowledge it with a public note through triage
    note = f"Đã giao UBND phường kiểm tra trong ngày {marker}"
    page.get_by_label("Acknowledge it now").check()
    page.get_by_label("Acknowledgement message (public)").fill(note)
    page.get_by_role("button", name="Triage").click()
    # then it is Acknowledged, with the note on the public timeline once
    expect(heading).to_contain_text("Acknowledged")
    timeline = page.locator("section[aria-labelledby=timeline-title]")
    expect(timeline.get_by_text(note)).to_have_count(1)
    expect(page.get_by_label("Acknowledge it now")).to_have_count(0)
    expect(status.locator("option")).to_have_text(
        ["Choose a status…", "In progress", "Resolved", "Rejected"]
    )
    # and the next move, In progress, goes through
    status.select_option(label="In progress")
    page.get_by_role("button", name="Set status").click()
    expect(heading).to_contain_text("In progress")
    seen = world.graphql(resident, REPORT, {"id": report_id})["report"]
    assert seen["status"] == "IN_PROGRESS"
    assert [event["note"] for event in seen["timeline"]].count(note) == 1


def test_bulk_status_with_one_note(world: World, page: Page) -> None:
    # given two new reports and a moderator on the queue, filtered to them
    moderator = world.sign_up("moderator")
    world.grant(moderator, "moderator")
    resident = world.sign_up("resident")
    marker = uuid.uuid4().hex[:6]
    first = file_report(world, resident, "pothole", f"Mặt đường lún sâu phố Lò Sũ {marker}")
    second = file_report(world, resident, "noise", f"Loa kẹo kéo ồn ào ngõ Lò Sũ {marker}")
    sign_in(page, world, moderator)
    page.get_by_label("Search descriptions").fill(marker)
    page.get_by_label("Search descriptions").press("Enter")
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    # the area filter offers the 126 wards and communes by name; both reports are in Cửa Nam Ward
    area_filter = page.get_by_label("Ward or commune")
    expect(area_filter.locator("optgroup[label=Wards] option")).to_have_count(51)
    expect(area_filter.locator("optgroup[label=Communes] option")).to_have_count(75)
    area_filter.select_option(label="Cửa Nam Ward")
    expect(page.locator("table.queue tbody tr").filter(has_text="Cửa Nam Ward")).to_have_count(2)
    area_filter.select_option(label="Hoàn Kiếm Ward")
    expect(page.get_by_text("No reports match these filters.")).to_be_visible()
    area_filter.select_option(label="Cửa Nam Ward")
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    # when both are selected (one with the x key, one with its checkbox) and acknowledged at once
    page.get_by_role("heading", name="Moderation queue").focus()
    page.keyboard.press("x")
    expect(page.locator("table.queue tbody input:checked")).to_have_count(1)
    page.locator("table.queue tbody input:not(:checked)").check()
    expect(page.get_by_role("heading", name="Bulk status · 2 selected")).to_be_visible()
    page.get_by_label("New status for the selected reports").select_option(label="Acknowledged")
    page.get_by_label("Public note for all of them").fill("Đã tiếp nhận, đang chuyển đơn vị xử lý.")
    page.get_by_role("button", name="Set status on selected").click()
    # then each gets its result line and the queue shows the new status
    expect(page.get_by_role("status").filter(has_text="2 updated, 0 failed")).to_be_visible()
    rows = page.locator("table.queue tbody tr")
    expect(rows.filter(has_text="Acknowledged")).to_have_count(2)
    for report_id in (first, second):
        seen = world.graphql(resident, REPORT, {"id": report_id})["report"]
        assert seen["status"] == "ACKNOWLEDGED"


def test_queue_refreshes_itself_and_a_report_is_locked_then_merged(
    world: World, page: Page
) -> None:
    # given a moderator watching the queue, filtered to today's marker (the page clock is ours)
    moderator = world.sign_up("moderator")
    world.grant(moderator, "moderator")
    resident = world.sign_up("resident")
    neighbour = world.sign_up("resident")
    marker = uuid.uuid4().hex[:6]
    original = file_report(world, resident, "pothole", f"Ổ gà giữa phố Hàng Khay {marker}")
    page.clock.install()
    sign_in(page, world, moderator)
    page.get_by_label("Search descriptions").fill(marker)
    page.get_by_label("Search descriptions").press("Enter")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    # when a neighbour files the same problem and 15 s pass, the queue shows it unasked
    duplicate = file_report(world, neighbour, "pothole", f"Lại ổ gà ở Hàng Khay {marker}")
    page.clock.run_for(16_000)
    expect(rows).to_have_count(2)

    # when the moderator opens the duplicate and takes it
    page.goto(f"{world.url}/console/#/report/{duplicate}")
    expect(page.get_by_role("heading", name=f"Report {duplicate}")).to_be_visible()
    page.get_by_role("button", name="Take it for 10 minutes").click()
    expect(page.get_by_text("Locked by")).to_be_visible()
    # and merges it into the original, the nearest candidate
    candidate = page.locator("ul.candidates li").filter(has_text="Hàng Khay").first
    expect(candidate).to_contain_text("m")
    candidate.get_by_role("button", name="Merge into this one").click()
    page.get_by_role("button", name=f"Confirm merge into {original}").click()

    # then it is a duplicate of the original, for the console and for its reporter
    expect(page.get_by_role("heading", name=f"Report {duplicate}")).to_contain_text("Duplicate")
    expect(page.get_by_role("link", name=original)).to_be_visible()
    seen = world.graphql(neighbour, REPORT, {"id": duplicate})["report"]
    assert seen["status"] == "DUPLICATE"


HOAN_KIEM = "00070"  # Phường Hoàn Kiếm: a small inner-city ward
BA_VI = "09700"  # Xã Ba Vì: the largest commune, at the city's western edge


def stored_alert(world: World, title_en: str) -> dict[str, object]:
    """The alert as the API stored it, found by its (unique) English title."""
    with MongoClient(world.settings.mongodb_uri) as client:
        found = list(client[world.settings.mongodb_db]["alerts"].find({"title.en": title_en}))
    assert len(found) == 1, found
    return found[0]


def open_alerts(page: Page, world: World, account: Account) -> None:
    sign_in(page, world, account)
    page.get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", name="Area alert")).to_be_visible()


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, view: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["view"], widths


def test_moderator_sends_an_alert_to_units_found_by_search_and_on_the_map(
    world: World, page: Page
) -> None:
    # given a staff member signed in on the alerts page, composing an alert in both languages
    staff = world.sign_up("staff")
    world.grant(staff, "staff")
    open_alerts(page, world, staff)
    title = f"Deep flooding on Hang Bai {uuid.uuid4().hex[:6]}"
    page.get_by_label("Severity").select_option(label="Warning")
    page.get_by_label("Title (Vietnamese)").fill("Ngập sâu phố Hàng Bài")
    page.get_by_label("Title (English)").fill(title)
    page.get_by_label("Text (Vietnamese)").fill("Tránh đi qua khu vực này đến 18 giờ.")
    page.get_by_label("Text (English)").fill("Avoid the area until 6 pm.")
    units = page.locator("#a-area-list input[type=checkbox]")
    expect(units).to_have_count(126)
    # the map shows every unit as a circle, none selected
    expect(page.locator("#alerts-map path.area-marker")).to_have_count(126)

    # when they find one ward by typing its name without diacritics, and tick it
    search = page.get_by_label("Find a ward or commune")
    search.fill("dong da")  # đ folds to d
    expect(page.get_by_role("checkbox", name="Đống Đa Ward")).to_be_visible()
    search.fill("hoan kiem")
    expect(units).to_have_count(1)
    page.get_by_role("checkbox", name="Hoàn Kiếm Ward").check()
    expect(page.get_by_text("1 of 126 shown · 1 selected")).to_be_visible()
    # and pick a commune by clicking its circle on the map
    search.fill("")
    page.locator(f"#alerts-map path.area-{BA_VI}").click()
    expect(page.get_by_role("checkbox", name="Ba Vì Commune")).to_be_checked()
    chosen = page.locator("ul.chips li")
    expect(chosen).to_have_count(2)
    expect(chosen).to_contain_text(["Hoàn Kiếm Ward", "Ba Vì Commune"])
    # the selected circles are highlighted
    for code in (HOAN_KIEM, BA_VI):
        expect(page.locator(f"#alerts-map path.area-{code}")).to_have_attribute("stroke", "#b3261e")
    page.screenshot(path=ARTIFACTS / "console-alert-units.png", full_page=True)
    page.get_by_role("button", name="Send alert").click()

    # then it is sent to those two, listed among those sent, and stored for exactly their codes
    sent = page.get_by_role("status").filter(has_text="Alert sent to")
    expect(sent).to_contain_text("Hoàn Kiếm Ward")
    expect(sent).to_contain_text("Ba Vì Commune")
    expect(page.locator(".alert-list")).to_contain_text(title)
    expect(page.locator(".alert-list")).to_contain_text("Hoàn Kiếm Ward, Ba Vì Commune")
    assert sorted(stored_alert(world, title)["area_ids"]) == [HOAN_KIEM, BA_VI]
    # and the picker is empty again
    expect(page.locator("#a-area-list input:checked")).to_have_count(0)


def test_select_shown_clear_and_keyboard(world: World, page: Page) -> None:
    # given a moderator on the alerts page
    moderator = world.sign_up("moderator")
    world.grant(moderator, "moderator")
    open_alerts(page, world, moderator)
    search = page.get_by_label("Find a ward or commune")
    # when a search shows some units, all of them can be selected at once, then cleared
    search.fill("son")
    shown = page.locator("#a-area-list input[type=checkbox]")
    expect(shown.first).to_be_visible()
    count = shown.count()
    assert 1 < count < 126
    page.get_by_role("button", name="Select all shown").click()
    expect(page.locator("#a-area-list input:checked")).to_have_count(count)
    page.get_by_role("button", name="Clear selection").click()
    expect(page.locator("#a-area-list input:checked")).to_have_count(0)
    # and with the keyboard: a single match is selected with Enter, which does not send the form
    search.fill("ba vi")
    search.press("Enter")
    expect(page.get_by_role("checkbox", name="Ba Vì Commune")).to_be_checked()
    expect(page.get_by_role("status").filter(has_text="Pick at least one")).to_have_count(0)
    # the chip removes it again, and the focus stays in the picker
    page.get_by_role("button", name="Remove Ba Vì Commune").press("Enter")
    expect(page.get_by_role("checkbox", name="Ba Vì Commune")).not_to_be_checked()
    expect(search).to_be_focused()


def test_alert_page_fits_a_phone(world: World, browser: Browser) -> None:
    # given a moderator on a 390 px wide phone, in Vietnamese
    moderator = world.sign_up("moderator")
    world.grant(moderator, "moderator")
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.route("**/*", _loopback_only)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{world.url}/console/")
        page.get_by_label("Email").fill(moderator.email)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập", exact=True).click()
        page.get_by_role("link", name="Cảnh báo").click()
        expect(page.get_by_role("heading", name="Cảnh báo theo phường/xã")).to_be_visible()
        expect(page.locator("#alerts-map path.area-marker")).to_have_count(126)
        # then nothing scrolls sideways, before and after picking units
        no_horizontal_scroll(page)
        page.get_by_label("Tìm phường/xã").fill("hoan kiem")
        page.get_by_role("checkbox", name="Phường Hoàn Kiếm").check()
        page.get_by_label("Tìm phường/xã").fill("xa")
        page.get_by_role("button", name="Chọn tất cả đang hiện").click()
        expect(page.locator("ul.chips li").nth(10)).to_be_visible()
        no_horizontal_scroll(page)
        page.screenshot(path=ARTIFACTS / "console-alert-phone.png", full_page=True)
    finally:
        context.close()


def test_resident_is_refused(world: World, page: Page) -> None:
    # given a resident account, when it signs in to the console
    resident = world.sign_up("resident")
    sign_in(page, world, resident)
    # then the console refuses it clearly and shows nothing else
    expect(page.get_by_role("heading", name="This account cannot use the console")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(resident.email)
    expect(page.get_by_role("link", name="Queue")).to_have_count(0)


def test_vietnamese_ui_follows_the_browser_and_switches(world: World, browser: Browser) -> None:
    context = browser.new_context(locale="vi-VN")
    context.route("**/*", _loopback_only)
    page = context.new_page()
    try:
        page.goto(f"{world.url}/console/")
        heading = page.get_by_role("heading", name="Đăng nhập bảng điều khiển kiểm duyệt")
        expect(heading).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        page.get_by_role("button", name="Ngôn ngữ: English").click()
        expect(page.get_by_role("heading", name="Sign in to the moderator console")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    finally:
        context.close()
