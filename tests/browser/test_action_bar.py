"""The checklist's action bar: the clinician's next steps first, the rest out of their way."""
import re

import pytest


@pytest.fixture
def page(client, actions):
    return client.get(actions.new_draft()).text


def action_bar(page: str) -> str:
    return re.search(r'<div class="actions" id="checklist-actions">(.*?)\n    </div>', page, re.S).group(1)


def labels(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<(?:a|button)\b[^>]*>(.*?)</(?:a|button)>", html, re.S)]


def test_the_clinicians_actions_come_first_export_then_preview(page):
    assert labels(action_bar(page))[:2] == ["Export signed PDF", "Preview summary"]


def test_save_answers_is_offered_only_without_javascript_and_says_so(page):
    noscript = re.search(r"<noscript>(.*?)</noscript>", action_bar(page), re.S).group(1)
    assert labels(noscript) == ["Save answers (without JavaScript)"]
    assert page.count("Save answers") == 1


def test_the_evaluation_json_is_under_more(page):
    more = re.search(r'<details class="more">\s*<summary>More</summary>(.*?)</details>', action_bar(page), re.S).group(1)
    assert "Evaluation (JSON)" in labels(more)
    assert "Evaluation (JSON)" not in labels(action_bar(page).replace(more, ""))


def test_clearing_the_device_is_away_from_the_export(page):
    assert "data-clear-device" not in action_bar(page)
    assert page.count("data-clear-device") == 1


def test_the_checklist_links_to_the_verify_page(page):
    assert re.search(r'<a [^>]*href="/verify"', page)
