"""The alerts page of the console: units picked by search, on the map and with the keyboard."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect
from pymongo import MongoClient

from tests.console.conftest import (
    ARTIFACTS,
    MARKS,
    PASSWORD,
    Account,
    World,
    loopback_only,
    no_horizontal_scroll,
    sign_in,
)

pytestmark = MARKS


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
    context.route("**/*", loopback_only)
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
