"""The screening log a site owes its sponsor: the outcome of each pre-screening recorded on its
checklist (dated, in the history, changeable), one de-identified row per screening kept apart from
the drafts (so that retention leaves it), the /log page with filters, totals and a chart, the CSV
(`/log.csv`, `checklist log`), the site's identified copy behind a confirmation, and a signed PDF."""
from __future__ import annotations

import csv
import http.cookiejar
import io
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from support import ROOT, LiveServer
from test_registration_window import helio
from test_summary import Export, pdf_text

NAME, MRN, BORN = "Zebedee Quibbleworth", "MRN-77X8899", "1962-02-10"
COLUMNS = ["screening_number", "date_screened", "trial", "rules_version", "verdict", "met_all_criteria",
           "criteria_not_met_ids", "criteria_not_met", "outcome", "outcome_label", "outcome_date", "note", "clinician"]


@pytest.fixture
def site(tmp_path):
    return Export(tmp_path / "data")


def draft_of(site, **changes) -> str:
    """A draft of the dated HELIO-RT patient (eligible unless changed), with a distinctive name."""
    return site.draft(helio(**changes), patient_name=NAME, patient_mrn=MRN, clinician_name="Dr A. Clinician")


def ineligible(site) -> str:
    return draft_of(site, planned_regimen="atezolizumab_bevacizumab")  # a bleed 2 months ago


def record(site, draft, outcome, date="2026-12-04", note="", htmx=True):
    headers = {"X-CSRFToken": site.actions.token, **({"HX-Request": "true"} if htmx else {})}
    return site.client.post(f"{draft}/outcome", data={"outcome": outcome, "outcome_date": date, "outcome_note": note},
                            headers=headers)


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def log_csv(site, query="") -> list[dict]:
    response = site.client.get("/log.csv" + query)
    assert response.status_code == 200, response.text
    return rows_of(response.text)


# Recording the outcome, on the checklist ----------------------------------------------------------

def test_the_checklist_asks_for_the_outcome_and_suggests_not_eligible_when_it_says_so(site):
    page = site.client.get(ineligible(site)).text
    assert 'id="outcome"' in page
    assert re.search(r'value="not_eligible"\s+checked', page)


def test_not_eligible_is_recorded_with_the_criteria_not_met(site):
    draft = ineligible(site)
    assert record(site, draft, "not_eligible").status_code == 200
    row, = log_csv(site)
    assert (row["verdict"], row["met_all_criteria"], row["outcome"]) == ("ineligible", "N", "not_eligible")
    assert row["criteria_not_met_ids"] == "no_recent_bleed_with_bevacizumab"
    assert row["criteria_not_met"] == "No recent bleed (atezolizumab + bevacizumab)"


def test_an_eligible_patient_registered_is_a_row_that_met_all_criteria(site):
    record(site, draft_of(site), "registered")
    row, = log_csv(site)
    assert (row["verdict"], row["met_all_criteria"], row["outcome_label"], row["date_screened"]) == (
        "eligible", "Y", "Registered", "2026-12-04")


@pytest.mark.parametrize("outcome", ["referred", "patient_declined", "physician_declined", "urgent_treatment",
                                     "trial_not_open"])
def test_every_outcome_can_be_recorded_for_an_incomplete_checklist(site, outcome):
    draft = draft_of(site, platelets=None)
    assert record(site, draft, outcome).status_code == 200
    assert [(row["verdict"], row["outcome"]) for row in log_csv(site)] == [("incomplete", outcome)]


def test_other_needs_a_short_note_which_the_log_keeps(site):
    draft = draft_of(site)
    response = record(site, draft, "other_reason")
    assert response.status_code == 422 and "Say briefly what the other outcome was." in response.text
    record(site, draft, "other_reason", note="moved abroad")
    assert [row["note"] for row in log_csv(site)] == ["moved abroad"]


@pytest.mark.parametrize("outcome, verdict_of, message", [
    ("not_eligible", draft_of, "does not say “Not eligible”"),
    ("registered", ineligible, "cannot be referred or registered"),
    ("referred", ineligible, "cannot be referred or registered"),
])
def test_an_outcome_the_verdict_contradicts_is_refused_next_to_it_and_nothing_is_saved(site, outcome, verdict_of, message):
    draft = verdict_of(site)
    response = record(site, draft, outcome)
    assert response.status_code == 422 and message in response.text and 'id="outcome-error"' in response.text
    assert log_csv(site) == [] and "outcome" not in saved_record(site, draft)
    assert "Screening outcome" not in site.client.get(f"{draft}/history?all=1").text


def saved_record(site, draft) -> dict:
    return site.app.extensions["draft_store"].get(draft.rsplit("/", 1)[1])["record"]


def test_a_note_naming_the_patient_is_refused(site):
    draft = draft_of(site)
    for note in (f"{NAME.upper()} moved", f"see {MRN.lower()}"):
        response = record(site, draft, "other_reason", note=note)
        assert response.status_code == 422 and "name and record number out of the note" in response.text
    assert log_csv(site) == []


@pytest.mark.parametrize("date, message", [("2026-13-01", "YYYY-MM-DD"), ("2999-01-01", "cannot be in the future"),
                                           ("", "YYYY-MM-DD")])
def test_a_bad_outcome_date_is_refused(site, date, message):
    response = record(site, draft_of(site), "registered", date=date)
    assert response.status_code == 422 and message in response.text
    assert log_csv(site) == []


def test_an_unknown_outcome_is_refused(site):
    assert record(site, draft_of(site), "vanished").status_code == 422
    assert log_csv(site) == []


def test_a_changed_outcome_keeps_its_screening_number_and_both_are_in_the_history(site):
    draft = draft_of(site)
    record(site, draft, "referred", date="2026-12-01")
    record(site, draft, "patient_declined", date="2026-12-03")
    row, = log_csv(site)
    assert (row["screening_number"], row["outcome"], row["outcome_date"]) == ("0001", "patient_declined", "2026-12-03")
    history = site.client.get(f"{draft}/history?all=1").text
    assert "Referred to the trial team" in history and "Patient declined" in history


def test_each_screening_gets_the_next_number(site):
    for _ in range(3):
        record(site, draft_of(site), "registered")
    assert [row["screening_number"] for row in log_csv(site)] == ["0001", "0002", "0003"]


def test_without_javascript_recording_returns_to_the_checklist(site):
    draft = draft_of(site)
    response = record(site, draft, "registered", htmx=False)
    assert response.status_code == 303 and response.location.endswith(f"{draft}#outcome")
    assert "Screening number 0001" in site.client.get(draft).text


# The log page ---------------------------------------------------------------------------------------

def test_the_start_page_links_the_screening_log(site):
    assert 'href="/log"' in site.client.get("/").text


def test_the_log_lists_each_screening_without_identifiers(site):
    record(site, ineligible(site), "not_eligible")
    page = site.client.get("/log").text
    assert "No recent bleed (atezolizumab + bevacizumab)" in page and "0001" in page
    assert NAME not in page and MRN not in page and BORN not in page


def test_the_log_filters_by_date_screened_and_outcome(site):
    record(site, draft_of(site, assessment_date="2026-11-20", pregnancy_test_date="2026-11-10"), "registered",
           date="2026-11-20")
    record(site, ineligible(site), "not_eligible")
    record(site, draft_of(site), "patient_declined")
    assert [row["outcome"] for row in log_csv(site, "?from=2026-12-01&to=2026-12-04")] == ["not_eligible", "patient_declined"]
    assert [row["outcome"] for row in log_csv(site, "?outcome=registered")] == ["registered"]
    assert [row["outcome"] for row in log_csv(site, "?to=2026-11-30")] == ["registered"]


def test_a_filter_that_is_not_a_date_is_refused_next_to_it(site):
    response = site.client.get("/log?from=yesterday")
    assert response.status_code == 422 and 'id="log-from-error"' in response.text


def test_the_charts_totals_equal_the_tables(site):
    record(site, ineligible(site), "not_eligible")
    record(site, draft_of(site), "registered")
    record(site, draft_of(site), "registered")
    page = site.client.get("/log").text
    chart = page[page.index("<svg"):page.index("</svg>")]
    drawn = dict(re.findall(r'<text[^>]*>([^<]+)</text>\s*<rect[^>]*/>\s*<text[^>]*>(\d+)</text>', chart))
    table = page[page.index('class="log-table totals"'):]
    tabled = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table[:table.index("</table>")]))
    assert drawn == tabled
    assert (tabled["Screened"], tabled["Eligible on the checklist"], tabled["Registered"], tabled["Not eligible"]) == (
        "3", "2", "2", "1")


def test_the_chart_is_an_accessible_image_with_a_table_beside_it(site):
    record(site, draft_of(site), "registered")
    page = site.client.get("/log").text
    assert re.search(r'<svg class="chart" role="img" aria-labelledby="chart-title"', page)
    assert "<title id=\"chart-title\">Screenings: Screened 1;" in page


# The CSV -------------------------------------------------------------------------------------------------

def test_the_csv_has_the_logs_columns(site):
    record(site, draft_of(site), "registered")
    response = site.client.get("/log.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert next(csv.reader(io.StringIO(response.text))) == COLUMNS


def test_the_default_csv_holds_no_identifier(site):
    record(site, ineligible(site), "not_eligible")
    text = site.client.get("/log.csv").text
    assert NAME not in text and MRN not in text and BORN not in text
    assert "Zebedee" not in text and "77X8899" not in text


def test_the_identified_copy_needs_the_pages_confirmation(site):
    record(site, draft_of(site), "registered")
    assert NAME not in site.client.get("/log.csv?identified=yes").text
    assert "never send it to a sponsor" in site.client.get("/log/identified").text
    row, = log_csv(site, "?identified=yes&confirm=yes")
    assert (row["patient_name"], row["patient_mrn"], row["birth_date"]) == (NAME, MRN, BORN)


def test_a_note_that_a_spreadsheet_would_run_is_written_as_text(site):
    record(site, draft_of(site), "other_reason", note='=HYPERLINK("http://example.invalid","x")')
    assert log_csv(site)[0]["note"].startswith("'=HYPERLINK")


# Retention, processes, command line, PDF -------------------------------------------------------------

def test_the_rows_outlive_the_drafts_purged_by_retention(site):
    record(site, ineligible(site), "not_eligible")
    record(site, draft_of(site), "registered")
    store = site.app.extensions["draft_store"]
    assert len(store.purge(0)) == 2 and store.summaries() == []
    assert [row["outcome"] for row in log_csv(site)] == ["not_eligible", "registered"]
    assert [row["patient_name"] for row in log_csv(site, "?identified=yes&confirm=yes")] == ["", ""]


def test_two_server_processes_recording_at_once_lose_nothing(tmp_path):
    servers = [LiveServer(tmp_path / "data"), LiveServer(tmp_path / "data")]
    for server in servers:
        server.start()
    try:
        clients = [Browserless(server.url) for server in servers]
        drafts = [clients[index % 2].new_draft() for index in range(24)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda pair: clients[pair[0] % 2].post(f"{pair[1]}/outcome", {
                "outcome": "patient_declined", "outcome_date": "2026-12-04"}), enumerate(drafts)))
        assert set(statuses) == {200}
        rows = rows_of(subprocess.run([sys.executable, "-m", "checklist", "log", "--data", str(tmp_path / "data")],
                                      capture_output=True, text=True, check=True, cwd=ROOT).stdout)
        assert sorted(row["screening_number"] for row in rows) == [f"{number:04d}" for number in range(1, 25)]
    finally:
        for server in servers:
            server.stop()


class Browserless:
    """A session with one server over HTTP (its cookie and CSRF token), as a browser keeps one."""

    def __init__(self, url):
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.opener.open(url + "/", timeout=10).read().decode()
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def new_draft(self) -> str:
        with self.opener.open(self.url + "/drafts", urllib.parse.urlencode({"csrf_token": self.token}).encode(),
                              timeout=10) as response:
            return urllib.parse.urlparse(response.url).path

    def post(self, path, fields) -> int:
        request = urllib.request.Request(self.url + path, urllib.parse.urlencode(fields).encode(),
                                         headers={"X-CSRFToken": self.token, "HX-Request": "true"})
        with self.opener.open(request, timeout=30) as response:
            return response.status


def checklist_log(site, *arguments) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "checklist", "log", "--data", str(site.data), *arguments],
                          capture_output=True, text=True, cwd=ROOT)


def test_checklist_log_prints_the_csv_for_a_date_range(site):
    record(site, draft_of(site, assessment_date="2026-11-20", pregnancy_test_date="2026-11-10"), "registered",
           date="2026-11-20")
    record(site, ineligible(site), "not_eligible")
    done = checklist_log(site, "--from", "2026-12-01", "--to", "2026-12-31")
    assert done.returncode == 0
    assert [row["outcome"] for row in rows_of(done.stdout)] == ["not_eligible"]
    assert NAME not in done.stdout


def test_checklist_log_identified_adds_the_identifiers(site):
    record(site, draft_of(site), "registered")
    row, = rows_of(checklist_log(site, "--identified").stdout)
    assert (row["patient_name"], row["patient_mrn"]) == (NAME, MRN)


def test_checklist_log_names_the_trials_it_has_when_the_trial_is_unknown(site):
    record(site, draft_of(site), "registered")
    done = checklist_log(site, "--trial", "NCT00000000")
    assert done.returncode == 2 and "NCT07166406" in done.stderr and done.stdout == ""


def test_the_signed_pdf_of_the_log_verifies_and_holds_no_identifier(site, tmp_path):
    record(site, ineligible(site), "not_eligible")
    response = site.client.get("/log.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    path = tmp_path / "log.pdf"
    path.write_bytes(response.data)
    verified = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    assert "Signature is Valid" in verified.stdout and "Total document signed" in verified.stdout
    text = pdf_text(response.data)
    assert "Screening log" in text and "No recent bleed" in text and NAME not in text and MRN not in text



def test_each_trial_served_keeps_its_own_log(tmp_path):
    from checklist.bundled import DEFAULT_RULES
    from support import TRIALS
    site = Export(tmp_path / "data", RULES_FILES=[str(DEFAULT_RULES), str(TRIALS["dapa-ckd"][0])])
    dapa = site.client.post("/drafts", data={"csrf_token": site.actions.token, "trial": "NCT03036150"}).location
    assert record(site, dapa, "patient_declined").status_code == 200
    assert [row["trial"] for row in log_csv(site, "?trial=NCT03036150")] == ["NCT03036150"]
    assert log_csv(site, "?trial=NCT07166406") == []


def test_checklist_log_identified_finds_the_birth_date_through_the_rules_code(site):
    record(site, draft_of(site), "registered")
    row, = rows_of(checklist_log(site, "--identified").stdout)
    assert row["birth_date"] == BORN
