"""Values typed at a human pace are saved once, when settled, never half-typed.

A hesitant typist pauses between keys; the checklist must neither save "1" on the way to
"150000" (and flash "Not eligible") nor post the year 0001 while Chromium's date field fills.
"""
from __future__ import annotations

import re

import pytest

from conftest import SIZES

VERDICTS_SEEN = """() => {
  window.__verdicts = [];
  new MutationObserver(() => {
    const verdict = document.querySelector('#verdict');
    if (verdict) window.__verdicts.push(verdict.getAttribute('data-verdict'));
  }).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=SIZES["tablet"], bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    page.evaluate(VERDICTS_SEEN)
    yield page
    context.close()


def settle(page):
    page.wait_for_function("!document.querySelector('.htmx-request')")


def history_entries(page, label: str) -> list[str]:
    history = page.request.get(page.url.split("#")[0] + "/history").text()
    return [row for row in re.findall(r"<tr>(.*?)</tr>", history, re.S) if f"<td>{label}</td>" in row]


def test_a_platelet_count_typed_slowly_is_saved_once(page):
    page.click("#f-platelets")
    page.keyboard.type("150000", delay=900)
    page.keyboard.press("Tab")
    settle(page)
    assert len(history_entries(page, "Platelets")) == 1
    assert "ineligible" not in page.evaluate("window.__verdicts")


def test_a_date_of_birth_typed_slowly_is_saved_once_and_never_half_typed(page):
    page.focus("#f-date_of_birth")  # its first part, the month, as a tap on it would
    page.keyboard.type("03151960", delay=700)
    page.keyboard.press("Tab")
    settle(page)
    entries = history_entries(page, "Date of birth")
    assert len(entries) == 1, entries
    assert "1960-03-15" in entries[0]
    assert "ineligible" not in page.evaluate("window.__verdicts")


def test_enter_saves_the_value_at_once(page):
    page.click("#f-platelets")
    page.keyboard.type("150000", delay=20)
    page.keyboard.press("Enter")
    settle(page)
    page.wait_for_function("document.querySelector('#f-platelets').value === '150000'")
    assert len(history_entries(page, "Platelets")) == 1
