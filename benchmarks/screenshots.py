"""Screenshots of the app for the README and docs/: `python benchmarks/screenshots.py [FOLDER]`.

Starts a real `checklist serve` on loopback with a throwaway data folder, fills a checklist as a
clinician would (a partly answered one and a finished one), and takes the start page, the
checklist, the verdict panel and the summary preview at 320, 375, 768 and 1280 px in Debian's
chromium; then a patient's pre-screen on a phone and its sheet, in English and Spanish. Never run
by the tests; look at what it makes before committing it.
"""
from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from checklist.domain.view import form_fields

REPO = Path(__file__).resolve().parent.parent
VIGNETTE = REPO / "helio-rt" / "vignettes" / "01-all-criteria-met.json"
WIDTHS = {"phone-320": (320, 640), "phone-375": (375, 740), "tablet-768": (768, 1024), "desktop-1280": (1280, 860)}
PARTLY = ["assessment_date", "hcc_diagnosis", "prior_or_concurrent_malignancy", "macrovascular_invasion",
          "extrahepatic_disease", "total_bilirubin", "bilirubin_uln", "albumin", "inr", "ascites"]


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen([sys.executable, "-m", "checklist", "serve", "--port", str(port), "--data", data],
                                  stdout=subprocess.DEVNULL)
        try:
            _wait(url)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                     args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page()
                answers = json.loads(VIGNETTE.read_text())["answers"]
                partly = _draft(page, url, {fact: answers[fact] for fact in PARTLY if fact in answers}, "Ada Example")
                finished = _draft(page, url, answers, "Grace Example")
                for name, (width, height) in WIDTHS.items():
                    context = browser.new_context(viewport={"width": width, "height": height})
                    shot = context.new_page()
                    for label, address, full in (("start", url + "/", False), ("partly-answered", partly, False),
                                                 ("finished", finished, False),
                                                 ("summary-preview", finished + "/summary", False)):
                        shot.goto(address, wait_until="networkidle")
                        shot.screenshot(path=str(folder / f"{label}-{name}.png"), full_page=full)
                    shot.goto(finished, wait_until="networkidle")
                    shot.locator("#verdict").screenshot(path=str(folder / f"verdict-{name}.png"))
                    context.close()
                for language in ("en", "es"):
                    _patient(browser, url, language, folder)
                browser.close()
        finally:
            server.terminate()
            server.wait()
    print(f"screenshots in {folder}")


def _draft(page, url: str, answers: dict, name: str) -> str:
    """A draft with these answers, given through the page's own form (no JavaScript needed)."""
    page.goto(url + "/")
    page.get_by_role("button", name="Start a new checklist").click()
    page.wait_for_url("**/drafts/*")
    address = page.url.split("#")[0]
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    form = {"csrf_token": token, "patient_name": name, "clinician_name": "Dr Example", **form_fields(answers)}
    response = page.request.post(address + "/answers", form=form)
    if not response.ok:
        raise RuntimeError(f"the answers were refused ({response.status})")
    return address


PATIENT_ANSWERS = [("sex", "female"), ("macrovascular_invasion", "unsure"), ("ecog", "1"), ("childbearing_potential", "false"),
                   ("prior_liver_transplant", "false"), ("prior_immunotherapy", "unsure")]


def _patient(browser, url: str, language: str, folder: Path) -> None:
    """A patient's pre-screen on a 375 px phone, partly answered with some "not sure", and its sheet."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale={"en": "en-US", "es": "es-US"}[language])
    page = context.new_page()
    page.goto(url + "/")
    page.locator("form.audience-patient button").first.click()
    page.wait_for_url("**/patient/*")
    for fact, value in PATIENT_ANSWERS:
        page.locator(f"#f-{fact}-{value}").click()
        page.wait_for_timeout(300)
    page.screenshot(path=str(folder / f"patient-phone-375-{language}.png"))
    page.locator("#patient-verdict").screenshot(path=str(folder / f"patient-verdict-phone-375-{language}.png"))
    page.goto(page.url + "/sheet", wait_until="networkidle")
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.screenshot(path=str(folder / f"patient-sheet-{language}.png"))
    context.close()


def _wait(url: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url + "/ping", timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Starts its own server on loopback with a throwaway data folder.")
    parser.add_argument("folder", nargs="?", type=Path, default=REPO / "docs" / "screens",
                        help="where to write the PNG files (default: docs/screens)")
    main(parser.parse_args().folder)
