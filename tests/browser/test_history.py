"""The change history in the browser: what was saved, with what the page shows."""
from __future__ import annotations

from playwright.sync_api import expect


def test_opening_the_history_in_the_browser_shows_changes_saved_since_the_page_loaded(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    page.click("text=Start a new checklist")
    page.wait_for_url("**/drafts/*")
    with page.expect_response(lambda response: response.url.endswith("/answers")):
        page.fill("#f-patient_name", "Ada Example")
        page.keyboard.press("Tab")
    page.click("text=Change history")
    expect(page.locator("#history")).to_contain_text("Patient name")
    expect(page.locator("#history")).to_contain_text("Ada Example")
    context.close()
