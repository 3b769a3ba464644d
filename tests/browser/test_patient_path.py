"""A patient's pre-screen as a patient does it, on a 375 px phone, in English and in Spanish:
service workers on, typing at a human pace, some answers "I am not sure", then the page to print.
And offline: the answers and what they mean go on without the server, in the page's language."""
from __future__ import annotations

import re
import subprocess
import time

import pytest
from playwright.sync_api import Error as PlaywrightError, expect, sync_playwright

from checklist.web.language import compiled_catalogs
from support import AXE, CHROMIUM, LAUNCH_ARGS

PHONE = {"width": 375, "height": 740}
CATALOGS = compiled_catalogs()
# Words a patient cannot be expected to know. Each one shown on a patient's page must be
# explained there, in the page's glossary ("Words used here"), in the same language.
JARGON = {
    "en": ["AASLD", "INR", "ULN", "ECOG", "TARE", "TACE", "HCC", "SBRT", "Child-Pugh", "hepatocellular", "macrovascular",
           "immunotherapy", "radioembolization", "chemoembolization", "ablation", "biopsy", "metastatic", "extrahepatic",
           "intrahepatic", "encephalopathy", "ascites", "bilirubin", "neutrophil", "randomization", "regimen",
           "contraindication", "excipient", "thrombosis", "Cockcroft-Gault", "creatinine", "ambulatory"],
    "es": ["AASLD", "INR", "ULN", "ECOG", "TARE", "TACE", "HCC", "SBRT", "Child-Pugh", "hepatocelular", "macrovascular",
           "inmunoterapia", "radioembolización", "quimioembolización", "ablación", "biopsia", "metastásico",
           "extrahepático", "intrahepático", "encefalopatía", "ascitis", "bilirrubina", "neutrófilo", "aleatorización",
           "contraindicación", "excipiente", "trombosis", "Cockcroft-Gault", "creatinina", "ambulatorio"],
}


def say(language: str, message: str, plural: str | None = None, count: int = 1) -> str:
    """A message of the interface in `language`, as the server says it (`plural` and `count` for one with plural forms)."""
    words = CATALOGS.get(language)
    if plural:
        return words.ungettext(message, plural, count) if words else (message if count == 1 else plural)
    return words.gettext(message) if words else message


@pytest.fixture
def server(own_server):
    return own_server


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


def phone(browser, language):
    context = browser.new_context(viewport=PHONE, locale={"en": "en-US", "es": "es-US"}[language],
                                  service_workers="allow", bypass_csp=True)  # bypassed for axe-core only
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def settle(page):
    """Until no answer is on its way (the site's CSP forbids the string evaluation wait_for_function uses)."""
    expect(page.locator(".htmx-request")).to_have_count(0)


def until(page, script, timeout=60):
    """Until `script` is true in the page, which may reload meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(script):
                return
        except PlaywrightError:  # the page reloaded while it was asked
            pass
        assert time.monotonic() < deadline, script
        page.wait_for_timeout(100)


def choose(page, fact, value):
    page.locator(f"#f-{fact}-{value}").click()
    settle(page)


def type_slowly(page, fact, text):
    page.locator(f"#f-{fact}").click()
    page.locator(f"#f-{fact}").press_sequentially(text, delay=250)  # a hesitant typist
    page.keyboard.press("Tab")
    settle(page)


def unexplained_jargon(page, language) -> list[str]:
    text = page.locator("main").inner_text()
    explained = " ".join(page.locator(".glossary dt, .words dt").all_inner_texts()).casefold()
    return [term for term in JARGON[language]
            if re.search(rf"(?<!\w){re.escape(term)}", text, re.IGNORECASE) and term.casefold() not in explained]


def serious_accessibility_violations(page) -> list[str]:
    assert AXE.exists(), f"axe-core is missing: run .ci/run, which installs it into {AXE.parent}"
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))""")


def history_of(page, server, draft_id) -> str:
    return page.request.get(f"{server.url}/drafts/{draft_id}/history").text()


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_patient_completes_the_pre_screen_on_a_phone_and_prints_the_page(browser, server, language, tmp_path):
    page = phone(browser, language)
    page.goto(server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", language)  # the browser's language
    page.get_by_role("button", name=say(language, "I am a patient")).click()
    page.wait_for_url("**/patient/*")
    draft_id = page.url.rsplit("/", 1)[1]
    page.evaluate("navigator.serviceWorker.ready")
    assert unexplained_jargon(page, language) == []

    choose(page, "sex", "female")
    page.locator("#q-date_of_birth .unsure-button").click()  # not sure of the date: the care team will check
    settle(page)
    type_slowly(page, "weight", "68.5")
    choose(page, "macrovascular_invasion", "unsure")
    choose(page, "ecog", "1")
    choose(page, "childbearing_potential", "false")
    for fact in ("pregnant", "nursing", "prior_or_concurrent_malignancy", "prior_systemic_therapy_hcc", "prior_tare",
                 "prior_liver_transplant", "significant_bleed_within_6_months"):
        choose(page, fact, "false")
    choose(page, "prior_immunotherapy", "unsure")
    assert serious_accessibility_violations(page) == []

    verdict = page.locator("#patient-verdict")
    expect(page.locator("#patient-progress")).to_contain_text(
        say(language, "You have answered every question. You can change any answer."))
    expect(verdict).to_contain_text(say(language, "Nothing you told us rules this trial out. Your care team must check this %(num)d thing:",
                                        "Nothing you told us rules this trial out. Your care team must check these %(num)d things:",
                                        2).split("%(num)d")[0])
    expect(verdict.locator(".care-team")).to_contain_text(say(language, "you were not sure"))
    assert not re.search(r"\b(eligible|elegible)\b", verdict.inner_text(), re.IGNORECASE)
    changes = history_of(page, server, draft_id)
    assert changes.count("<td>Weight</td>") == 1 and "68.5 kg" in changes  # one entry for the value meant, none for 6, 68, 68.
    assert "Date of birth: the patient is not sure" in changes and "Macrovascular invasion: the patient is not sure" in changes

    page.get_by_role("link", name=say(language, "Show the page to print")).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".answers")).to_contain_text("68.5 kg")
    expect(page.locator(".care-team")).to_contain_text(say(language, "I was not sure"))
    assert unexplained_jargon(page, language) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    assert serious_accessibility_violations(page) == []
    page.emulate_media(media="print")
    printed = tmp_path / "printed.pdf"
    printed.write_bytes(page.pdf(prefer_css_page_size=True))  # what the browser's Print makes of it, on the site's paper
    info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\b", info), info
    assert page.errors == []


def test_the_language_switch_is_remembered_on_the_device(browser, server):
    page = phone(browser, "en")
    page.goto(server.url + "/")
    page.get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_role("button", name=say("es", "I am a patient")).click()
    page.wait_for_url("**/patient/*")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.reload()
    expect(page.locator("#patient-verdict h2")).to_have_text(say("es", "What your answers mean"))


def test_the_pre_screen_goes_on_offline_in_its_language(browser, server):
    page = phone(browser, "es")
    page.goto(server.url + "/")
    page.get_by_role("button", name=say("es", "I am a patient")).click()
    page.wait_for_url("**/patient/*")
    draft_id = page.url.rsplit("/", 1)[1]
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now under the service worker, which keeps this page
    until(page, "navigator.serviceWorker.controller !== null")
    choose(page, "sex", "male")
    expect(page.locator("#q-pregnant")).to_be_hidden()
    server.stop()

    choose(page, "prior_liver_transplant", "true")
    expect(page.locator("#connection")).to_contain_text(
        say("es", "Offline: %(num)d answer waiting. Keep going; it will be sent when the server is back.",
            "Offline: %(num)d answers waiting. Keep going; they will be sent when the server is back.", 1).replace("%(num)d", "1"))
    verdict = page.locator("#patient-verdict")
    expect(verdict).to_contain_text(say("es", "One answer suggests this trial may not fit: talk to your care team about it.",
                                        "%(num)d answers suggest this trial may not fit: talk to your care team about them.", 1))
    choose(page, "prior_immunotherapy", "unsure")
    expect(verdict.locator(".care-team")).to_contain_text(say("es", "you were not sure"))
    offline_text = verdict.inner_text()
    page.reload()  # the kept page, with the queued answers put back
    expect(page.locator("#f-prior_liver_transplant-true")).to_be_checked()
    expect(page.locator("#f-prior_immunotherapy-unsure")).to_be_checked()

    server.start()
    until(page, "document.getElementById('connection').hidden")
    page.wait_for_load_state("networkidle")
    saved = page.request.get(f"{server.url}/drafts/{draft_id}/evaluation.json").json()["answers"]
    assert saved == {"sex": "male", "prior_liver_transplant": True}
    assert page.locator("#patient-verdict").inner_text() == offline_text  # the server tells what the device told
    assert page.errors == []
