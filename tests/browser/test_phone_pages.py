"""The summary preview, the change history and the checklist without JavaScript at phone widths:
text read whole (no word split over lines, no caption one letter a line), nothing covered."""
from __future__ import annotations

import pytest

from checklist.domain.view import form_fields
from support import FULL_ANSWERS

PHONES = [320, 375, 414]

# The word (split only at spaces, and after a hyphen or a slash) of a text that the browser drew
# over more than one line though it is narrower than half the screen: a word broken mid-way.
SPLIT_WORDS = """root => {
  const split = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const word of node.textContent.matchAll(/[^\\s\\/-]+[\\/-]?/g)) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const pieces = [...range.getClientRects()].filter(rect => rect.width > 0);
      const lines = new Set(pieces.map(rect => Math.round(rect.top)));
      const width = pieces.reduce((sum, rect) => sum + rect.width, 0);
      if (lines.size > 1 && width < window.innerWidth / 2) split.push(word[0]);
    }
  }
  return split;
}"""


@pytest.fixture(scope="module")
def draft(browser, server):
    """A draft answered in full, then changed: a history with long words and numbers with units; a
    recent bleed makes it ineligible on one regimen, so the summary has its table of alternatives."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    url = page.url.split("#")[0]
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    for form in (form_fields(FULL_ANSWERS) | {"patient_name": "Ada Example", "site": "St Elsewhere oncology clinic"},
                 {"platelets": "95000"}, {"platelets": "110000"}, {"immunotherapy_contraindication": "true"},
                 {"immunotherapy_contraindication": "false"}, {"significant_bleed_within_6_months": "true"}):
        assert page.request.post(url + "/answers", form=form, headers=headers).ok
    context.close()
    return url


def phone_page(browser, width, **options):
    return browser.new_context(viewport={"width": width, "height": 667}, bypass_csp=True, **options).new_page()


def opened_history(browser, draft, width):
    page = phone_page(browser, width)
    page.goto(draft)
    page.get_by_text("Change history").click()
    page.wait_for_function("!document.querySelector('.htmx-request')")  # opening it fetches the history
    page.locator("#history table").wait_for()
    return page


@pytest.mark.parametrize("width", PHONES)
def test_the_summary_preview_captions_are_readable_on_a_phone(browser, draft, width):
    page = phone_page(browser, width)
    page.goto(draft + "/summary")
    widths = page.locator(".sheet caption").evaluate_all("all => all.map(each => each.getBoundingClientRect().width)")
    page.context.close()
    assert len(widths) >= 3  # a table of alternatives and one per step
    assert min(widths) >= 200


@pytest.mark.parametrize("width", PHONES)
def test_the_summary_preview_splits_no_word_on_a_phone(browser, draft, width):
    page = phone_page(browser, width)
    page.goto(draft + "/summary")
    split = page.locator(".sheet").evaluate(SPLIT_WORDS)
    page.context.close()
    assert split == []


@pytest.mark.parametrize("width", [320, 375])
def test_the_change_history_splits_no_word_on_a_phone(browser, draft, width):
    page = opened_history(browser, draft, width)
    split = page.locator("#history").evaluate(SPLIT_WORDS)
    scrolls = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    page.context.close()
    assert split == [] and not scrolls


def test_the_change_history_opened_on_its_own_does_not_scroll_sideways_on_a_phone(browser, draft):
    page = phone_page(browser, 320)
    page.goto(draft + "/history")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("#history").evaluate(SPLIT_WORDS) == []
    page.context.close()


def test_without_javascript_every_answer_on_a_phone_can_be_tapped(browser, draft):
    page = phone_page(browser, 375, java_script_enabled=False)
    page.goto(draft)
    # every answer shown (a question that does not apply is hidden), tapped at its middle
    covered = page.evaluate("""() => [...document.querySelectorAll('.checklist label.option')]
      .filter(label => label.getClientRects().length).filter(label => {
        label.scrollIntoView({block: 'center'});
        const box = label.getBoundingClientRect();
        return !label.contains(document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2));
    }).map(label => label.closest('.question').id + ': ' + label.textContent.trim())""")
    count = page.locator(".checklist label.option").count()
    page.context.close()
    assert count > 50 and covered == []


def test_with_javascript_the_verdict_is_still_a_bottom_sheet_on_a_phone(browser, draft):
    page = phone_page(browser, 375)
    page.goto(draft)
    position = page.locator("#panel").evaluate("panel => getComputedStyle(panel).position")
    page.context.close()
    assert position == "fixed"
