"""A site serving two trials, in a real browser: a checklist of the second trial is started from
the start page and, with the server gone, judged on the device under that trial's own rules."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from checklist.bundled import DEFAULT_RULES
from support import AXE, TRIALS, LiveServer, second_trial_rules


@pytest.fixture
def two_trials(tmp_path):
    live = LiveServer(tmp_path / "data", "--rules", str(DEFAULT_RULES), "--rules", str(second_trial_rules(tmp_path)))
    live.start()
    yield live
    live.stop()


def test_a_second_trials_checklist_is_judged_offline_under_its_own_rules(browser, two_trials):
    page = browser.new_page(viewport={"width": 768, "height": 1024})
    page.goto(two_trials.url + "/")
    page.get_by_role("button", name="Start a new SECOND-TRIAL checklist").click()
    page.wait_for_url("**/drafts/*")
    expect(page.locator("header")).to_contain_text("SECOND-TRIAL")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now under the service worker, which keeps the page and both trials' rules
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    two_trials.stop()

    page.fill("#f-platelets", "80000")
    page.locator("#f-platelets").dispatch_event("change")
    expect(page.locator("#verdict .offline-note")).to_be_visible()
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ineligible")
    expect(page.locator("#verdict")).to_contain_text("Platelets 80,000 cells/mm³ is below 100,000 cells/mm³.")
    transplant = page.locator("#criterion-no_liver_transplant .protocol")  # painted on the device
    expect(transplant).to_have_text("Protocol: Exclusion criterion: Prior liver transplantation.")
    page.close()


def test_the_two_trial_start_page_fits_a_phone_and_has_no_serious_accessibility_violation(browser, two_trials):
    assert AXE.exists(), f"axe-core is missing: run .ci/run, which installs it into {AXE.parent}"
    page = browser.new_page(viewport={"width": 320, "height": 640}, bypass_csp=True)  # to add axe-core
    page.goto(two_trials.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    for button in page.get_by_role("button", name="Start a new").all():
        assert button.bounding_box()["height"] >= 44
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)""")
    assert violations == []
    page.close()


@pytest.mark.parametrize("name", list(TRIALS))
def test_every_trial_in_the_repository_imports_judges_and_evaluates_offline_in_chromium(browser, tmp_path, name):
    """A smoke test per trial: served alone, its all-criteria-met vignette imported from the start
    page is eligible, and once the server is gone one changed answer is judged on the device."""
    rules, vignettes = TRIALS[name]
    answers = json.loads(sorted(vignettes.glob("*.json"))[0].read_text(encoding="utf-8"))["answers"]
    upload = tmp_path / "answers.json"
    upload.write_text(json.dumps({"answers": answers}), encoding="utf-8")
    live = LiveServer(tmp_path / "data", "--rules", str(rules))
    live.start()
    try:
        page = browser.new_page(viewport={"width": 768, "height": 1024})
        page.goto(live.url + "/")
        page.set_input_files('input[name="draft"]', str(upload))
        page.get_by_role("button", name="Import", exact=True).click()
        page.wait_for_url("**/drafts/*")
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", "eligible")
        page.evaluate("navigator.serviceWorker.ready")
        page.reload()
        page.wait_for_function("navigator.serviceWorker.controller !== null")
    finally:
        live.stop()
    boolean = next(fact for fact, value in answers.items() if isinstance(value, bool))
    page.locator(f'input[name="{boolean}"][value="{"false" if answers[boolean] else "true"}"]').check()
    expect(page.locator("#verdict .offline-note")).to_be_visible()
    expect(page.locator("#verdict")).not_to_have_attribute("data-verdict", "eligible")
    page.close()
