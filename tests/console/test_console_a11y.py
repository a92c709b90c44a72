"""Every console page on a laptop and on a phone: no serious or critical axe-core violation, and
nothing scrolls sideways at 390 px."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.console.conftest import (
    ARTIFACTS,
    MARKS,
    World,
    axe_violations,
    file_report,
    no_horizontal_scroll,
    sign_in,
    viewport_name,
)

pytestmark = MARKS


def check(page: Page, name: str) -> None:
    assert axe_violations(page) == [], name
    no_horizontal_scroll(page)
    if viewport_name(page) == "phone":
        page.screenshot(path=ARTIFACTS / f"console-phone-{name}.png", full_page=True)


def test_every_page_is_accessible_and_fits(world: World, screen: Page) -> None:
    # given a moderator, and a report in the queue
    page = screen
    moderator = world.sign_up("moderator")
    world.grant(moderator, "moderator")
    resident = world.sign_up("resident")
    report_id = file_report(world, resident, "pothole", f"Ổ gà phố Huế {uuid.uuid4().hex[:6]}")

    # the sign-in page
    page.goto(f"{world.url}/console/")
    expect(page.get_by_role("heading", name="Sign in to the moderator console")).to_be_visible()
    check(page, "signin")
    # the queue, with its rows loaded
    sign_in(page, world, moderator)
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    expect(page.locator("table.queue tbody tr").first).to_be_visible()
    check(page, "queue")
    # and with the map of the filter's reports shown
    page.get_by_role("button", name="Show on a map").click()
    expect(page.locator("#queue-map .leaflet-marker-icon").first).to_be_visible()
    check(page, "queue-map")
    # a report, with its map and history
    page.goto(f"{world.url}/console/#/report/{report_id}")
    expect(page.get_by_role("heading", name=f"Report {report_id}")).to_be_visible()
    expect(page.get_by_text("Map tiles could not load")).to_be_visible()
    check(page, "report-page")
    # the statistics
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("img", name="Chart: By status")).to_be_visible()
    check(page, "dashboard")
    # the alerts, with the map of the 126 units
    page.get_by_role("link", name="Alerts").click()
    expect(page.locator("#alerts-map path.area-marker")).to_have_count(126)
    check(page, "alerts")
