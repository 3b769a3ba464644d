"""Offline-first, in a real browser: the server goes away, the checklist keeps working."""
from __future__ import annotations

import json
import time
import urllib.request

import pytest
from playwright.sync_api import expect, sync_playwright

from support import CHROMIUM, LAUNCH_ARGS


def saved_answers(server, draft_path):
    with urllib.request.urlopen(server.url + draft_path + "/evaluation.json", timeout=5) as response:
        return json.load(response)["answers"]


@pytest.fixture
def server(own_server):
    return own_server


@pytest.fixture
def page(server):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 768, "height": 1024}, bypass_csp=True)
        page = context.new_page()
        page.requests = []
        page.on("request", lambda request: page.requests.append(request.url))
        yield page
        browser.close()


def open_draft_for_offline_use(page, server):
    page.goto(server.url + "/")
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now under the service worker, which keeps this page
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    return page.url.removeprefix(server.url)


# Everything the page shows of the answers, as text: the verdict panel (without the offline note),
# the progress line, each question's visibility, calculated value and calculated notes.
SHOWN = """() => {
  const text = (node) => {  // each piece of text, whatever the white space between elements
    if (!node) return "";
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT), pieces = [];
    while (walker.nextNode()) pieces.push(walker.currentNode.textContent.replace(/\\s+/g, " ").trim());
    return pieces.filter(Boolean).join(" ");
  };
  const verdict = document.getElementById("verdict").cloneNode(true);
  verdict.querySelectorAll(".offline-note").forEach((note) => note.remove());
  return {verdict: text(verdict), progress: text(document.querySelector("#progress span")),
          questions: [...document.querySelectorAll(".question[id^=q-]")].map((question) => [question.id, question.hidden,
            text(question.querySelector(".calculated-value:not([hidden])")),
            [...question.querySelectorAll(".notes .derived")].map(text)])};
}"""


def answer(page, fact, value):
    if page.locator(f'input[type=radio][name="{fact}"]').count():
        page.check(f"#f-{fact}-{value}")
    else:
        page.fill(f"#f-{fact}", value)
        page.locator(f"#f-{fact}").dispatch_event("change")


def test_answers_given_while_the_server_is_down_reach_it_when_it_is_back(page, server):
    draft = open_draft_for_offline_use(page, server)
    answer(page, "ecog", "1")
    expect(page.locator("#verdict")).to_contain_text("Incomplete")
    page.wait_for_function("!document.querySelector('.htmx-request')")
    server.stop()

    answer(page, "platelets", "45000")
    expect(page.locator("#connection")).to_contain_text("Offline: 1 answer waiting")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ineligible")
    expect(page.locator("#verdict")).to_contain_text("Platelets 45,000 cells/mm³ is below 60,000 cells/mm³.")
    answer(page, "childbearing_potential", "true")
    expect(page.locator("#q-pregnancy_test_result")).to_be_visible()
    answer(page, "childbearing_potential", "false")
    expect(page.locator("#q-pregnancy_test_result")).to_be_hidden()
    expect(page.locator("#connection")).to_contain_text("Offline: 2 answers waiting")
    answer(page, "ast", "85")
    answer(page, "ast_uln", "40")
    expect(page.locator("#notes-ast_uln")).to_contain_text("AST as a multiple of its ULN: 2.12 × ULN")
    for fact, value in [("total_bilirubin", "1.1"), ("albumin", "3.8"), ("inr", "1.2"), ("ascites", "none")]:
        answer(page, fact, value)
    expect(page.locator("#notes-child_pugh_score")).to_contain_text("Calculated so far: between 5 and 7 points")
    answer(page, "encephalopathy", "none")
    expect(page.locator("#q-child_pugh_score .calculated-value")).to_contain_text("5 points (bilirubin 1,")
    answer(page, "coverage_both_arms", "pending")
    expect(page.locator("#verdict ul.missing")).to_contain_text("(now pending; awaiting a new answer)")

    page.reload()  # the server is still down: the kept page, with the queued answers put back
    expect(page.locator("#f-platelets")).to_have_value("45000")
    expect(page.locator("#f-ecog-1")).to_be_checked()  # saved online after the page was kept
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ineligible")
    expect(page.locator("#verdict .offline-note")).to_be_visible()
    shown_offline = page.evaluate(SHOWN)

    server.start()
    page.wait_for_function("document.getElementById('connection').hidden", timeout=60000)
    assert saved_answers(server, draft) == {"ecog": 1, "platelets": 45000, "childbearing_potential": False,
                                           "ast": 85, "ast_uln": 40, "total_bilirubin": 1.1, "albumin": 3.8,
                                           "inr": 1.2, "ascites": "none", "encephalopathy": "none",
                                           "coverage_both_arms": "pending"}
    page.wait_for_load_state("networkidle")
    expect(page.locator("#verdict .offline-note")).to_have_count(0)  # the server's page now
    shown_online = page.evaluate(SHOWN)
    assert shown_online == shown_offline


def test_no_request_goes_to_any_host_but_the_app(page, server):
    open_draft_for_offline_use(page, server)
    answer(page, "ecog", "1")
    page.wait_for_function("!document.querySelector('.htmx-request')")
    assert page.requests and all(url.startswith(server.url) for url in page.requests), page.requests


def test_clear_this_device_removes_kept_pages_and_queued_answers(page, server):
    open_draft_for_offline_use(page, server)
    server.stop()
    answer(page, "ecog", "1")
    expect(page.locator("#connection")).to_contain_text("1 answer waiting")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Clear this device").click()
    expect(page.get_by_role("button", name="This device is cleared")).to_be_disabled()
    assert page.evaluate("caches.keys()") == []
    assert page.evaluate("window.ChecklistOffline.queued()") == []


def test_a_draft_deleted_elsewhere_never_holds_up_another_drafts_queued_answers(page, server):
    gone = open_draft_for_offline_use(page, server)
    server.stop()
    answer(page, "ecog", "1")
    expect(page.locator("#connection")).to_contain_text("Offline: 1 answer waiting")
    page.route("**/ping", lambda route: route.fulfill(status=503))  # the page still thinks it is offline,
    server.start()  # even while the server is back (routed first: its probe must not find it meanwhile)
    (server.data / "drafts" / f"{gone.rsplit('/', 1)[-1]}.json").unlink()  # deleted on another tablet
    kept = page.evaluate("""() => fetch('/drafts', {method: 'POST', redirect: 'follow',
        headers: {'Content-Type': 'application/x-www-form-urlencoded'},
        body: 'csrf_token=' + encodeURIComponent(document.querySelector('meta[name=csrf-token]').content)})
        .then(r => new URL(r.url).pathname)""")
    page.evaluate("""draft => new Promise((resolve, reject) => {
        const open = indexedDB.open('checklist-offline');  // the page's own version
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('answers', 'readwrite');
          tx.objectStore('answers').add({draft: draft.split('/').pop(), fields: {platelets: '150000'},
                                         time: new Date().toISOString()});
          tx.oncomplete = resolve; tx.onerror = reject;
        };
      })""", kept)
    page.unroute("**/ping")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    deadline = time.monotonic() + 30
    while saved_answers(server, kept) != {"platelets": 150000}:
        assert time.monotonic() < deadline, "the other draft's answer was never sent"
        page.wait_for_timeout(250)
    page.wait_for_url(server.url + gone)  # reloaded from the server once the queue was sent
    page.goto(server.url + kept)  # the next checklist page says what could not be sent
    expect(page.locator("#connection")).to_contain_text("could not be sent: the draft no longer exists")


IMPORT = """async (answers) => {
  const form = new FormData();
  form.append("csrf_token", document.querySelector("meta[name=csrf-token]").content);
  form.append("draft", new Blob([JSON.stringify({answers})], {type: "application/json"}), "answers.json");
  return (await fetch("/drafts/import", {method: "POST", body: form})).url;
}"""


def test_offline_the_panel_says_which_regimens_keep_the_patient_eligible_and_until_when(page, server):
    from test_registration_window import helio
    page.goto(server.url + "/")
    page.goto(page.evaluate(IMPORT, helio()))  # a bleed 2 months ago, a pregnancy test 20 days old
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(page.locator("#verdict")).to_contain_text("Last day to register with these answers: 2026-12-14.")
    server.stop()

    answer(page, "planned_regimen", "atezolizumab_bevacizumab")
    expect(page.locator("#connection")).to_contain_text("Offline: 1 answer waiting")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ineligible")
    expect(page.locator("#verdict")).to_contain_text("Not eligible for assessment dates from 2026-10-01 to 2027-04-01.")
    row = page.locator("#verdict table.alternatives tr", has_text="durvalumab + tremelimumab")
    expect(row).to_contain_text("Eligible")
    expect(row).to_contain_text("registration possible from 2026-11-14 to 2026-12-14")
    shown_offline = page.evaluate(SHOWN)

    server.start()
    page.wait_for_function("document.getElementById('connection').hidden", timeout=60000)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#verdict .offline-note")).to_have_count(0)
    assert page.evaluate(SHOWN) == shown_offline


def test_a_page_reopened_offline_asks_for_the_server_at_a_gentle_pace(page, server):
    open_draft_for_offline_use(page, server)
    server.stop()
    answer(page, "platelets", "45000")
    expect(page.locator("#connection")).to_contain_text("Offline: 1 answer waiting")
    page.reload()  # kept by the service worker, with an answer waiting: it asks at once, then backs off
    expect(page.locator("#f-platelets")).to_have_value("45000")
    asked = len([url for url in page.requests if url.endswith("/ping")])
    page.wait_for_timeout(4000)
    pings = len([url for url in page.requests if url.endswith("/ping")]) - asked
    assert pings <= 3  # 1 s, 2 s: back-off from the first failure
