"""The console's report page for a city office: canned answers in the public note, a colleague
picked by name and unit, the reports merged into this one and the suspected duplicates."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.console.conftest import (
    ARTIFACTS,
    MARKS,
    OPERATIONS,
    World,
    file_report,
    no_horizontal_scroll,
    sign_in,
)

pytestmark = MARKS
CONSTRUCTION = "Hanoi Department of Construction"
CANNED_SET = (OPERATIONS / "moderation" / "CannedAnswerSet.graphql").read_text(encoding="utf-8")
MERGE = (OPERATIONS / "console" / "ConsoleReportMerge.graphql").read_text(encoding="utf-8")
RENAME = (OPERATIONS / "auth" / "ViewerUpdate.graphql").read_text(encoding="utf-8")
ANSWER_TEXT = "Thank you. The maintenance crew will fill the pothole within 3 working days."


def test_staff_answer_with_a_canned_text_and_give_the_report_to_a_colleague(
    world: World, page: Page
) -> None:
    # given an admin's canned answer for potholes, two staff of Construction (one named)
    admin = world.sign_up("admin")
    world.grant(admin, "admin")
    answer = {
        "categoryId": "pothole",
        "titleVi": "Đã chuyển đội duy tu",
        "titleEn": "Sent to the maintenance crew",
        "textVi": "Cảm ơn bạn. Đội duy tu sẽ vá ổ gà trong 3 ngày làm việc.",
        "textEn": ANSWER_TEXT,
    }
    made = world.graphql(admin, CANNED_SET, {"input": answer})["cannedAnswerSet"]
    assert made["errors"] == [], made
    staff = world.sign_up("staff")
    world.grant(staff, "staff", department="so-xay-dung")
    colleague = world.sign_up("colleague")
    world.grant(colleague, "staff", department="so-xay-dung")
    renamed = world.graphql(colleague, RENAME, {"input": {"displayName": "Trần Văn Minh"}})
    assert renamed["viewerUpdate"]["errors"] == []
    # and a pothole, a report of the same pothole merged into it, and an open one next to it
    resident = world.sign_up("resident")
    marker = uuid.uuid4().hex[:6]
    report_id = file_report(world, resident, "pothole", f"Ổ gà phố Huế {marker}")
    copy_id = file_report(world, resident, "pothole", f"Lại ổ gà phố Huế {marker}")
    file_report(world, resident, "pothole", f"Ổ gà gần đó {marker}", at=(21.0246, 105.8527))
    into = {"reportId": copy_id, "intoReportId": report_id}
    merged = world.graphql(staff, MERGE, {"input": into})
    assert merged["reportMerge"]["errors"] == [], merged

    # when the staff member opens the report
    sign_in(page, world, staff)
    expect(page.get_by_role("heading", name=f"Reports for {CONSTRUCTION}")).to_be_visible()
    page.goto(f"{world.url}/console/#/report/{report_id}")

    # then it lists the report merged into it, and one suspected duplicate nearby
    merged_list = page.locator("section[aria-labelledby=merged-title]")
    expect(merged_list).to_contain_text("Reports merged into this one")
    expect(merged_list.get_by_role("link")).to_have_attribute("href", f"#/report/{copy_id}")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("1 open report(s) of this category nearby")

    # when they pick the canned answer, it fills the public note (still editable)
    page.get_by_label("Canned answer").select_option(label="Sent to the maintenance crew")
    expect(page.get_by_label("Public note")).to_have_value(ANSWER_TEXT)

    # when they give the report to their colleague, chosen by name and unit
    picked = f"Trần Văn Minh · {CONSTRUCTION}"
    page.get_by_label("Give it to").select_option(label=picked)
    page.get_by_role("button", name="Assign", exact=True).click()

    # then the report names the colleague with their unit, and the audit trail says who acted
    expect(page.locator("section[aria-labelledby=assign-title]")).to_contain_text("Trần Văn Minh")
    expect(facts).to_contain_text(picked)
    assigned = page.locator("ol.audit > li").filter(has_text="Assigned").first
    expect(assigned).to_contain_text(f"you · {CONSTRUCTION}")
    expect(assigned).not_to_contain_text(staff.uid)
    no_horizontal_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "report-canned-answer-assign.png"), full_page=True)
