"""The signed summary from the checklist page, in chromium: the download is validly signed, and the
preview and the verify page pass the accessibility check."""
from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect

from support import AXE
from test_summary import pdf_text


@pytest.fixture
def page(browser, server):
    """A tablet-sized page on a new checklist with a failing platelet count."""
    # bypass_csp: the page's policy forbids injected scripts, and the axe check injects one.
    context = browser.new_context(viewport={"width": 768, "height": 1024}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    page.fill("#f-platelets", "45000")
    page.locator("#f-platelets").dispatch_event("change")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ineligible")
    yield page
    context.close()


def test_export_signed_pdf_on_the_checklist_page_downloads_the_signed_summary(page, tmp_path):
    with page.expect_download() as download:
        page.get_by_role("link", name="Export signed PDF").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, check=True).stdout.decode()
    assert "Signature is Valid." in report and "Total document signed" in report
    assert "Overall: Not eligible" in pdf_text(path.read_bytes())


def test_the_preview_and_the_verify_page_pass_the_accessibility_check(page, server):
    assert AXE.exists(), f"axe-core is missing: run .ci/run, which installs it into {AXE.parent}"
    page.get_by_role("link", name="Preview summary").click()
    page.wait_for_url("**/summary")
    for address in (page.url, server + "/verify"):
        page.goto(address)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("""async () => (await axe.run()).violations
            .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)""")
        assert violations == [], address
