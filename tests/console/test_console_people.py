"""Who uses the console: a resident is refused, the language follows the browser, and staff of
a department work in their own unit by default (queue and statistics)."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from tests.console.conftest import (
    ARTIFACTS,
    MARKS,
    World,
    file_report,
    loopback_only,
    no_horizontal_scroll,
    sign_in,
    viewport_name,
)

pytestmark = MARKS
CONSTRUCTION = "Hanoi Department of Construction"
WARDS = "Ward and Commune People's Committees"
CUA_NAM = "00082"


def test_staff_work_in_their_department_by_default(world: World, screen: Page) -> None:
    # given a staff member of the Department of Construction, and a pothole report (theirs)
    page = screen
    staff = world.sign_up("staff")
    world.grant(staff, "staff", department="so-xay-dung")
    resident = world.sign_up("resident")
    marker = uuid.uuid4().hex[:6]
    file_report(world, resident, "pothole", f"Ổ gà phố Tràng Thi {marker}")

    # when they sign in, the queue is their department's, said so in the title and the filter
    sign_in(page, world, staff)
    expect(page.get_by_role("heading", name=f"Reports for {CONSTRUCTION}")).to_be_visible()
    expect(page.get_by_text("Last update")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    if viewport_name(page) == "phone":
        # on a phone the filters are folded, with a summary of what is active
        summary = page.locator(".filters-box summary")
        expect(summary).to_contain_text(CONSTRUCTION)
        summary.click()
    department = page.get_by_label("Department")
    expect(department).to_have_value("so-xay-dung")
    expect(department.locator("option")).to_have_text([CONSTRUCTION])
    page.get_by_label("Search descriptions").fill(marker)
    page.get_by_label("Search descriptions").press("Enter")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    if viewport_name(page) == "phone":
        no_horizontal_scroll(page)
        page.screenshot(path=ARTIFACTS / "console-phone-staff-queue.png", full_page=True)

    # when they open the statistics, their department's figures load at once, in words for staff
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name=f"Statistics of {CONSTRUCTION}")).to_be_visible()
    expect(page.locator(".kpi").first).not_to_contain_text("—")
    expect(page.get_by_text("Loading…")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_label("Department").locator("option")).to_have_text([CONSTRUCTION])
    expect(page.get_by_role("img", name="Chart: By status")).to_be_visible()
    if viewport_name(page) == "phone":
        no_horizontal_scroll(page)
    page.screenshot(path=ARTIFACTS / f"console-staff-dashboard-{viewport_name(page)}.png")


def test_a_ward_office_sees_its_ward(world: World, page: Page) -> None:
    # given staff of the Cửa Nam ward office, and a noise report there (ward offices handle noise)
    staff = world.sign_up("staff")
    world.grant(staff, "staff", department="ubnd-phuong", areas=[CUA_NAM])
    resident = world.sign_up("resident")
    marker = uuid.uuid4().hex[:6]
    file_report(world, resident, "noise", f"Hát karaoke khuya phố Hàng Bông {marker}")
    # when they sign in, the queue is their ward's, the ward preselected and the only one offered
    sign_in(page, world, staff)
    unit = f"{WARDS} · Cửa Nam Ward"
    expect(page.get_by_role("heading", name=f"Reports for {unit}")).to_be_visible()
    area = page.get_by_label("Ward or commune")
    expect(area).to_have_value(CUA_NAM)
    expect(area.locator("option")).to_have_text(["Any", "Cửa Nam Ward"])
    page.get_by_label("Search descriptions").fill(marker)
    page.get_by_label("Search descriptions").press("Enter")
    expect(page.locator("table.queue tbody tr")).to_have_count(1)
    # and the statistics are their ward's, without a word of error
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name=f"Statistics of {unit}")).to_be_visible()
    expect(page.locator(".kpi").first).not_to_contain_text("—")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("img", name="Chart: By ward or commune")).to_contain_text("Cửa Nam")


def test_staff_following_a_link_to_another_units_report(world: World, page: Page) -> None:
    # given staff of URENCO (waste), and a pothole report (the Department of Construction's)
    staff = world.sign_up("staff")
    world.grant(staff, "staff", department="urenco")
    resident = world.sign_up("resident")
    report_id = file_report(world, resident, "pothole", f"Ổ gà phố Hàng Đào {uuid.uuid4().hex[:6]}")
    sign_in(page, world, staff)
    expect(page.get_by_role("heading", name="Reports for Hanoi Urban Environment")).to_be_visible()
    # when they open a link to it, the page says why not, in words
    page.goto(f"{world.url}/console/#/report/{report_id}")
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("handled by another unit")
    expect(refusal).not_to_contain_text("audit log")


def test_staff_assign_a_report_to_themselves(world: World, page: Page) -> None:
    # given a staff member of the Department of Construction, and a pothole report (theirs)
    staff = world.sign_up("staff")
    world.grant(staff, "staff", department="so-xay-dung")
    resident = world.sign_up("resident")
    marker = uuid.uuid4().hex[:6]
    report_id = file_report(world, resident, "pothole", f"Ổ gà phố Bà Triệu {marker}")
    sign_in(page, world, staff)
    expect(page.get_by_role("heading", name=f"Reports for {CONSTRUCTION}")).to_be_visible()

    # when they open it and assign it to themselves
    page.goto(f"{world.url}/console/#/report/{report_id}")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Assigned to nobody")
    page.get_by_role("button", name="Assign to me").click()
    # then the report says so, by name ("you"), and the audit trail says who did what
    expect(page.locator("section[aria-labelledby=assign-title]")).to_contain_text("Assigned to you")
    expect(facts).to_contain_text("you")
    assigned = page.locator("ol.audit > li").filter(has_text="Assigned").first
    expect(assigned).to_contain_text("Assignee")
    expect(assigned).not_to_contain_text(staff.uid)

    # and the queue's "Assigned to me" shows it, and "Assigned to nobody" does not
    page.get_by_role("link", name="Queue", exact=True).click()
    page.get_by_label("Search descriptions").fill(marker)
    page.get_by_label("Search descriptions").press("Enter")
    rows = page.locator("table.queue tbody tr")
    page.get_by_label("Assigned to").select_option(label="Assigned to me")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("you")
    page.get_by_label("Assigned to").select_option(label="Assigned to nobody")
    expect(page.get_by_text("No reports match these filters.")).to_be_visible()


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
    context.route("**/*", loopback_only)
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
