"""The one-tap unit fix in Chromium, with the service worker running: a clinician types a platelet
count without its thousands, taps "Use 150 × 10⁹/L", and then corrects the number; what is saved is what
the page shows, online and with the server gone.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from checklist.persistence.storage import DraftStore
from support import CHROMIUM, LAUNCH_ARGS

WIDTHS = {"phone": 320, "tablet": 768}


@pytest.fixture
def server(own_server):
    return own_server


@pytest.fixture(params=WIDTHS)
def page(request, server):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": WIDTHS[request.param], "height": 800})
        page = context.new_page()
        page.goto(server.url + "/")
        page.get_by_role("button", name="Start a new checklist").click()
        page.wait_for_url("**/drafts/*")
        page.evaluate("navigator.serviceWorker.ready")
        page.reload()  # under the service worker from now on, as on a second visit
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        yield page
        browser.close()


def go_to_platelets(page):
    """On a phone one section shows at a time: page through with "Next", as a clinician does."""
    while not page.locator("#f-platelets").is_visible():
        page.locator(".step.current a[data-pager]", has_text="Next").click()


def type_slowly(page, fact, text):
    field = page.locator(f"#f-{fact}")
    field.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text, delay=300)
    page.keyboard.press("Tab")


def history(server, page, fact) -> list:
    draft_id = page.url.split("/drafts/")[1].split("#")[0]
    return [entry["new"] for entry in DraftStore(server.data / "drafts").history(draft_id) if entry.get("field") == fact]


def saved_now(page):
    page.wait_for_function("!document.querySelector('.htmx-request')")


def test_a_number_fixed_to_the_suggested_unit_and_then_retyped_keeps_that_unit(server, page):
    go_to_platelets(page)
    type_slowly(page, "platelets", "150")
    expect(page.locator("#notes-platelets")).to_contain_text("did you mean 150 × 10⁹/L?")
    page.get_by_role("button", name="Use 150 × 10⁹/L").click()
    expect(page.locator("#f-platelets_unit")).to_have_value("10^9/L")
    expect(page.locator("#notes-platelets")).not_to_contain_text("did you mean")
    saved_now(page)
    type_slowly(page, "platelets", "60")
    expect(page.locator("#f-platelets_unit")).to_have_value("10^9/L")
    expect(page.locator("#criterion-platelets")).to_contain_text("Platelets 60 × 10⁹/L is at least 60 × 10⁹/L.")
    saved_now(page)
    assert history(server, page, "platelets") == [150, {"value": 150, "unit": "10^9/L"}, {"value": 60, "unit": "10^9/L"}]


def test_a_fix_tapped_with_the_server_gone_is_shown_at_once_and_saved_when_it_is_back(server, page):
    go_to_platelets(page)
    type_slowly(page, "platelets", "150")
    expect(page.locator("#notes-platelets")).to_contain_text("did you mean 150 × 10⁹/L?")
    saved_now(page)
    server.stop()
    page.get_by_role("button", name="Use 150 × 10⁹/L").click()
    expect(page.locator("#connection")).to_contain_text("Offline: 1 answer waiting")
    expect(page.locator("#f-platelets_unit")).to_have_value("10^9/L")
    server.start()
    expect(page.locator("#connection")).to_be_hidden(timeout=60_000)
    assert history(server, page, "platelets") == [150, {"value": 150, "unit": "10^9/L"}]


def test_after_the_fix_the_keyboard_is_on_the_question_it_fixed(server, page):
    go_to_platelets(page)
    type_slowly(page, "platelets", "150")
    fix = page.get_by_role("button", name="Use 150 × 10⁹/L")
    fix.focus()
    page.keyboard.press("Space")
    expect(page.locator("#f-platelets_unit")).to_have_value("10^9/L")
    expect(page.locator("#f-platelets")).to_be_focused()
