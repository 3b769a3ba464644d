"""Labs from a health record in a real browser, as a clinician does it: choose the record's file on
the checklist, read the values it proposes with their sources, keep them, and see them answered."""
from __future__ import annotations

import json

from playwright.sync_api import expect

from support import AXE
from test_fhir_record import RECORD


def test_a_clinician_fills_the_labs_from_a_record_in_a_few_taps(browser, server, tmp_path):
    record = tmp_path / "record.json"
    record.write_text(json.dumps(RECORD), encoding="utf-8")
    context = browser.new_context(viewport={"width": 768, "height": 1024}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    checklist = page.url
    with page.expect_response(lambda response: response.url.endswith("/answers")):
        page.fill("#f-assessment_date", "2026-12-04")  # the record's dates are judged from it, whatever today is
        page.locator("#f-assessment_date").dispatch_event("change")
    page.set_input_files("#record-file", str(record))
    page.get_by_role("button", name="Read the record").click()
    expect(page.get_by_role("heading", name="Values from a health record")).to_be_visible()
    row = page.locator("tr", has_text="Observation/plt-new")
    expect(row).to_contain_text("142 × 10⁹/L")
    expect(row).to_contain_text("2026-11-30")
    page.add_script_tag(path=str(AXE))
    assert page.evaluate("""async () => (await axe.run()).violations
        .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)""") == []
    page.get_by_role("button", name="Keep the ticked values").click()
    page.wait_for_url(checklist)
    expect(page.locator("#f-platelets")).to_have_value("142")
    expect(page.locator("#f-platelets_unit")).to_have_value("10^9/L")
    context.close()
