"""Typing at the bedside pace, and saves that fail: in Chromium, against a real `checklist serve`.

A clinician types a number a key at a time, or a date with the keyboard in Chromium's date field;
only the value meant is saved, judged and logged. A save the server does not make is never silent.
"""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect, sync_playwright

from checklist.persistence.storage import DraftStore
from support import CHROMIUM, LAUNCH_ARGS, LiveServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("data"))
    live.start()
    yield live
    live.stop()


def new_checklist(server, **context_options):
    """A tablet-sized page on a new checklist, noting every answer it posts."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_context(viewport={"width": 768, "height": 1024}, **context_options).new_page()
        page.posted = []
        page.on("request", lambda request: request.method == "POST" and request.url.endswith("/answers")
                and page.posted.append(request.post_data))
        page.goto(server.url + "/")
        page.get_by_role("button", name="Start a new checklist").click()
        page.wait_for_url("**/drafts/*")
        yield page
        browser.close()


@pytest.fixture
def page(server):
    yield from new_checklist(server)


@pytest.fixture
def page_routed(server):
    """The same, for a test that answers the page's requests itself: a request that passes through a
    service worker escapes Playwright's routes, so the service worker is blocked (it plays no part in
    saving an answer)."""
    yield from new_checklist(server, service_workers="block")


def history(server, page, field) -> list:
    draft_id = page.url.split("/drafts/")[1].split("#")[0]
    return [entry["new"] for entry in DraftStore(server.data / "drafts").history(draft_id) if entry.get("field") == field]


def test_a_number_typed_a_key_at_a_time_is_saved_once_as_meant(server, page):
    verdicts = []
    page.expose_function("noteVerdict", lambda verdict: verdicts.append(verdict))
    page.evaluate("""new MutationObserver(() => noteVerdict(document.querySelector('#verdict').dataset.verdict))
                     .observe(document.body, {subtree: true, childList: true, attributes: true})""")
    page.click("#f-platelets")
    page.keyboard.type("150000", delay=600)  # a hesitant typist: slower than a debounce of 700 ms would allow
    page.wait_for_timeout(2500)
    expect(page.locator("#verdict")).not_to_have_attribute("data-verdict", "ineligible")
    assert history(server, page, "platelets") == [150000]
    assert "ineligible" not in verdicts


def test_a_date_typed_in_chromiums_date_field_posts_no_partial_year(server, page):
    page.locator("#f-date_of_birth").focus()
    page.keyboard.type("03101960", delay=250)  # month, day, then the year digit by digit
    page.wait_for_timeout(2500)
    assert history(server, page, "date_of_birth") == ["1960-03-10"]
    assert all("date_of_birth=0" not in (body or "") for body in page.posted)
    expect(page.locator("#notes-date_of_birth .error")).to_have_count(0)


def test_a_saved_date_edited_with_the_keyboard_is_saved_once_as_meant(server, page):
    page.locator("#f-date_of_birth").focus()
    page.keyboard.type("03101960", delay=150)
    page.keyboard.press("Tab")
    expect(page.locator("#q-age_years .calculated-value")).to_be_visible()
    page.locator("#f-date_of_birth").focus()  # back on the month: move to the day and retype it
    page.keyboard.press("ArrowRight")
    page.keyboard.type("15", delay=400)  # 1960-03-01 is a whole date on the way to 1960-03-15
    page.keyboard.press("Tab")
    expect(page.locator("#f-date_of_birth")).to_have_value("1960-03-15")
    page.wait_for_timeout(2000)
    assert history(server, page, "date_of_birth") == ["1960-03-10", "1960-03-15"]


def test_a_choice_moved_through_with_the_arrow_keys_is_saved_once_where_it_stops(server, page):
    page.locator("#f-ecog-0").check()
    expect(page.locator("#progress")).to_contain_text("1 of")
    page.locator("#f-ecog-0").focus()
    for _ in range(2):
        page.keyboard.press("ArrowDown", delay=50)
        page.wait_for_timeout(300)  # reading the next option
    page.keyboard.press("Tab")
    expect(page.locator("#f-ecog-2")).to_be_checked()
    page.wait_for_timeout(2000)
    assert history(server, page, "ecog") == [0, 2]


def test_a_choice_tapped_is_saved_at_once(server, page):
    page.locator("#f-ecog-1").check()
    expect(page.locator("#progress")).to_contain_text("1 of")  # well before a pause would send it
    assert history(server, page, "ecog") == [1]


def test_enter_saves_a_typed_value_at_once(server, page):
    page.click("#f-inr")
    page.keyboard.type("1.1")
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_contain_text("1 of")  # saved, well before a pause would send it
    assert history(server, page, "inr") == [1.1]


def test_a_save_refused_because_the_draft_is_gone_says_not_saved_and_keeps_the_answer(server, page):
    draft_id = page.url.split("/drafts/")[1].split("#")[0]
    (server.data / "drafts" / f"{draft_id}.json").unlink()  # deleted on another tablet
    page.fill("#f-platelets", "150000")
    page.locator("#f-platelets").dispatch_event("change")
    expect(page.locator("#notes-platelets .not-saved")).to_contain_text("Not saved: this draft no longer exists")
    expect(page.locator("#connection")).to_contain_text("Not saved")
    expect(page.locator("#f-platelets")).to_have_value("150000")


def test_a_save_the_server_failed_is_said_and_sent_again(server, page_routed):
    page = page_routed
    failed, down = [], [True]

    def fail_once(route):
        if failed:
            route.continue_()
        else:
            failed.append(route.request.url)
            route.fulfill(status=503, body="unavailable")
    page.route("**/answers", fail_once)
    page.route("**/ping", lambda route: route.fulfill(status=503) if down[0] else route.continue_())
    page.fill("#f-platelets", "150000")
    page.locator("#f-platelets").dispatch_event("change")
    expect(page.locator("#notes-platelets .not-saved")).to_contain_text("will be sent again")
    expect(page.locator("#f-platelets")).to_have_value("150000")
    down[0] = False  # the server mends: the queued answer is sent
    deadline = time.monotonic() + 30
    while history(server, page, "platelets") != [150000]:
        assert time.monotonic() < deadline, "the answer was never sent again"
        page.wait_for_timeout(250)


def test_after_clear_the_keyboard_is_on_the_question_cleared(server, page):
    page.locator("#f-ecog-1").check()
    clear = page.get_by_role("button", name="Clear ECOG performance status")
    clear.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#f-ecog-1")).not_to_be_checked()
    expect(page.locator("#f-ecog-0")).to_be_focused()
