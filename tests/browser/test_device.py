"""What the browser on a shared tablet keeps: patient data does not outlive the session on the device."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.fixture
def server(own_server):
    return own_server


@pytest.fixture
def page(browser):
    """A page whose requests Playwright can answer itself (service workers blocked)."""
    return browser.new_context(viewport={"width": 768, "height": 1024}, service_workers="block", bypass_csp=True).new_page()


def new_draft(page, server):
    page.goto(server.url + "/")
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    return page.url.removeprefix(server.url)


def type_answer(page, fact, value):
    page.locator(f"#f-{fact}").press_sequentially(value, delay=60)
    page.locator(f"#f-{fact}").dispatch_event("change")


# 6. Patient data left on the tablet ------------------------------------------------------------

@pytest.fixture
def tablet(browser):
    """A page with service workers, as the tablet runs the app."""
    return browser.new_context(viewport={"width": 768, "height": 1024}, bypass_csp=True).new_page()


def keep_a_draft(page):
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


KEPT_DRAFT_PAGES = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls.filter((url) => url.includes("/drafts/"));
}"""


def test_clear_this_device_also_signs_out(tablet, server):
    signed_out = []
    tablet.on("request", lambda request: signed_out.append(request.method) if request.url.endswith("/sign-out") else None)
    tablet.goto(server.url + "/")
    tablet.once("dialog", lambda dialog: dialog.accept())
    tablet.get_by_role("button", name="Clear this device").click()
    expect(tablet.get_by_role("button", name="This device is cleared")).to_be_disabled()
    assert signed_out == ["POST"]


def test_a_deleted_drafts_kept_page_is_dropped(tablet, server):
    tablet.goto(server.url + "/")
    keep_a_draft(tablet)
    draft = tablet.url
    token = tablet.locator('meta[name="csrf-token"]').get_attribute("content")
    tablet.request.post(draft + "/delete", form={"csrf_token": token})
    tablet.goto(draft)  # the server says it is gone: the kept copy goes too
    assert tablet.evaluate(KEPT_DRAFT_PAGES) == []


def test_the_page_title_does_not_name_the_patient(page, server):
    new_draft(page, server)
    type_answer(page, "patient_name", "Ada Lovelace")
    page.wait_for_function("!document.querySelector('.htmx-request')")
    page.reload()
    expect(page.locator("#f-patient_name")).to_have_value("Ada Lovelace")
    assert "Ada" not in page.title() and page.title().startswith("Checklist")
