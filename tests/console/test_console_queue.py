"""The console's queue: filters, keyboard, urgency order, bulk status, refresh, lock and merge."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.console.conftest import (
    ARTIFACTS,
    MARKS,
    REPORT,
    TRIAGE,
    World,
    evidence_png,
    file_report,
    no_horizontal_scroll,
    sign_in,
    upload_photo,
    viewport_name,
)

pytestmark = MARKS


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
    expect(page.locator("ol.audit > li").first).to_contain_text("Status changed")
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


def test_queue_puts_urgent_first_with_time_left_and_photo_then_next_report(
    world: World, page: Page, tmp_path: Path
) -> None:
    # given a noise report, then a pothole with a photo that a moderator marks urgent
    moderator = world.sign_up("moderator")
    world.grant(moderator, "moderator")
    resident = world.sign_up("resident")
    marker = uuid.uuid4().hex[:6]
    noise = file_report(world, resident, "noise", f"Karaoke ồn ào phố Hàng Bạc {marker}")
    photo = upload_photo(world, resident, evidence_png(tmp_path / "pothole.png"))
    urgent = file_report(
        world, resident, "pothole", f"Hố sâu giữa đường Hàng Bạc {marker}", [photo]
    )
    triaged = world.graphql(
        moderator, TRIAGE, {"input": {"reportId": urgent, "priority": "URGENT"}}
    )["reportTriage"]
    assert triaged["errors"] == []

    # when the moderator looks at the queue (ordered by urgency by default)
    sign_in(page, world, moderator)
    expect(page.get_by_label("Sort by")).to_have_value("URGENCY")
    page.get_by_label("Search descriptions").fill(marker)
    page.get_by_label("Search descriptions").press("Enter")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(2)
    # then the urgent report comes first, with its photo, and each row says how much time is left
    expect(rows.nth(0)).to_contain_text("Hố sâu")
    expect(rows.nth(0)).to_contain_text("Urgent")
    expect(rows.nth(0).locator("td.photo img")).to_have_count(1)
    expect(rows.nth(1).locator("td.photo img")).to_have_count(0)
    for index in range(2):
        expect(rows.nth(index).locator("td.sla .badge")).to_have_text(re.compile(r"left|overdue"))
    # and the folded summary of the filters says what is active
    expect(page.locator(".filters-box summary")).to_contain_text(marker)
    # and the filter exports as CSV (streamed by the server), both reports and nothing else
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV (this filter)").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert exported.count(marker) == 2, exported
    assert urgent in exported and noise in exported
    expect(page.get_by_text("Downloaded reports-")).to_be_visible()

    # when they open the first, take it (an action), the page offers the next report
    rows.nth(0).locator("a.open").click()
    expect(page.get_by_role("heading", name=f"Report {urgent}")).to_be_visible()
    # (its photo opens in a viewer, which Escape closes)
    page.get_by_role("button", name="Open photo 1 of 1").click()
    viewer = page.get_by_role("dialog", name="Photo 1 of 1")
    expect(viewer).to_be_visible()
    expect(viewer.get_by_role("img")).to_have_attribute("src", re.compile(r"/media/"))
    page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    page.get_by_role("button", name="Take it for 10 minutes").click()
    expect(page.get_by_text("Locked by you")).to_be_visible()
    page.locator(".actions .message").get_by_role("link", name="Next report").click()
    expect(page.get_by_role("heading", name=f"Report {noise}")).to_be_visible()
    # and the keyboard goes back to the queue (q), where the filter is kept
    page.get_by_role("heading", name=f"Report {noise}").focus()
    page.keyboard.press("q")
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    expect(rows).to_have_count(2)


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


def test_the_reports_of_the_filter_on_a_clustered_map(world: World, screen: Page) -> None:
    # given three reports at one corner of Hoàn Kiếm Lake and one in Ba Đình
    page = screen
    moderator = world.sign_up("moderator")
    world.grant(moderator, "moderator")
    resident = world.sign_up("resident")
    marker = uuid.uuid4().hex[:6]
    for n in range(3):
        file_report(world, resident, "pothole", f"Ổ gà số {n} phố Đinh Tiên Hoàng {marker}")
    file_report(
        world, resident, "noise", f"Loa ồn quảng trường Ba Đình {marker}", at=(21.0367, 105.8346)
    )
    sign_in(page, world, moderator)
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    if viewport_name(page) == "phone":  # the filters start folded on a phone
        page.locator(".filters-box summary").click()
    page.get_by_label("Search descriptions").fill(marker)
    page.get_by_label("Search descriptions").press("Enter")
    expect(page.locator("table.queue tbody tr")).to_have_count(4)

    # when the moderator shows the map
    page.get_by_role("button", name="Show on a map").click()
    # then the three neighbours are one cluster of 3, the fourth a marker of its own
    region = page.get_by_role("region", name="Map of the reports in this filter")
    expect(region.locator(".marker-cluster")).to_have_text("3")
    expect(region.locator(".report-marker")).to_have_count(1)
    expect(page.get_by_text("4 reports on the map")).to_be_visible()
    no_horizontal_scroll(page)
    name = "console-map" if viewport_name(page) == "desktop" else "console-phone-map"
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    # and the single marker opens a popup that links to its report
    region.locator(".report-marker").click()
    expect(region.locator(".leaflet-popup").get_by_role("link")).to_contain_text("Ba Đình")
