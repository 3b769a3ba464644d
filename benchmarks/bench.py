"""Benchmarks that print figures: `python benchmarks/bench.py [engine|http|storage|pdf|offline]`.

Never run by the tests; the figures go in the README.
"""
from __future__ import annotations

import datetime as dt
import gzip
import http.client
import io
import json
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from checklist.bundled import DEFAULT_RULES
from checklist.domain.answers import validate
from checklist.domain.engine import evaluate
from checklist.domain.rules import load_trial
from checklist.persistence.storage import DraftStore, write_atomically

VIGNETTE = DEFAULT_RULES.parent / "helio-rt" / "vignettes" / "01-all-criteria-met.json"


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and 99th percentile, in milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


# The first vignette with dates in place of the values typed for the day: a woman of childbearing
# potential with a negative pregnancy test 20 days old and a GI bleed 2 months ago, so that the
# registration window and the alternatives (the regimens) have something to find.
DATED_CHANGES = {"assessment_date": "2026-06-15", "date_of_birth": "1962-02-10", "sex": "female",
                 "childbearing_potential": True, "pregnancy_test_result": "negative",
                 "pregnancy_test_date": "2026-05-26", "last_significant_bleed_date": "2026-04-15",
                 "immunostimulatory_last_dose_date": "2025-06-01", "immunostimulatory_half_life_days": 21}


def bench_engine(runs: int = 3000) -> None:
    """Validate and evaluate one full answers document, many times: every criterion judged afresh,
    and as an answer at the bedside is (one value changed, the other criteria's judgements kept);
    with dates, with and without the registration window and the alternatives."""
    from checklist.domain import engine
    trial = load_trial(DEFAULT_RULES)
    typed = json.loads(VIGNETTE.read_text())["answers"]
    dated = {fact: value for fact, value in typed.items()
             if fact not in ("age_years", "significant_bleed_within_6_months", "recent_immunostimulatory_agent")}
    dated.update(DATED_CHANGES)
    today = dt.date(2026, 6, 15)
    for document, answers in (("the first vignette", typed), ("the first vignette with dates", dated)):
        for outlook in (True, False):
            for label, forget in (("every criterion judged afresh", True), ("one answer changed", False)):
                samples = _engine_samples(trial, answers, today, forget, runs, engine, outlook)
                median, p99 = percentiles(samples[runs // 10:])  # the first tenth warms caches
                print(f"validate + evaluate {document}, {label}, "
                      f"{'with' if outlook else 'without'} window and alternatives ({runs} runs): "
                      f"median {median:.3f} ms, p99 {p99:.3f} ms")


def _engine_samples(trial, answers, today, forget, runs, engine, outlook) -> list[float]:
    kept = engine.window, engine.alternatives
    if not outlook:
        engine.window = engine.alternatives = lambda context, judged: None
    try:
        samples = []
        for index in range(runs):
            changed = {**answers, "platelets": {"value": 150 + index % 500, "unit": "10^9/L"}}
            if forget:
                trial.memo.clear()
            start = time.perf_counter()
            facts, _errors = validate(trial, changed, today)
            evaluate(trial, facts, today)
            samples.append(time.perf_counter() - start)
        return samples
    finally:
        engine.window, engine.alternatives = kept


BLOCK = 20  # requests of one kind in a row, in bench_http


def bench_http(runs: int = 400) -> None:
    """One answer posted over HTTP on loopback to a real `checklist serve`, as htmx sends it, to a
    draft answered throughout (the first vignette, imported), as at the end of a bedside visit."""
    with served() as (port, data):
        connection = _connect(port)
        connection.request("GET", "/")
        response = connection.getresponse()
        token = re.search(r'name="csrf-token" content="([^"]+)"', response.read().decode()).group(1)
        cookie = response.getheader("Set-Cookie").split(";")[0]
        headers = {"Cookie": cookie, "X-CSRFToken": token, "HX-Request": "true", "Accept-Encoding": "gzip",
                   "Content-Type": "application/x-www-form-urlencoded"}
        document = json.dumps({"answers": json.loads(VIGNETTE.read_text(encoding="utf-8"))["answers"]}).encode()
        boundary = "bench-boundary"
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="draft"; filename="answers.json"\r\n'
                f'Content-Type: application/json\r\n\r\n').encode() + document + f"\r\n--{boundary}--\r\n".encode()
        connection.request("POST", "/drafts/import", body, {
            **headers, "Content-Type": f"multipart/form-data; boundary={boundary}", "HX-Request": ""})
        response = connection.getresponse()
        response.read()
        answers = response.getheader("Location") + "/answers"
        draft_file = next((Path(data) / "drafts").glob("*.json"))
        # In rounds of BLOCK answers, BLOCK pings and BLOCK durable writes: the three see the same
        # machine (a shared host's speed drifts by a third from one minute to the next), and each
        # follows its own kind, so that none pays for what another left to finish.
        samples, sizes, raw_sizes, pings, writes = [], [], [], [], []
        with tempfile.TemporaryDirectory() as folder:
            for first in range(0, runs, BLOCK):
                block = range(first, min(first + BLOCK, runs))
                for index in block:
                    body = urllib.parse.urlencode({"platelets": 160000 + index, "platelets_unit": "cells/mm3"})
                    start = time.perf_counter()
                    connection.request("POST", answers, body, headers)
                    response = connection.getresponse()
                    payload = response.read()
                    samples.append(time.perf_counter() - start)
                    sizes.append(len(payload))
                    raw_sizes.append(len(gzip.decompress(payload)) if response.getheader("Content-Encoding") else len(payload))
                for _ in block:
                    start = time.perf_counter()
                    connection.request("GET", "/ping", headers={"Cookie": cookie})
                    connection.getresponse().read()
                    pings.append(time.perf_counter() - start)
                size = draft_file.stat().st_size
                for _ in block:
                    start = time.perf_counter()
                    write_atomically(Path(folder) / "draft.json", bytes(size))
                    writes.append(time.perf_counter() - start)
    median, p99 = percentiles(samples[runs // 10:])
    ping, write = percentiles(pings[runs // 10:])[0], percentiles(writes[runs // 10:])[0]
    print(f"answer round trip over HTTP on loopback ({runs} answers): median {median:.2f} ms, p99 {p99:.2f} ms; "
          f"response {statistics.median(sizes) / 1024:.1f} KB gzip ({statistics.median(raw_sizes) / 1024:.1f} KB raw)")
    print(f"floor: a /ping round trip {ping:.2f} ms + one durable write of the draft ({size / 1024:.1f} KB) "
          f"{write:.2f} ms = {ping + write:.2f} ms; answer round trip / floor: {median / (ping + write):.2f}")


@contextmanager
def served():
    """A real `checklist serve` on a free loopback port with a throwaway data folder."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen([sys.executable, "-m", "checklist", "serve", "--port", str(port), "--data", data],
                                  stdout=subprocess.DEVNULL)
        try:
            _connect(port).close()
            yield port, data
        finally:
            server.terminate()
            server.wait()


def bench_offline() -> None:
    """What a draft page costs on the wire: first load on a new device, then a repeat load."""
    from playwright.sync_api import sync_playwright

    with served() as (port, _data), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        setup = browser.new_page()
        setup.goto(f"http://127.0.0.1:{port}/")
        setup.get_by_role("button", name="Start a new checklist").click()
        setup.wait_for_url("**/drafts/*")
        context = browser.new_context()  # a device that has never seen the app
        page = context.new_page()
        responses = []  # the page's and its service worker's
        context.on("response", lambda response: responses.append(response))
        page.goto(setup.url, wait_until="networkidle")
        _report("first load", responses)
        page.evaluate("navigator.serviceWorker.ready")
        responses.clear()
        page.reload(wait_until="networkidle")
        _report("repeat load", responses)
        browser.close()


def _report(label: str, responses) -> None:
    network = [response for response in responses if not response.from_service_worker]
    sizes = [response.request.sizes() for response in network]
    transferred = sum(size["responseBodySize"] + size["responseHeadersSize"] for size in sizes)
    names = sorted({response.url.split("?")[0].rsplit("/", 1)[-1] for response in network})
    print(f"draft page, {label}: {transferred / 1024:.1f} KB over the network in {len(network)} responses "
          f"({', '.join(names)})")


def _connect(port: int):
    deadline = time.monotonic() + 20
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.connect()
            return connection
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def bench_storage(runs: int = 500, sizes=(10, 1000, 10000)) -> None:
    """One answer saved (validated, judged and written durably) with 10, 1,000 and 10,000 drafts
    stored, and the start page's listing of them; a Markdown table. The saves take turns between
    the folders, each first in turn, so that whatever else the machine does slows every size alike."""
    trial = load_trial(DEFAULT_RULES)
    today = dt.date(2026, 6, 15)

    def verdict_of(answers):
        facts, _errors = validate(trial, answers, today)
        return evaluate(trial, facts, today)["verdict"]

    def save(store, draft_id, answers):
        store.save(draft_id, answers, {}, verdict_of=verdict_of, rules_version=trial.version)

    with tempfile.TemporaryDirectory() as root:
        drafts = {}
        for count in sizes:
            store = DraftStore(Path(root) / str(count))
            _fill(store, count - 1, trial.version, verdict_of)
            drafts[count] = (store, store.create(trial.version)["id"])
        samples = {count: [] for count in sizes}
        turns = list(drafts.items())
        for index in range(runs):
            for count, (store, draft_id) in turns[index % len(turns):] + turns[:index % len(turns)]:  # each goes first in turn
                start = time.perf_counter()
                save(store, draft_id, {"platelets": 60000 + index})
                samples[count].append(time.perf_counter() - start)
        print(f"answer save ({runs} saves of one draft) and start page listing, by drafts stored:\n")
        print("| drafts stored | save p50 | save p99 | listing, first in a process | listing after a save |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        for count, (store, draft_id) in drafts.items():
            median, p99 = percentiles(samples[count][runs // 10:])
            lister = DraftStore(store.folder)  # as a freshly started server process
            first = _seconds(lister.summaries)
            save(store, draft_id, {"ecog": 1})
            then = _seconds(lister.summaries)
            print(f"| {count:,} | {median:.2f} ms | {p99:.2f} ms | {first * 1000:.0f} ms | {then * 1000:.0f} ms |")


def _fill(store: DraftStore, count: int, rules_version: str, verdict_of) -> None:
    """`count` drafts like a finished one (every answer given, with its history), written quickly
    as copies of one real draft file."""
    answers = json.loads(VIGNETTE.read_text())["answers"]
    model = store.create(rules_version, contents={"record": {"patient_name": "Model Patient"}})
    store.save(model["id"], answers, {}, verdict_of=verdict_of, rules_version=rules_version)
    text = (store.folder / f"{model['id']}.json").read_text()
    for index in range(count - 1):
        draft_id = f"{index:032x}"
        write_atomically(store.folder / f"{draft_id}.json", text.replace(model["id"], draft_id).encode())


def _seconds(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def bench_pdf(runs: int = 15) -> None:
    """The signed PDF summary of a finished checklist, as GET /drafts/<id>/summary.pdf makes it:
    rendered by WeasyPrint, then signed by pyHanko. Medians of several runs after a warm-up."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from checklist import create_app
    from checklist.documents import signing
    from checklist.web import summary

    answers = json.loads(VIGNETTE.read_text())["answers"]
    record = {"patient_name": "Model Patient", "patient_mrn": "000123", "clinician_name": "Dr Model",
              "site": "Bench site", "notes": "Two lines\nof notes."}
    today = dt.date(2026, 6, 15)
    with tempfile.TemporaryDirectory() as data:
        app = create_app({"DATA_DIR": data, "SECRET_KEY": "bench", "SITE_NAME": "Bench site"})
        draft = app.extensions["draft_store"].create(app.extensions["trial"].version,
                                                     contents={"answers": answers, "record": record})
        with app.test_request_context():
            key = summary.site_key()
            layouts = {"now": lambda: summary.summary_pdf(draft, key, today),
                       "before issue 12": lambda: _summary_before_issue_12(draft, key, today)}
            for name, render_pdf in layouts.items():
                unsigned = render_pdf()  # also the warm-up
                renders = [_seconds(render_pdf) for _ in range(runs)]
                signs = [_seconds(lambda: signing.sign_pdf(unsigned, key, reason="bench", location="bench"))
                         for _ in range(runs)]
                document = signing.sign_pdf(unsigned, key, reason="bench", location="bench")
                pages = PdfFileReader(io.BytesIO(document)).root["/Pages"]["/Count"]
                render, sign = statistics.median(renders) * 1000, statistics.median(signs) * 1000
                print(f"signed PDF summary of a finished checklist, layout {name}: {pages} pages, {len(document)} bytes "
                      f"({runs} runs): render + sign median {render + sign:.0f} ms (render {render:.0f} ms, sign {sign:.0f} ms)")


BEFORE_ISSUE_12 = Path(__file__).parent


def _summary_before_issue_12(draft: dict, key, today) -> bytes:
    """The 5-page summary this project printed before issue 12 (its template and stylesheet are kept
    beside this file), from the same data, for the comparison the issue asks for."""
    from flask import render_template_string

    from checklist.documents import pdf
    from checklist.domain.wording import derived_words, entry_words
    from checklist.web import summary
    view = summary.summary_view(draft, key, today)
    trial, evaluation = summary.current_trial(), view["evaluation"]
    for step in view["steps"]:
        step["criteria"] = [dict(criterion, answers=[
            (trial.questions.get(fact, {}).get("label", fact),
             entry_words(trial.questions.get(fact, {}), draft["answers"][fact]) if fact in draft["answers"]
             else "not answered") for fact in criterion["facts"]]) for criterion in step["criteria"]]
    view["derived"] = [(trial.questions.get(name, {}).get("label") or trial.derived[name].get("label", name),
                        derived_words(trial, name, value)) for name, value in evaluation["derived"].items()]
    template = (BEFORE_ISSUE_12 / "summary_before_issue_12.html").read_text(encoding="utf-8").replace(
        '<link rel="stylesheet" href="{{ stylesheet }}">',
        "<style>" + (BEFORE_ISSUE_12 / "print_before_issue_12.css").read_text(encoding="utf-8") + "</style>")
    return pdf.render_pdf(render_template_string(template, preview=False, stylesheet="", signature_url=None, **view))


BENCHES = {"engine": bench_engine, "http": bench_http, "storage": bench_storage, "pdf": bench_pdf,
           "offline": bench_offline}


def main(argv=None) -> None:
    names = (argv if argv is not None else sys.argv[1:]) or list(BENCHES)
    unknown = [name for name in names if name not in BENCHES]
    if unknown or "--help" in names or "-h" in names:
        print(f"usage: python benchmarks/bench.py [{'|'.join(BENCHES)}] ...  (none: all of them)")
        sys.exit(2 if unknown and "--help" not in names and "-h" not in names else 0)
    for name in names:
        BENCHES[name]()


if __name__ == "__main__":
    main()
