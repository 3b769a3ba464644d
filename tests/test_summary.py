"""The printable summary: its content (read back with poppler's pdftotext), the preview, the
export from the checklist page, and rendering that reads nothing a person typed can point at."""
from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from checklist import create_app
from checklist.documents import pdf, signing
from checklist.domain.values import show_unit
from checklist.domain.view import form_fields
from support import ROOT, VIGNETTES, Actions

RECORD = {"patient_name": "Jane Q. Example", "patient_mrn": "MRN-0012345", "clinician_name": "Dr A. Clinician",
          "site": "St Elsewhere oncology clinic", "notes": "Seen in clinic.\nDiscussed SBRT."}


def vignette_answers(name: str) -> dict:
    return json.loads((VIGNETTES / name).read_text(encoding="utf-8"))["answers"]


class Export:
    """A running app (its own data folder) and the steps of exporting a summary from it."""

    def __init__(self, data: Path, **config):
        self.data = data
        self.app = create_app({"DATA_DIR": str(data), "SECRET_KEY": "test", "SITE_NAME": "St Elsewhere oncology",
                               **config})
        self.client = self.app.test_client()
        self.actions = Actions(self.client)

    def draft(self, answers: dict | None = None, **record) -> str:
        draft = self.actions.new_draft()
        if answers:
            assert self.actions.answer(draft, **form_fields(answers)).status_code == 200
        if record:
            assert self.actions.answer(draft, **record).status_code == 200
        return draft

    def pdf(self, draft: str) -> bytes:
        response = self.client.get(f"{draft}/summary.pdf")
        assert response.status_code == 200, response.text
        return response.data


def pdf_text(document: bytes, *options: str) -> str:
    """The PDF's text as poppler's pdftotext reads it."""
    return subprocess.run(["pdftotext", *options, "-", "-"], input=document, capture_output=True,
                          check=True).stdout.decode()


def squeezed(text: str) -> str:
    """Text without whitespace: a long field may wrap anywhere in a table cell."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return Export(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def low_platelets(export):
    """(draft, signed PDF) for the low-platelets vignette, with every record field filled in."""
    draft = export.draft(vignette_answers("02-low-platelets.json"), **RECORD)
    return draft, export.pdf(draft)


def test_the_pdf_is_an_attachment_named_without_the_patient(export, low_platelets):
    draft, _document = low_platelets
    response = export.client.get(f"{draft}/summary.pdf")
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "Jane" not in disposition


def test_the_pdf_text_holds_every_criterion_with_its_status_and_the_verdict(export, low_platelets):
    draft, document = low_platelets
    text = squeezed(pdf_text(document))
    evaluation = export.actions.evaluation(draft)
    assert squeezed("Overall: Not eligible") in text
    assert squeezed("Step 1: before registration: ✗ Not eligible") in text
    assert squeezed("Step 2: before randomization: ✓ Eligible") in text
    words = {"met": "✓ Met", "not_met": "✗ Not met", "unknown": "? Open", "not_applicable": "– Does not apply"}
    for criterion in evaluation["criteria"]:
        assert squeezed(f"{words[criterion['status']]} {criterion['label']}") in text, criterion["id"]


def test_each_criterion_shows_its_reason_and_the_protocol_sentence(export, low_platelets):
    draft, document = low_platelets
    text = squeezed(pdf_text(document))
    for criterion in export.actions.evaluation(draft)["criteria"]:
        assert squeezed(criterion["reason"]) in text, criterion["id"]
        assert squeezed(criterion["text"]) in text, criterion["id"]


def test_answers_are_shown_as_entered_with_their_units(export):
    answers = vignette_answers("06-si-units.json")
    document = export.pdf(export.draft(answers))
    text = pdf_text(document)
    entered = [(fact, value) for fact, value in answers.items() if isinstance(value, dict)]
    assert entered, "the SI vignette enters quantities in SI units"
    for fact, value in entered:
        assert f"{value['value']:g} {show_unit(value['unit'])}" in text.replace(",", ""), fact


def test_the_record_is_printed_as_entered(low_platelets):
    text = squeezed(pdf_text(low_platelets[1]))
    for value in RECORD.values():
        for line in value.splitlines():
            assert squeezed(line) in text


def test_page_1_shows_the_calculated_values_with_their_parts(low_platelets):
    page_1 = pdf_text(low_platelets[1], "-l", "1")
    assert re.search(r"Child-Pugh score: 5 points \(bilirubin 1,\s+albumin 1", page_1)
    assert re.search(r"Child-Pugh class: A\b", page_1)
    assert re.search(r"Creatinine clearance: [\d.]+ mL/min", page_1)


def test_what_is_still_missing_is_listed(export):
    text = pdf_text(export.pdf(export.draft({"platelets": 110000})))
    assert "Overall: Incomplete" in text
    assert re.search(r"Still to answer \(\d+\)", text)
    assert "HCC diagnosis" in text.split("Still to answer", 1)[1]


def test_the_summary_says_it_is_pre_screening_not_enrolment(low_platelets):
    assert "Pre-screening, not enrolment." in pdf_text(low_platelets[1])


def test_the_patient_paragraph_explains_the_verdict_in_plain_words(low_platelets):
    text = squeezed(pdf_text(low_platelets[1]))
    assert squeezed("at least one entry criterion is not met") in text


def test_every_page_says_page_x_of_y(low_platelets):
    pages = pdf_text(low_platelets[1]).split("\f")[:-1]
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in page


def test_the_attestation_names_the_clinician(low_platelets):
    attestation = pdf_text(low_platelets[1], "-layout").split("Clinician's attestation", 1)[1]
    assert re.search(r"Clinician\s+Dr A. Clinician", attestation)
    assert "Signature" in attestation


def test_the_summary_prints_the_certificate_fingerprint_and_who_vouches_for_the_time(export, low_platelets):
    text = squeezed(pdf_text(low_platelets[1]))
    assert squeezed(signing.load_site_key(export.data).fingerprint) in text
    assert squeezed("the signer's own claim") in text


def test_every_font_is_embedded(low_platelets):
    fonts = subprocess.run(["pdffonts", "-"], input=low_platelets[1], capture_output=True, check=True).stdout.decode()
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts


NAMES_IN_OTHER_SCRIPTS = {"Chinese": ("王小明", "Noto-Sans-CJK"), "Japanese": ("山田はなこ", "Noto-Sans-CJK"),
                          "Korean": ("김민준", "Noto-Sans-CJK"), "Devanagari": ("अनीता", "Noto-Sans-Devanagari"),
                          "Thai": ("สมชาย", "Noto-Sans-Thai"), "emoji": ("Ana 🙂", "Noto-Color-Emoji")}


@pytest.mark.parametrize("script", list(NAMES_IN_OTHER_SCRIPTS))
def test_a_name_in_another_script_is_printed_in_an_embedded_font_that_has_it(export, script, tmp_path):
    name, font = NAMES_IN_OTHER_SCRIPTS[script]
    document = tmp_path / "summary.pdf"
    document.write_bytes(export.pdf(export.draft(**dict(RECORD, patient_name=name))))
    fonts = subprocess.run(["pdffonts", str(document)], capture_output=True, text=True, check=True).stdout
    assert re.search(rf"\+{font}\S*\s.*\byes\s+yes\s+yes\b", fonts), fonts  # embedded, subset, with Unicode map
    assert name in pdf_text(document.read_bytes())
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(document), str(tmp_path / "page")],
                   check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 0


def test_page_1_shows_a_short_rules_version_and_the_metadata_holds_the_full_digest(export, low_platelets):
    _draft, document = low_platelets
    version = export.app.extensions["trial"].version
    assert f"sha256 {version[:12]}" in pdf_text(document, "-l", "1") and version not in pdf_text(document)
    info = subprocess.run(["pdfinfo", "-"], input=document, capture_output=True, check=True).stdout.decode()
    assert f"rules-sha256:{version}" in info


def test_page_1_carries_a_qr_code_of_the_certificate_fingerprint(export, low_platelets):
    draft, document = low_platelets
    preview = export.client.get(f"{draft}/summary").text
    assert re.search(r"<svg[^>]*>\s*<title>QR code: certificate fingerprint", preview)
    assert "Certificate and rules" in pdf_text(document, "-l", "1")


def test_the_pdf_is_tagged_pdf_a_after_signing(low_platelets):
    info, metadata = (subprocess.run(["pdfinfo", *options, "-"], input=low_platelets[1], capture_output=True,
                                     check=True).stdout.decode() for options in ([], ["-meta"]))
    assert re.search(r"Tagged:\s+yes", info)
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="A"' in metadata


@pytest.mark.parametrize("paper, size", [("A4", "595.276 x 841.89"), ("Letter", "612 x 792")])
def test_the_page_size_is_set_by_the_site(tmp_path, paper, size):
    site = Export(tmp_path, PAPER_SIZE=paper)
    info = subprocess.run(["pdfinfo", "-"], input=site.pdf(site.draft()), capture_output=True,
                          check=True).stdout.decode()
    assert re.search(rf"Page size:\s+{size} pts", info)


def test_exporting_changes_no_answer(export, low_platelets):
    draft, _document = low_platelets
    before = export.actions.evaluation(draft)
    export.pdf(draft)
    assert export.actions.evaluation(draft) == before


def test_an_export_is_recorded_in_the_history_with_the_assessment_date_it_used(export):
    draft = export.draft({"platelets": 110000})
    export.pdf(draft)
    history = export.app.extensions["draft_store"].history(draft.rsplit("/", 1)[1])
    today = dt.date.today().isoformat()
    assert history[-1]["event"] == f"Signed summary exported, assessment date {today} (none given: the day of export)"
    assert f"Signed summary exported, assessment date {today}" in export.client.get(f"{draft}/history").text


def test_a_summary_without_an_assessment_date_says_it_used_the_day_it_was_made(export):
    page_1 = squeezed(pdf_text(export.pdf(export.draft({"platelets": 110000})), "-l", "1"))
    assert squeezed(f"Assessment date {dt.date.today().isoformat()} (none given: the day the summary was made)") in page_1


def test_an_unknown_draft_has_no_summary(export):
    assert export.client.get("/drafts/" + "0" * 32 + "/summary.pdf").status_code == 404


def test_the_checklist_page_offers_the_export_and_its_preview(export, low_platelets):
    draft, _document = low_platelets
    page = export.client.get(draft).text
    assert f'href="{draft}/summary.pdf"' in page and "Export signed PDF" in page
    assert f'href="{draft}/summary"' in page


def test_the_preview_shows_what_will_be_signed(export, low_platelets):
    draft, document = low_platelets
    page = export.client.get(f"{draft}/summary").text
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', page)
    assert f'href="{draft}/summary.pdf"' in page
    text = pdf_text(document)
    for shown in ("Jane Q. Example", "Overall: Not eligible", "Platelets 45,000 cells/mm³ is below 60,000 cells/mm³."):
        assert shown in page and shown in text


def test_a_record_longer_than_its_field_allows_is_cut_to_the_limit(export):
    with export.app.app_context():
        store = export.app.extensions["draft_store"]
        draft = store.create(export.app.extensions["trial"].version, contents={"record": {"patient_mrn": "7" * 5000}})
    text = squeezed(pdf_text(export.pdf(f"/drafts/{draft['id']}")))
    assert "7" * 64 in text and "7" * 65 not in text


# Safe rendering ---------------------------------------------------------------------------------

class Watch(http.server.BaseHTTPRequestHandler):
    """A loopback web server that only records what was asked of it."""

    requests: list[str] = []

    def do_GET(self):
        Watch.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


opened: list[str] = []
_watching = threading.Event()


def _record_opens(event, arguments):
    if _watching.is_set() and event == "open" and isinstance(arguments[0], str):
        opened.append(arguments[0])


sys.addaudithook(_record_opens)  # audit hooks cannot be removed: it records only while watching


@pytest.fixture(scope="module")
def bait():
    """(server address, secret file path): what an injected URL would reach for."""
    decoy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Watch)
    threading.Thread(target=decoy.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="s") as folder:  # short: it must fit the MRN field
        secret = Path(folder) / "k"
        secret.write_text("SECRET-CONTENT-7f3a")
        yield f"127.0.0.1:{decoy.server_address[1]}", str(secret)
    decoy.shutdown()
    decoy.server_close()


INJECTIONS = {
    "link": '<link rel="stylesheet" href="http://{host}/l.css">',
    "img-file": '<img src="file://{secret}">',
    "img-http": '<img src="http://{host}/i.png">',
    "import-file": '<style>@import url(file://{secret});</style>',
    "import-http": '<style>@import "http://{host}/s.css";</style>',
    "url-file": '<b style="background:url(file://{secret})">x</b>',
}


@pytest.mark.parametrize("kind", list(INJECTIONS))
def test_markup_typed_into_the_record_is_printed_literally_and_fetches_nothing(export, bait, kind):
    host, secret = bait
    payload = INJECTIONS[kind].format(host=host, secret=secret)
    draft = export.draft(**{field: payload for field in RECORD})
    Watch.requests.clear()
    opened.clear()
    _watching.set()
    try:
        document = export.pdf(draft)
    finally:
        _watching.clear()
    assert Watch.requests == []
    assert secret not in opened
    text = squeezed(pdf_text(document))
    assert text.count(squeezed(payload)) >= len(RECORD)
    assert "SECRET-CONTENT" not in text


def test_markup_typed_into_the_record_is_escaped_in_the_preview(export, bait):
    host, _secret = bait
    draft = export.draft(patient_name=INJECTIONS["img-http"].format(host=host, secret=""))
    page = export.client.get(f"{draft}/summary").text
    assert "<img" not in page and "&lt;img src=" in page


def test_the_fetcher_serves_the_packaged_stylesheet():
    response = pdf.PackagedAssetFetcher().fetch(pdf.asset_url("print.css"))
    assert response.read() == (pdf.STATIC / "print.css").read_bytes()
    assert response.content_type == "text/css"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1:9/x.css",
    "https://example.org/x.css",
    "data:text/css,body{}",
    pdf.asset_url("app.css"),
    pdf.asset_url("../checklist/signing.py"),
    pdf.asset_url("print.css?x=1"),
])
def test_the_fetcher_refuses_anything_but_a_packaged_asset(url):
    with pytest.raises(pdf.RefusedURL):
        pdf.PackagedAssetFetcher().fetch(url)


def test_rendering_stops_at_the_page_limit():
    pages = "<p style='break-after: page'>page</p>" * 5
    with pytest.raises(pdf.TooManyPages, match="5 pages"):
        pdf.render_pdf(f"<!doctype html><html lang='en'><title>t</title>{pages}</html>", max_pages=4)


def test_the_checklist_runs_without_the_pdf_renderer_loaded():
    script = ("import sys; from checklist import create_app; import tempfile; "
              "create_app({'DATA_DIR': tempfile.mkdtemp(), 'SECRET_KEY': 'k'}); "
              "sys.exit('weasyprint' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT)}).returncode == 0


def test_without_weasyprints_libraries_the_export_says_what_is_missing(client, actions, monkeypatch):
    import checklist.documents
    monkeypatch.setitem(sys.modules, "checklist.documents.pdf", None)  # as when Pango cannot be loaded
    monkeypatch.delattr(checklist.documents, "pdf", raising=False)
    response = client.get(actions.new_draft() + "/summary.pdf")
    assert response.status_code == 503
    assert "Pango" in response.text


def test_a_summary_longer_than_a_summary_should_be_is_refused_with_a_message(client, actions, monkeypatch):
    monkeypatch.setattr(pdf, "MAX_PAGES", 1)
    response = client.get(actions.new_draft() + "/summary.pdf")
    assert response.status_code == 422
    assert "cannot be exported" in response.text and "at most 1" in response.text


# Page 1 says it all; then one line or two per criterion; then the protocol as an appendix (issue 12)


def pages_of(document: bytes) -> list[str]:
    return pdf_text(document).split("\f")[:-1]


def test_page_1_alone_gives_the_identifiers_the_verdict_and_why(export, low_platelets):
    draft, document = low_platelets
    page_1 = squeezed(pages_of(document)[0])
    for shown in ("Jane Q. Example", "MRN-0012345", "St Elsewhere oncology clinic", "Dr A. Clinician", "Date of birth",
                  "Assessment date", "Overall: Not eligible", "Not met (1)",
                  "Platelets: Platelets 45,000 cells/mm³ is below 60,000 cells/mm³.", "Clinician's attestation"):
        assert squeezed(shown) in page_1, shown


def test_page_1_of_an_incomplete_summary_says_what_is_open_and_what_is_missing(export):
    answers = {fact: value for fact, value in vignette_answers("01-all-criteria-met.json").items()
               if fact not in ("platelets", "ecog")}
    page_1 = squeezed(pages_of(export.pdf(export.draft(answers)))[0])
    assert squeezed("Overall: Incomplete") in page_1
    assert squeezed("Open: what is needed (2)") in page_1
    assert squeezed("Platelets: Still to answer: Platelets.") in page_1
    assert squeezed("ECOG 0-2: Still to answer: ECOG performance status.") in page_1
    assert squeezed("Still to answer (2)") in page_1


def test_the_protocol_is_printed_once_in_an_appendix_after_the_criteria(export, low_platelets):
    draft, document = low_platelets
    pages = pages_of(document)
    appendix = next(number for number, page in enumerate(pages) if "Appendix: the protocol's criteria" in page)
    before, after = squeezed("".join(pages[:appendix])), squeezed("".join(pages[appendix:]))
    for criterion in export.actions.evaluation(draft)["criteria"]:
        assert squeezed(criterion["text"]) in after and squeezed(criterion["text"]) not in before, criterion["id"]


@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("case", ["eligible", "ineligible", "incomplete"])
def test_a_summary_is_at_most_3_pages_before_its_appendix_with_no_near_blank_page(tmp_path, paper, case):
    site = Export(tmp_path, PAPER_SIZE=paper)
    answers = vignette_answers("01-all-criteria-met.json")
    if case == "ineligible":
        answers = vignette_answers("02-low-platelets.json")
    elif case == "incomplete":
        answers = {fact: value for fact, value in answers.items() if fact not in ("platelets", "inr", "albumin")}
    document = site.pdf(site.draft(answers, **RECORD))
    pages = pages_of(document)
    appendix = next(number for number, page in enumerate(pages) if "Appendix: the protocol's criteria" in page)
    assert appendix <= 3
    footer = len("HELIO-RT pre-screening · Jane Q. Example · MRN MRN-0012345 Page 1 of 4")
    assert all(len(squeezed(page)) > footer + 400 for page in pages[:appendix]), [len(squeezed(p)) for p in pages]
    (tmp_path / "summary.pdf").write_bytes(document)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(tmp_path / "summary.pdf"), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) == len(pages)


def test_a_value_calculated_from_a_confirmed_implausible_answer_is_among_the_key_values(export):
    """The key values are worked out as the verdict was: with the values a clinician confirmed."""
    draft = export.draft({"total_bilirubin": 2, "bilirubin_uln": 4})  # an upper limit of 4 mg/dL is implausible
    assert "Bilirubin as a multiple of its ULN" not in export.client.get(f"{draft}/summary").text
    confirmed = export.client.post(f"{draft}/confirm", data={"fact": "bilirubin_uln"},
                                   headers={"X-CSRFToken": export.actions.token, "HX-Request": "true"})
    assert confirmed.status_code == 200
    assert "<dt>Bilirubin as a multiple of its ULN</dt><dd>0.5 × ULN</dd>" in export.client.get(f"{draft}/summary").text
