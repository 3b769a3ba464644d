"""The start page and the checklist at phone widths: no sideways scrolling, 44 px targets."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

WIDTHS = [320, 375, 414]


@pytest.fixture(params=WIDTHS)
def phone(request, browser, server):
    context = browser.new_context(viewport={"width": request.param, "height": 700}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/")
    yield page
    context.close()


def test_the_import_file_picker_is_a_44px_target(phone):
    box = phone.locator("input[type=file]").bounding_box()
    assert box["height"] >= 44


def test_the_history_times_take_at_most_two_lines(phone):
    phone.get_by_role("button", name="Start a new checklist").click()
    phone.wait_for_url("**/drafts/*")
    phone.fill("#f-patient_name", "Ada")
    phone.locator("#f-patient_name").dispatch_event("change")
    phone.wait_for_function("!document.querySelector('.htmx-request')")
    phone.reload()
    phone.get_by_text("Change history").click()
    phone.wait_for_function("!document.querySelector('.htmx-request')")  # opening it fetches the whole history
    cell = phone.locator("#history time").first
    expect(cell).to_be_visible()
    line = float(cell.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 20"))
    assert cell.bounding_box()["height"] <= 2 * line + 1


def test_the_checklist_does_not_scroll_sideways(phone):
    phone.get_by_role("button", name="Start a new checklist").click()
    phone.wait_for_url("**/drafts/*")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def go_to(page, fact):
    """On a phone one section shows at a time: go to a question's section as its link does."""
    page.evaluate("fact => { location.hash = 'q-' + fact; }", fact)


def answer_by_typing(page, fact, value):
    go_to(page, fact)
    page.fill(f"#f-{fact}", value)
    page.locator(f"#f-{fact}").dispatch_event("change")
    page.wait_for_function("!document.querySelector('.htmx-request')")


def test_the_summary_preview_with_calculated_values_does_not_scroll_sideways(phone):
    phone.get_by_role("button", name="Start a new checklist").click()
    phone.wait_for_url("**/drafts/*")
    answer_by_typing(phone, "date_of_birth", "1958-04-02")
    go_to(phone, "sex")
    phone.check("#f-sex-female")
    phone.wait_for_function("!document.querySelector('.htmx-request')")
    answer_by_typing(phone, "weight", "71")
    answer_by_typing(phone, "serum_creatinine", "0.9")
    phone.goto(phone.url.split("#")[0] + "/summary")
    assert "Creatinine clearance" in phone.locator(".key-values").inner_text()
    assert phone.get_by_role("table").count() >= 3  # the identifiers, the attestation, the criteria
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
