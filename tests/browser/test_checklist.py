"""The checklist in a real browser (Debian's chromium driven by Playwright), at phone and tablet size.

Only what a browser alone can show: HTMX swaps without a page load, questions appearing and
disappearing, keyboard use, layout at small widths, accessibility (axe-core), console errors.
"""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from support import AXE, SIZES, VIGNETTES

class Visit:
    """One page in one browser context, recording console errors and every request's host."""

    def __init__(self, browser, server, size, bypass_csp=True):
        # Playwright's own probes (evaluate, wait_for_function) are scripts the app's CSP would
        # refuse; the console-error test visits with the policy in force.
        self.context = browser.new_context(viewport=SIZES[size], bypass_csp=bypass_csp)
        self.page = self.context.new_page()
        self.server = server
        self.errors, self.requests = [], []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def new_checklist(self):
        self.page.goto(self.server + "/")
        self.page.get_by_role("button", name="Start a new checklist").click()
        self.page.wait_for_url("**/drafts/*")
        self.page.evaluate("window.__sameDocument = true")
        return self.page

    def settle(self):
        """Wait until htmx has no request in flight."""
        self.page.wait_for_function("!document.querySelector('.htmx-request')")
        self.page.wait_for_timeout(50)

    def verdict(self):
        return self.page.locator("#verdict").get_attribute("data-verdict")

    def show(self, fact):
        """On a phone, go to the section holding a question, as a user would with Next/Previous."""
        if not self.page.locator(f"#q-{fact}").locator("xpath=ancestor::section[1]").is_visible():
            self.page.evaluate("fact => { location.hash = 'q-' + fact; }", fact)

    def answer(self, fact, value):
        """Answer one question by clicking or typing, the way a person at the bedside would."""
        self.show(fact)
        page = self.page
        if page.locator(f"#q-{fact}").is_hidden():
            return  # not asked (no pregnancy questions when the sex recorded at birth is male)
        if isinstance(value, dict):
            page.select_option(f"#f-{fact}_unit", value["unit"])
            value = value["value"]
        if isinstance(value, bool):
            page.check(f"#f-{fact}-{'true' if value else 'false'}")
        elif page.locator(f'input[type=radio][name="{fact}"]').count():
            page.check(f"#f-{fact}-{value}")
        else:
            page.fill(f"#f-{fact}", str(value))
            page.locator(f"#f-{fact}").dispatch_event("change")
        self.settle()

    def close(self):
        self.context.close()


@pytest.fixture(params=list(SIZES))
def visit(request, browser, server):
    visit = Visit(browser, server, request.param)
    yield visit
    visit.close()


@pytest.fixture
def tablet(browser, server):
    visit = Visit(browser, server, "tablet")
    yield visit
    visit.close()


def vignette(name):
    return json.loads((VIGNETTES / name).read_text(encoding="utf-8"))


def test_answering_updates_the_verdict_without_a_page_load(visit):
    page = visit.new_checklist()
    visit.answer("platelets", 45000)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ineligible")
    assert page.evaluate("window.__sameDocument") is True
    page.get_by_text("Show details").click() if page.get_by_text("Show details").is_visible() else None
    expect(page.locator("#verdict")).to_contain_text("Platelets 45,000 cells/mm³ is below 60,000 cells/mm³.")


def test_an_answer_swaps_only_the_criteria_it_changed_and_the_page_keeps_the_others(tablet):
    page = tablet.new_checklist()
    tablet.answer("ecog", 1)
    ecog = page.locator("#criterion-ecog")
    expect(ecog).to_contain_text("ECOG")
    page.evaluate("document.querySelector('#criterion-ecog').dataset.kept = 'yes'")
    tablet.answer("platelets", 45000)
    expect(page.locator("#criterion-platelets")).to_contain_text("45,000")
    expect(ecog).to_have_attribute("data-kept", "yes")  # the very element, not a copy
    expect(ecog).to_contain_text("ECOG")
    tablet.answer("platelets", 150000)
    expect(page.locator("#criterion-platelets")).to_have_class("criterion status-met")


def test_an_answer_that_leaves_the_panel_as_it_was_replaces_only_the_lines_it_changed(tablet):
    page = tablet.new_checklist()
    tablet.answer("platelets", 150000)
    expect(page.locator("#criterion-platelets")).to_contain_text("150,000")
    page.evaluate("document.querySelector('#verdict').dataset.kept = 'yes'")
    tablet.answer("platelets", 160000)
    expect(page.locator("#criterion-platelets")).to_contain_text("160,000")
    expect(page.locator("#criterion-platelets")).to_have_class("criterion status-met")
    expect(page.locator("#verdict")).to_have_attribute("data-kept", "yes")  # the panel itself stayed
    assert page.locator("#criterion-platelets").count() == 1


def test_the_pregnancy_test_questions_appear_only_with_childbearing_potential(visit):
    page = visit.new_checklist()
    visit.answer("childbearing_potential", True)
    expect(page.locator("#q-pregnancy_test_result")).to_be_visible()
    visit.answer("childbearing_potential", False)
    expect(page.locator("#q-pregnancy_test_result")).to_be_hidden()
    expect(page.locator("#q-pregnancy_test_date")).to_be_hidden()


def test_the_bleeding_questions_appear_only_with_atezolizumab_bevacizumab(tablet):
    page = tablet.new_checklist()
    tablet.answer("planned_regimen", "durvalumab_tremelimumab")
    expect(page.locator("#q-significant_bleed_within_6_months")).to_be_hidden()
    tablet.answer("planned_regimen", "atezolizumab_bevacizumab")
    expect(page.locator("#q-significant_bleed_within_6_months")).to_be_visible()


def test_an_invalid_value_shows_its_message_next_to_the_question(visit):
    page = visit.new_checklist()
    visit.answer("platelets", "lots")
    expect(page.locator("#notes-platelets .error")).to_contain_text("not a number")
    visit.answer("platelets", "110000")
    expect(page.locator("#notes-platelets .error")).to_have_count(0)


def test_typing_keeps_the_focus_in_the_field_after_the_swap(tablet):
    page = tablet.new_checklist()
    field = page.locator("#f-platelets")
    field.click()
    page.keyboard.type("45000")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ineligible")
    tablet.settle()
    assert page.evaluate("document.activeElement.id") == "f-platelets"


def test_the_phone_shows_one_section_at_a_time_with_next_and_previous(browser, server):
    phone = Visit(browser, server, "phone")
    page = phone.new_checklist()
    expect(page.locator("#section-record")).to_be_visible()
    expect(page.locator("#section-diagnosis")).to_be_hidden()
    page.get_by_role("link", name="Next: Assessment").click()
    page.get_by_role("link", name="Next: Diagnosis and imaging").click()
    expect(page.locator("#section-diagnosis")).to_be_visible()
    expect(page.locator("#section-record")).to_be_hidden()
    page.get_by_role("link", name="Previous: Assessment").click()
    expect(page.locator("#section-assessment")).to_be_visible()
    phone.close()


def test_the_whole_list_with_a_side_verdict_on_a_tablet(tablet):
    page = tablet.new_checklist()
    expect(page.locator("#section-diagnosis")).to_be_visible()
    expect(page.locator("#section-step2")).to_be_visible()
    form, panel = page.locator("#checklist").bounding_box(), page.locator("#panel").bounding_box()
    assert panel["x"] >= form["x"] + form["width"] - 1


def test_keyboard_alone_completes_a_whole_checklist(tablet):
    page = tablet.new_checklist()
    answers = vignette("01-all-criteria-met.json")["answers"]
    for fact, value in answers.items():
        if page.locator(f"#q-{fact}").is_hidden():
            continue  # not asked (no pregnancy questions when the sex recorded at birth is male)
        focus_by_tab(page, fact)
        if isinstance(value, bool) or page.locator(f'input[type=radio][name="{fact}"]').count():
            choose_with_arrows(page, fact, "true" if value is True else "false" if value is False else str(value))
        elif fact == "assessment_date":
            year, month, day = value.split("-")
            page.keyboard.type(month + day + year)
        else:
            page.keyboard.type(str(value))
        page.keyboard.press("Tab")  # leaving the field commits it
        tablet.settle()
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "eligible")


def focus_by_tab(page, fact, limit=400):
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.name") == fact:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {fact}")


def choose_with_arrows(page, fact, wanted):
    """In a radio group, Space picks the focused option and arrow keys move the choice."""
    page.keyboard.press("Space")
    for _ in range(10):
        if page.evaluate("document.activeElement.value") == wanted:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {wanted!r} in {fact}")


@pytest.mark.parametrize("size", list(SIZES))
def test_no_console_errors_and_no_request_beyond_the_app_under_the_real_policy(browser, server, size):
    visit = Visit(browser, server, size, bypass_csp=False)
    page = visit.page
    page.goto(server + "/")
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    if size == "phone":
        page.get_by_role("link", name="Next: Assessment").click()
        page.get_by_role("link", name="Next: Diagnosis and imaging").click()
    page.get_by_text("pathologic (histology or cytology)").click()
    expect(page.locator("#verdict")).to_contain_text("Met (1)")
    page.reload()
    page.wait_for_load_state("networkidle")
    visit.close()
    assert visit.errors == []
    assert all(url.startswith(server) for url in visit.requests), visit.requests


def test_readable_at_320_px_without_sideways_scrolling(browser, server):
    narrow = Visit(browser, server, "phone")
    narrow.page.set_viewport_size({"width": 320, "height": 640})
    page = narrow.new_checklist()
    for section in ("record", "diagnosis", "liver", "labs", "patient", "regimen"):
        page.evaluate("id => { location.hash = id; }", f"section-{section}")
        expect(page.locator(f"#section-{section}")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    narrow.close()


def test_touch_targets_are_at_least_44_px(visit):
    page = visit.new_checklist()
    small = page.evaluate("""() => [...document.querySelectorAll(
        'label.option, input[type=text], input[type=date], select, button, .missing a, .pager a')]
        .filter(el => el.offsetParent !== null)
        .map(el => [el.id || el.textContent.trim().slice(0, 30), el.getBoundingClientRect().height])
        .filter(([, height]) => height < 44)""")
    assert small == []


def test_status_is_never_shown_by_colour_alone(visit):
    page = visit.new_checklist()
    visit.answer("platelets", 45000)
    headline = page.locator("#verdict .headline")
    expect(headline).to_contain_text("Not eligible")
    expect(headline.locator(".symbol")).to_have_text("✗")


def test_no_serious_or_critical_accessibility_violation(visit):
    assert AXE.exists(), f"axe-core is missing: run .ci/run, which installs it into {AXE.parent}"
    page = visit.new_checklist()
    visit.answer("platelets", 45000)
    visit.answer("childbearing_potential", True)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))""")
    assert violations == []
    page.goto(visit.server + "/")
    page.add_script_tag(path=str(AXE))
    assert page.evaluate("async () => (await axe.run()).violations.filter(v => ['serious', 'critical'].includes(v.impact)).length") == 0


@pytest.mark.parametrize("name", ["02-low-platelets.json", "08-coverage-still-pending.json"])
def test_a_vignette_answered_in_the_browser_gives_its_verdict(tablet, name):
    case = vignette(name)
    page = tablet.new_checklist()
    for fact, value in case["answers"].items():
        tablet.answer(fact, value)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", case["expect"]["verdict"])
