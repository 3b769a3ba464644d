"""The screening log in a real browser: an outcome recorded on the checklist (an HTMX swap of its
section only), and the /log page on a 320 px phone, readable without sideways scrolling and free of
serious accessibility problems."""
from __future__ import annotations

from playwright.sync_api import expect

from support import AXE

SERIOUS = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
    .filter(v => ['serious', 'critical'].includes(v.impact))
    .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"""


def new_checklist(page, server):
    page.goto(server + "/")
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    page.evaluate("window.__sameDocument = true")


def test_an_outcome_is_recorded_in_place_and_the_log_shows_it_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True)
    page = context.new_page()
    new_checklist(page, server)
    page.locator("#outcome").get_by_label("Patient declined").check()
    page.get_by_role("button", name="Record outcome").click()
    expect(page.locator("#outcome [role=status]")).to_contain_text("Recorded. Screening number 0001")
    assert page.evaluate("window.__sameDocument") is True  # swapped in place, no new page

    page.goto(server + "/log")
    expect(page.locator("table.rows")).to_contain_text("Patient declined")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert AXE.exists(), f"axe-core is missing: run .ci/run, which installs it into {AXE.parent}"
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(SERIOUS) == []
    context.close()


def test_a_refused_outcome_says_why_next_to_it(browser, server):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, bypass_csp=True)
    page = context.new_page()
    new_checklist(page, server)
    page.locator("#outcome").get_by_label("Other", exact=True).check()
    page.get_by_role("button", name="Record outcome").click()
    expect(page.locator("#outcome-note-error")).to_contain_text("Say briefly what the other outcome was.")
    expect(page.locator("#outcome-note")).to_have_attribute("aria-invalid", "true")
    context.close()
