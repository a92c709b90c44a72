"""The console's report page: triage then acknowledge, the audit trail in words, the phone layout,
a lock held by someone else, and a lost network."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.console.conftest import (
    ARTIFACTS,
    LOCK,
    MARKS,
    REPORT,
    World,
    file_report,
    no_horizontal_scroll,
    sign_in,
    viewport_name,
)

pytestmark = MARKS
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def test_triage_then_acknowledge_with_a_public_note(world: World, screen: Page) -> None:
    page = screen
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

    # and the audit trail says it in words: who ("you"), what, and each field before → after
    audit = page.locator("section.audit-section")
    # (newest first: the last "Triaged" is the routing, before the acknowledgement)
    triaged = audit.locator("ol.audit > li").filter(has_text="Triaged").last
    expect(triaged).to_contain_text("you")
    expect(triaged.locator("dl.changes")).to_contain_text("Priority")
    expect(triaged.locator("dl.changes")).to_contain_text("Urgent")
    expect(triaged.locator("dl.changes")).to_contain_text("Department")
    expect(audit.locator("ol.audit > li").filter(has_text="Status changed").first).to_contain_text(
        "In progress"
    )
    expect(audit).not_to_contain_text("report.triage")
    expect(audit).not_to_contain_text('{"')
    expect(audit).not_to_contain_text(moderator.uid)
    # the actions come before the history (on a phone: reachable without scrolling past it)
    actions = page.get_by_role("heading", name="Actions", exact=True).bounding_box()
    history = page.get_by_role("heading", name="Audit trail").bounding_box()
    assert actions and history
    if viewport_name(page) == "phone":
        assert actions["y"] < history["y"]
        no_horizontal_scroll(page)
        page.screenshot(path=ARTIFACTS / "console-phone-report.png", full_page=True)
    else:
        assert actions["y"] < page.viewport_size["height"]


def test_a_lock_held_by_someone_else_reads_in_hanoi_time(world: World, page: Page) -> None:
    # given a report that another moderator has taken
    moderator = world.sign_up("moderator")
    world.grant(moderator, "moderator")
    colleague = world.sign_up("moderator")
    world.grant(colleague, "moderator")
    resident = world.sign_up("resident")
    report_id = file_report(world, resident, "pothole", f"Nắp cống vỡ {uuid.uuid4().hex[:6]}")
    taken = world.graphql(colleague, LOCK, {"input": {"reportId": report_id}})["reportLock"]
    assert taken["errors"] == []
    # when the moderator tries to take it too
    sign_in(page, world, moderator)
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    page.goto(f"{world.url}/console/#/report/{report_id}")
    expect(page.get_by_text("Locked by user")).to_be_visible()
    page.get_by_role("button", name="Take it for 10 minutes").click()
    # then the refusal says until when in Hanoi time, never as a machine timestamp
    message = page.locator(".actions .message.error")
    expect(message).to_contain_text("Hanoi")
    assert not ISO_TIME.search(message.inner_text())
    expect(page.locator("section[aria-labelledby=lock-title]")).not_to_contain_text(colleague.uid)


def test_a_lost_network_offers_a_retry(world: World, page: Page) -> None:
    # given a moderator on the queue
    moderator = world.sign_up("moderator")
    world.grant(moderator, "moderator")
    sign_in(page, world, moderator)
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    expect(page.get_by_text("Last update")).to_be_visible()
    # when the API cannot be reached
    page.route("**/graphql", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("button", name="Refresh now").click()
    # then the page says so in words, with a retry button, and not "Failed to fetch"
    alert = page.locator(".offline")
    expect(alert).to_contain_text("cannot reach the server")
    expect(page.get_by_text("Failed to fetch")).to_have_count(0)
    # the same on a report page
    page.goto(f"{world.url}/console/#/report/0123456789abcdef01234567")
    expect(page.locator(".offline")).to_contain_text("cannot reach the server")
    # when the network is back, Retry loads the page
    page.unroute("**/graphql")
    page.get_by_role("button", name="Retry").click()
    expect(page.locator(".offline")).to_have_count(0)
    expect(page.get_by_text("This report does not exist")).to_be_visible()
