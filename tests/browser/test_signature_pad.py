"""Drawing a signature on the pad, in chromium: saved, kept, printed, cleared and removed."""
from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from support import AXE, SIZES
from test_signing import pdfsig

def draw_stroke(page):
    """A signature-like stroke with the mouse: down, a zigzag of moves, up."""
    box = page.locator(".pad-canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(box["x"] + box["width"] * (0.1 + step * 0.033),
                        box["y"] + box["height"] * (0.7 - 0.4 * (step % 4) / 4))
    page.mouse.up()


@pytest.fixture
def tablet(browser, server):
    """A new checklist at tablet size with its signature section open, under the real policy."""
    context = browser.new_context(viewport=SIZES["tablet"])
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + "/")
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    page.locator("#signature summary").click()
    yield page
    context.close()
    assert errors == []


def test_a_signature_drawn_with_the_pointer_is_saved_kept_and_printed(tablet, tmp_path):
    page = tablet
    expect(page.locator(".pad-canvas")).to_be_visible()
    expect(page.locator(".pad-canvas")).to_have_css("touch-action", "none")  # a finger draws there, not scrolls
    expect(page.get_by_text("A signature can be drawn here when JavaScript is on.")).to_be_hidden()
    draw_stroke(page)
    expect(page.locator(".pad-canvas")).to_have_attribute("aria-label", re.compile("drawn, not yet saved"))
    page.get_by_role("button", name="Save signature").click()
    expect(page.locator("[data-pad-message]")).to_have_text("Signature saved.")
    page.reload()
    expect(page.locator("#signature summary")).to_contain_text("· saved")
    page.locator("#signature summary").click()
    expect(page.get_by_role("img", name="The clinician's signature saved for this checklist")).to_be_visible()
    response = page.request.get(page.url + "/summary.pdf")
    assert response.ok
    path = tmp_path / "summary.pdf"
    path.write_bytes(response.body())
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    assert len(listing.splitlines()[2:]) == 1
    assert "Signature is Valid." in pdfsig(path)


def test_saving_an_empty_pad_asks_for_a_signature_first(tablet):
    tablet.get_by_role("button", name="Save signature").click()
    expect(tablet.locator("[data-pad-message]")).to_have_text("Draw the signature in the box first.")
    expect(tablet.locator("#signature summary")).to_contain_text("· none saved")


def test_clear_empties_the_pad_and_is_reached_with_the_keyboard(tablet):
    draw_stroke(tablet)
    tablet.get_by_role("button", name="Clear", exact=True).focus()
    tablet.keyboard.press("Enter")
    expect(tablet.locator(".pad-canvas")).to_have_attribute("aria-label", "Signature pad: nothing drawn")
    expect(tablet.locator("[data-pad-message]")).to_have_text("Cleared.")


def test_the_signature_is_removed_without_leaving_the_page(tablet):
    draw_stroke(tablet)
    tablet.get_by_role("button", name="Save signature").click()
    expect(tablet.locator("#signature summary")).to_contain_text("· saved")
    url = tablet.url
    tablet.get_by_role("button", name="Remove the signature").click()
    expect(tablet.locator("#signature summary")).to_contain_text("· none saved")
    expect(tablet.locator("[data-pad-message]")).to_have_text("Signature removed.")
    assert tablet.url == url


def test_the_open_pad_passes_the_accessibility_check(browser, server):
    assert AXE.exists(), f"axe-core is missing: run .ci/run, which installs it into {AXE.parent}"
    context = browser.new_context(viewport=SIZES["phone"], bypass_csp=True)  # axe is an injected script
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    page.locator("#signature summary").click()
    draw_stroke(page)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run('#signature')).violations
        .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)""")
    context.close()
    assert violations == []
