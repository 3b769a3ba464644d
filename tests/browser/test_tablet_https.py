"""A tablet on the ward network, in Chromium: it trusts the site's own authority (added to a throwaway
NSS database, as "Set up a tablet" has a person do), reaches `https://clinic.test` (mapped to
127.0.0.1), signs in, keeps the checklist with its service worker, answers with the server stopped,
and the answers arrive when the server is back."""
from __future__ import annotations

import json
import subprocess
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

from support import AXE, CHROMIUM, LAUNCH_ARGS
from test_https import HttpsServer

PASSCODE = "ward-7 tablet"


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("CHECKLIST_PASSCODE", PASSCODE)
    live = HttpsServer(tmp_path / "data", "--site", "Ward 7")
    live.start()
    live.address = f"https://clinic.test:{live.port}"
    yield live
    live.stop()


@pytest.fixture
def tablet(server, tmp_path):
    """Chromium whose only added trust is the site's authority, with clinic.test mapped to 127.0.0.1."""
    home = tmp_path / "home"
    database = home / ".pki" / "nssdb"
    database.mkdir(parents=True)
    subprocess.run(["certutil", "-d", f"sql:{database}", "-N", "--empty-password"], check=True)
    subprocess.run(["certutil", "-d", f"sql:{database}", "-A", "-t", "C,,", "-n", "Ward 7 checklist authority",
                    "-i", str(server.data / "tls" / "authority.pem")], check=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, env={"HOME": str(home)},
            args=[*LAUNCH_ARGS, "--no-proxy-server", "--host-resolver-rules=MAP clinic.test 127.0.0.1"])
        context = browser.new_context(viewport={"width": 768, "height": 1024}, bypass_csp=True)  # for wait_for_function
        page = context.new_page()
        yield page
        browser.close()


def sign_in(page, address):
    page.goto(address + "/")
    page.get_by_label("Site passcode").fill(PASSCODE)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(address + "/")


def test_a_tablet_trusting_the_site_authority_is_told_it_is_set_up(tablet, server):
    sign_in(tablet, server.address)
    tablet.goto(server.address + "/tablets")
    expect(tablet.locator("#tablet-check")).to_have_attribute("data-state", "ready", timeout=20000)


def test_a_tablet_keeps_answering_over_https_with_the_server_stopped_and_syncs_when_it_is_back(tablet, server):
    sign_in(tablet, server.address)
    tablet.get_by_role("button", name="Start a new checklist").click()
    tablet.wait_for_url("**/drafts/*")
    tablet.evaluate("navigator.serviceWorker.ready")
    tablet.reload()
    tablet.wait_for_function("navigator.serviceWorker.controller !== null")
    draft = tablet.url.removeprefix(server.address)
    server.stop()

    tablet.fill("#f-platelets", "45000")
    tablet.locator("#f-platelets").dispatch_event("change")
    expect(tablet.locator("#connection")).to_contain_text("Offline: 1 answer waiting")
    expect(tablet.locator("#verdict")).to_have_attribute("data-verdict", "ineligible")

    server.start()
    tablet.wait_for_function("document.getElementById('connection').hidden", timeout=60000)
    assert saved_answers(tablet, draft) == {"platelets": 45000}


def saved_answers(page, draft: str) -> dict:
    """The draft's answers as the server has them, asked from the tablet (signed in), once the page
    has settled: it reloads itself from the server when its queue is sent."""
    deadline = time.monotonic() + 30
    while True:
        try:
            page.wait_for_load_state()
            text = page.evaluate("url => fetch(url, {cache: 'no-store'}).then(r => r.text())",
                                 draft + "/evaluation.json")
            return json.loads(text)["answers"]
        except PlaywrightError:
            assert time.monotonic() < deadline, "the tablet never settled"
            page.wait_for_timeout(250)


def test_the_set_up_page_has_no_serious_accessibility_violation_and_fits_a_phone(tablet, server):
    assert AXE.exists(), f"axe-core is missing: run .ci/run, which installs it into {AXE.parent}"
    sign_in(tablet, server.address)
    tablet.set_viewport_size({"width": 320, "height": 640})
    tablet.goto(server.address + "/tablets")
    tablet.add_script_tag(path=str(AXE))
    violations = tablet.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)""")
    assert violations == []
    assert tablet.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
